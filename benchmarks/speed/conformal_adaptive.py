"""What adaptive recalibration adds to the fit of a ConformalForecaster.

``ConformalForecaster(adaptive=True)`` also forecasts, at fit, from the last
``horizon - 1`` origins (so that one new row gives every step a new error):
``horizon - 1`` more fits with ``method="rolling"``. This times the fit with
``adaptive=False`` and ``True`` side by side (best of ``--repeats``,
interleaved, one process, one thread) for an ARIMA and a small LSTM on one
random-walk series of 200 points, 10 calibration windows.

Run from the repository root::

    python -m benchmarks.speed.conformal_adaptive      # writes results/conformal_adaptive.csv
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings

from benchmarks.speed._common import RESULTS, load_average, machine_info, write_csv


def _models():
    from seqforecast.baselines import ARIMAForecaster
    from seqforecast.neural import LSTMForecaster

    return {
        "arima(1,0,0)": lambda h: ARIMAForecaster(order=(1, 0, 0), maxiter=200),
        "lstm (hidden 16, 10 epochs)": lambda h: LSTMForecaster(
            hidden_size=16, max_epochs=10, horizon=h, random_state=0, n_threads=1),
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--horizons", default="3,12")
    parser.add_argument("--n-windows", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)

    import numpy as np
    import torch

    from seqforecast.conformal import ConformalForecaster

    torch.set_num_threads(1)
    y = 100 + np.random.default_rng(0).normal(size=200).cumsum()
    rows = []
    print(f"one series of {len(y)} points, n_windows={args.n_windows}, method='rolling'; "
          f"best of {args.repeats}")
    print("| model | horizon | fit s, static | fit s, adaptive | ratio |")
    print("|---|---:|---:|---:|---:|")
    for name, make in _models().items():
        for h in (int(v) for v in args.horizons.split(",")):
            best = {False: np.inf, True: np.inf}
            for _ in range(args.repeats):
                for adaptive in (False, True):
                    model = ConformalForecaster(make(h), horizon=h, n_windows=args.n_windows,
                                                adaptive=adaptive)
                    start = time.perf_counter()
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")
                        model.fit(None, y)
                    best[adaptive] = min(best[adaptive], time.perf_counter() - start)
            ratio = best[True] / best[False]
            print(f"| {name} | {h} | {best[False]:.2f} | {best[True]:.2f} | {ratio:.2f} |")
            rows.append({"model": name, "horizon": h, "n_windows": args.n_windows,
                         "static_s": round(best[False], 3), "adaptive_s": round(best[True], 3),
                         "ratio": round(ratio, 2), "load1": load_average(), **machine_info()})
    print("wrote", write_csv(RESULTS / "conformal_adaptive.csv", rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
