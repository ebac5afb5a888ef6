"""Series too short for a whole training window (twenty-ninth session).

In a panel, a series with fewer than ``min_observed + horizon`` values gives
no training window whose future is whole. Before this session the network
never trained on such a series (it forecast it from the others, with a
warning); now it trains on the windows whose future runs past the series'
end, the loss over the steps they observe (``_PARTIAL_FUTURE = "short"``
in ``seqforecast.neural.forecaster``; the rule before is the study switch
``partial_future=None``). Each rule is fitted on the same data, side by
side, and scored on the held-out horizon:

- an M3 category (``--category yearly`` etc.): the validation split of
  ``benchmarks.tune`` (the training part less its last horizon, scored
  there; the test part is not read), the competition's horizon and season
  given. Its shortest series are too short once the horizon is held out
  (320 of the 1,428 monthly ones, 313 of the 645 yearly ones).
- an M1 or Tourism panel (``--category m1-yearly`` etc., those of
  ``benchmarks.unseen``, never used for tuning): the competition's split,
  horizon and season.
- ``--category launches``: a ragged monthly panel as a retailer holds it,
  30 established products (ten years, a yearly season) and 10 launched 30
  months ago, growing along a logistic curve; scored on the next 12
  months. Given with its dates and nothing else, so the default horizon is
  two years: a launch needs 42 months for a whole window. Each seed draws
  its own panel. ``--bare`` gives it without the dates (a plain integer
  index: the season is detected from the values).

MASE on the series without a whole window ("short"), the others ("rest")
and all. Usage::

    python -m benchmarks.short_series --category yearly --cells lstm,gru --seeds 0,1

Rows are appended to ``benchmarks/results/short_series.csv``.
"""

from __future__ import annotations

import argparse
import datetime
import sys
import time
import warnings
from pathlib import Path

from benchmarks import _cli

_cli.one_thread_per_library()

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from benchmarks.unseen import PANELS  # noqa: E402  (M1 and Tourism)

RESULTS = Path(__file__).resolve().parent / "results"
RULES = {"whole": None, "short": "short"}


def launches(seed):
    """The launches panel: (y_train, y_test) of 40 monthly series, 10 of them 30 months long."""
    rng = np.random.default_rng(seed)
    n, n_new = 132, 42
    t = np.arange(n)
    columns = {}
    for i in range(30):
        season = 1 + 0.2 * np.sin(2 * np.pi * (t + i) / 12)
        columns[f"old{i:02d}"] = 100 * season * rng.lognormal(0, 0.05, n)
    u = np.arange(n_new)
    for i in range(10):
        values = np.full(n, np.nan)
        level = 200 / (1 + np.exp(-(u - 20) / 6))
        season = 1 + 0.2 * np.sin(2 * np.pi * (u + i) / 12)
        values[-n_new:] = level * season * rng.lognormal(0, 0.05, n_new)
        columns[f"new{i:02d}"] = values
    panel = pd.DataFrame(columns, index=pd.date_range("2012-01", periods=n, freq="MS"))
    return panel.iloc[:-12], panel.iloc[-12:]


def run(category, cells, seeds, origin, out, cmd, bare=False):
    import torch

    from benchmarks import _study
    from benchmarks.tune import validation_split
    from benchmarks.unseen import load_panel
    from seqforecast import GRUForecaster, LSTMForecaster
    from seqforecast.datasets import load_m3
    from seqforecast.metrics import mase, smape

    torch.set_num_threads(1)
    classes = {"lstm": LSTMForecaster, "gru": GRUForecaster}
    if category != "launches":  # the same data for every seed
        data = (load_panel(category) if category in PANELS
                else validation_split(load_m3(category), origin))
        y_train, y_test = data.y_train, data.y_test
        hints = {"horizon": data.horizon, "seasonal_period": data.seasonal_period}
        period = data.seasonal_period
    rows = []
    for seed in seeds:
        if category == "launches":  # each seed draws its own panel
            y_train, y_test = launches(seed)
            hints, period = {}, 12
            if bare:
                y_train = y_train.reset_index(drop=True)
                y_test = y_test.set_axis(range(len(y_train), len(y_train) + len(y_test)))
        for cell in cells:
            for rule, value in RULES.items():
                start = time.perf_counter()
                with _study.rules(partial_future=value), warnings.catch_warnings():
                    warnings.simplefilter("ignore", UserWarning)
                    model = classes[cell](random_state=seed, **hints).fit(None, y_train)
                seconds = time.perf_counter() - start
                forecast = model.forecast(len(y_test))
                forecast.index = y_test.index
                scores = mase(y_test, forecast, y_train=y_train, seasonal_period=period,
                              multioutput="raw_values")
                short = (y_train.notna().sum().to_numpy()
                         < model.min_observed_ + model.horizon_)
                rows.append({
                    "category": category + (" (bare)" if bare else ""),
                    "origin": origin if category in _cli.M3_CATEGORIES else "",
                    "cell": cell, "seed": seed, "rule": rule, "n_series": len(scores),
                    "n_short": int(short.sum()), "horizon": model.horizon_,
                    "period": model.seasonal_period_,
                    "mase_short": scores[short].mean() if short.any() else np.nan,
                    "mase_rest": scores[~short].mean(), "mase": scores.mean(),
                    "smape": float(np.mean(smape(y_test, forecast, multioutput="raw_values"))),
                    "train_windows": model.n_train_windows_, "fit_s": round(seconds, 1),
                    "command": cmd, "date": datetime.date.today().isoformat(),
                })
                print({k: (round(float(v), 4) if isinstance(v, float) else v)
                       for k, v in rows[-1].items() if k not in ("command", "date")},
                      file=sys.stderr, flush=True)
    _cli.append_rows(rows, out, cmd)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks.short_series",
                                     description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--category", required=True,
                        choices=[*_cli.M3_CATEGORIES, *PANELS, "launches"])
    parser.add_argument("--cells", default="lstm,gru")
    parser.add_argument("--seeds", default="0", help="comma-separated random states")
    parser.add_argument("--origin", type=int, default=1,
                        help="M3 validation fold (1: the last horizon of the training part)")
    parser.add_argument("--bare", action="store_true",
                        help="launches without their dates (a plain integer index)")
    parser.add_argument("--out", default=str(RESULTS / "short_series.csv"))
    args = parser.parse_args(argv)
    if args.bare and args.category != "launches":
        parser.error("--bare is for --category launches (the others have no dates)")
    cells = _cli.names(parser, args.cells, ("lstm", "gru"), "cells")
    seeds = [int(s) for s in args.seeds.split(",")]
    run(args.category, cells, seeds, args.origin, args.out,
        _cli.command("benchmarks.short_series", argv), bare=args.bare)
    return 0


if __name__ == "__main__":
    sys.exit(main())
