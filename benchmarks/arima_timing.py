"""Fit time and accuracy of automatic ARIMA on a sample of M3 monthly series.

One command::

    python -m benchmarks.arima_timing --n-series 100 --seed 0

fits :class:`~seqforecast.baselines.ARIMAForecaster` (automatic order,
seasonal period 12) to each sampled series' training part, one series per
task over ``--n-jobs`` worker processes, times every fit (wall clock and
CPU time of the worker, BLAS limited to one thread), forecasts the
competition's 18-step test part and scores it with sMAPE and MASE against
seasonal naive. The sample is :func:`seqforecast.datasets.load_m3`'s
(``n_series``, ``random_state=seed``). ``--out`` writes one row per series.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from collections import Counter

import numpy as np
import pandas as pd
from joblib import Parallel, delayed

# Published on all 1428 M3 monthly series (Hyndman's Mcomp / forecast
# package results; Makridakis & Hibon 2000 for B-J automatic).
PUBLISHED = {
    "R forecast::auto.arima": (14.97, 0.867),
    "B-J automatic": (14.81, None),
    "seasonal naive": (17.23, 1.146),
}


def fit_one(values, horizon, period):
    """Fit one series: (forecast, wall s, cpu s, orders, fallback, n_models)."""
    from seqforecast.baselines import ARIMAForecaster

    model = ARIMAForecaster(seasonal_period=period)
    wall, cpu = time.perf_counter(), time.process_time()
    model.fit(None, values)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    forecast = model.predict(np.empty((horizon, 0)))
    return forecast, wall, cpu, model.orders_[0], bool(model.fallback_[0])


def machine():
    cpu = platform.processor() or platform.machine()
    return f"{platform.node()} ({cpu}, {os.cpu_count()} cores, Python {platform.python_version()})"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-series", type=int, default=100, help="series sampled (1-1428)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the sample")
    parser.add_argument("--n-jobs", type=int, default=2, help="worker processes")
    parser.add_argument("--out", default=None, help="CSV file for the per-series results")
    args = parser.parse_args(argv)

    from seqforecast.baselines import NaiveForecaster
    from seqforecast.datasets import load_m3
    from seqforecast.metrics import mase, smape

    data = load_m3("monthly", n_series=args.n_series, random_state=args.seed)
    period, horizon = data.seasonal_period, data.horizon
    columns = list(data.y_train.columns)
    series = [data.y_train[name].dropna().to_numpy() for name in columns]

    start = time.perf_counter()
    results = Parallel(n_jobs=args.n_jobs)(
        delayed(fit_one)(values, horizon, period) for values in series
    )
    elapsed = time.perf_counter() - start

    arima = np.column_stack([r[0] for r in results])
    naive = NaiveForecaster(strategy="seasonal", seasonal_period=period).fit(None, data.y_train)
    snaive = naive.predict(pd.DataFrame(index=data.y_test.index)).to_numpy()
    scores = {}
    for name, forecast in (("arima", arima), ("snaive", snaive)):
        scores[name] = (
            smape(data.y_test, forecast, multioutput="raw_values"),
            mase(data.y_test, forecast, y_train=data.y_train, seasonal_period=period,
                 multioutput="raw_values"),
        )
    wall = np.array([r[1] for r in results])
    cpu = np.array([r[2] for r in results])
    orders = [r[3] for r in results]
    fallbacks = [name for name, r in zip(columns, results, strict=True) if r[4]]

    command = "python -m benchmarks.arima_timing " + " ".join(
        sys.argv[1:] if argv is None else argv
    )
    print(f"command: {command}")
    print(f"machine: {machine()}")
    print(f"M3 monthly, {len(series)} series (seed {args.seed}), horizon {horizon}, "
          f"{args.n_jobs} worker processes")
    print(f"total wall time {elapsed:.1f} s")
    print(f"fit time per series, wall: mean {wall.mean():.2f} s, median "
          f"{np.median(wall):.2f} s, 90% {np.quantile(wall, 0.9):.2f} s, max {wall.max():.2f} s")
    print(f"fit time per series, CPU:  mean {cpu.mean():.2f} s, median "
          f"{np.median(cpu):.2f} s, max {cpu.max():.2f} s")
    print(f"=> all 1428 monthly series on {args.n_jobs} cores: about "
          f"{1428 * wall.mean() / args.n_jobs / 60:.0f} min")
    print(f"{'model':<26}{'sMAPE':>8}{'MASE':>8}")
    for name, label in (("arima", "ARIMAForecaster"), ("snaive", "seasonal naive")):
        s, m = scores[name]
        print(f"{label:<26}{s.mean():>8.2f}{m.mean():>8.3f}")
    print("published, all 1428 series:")
    for label, (s, m) in PUBLISHED.items():
        print(f"  {label:<24}{s:>8.2f}{'' if m is None else f'{m:>8.3f}'}")
    print(f"differencing (d, D): {sorted(Counter((o[0][1], o[1][1]) for o in orders).items())}")
    print(f"with constant: {sum(o[2] for o in orders)}; fallbacks: {fallbacks or 'none'}")

    if args.out:
        table = pd.DataFrame({
            "series": columns,
            "order": [o[0] for o in orders],
            "seasonal_order": [o[1] for o in orders],
            "with_constant": [o[2] for o in orders],
            "fit_wall_s": wall,
            "fit_cpu_s": cpu,
            "smape": scores["arima"][0],
            "mase": scores["arima"][1],
            "smape_snaive": scores["snaive"][0],
            "mase_snaive": scores["snaive"][1],
        })
        table.to_csv(args.out, index=False)
        print(f"per-series results: {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
