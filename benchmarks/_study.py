"""Switches for studies of rules that are not parameters of the forecasters."""

from __future__ import annotations

import contextlib
from unittest import mock

# The package's value, left as it is.
KEEP = object()

# A study config's key -> the rule it sets in seqforecast.neural.forecaster
# (or, written "data.NAME", "_time.NAME" or "baselines.NAME", in
# seqforecast.neural.data, seqforecast._time or seqforecast.baselines).
RULES = {
    # The budget's windows per series (None: the fixed 1,000 steps) and its cap.
    "long_series": "_WINDOWS_PER_SERIES",
    "budget_cap": "_MAX_BUDGET_FACTOR",
    # The default lookback of data without a season, in horizons.
    "nonseasonal_lookback": "_NONSEASONAL_LOOKBACK",
    # Long series without a season: (most, share) raises it toward `most`
    # horizons, at most 1/share of the median series length (None: never).
    "nonseasonal_long": "_NONSEASONAL_LONG",
    # The least default lookback of seasonal data, in steps (None: none).
    "seasonal_least": "_SEASONAL_LEAST",
    # Little data's window: fewer training windows than few_windows (0: never
    # little data) shorten the default horizon to 1/few_ahead of the longest
    # series and the default lookback to 1/few_back.
    "few_windows": "_FEW_WINDOWS",
    "few_ahead": "_FEW_AHEAD",
    "few_back": "_FEW_BACK",
    # ... and the cap of the lookback of little data without a season.
    "few_nonseasonal_back": "_FEW_NONSEASONAL_BACK",
    # ... and its cap in seasons of little data with a season.
    "few_seasons_back": "_FEW_SEASONS_BACK",
    # One smoothing constant for every series with scaling="smoothed"
    # (None: each series' own).
    "fixed_smoothing": "data._FIXED_SMOOTHING",
    "max_smoothing": "data._MAX_SMOOTHING",
    # The range of the network's outputs widened by this share of the
    # training targets' range at each end (0: their range).
    "range_margin": "data._RANGE_MARGIN",
    # The seasonality test of the networks' deseasonalisation.
    "season_test": "_SEASONALITY_TEST",
    # The seasons its seasonal indices come from (None: the whole series),
    # and which periods take them ("yearly": a year's cycle; "all").
    "index_seasons": "_SEASONAL_INDEX_SEASONS",
    "recent_indices": "_RECENT_INDICES",
    # The default horizon of data without a season: (least, most) steps, an
    # eighth of the longest series between them (seqforecast._time).
    "nonseasonal_horizon": "_time._NONSEASONAL_HORIZON",
    # One-step changes a window must observe for its own noise-level input
    # (fewer: the training windows' median).
    "noise_changes": "data.NOISE_CHANGES",
    # Least training windows for the noise-level input.
    "noise_windows": "_NOISE_WINDOWS",
    # Windows whose future runs past the end of their series: the least
    # share of the horizon they observe (None: whole futures only).
    "partial_future": "_PARTIAL_FUTURE",
    # The longest season the networks' default window is built on (None:
    # any; longer ones give the window of a shorter cycle the data show).
    "longest_window_season": "_LONGEST_WINDOW_SEASON",
    # ... and what they are built on: None, the shorter cycle; k, a k-th of it.
    "long_season_share": "_LONG_SEASON_SHARE",
    # ... and, where the data show no shorter cycle, a k-th of the long
    # season (None: the window of data without a season, the rule before the
    # thirty-fourth session).
    "alone_share": "_ALONE_SHARE",
    # The longest season automatic ARIMA searches by seasonal lags (longer
    # ones are taken out by decomposition first).
    "arima_longest_season": "baselines._LONGEST_ARIMA_SEASON",
    # ... and that automatic ETS models by seasonal states.
    "ets_longest_season": "baselines._LONGEST_ETS_SEASON",
}

# The module each prefix of RULES names; imported only when one of its rules
# is set (the classical side needs no torch).
_MODULES = {"": "seqforecast.neural.forecaster", "data": "seqforecast.neural.data",
            "_time": "seqforecast._time", "baselines": "seqforecast.baselines"}


@contextlib.contextmanager
def rules(**values):
    """Fit with the given rules of the forecaster module set, then restore them.

    Keywords are keys of :data:`RULES`; a value of :data:`KEEP` leaves the
    package's rule as it is.
    """
    import importlib

    unknown = set(values) - set(RULES)
    if unknown:
        raise ValueError(f"unknown study rules {sorted(unknown)}; known: {sorted(RULES)}")
    with contextlib.ExitStack() as patches:
        for key, value in values.items():
            if value is not KEEP:
                module, _, name = RULES[key].rpartition(".")
                patches.enter_context(mock.patch.object(
                    importlib.import_module(_MODULES[module]), name, value))
        yield


def windows_per_series(value=KEEP, cap=KEEP):
    """The budget's windows-per-series rule set to ``value`` and its cap to ``cap``.

    ``value`` replaces ``seqforecast.neural.forecaster._WINDOWS_PER_SERIES``
    (None: every panel trains the fixed 1,000 steps) and ``cap`` its
    ``_MAX_BUDGET_FACTOR``; :data:`KEEP` leaves the package's as they are.
    """
    return rules(long_series=value, budget_cap=cap)


def rules_from(params):
    """The rules a study config asks for, their keys popped from ``params``.

    The keys are those of :data:`RULES` (``"long_series"``: the budget's
    windows per series, or None for the fixed budget of 1,000 steps;
    ``"budget_cap"``: its cap; ``"nonseasonal_lookback"``: the lookback of
    data without a season, in horizons). A config without them keeps the
    package's rules. The rest of ``params`` are the forecaster's.
    """
    return rules(**{key: params.pop(key) for key in RULES if key in params})
