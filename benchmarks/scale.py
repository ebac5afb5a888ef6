"""How cost grows with the number of series: a global network vs per-series models.

Synthetic monthly panels of 1,000, 10,000 and 100,000 series (lengths drawn
from 60 to 144 months, right-aligned; a seasonal profile, a trend, a random
walk and noise per series). For each size, in a fresh process (so that the
peak memory is the case's own: ``VmHWM`` reset after the imports):

- the default ``LSTMForecaster`` (``seasonal_period=12``, ``horizon=18``, one
  thread): fit and predict time, peak memory added, and the fit time per
  optimisation step, data preparation included (the default budget depends
  on the length of the series, not their number: these panels train 4,000
  steps whatever their size, so the fit should grow far less than the data);
- per-series ``ThetaForecaster`` (one process, one thread): fit and predict
  time and peak memory, measured on the whole panel up to ``--theta-max``
  series and extrapolated linearly beyond (the cost per series does not
  depend on the panel);
- automatic ``ARIMAForecaster``: seconds per series measured on
  ``--arima-sample`` series and extrapolated linearly (1,000 series of
  automatic ARIMA take about 15 minutes of one core).

Run from the repository root (about 15 minutes on 2 cores)::

    python -m benchmarks.scale
    python -m benchmarks.scale --sizes 1000,10000 --theta-max 10000   # quicker

Results: ``benchmarks/results/scale.csv``; the table is printed as Markdown.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from benchmarks.speed._common import (
    load_average,
    machine_info,
    proc_status_mb,
    reset_peak_rss,
    write_csv,
)

RESULTS = Path(__file__).resolve().parent / "results"


def make_panel(n_series, seed=0):
    """A right-aligned monthly panel (n_rows, n_series) of different lengths."""
    rng = np.random.default_rng(seed)
    n_rows = 144
    lengths = rng.integers(60, n_rows + 1, n_series)
    t = np.arange(n_rows)[:, None]
    profile = rng.normal(0, 1, (12, n_series))
    season = profile[t[:, 0] % 12]
    level = 50 + 10 * rng.random(n_series)
    walk = np.cumsum(rng.normal(0, 0.3, (n_rows, n_series)), axis=0)
    y = level + 0.05 * t * rng.normal(1, 0.5, n_series) + 3 * season + walk
    y += rng.normal(0, 1, (n_rows, n_series))
    y[t < (n_rows - lengths)[None, :]] = np.nan
    return y


def child(model, n_series):
    """Fit and predict one case in this process; print its figures as JSON."""
    import gc
    import warnings

    import torch

    torch.set_num_threads(1)
    from threadpoolctl import threadpool_limits

    from seqforecast.baselines import ARIMAForecaster, ThetaForecaster
    from seqforecast.neural import LSTMForecaster

    y = make_panel(n_series)
    data_mb = y[~np.isnan(y)].nbytes / 1e6
    make = {
        "lstm": lambda: LSTMForecaster(seasonal_period=12, horizon=18, random_state=0,
                                       n_threads=1),
        "theta": lambda: ThetaForecaster(seasonal_period=12),
        "arima": lambda: ARIMAForecaster(seasonal_period=12),
    }[model]
    with warnings.catch_warnings(), threadpool_limits(1):
        warnings.simplefilter("ignore")
        make().fit(None, make_panel(4, seed=1))  # imports and lazy set-up in the baseline
        gc.collect()
        before = proc_status_mb("VmRSS")
        reset_peak_rss()
        start = time.perf_counter()
        fitted = make().fit(None, y)
        fit_seconds = time.perf_counter() - start
        start = time.perf_counter()
        fitted.predict(np.zeros((18, 0)))
        predict_seconds = time.perf_counter() - start
    result = {
        "model": model, "n_series": n_series, "data_mb": data_mb,
        "n_observations": int(np.sum(~np.isnan(y))),
        "fit_seconds": fit_seconds, "predict_seconds": predict_seconds,
        "peak_rss_added_mb": proc_status_mb("VmHWM") - before,
    }
    if model == "lstm":
        steps = fitted.n_epochs_ * (fitted.windows_per_epoch_ // fitted.batch_size_)
        result.update(n_windows=fitted.n_train_windows_, steps=steps,
                      ms_per_step=1000 * fit_seconds / steps)
    print(json.dumps(result))


def _run(model, n_series):
    out = subprocess.run(
        [sys.executable, "-m", "benchmarks.scale", "--child", model, "--n", str(n_series)],
        capture_output=True, text=True, check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks.scale",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--theta-max", type=int, default=10000,
                        help="largest panel Theta is fitted on; beyond, extrapolated")
    parser.add_argument("--arima-sample", type=int, default=50,
                        help="series on which ARIMA's cost per series is measured")
    parser.add_argument("--child", choices=["lstm", "theta", "arima"], help=argparse.SUPPRESS)
    parser.add_argument("--n", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.child, args.n)
        return 0
    sizes = [int(s) for s in args.sizes.split(",")]
    command = "python -m benchmarks.scale " + " ".join(sys.argv[1:] if argv is None else argv)
    info = machine_info()
    rows = []
    arima = _run("arima", args.arima_sample)
    arima_per_series = arima["fit_seconds"] / args.arima_sample
    theta_measured = {}
    for n in sizes:
        lstm = _run("lstm", n)
        rows.append({**lstm, "how": "measured"})
        if n <= args.theta_max:
            theta = _run("theta", n)
            theta_measured[n] = theta
            rows.append({**theta, "how": "measured"})
        else:
            base_n = max(theta_measured)
            base = theta_measured[base_n]
            factor = n / base_n
            rows.append({
                "model": "theta", "n_series": n, "data_mb": lstm["data_mb"],
                "fit_seconds": base["fit_seconds"] * factor,
                "predict_seconds": base["predict_seconds"] * factor,
                "peak_rss_added_mb": base["peak_rss_added_mb"] * factor,
                "how": f"extrapolated from {base_n} series",
            })
        rows.append({
            "model": "arima", "n_series": n, "data_mb": lstm["data_mb"],
            "fit_seconds": arima_per_series * n, "predict_seconds": float("nan"),
            "peak_rss_added_mb": float("nan"),
            "how": f"extrapolated from {args.arima_sample} series "
                   f"({arima_per_series:.2f} s each)",
        })
    print(f"synthetic monthly panels, 60-144 months per series; one process, one thread; "
          f"{info['cpu']}, {info['cores']} cores")
    print("| model | series | data MB | fit s | predict s | peak MB added | fit ms / step | how |")
    print("|---|---:|---:|---:|---:|---:|---:|---|")
    for row in rows:
        step = f"{row['ms_per_step']:.1f}" if "ms_per_step" in row else ""
        print(f"| {row['model']} | {row['n_series']:,} | {row['data_mb']:.1f} | "
              f"{row['fit_seconds']:.1f} | {row['predict_seconds']:.2f} | "
              f"{row['peak_rss_added_mb']:.0f} | {step} | {row['how']} |")
    keys = list(dict.fromkeys(k for row in rows for k in row))
    rows = [{**dict.fromkeys(keys, ""), **row, "command": command, "load1": load_average(),
             **info} for row in rows]
    print("wrote", write_csv(RESULTS / "scale.csv", rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
