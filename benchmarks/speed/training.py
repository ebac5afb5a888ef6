"""Training speed and memory of the neural forecaster on CPU.

Four measurements, all on one torch thread (``torch.set_num_threads(1)``):

1. ``training``: ``LSTMForecaster(...).fit(None, y_train)`` on the 1428 M3
   monthly series (lookback 36, horizon 18, hidden 64, 2 layers, batch 256,
   ``--epochs`` epochs of ``--batches`` batches) against a minimal
   pure-PyTorch loop that does the same work: the same ``ForecastNetwork``,
   the same windows (``SlidingWindow`` views, the forecaster's "mean" scaling
   ``(y - s) / s`` with ``s`` the mean absolute past value, packed lengths),
   the same window draws and initial weights (same seed: both end with the
   same weights, which the script checks), Adam, L1 loss and gradient-norm
   clipping at 1.0. Repeats are interleaved (A, B, C, C, B, A, ...) so that
   drifts in machine load hit all alike; the table gives medians of wall and
   CPU time, their ratio to pure, and the median of the ratios within each
   repeat. C is the forecaster with a candidate fix patched in for the
   measurement (the fused encoder run unpacked, see
   ``_encode_fused_unpacked``; ``--no-unpacked`` skips it).
2. ``profile``: cProfile of one forecaster fit, the time split into setup,
   batch gathering and scaling, torch forward / backward / optimiser, and
   skorch's bookkeeping; plus a direct timing of one batch's gathering.
3. ``cells``: time of one training step inside a forecaster fit for each
   cell (lstm, gru, rnn on torch's fused modules; peephole and coupled on
   the hand-written cells; and the hand-written lstm, reached through
   ``net_params={"module__fused": False}``), measured by a skorch callback
   between ``on_batch_begin`` and ``on_batch_end``, interleaved rounds.
4. ``memory``: peak memory of a fit on one series of ``--memory-points``
   values, each case in a fresh subprocess: peak RSS (``VmHWM`` after a
   reset, and ``ru_maxrss``) and the tracemalloc peak (numpy and Python
   allocations; torch's allocator is not traced), against a control that
   materialises every past window.

Run from the repository root::

    python -m benchmarks.speed.training             # records results/
    python -m benchmarks.speed.training --quick     # smoke run, writes nothing

Results go to ``benchmarks/speed/results/`` (training.csv, profile.csv,
cells_fit.csv, memory.csv) and the tables are printed as Markdown.
"""

import argparse
import contextlib
import cProfile
import gc
import json
import pstats
import resource
import statistics
import subprocess
import sys
import time
import tracemalloc
import warnings
from pathlib import Path

import numpy as np
import torch
from skorch.callbacks import Callback
from torch import nn

from benchmarks.speed._common import (
    RESULTS,
    load_average,
    machine_info,
    proc_status_mb,
    reset_peak_rss,
    write_csv,
)
from seqforecast.datasets import load_m3
from seqforecast.neural import LSTMForecaster, RNNForecaster
from seqforecast.neural.data import Scaler as _Scaler
from seqforecast.neural.data import WindowDataset as _WindowDataset
from seqforecast.neural.networks import ForecastNetwork, RecurrentEncoder
from seqforecast.windowing import SlidingWindow

LOOKBACK = 36
HORIZON = 18
HIDDEN = 64
LAYERS = 2
BATCH = 256
LR = 1e-3
CLIP = 1.0
SEED = 0
REPO_ROOT = Path(__file__).resolve().parents[2]


def forecaster_params(epochs, batches, **extra):
    """The forecaster's parameters for ``epochs`` epochs of ``batches`` batches."""
    params = dict(
        lookback=LOOKBACK, horizon=HORIZON, hidden_size=HIDDEN, num_layers=LAYERS,
        batch_size=BATCH, lr=LR, clip_grad_norm=CLIP, loss="mae", scaling="mean",
        max_epochs=epochs, windows_per_epoch=batches * BATCH, random_state=SEED,
    )
    params.update(extra)
    return params


def torch_seed():
    """The seed the forecaster derives from ``random_state=SEED``.

    The pure loop uses it too, so both draw the same initial weights and the
    same windows and must end with the same weights.
    """
    return np.random.RandomState(SEED).randint(np.iinfo(np.int32).max)


# ------------------------------------------------- candidate fix (not in the package)
_ENCODE_FUSED = RecurrentEncoder._encode_fused


def _encode_fused_unpacked(self, x, lengths, state, need_output):
    """Fused encoder without packing, for the mimo head (measured, not shipped).

    Rows are left-aligned as in the package, the trailing padding is zeroed
    and the fused module runs over all ``L`` steps unpacked; the last layer's
    hidden state at each row's last real step is gathered from the output.
    The padding comes after the real steps, so it cannot change them: the
    gathered state is the packed run's ``h_n[-1]``. Only the last layer's
    ``h_n`` is right (``c_n`` is returned as None), which is all that the
    mimo and recursive heads read, and only for a unidirectional encoder.
    """
    if lengths is None or need_output or state is not None or self.bidirectional:
        return _ENCODE_FUSED(self, x, lengths, state, need_output)
    _, lookback, n_features = x.shape
    steps = torch.arange(lookback, device=x.device)  # (L,)
    lengths = lengths.to(x.device)  # (B,)
    to_left = (steps + (lookback - lengths)[:, None]) % lookback  # -> (B, L)
    x_left = x.gather(1, to_left[..., None].expand(-1, -1, n_features))  # -> (B, L, F)
    # Zeroed: a NaN in the padding would reach the gradients through 0 * NaN.
    x_left = x_left.masked_fill((steps >= lengths[:, None])[..., None], 0.0)
    output, state = self.rnn(x_left)  # -> (B, L, H)
    h_n = state[0] if self.has_cell_state else state  # (layers, B, H)
    last = output.gather(1, (lengths - 1).view(-1, 1, 1).expand(-1, 1, output.shape[2]))
    h_n = torch.cat([h_n[:-1], last.transpose(0, 1)])  # -> (layers, B, H)
    return None, h_n, None


@contextlib.contextmanager
def unpacked_encoder():
    RecurrentEncoder._encode_fused = _encode_fused_unpacked
    try:
        yield
    finally:
        RecurrentEncoder._encode_fused = _ENCODE_FUSED


def check_unpacked(y_frame):
    """Largest output and gradient difference, packed vs unpacked, on one real batch."""
    y = y_frame.to_numpy(dtype=np.float64)
    windows = SlidingWindow(LOOKBACK, HORIZON, min_observed=LOOKBACK // 2).fit(y)
    series_idx, target_start = windows.window_indices()
    dataset = _WindowDataset(windows, series_idx, target_start, _Scaler("mean", y, None))
    idx = np.random.default_rng(0).choice(len(series_idx), BATCH, replace=False)
    inputs, target = dataset[idx]
    assert int(inputs["lengths"].min()) < LOOKBACK, "the batch should need packing"
    torch.manual_seed(0)
    net = ForecastNetwork("lstm", 1, 0, HORIZON, hidden_size=HIDDEN, num_layers=LAYERS)
    results = []
    for context in (contextlib.nullcontext(), unpacked_encoder()):
        net.zero_grad()
        with context:
            out = net(**inputs)
        nn.functional.l1_loss(out, target).backward()
        results.append((out.detach(), [p.grad.clone() for p in net.parameters()]))
    (out_a, grad_a), (out_b, grad_b) = results
    return (float((out_a - out_b).abs().max()),
            max(float((a - b).abs().max()) for a, b in zip(grad_a, grad_b, strict=True)))


# --------------------------------------------------------------------- 1. training
def fit_seqforecast(y_frame, epochs, batches):
    return LSTMForecaster(**forecaster_params(epochs, batches)).fit(None, y_frame)


def fit_seqforecast_unpacked(y_frame, epochs, batches):
    with unpacked_encoder():
        return fit_seqforecast(y_frame, epochs, batches)


def fit_pure(y_frame, epochs, batches):
    """Minimal PyTorch loop over the same windows, network and optimiser."""
    y = y_frame.to_numpy(dtype=np.float64)
    windows = SlidingWindow(LOOKBACK, HORIZON, min_observed=LOOKBACK // 2).fit(y)
    series_idx, target_start = windows.window_indices()
    past_view, future_view = windows.past_view, windows.future_view
    # The forecaster's floor on the scale (keeps all-zero windows finite).
    floor = 1e-8 * max(float(np.nanmax(np.abs(y))), 1.0)
    n_windows, n_draw = len(series_idx), batches * BATCH
    seed = torch_seed()
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        generator = torch.Generator().manual_seed(seed)
        # The forecaster's module is built once, by skorch's fit, inside the
        # same seeded RNG: the same draw gives the same initial weights.
        net = ForecastNetwork(
            "lstm", 1, 0, HORIZON, hidden_size=HIDDEN, num_layers=LAYERS, strategy="mimo"
        )
        optimizer = torch.optim.Adam(net.parameters(), lr=LR)
        criterion = nn.L1Loss()
        net.train()
        for _ in range(epochs):
            order = torch.randperm(n_windows, generator=generator)[:n_draw].numpy()
            for start in range(0, n_draw, BATCH):
                s = series_idx[order[start:start + BATCH]]
                t = target_start[order[start:start + BATCH]]
                past = past_view[windows.past_position(s, t)]  # (B, L)
                future = future_view[windows.future_position(s, t)]  # (B, T)
                scale = np.maximum(np.nanmean(np.abs(past), axis=1, keepdims=True), floor)
                x = np.nan_to_num((past - scale) / scale)[:, :, None].astype(np.float32)
                target = ((future - scale) / scale)[:, :, None].astype(np.float32)
                lengths = torch.from_numpy(windows.n_observed(s, t))
                optimizer.zero_grad()
                loss = criterion(net(torch.from_numpy(x), lengths=lengths),
                                 torch.from_numpy(target))
                loss.backward()
                nn.utils.clip_grad_norm_(net.parameters(), CLIP)
                optimizer.step()
    return net


def max_weight_difference(forecaster, net):
    a = forecaster.net_.module_.state_dict()
    b = net.state_dict()
    return max(float((a[k] - b[k]).abs().max()) for k in a)


def timed(fn, *args):
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn(*args)
    return result, time.perf_counter() - wall, time.process_time() - cpu


def part_training(args, y_frame, info):
    steps = args.epochs * args.batches
    # Warm-up: first calls pay for lazy initialisation in torch and skorch.
    implementations = [("seqforecast", fit_seqforecast), ("pure PyTorch", fit_pure)]
    if not args.no_unpacked:
        implementations.append((UNPACKED, fit_seqforecast_unpacked))
    for _, fn in implementations:
        fn(y_frame, 1, 2)
    runs = {name: [] for name, _ in implementations}
    rows = []
    weight_diff = None
    for repeat in range(args.repeats):
        # A, B, C then C, B, A: no implementation always runs right after another.
        for name, fn in implementations[:: 1 if repeat % 2 == 0 else -1]:
            load = load_average()
            model, wall, cpu = timed(fn, y_frame, args.epochs, args.batches)
            runs[name].append((wall, cpu))
            rows.append({
                "implementation": name, "repeat": repeat, "wall_s": round(wall, 3),
                "cpu_s": round(cpu, 3), "steps": steps,
                "wall_ms_per_step": round(1000 * wall / steps, 1), "load1": load, **info,
            })
            if repeat == 0 and name == "seqforecast":
                first = model
            elif repeat == 0 and name == "pure PyTorch":
                weight_diff = max_weight_difference(first, model)
            print(f"  {name:<36} repeat {repeat}: wall {wall:6.2f} s, cpu {cpu:6.2f} s "
                  f"(load {load})", flush=True)
    med = {
        name: (statistics.median(w for w, _ in r), statistics.median(c for _, c in r))
        for name, r in runs.items()
    }
    pure = med["pure PyTorch"]
    for name, (wall, cpu) in med.items():
        rows.append({
            "implementation": name, "repeat": "median", "wall_s": round(wall, 3),
            "cpu_s": round(cpu, 3), "steps": steps,
            "wall_ms_per_step": round(1000 * wall / steps, 1), "load1": load_average(),
            **info,
        })
    # Ratios of the medians, and medians of the ratios within each repeat (the
    # runs of one repeat are adjacent in time, so these see the same load).
    paired = {
        name: (
            statistics.median(a[0] / b[0] for a, b in zip(r, runs["pure PyTorch"], strict=True)),
            statistics.median(a[1] / b[1] for a, b in zip(r, runs["pure PyTorch"], strict=True)),
        )
        for name, r in runs.items()
    }
    for name, (wall, cpu) in med.items():
        if name != "pure PyTorch":
            rows.append({
                "implementation": f"ratio {name} / pure", "repeat": "ratio of medians",
                "wall_s": round(wall / pure[0], 3), "cpu_s": round(cpu / pure[1], 3),
                "steps": steps, "wall_ms_per_step": "", "load1": load_average(), **info,
            })
            rows.append({
                "implementation": f"ratio {name} / pure", "repeat": "median of paired ratios",
                "wall_s": round(paired[name][0], 3), "cpu_s": round(paired[name][1], 3),
                "steps": steps, "wall_ms_per_step": "", "load1": load_average(), **info,
            })
    print(f"\nM3 monthly, 1428 series, {args.epochs} epochs x {args.batches} batches of "
          f"{BATCH} = {steps} steps; median of {args.repeats} interleaved repeats")
    print("| implementation | wall s | CPU s | ms / step (wall) | wall / pure | CPU / pure "
          "| paired wall / pure | paired CPU / pure |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for name, (wall, cpu) in med.items():
        print(f"| {name} | {wall:.2f} | {cpu:.2f} | {1000 * wall / steps:.0f} | "
              f"{wall / pure[0]:.3f} | {cpu / pure[1]:.3f} | {paired[name][0]:.3f} | "
              f"{paired[name][1]:.3f} |")
    print(f"largest weight difference seqforecast vs pure after training (same seed): "
          f"{weight_diff:.3g}")
    note = f"max |weight seqforecast - weight pure| after training = {weight_diff:.3g}"
    if not args.no_unpacked:
        out_diff, grad_diff = check_unpacked(y_frame)
        print(f"unpacked-encoder patch vs package on one batch: output diff {out_diff:.3g}, "
              f"gradient diff {grad_diff:.3g}")
        note += f"; patch vs package, one batch: output {out_diff:.3g}, gradient {grad_diff:.3g}"
    for row in rows:
        row["note"] = note
    return rows


# ---------------------------------------------------------------------- 2. profile
def _cumulative(stats, file_suffix, function):
    """Cumulative seconds of the functions named ``function`` in a file ending so."""
    return sum(
        ct for (file, _, name), (_, _, _, ct, _) in stats.items()
        if name == function and file.replace("\\", "/").endswith(file_suffix)
    )


def gather_cost(y_frame, n_calls=50):
    """Median ms to gather and scale one batch: the forecaster's dataset vs the pure loop's."""
    y = y_frame.to_numpy(dtype=np.float64)
    windows = SlidingWindow(LOOKBACK, HORIZON, min_observed=LOOKBACK // 2).fit(y)
    series_idx, target_start = windows.window_indices()
    dataset = _WindowDataset(windows, series_idx, target_start, _Scaler("mean", y, None))
    past_view, future_view = windows.past_view, windows.future_view
    floor = 1e-8 * max(float(np.nanmax(np.abs(y))), 1.0)
    rng = np.random.default_rng(0)

    def pure(idx):
        s, t = series_idx[idx], target_start[idx]
        past = past_view[windows.past_position(s, t)]
        future = future_view[windows.future_position(s, t)]
        scale = np.maximum(np.nanmean(np.abs(past), axis=1, keepdims=True), floor)
        x = np.nan_to_num((past - scale) / scale)[:, :, None].astype(np.float32)
        target = ((future - scale) / scale)[:, :, None].astype(np.float32)
        return torch.from_numpy(x), torch.from_numpy(windows.n_observed(s, t)), target

    times = {"seqforecast": [], "pure": []}
    for _ in range(n_calls):
        idx = rng.choice(len(series_idx), BATCH, replace=False)
        for name, fn in (("seqforecast", dataset.__getitem__), ("pure", pure)):
            start = time.perf_counter()
            fn(idx)
            times[name].append(time.perf_counter() - start)
    return {name: 1000 * statistics.median(t) for name, t in times.items()}


def part_profile(args, y_frame, info):
    fit_seqforecast(y_frame, 1, 2)  # warm-up outside the profile
    profiler = cProfile.Profile()
    wall = time.perf_counter()
    profiler.enable()
    fit_seqforecast(y_frame, args.epochs, args.batches)
    profiler.disable()
    wall = time.perf_counter() - wall
    stats = pstats.Stats(profiler).stats
    total = _cumulative(stats, "seqforecast/base.py", "fit")
    loop = _cumulative(stats, "skorch/net.py", "fit_loop")
    parts = {
        "batch gathering + scaling (numpy -> tensors)":
            _cumulative(stats, "seqforecast/neural/forecaster.py", "__iter__"),
        "torch forward": _cumulative(stats, "skorch/net.py", "infer"),
        "torch loss": _cumulative(stats, "skorch/net.py", "get_loss"),
        "torch backward": _cumulative(stats, "torch/_tensor.py", "backward"),
        "torch gradient clipping":
            _cumulative(stats, "skorch/callbacks/regularization.py", "on_grad_computed"),
        "torch zero_grad": _cumulative(stats, "skorch/net.py", "_zero_grad_optimizer"),
        "torch Adam update": _cumulative(stats, "skorch/net.py", "_step_optimizer")
        - _cumulative(stats, "skorch/net.py", "step_fn"),
    }
    parts["skorch bookkeeping (history, callbacks, loss.item, train mode)"] = (
        loop - sum(parts.values())
    )
    parts["setup (input validation, windowing, net initialisation)"] = total - loop
    groups = {
        "batch gathering + scaling (numpy)": parts[
            "batch gathering + scaling (numpy -> tensors)"],
        "torch forward/backward/optimizer": sum(v for k, v in parts.items()
                                                if k.startswith("torch")),
        "skorch bookkeeping": parts[
            "skorch bookkeeping (history, callbacks, loss.item, train mode)"],
        "other (setup)": parts["setup (input validation, windowing, net initialisation)"],
    }
    gather = gather_cost(y_frame)
    steps = args.epochs * args.batches
    rows = []
    print(f"\ncProfile of one fit ({steps} steps; {wall:.2f} s wall under the profiler, "
          f"{total:.2f} s profiled)")
    print("| part | s | % of fit |")
    print("|---|---:|---:|")
    for level, table in (("detail", parts), ("group", groups)):
        for name, seconds in table.items():
            rows.append({"level": level, "part": name, "seconds": round(seconds, 4),
                         "percent": round(100 * seconds / total, 2), "steps": steps,
                         "load1": load_average(), **info})
            print(f"| {level}: {name} | {seconds:.3f} | {100 * seconds / total:.1f} |")
    for name, ms in gather.items():
        rows.append({"level": "direct timing", "part": f"gather+scale one batch ({name}), ms",
                     "seconds": round(ms / 1000, 6), "percent": "", "steps": 1,
                     "load1": load_average(), **info})
    print(f"direct timing, gather+scale of one batch of {BATCH}: "
          + ", ".join(f"{k} {v:.2f} ms" for k, v in gather.items()))
    top = pstats.Stats(profiler)
    print("\ntop functions by self time:")
    top.sort_stats("tottime").print_stats(10)
    return rows


# ------------------------------------------------------------------------ 3. cells
class StepTimer(Callback):
    """Seconds of each training step (forward, backward, clipping, Adam)."""

    def initialize(self):
        self.times = []
        return self

    def on_batch_begin(self, net, batch=None, training=None, **kwargs):
        self._start = time.perf_counter()

    def on_batch_end(self, net, batch=None, training=None, **kwargs):
        self.times.append(time.perf_counter() - self._start)


UNPACKED = "seqforecast + unpacked-encoder patch"

CELL_VARIANTS = [
    ("lstm (fused nn.LSTM)", "lstm", {}),
    ("gru (fused nn.GRU)", "gru", {}),
    ("rnn (fused nn.RNN)", "rnn", {}),
    ("peephole (hand-written)", "peephole", {}),
    ("coupled (hand-written)", "coupled", {}),
    ("lstm (hand-written, module__fused=False)", "lstm", {"module__fused": False}),
]


def part_cells(args, y_frame, info):
    times = {label: [] for label, _, _ in CELL_VARIANTS}
    n_params = {}
    for round_ in range(args.cell_rounds):
        for label, cell, extra in CELL_VARIANTS:
            net_params = {"callbacks": [("step_timer", StepTimer())], **extra}
            # One untimed first step per fit (lazy allocations), then cell_steps timed.
            params = forecaster_params(1, args.cell_steps + 1, cell=cell, net_params=net_params)
            forecaster = RNNForecaster(**params).fit(None, y_frame)
            timer = dict(forecaster.net_.callbacks_)["step_timer"]
            times[label].extend(timer.times[1:])
            n_params[label] = sum(p.numel() for p in forecaster.net_.module_.parameters())
        print(f"  cells round {round_ + 1}/{args.cell_rounds} done (load {load_average()})",
              flush=True)
    reference = statistics.median(times[CELL_VARIANTS[0][0]])
    rows = []
    print(f"\ntraining step inside RNNForecaster.fit (M3 monthly windows, batch {BATCH}, "
          f"lookback {LOOKBACK}, hidden {HIDDEN}, {LAYERS} layers, horizon {HORIZON}); "
          f"median of {args.cell_rounds} x {args.cell_steps} steps")
    print("| cell | params | ms / step | vs fused LSTM |")
    print("|---|---:|---:|---:|")
    for label, cell, extra in CELL_VARIANTS:
        median = statistics.median(times[label])
        rows.append({
            "variant": label, "cell": cell, "fused": cell in ("lstm", "gru", "rnn")
            and extra.get("module__fused", True), "params": n_params[label],
            "steps_timed": len(times[label]), "ms_per_step": round(1000 * median, 1),
            "ratio_vs_fused_lstm": round(median / reference, 2), "load1": load_average(),
            **info,
        })
        print(f"| {label} | {n_params[label]} | {1000 * median:.0f} | "
              f"{median / reference:.2f}x |")
    return rows


# ----------------------------------------------------------------------- 4. memory
def _proc_status(field):
    """A field of /proc/self/status in MB (VmRSS, VmHWM), NaN where unreadable."""
    try:
        return proc_status_mb(field)
    except OSError:
        return float("nan")


def _reset_peak_rss():
    """Reset VmHWM to the current RSS (Linux >= 4.0); False where not allowed."""
    try:
        reset_peak_rss()
    except OSError:
        return False
    return True


def memory_child(mode, n_points):
    """Run one memory case in this (fresh) process and print its figures as JSON."""
    torch.set_num_threads(1)
    y = 100.0 + np.cumsum(np.random.default_rng(0).normal(size=n_points))
    # Every mode first runs a tiny fit: imports, lazy initialisation and
    # torch's allocator pools are then in the baseline, not in the peak.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        LSTMForecaster(**forecaster_params(1, 1, hidden_size=HIDDEN)).fit(None, y[:500])
    gc.collect()
    rss_before = _proc_status("VmRSS")
    reset = _reset_peak_rss()
    result = {"mode": mode, "n_points": n_points}
    tracemalloc.start()
    start = time.perf_counter()
    if mode == "fit":
        forecaster = LSTMForecaster(**forecaster_params(2, 4)).fit(None, y)
        result["n_windows"] = forecaster.n_train_windows_
    elif mode == "materialised":
        windows = SlidingWindow(LOOKBACK, HORIZON, min_observed=LOOKBACK // 2).fit(y)
        series_idx, target_start = windows.window_indices()
        # A copy of every past window.
        past = windows.past_view[windows.past_position(series_idx, target_start)]
        result["n_windows"] = len(series_idx)
        result["materialised_mb"] = past.nbytes / 1e6
    result["seconds"] = time.perf_counter() - start
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    result.update(
        rss_before_mb=rss_before,
        peak_rss_mb=_proc_status("VmHWM") if reset else float("nan"),
        ru_maxrss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        tracemalloc_peak_mb=peak / 1e6,
        peak_reset=reset,
    )
    if mode == "fit":
        windows = SlidingWindow(LOOKBACK, HORIZON, min_observed=LOOKBACK // 2).fit(y)
        view = windows.past_view
        result["past_view_is_view"] = bool(
            np.shares_memory(view, windows.y_) and not view.flags.owndata
        )
        result["past_view_logical_mb"] = view.size * view.itemsize / 1e6
        result["buffer_mb"] = windows.y_.nbytes / 1e6
    print(json.dumps(result))


def part_memory(args, info):
    rows = []
    nominal = args.memory_points * LOOKBACK * 8 / 1e6
    print(f"\npeak memory, one series of {args.memory_points} points, lookback {LOOKBACK}, "
          f"horizon {HORIZON}, fit = 2 epochs x 4 batches of {BATCH} (fresh process each)")
    print("| case | RSS before MB | peak RSS MB | peak - before MB | ru_maxrss MB "
          "| tracemalloc peak MB |")
    print("|---|---:|---:|---:|---:|---:|")
    for mode in ("baseline", "fit", "materialised"):
        out = subprocess.run(
            [sys.executable, "-m", "benchmarks.speed.training", "--memory-child", mode,
             "--memory-points", str(args.memory_points)],
            cwd=REPO_ROOT, capture_output=True, text=True, check=True,
        )
        result = json.loads(out.stdout.strip().splitlines()[-1])
        increase = result["peak_rss_mb"] - result["rss_before_mb"]
        row = {
            "case": mode, "n_points": args.memory_points,
            "n_windows": result.get("n_windows", ""),
            "rss_before_mb": round(result["rss_before_mb"], 1),
            "peak_rss_mb": round(result["peak_rss_mb"], 1),
            "peak_increase_mb": round(increase, 1),
            "ru_maxrss_mb": round(result["ru_maxrss_mb"], 1),
            "tracemalloc_peak_mb": round(result["tracemalloc_peak_mb"], 1),
            "materialised_past_windows_mb_nominal": round(nominal, 1),
            "past_view_is_view": result.get("past_view_is_view", ""),
            "seconds": round(result["seconds"], 2), "load1": load_average(), **info,
        }
        rows.append(row)
        print(f"| {mode} | {row['rss_before_mb']} | {row['peak_rss_mb']} | "
              f"{row['peak_increase_mb']} | {row['ru_maxrss_mb']} | "
              f"{row['tracemalloc_peak_mb']} |")
        if mode == "fit":
            print(f"  windows: {result['n_windows']}; past_view is a view of the buffer: "
                  f"{result['past_view_is_view']} (logical {result['past_view_logical_mb']:.0f}"
                  f" MB over a {result['buffer_mb']:.0f} MB buffer)")
    print(f"  materialising the past windows would take {nominal:.0f} MB "
          f"({args.memory_points} x {LOOKBACK} x 8 bytes)")
    return rows


# -------------------------------------------------------------------------- main
def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--batches", type=int, default=20, help="batches per epoch")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--cell-steps", type=int, default=8, help="timed steps per cell fit")
    parser.add_argument("--cell-rounds", type=int, default=3)
    parser.add_argument("--memory-points", type=int, default=1_000_000)
    parser.add_argument("--parts", default="training,profile,cells,memory")
    parser.add_argument("--no-unpacked", action="store_true",
                        help="skip the unpacked-encoder candidate fix in the training part")
    parser.add_argument("--quick", action="store_true",
                        help="tiny run to check the script; writes no results")
    parser.add_argument("--output-dir", type=Path, default=None,
                        help=f"where to write the CSVs (default {RESULTS}; none with --quick)")
    parser.add_argument("--memory-child", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.memory_child is not None:
        memory_child(args.memory_child, args.memory_points)
        return
    if args.quick:
        args.epochs, args.batches, args.repeats = 1, 3, 1
        args.cell_steps, args.cell_rounds, args.memory_points = 2, 1, 100_000
    output = args.output_dir or (None if args.quick else RESULTS)
    torch.set_num_threads(1)
    info = machine_info()
    print(f"{info['date']}; {info['cpu']}, {info['cores']} cores; torch {info['torch']}, "
          f"{info['threads']} thread; CUDA available: {info['cuda']}; "
          f"load average {load_average()}")
    parts = args.parts.split(",")
    y_frame = load_m3("monthly").y_train if set(parts) & {"training", "profile", "cells"} else None
    tables = {}
    with warnings.catch_warnings():
        # skorch warns that y is None (the targets live in the dataset).
        warnings.simplefilter("ignore", UserWarning)
        if "training" in parts:
            tables["training.csv"] = part_training(args, y_frame, info)
        if "profile" in parts:
            tables["profile.csv"] = part_profile(args, y_frame, info)
        if "cells" in parts:
            tables["cells_fit.csv"] = part_cells(args, y_frame, info)
    if "memory" in parts:
        tables["memory.csv"] = part_memory(args, info)
    if output is not None:
        for name, rows in tables.items():
            print("wrote", write_csv(Path(output) / name, rows))


if __name__ == "__main__":
    main()
