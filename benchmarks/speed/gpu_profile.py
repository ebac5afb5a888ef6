"""Where a training step's time goes on a GPU: a profile of the default LSTM fit.

    python -m benchmarks.speed.gpu_profile

Fits ``LSTMForecaster`` (the defaults, ``random_state=0``) on the 1428 M3
monthly training series on CUDA when there is one (else on the CPU) and
prints:

- the fit and training-loop seconds of 2 and of 6 epochs (the difference
  is the cost of 4 epochs of 80 steps without the set-up);
- ``torch.profiler``'s table of a 3-epoch fit, by host time and by device
  time (kernel launches, copies, synchronisations per step);
- on CUDA, the CUDA runtime calls per training step that launch kernels,
  copy and wait for the device (``cudaStreamSynchronize``): a wait in the
  step makes the host wait for the device instead of queueing the next
  step while the device computes this one. (``set_sync_debug_mode``
  cannot show them: the forecaster filters ``UserWarning`` while it
  trains.)

The output recorded with the GPU figures of ``benchmarks/speed/README.md``
(section 6) is ``results/gpu_profile.txt`` (and ``gpu_profile_before.txt``,
the same before the changes that section describes), both made with an
earlier version of this script: the same profile, and in place of the
runtime-call counts a ``set_sync_debug_mode`` pass that, as it turned out,
saw only the set-up's synchronisations.
"""

from __future__ import annotations

import numpy as np
import torch
from torch.profiler import ProfilerActivity, profile

from benchmarks.speed.gpu import _steps, _timed_fit


def _model(data, device, epochs):
    from seqforecast import LSTMForecaster

    return LSTMForecaster(horizon=data.horizon, seasonal_period=data.seasonal_period,
                          random_state=0, device=device, max_epochs=epochs)


def _fit(data, device, epochs):
    return _model(data, device, epochs).fit(None, data.y_train)


def _runtime_calls(table, steps):
    """Per training step: the CUDA runtime calls that launch, copy or wait."""
    names = ("cudaLaunchKernel", "cudaLaunchKernelExC", "cuLaunchKernel",
             "cudaMemcpyAsync", "cudaStreamSynchronize", "cudaDeviceSynchronize")
    counts = {event.key: event.count for event in table if event.key in names}
    return {name: round(counts.get(name, 0) / steps, 2) for name in names}


def main():
    np.seterr(all="ignore")
    from seqforecast.datasets import load_m3

    data = load_m3("monthly")
    device = "cuda" if torch.cuda.is_available() else "cpu"
    _fit(data, device, 1)  # warm-up: imports, CUDA context, cuDNN plans
    for epochs in (2, 6):
        model = _model(data, device, epochs)
        seconds = _timed_fit(model, data.y_train, device)
        print(f"epochs {epochs}: fit {seconds:.3f} s, "
              f"loop {sum(model.net_.history[:, 'dur']):.3f} s")
    activities = [ProfilerActivity.CPU] + ([ProfilerActivity.CUDA] if device == "cuda" else [])
    with profile(activities=activities) as prof:
        model = _fit(data, device, 3)
        if device == "cuda":
            torch.cuda.synchronize()
    table = prof.key_averages()
    steps = _steps(model)
    print(table.table(sort_by="self_cpu_time_total", row_limit=30, max_name_column_width=60))
    if device == "cuda":
        print(table.table(sort_by="self_cuda_time_total", row_limit=20,
                          max_name_column_width=60))
        # The whole fit's calls (set-up and prediction included) over its steps.
        print(f"CUDA runtime calls per step ({steps} steps):", _runtime_calls(table, steps))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
