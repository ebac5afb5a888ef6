"""How many torch operations a training step dispatches, by part of the step.

    python -m benchmarks.speed.step_ops [--config default|large] [--epochs E] [--batch-size B]
        [--output-dir DIR]

On a GPU a small network's training step is bound by the host: each torch
operation that computes is one kernel the host launches (about 5-10 us of
host time each, whatever the kernel's size), so the number of operations a
step dispatches is what the forecaster's step costs beyond the bare
network's (issue #11 item 3). That number does not need a GPU to count:
this script fits the default ``LSTMForecaster`` on the 1428 M3 monthly
training series on the CPU, with the batches a CUDA fit uses
(:class:`~seqforecast.neural.data.DeviceWindowDataset`, batch 512 unless
``--batch-size``; ``--config large``: the wide network of
``benchmarks.speed.gpu``, hidden 128, 2 layers, batch 1024), and counts
every aten operation dispatched (a
``TorchDispatchMode``, backward pass included) by the part of the step it
came from:

- ``batch``: indexing the training batch out of the precomputed windows;
- ``forward``: the network's forward pass;
- ``loss``: the (weighted) loss;
- ``backward``: the backward pass;
- ``clip``: gradient-norm clipping;
- ``optimizer``: ``zero_grad`` and Adam's step;
- ``averaging``: the weight average's update;
- ``validation``: the validation batches, spread over the training steps;
- ``other``: anything else within the training loop (skorch's bookkeeping).

Beside it, the same count for the bare loop of ``benchmarks.speed.gpu``
(``nn.LSTM`` + linear head + Adam on ready-made batches). Operations that
only make a view or move no data (``view``, ``expand``, ``detach``, ...)
are counted apart: they launch no kernel.

Counted on the CPU, an operation is the one CUDA would run except where
torch picks its implementation by device: clipping and the bare loop's
Adam use their multi-tensor (``foreach``) kernels on CUDA by default and a
loop over the weights on the CPU, so this script asks for the CUDA choice
(``--cpu-choices`` counts the CPU's); the forecaster's Adam is fused on
both. The recurrent layer is one operation on either device (oneDNN here,
cuDNN there), and so is each operation on the windows' lengths, which stay
on the host (on CUDA such an operation runs on the host and launches no
kernel, but costs the host about as much). Writes ``results/step_ops.csv``;
then times one Adam update of the fitted default network's weights on
the CPU with each implementation (torch's loop over the weights, its
multi-tensor ``foreach`` one and the fused one) and writes
``results/step_ops_adam.csv``.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import torch
from torch.utils._python_dispatch import TorchDispatchMode

from benchmarks.speed._common import RESULTS, machine_info, write_csv

# Operations that make a view, change metadata or allocate without
# computing: no kernel on a GPU.
NO_KERNEL = frozenset({
    "view", "_unsafe_view", "expand", "t", "transpose", "as_strided", "detach", "alias",
    "unsqueeze", "squeeze", "select", "slice", "permute", "reshape", "lift_fresh",
    "empty", "empty_like", "empty_strided", "_local_scalar_dense", "split", "unbind",
    "_record_function_enter_new", "_record_function_exit", "split_with_sizes", "narrow",
    "is_pinned", "_has_compatible_shallow_copy_type", "set_", "resize_",
})
PARTS = ("batch", "forward", "loss", "backward", "clip", "optimizer", "averaging",
         "validation", "other")


def _op_name(func):
    """``aten.mul_.Tensor`` -> ``mul_``."""
    return str(func).split(".")[1] if str(func).count(".") >= 1 else str(func)


class _Counting(TorchDispatchMode):
    """Counts the operations dispatched while ``self.part`` names a part of a step."""

    def __init__(self):
        super().__init__()
        self.part = None
        self.counts = Counter()  # (part, operation) -> calls
        self.steps = 0

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        if self.part is not None:
            self.counts[self.part, _op_name(func)] += 1
        return func(*args, **(kwargs or {}))


def _in_part(counter, part, function):
    """``function`` with its operations counted under ``part`` (the outermost part wins)."""

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        if counter.part not in (None, "other"):
            return function(*args, **kwargs)
        outer, counter.part = counter.part, part
        try:
            return function(*args, **kwargs)
        finally:
            counter.part = outer

    return wrapper


@contextlib.contextmanager
def _patched(counter):
    """The training loop's pieces wrapped so that their operations are counted by part."""
    from skorch.callbacks import GradientNormClipping

    from seqforecast.neural.averaging import WeightAveraging
    from seqforecast.neural.data import DeviceWindowDataset
    from seqforecast.neural.net import WindowNet

    targets = [
        (DeviceWindowDataset, "__getitem__", "batch"),
        (WindowNet, "infer", "forward"),
        (WindowNet, "get_loss", "loss"),
        (torch.Tensor, "backward", "backward"),
        (GradientNormClipping, "on_grad_computed", "clip"),
        (torch.optim.Optimizer, "zero_grad", "optimizer"),
        (WeightAveraging, "on_batch_end", "averaging"),
    ]
    saved = [(owner, name, owner.__dict__[name]) for owner, name, _ in targets]
    original_step = torch.optim.Adam.step
    original_fit_loop = WindowNet.run_single_epoch
    try:
        for owner, name, part in targets:
            setattr(owner, name, _in_part(counter, part, getattr(owner, name)))
        counted_step = _in_part(counter, "optimizer", original_step)

        def step(self, closure=None):
            # skorch passes the forward and backward passes as Adam's closure:
            # they are counted as their own parts, Adam's update as "optimizer".
            loss = None if closure is None else closure()
            counted_step(self)
            return loss

        torch.optim.Adam.step = step

        def run_single_epoch(self, iterator, training, *args, **kwargs):
            if not training:
                # Validation batches are made and scored under "validation".
                return _in_part(counter, "validation", original_fit_loop)(
                    self, iterator, training, *args, **kwargs)
            counter.steps += len(iterator)
            return _in_part(counter, "other", original_fit_loop)(
                self, iterator, training, *args, **kwargs)

        WindowNet.run_single_epoch = run_single_epoch
        yield
    finally:
        for owner, name, function in saved:
            setattr(owner, name, function)
        torch.optim.Adam.step = original_step
        WindowNet.run_single_epoch = original_fit_loop


def count_forecaster(data, epochs, batch_size, cuda_choices, network=None):
    """Operations per training step of the default forecaster, by part."""
    from seqforecast import LSTMForecaster

    params = {"horizon": data.horizon, "seasonal_period": data.seasonal_period,
              "random_state": 0, "max_epochs": epochs, "batch_size": batch_size,
              **(network or {})}
    model = LSTMForecaster(**params)
    model._device_resident = True  # the batches of a CUDA fit
    counter = _Counting()
    with _cuda_clipping(cuda_choices), _patched(counter), counter:
        model.fit(None, data.y_train)
    return model, counter


@contextlib.contextmanager
def _cuda_clipping(enabled):
    """Clipping with the multi-tensor kernels it uses on CUDA (``foreach``)."""
    from skorch.callbacks import GradientNormClipping

    original = GradientNormClipping.on_grad_computed
    if not enabled:
        yield
        return

    def on_grad_computed(self, _, named_parameters, **kwargs):
        torch.nn.utils.clip_grad_norm_(
            (p for _, p in named_parameters), max_norm=self.gradient_clip_value,
            norm_type=self.gradient_clip_norm_type, foreach=True)

    GradientNormClipping.on_grad_computed = on_grad_computed
    try:
        yield
    finally:
        GradientNormClipping.on_grad_computed = original


def count_bare(model, n_steps, cuda_choices):
    """Operations per step of the bare loop on ``model``'s training batches."""
    from benchmarks.speed.gpu import _throughput_batches, bare_step

    batches = _throughput_batches(model, "cpu", n_steps, model.batch_size_,
                                  torch.Generator().manual_seed(0))
    counter = _Counting()
    step = bare_step(batches[0][0].shape[2], model.hidden_size, model.num_layers,
                     model.horizon_, "cpu", foreach=cuda_choices or None,
                     mark=lambda part: setattr(counter, "part", part))
    with counter:
        for past, target in batches:
            step(past, target)
    counter.steps = len(batches)
    return counter


def time_adam(model, repeats=3, steps=2000):
    """Microseconds of one Adam update of ``model``'s weights on the CPU, per implementation.

    Medians of ``repeats`` interleaved runs of ``steps`` updates each, on
    copies of the fitted weights with random gradients.
    """
    import time

    implementations = {"loop": {"foreach": False}, "foreach": {"foreach": True},
                       "fused": {"fused": True}}
    params = [p.detach().clone().requires_grad_() for p in model.net_.module_.parameters()]
    for p in params:
        p.grad = torch.randn_like(p) * 1e-3
    times = {name: [] for name in implementations}
    for _ in range(repeats):
        for name, choice in implementations.items():
            optimizer = torch.optim.Adam(params, lr=1e-3, **choice)
            for _ in range(50):
                optimizer.step()
            start = time.perf_counter()
            for _ in range(steps):
                optimizer.step()
            times[name].append((time.perf_counter() - start) / steps * 1e6)
    return {name: round(float(np.median(t)), 1) for name, t in times.items()}


def table(counter, name):
    """Rows of operations per step by part: those that launch a kernel, and views."""
    rows = []
    for part in PARTS:
        ops = {op: n for (p, op), n in counter.counts.items() if p == part}
        kernels = sum(n for op, n in ops.items() if op not in NO_KERNEL)
        views = sum(n for op, n in ops.items() if op in NO_KERNEL)
        if kernels or views:
            top = sorted(((n, op) for op, n in ops.items() if op not in NO_KERNEL), reverse=True)
            rows.append({"loop": name, "part": part,
                         "kernel_ops_per_step": round(kernels / counter.steps, 2),
                         "view_ops_per_step": round(views / counter.steps, 2),
                         "top": " ".join(f"{op}:{n / counter.steps:.3g}"
                                         for n, op in top[:8])})
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--config", choices=["default", "large"], default="default",
                        help="the network: the defaults, or gpu.py's wide one")
    parser.add_argument("--batch-size", type=int, default=None,
                        help="the training batch (default: 512, the CUDA default; 1024 with"
                             " --config large)")
    parser.add_argument("--cpu-choices", action="store_true",
                        help="count clipping and the bare loop's Adam as torch runs them on"
                             " the CPU")
    parser.add_argument("--output-dir", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    np.seterr(all="ignore")
    torch.set_num_threads(1)
    from seqforecast.datasets import load_m3

    data = load_m3("monthly")
    cuda_choices = not args.cpu_choices
    from benchmarks.speed.gpu import CONFIGS

    config = CONFIGS[args.config]
    network = {k: v for k, v in config.items() if k in ("hidden_size", "num_layers")}
    batch_size = args.batch_size or config.get("batch_size", 512)
    model, counter = count_forecaster(data, args.epochs, batch_size, cuda_choices, network)
    bare = count_bare(model, counter.steps, cuda_choices)
    rows = table(counter, "forecaster") + table(bare, "bare")
    info = machine_info()
    for row in rows:
        row.update(config=args.config, batch_size=model.batch_size_, steps=counter.steps,
                   cuda_choices=cuda_choices, **info)
    for name in ("forecaster", "bare"):
        part = [r for r in rows if r["loop"] == name]
        print(f"{name}: {sum(r['kernel_ops_per_step'] for r in part):.1f} kernel operations"
              f" per step (+{sum(r['view_ops_per_step'] for r in part):.1f} views)")
        for r in part:
            print(f"  {r['part']:>10} {r['kernel_ops_per_step']:7.2f}"
                  f" (+{r['view_ops_per_step']:5.2f})  {r['top']}")
    totals = {name: sum(r["kernel_ops_per_step"] + r["view_ops_per_step"]
                        for r in rows if r["loop"] == name) for name in ("forecaster", "bare")}
    print(f"all dispatches per step: forecaster {totals['forecaster']:.1f}, bare "
          f"{totals['bare']:.1f}; bare / forecaster {totals['bare'] / totals['forecaster']:.2f}")
    suffix = "" if args.config == "default" else f"_{args.config}"
    write_csv(args.output_dir / f"step_ops{suffix}.csv", rows)
    adam = time_adam(model)
    print("Adam update of the default network on the CPU (us, median of 3 x 2000): "
          + ", ".join(f"{name} {us}" for name, us in adam.items()))
    write_csv(args.output_dir / f"step_ops_adam{suffix}.csv", [{**adam, **info}])
    return 0


if __name__ == "__main__":
    sys.exit(main())
