"""Scheduling overhead of joblib's Dask backend on per-series fits.

One command::

    python -m benchmarks.dask_overhead --n-series 1000

fits ``ARIMAForecaster(order=(1, 1, 0))`` (a fixed order: a cheap fit, about
15 ms a series, the worst case for scheduling overhead) to a synthetic panel
of ``n_series`` short quarterly series (lengths drawn from 16 to 64, M3
quarterly's training lengths; a seasonal profile, a trend, a random walk and
noise each), on two workers in two ways:

- ``loky``: ``n_jobs=2``, joblib's default process pool;
- ``dask``: ``with joblib.parallel_backend("dask")`` on a
  ``dask.distributed.LocalCluster`` of 2 worker processes with 1 thread each
  (``n_jobs=None``, the backend's default: every worker thread).

Each is timed (wall clock of ``fit``) as seqforecast runs it, the series in
a few chunks per worker, and, for comparison, with one joblib task per series
(the behaviour before chunking; joblib's automatic batching still groups
quick tasks). The runs are interleaved, ``--repeats`` rounds, after one
untimed warm-up fit per configuration (worker start-up and imports), so that
a busy machine slows them alike; every configuration must give forecasts
identical to a sequential fit. The overhead ratio is the median wall time on
Dask over the median with loky.

Writes ``benchmarks/results/dask_overhead.csv`` (one row per configuration,
with the command, machine and date; ``--out`` changes the path) and prints a
Markdown table. Needs ``dask[distributed]`` (the ``dask`` or ``dev`` extra).
"""

from __future__ import annotations

import os

# One BLAS thread everywhere (the workers inherit it): two workers, two cores.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import datetime  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from contextlib import nullcontext  # noqa: E402
from pathlib import Path  # noqa: E402
from unittest import mock  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from benchmarks.classical_speed import machine  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
N_WORKERS = 2
MODEL = "ARIMAForecaster(order=(1, 1, 0))"
# (backend, chunked): seqforecast's chunks first, then one task per series.
CONFIGS = [("loky", True), ("dask", True), ("loky", False), ("dask", False)]


def synthetic_panel(n_series, seed=0):
    """Right-aligned quarterly panel (64, n_series), lengths 16 to 64, NaN before."""
    rng = np.random.default_rng(seed)
    n_rows = 64
    y = np.full((n_rows, n_series), np.nan)
    t = np.arange(n_rows)
    for j in range(n_series):
        n = int(rng.integers(16, n_rows + 1))
        season = rng.uniform(0, 0.1) * np.sin(2 * np.pi * t[:n] / 4 + rng.uniform(0, 2 * np.pi))
        trend = rng.normal(0.01, 0.01) * t[:n]
        walk = np.cumsum(rng.normal(0, 0.02, n))
        level = rng.uniform(1_000, 10_000)
        y[n_rows - n:, j] = level * (1 + season + trend + walk + rng.normal(0, 0.01, n))
    return y


def fit(y, backend, chunked):
    """The fitted model and the wall seconds of its ``fit``."""
    import joblib

    from seqforecast import ARIMAForecaster

    n_jobs = N_WORKERS if backend == "loky" else None
    model = ARIMAForecaster(order=(1, 1, 0), n_jobs=n_jobs)
    context = joblib.parallel_backend("dask") if backend == "dask" else nullcontext()
    # One worker as far as the chunking knows: one chunk (task) per series.
    per_series = (
        nullcontext() if chunked
        else mock.patch("seqforecast.baselines.effective_n_jobs", return_value=1)
    )
    with context, per_series, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        start = time.perf_counter()
        model.fit(None, y)
        return model, time.perf_counter() - start


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-series", type=int, default=1000, help="series in the panel")
    parser.add_argument("--repeats", type=int, default=3, help="interleaved timed rounds")
    parser.add_argument("--seed", type=int, default=0, help="seed of the synthetic panel")
    parser.add_argument("--out", default=str(RESULTS / "dask_overhead.csv"),
                        help="CSV file written")
    args = parser.parse_args(argv)

    from distributed import Client, LocalCluster

    y = synthetic_panel(args.n_series, args.seed)
    steps = np.empty((8, 0))
    reference = fit(y, "sequential", True)[0].predict(steps)
    times = {config: [] for config in CONFIGS}
    with LocalCluster(n_workers=N_WORKERS, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster, Client(cluster):
        for config in CONFIGS:  # warm-up: worker start-up and imports
            fit(y[:, :4 * N_WORKERS], *config)
        for repeat in range(args.repeats):
            for config in CONFIGS:
                model, seconds = fit(y, *config)
                np.testing.assert_array_equal(model.predict(steps), reference)
                times[config].append(seconds)
                print(f"round {repeat + 1}: {config[0]:4s} "
                      f"{'chunked' if config[1] else 'per-series'} {seconds:.2f} s",
                      file=sys.stderr, flush=True)

    command = "python -m benchmarks.dask_overhead " + " ".join(
        sys.argv[1:] if argv is None else argv
    )
    median = {config: float(np.median(t)) for config, t in times.items()}
    rows = []
    for backend, chunked in CONFIGS:
        rows.append({
            "backend": backend,
            "tasks": "chunks (4 per worker)" if chunked else "one per series",
            "model": MODEL,
            "n_series": args.n_series,
            "workers": f"{N_WORKERS} x 1 thread",
            "wall_median_s": median[backend, chunked],
            "wall_min_s": min(times[backend, chunked]),
            "wall_runs_s": " ".join(f"{t:.3f}" for t in times[backend, chunked]),
            "overhead_ratio": median[backend, chunked] / median["loky", chunked],
            "command": command,
            "machine": machine(),
            "load_1min": round(os.getloadavg()[0], 2),
            "date": datetime.date.today().isoformat(),
        })
    table = pd.DataFrame(rows)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(args.out, index=False, float_format="%.4g")

    print(f"command: {command}")
    print(f"machine: {machine()}")
    print(f"{MODEL} on {args.n_series} synthetic quarterly series, {N_WORKERS} workers "
          f"x 1 thread, median of {args.repeats} interleaved runs")
    print("| backend | tasks | fit wall s (median / min) | dask / loky |")
    print("| --- | --- | --- | --- |")
    for r in table.itertuples():
        print(f"| {r.backend} | {r.tasks} | {r.wall_median_s:.2f} / {r.wall_min_s:.2f} | "
              f"{r.overhead_ratio:.3f} |")
    print(f"results: {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
