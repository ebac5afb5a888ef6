"""Training budget of a network fitted on one series, on single M3 series.

A user with one series gets a global network with a few dozen training
windows. Each of ``--n-series`` M3 series of a category (a fixed random
sample, seed 0) is fitted alone, with the hints (``seasonal_period``,
``horizon``), on its training part less the last horizon, for each budget
of ``--steps`` optimisation steps (50 epochs of ``steps / 50`` batches of
32), and scored on that held-out horizon (MASE with the series' period):
the validation split of ``benchmarks.tune``, so the test part is not read.
Usage::

    python -m benchmarks.budget_single --category monthly --steps 250,1000 --cell lstm --seed 0

Results are appended to ``benchmarks/results/budget_single.csv`` (one row
per category, cell, seed and budget: mean and median MASE).
"""

from __future__ import annotations

import datetime as dt
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from benchmarks import _cli

RESULTS = Path(__file__).resolve().parent / "results"


def sample(data, n_series):
    """The names of a fixed random sample (seed 0) of ``n_series`` series of
    ``data`` (a right-aligned panel with a horizon and a period), less those
    too short for a network fitted alone on the training part less the last
    horizon: two seasons (plus the lags around the second) and a little more
    than the horizon."""
    h, m = data.horizon, data.seasonal_period
    names = np.random.default_rng(0).choice(data.y_train.columns, size=n_series, replace=False)
    lengths = data.y_train[names].notna().sum().to_numpy() - h
    return [name for name, n in zip(names, lengths, strict=True)
            if n >= 2 * m + 2 and n >= h + 4]


def run(category, n_series, budgets, cell, seed, out):
    import torch

    from seqforecast import GRUForecaster, LSTMForecaster
    from seqforecast.datasets import load_m3
    from seqforecast.metrics import mase

    torch.set_num_threads(1)
    cls = {"lstm": LSTMForecaster, "gru": GRUForecaster}[cell]
    data = load_m3(category)
    h, m = data.horizon, data.seasonal_period
    scores = {steps: [] for steps in budgets}
    windows = []
    start = time.perf_counter()
    for name in sample(data, n_series):
        y = data.y_train[name].dropna().to_numpy()
        fit, held_out = y[:-h], y[-h:]
        future = pd.DataFrame(index=range(len(fit), len(fit) + h))
        for steps in budgets:
            model = cls(seasonal_period=m, horizon=h, random_state=seed, batch_size=32,
                        windows_per_epoch=max(1, steps * 32 // 50))
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                forecast = model.fit(None, pd.Series(fit)).predict(future)
            forecast = np.asarray(forecast, dtype=float).ravel()
            scores[steps].append(float(mase(held_out, forecast, y_train=fit, seasonal_period=m)))
        windows.append(model.n_train_windows_)
    rows = [{"category": category, "cell": cell, "seed": seed, "steps": steps,
             "n_series": len(values), "median_windows": int(np.median(windows)),
             "mase_mean": round(float(np.mean(values)), 4),
             "mase_median": round(float(np.median(values)), 4),
             "seconds": round(time.perf_counter() - start, 1),
             "date": dt.date.today().isoformat()} for steps, values in scores.items()]
    table = pd.DataFrame(rows)
    out.mkdir(parents=True, exist_ok=True)
    path = out / "budget_single.csv"
    table.to_csv(path, mode="a", header=not path.exists(), index=False)
    print(table.to_string(index=False))
    return table


def main(argv=None):
    parser = _cli.category_parser("benchmarks.budget_single", __doc__)
    parser.add_argument("--n-series", type=int, default=40)
    parser.add_argument("--steps", default="250,1000", help="comma-separated budgets")
    parser.add_argument("--cell", default="lstm", choices=["lstm", "gru"])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    budgets = [int(s) for s in args.steps.split(",") if s]
    run(args.category, args.n_series, budgets, args.cell, args.seed, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
