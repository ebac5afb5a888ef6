"""Switches for studies of rules that are not parameters of the forecasters."""

from __future__ import annotations

import contextlib

# The package's value, left as it is.
KEEP = object()


@contextlib.contextmanager
def windows_per_series(value=KEEP, cap=KEEP):
    """Fit with the budget's windows-per-series rule set to ``value``, then restore it.

    ``value`` replaces ``seqforecast.neural.forecaster._WINDOWS_PER_SERIES``
    (None: every panel trains the fixed 1,000 steps) and ``cap`` its
    ``_MAX_BUDGET_FACTOR``; :data:`KEEP` leaves the package's as they are.
    """
    from seqforecast.neural import forecaster

    before = forecaster._WINDOWS_PER_SERIES, forecaster._MAX_BUDGET_FACTOR
    if value is not KEEP:
        forecaster._WINDOWS_PER_SERIES = value
    if cap is not KEEP:
        forecaster._MAX_BUDGET_FACTOR = cap
    try:
        yield
    finally:
        forecaster._WINDOWS_PER_SERIES, forecaster._MAX_BUDGET_FACTOR = before


def budget_from(params):
    """The budget switch a study config asks for, its keys popped from ``params``.

    ``"long_series"``: the rule's windows per series, or None for the fixed
    budget of 1,000 steps; ``"budget_cap"``: its cap. A config without them
    keeps the package's rule. The rest of ``params`` are the forecaster's.
    """
    return windows_per_series(params.pop("long_series", KEEP), params.pop("budget_cap", KEEP))
