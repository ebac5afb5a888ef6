"""CPU vs GPU: training the LSTM forecaster on M3 monthly, side by side.

    python -m benchmarks.speed.gpu [--threads N] [--repeats R] [--output-dir DIR]

Fits ``LSTMForecaster`` on the 1428 M3 monthly training series with the
same parameters and seed on ``device="cpu"`` and ``device="cuda"`` (skipped
when CUDA is missing), in interleaved repeats, and records fit and predict
seconds, their CPU/GPU ratios and the test sMAPE of each (the same model
should score about the same on both devices). Two configurations:

- ``default``: the package defaults (batch 32, 20 batches x 50 epochs):
  small batches, where a GPU has little to parallelise;
- ``large``: hidden 128, 2 layers, batch 1024, 20 batches x 10 epochs:
  the kind of configuration a GPU is for (fewer epochs, so that the CPU
  side of the comparison stays short).

Writes ``results/gpu.csv`` (every repeat, with the machine) and prints a
summary of medians and ratios.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from benchmarks.speed._common import RESULTS, load_average, machine_info, write_csv

CONFIGS = {
    "default": {},
    "large": {"hidden_size": 128, "num_layers": 2, "batch_size": 1024,
              "windows_per_epoch": 20 * 1024, "max_epochs": 10},
}


def run_once(data, device, config):
    """Fit and predict once: (fit seconds, predict seconds, sMAPE)."""
    from seqforecast import LSTMForecaster
    from seqforecast.metrics import smape

    model = LSTMForecaster(horizon=data.horizon, seasonal_period=data.seasonal_period,
                           random_state=0, device=device, **CONFIGS[config])
    future = pd.DataFrame(index=data.y_test.index)
    if device == "cuda":
        torch.cuda.synchronize()
    start = time.perf_counter()
    model.fit(None, data.y_train)
    if device == "cuda":
        torch.cuda.synchronize()
    fit_s = time.perf_counter() - start
    start = time.perf_counter()
    forecast = model.predict(future)
    predict_s = time.perf_counter() - start
    return fit_s, predict_s, smape(data.y_test, forecast)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=None,
                        help="torch CPU threads (default: all cores)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--configs", default="default,large")
    parser.add_argument("--output-dir", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads or torch.get_num_threads())
    from seqforecast.datasets import load_m3

    data = load_m3("monthly")
    devices = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "none"
    if "cuda" in devices:
        torch.zeros(1, device="cuda")  # CUDA context created before timing
    info = {**machine_info(), "gpu": gpu}
    rows = []
    for config in args.configs.split(","):
        for repeat in range(args.repeats):
            # Alternate the order so drift in the machine's speed hits both.
            order = devices if repeat % 2 == 0 else devices[::-1]
            for device in order:
                fit_s, predict_s, score = run_once(data, device, config)
                rows.append({"config": config, "device": device, "repeat": repeat,
                             "fit_seconds": round(fit_s, 3),
                             "predict_seconds": round(predict_s, 3),
                             "smape": round(score, 3), "load": load_average(), **info})
                print(f"{config:>8} {device:>4} repeat {repeat}: fit {fit_s:7.2f} s  "
                      f"predict {predict_s:5.2f} s  sMAPE {score:.2f}", flush=True)
    write_csv(args.output_dir / "gpu.csv", rows)
    table = pd.DataFrame(rows)
    summary = table.groupby(["config", "device"])[["fit_seconds", "predict_seconds",
                                                   "smape"]].median()
    print(summary.to_string())
    for config in table["config"].unique():
        part = table[table["config"] == config]
        if part["device"].nunique() == 2:
            fit = {d: statistics.median(part.loc[part["device"] == d, "fit_seconds"])
                   for d in ("cpu", "cuda")}
            print(f"{config}: fit CPU / GPU = {fit['cpu'] / fit['cuda']:.2f}")
    print(info)
    return 0


if __name__ == "__main__":
    np.seterr(all="ignore")
    sys.exit(main())
