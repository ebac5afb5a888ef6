"""Memory a fit adds on a ragged panel, against the data and the rectangle.

The case of issue #13 (item 4): a long panel of 10,000 series, one of
50,000 steps and the others of 100 (1,049,900 values: 8.4 MB of float64),
whose rectangle ``n_series x longest`` would be 50,000 x 10,000 float64
(4 GB). Fitted: the default ``LSTMForecaster`` with a small window
(``horizon=6, lookback=12, max_epochs=1``) and the seasonal naive
``NaiveForecaster(strategy="seasonal")`` (a per-series model; the period is
detected from the panel, its times being integers).

Each measurement runs in a fresh process: the panel (a long ``pd.Series``
indexed by (series, time)) is built and a tiny warm-up fit is done first,
so the input, imports, torch's allocator pools and lazy initialisation are
in the baseline; then the peak RSS is reset (``/proc/self/clear_refs``) and
read back as ``VmHWM`` after the fit, and tracemalloc traces the numpy and
Python allocations (torch's own allocations are not traced). Linux only.
The forecast of every series (``forecast(horizon)``) is measured the same
way after the fit.

Run from the repository root::

    python -m benchmarks.speed.memory_ragged                 # both models, 1 repeat
    python -m benchmarks.speed.memory_ragged --n-series 1000 # a smaller panel

``--checkout DIR`` measures the seqforecast of another checkout (a git
worktree of an older commit, say) with this same script.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

from benchmarks.speed._common import (
    RESULTS,
    load_average,
    machine_info,
    measure_memory,
    write_csv,
)

MODELS = ("lstm", "naive")


def _panel(n_series, short, long):
    """The long panel: series 0 has ``long`` steps, the others ``short``; all end together."""
    import numpy as np
    import pandas as pd

    lengths = np.full(n_series, short)
    lengths[0] = long
    ids = np.repeat(np.arange(n_series), lengths)
    ends = np.cumsum(lengths)
    position = np.arange(ends[-1]) - np.repeat(ends - lengths, lengths)
    times = np.repeat(long - lengths, lengths) + position  # each series ends at long - 1
    rng = np.random.default_rng(0)
    values = 100.0 + rng.normal(size=len(ids)).cumsum() * 0.1
    index = pd.MultiIndex.from_arrays([ids, times], names=["series", "time"])
    return pd.Series(values, index=index, name="y")


def _model(name):
    if name == "lstm":
        from seqforecast.neural import LSTMForecaster

        return LSTMForecaster(horizon=6, lookback=12, max_epochs=1, random_state=0)
    from seqforecast.baselines import NaiveForecaster

    return NaiveForecaster(strategy="seasonal")


def child(name, n_series, short, long):
    """One measurement in this process, printed as JSON."""
    import warnings

    import torch

    import seqforecast

    torch.set_num_threads(1)
    y = _panel(n_series, short, long)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        small = _panel(4, 40, 60)
        _model(name).fit(None, small).forecast(2)
        model, fit_rss, fit_traced, fit_s = measure_memory(lambda: _model(name).fit(None, y))
        _, fc_rss, fc_traced, fc_s = measure_memory(lambda: model.forecast(6))
    print(json.dumps({
        "fit_rss_mb": fit_rss, "fit_traced_mb": fit_traced, "fit_s": fit_s,
        "forecast_rss_mb": fc_rss, "forecast_traced_mb": fc_traced, "forecast_s": fc_s,
        "data_mb": len(y) * 8 / 1e6, "rectangle_mb": n_series * long * 8 / 1e6,
        "seasonal_period": int(model.seasonal_period_),
        "seqforecast": str(Path(seqforecast.__file__).parent.parent),
    }))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-series", type=int, default=10_000)
    parser.add_argument("--short", type=int, default=100)
    parser.add_argument("--long", type=int, default=50_000)
    parser.add_argument("--models", default=",".join(MODELS))
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--checkout", default=None,
                        help="measure the seqforecast of this checkout instead")
    parser.add_argument("--label", default="after")
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        if args.checkout:  # that checkout's seqforecast, ahead of this one's
            sys.path.insert(0, str(args.checkout))
        child(args.child, args.n_series, args.short, args.long)
        return 0
    env = dict(os.environ, OMP_NUM_THREADS="1")
    checkout = [] if not args.checkout else ["--checkout", str(Path(args.checkout).resolve())]
    rows = []
    for name in args.models.split(","):
        runs = []
        for _ in range(args.repeats):
            out = subprocess.run(
                [sys.executable, "-m", "benchmarks.speed.memory_ragged", "--child", name,
                 "--n-series", str(args.n_series), "--short", str(args.short),
                 "--long", str(args.long), *checkout],
                capture_output=True, text=True, env=env,
            )
            if out.returncode:
                print(f"{name}: the child failed (exit {out.returncode}): "
                      f"{out.stderr.strip().splitlines()[-1:]}")
                break
            runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
        if not runs:
            continue
        print(f"{name}: measured the seqforecast of {runs[0].pop('seqforecast')}")
        for run in runs[1:]:
            run.pop("seqforecast")
        median = {key: statistics.median(r[key] for r in runs) for key in runs[0]}
        rows.append({"label": args.label, "model": name, "n_series": args.n_series,
                     "short": args.short, "long": args.long,
                     **{k: round(v, 2) for k, v in median.items()},
                     "repeats": len(runs), "load1": load_average(), **machine_info()})
    if not rows:
        return 1
    data, rectangle = rows[0]["data_mb"], rows[0]["rectangle_mb"]
    print(f"{args.n_series} series: one of {args.long} steps, the others {args.short} "
          f"(data {data:.1f} MB, rectangle {rectangle:.0f} MB); {args.label}; median of "
          f"{args.repeats} fresh process(es)")
    print("| model | step | peak RSS added MB | x data | tracemalloc peak MB | x data | "
          "x rectangle | seconds |")
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    for row in rows:
        for step in ("fit", "forecast"):
            rss, traced = row[f"{step}_rss_mb"], row[f"{step}_traced_mb"]
            print(f"| {row['model']} | {step} | {rss:.1f} | {rss / data:.1f} | {traced:.1f} | "
                  f"{traced / data:.1f} | {traced / rectangle:.4f} | {row[f'{step}_s']:.1f} |")
    name = "memory_ragged.csv" if args.label == "after" else f"memory_ragged_{args.label}.csv"
    print("wrote", write_csv(RESULTS / name, rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
