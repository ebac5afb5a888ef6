"""Tuning of the neural defaults on a validation split of the *training* part.

The last ``h`` points of every M3 training series are held out; each
configuration is fitted on what remains and scored there (sMAPE, MASE). The
competition's test part is never read. Usage::

    python -m benchmarks.tune --category monthly --configs base,epochs100,hidden128

Results are appended to ``benchmarks/results/tuning.csv``.
"""

from __future__ import annotations

import datetime as dt
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from benchmarks import _cli, _study

RESULTS = Path(__file__).resolve().parent / "results"

# name -> (cell, parameters changed from the defaults)
CONFIGS = {
    "base": ("lstm", {}),
    "gru": ("gru", {}),
    # Neither horizon nor seasonal period given (detected from the data).
    "nohints": ("lstm", {"hints": False}),
    # Each series' length as a static input (fifteenth session).
    "static_length": ("lstm", {"static_length": True}),
    "gru_static_length": ("gru", {"static_length": True}),
    "gru_nohints": ("gru", {"hints": False}),
    # Each window's loss weighted as MASE counts its series.
    "mase_loss": ("lstm", {"loss_scale": "mase"}),
    "gru_mase_loss": ("gru", {"loss_scale": "mase"}),
    "no_deseasonalize": ("lstm", {"deseasonalize": False}),
    "gru_no_deseasonalize": ("gru", {"deseasonalize": False}),
    "epochs100": ("lstm", {"max_epochs": 100}),
    "gru_epochs100": ("gru", {"max_epochs": 100}),
    "batch64": ("lstm", {"batch_size": 64}),
    # Adam's L2 weight decay (thirteenth session).
    "wd1e-5": ("lstm", {"weight_decay": 1e-5}),
    "wd1e-4": ("lstm", {"weight_decay": 1e-4}),
    "wd1e-3": ("lstm", {"weight_decay": 1e-3}),
    "gru_wd1e-4": ("gru", {"weight_decay": 1e-4}),
    "hidden128": ("lstm", {"hidden_size": 128}),
    "gru_hidden128": ("gru", {"hidden_size": 128}),
    "layers2": ("lstm", {"num_layers": 2}),
    "lr3e-3": ("lstm", {"lr": 3e-3}),
    "lookback_3h": ("lstm", {"lookback_factor": 3}),
    "lookback_1.5h": ("lstm", {"lookback_factor": 1.5}),
    "mse": ("lstm", {"loss": "mse"}),
    "chi2": ("lstm", {"season_test": "chi2"}),
    "gru_chi2": ("gru", {"season_test": "chi2"}),
    "bartlett": ("lstm", {"season_test": "bartlett"}),
    "gru_bartlett": ("gru", {"season_test": "bartlett"}),
    "whole_seasons": ("lstm", {"index_seasons": None}),
    "gru_whole_seasons": ("gru", {"index_seasons": None}),
    "seasons5": ("lstm", {"index_seasons": 5}),
    "gru_seasons5": ("gru", {"index_seasons": 5}),
    "always": ("lstm", {"season_test": "none"}),
    "gru_always": ("gru", {"season_test": "none"}),
    # Windows whose future runs past the end of each series, the loss over
    # their observed steps (twenty-ninth session): for every series, with at
    # least one step or half the horizon observed; or (the default since)
    # only for the series without a whole window, "whole_futures" the rule
    # before it (none).
    "whole_futures": ("lstm", {"partial_future": None}),
    "gru_whole_futures": ("gru", {"partial_future": None}),
    "partial1": ("lstm", {"partial_future": 1e-9}),
    "gru_partial1": ("gru", {"partial_future": 1e-9}),
    "partial_half": ("lstm", {"partial_future": 0.5}),
    "gru_partial_half": ("gru", {"partial_future": 0.5}),
    "nohints_partial1": ("lstm", {"hints": False, "partial_future": 1e-9}),
    "gru_nohints_partial1": ("gru", {"hints": False, "partial_future": 1e-9}),
    "theta": ("theta", {}),
    "gru+theta": ("gru+theta", {}),
    "standard": ("lstm", {"scaling": "standard"}),
    "seq2seq": ("lstm", {"strategy": "seq2seq"}),
    "recursive": ("lstm", {"strategy": "recursive"}),
    # Learning-rate schedules (skorch's LRScheduler over torch's schedulers).
    "cosine": ("lstm", {"schedule": ("cosine", 1e-3)}),
    "cosine_lr3e-3": ("lstm", {"schedule": ("cosine", 3e-3)}),
    "gru_cosine_lr3e-3": ("gru", {"schedule": ("cosine", 3e-3)}),
    # Large batches for a GPU (the same 1,000 steps, 16x the windows each).
    "batch512": ("lstm", {"batch_size": 512}),
    "batch512_lr3e-3": ("lstm", {"batch_size": 512, "lr": 3e-3}),
    "batch512_lr1e-2": ("lstm", {"batch_size": 512, "lr": 1e-2}),
    # The encoders study: attention over the past, and a Transformer encoder.
    "seq2seq_attention": ("lstm", {"strategy": "seq2seq", "attention": True}),
    "transformer": ("rnn", {"encoder": "transformer"}),
    "transformer_attention": ("rnn", {"encoder": "transformer", "strategy": "seq2seq",
                                      "attention": True}),
    # Weight averaging: an exponential moving average of the weights over the
    # steps. The ema* rows were measured before it had a warm-up and became
    # the default (a constant decay from the first step); avg* rows have it.
    # Outputs not clipped to the range of the training targets (the default
    # before the sixteenth session's runaway study).
    "noclip": ("lstm", {"clip_outputs": False}),
    "gru_noclip": ("gru", {"clip_outputs": False}),
    "last": ("lstm", {"weight_averaging": None}),
    "gru_last": ("gru", {"weight_averaging": None}),
    "ema99": ("lstm", {"ema": 0.99}),
    "ema995": ("lstm", {"ema": 0.995}),
    "gru_ema99": ("gru", {"ema": 0.99}),
    "ema99_lr3e-3": ("lstm", {"ema": 0.99, "lr": 3e-3}),
    "avg99": ("lstm", {"weight_averaging": 0.99}),
    "gru_avg99": ("gru", {"weight_averaging": 0.99}),
    # With averaging as the default, the seed noise is small enough to
    # look again at what earlier landed inside it (named avg99_*, so that
    # these rows are not read as the earlier ones without averaging).
    "avg99_lr3e-3": ("lstm", {"weight_averaging": 0.99, "lr": 3e-3}),
    "avg99_hidden128": ("lstm", {"weight_averaging": 0.99, "hidden_size": 128}),
    "avg99_epochs100": ("lstm", {"weight_averaging": 0.99, "max_epochs": 100}),
    "avg99_transformer": ("rnn", {"weight_averaging": 0.99, "encoder": "transformer"}),
    "gru_avg99_lr3e-3": ("gru", {"weight_averaging": 0.99, "lr": 3e-3}),
    # Width and budget together, and the MASE-scaled loss, with averaging.
    "avg99_e200": ("lstm", {"weight_averaging": 0.99, "max_epochs": 200}),
    "avg99_h128_e100": ("lstm", {"weight_averaging": 0.99, "hidden_size": 128,
                                 "max_epochs": 100}),
    "avg99_h128_e200": ("lstm", {"weight_averaging": 0.99, "hidden_size": 128,
                                 "max_epochs": 200}),
    "avg99_mase": ("lstm", {"weight_averaging": 0.99, "loss_scale": "mase"}),
    "gru_avg99_mase": ("gru", {"weight_averaging": 0.99, "loss_scale": "mase"}),
    "rnn_avg99": ("rnn", {"cell": "rnn", "weight_averaging": 0.99}),
    "rnn_avg99_mase": ("rnn", {"cell": "rnn", "weight_averaging": 0.99,
                               "loss_scale": "mase"}),
    "gru_avg99_hidden128": ("gru", {"weight_averaging": 0.99, "hidden_size": 128}),
    "gru_avg99_h128_e100": ("gru", {"weight_averaging": 0.99, "hidden_size": 128,
                                    "max_epochs": 100}),
    # The budget chosen from the data (defaults: averaging, MASE-scaled loss):
    # early stopping on the latest horizon of each series (patience 10 epochs
    # of 20 batches, at most 200 epochs); "_refit" then fits again on the
    # whole history for the best epoch count found.
    "e100": ("lstm", {"max_epochs": 100}),
    "e200": ("lstm", {"max_epochs": 200}),
    "es10": ("lstm", {"early_stopping": 10, "max_epochs": 200}),
    "es10_refit": ("lstm", {"early_stopping": 10, "max_epochs": 200, "refit": True}),
    "gru_e100": ("gru", {"max_epochs": 100}),
    "rnn_e100": ("rnn", {"cell": "rnn", "max_epochs": 100}),
    # The window's scale from its last third (scaling="recent"; the
    # scaling_study's "recent" variant, now in the package).
    "recent": ("lstm", {"scaling": "recent"}),
    "gru_recent": ("gru", {"scaling": "recent"}),
    "rnn_recent": ("rnn", {"cell": "rnn", "scaling": "recent"}),
    # The window's scale from an exponentially weighted mean of its past
    # (scaling="smoothed"): each series' smoothing constant (ES-RNN's
    # per-series level) chosen up to 1 (smoothed), 0.5 (max05, the
    # option's rule) or 0.7, or one constant for all (a02).
    "smoothed": ("lstm", {"scaling": "smoothed", "max_smoothing": 1.0}),
    "gru_smoothed": ("gru", {"scaling": "smoothed", "max_smoothing": 1.0}),
    "smoothed_max05": ("lstm", {"scaling": "smoothed", "max_smoothing": 0.5}),
    "gru_smoothed_max05": ("gru", {"scaling": "smoothed", "max_smoothing": 0.5}),
    "smoothed_max07": ("lstm", {"scaling": "smoothed", "max_smoothing": 0.7}),
    "gru_smoothed_max07": ("gru", {"scaling": "smoothed", "max_smoothing": 0.7}),
    "smoothed_a02": ("lstm", {"scaling": "smoothed", "fixed_smoothing": 0.2}),
    "gru_smoothed_a02": ("gru", {"scaling": "smoothed", "fixed_smoothing": 0.2}),
    # With the recent scale, a longer window no longer moves the scale away
    # from the current level: 1.5 times the default lookback rule.
    "lb150": ("lstm", {"lookback_scale": 1.5}),
    "gru_lb150": ("gru", {"lookback_scale": 1.5}),
    # Four seasons of quarterly data instead of three (16 steps): windows of
    # 13 or more observed values bring their own noise-level input.
    "lb133": ("lstm", {"lookback_scale": 4 / 3}),
    "gru_lb133": ("gru", {"lookback_scale": 4 / 3}),
    # The same as a rule of seasonal data, with and without hints: at least
    # 16 steps back (benchmarks._study).
    "sl16": ("lstm", {"seasonal_least": 16}),
    "gru_sl16": ("gru", {"seasonal_least": 16}),
    "nohints_sl16": ("lstm", {"seasonal_least": 16, "hints": False}),
    "gru_nohints_sl16": ("gru", {"seasonal_least": 16, "hints": False}),
    # A higher learning rate with the MASE-scaled loss (the defaults of the
    # fifth session; before it, lr 3e-3 failed the second yearly fold).
    "mase_lr3e-3": ("lstm", {"lr": 3e-3}),
    "gru_mase_lr3e-3": ("gru", {"lr": 3e-3}),
    "rnn_mase_lr3e-3": ("rnn", {"cell": "rnn", "lr": 3e-3}),
    # The training budget: fixed at 1,000 steps (the rule before the seventh
    # session), or growing with the training windows per series over 10
    # (the default since), 16 or 24 (benchmarks._study).
    "fixed": ("lstm", {"long_series": None}),
    "gru_fixed": ("gru", {"long_series": None}),
    "rnn_fixed": ("rnn", {"cell": "rnn", "long_series": None}),
    "long16": ("lstm", {"long_series": 16}),
    "gru_long16": ("gru", {"long_series": 16}),
    "long10": ("lstm", {"long_series": 10}),
    "gru_long10": ("gru", {"long_series": 10}),
    "rnn_long10": ("rnn", {"cell": "rnn", "long_series": 10}),
    "rnn_long16": ("rnn", {"cell": "rnn", "long_series": 16}),
    # The rule's cap, 8 times instead of 4 (binds on monthly and "other").
    "cap8": ("lstm", {"budget_cap": 8}),
    "gru_cap8": ("gru", {"budget_cap": 8}),
    "long24": ("lstm", {"long_series": 24}),
    "gru_long24": ("gru", {"long_series": 24}),
    # The default lookback of data without a season: 3 or 4 horizons instead
    # of 2 (benchmarks._study; yearly and "other", with and without hints).
    "lbn3": ("lstm", {"nonseasonal_lookback": 3}),
    "gru_lbn3": ("gru", {"nonseasonal_lookback": 3}),
    "lbn4": ("lstm", {"nonseasonal_lookback": 4}),
    "gru_lbn4": ("gru", {"nonseasonal_lookback": 4}),
    "nohints_lbn3": ("lstm", {"nonseasonal_lookback": 3, "hints": False}),
    "gru_nohints_lbn3": ("gru", {"nonseasonal_lookback": 3, "hints": False}),
    "nohints_lbn4": ("lstm", {"nonseasonal_lookback": 4, "hints": False}),
    "gru_nohints_lbn4": ("gru", {"nonseasonal_lookback": 4, "hints": False}),
    # Long series only: toward 3 horizons, at most a third of the median
    # series length (benchmarks._study; "other", yearly, M1 / Tourism
    # yearly). The default since the twenty-fifth session, so these now
    # equal base, gru, nohints and gru_nohints.
    "lblong": ("lstm", {"nonseasonal_long": (3, 3)}),
    "gru_lblong": ("gru", {"nonseasonal_long": (3, 3)}),
    "nohints_lblong": ("lstm", {"nonseasonal_long": (3, 3), "hints": False}),
    "gru_nohints_lblong": ("gru", {"nonseasonal_long": (3, 3), "hints": False}),
    # The default horizon of data without a season: an eighth of the longest
    # series between 6 and 12 steps, or fixed at 8 or 12, instead of 6
    # (benchmarks._study; without hints, "other" and yearly).
    "nohints_h6_12": ("lstm", {"nonseasonal_horizon": (6, 12), "hints": False}),
    "gru_nohints_h6_12": ("gru", {"nonseasonal_horizon": (6, 12), "hints": False}),
    "nohints_h8": ("lstm", {"nonseasonal_horizon": (8, 8), "hints": False}),
    "gru_nohints_h8": ("gru", {"nonseasonal_horizon": (8, 8), "hints": False}),
    "nohints_h12": ("lstm", {"nonseasonal_horizon": (12, 12), "hints": False}),
    "gru_nohints_h12": ("gru", {"nonseasonal_horizon": (12, 12), "hints": False}),
    # Fewer observed values in a training window's past than half the
    # lookback (the default): short series give training windows, and the
    # network learns to forecast from short histories.
    "minobs2": ("lstm", {"min_observed": 2}),
    "gru_minobs2": ("gru", {"min_observed": 2}),
    "minobs4": ("lstm", {"min_observed": 4}),
    "gru_minobs4": ("gru", {"min_observed": 4}),
    # Without the noise-level input (the default before it), and with its
    # own value from 24 one-step changes instead of 12.
    "no_noise": ("lstm", {"noise_input": False}),
    "gru_no_noise": ("gru", {"noise_input": False}),
    "noise24": ("lstm", {"noise_changes": 24}),
    "gru_noise24": ("gru", {"noise_changes": 24}),
    # The input from 11 changes: a lookback of 12 (quarterly and yearly
    # data, "other" without hints) then gets it too.
    "noise11": ("lstm", {"noise_changes": 11}),
    "gru_noise11": ("gru", {"noise_changes": 11}),
    "nohints_noise11": ("lstm", {"noise_changes": 11, "hints": False}),
    "gru_nohints_noise11": ("gru", {"noise_changes": 11, "hints": False}),
}


def _ensemble(kind, data, seed, hints=True):
    """The ensemble configurations tried on the validation split."""
    from seqforecast import (
        EnsembleForecaster,
        GRUForecaster,
        LSTMForecaster,
        ThetaForecaster,
        make_ensemble,
    )

    hint = dict(horizon=data.horizon, seasonal_period=data.seasonal_period) if hints else {}
    if kind.startswith("preset_"):
        return make_ensemble(kind.removeprefix("preset_"), random_state=seed, **hint)
    period = hint.get("seasonal_period")
    gru = ("gru", GRUForecaster(random_state=seed, **hint))
    lstm = ("lstm", LSTMForecaster(random_state=seed + 1, **hint))
    theta = ("theta", ThetaForecaster(seasonal_period=period, n_jobs=2))
    members = {
        "gru_lstm_theta": [gru, lstm, theta],
        "gru_lstm_theta_median": [gru, lstm, theta],
        "gru_lstm_theta_weighted": [gru, lstm, theta],
        "gru_gru_theta": [gru, ("gru2", GRUForecaster(random_state=seed + 2, **hint)), theta],
        "gru_lstm_lstmq_theta": [gru, lstm, ("lstmq", LSTMForecaster(
            random_state=seed + 3, loss="quantile", **hint)), theta],
        "gru_lstm_theta_theta": [gru, lstm, theta, ("theta2", theta[1])],
    }[kind]
    aggregate = "median" if kind.endswith("median") else (
        "weighted" if kind.endswith("weighted") else "mean")
    return EnsembleForecaster(members, aggregate=aggregate)


ENSEMBLES = (
    "gru_lstm_theta", "gru_lstm_theta_median", "gru_lstm_theta_weighted", "gru_gru_theta",
    "gru_lstm_lstmq_theta", "gru_lstm_theta_theta", "preset_fast", "preset_accurate",
)
CONFIGS.update({f"ens_{k}": ("ensemble", {"kind": k}) for k in ENSEMBLES})
CONFIGS.update({f"ens_{k}_nohints": ("ensemble", {"kind": k, "hints": False})
                for k in ("preset_fast", "preset_accurate")})


def validation_split(data, origin=1):
    """Hold out the last horizon of each training series (right-aligned).

    ``origin=k`` moves the forecast origin ``k - 1`` horizons further back:
    the model is fitted on all but the last ``k`` horizons and scored on the
    first of them (a second, independent validation fold for ``k=2``).
    """
    h = data.horizon
    y_fit = data.y_train.iloc[:-origin * h]
    y_val = data.y_train.iloc[len(data.y_train) - origin * h:][:h]
    # MASE needs more than one season of history to scale by.
    keep = y_fit.notna().sum() > data.seasonal_period + 1
    return replace(data, y_train=y_fit.loc[:, keep], y_test=y_val.loc[:, keep])


def run(category, names, seeds, out, origin=1):
    import torch

    from benchmarks.accuracy import score
    from seqforecast import GRUForecaster, LSTMForecaster, RNNForecaster, ThetaForecaster
    from seqforecast.datasets import load_m3
    from seqforecast.neural.forecaster import default_window

    torch.set_num_threads(1)
    data = validation_split(load_m3(category), origin)
    rows = []
    for name in names:
        cell, params = CONFIGS[name]
        params = dict(params)
        factor = params.pop("lookback_factor", None)
        lookback_scale = params.pop("lookback_scale", None)
        budget = _study.rules_from(params)
        schedule = params.pop("schedule", None)
        if schedule is not None:
            from skorch.callbacks import LRScheduler
            from torch.optim.lr_scheduler import CosineAnnealingLR

            params["lr"] = schedule[1]
            callbacks = params.setdefault("net_params", {}).setdefault("callbacks", [])
            callbacks.append(("lr_schedule", LRScheduler(
                policy=CosineAnnealingLR, T_max=params.get("max_epochs", 50))))
        ema = params.pop("ema", None)
        if ema is not None:
            # The study before the warm-up: a constant decay from the first step.
            from seqforecast.neural.averaging import WeightAveraging

            class ConstantDecay(WeightAveraging):
                def _decay(self):
                    return self.decay

            params["weight_averaging"] = None
            callbacks = params.setdefault("net_params", {}).setdefault("callbacks", [])
            callbacks.append(("averaging", ConstantDecay(ema)))
        hints = params.pop("hints", True)
        refit = params.pop("refit", False)
        static = None
        if params.pop("static_length", False):
            # Each series' length (log of its observed training values) as a
            # static feature: the network may learn to trust short histories less.
            static = pd.DataFrame({"log_length": np.log(data.y_train.notna().sum())})
        if factor is not None:
            params["lookback"] = int(factor * data.horizon)
        if lookback_scale is not None:  # the default lookback, scaled
            _, lookback = default_window(data.seasonal_period, data.y_train.to_numpy(),
                                         horizon=data.horizon)
            params["lookback"] = round(lookback_scale * lookback)
        cls = {"lstm": LSTMForecaster, "gru": GRUForecaster}.get(cell, RNNForecaster)
        horizon = pd.DataFrame(index=data.y_test.index)
        with budget:
            for seed in seeds:
                start = time.perf_counter()
                parts = []
                if cell == "ensemble":
                    model = _ensemble(params["kind"], data, seed, hints)
                    parts.append(model.fit(None, data.y_train).predict(horizon))
                if cell in ("theta", "gru+theta"):
                    theta = ThetaForecaster(seasonal_period=data.seasonal_period, n_jobs=2)
                    parts.append(theta.fit(None, data.y_train).predict(horizon))
                if cell not in ("theta", "ensemble"):
                    model = (GRUForecaster if cell == "gru+theta" else cls)(
                        horizon=data.horizon if hints else None,
                        seasonal_period=data.seasonal_period if hints else None,
                        random_state=seed, **params)
                    model.fit(None, data.y_train, static_features=static)
                    if model.early_stopping:
                        print(f"{name} seed {seed}: best epoch {model.best_epoch_} of "
                              f"{model.n_epochs_}", file=sys.stderr, flush=True)
                    if refit:
                        model.set_params(early_stopping=None, max_epochs=model.best_epoch_)
                        model.fit(None, data.y_train, static_features=static)
                    parts.append(model.predict(horizon))
                seconds = time.perf_counter() - start
                forecast = sum(parts) / len(parts)
                smapes, mases, _ = score(data, forecast)
                rows.append({"category": category,
                             "config": name if origin == 1 else f"{name}@origin{origin}",
                             "seed": seed, "n_series": data.n_series,
                             "val_smape": round(float(np.mean(smapes)), 3),
                             "val_mase": round(float(np.mean(mases)), 4),
                             "fit_seconds": round(seconds, 1), "date": dt.date.today().isoformat()})
                print(rows[-1], file=sys.stderr, flush=True)
    table = pd.DataFrame(rows)
    out.mkdir(parents=True, exist_ok=True)
    path = out / "tuning.csv"
    table.to_csv(path, mode="a", header=not path.exists(), index=False)
    print(table.groupby("config")[["val_smape", "val_mase", "fit_seconds"]].mean().round(3))


def main(argv=None):
    parser = _cli.category_parser("benchmarks.tune", __doc__)
    parser.add_argument("--configs", default="base", help=f"from {', '.join(CONFIGS)}")
    parser.add_argument("--seeds", default="0", help="comma-separated random states")
    parser.add_argument("--origin", type=int, default=1,
                        help="validate on the k-th last horizon of the training part")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    names = _cli.names(parser, args.configs, CONFIGS, "configs")
    run(args.category, names, [int(s) for s in args.seeds.split(",")], args.out, args.origin)
    return 0


if __name__ == "__main__":
    sys.exit(main())
