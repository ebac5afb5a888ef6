"""Which per-series scale makes pooled conformal intervals work (side study).

    python -m benchmarks.conformal_scale --n-series 100 --n-windows 10

``ConformalForecaster(pooling="scaled")`` divides the calibration errors of
every series by a scale, pools them over series and multiplies the pooled
quantile back. This fits the default LSTM inside the conformal wrapper once
on a sample of M3 monthly series and then compares, on the same calibration
errors and the same point forecasts, four scales for the 95 % intervals of
the test part: each series' own mean calibration error, its in-sample
one-step naive error, its in-sample seasonal-naive error (the MASE scale) and
the geometric mean of the first two. It prints coverage and MSIS of each
and writes them, with the command, machine and date, to
``benchmarks/results/conformal_scale.csv`` (``--out`` changes the path).
The package uses the seasonal-naive scale (README, design section).
"""

from __future__ import annotations

import argparse
import datetime
import sys
from pathlib import Path

import numpy as np
import pandas as pd


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-series", type=int, default=100)
    parser.add_argument("--n-windows", type=int, default=10)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="benchmarks/results/conformal_scale.csv")
    args = parser.parse_args(argv)

    import torch

    torch.set_num_threads(1)
    import seqforecast as sf
    from seqforecast.conformal import _conformal_bound
    from seqforecast.datasets import load_m3
    from seqforecast.metrics import coverage, msis

    data = load_m3("monthly", n_series=args.n_series, random_state=args.seed)
    lstm = sf.LSTMForecaster(horizon=data.horizon, seasonal_period=12, random_state=0)
    model = sf.ConformalForecaster(lstm, horizon=data.horizon, n_windows=args.n_windows,
                                   pooling="scaled", seasonal_period=12)
    model.fit(None, data.y_train)
    point = model.predict(pd.DataFrame(index=data.y_test.index)).to_numpy()
    y, actual = data.y_train.to_numpy(), data.y_test.to_numpy()
    errors = model.residuals_
    own = np.nanmean(errors, axis=(0, 1))
    one_step = np.nanmean(np.abs(np.diff(y, axis=0)), axis=0)
    seasonal = np.nanmean(np.abs(y[12:] - y[:-12]), axis=0)
    rows = []
    for name, scale in [("own calibration error", own), ("one-step naive", one_step),
                        ("seasonal naive (MASE)", seasonal),
                        ("geometric mean of own and one-step", np.sqrt(own * one_step))]:
        scale = np.where(np.isfinite(scale) & (scale > 0), scale, np.nanmedian(scale))
        radius = np.array([
            _conformal_bound((errors[:, h, :] / scale).ravel(), 0.95, upper=True) * scale
            for h in range(data.horizon)
        ])
        lower, upper = point - radius, point + radius
        rows.append({"scale": name, "coverage": round(coverage(actual, lower, upper), 3),
                     "msis": round(msis(actual, lower, upper, y_train=y,
                                        seasonal_period=12), 3)})
    from benchmarks.classical_speed import machine

    table = pd.DataFrame(rows)
    print(table.to_string(index=False))
    table["n_series"], table["n_windows"] = args.n_series, args.n_windows
    table["command"] = " ".join(
        ["python -m benchmarks.conformal_scale", *(sys.argv[1:] if argv is None else argv)]
    )
    table["machine"], table["date"] = machine(), datetime.date.today().isoformat()
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(args.out, index=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
