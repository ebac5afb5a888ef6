"""Memory a neural fit adds on one long series, as a multiple of the data.

The case of issue #12: ``LSTMForecaster(lookback=192, horizon=24,
max_epochs=1)`` fitted on one series of 1,000,000 points (8 MB of float64).
Each repeat runs in a fresh process that first does a tiny fit (imports,
torch's allocator pools and lazy initialisation are then in the baseline);
the peak RSS is reset (``/proc/self/clear_refs``) and read back as
``VmHWM`` after the fit, and tracemalloc traces the numpy and Python
allocations (torch's own allocations are not traced). Linux only. The peak RSS before the first
training step is read too: what the data cost, against what one step of
the network adds (its activations and gradients, which depend on the batch,
lookback and width, not on the length of the series).

glibc's allocator moves its threshold for returning freed blocks to the
system as the program runs, so the peak RSS varies twofold from process to
process with the same code; ``--stable-rss`` runs the measurements with
``MALLOC_MMAP_THRESHOLD_=131072`` (large blocks always mapped and returned
when freed), where the peak RSS is that of the memory in use, the same in
every process (written to ``results/memory_long_stable.csv``; another
``--n-points`` adds it to the file name).

Run from the repository root::

    python -m benchmarks.speed.memory_long                  # 3 repeats
    python -m benchmarks.speed.memory_long --stable-rss     # fixed allocator threshold
"""

from __future__ import annotations

import argparse
import json
import os
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
    import gc
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
    from benchmarks.speed._common import proc_status_mb
    from seqforecast.neural.net import WindowNet

    # The peak RSS when training starts: the data's part of the fit.
    at_training = {}
    fit = WindowNet.fit

    def recording_fit(net, *args, **kwargs):
        at_training["hwm"] = proc_status_mb("VmHWM")
        return fit(net, *args, **kwargs)

    WindowNet.fit = recording_fit
    gc.collect()
    before = proc_status_mb("VmRSS")
    model, rss_added, traced_peak, _ = measure_memory(
        lambda: LSTMForecaster(**params).fit(None, y)
    )
    WindowNet.fit = fit
    print(json.dumps({
        "rss_added_mb": rss_added, "traced_peak_mb": traced_peak,
        "rss_before_training_mb": at_training["hwm"] - before,
        "data_mb": y.nbytes / 1e6, "n_windows": model.n_train_windows_,
    }))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-points", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--stable-rss", action="store_true",
                        help="measure with MALLOC_MMAP_THRESHOLD_=131072 (see above)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.n_points)
        return 0
    env = dict(os.environ)
    if args.stable_rss:
        env["MALLOC_MMAP_THRESHOLD_"] = "131072"
    runs = []
    for _ in range(args.repeats):
        out = subprocess.run(
            [sys.executable, "-m", "benchmarks.speed.memory_long", "--child",
             "--n-points", str(args.n_points)],
            capture_output=True, text=True, check=True, env=env,
        )
        runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
    data = runs[0]["data_mb"]
    rss = statistics.median(r["rss_added_mb"] for r in runs)
    traced = statistics.median(r["traced_peak_mb"] for r in runs)
    before_training = statistics.median(r["rss_before_training_mb"] for r in runs)
    print(f"one series of {args.n_points} points ({data:.0f} MB), LSTMForecaster(lookback=192, "
          f"horizon=24, max_epochs=1), {runs[0]['n_windows']} windows; median of "
          f"{args.repeats} fresh processes")
    print("| measure | MB added | x data |")
    print("|---|---:|---:|")
    print(f"| peak RSS (VmHWM) | {rss:.1f} | {rss / data:.2f} |")
    print(f"| peak RSS before the first training step | {before_training:.1f} | "
          f"{before_training / data:.2f} |")
    print(f"| tracemalloc peak (numpy, Python) | {traced:.1f} | {traced / data:.2f} |")
    row = {"n_points": args.n_points, "data_mb": round(data, 1),
           "rss_added_mb": round(rss, 1), "traced_peak_mb": round(traced, 1),
           "rss_before_training_mb": round(before_training, 1),
           "rss_ratio": round(rss / data, 2), "traced_ratio": round(traced / data, 2),
           "runs_rss_mb": " ".join(f"{r['rss_added_mb']:.1f}" for r in runs),
           "stable_rss": args.stable_rss, "load1": load_average(), **machine_info()}
    name = "memory_long_stable" if args.stable_rss else "memory_long"
    if args.n_points != 1_000_000:
        name += f"_{args.n_points}"
    name += ".csv"
    print("wrote", write_csv(RESULTS / name, [row]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
