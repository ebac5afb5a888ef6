"""Draw the two example figures: a forecast with intervals and a backtest.

Run ``python examples/make_plots.py [OUT_DIR]``; it writes ``plot_forecast.png``
and ``plot_backtest.png`` (into ``examples/`` by default). Data: the bundled
AirPassengers series; model: the seasonal naive forecast.
"""

from __future__ import annotations

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pandas as pd

from seqforecast.baselines import NaiveForecaster
from seqforecast.datasets import load_airpassengers
from seqforecast.model_selection import ForecastSplitter, backtest
from seqforecast.plotting import plot_backtest, plot_forecast

HORIZON = 24


def main(out_dir=None):
    """Write the two PNGs into ``out_dir`` and return their paths."""
    out_dir = Path(out_dir) if out_dir is not None else Path(__file__).parent
    out_dir.mkdir(parents=True, exist_ok=True)
    y = load_airpassengers().astype(float)
    history, future = y.iloc[:-HORIZON], y.iloc[-HORIZON:]

    model = NaiveForecaster(strategy="seasonal").fit(None, history)
    forecast = model.forecast(HORIZON)
    # The seasonal naive model's analytic intervals (FPP3, section 5.5).
    intervals = {c: model.predict_interval(pd.DataFrame(index=future.index), coverage=c)
                 for c in (0.8, 0.95)}
    ax = plot_forecast(
        history, forecast, y_true=future, intervals=intervals, history_tail=72,
        title="AirPassengers: seasonal naive forecast of 1959-1960",
    )
    forecast_png = out_dir / "plot_forecast.png"
    ax.figure.savefig(forecast_png, dpi=100)
    plt.close(ax.figure)

    result = backtest(
        NaiveForecaster(strategy="seasonal"), None, y,
        cv=ForecastSplitter(horizon=12, n_splits=4, step=12),
    )
    ax = plot_backtest(result)
    backtest_png = out_dir / "plot_backtest.png"
    ax.figure.savefig(backtest_png, dpi=100)
    plt.close(ax.figure)
    return forecast_png, backtest_png, result


if __name__ == "__main__":
    paths = main(sys.argv[1] if len(sys.argv) > 1 else None)
    print(paths[2].summary())
    print("wrote", paths[0], paths[1])
