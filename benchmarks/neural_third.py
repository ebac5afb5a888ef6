"""Two ensemble ideas for the presets, on the validation folds only.

The presets (:func:`seqforecast.make_ensemble`) give a third of the weight
to the networks, a third to Theta and a third to damped ETS. Two ways to do
better were left untried until the sixth session:

- **diversity of lookbacks inside the neural third** (as N-BEATS diversified
  its members): the third made of networks with 2/3, 1 and 1.5 times the
  default lookback instead of networks that differ only in their seed;
- **weights per forecast step**: the networks lose to Theta on the first
  steps and win later, so inverse-error weights learned per step on the
  second-last horizon of each training series (fold 2) are applied to the
  last one (fold 1), against the plain mean and one weight per member.

Every member is fitted on both folds of :func:`benchmarks.tune.validation_split`
(the test part is never read)::

    python -m benchmarks.neural_third --category monthly

Rows go to ``benchmarks/results/tuning.csv`` as ``third:<label>`` (the
preset-like combination; ``@origin2`` on the second fold) and
``perstep:<label>`` (fold 1 scored with weights from fold 2).
"""

from __future__ import annotations

import datetime as dt
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from benchmarks import _cli

RESULTS = Path(__file__).resolve().parent / "results"
SEEDS = (0, 1, 2)
LOOKBACK_FACTORS = (2 / 3, 1.5)


def _fit_members(data):
    """Validation forecasts of every member on one fold: {name: DataFrame}."""
    import seqforecast as sf
    from seqforecast.neural.forecaster import default_window

    h, m = data.horizon, data.seasonal_period
    _, rule = default_window(m, data.y_train.to_numpy(), horizon=h)  # the default lookback
    members = {
        "theta": sf.ThetaForecaster(seasonal_period=m, n_jobs=1),
        "damped": sf.ETSForecaster(seasonal_period=m, auto=False, trend="add",
                                   damped_trend=True, seasonal="mul", fallback=True, n_jobs=1),
    }
    for cell, cls in (("gru", sf.GRUForecaster), ("lstm", sf.LSTMForecaster)):
        for seed in SEEDS:
            members[f"{cell}_s{seed}"] = cls(horizon=h, seasonal_period=m, random_state=seed)
        for factor in LOOKBACK_FACTORS:
            lookback = max(h, round(factor * rule))
            members[f"{cell}_lb{lookback}"] = cls(horizon=h, seasonal_period=m,
                                                  lookback=lookback, random_state=0)
    horizon = pd.DataFrame(index=data.y_test.index)
    forecasts = {}
    for name, model in members.items():
        start = time.perf_counter()
        forecasts[name] = model.fit(None, data.y_train).predict(horizon)
        print(f"{name}: {time.perf_counter() - start:.1f} s", file=sys.stderr, flush=True)
    return forecasts


def _thirds(forecasts):
    """The neural thirds compared: label -> member names."""
    lookbacks = sorted(n for n in forecasts if n.startswith("gru_lb"))
    return {
        "gru (fast)": ["gru_s0"],
        "gru x3 seeds": ["gru_s0", "gru_s1", "gru_s2"],
        "gru x3 lookbacks": ["gru_s0", *lookbacks],
        "gru+lstm x2 seeds (accurate)": ["gru_s0", "gru_s1", "lstm_s0", "lstm_s1"],
        "gru+lstm x3 seeds": [f"{c}_s{s}" for c in ("gru", "lstm") for s in SEEDS],
        "gru+lstm x3 lookbacks": ["gru_s0", "lstm_s0", *lookbacks,
                                  *(n.replace("gru", "lstm") for n in lookbacks)],
    }


def _scaled_errors_by_step(data, forecast, period):
    """Mean over series of |error| / in-sample seasonal-naive MAE, per step: (h,)."""
    scale = data.y_train.diff(period).abs().mean()
    errors = (forecast - data.y_test).abs().div(scale, axis=1)
    return errors.mean(axis=1).to_numpy()


def run(category, out):
    import torch

    from benchmarks.accuracy import score
    from benchmarks.tune import validation_split
    from seqforecast.datasets import load_m3

    torch.set_num_threads(1)
    full = load_m3(category)
    folds = {origin: validation_split(full, origin) for origin in (1, 2)}
    fitted = {origin: _fit_members(data) for origin, data in folds.items()}
    rows = []

    def record(config, data, forecast):
        smapes, mases, _ = score(data, forecast)
        rows.append({"category": category, "config": config, "seed": 0,
                     "n_series": data.n_series,
                     "val_smape": round(float(np.mean(smapes)), 3),
                     "val_mase": round(float(np.mean(mases)), 4),
                     # Combinations of forecasts fitted once: no fit time of their own.
                     "fit_seconds": float("nan"), "date": dt.date.today().isoformat()})
        print(rows[-1], file=sys.stderr, flush=True)

    for origin, forecasts in fitted.items():
        data, suffix = folds[origin], "" if origin == 1 else f"@origin{origin}"
        classical = (forecasts["theta"] + forecasts["damped"]) / 2
        for label, names in _thirds(forecasts).items():
            neural = sum(forecasts[n] for n in names) / len(names)
            record(f"third:{label}{suffix}", data, (neural + 2 * classical) / 3)

    # Weights per step from fold 2, applied to fold 1 (members of the fast preset).
    members = ("gru_s0", "theta", "damped")
    period = full.seasonal_period
    d1, d2 = folds[1], folds[2]
    common = d1.y_test.columns.intersection(d2.y_test.columns)
    shared = replace(d2, y_train=d2.y_train[common], y_test=d2.y_test[common])
    errors = np.stack([_scaled_errors_by_step(shared, fitted[2][name][common], period)
                       for name in members])  # (members, h)
    per_step = (1 / errors) / (1 / errors).sum(axis=0)
    per_member = 1 / errors.mean(axis=1)
    per_member = per_member / per_member.sum()
    for label, weights in (("mean", np.full((len(members), 1), 1 / len(members))),
                           ("one weight per member", per_member[:, None]),
                           ("weights per step", per_step)):
        # One weight per step (a column of weights down the rows of steps).
        forecast = sum(fitted[1][name].mul(np.broadcast_to(weights[i], (d1.horizon,)), axis=0)
                       for i, name in enumerate(members))
        record(f"perstep:{label}", d1, forecast)
    print(f"{category} weights per step (rows {members}):\n{np.round(per_step, 3)}")

    table = pd.DataFrame(rows)
    out.mkdir(parents=True, exist_ok=True)
    path = out / "tuning.csv"
    table.to_csv(path, mode="a", header=not path.exists(), index=False)
    print(table[["config", "val_smape", "val_mase"]].to_string(index=False))
    return table


def main(argv=None):
    parser = _cli.category_parser("benchmarks.neural_third", __doc__)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    run(args.category, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
