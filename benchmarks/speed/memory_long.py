"""Memory a neural fit adds on one long series, as a multiple of the data.

The case of issue #12: ``LSTMForecaster(lookback=192, horizon=24,
max_epochs=1)`` fitted on one series of 1,000,000 points (8 MB of float64).
Each repeat runs in a fresh process that first does a tiny fit (imports,
torch's allocator pools and lazy initialisation are then in the baseline);
the peak RSS is reset (``/proc/self/clear_refs``) and read back as
``VmHWM`` after the fit, and tracemalloc traces the numpy and Python
allocations (torch's own allocations are not traced). Linux only.

Run from the repository root::

    python -m benchmarks.speed.memory_long            # 3 repeats
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys

from benchmarks.speed._common import (
    RESULTS,
    load_average,
    machine_info,
    measure_memory,
    write_csv,
)


def child(n_points):
    """One measurement in this process, printed as JSON."""
    import warnings

    import numpy as np
    import torch

    from seqforecast.neural import LSTMForecaster

    torch.set_num_threads(1)
    y = 100.0 + np.cumsum(np.random.default_rng(0).normal(size=n_points))
    params = {"lookback": 192, "horizon": 24, "max_epochs": 1, "random_state": 0}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        LSTMForecaster(**params).fit(None, y[:2000])
    model, rss_added, traced_peak, _ = measure_memory(
        lambda: LSTMForecaster(**params).fit(None, y)
    )
    print(json.dumps({
        "rss_added_mb": rss_added, "traced_peak_mb": traced_peak,
        "data_mb": y.nbytes / 1e6, "n_windows": model.n_train_windows_,
    }))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-points", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.n_points)
        return 0
    runs = []
    for _ in range(args.repeats):
        out = subprocess.run(
            [sys.executable, "-m", "benchmarks.speed.memory_long", "--child",
             "--n-points", str(args.n_points)],
            capture_output=True, text=True, check=True,
        )
        runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
    data = runs[0]["data_mb"]
    rss = statistics.median(r["rss_added_mb"] for r in runs)
    traced = statistics.median(r["traced_peak_mb"] for r in runs)
    print(f"one series of {args.n_points} points ({data:.0f} MB), LSTMForecaster(lookback=192, "
          f"horizon=24, max_epochs=1), {runs[0]['n_windows']} windows; median of "
          f"{args.repeats} fresh processes")
    print("| measure | MB added | x data |")
    print("|---|---:|---:|")
    print(f"| peak RSS (VmHWM) | {rss:.1f} | {rss / data:.2f} |")
    print(f"| tracemalloc peak (numpy, Python) | {traced:.1f} | {traced / data:.2f} |")
    row = {"n_points": args.n_points, "data_mb": round(data, 1),
           "rss_added_mb": round(rss, 1), "traced_peak_mb": round(traced, 1),
           "rss_ratio": round(rss / data, 2), "traced_ratio": round(traced / data, 2),
           "runs_rss_mb": " ".join(f"{r['rss_added_mb']:.1f}" for r in runs),
           "load1": load_average(), **machine_info()}
    print("wrote", write_csv(RESULTS / "memory_long.csv", [row]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
