"""Where a training step's time goes on a GPU: a profile of the default LSTM fit.

    python -m benchmarks.speed.gpu_profile

Fits ``LSTMForecaster`` (the defaults, ``random_state=0``) on the 1428 M3
monthly training series on CUDA when there is one (else on the CPU) and
prints:

- the fit and training-loop seconds of 2 and of 6 epochs (the difference
  is the cost of 4 epochs of 80 steps without the set-up);
- ``torch.profiler``'s table of a 3-epoch fit, by host time and by device
  time (kernel launches, copies, synchronisations per step);
- on CUDA, every host-device synchronisation of one epoch with where it
  was called from (``torch.cuda.set_sync_debug_mode("warn")``): a
  synchronisation in the step makes the host wait for the device instead
  of queueing the next step while the device computes this one.

The output recorded with the GPU figures of ``benchmarks/speed/README.md``
(section 6) is ``results/gpu_profile.txt`` (and ``gpu_profile_before.txt``,
the same before the changes that section describes, with an earlier
version of this script that had no synchronisation part).
"""

from __future__ import annotations

import collections
import time
import traceback
import warnings

import numpy as np
import torch
from torch.profiler import ProfilerActivity, profile


def _fit(device, epochs):
    from seqforecast import LSTMForecaster
    from seqforecast.datasets import load_m3

    data = load_m3("monthly")
    model = LSTMForecaster(horizon=data.horizon, seasonal_period=data.seasonal_period,
                           random_state=0, device=device, max_epochs=epochs)
    return model.fit(None, data.y_train)


def _synchronisations(device):
    """Counts of (message, calling frames) of the synchronisations of a 1-epoch fit."""
    seen = collections.Counter()

    def hook(message, category, filename, lineno, file=None, line=None):
        frames = [f"{f.filename.split('/')[-1]}:{f.lineno}:{f.name}"
                  for f in traceback.extract_stack()[:-1]
                  if any(k in f.filename for k in ("seqforecast", "skorch", "torch/optim",
                                                   "torch/nn"))]
        seen[(str(message)[:50], tuple(frames[-4:]))] += 1

    with warnings.catch_warnings():
        warnings.simplefilter("always")
        warnings.showwarning = hook
        torch.cuda.set_sync_debug_mode("warn")
        try:
            model = _fit(device, 1)
        finally:
            torch.cuda.set_sync_debug_mode(0)
    return seen, model.windows_per_epoch_ // model.batch_size_


def main():
    np.seterr(all="ignore")
    device = "cuda" if torch.cuda.is_available() else "cpu"
    _fit(device, 1)  # warm-up: imports, CUDA context, cuDNN plans
    for epochs in (2, 6):
        if device == "cuda":
            torch.cuda.synchronize()
        start = time.perf_counter()
        model = _fit(device, epochs)
        if device == "cuda":
            torch.cuda.synchronize()
        print(f"epochs {epochs}: fit {time.perf_counter() - start:.3f} s, "
              f"loop {sum(model.net_.history[:, 'dur']):.3f} s")
    activities = [ProfilerActivity.CPU] + ([ProfilerActivity.CUDA] if device == "cuda" else [])
    with profile(activities=activities) as prof:
        _fit(device, 3)
        if device == "cuda":
            torch.cuda.synchronize()
    table = prof.key_averages()
    print(table.table(sort_by="self_cpu_time_total", row_limit=30, max_name_column_width=60))
    if device == "cuda":
        print(table.table(sort_by="self_cuda_time_total", row_limit=20,
                          max_name_column_width=60))
        seen, steps = _synchronisations(device)
        print(f"synchronisations in one epoch of {steps} steps:")
        for (message, frames), count in seen.most_common(25):
            print(f"{count:6d}  {message}  {' <- '.join(reversed(frames))}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
