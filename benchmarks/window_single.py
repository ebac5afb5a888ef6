"""The default window of a network fitted on little data: single M3 series.

A user with one series and a dated index gives the season (from the index)
and no horizon. The usual default window (two seasons ahead, three back, at
most a quarter and a half of the series) then leaves a few dozen training
windows, most of which hold any one event of the series (a level shift, an
outlier). Each of ``--n-series`` M3 series of a category (or of an M1 or
Tourism panel, ``--category m1-monthly`` etc.; a fixed random sample, seed
0) is fitted alone (or in panels of ``--panel-size`` of them)
with ``seasonal_period`` and each window rule of ``--rules``, on its
training part less the last horizon, and scored on that held-out horizon
(MASE with the series' period; forecasts beyond the network's horizon
chain): the validation split of ``benchmarks.tune``, so the test part is
not read. ``--cell theta`` fits Theta instead, the reference, and ``--cell
fast`` the ``make_ensemble("fast")`` preset (GRU, Theta and damped ETS) with
the package's window. Usage::

    python -m benchmarks.window_single --category monthly --rules usual,default --seed 0

Rules (``n``: the longest series' length):

- ``usual``: the window of panels (the default before little data had its
  own: ``default_window`` without the little-data rule).
- ``default``: the package's default: on little data (fewer than 1,000
  training windows under the usual window) at most ``n // 8`` ahead and
  ``n // 4`` back (at least 2 and 4 steps).
- ``shorter``: the little-data window whatever the number of windows.
- ``sixth`` and ``twelfth``: the same with ``n // 6`` and ``n // 3``, or
  ``n // 12`` and ``n // 6``.
- ``hinted_usual`` and ``hinted``: the competition's horizon given, the
  usual default lookback for it, or the package's (at most ``n // 4`` on
  little data).
- ``hidden32`` and ``hidden16``: the default window, 32 or 16 hidden units
  instead of 64.
- ``noclip``: the default window, the network's outputs not kept within
  the range of its training targets (``clip_outputs=False``, the default
  before the seventeenth session).
- ``margin25``, ``margin50`` and ``margin100``: the default, the range
  widened by a quarter, a half or the whole of itself at each end.
- ``no_noise``: the default window without the noise-level input
  (``noise_input=False``, the default before the twenty-fourth session);
  ``noise_little``: with it, which the default leaves out on little data.
- ``long_lookback`` and ``hinted_long``: the default window (no horizon
  given, or the competition's) with a lookback of data without a season
  raised toward three horizons, at most a third of the median series'
  length (study rule ``nonseasonal_long``).
- ``seasonal16``: the default window with a lookback of seasonal data of
  at least 16 steps before the little-data cap (four seasons of quarterly
  data; study rule ``seasonal_least``).
- ``hinted_short``: the competition's horizon given, the lookback of data
  without a season at most 12 steps on little data (but at least the
  horizon; study rule ``few_nonseasonal_back``).
- ``two_seasons``: the default window with a lookback of seasonal data at
  most two seasons on little data (but at least the horizon; study rule
  ``few_seasons_back``).

Results are appended to ``benchmarks/results/window_single.csv`` (one row
per category, cell, seed, panel size and rule: mean, median and largest
MASE over the series, mean training windows per fit, the command); with
``--per-series``, each series' MASE under each rule to
``benchmarks/results/window_single_per_series.csv``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
import warnings
from pathlib import Path

import numpy as np

from benchmarks import _cli, _study, budget_single

RESULTS = Path(__file__).resolve().parent / "results"
# Each rule: whether the competition's horizon is given, and the study rules.
RULES = {
    "usual": (False, {"few_windows": 0}),
    "default": (False, {}),
    "shorter": (False, {"few_windows": 10**9}),
    "sixth": (False, {"few_ahead": 6, "few_back": 3}),
    "twelfth": (False, {"few_ahead": 12, "few_back": 6}),
    "hinted_usual": (True, {"few_windows": 0}),
    "hinted": (True, {}),
    # The default window with a narrower network (the default is 64 units).
    "hidden32": (False, {}, {"hidden_size": 32}),
    "hidden16": (False, {}, {"hidden_size": 16}),
    # The default window, outputs not clipped to the training targets' range.
    "noclip": (False, {}, {"clip_outputs": False}),
    # The range widened by a share of itself at each end.
    "margin25": (False, {"range_margin": 0.25}),
    "margin50": (False, {"range_margin": 0.5}),
    "margin100": (False, {"range_margin": 1.0}),
    # The default window without the noise-level input (the default before
    # it), and with it on little data too (the default has none there).
    "no_noise": (False, {}, {"noise_input": False}),
    "noise_little": (False, {"noise_windows": 0}),
    # Long series without a season: a lookback toward three horizons, at
    # most a third of the median series' length (nonseasonal_long).
    "long_lookback": (False, {"nonseasonal_long": (3, 3)}),
    "hinted_long": (True, {"nonseasonal_long": (3, 3)}),
    # Seasonal data: a default lookback of at least 16 steps (seasonal_least).
    "seasonal16": (False, {"seasonal_least": 16}),
    # The competition's horizon given, the lookback of little data without
    # a season at most 12 steps (study rule few_nonseasonal_back).
    "hinted_short": (True, {"few_nonseasonal_back": 12}),
    # The default window, the lookback of seasonal little data at most two
    # seasons (study rule few_seasons_back).
    "two_seasons": (False, {"few_seasons_back": 2}),
}


def _fit(cls, rule, m, h, seed, fit):
    """The forecaster of ``rule`` fitted on the wide panel ``fit``."""
    from seqforecast import ThetaForecaster, make_ensemble

    if cls is None:
        return ThetaForecaster(seasonal_period=m).fit(None, fit)
    hinted, study, *params = RULES[rule]
    with _study.rules(**study):
        if cls == "fast":  # the rules reach its GRU
            return make_ensemble("fast", random_state=seed, seasonal_period=m).fit(None, fit)
        return cls(seasonal_period=m, horizon=h if hinted else None, random_state=seed,
                   **(params[0] if params else {})).fit(None, fit)


def run(category, n_series, rules, cell, seed, panel_size, out, command, per_series=None):
    import torch

    from seqforecast import GRUForecaster, LSTMForecaster
    from seqforecast.datasets import load_m3
    from seqforecast.metrics import mase

    torch.set_num_threads(1)
    cls = {"lstm": LSTMForecaster, "gru": GRUForecaster, "theta": None, "fast": "fast"}[cell]
    if category in _cli.M3_CATEGORIES:
        data = load_m3(category)
    else:  # a panel of M1 or Tourism, never used for tuning
        from benchmarks.unseen import load_panel

        data = load_panel(category)
    h, m = data.horizon, data.seasonal_period
    names = budget_single.sample(data, n_series)  # the budget study's series
    scores = {rule: [] for rule in rules}
    series = []
    windows = {rule: [] for rule in rules}
    start = time.perf_counter()
    for first in range(0, len(names), panel_size):
        panel = data.y_train[names[first:first + panel_size]]
        panel = panel.loc[panel.notna().any(axis=1)].reset_index(drop=True)
        fit, held_out = panel.iloc[:-h], panel.iloc[-h:]
        series.extend(panel.columns)
        for rule in rules:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                model = _fit(cls, rule, m, h, seed, fit)
                forecast = np.asarray(model.forecast(h), dtype=float).reshape(h, -1)
            windows[rule].append(getattr(model, "n_train_windows_", 0))
            for j, name in enumerate(panel.columns):
                scores[rule].append(float(mase(held_out[name].to_numpy(), forecast[:, j],
                                               y_train=fit[name].dropna().to_numpy(),
                                               seasonal_period=m)))
    rows = [{"category": category, "cell": cell, "seed": seed, "panel_size": panel_size,
             "rule": rule, "n_series": len(values),
             "mean_windows": round(float(np.mean(windows[rule])), 1),
             "mase_mean": round(float(np.mean(values)), 4),
             "mase_median": round(float(np.median(values)), 4),
             "mase_max": round(float(np.max(values)), 3),
             "seconds": round(time.perf_counter() - start, 1),
             "command": command, "date": dt.date.today().isoformat()}
            for rule, values in scores.items()]
    if per_series is not None:
        import pandas as pd

        pd.DataFrame([{"category": category, "cell": cell, "seed": seed,
                       "panel_size": panel_size, "rule": rule, "series": name, "mase": value}
                      for rule, values in scores.items()
                      for name, value in zip(series, values, strict=True)]).to_csv(
            per_series, mode="a", header=not Path(per_series).exists(), index=False,
            float_format="%.5g")
    return _cli.append_rows(rows, out, command)

def main(argv=None):
    _cli.one_thread_per_library()
    from benchmarks.unseen import PANELS

    parser = argparse.ArgumentParser(prog="python -m benchmarks.window_single",
                                     description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--category", required=True,
                        choices=[*_cli.M3_CATEGORIES, *PANELS],
                        help="an M3 category, or an M1 or Tourism panel (m1-monthly, ...)")
    parser.add_argument("--n-series", type=int, default=40)
    parser.add_argument("--rules", default="usual,default", help="comma-separated rules")
    parser.add_argument("--cell", default="lstm", choices=["lstm", "gru", "theta", "fast"])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--panel-size", type=int, default=1,
                        help="series fitted together (one network per panel)")
    parser.add_argument("--out", type=Path, default=RESULTS / "window_single.csv")
    parser.add_argument("--per-series", action="store_true",
                        help="also append each series' MASE under each rule to "
                             "results/window_single_per_series.csv")
    args = parser.parse_args(argv)
    rules = _cli.names(parser, args.rules, RULES, "rules")
    per_series = RESULTS / "window_single_per_series.csv" if args.per_series else None
    run(args.category, args.n_series, rules, args.cell, args.seed, args.panel_size, args.out,
        _cli.command("benchmarks.window_single", argv), per_series)
    return 0


if __name__ == "__main__":
    sys.exit(main())
