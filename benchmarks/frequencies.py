"""The neural defaults on synthetic hourly, daily and weekly panels.

M1, M3 and Tourism hold yearly, quarterly and monthly data only, and the
M4 files need a download. To see whether a default chosen on them holds at
the higher frequencies a user may bring, this runner builds panels with a
known structure and fits the networks with and without hints::

    python -m benchmarks.frequencies --scalings recent,mean --seeds 0,1

The cells ``snaive`` (seasonal naive; naive on ``walk``) and ``theta``
(:class:`seqforecast.ThetaForecaster`) are the classical references, with and
without hints, one row each (they have no seed)::

    python -m benchmarks.frequencies --cells snaive,theta --seeds 0

The cells ``preset-fast`` and ``preset-accurate`` fit the ensemble presets
(:func:`seqforecast.make_ensemble`) instead, with the hints only (their
classical members detect the same periods, and the networks' behaviour
without hints is that of the ``lstm`` and ``gru`` rows)::

    python -m benchmarks.frequencies --panels daily,weekly \
        --cells preset-fast,preset-accurate --seeds 0 --n-jobs 2

Each panel has 100 series: a level drawn per series, a slow trend, a
multiplicative season of the frequency's period with its own amplitude and
phase per series, a level shift at a random time in half of the series, and
multiplicative noise. Hourly: period 24, 28 days, horizon 48; daily: period
7, 400 days, horizon 14; weekly: period 52, 5 years, horizon 13. The
``walk`` panel has no season: 300 steps (horizon 14) of the same trend,
shift and noise times a geometric random walk (a drift and a volatility of
its own per series), as daily prices or demand without a week. MASE is
scaled by each series' in-sample seasonal-naive error (naive on ``walk``).
``--study KEY=VALUE`` (repeatable) sets a rule of ``benchmarks._study``
for every fit, e.g. ``--study nonseasonal_long=None`` for the lookback of
data without a season before its raise for long series. Rows go to
``benchmarks/results/frequencies.csv``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from benchmarks import _cli, _study

RESULTS = Path(__file__).resolve().parent / "results"
# name -> (period, length, horizon)
PANELS = {"hourly": (24, 24 * 28, 48), "daily": (7, 400, 14), "weekly": (52, 260, 13),
          "walk": (1, 300, 14)}
CELLS = ("lstm", "gru")
PRESET_CELLS = ("preset-fast", "preset-accurate")
CLASSICAL_CELLS = ("snaive", "theta")
SCALINGS = ("recent", "mean")  # the default --scalings
OTHER_SCALINGS = ("smoothed",)  # the per-series smoothed level, on request


def make_panel(name, n_series=100, seed=0):
    """(train, test) DataFrames of one synthetic panel, right-aligned, RangeIndex."""
    period, length, horizon = PANELS[name]
    rng = np.random.default_rng([seed, period])
    t = np.arange(length + horizon)[:, None]
    level = rng.lognormal(3.0, 1.0, n_series)
    trend = rng.normal(0.0, 0.5, n_series) / length
    amplitude = rng.uniform(0.05, 0.4, n_series)
    phase = rng.uniform(0.0, 2 * np.pi, n_series)
    season = 1 + amplitude * np.sin(2 * np.pi * t / period + phase)
    shift_at = rng.integers(length // 4, length, n_series)
    shift = np.where(rng.random(n_series) < 0.5, rng.uniform(-0.3, 0.3, n_series), 0.0)
    shifted = 1 + shift * (t >= shift_at)
    noise = rng.lognormal(0.0, 0.05, (length + horizon, n_series))
    values = level * np.clip(1 + trend * t, 0.2, None) * season * shifted * noise
    if period == 1:  # no season: a random walk of the level instead
        drift = rng.normal(0.0, 0.002, n_series)
        steps = rng.normal(drift, rng.uniform(0.005, 0.03, n_series), (length + horizon, n_series))
        values = values / season * np.exp(np.cumsum(steps, axis=0))
    frame = pd.DataFrame(values, columns=[f"{name}_{i}" for i in range(n_series)])
    return frame.iloc[:length], frame.iloc[length:]


def _window(model):
    """The network's horizon and lookback (an ensemble's: its GRU's; none for the references)."""
    network = getattr(model, "named_forecasters_", {}).get("gru", model)
    return {"horizon_": getattr(network, "horizon_", None),
            "lookback_": getattr(network, "lookback_", None)}


def run(panels, cells, scalings, seeds, out, command, n_jobs=1, study=None):
    import torch

    from benchmarks.accuracy import make_model
    from seqforecast import GRUForecaster, LSTMForecaster, NaiveForecaster, ThetaForecaster
    from seqforecast.metrics import mase, smape

    torch.set_num_threads(1)
    rows = []
    for name in panels:
        period, _, horizon = PANELS[name]
        train, test = make_panel(name)
        future = pd.DataFrame(index=test.index)
        for cell in cells:
            preset, classical = cell in PRESET_CELLS, cell in CLASSICAL_CELLS
            for scaling in ("default",) if preset or classical else scalings:
                for hints in (True,) if preset else (True, False):
                    given = dict(horizon=horizon, seasonal_period=period) if hints else {}
                    for seed in seeds[:1] if classical else seeds:
                        if preset:  # as the M3 benchmark builds it
                            model = make_model(cell, horizon=horizon, period=period,
                                               seed=seed, n_jobs=n_jobs)
                        elif cell == "theta":
                            model = ThetaForecaster(
                                seasonal_period=given.get("seasonal_period"), n_jobs=n_jobs)
                        elif cell == "snaive":  # the last value where there is no season
                            model = NaiveForecaster(
                                strategy="seasonal" if period > 1 else "last",
                                seasonal_period=given.get("seasonal_period"))
                        else:
                            cls = {"lstm": LSTMForecaster, "gru": GRUForecaster}[cell]
                            model = cls(scaling=scaling, random_state=seed, **given)
                        start = time.perf_counter()
                        with _study.rules(**(study or {})):
                            forecast = model.fit(None, train).predict(future)
                        seconds = time.perf_counter() - start
                        rows.append({
                            "panel": name, "cell": cell, "scaling": scaling, "hints": hints,
                            "seed": seed, "seasonal_period_": model.seasonal_period_,
                            **_window(model),
                            "smape": round(float(np.mean(smape(test, forecast,
                                                               multioutput="raw_values"))), 3),
                            "mase": round(float(np.mean(mase(
                                test, forecast, y_train=train, seasonal_period=period,
                                multioutput="raw_values"))), 4),
                            "fit_seconds": round(seconds, 1), "command": command,
                            "date": dt.date.today().isoformat()})
                        print(rows[-1], file=sys.stderr, flush=True)
    table = pd.DataFrame(rows)
    out.mkdir(parents=True, exist_ok=True)
    path = out / "frequencies.csv"
    table.to_csv(path, mode="a", header=not path.exists(), index=False)
    print(table.pivot_table(index=["panel", "cell", "hints"], columns="scaling",
                            values="mase", sort=False).round(4).to_string())
    return table


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks.frequencies", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--panels", default=",".join(PANELS), help=f"from {', '.join(PANELS)}")
    parser.add_argument("--cells", default=",".join(CELLS),
                        help=f"from {', '.join(CELLS + PRESET_CELLS + CLASSICAL_CELLS)}")
    parser.add_argument("--scalings", default=",".join(SCALINGS),
                        help=f"from {', '.join(SCALINGS + OTHER_SCALINGS)}")
    parser.add_argument("--seeds", default="0,1", help="comma-separated random states")
    parser.add_argument("--n-jobs", type=int, default=1,
                        help="workers of the presets' per-series members")
    parser.add_argument("--out", type=Path, default=RESULTS)
    _cli.add_study_option(parser)
    args = parser.parse_args(argv)
    study = _cli.study_rules(parser, args.study)
    panels = _cli.names(parser, args.panels, PANELS, "panels")
    cells = _cli.names(parser, args.cells, CELLS + PRESET_CELLS + CLASSICAL_CELLS, "cells")
    scalings = _cli.names(parser, args.scalings, SCALINGS + OTHER_SCALINGS, "scalings")
    command = "python -m benchmarks.frequencies " + " ".join(
        sys.argv[1:] if argv is None else argv)
    run(panels, cells, scalings, [int(s) for s in args.seeds.split(",")], args.out,
        command.strip(), n_jobs=args.n_jobs, study=study)
    return 0


if __name__ == "__main__":
    sys.exit(main())
