"""Two checkouts side by side: the default LSTM fit of M3 monthly, interleaved.

    git worktree add ../seqforecast-before <commit>
    python -m benchmarks.speed.ab_fit ../seqforecast-before . [--repeats 3] [--threads 1]
        [--params JSON] [--device-batches]

Each fit runs in a fresh interpreter with the checkout on ``PYTHONPATH``
(``LSTMForecaster`` defaults, ``random_state=0``, ``torch.set_num_threads``
and ``OMP_NUM_THREADS`` pinned), the two checkouts alternating which goes
first, and prints fit seconds, the training loop's milliseconds per step
(skorch's epoch durations over the steps), the peak RSS the fit added
(Linux: ``VmHWM`` reset before the fit, which includes torch's lazy
start-up, the same in both), test sMAPE and the first forecast (to see
whether the forecasts moved) for each, then the medians.

``--params`` overrides parameters (a JSON object) and ``--device-batches``
makes the batches as a CUDA fit does (``DeviceWindowDataset``, on the
CPU). ``--params '{"hidden_size": 4, "batch_size": 8, "max_epochs": 10}'
--device-batches`` is a host-bound proxy of a GPU step: the network's
arithmetic is so small that a step's time is the host's work around it
(what decides a small network's step on a GPU), though a CPU operation's
host cost is not a CUDA launch's.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

_FIT = r"""
import json, sys, time
import numpy as np, pandas as pd, torch
np.seterr(all="ignore")
torch.set_num_threads(int(sys.argv[1]))
from seqforecast import LSTMForecaster
from seqforecast.datasets import load_m3
from seqforecast.metrics import smape
data = load_m3("monthly")
model = LSTMForecaster(horizon=data.horizon, seasonal_period=data.seasonal_period,
                       **{"random_state": 0, **json.loads(sys.argv[2])})
model._device_resident = sys.argv[3] == "1" or None
def peak_mb():  # benchmarks.speed._common.proc_status_mb, which the checkout may lack
    try:
        with open("/proc/self/status") as f:
            return next(int(l.split()[1]) for l in f if l.startswith("VmHWM")) * 1024 / 1e6
    except OSError:  # not Linux
        return None
try:
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")  # the peak RSS from here
except OSError:
    pass
base = peak_mb()
start = time.perf_counter()
model.fit(None, data.y_train)
seconds = time.perf_counter() - start
rss = None if base is None else round(peak_mb() - base, 1)
steps = len(model.net_.history) * (model.windows_per_epoch_ // model.batch_size_)
loop = float(sum(model.net_.history[:, "dur"]))
forecast = model.predict(pd.DataFrame(index=data.y_test.index))
print(json.dumps({"fit": round(seconds, 2), "ms_per_step": round(1e3 * loop / steps, 4),
                  "rss_added_mb": rss,
                  "smape": round(smape(data.y_test, forecast), 4),
                  "first": float(np.asarray(forecast)[0, 0])}))
"""


def fit_once(root, threads, params="{}", device_batches=False):
    env = {**os.environ, "PYTHONPATH": str(root), "OMP_NUM_THREADS": str(threads)}
    out = subprocess.run([sys.executable, "-c", _FIT, str(threads), params,
                          str(int(device_batches))], cwd=root, env=env,
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--params", default="{}",
                        help="LSTMForecaster parameters over the defaults, a JSON object")
    parser.add_argument("--device-batches", action="store_true",
                        help="make the batches as a CUDA fit does (on the CPU)")
    args = parser.parse_args(argv)
    json.loads(args.params)  # refused here rather than in every fit
    runs = {"before": [], "after": []}
    roots = {"before": args.before.resolve(), "after": args.after.resolve()}
    for repeat in range(args.repeats):
        order = ["before", "after"] if repeat % 2 == 0 else ["after", "before"]
        for name in order:
            result = fit_once(roots[name], args.threads, args.params, args.device_batches)
            runs[name].append(result)
            print(name, repeat, json.dumps(result), flush=True)
    for name, results in runs.items():
        print(f"{name}: median fit {statistics.median(r['fit'] for r in results):.2f} s, "
              f"training loop {statistics.median(r['ms_per_step'] for r in results):.4f}"
              " ms a step, peak RSS added "
              f"{statistics.median(r['rss_added_mb'] or 0 for r in results):.1f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
