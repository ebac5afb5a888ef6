"""Which members make the best combination? Chosen on the validation split only.

Every candidate member is fitted once on the M3 training parts without their
last horizon (the validation split of :mod:`benchmarks.tune`; the test part
is never read) and its validation forecasts are cached; then combinations of
the cached forecasts (means, medians, weights) are scored in seconds::

    python -m benchmarks.combine --category monthly
    python -m benchmarks.combine --category monthly --members gru,theta,ets

Forecasts are cached in ``benchmarks/results/cache/`` (not committed; the
command rebuilds them), each under a hash of all its member's parameters,
defaults included, and of the package's source, so a changed default or a
changed rule inside the code fits the member again; the table
of combinations is appended to
``benchmarks/results/tuning.csv`` with ``config`` = ``combo:<members>``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from benchmarks import _cli

RESULTS = Path(__file__).resolve().parent / "results"


def _members(data, seed):
    """Candidate members by name (hinted: horizon and seasonal period given)."""
    import seqforecast as sf

    h, m = data.horizon, data.seasonal_period
    neural = dict(horizon=h, seasonal_period=m)
    return {
        "gru": lambda: sf.GRUForecaster(random_state=seed, **neural),
        "gru_s1": lambda: sf.GRUForecaster(random_state=seed + 1, **neural),
        "lstm": lambda: sf.LSTMForecaster(random_state=seed, **neural),
        "lstm_s1": lambda: sf.LSTMForecaster(random_state=seed + 1, **neural),
        "gru_mase": lambda: sf.GRUForecaster(random_state=seed, loss_scale="mase", **neural),
        "lstm_mase": lambda: sf.LSTMForecaster(random_state=seed, loss_scale="mase", **neural),
        "lstm_lb2": lambda: sf.LSTMForecaster(random_state=seed, lookback=2 * max(3 * m, h),
                                              **neural),
        "gru_lbh": lambda: sf.GRUForecaster(random_state=seed, lookback=max(h, 2 * m), **neural),
        # Encoder-decoders (the encoders study): other errors, for diversity.
        "lstm_s2s": lambda: sf.LSTMForecaster(random_state=seed, strategy="seq2seq", **neural),
        "gru_s2s": lambda: sf.GRUForecaster(random_state=seed, strategy="seq2seq", **neural),
        "lstm_att": lambda: sf.LSTMForecaster(random_state=seed, strategy="seq2seq",
                                              attention=True, **neural),
        "theta": lambda: sf.ThetaForecaster(seasonal_period=m, n_jobs=2),
        "ets": lambda: sf.ETSForecaster(seasonal_period=m, n_jobs=2),
        # The presets' ETS member.
        "damped": lambda: sf.ETSForecaster(seasonal_period=m, auto=False, trend="add",
                                           damped_trend=True, seasonal="mul", fallback=True,
                                           n_jobs=2),
        "damped_ds": lambda: sf.ETSForecaster(seasonal_period=m, auto=False, trend="add",
                                              damped_trend=True, deseasonalize=True,
                                              n_jobs=2),
        "arima": lambda: sf.ARIMAForecaster(seasonal_period=m, n_jobs=2),
        "snaive": lambda: sf.NaiveForecaster(strategy="seasonal" if m > 1 else "last",
                                             seasonal_period=m),
    }


def _source_hash():
    """A hash of every Python file of the installed ``seqforecast`` package."""
    import seqforecast

    digest = hashlib.sha1()
    root = Path(seqforecast.__file__).resolve().parent
    for path in sorted(root.rglob("*.py")):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def fingerprint(model):
    """A short hash of all of ``model``'s parameters, defaults included, and of the code.

    Part of each cached forecast's file name, so that a change of a default
    (which the estimator's repr leaves out), or of a rule that is no
    parameter (a module constant, the training budget), fits the member
    again instead of reusing forecasts of the old one.
    """
    params = sorted((name, repr(value)) for name, value in model.get_params(deep=True).items())
    return hashlib.sha1(repr((params, _source_hash())).encode()).hexdigest()[:10]


def forecasts(category, names, seed, cache, origin=1):
    """Validation forecasts of every member, fitted once and cached: {name: array}.

    ``origin`` picks the validation fold (:func:`benchmarks.tune.validation_split`).
    """
    import torch

    from benchmarks.tune import validation_split
    from seqforecast.datasets import load_m3

    torch.set_num_threads(1)
    data = validation_split(load_m3(category), origin)
    makers = _members(data, seed)
    unknown = sorted(set(names) - set(makers))
    if unknown:
        raise SystemExit(f"unknown members {unknown}; choose from {list(makers)}")
    cache.mkdir(parents=True, exist_ok=True)
    out, seconds = {}, {}
    horizon = pd.DataFrame(index=data.y_test.index)
    for name in names:
        model = makers[name]()
        fold = "" if origin == 1 else f"_origin{origin}"
        path = cache / f"{category}_{name}_seed{seed}{fold}_{fingerprint(model)}.npz"
        if path.exists():
            stored = np.load(path)
            out[name], seconds[name] = stored["forecast"], float(stored["seconds"])
            continue
        start = time.perf_counter()
        forecast = model.fit(None, data.y_train).predict(horizon)
        seconds[name] = time.perf_counter() - start
        out[name] = np.asarray(forecast, dtype=float)
        np.savez(path, forecast=out[name], seconds=seconds[name])
        print(f"{category} {name}: fitted in {seconds[name]:.1f} s", file=sys.stderr, flush=True)
    return data, out, seconds


def score(data, forecast):
    from benchmarks.accuracy import score as score_forecast

    frame = pd.DataFrame(forecast, index=data.y_test.index, columns=data.y_test.columns)
    smapes, mases, _ = score_forecast(data, frame)
    return float(np.mean(smapes)), float(np.mean(mases))


def main(argv=None):
    parser = _cli.category_parser("benchmarks.combine", __doc__)
    parser.add_argument("--members", default="gru,lstm,theta",
                        help="comma-separated candidate members")
    parser.add_argument("--max-size", type=int, default=4, help="largest combination tried")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--origin", type=int, default=1,
                        help="validation fold: 1 the last horizon, 2 the one before")
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--no-record", action="store_true",
                        help="print only; do not append to tuning.csv")
    args = parser.parse_args(argv)
    names = [n for n in args.members.split(",") if n]
    data, cached, seconds = forecasts(args.category, names, args.seed, args.out / "cache",
                                      args.origin)
    suffix = "" if args.origin == 1 else f"@origin{args.origin}"
    rows = []
    for size in range(1, min(args.max_size, len(names)) + 1):
        for combo in itertools.combinations(names, size):
            stack = np.stack([cached[n] for n in combo])
            for how, forecast in (("mean", stack.mean(axis=0)),
                                  ("median", np.median(stack, axis=0))):
                if size < 3 and how == "median":
                    continue
                s, m = score(data, forecast)
                rows.append({"category": args.category,
                             "config": f"combo:{how}:{'+'.join(combo)}{suffix}",
                             "seed": args.seed, "n_series": data.n_series,
                             "val_smape": round(s, 3), "val_mase": round(m, 4),
                             "fit_seconds": round(sum(seconds[n] for n in combo), 1),
                             "date": dt.date.today().isoformat()})
    # Weighted means: the fast preset of make_ensemble, a third each to the
    # GRU, Theta and damped ETS ("damped" here is the presets' ETS member)...
    presets = {"preset-fast": {"gru": 1, "theta": 1, "damped": 1},
               # ...the accurate preset until the ninth session: four networks
               # sharing the networks' third...
               "four-networks": {"gru": 1, "gru_s1": 1, "lstm": 1, "lstm_s1": 1,
                                 "theta": 4, "damped": 4},
               # Candidates: encoder-decoders in the neural third.
               "accurate-s2s": {"gru": 1, "gru_s2s": 1, "lstm": 1, "lstm_s2s": 1,
                                "theta": 4, "damped": 4},
               "accurate-att": {"gru": 1, "gru_s1": 1, "lstm": 1, "lstm_att": 1,
                                "theta": 4, "damped": 4},
               # Candidates: half the weight to the networks.
               "fast-half": {"gru": 2, "theta": 1, "damped": 1},
               "accurate-half": {"gru": 1, "gru_s1": 1, "lstm": 1, "lstm_s1": 1,
                                 "theta": 2, "damped": 2},
               # Candidates: automatic ARIMA as a fourth kind of member.
               "fast-arima": {"gru": 1, "theta": 1, "damped": 1, "arima": 1},
               "accurate-arima": {"gru": 1, "gru_s1": 1, "lstm": 1, "lstm_s1": 1,
                                  "theta": 4, "damped": 4, "arima": 4}}
    # ...and the median of the accurate preset: the fast preset's members and ARIMA.
    combos = {label: ("mean", weights) for label, weights in presets.items()}
    combos["preset-accurate"] = ("median", dict.fromkeys(("gru", "theta", "damped", "arima"), 1))
    for label, (how, weights) in combos.items():
        if set(weights) <= set(cached):
            stack = np.stack([cached[n] for n in weights])
            forecast = (np.median(stack, axis=0) if how == "median"
                        else np.average(stack, axis=0, weights=list(weights.values())))
            s, m = score(data, forecast)
            rows.append({"category": args.category, "config": f"combo:{label}{suffix}",
                         "seed": args.seed, "n_series": data.n_series,
                         "val_smape": round(s, 3), "val_mase": round(m, 4),
                         "fit_seconds": round(sum(seconds[n] for n in weights), 1),
                         "date": dt.date.today().isoformat()})
    table = pd.DataFrame(rows).sort_values("val_mase")
    print(table[["config", "val_smape", "val_mase", "fit_seconds"]].head(25).to_string(
        index=False))
    if not args.no_record:
        path = args.out / "tuning.csv"
        table.to_csv(path, mode="a", header=not path.exists(), index=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
