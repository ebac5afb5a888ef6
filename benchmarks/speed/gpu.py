"""CPU vs GPU: training the LSTM forecaster on M3 monthly, side by side.

    python -m benchmarks.speed.gpu [--quick] [--threads N] [--repeats R] [--output-dir DIR]

Fits ``LSTMForecaster`` on the 1428 M3 monthly training series with the
same parameters and seed on ``device="cpu"`` and ``device="cuda"`` (skipped
when CUDA is missing), in interleaved repeats, and records fit and predict
seconds, their CPU/GPU ratios and the test sMAPE of each (the same model
should score about the same on both devices). Two configurations:

- ``default``: the package defaults (50 epochs of the default budget, 80
  batches each on M3 monthly; batch 32 on the CPU, 512 on CUDA);
- ``large``: hidden 128, 2 layers, batch 1024, 20 batches x 10 epochs:
  the kind of configuration a GPU is for (fewer epochs, so that the CPU
  side of the comparison stays short).

Writes ``results/gpu.csv`` (every repeat, with the machine) and prints a
summary of medians and ratios.

Throughput (issue #11): on each device present (CPU, and CUDA when
available), the forecaster's training throughput in windows per second,
with its batches made on the host in numpy (``host``, the CPU default of
a fit that draws a small share of its windows) or on the training device
(``device``: :class:`~seqforecast.neural.data.DeviceWindowDataset`, the
CUDA default and, since the thirty-sixth session, the CPU's where a fit
draws every window), against a bare
loop of the same network: a raw ``torch.nn.LSTM`` and the same linear head
trained with Adam on the same batches, already on the device (cuDNN on a
GPU), nothing else per step. Throughput = steps x batch / seconds; the
forecaster's is given over its whole ``fit`` (window setup included) and
over its training loop alone (skorch's epoch durations). The batch is the
device default (32 on the CPU, 512 on CUDA) unless ``--batch-size``.
Writes ``results/gpu_throughput_<device>.csv``. ``--quick`` (a 10-minute
GPU slot) measures only the throughput, over fewer steps, on CUDA when
there is one (else on the CPU).

Accuracy of the device's default batch (issue #11: a GPU batch that keeps
accuracy): ``--accuracy-seeds S`` fits the default ``LSTMForecaster`` on
the M3 monthly training series with ``batch_size=32`` (the CPU default)
and ``batch_size=None`` (512 on CUDA) on the same device, for seeds 0 to
S-1, and records fit seconds, test sMAPE and MASE of each
(``results/gpu_accuracy_<device>.csv``).
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
    fit_s = _timed_fit(model, data.y_train, device)
    start = time.perf_counter()
    forecast = model.predict(future)
    predict_s = time.perf_counter() - start
    return fit_s, predict_s, smape(data.y_test, forecast)


def _throughput_batches(model, device, n_steps, batch_size, generator):
    """``n_steps`` training batches of ``model``'s windows, made and kept on ``device``."""
    from seqforecast.neural.data import DeviceWindowDataset, WindowDataset, relative_naive_scale
    from seqforecast.windowing import SlidingWindow

    y = model.y_panel_
    if not model.profile_.is_flat():
        y = model.profile_.divide(y)
    windows = SlidingWindow(model.lookback_, model.horizon_,
                            min_observed=model.min_observed_).fit(y)
    series_idx, target_start = windows.window_indices()
    scale = relative_naive_scale(y, model.seasonal_period_, model.scaler_.floor)
    data = DeviceWindowDataset(
        WindowDataset(windows, series_idx, target_start, model.scaler_, scale), device)
    batches = []
    for _ in range(n_steps):
        order = torch.randint(len(data), (batch_size,), generator=generator).numpy()
        inputs, target = data[data.positions(order)]
        batches.append((inputs["past"], target[..., :1]))
    return batches


def bare_step(n_features, hidden_size, num_layers, horizon, device, foreach=None,
              mark=lambda part: None):
    """The bare loop's training step: ``step(past, target)`` on a raw ``nn.LSTM`` + linear
    head + Adam (L1 loss), seeded. ``mark(part)`` is called as each part of the step
    begins ("forward", "loss", "optimizer", "backward"; None at its end);
    ``foreach`` is Adam's (None: torch's choice for the device)."""
    torch.manual_seed(0)
    lstm = torch.nn.LSTM(n_features, hidden_size, num_layers, batch_first=True).to(device)
    head = torch.nn.Linear(hidden_size, horizon).to(device)
    optimizer = torch.optim.Adam([*lstm.parameters(), *head.parameters()], lr=1e-3,
                                 foreach=foreach)
    loss_fn = torch.nn.L1Loss()

    def step(past, target):
        mark("forward")
        output, _ = lstm(past)  # -> (B, L, H)
        prediction = head(output[:, -1])  # -> (B, T)
        mark("loss")
        loss = loss_fn(prediction, target[..., 0])
        mark("optimizer")
        optimizer.zero_grad(set_to_none=True)
        mark("backward")
        loss.backward()
        mark("optimizer")
        optimizer.step()
        mark(None)

    return step


def bare_loop(batches, hidden_size, num_layers, horizon, device):
    """Seconds of the bare step (:func:`bare_step`) over ``batches``."""
    step = bare_step(batches[0][0].shape[2], hidden_size, num_layers, horizon, device)
    for past, target in batches[:5]:  # warm-up (cuDNN plans, allocator)
        step(past, target)
    _sync(device)
    start = time.perf_counter()
    for past, target in batches:
        step(past, target)
    _sync(device)
    return time.perf_counter() - start


def _timed_fit(model, y, device):
    """Seconds of ``model.fit(None, y)``, the device's queued work included."""
    _sync(device)
    start = time.perf_counter()
    model.fit(None, y)
    _sync(device)
    return time.perf_counter() - start


def _steps(model):
    """Training steps a fitted forecaster took."""
    return len(model.net_.history) * (model.windows_per_epoch_ // model.batch_size_)


def _sync(device):
    if str(device).startswith("cuda"):
        torch.cuda.synchronize()


def run_throughput(data, device, config, n_epochs, batch_size, repeats, info):
    """Rows of windows/s: the forecaster (host and device batches) and the bare loop."""
    from seqforecast import LSTMForecaster

    params = {"horizon": data.horizon, "seasonal_period": data.seasonal_period,
              "random_state": 0, "device": device, "max_epochs": n_epochs,
              **{k: v for k, v in CONFIGS[config].items() if k != "max_epochs"}}
    if batch_size is not None:
        params["batch_size"] = batch_size
    params.pop("windows_per_epoch", None)  # the default epoch length, whatever the batch
    rows, batches, network = [], None, None
    for repeat in range(repeats):
        paths = ["host", "device", "bare"] if repeat % 2 == 0 else ["bare", "device", "host"]
        for path in paths:
            if path == "bare":
                if batches is None:
                    continue  # made from the first fit's windows
                seconds, loop = bare_loop(batches, *network, device), None
            else:
                model = LSTMForecaster(**params)
                model._device_resident = path == "device"
                seconds = _timed_fit(model, data.y_train, device)
                loop = float(sum(model.net_.history[:, "dur"]))
                n_steps = _steps(model)
                batch = model.batch_size_
                if batches is None:
                    batches = _throughput_batches(model, device, n_steps, batch,
                                                  torch.Generator().manual_seed(0))
                    network = (model.hidden_size, model.num_layers, model.horizon_)
            windows = n_steps * batch
            rows.append({
                "config": config, "device": device, "path": path, "repeat": repeat,
                "batch_size": batch, "steps": n_steps,
                "seconds": round(seconds, 3),
                "loop_seconds": None if loop is None else round(loop, 3),
                "windows_per_s": round(windows / seconds),
                "loop_windows_per_s": None if loop is None else round(windows / loop),
                "load": load_average(), **info,
            })
            print(f"{config:>8} {device:>4} {path:>6} repeat {repeat}: {seconds:6.2f} s  "
                  f"{windows / seconds:9.0f} windows/s", flush=True)
    return rows


def run_accuracy(data, device, seeds, info):
    """Rows of fit seconds, test sMAPE and MASE: batch 32 against the device default."""
    from seqforecast import LSTMForecaster
    from seqforecast.metrics import mase, smape

    future = pd.DataFrame(index=data.y_test.index)
    rows = []
    for seed in range(seeds):
        for batch_size in (32, None) if seed % 2 == 0 else (None, 32):
            model = LSTMForecaster(horizon=data.horizon, seasonal_period=data.seasonal_period,
                                   random_state=seed, device=device, batch_size=batch_size)
            seconds = _timed_fit(model, data.y_train, device)
            forecast = model.predict(future)
            row = {"device": device, "seed": seed, "batch_size": model.batch_size_,
                   "steps": _steps(model),
                   "fit_seconds": round(seconds, 3),
                   "smape": round(smape(data.y_test, forecast), 3),
                   "mase": round(mase(data.y_test, forecast, y_train=data.y_train,
                                      seasonal_period=data.seasonal_period), 4),
                   "load": load_average(), **info}
            rows.append(row)
            print(f"accuracy {device} batch {row['batch_size']:>4} seed {seed}: "
                  f"fit {seconds:6.2f} s  sMAPE {row['smape']:.2f}  MASE {row['mase']:.3f}",
                  flush=True)
    table = pd.DataFrame(rows)
    print(table.groupby("batch_size")[["fit_seconds", "smape", "mase"]].agg(
        ["mean", "median"]).to_string())
    return rows


def summarise_throughput(rows):
    """Medians by path and the ratios to the bare loop."""
    table = pd.DataFrame(rows)
    summary = table.groupby(["config", "device", "path"])[
        ["seconds", "windows_per_s", "loop_windows_per_s"]].median()
    print(summary.to_string())
    for (config, device), part in summary.groupby(level=[0, 1]):
        part = part.droplevel([0, 1])
        if "bare" not in part.index:
            continue
        bare = part.loc["bare", "windows_per_s"]
        for path in ("host", "device"):
            if path in part.index:
                print(f"{config} {device} {path}: fit {part.loc[path, 'windows_per_s'] / bare:.2f}"
                      f" of the bare loop, training loop "
                      f"{part.loc[path, 'loop_windows_per_s'] / bare:.2f}")
    return summary


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=None,
                        help="torch CPU threads (default: all cores)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--configs", default="default,large")
    parser.add_argument("--quick", action="store_true",
                        help="throughput only, 10 epochs (800 steps on M3 monthly): "
                             "about 2 min on an H200")
    parser.add_argument("--epochs", type=int, default=None,
                        help="epochs (of the default budget's batches) in the throughput part "
                             "(default 50, --quick 10)")
    parser.add_argument("--batch-size", type=int, default=None,
                        help="batch of the throughput part (default: the device default)")
    parser.add_argument("--accuracy-seeds", type=int, default=0,
                        help="also fit the defaults with batch 32 and the device default "
                             "for this many seeds (test sMAPE and MASE)")
    parser.add_argument("--skip-comparison", action="store_true",
                        help="only the throughput part (implied by --quick)")
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
    epochs = args.epochs or (10 if args.quick else 50)
    # CUDA first: the figure a lent GPU is for; --quick measures only it.
    for device in devices[::-1][:1] if args.quick else devices[::-1]:
        rows = []
        for config in args.configs.split(","):
            rows += run_throughput(data, device, config, epochs, args.batch_size,
                                   args.repeats, info)
        write_csv(args.output_dir / f"gpu_throughput_{device}.csv", rows)
        summarise_throughput(rows)
        if args.accuracy_seeds:
            write_csv(args.output_dir / f"gpu_accuracy_{device}.csv",
                      run_accuracy(data, device, args.accuracy_seeds, info))
    if args.quick or args.skip_comparison:
        print(info)
        return 0
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
