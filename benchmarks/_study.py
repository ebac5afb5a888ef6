"""Switches for studies of rules that are not parameters of the forecasters."""

from __future__ import annotations

import contextlib

# A study config's "long_series" key: the rule's windows per series, or None
# for the fixed budget of 1,000 steps; configs without the key keep the package's.
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
