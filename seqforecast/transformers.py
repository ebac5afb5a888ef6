"""scikit-learn transformers that build covariates for forecasters.

:class:`CalendarFeatures` turns the time index of ``X`` into calendar
covariates (sin/cos of the month, day of week, hour...), and
:class:`LagFeatures` adds row-preserving lags of ``X``'s columns. Both keep
``X``'s columns and index by default, so that they can sit in a
:class:`~sklearn.pipeline.Pipeline` before a forecaster, which aligns the
future covariates with the history through that index::

    make_pipeline(CalendarFeatures(), LSTMForecaster(...)).fit(X, y)

Given a DataFrame, both return a DataFrame with the same index whatever the
``set_output`` configuration ("default" or "pandas"); given an array they
return an array (``set_output(transform="pandas")`` then wraps it).
"""

from __future__ import annotations

import numbers
from collections import Counter
from collections.abc import Sequence
from numbers import Integral, Real
from typing import ClassVar

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import _check_feature_names_in, check_is_fitted, validate_data

from seqforecast import _panel
from seqforecast._checks import Interval, StrOptions, validate_estimator_params
from seqforecast._time import regular_step, steps_between

__all__ = ["CalendarFeatures", "LagFeatures"]


# --------------------------------------------------------------------------
# Calendar features
# --------------------------------------------------------------------------


def _calendar_phase(timestamps, feature):
    """(ordinal value, position in the cycle in [0, 1)) of one feature."""
    if feature == "month":
        value = timestamps.month
        return value, (value - 1) / 12
    if feature == "quarter":
        value = timestamps.quarter
        return value, (value - 1) / 4
    if feature == "dayofweek":
        value = timestamps.day_of_week  # Monday=0
        return value, value / 7
    if feature == "dayofmonth":
        value = timestamps.day
        # The month's own length, so that the last day of every month sits
        # next to the first day of the next one.
        return value, (value - 1) / timestamps.days_in_month
    if feature == "dayofyear":
        value = timestamps.day_of_year
        return value, (value - 1) / (365 + timestamps.is_leap_year)
    if feature == "hour":
        value = timestamps.hour
        return value, value / 24
    value = timestamps.minute
    return value, value / 60


_CALENDAR_FEATURES = ("month", "quarter", "dayofweek", "dayofmonth", "dayofyear", "hour", "minute")

_DAY = 86400.0


def _auto_features(step_seconds):
    """The calendar features that vary at a sampling step (in seconds)."""
    if step_seconds >= 360 * _DAY:  # yearly: no calendar cycle is observable
        return []
    if step_seconds >= 80 * _DAY:
        return ["quarter"]
    if step_seconds >= 27 * _DAY:
        return ["month"]
    if step_seconds >= 6 * _DAY:  # weekly
        return ["dayofyear"]
    if step_seconds >= _DAY:  # daily, business-daily
        return ["dayofweek", "dayofyear"]
    if step_seconds >= 3600:
        return ["hour", "dayofweek"]
    return ["minute", "hour", "dayofweek"]


def _is_long_in_time(X):
    """Whether ``X`` is a long panel: indexed by (series, time), times dates, periods or ints.

    Another two-level index (say (date, store)) is read as one time axis, row
    by row, as before long panels were supported.
    """
    if not _panel.is_long(X):
        return False
    times = X.index.levels[1]
    return isinstance(times, (pd.DatetimeIndex, pd.PeriodIndex)) or (
        pd.api.types.is_integer_dtype(times.dtype)
    )


def _check_new_names(transformer):
    """Refuse a column the transformer would add beside an X column of that name."""
    counts = Counter(transformer.get_feature_names_out())
    repeated = [name for name, count in counts.items() if count > 1]
    if repeated:
        raise ValueError(
            f"X already has a column {repeated[0]!r}, which {type(transformer).__name__} "
            "would add again; rename that column of X, or set keep_original=False."
        )


def _time_index(X, owner):
    """The DatetimeIndex of ``X`` (PeriodIndex converted to period starts).

    For a long panel (indexed by (series, time)): its time level, row by row.
    """
    index = X.index if isinstance(X, pd.DataFrame) else None
    if index is not None and _is_long_in_time(X):
        index = index.get_level_values(1)
    if isinstance(index, pd.PeriodIndex):
        return index.to_timestamp(how="start")
    if isinstance(index, pd.DatetimeIndex):
        return index
    if index is not None:
        got = f"a DataFrame indexed by {type(index).__name__}"
    elif sp.issparse(X):
        got = f"{type(X).__name__}; sparse input is not supported"
    else:
        got = type(X).__name__
    raise ValueError(
        f"{owner} computes its features from the time index of X, so X must be a "
        f"pandas DataFrame indexed by a DatetimeIndex or PeriodIndex, or by (series, "
        f"time) with such a time level (it may have no columns, e.g. X = "
        f"df.drop(columns='target')); got {got}."
    )


class CalendarFeatures(TransformerMixin, BaseEstimator):
    """Calendar covariates from the time index of ``X``.

    For each calendar feature (month, day of week, hour, ...) the transformer
    adds, by default, the sine and cosine of its position in its cycle, so
    that December sits next to January: for a value ``v`` of a cycle of
    length ``P`` counted from 0 (month 1-12 is ``v = month - 1``, ``P = 12``),
    ``name_sin = sin(2π v / P)`` and ``name_cos = cos(2π v / P)``.

    Cycles: ``month`` (12), ``quarter`` (4), ``dayofweek`` (7, Monday = 0),
    ``dayofmonth`` (the month's number of days), ``dayofyear`` (365 or 366),
    ``hour`` (24), ``minute`` (60).

    Parameters
    ----------
    features : "auto" or list of str, default="auto"
        The calendar features to compute. "auto" picks, in ``fit``, those
        that vary at the training index's step: yearly data none, quarterly
        ``quarter``, monthly ``month``, weekly ``dayofyear``, daily
        ``dayofweek`` and ``dayofyear``, hourly ``hour`` and ``dayofweek``,
        finer ``minute``, ``hour`` and ``dayofweek``.
    encoding : {"cyclical", "ordinal"}, default="cyclical"
        "cyclical" gives two columns per feature (``month_sin``,
        ``month_cos``); "ordinal" one column with the calendar value as a
        float (``month`` 1-12, ``dayofweek`` 0-6, ``dayofmonth`` 1-31,
        ``dayofyear`` 1-366, ``hour`` 0-23, ...).
    keep_original : bool, default=True
        Whether to pass X's own columns through, before the new ones.

    Attributes
    ----------
    features_ : list of str
        The calendar features computed (``features`` with "auto" resolved on
        the training index; a short predict-time ``X`` gives the same columns).
    tz_ : tzinfo or None
        The time zone of the training index: a later ``X`` in another zone
        is converted to it (the features follow its local clock); a naive
        ``X`` after an aware one, or the reverse, is an error.
    n_features_in_ : int
        Number of columns of ``X`` in ``fit``.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Column names of ``X`` in ``fit``, when they are all strings.

    See Also
    --------
    LagFeatures : Row-preserving lags of the covariates.

    Notes
    -----
    ``X`` must be a DataFrame indexed by a DatetimeIndex or PeriodIndex
    (periods are placed at their start). The output is a DataFrame with X's
    index in every ``set_output`` configuration except "polars", so that a
    forecaster later in a pipeline still sees the timestamps. A DatetimeIndex
    with a time zone gives local calendar values.

    Examples
    --------
    >>> import pandas as pd
    >>> X = pd.DataFrame(index=pd.date_range("2024-01-01", periods=3, freq="MS"))
    >>> CalendarFeatures().fit_transform(X).round(3)
                month_sin  month_cos
    2024-01-01      0.000      1.000
    2024-02-01      0.500      0.866
    2024-03-01      0.866      0.500
    >>> CalendarFeatures(features=["quarter"], encoding="ordinal").fit_transform(X)
                quarter
    2024-01-01      1.0
    2024-02-01      1.0
    2024-03-01      1.0
    """

    def __init__(self, features="auto", *, encoding="cyclical", keep_original=True):
        self.features = features
        self.encoding = encoding
        self.keep_original = keep_original

    _parameter_constraints: ClassVar[dict] = {
        "features": [StrOptions({"auto"}), list, tuple],
        "encoding": [StrOptions({"cyclical", "ordinal"})],
        "keep_original": ["boolean"],
    }

    def _check_params(self):
        validate_estimator_params(self)
        name = type(self).__name__
        if not isinstance(self.features, str):
            unknown = [f for f in self.features if f not in _CALENDAR_FEATURES]
            if unknown or len(set(self.features)) != len(self.features):
                raise ValueError(
                    f"The 'features' parameter of {name} must be 'auto' or a list of "
                    f"distinct names among {list(_CALENDAR_FEATURES)}. Got "
                    f"{self.features!r} instead."
                )

    def fit(self, X, y=None):
        """Resolve the calendar features from the index of ``X``.

        Parameters
        ----------
        X : DataFrame of shape (n_timesteps, n_features)
            Indexed by a DatetimeIndex or PeriodIndex, or by (series, time)
            with such a time level (a long panel); may have no columns.
        y : None
            Ignored.

        Returns
        -------
        self : CalendarFeatures
            The fitted transformer.
        """
        self._check_params()
        index = _time_index(X, type(self).__name__)
        self.tz_ = index.tz
        validate_data(self, X, reset=True, skip_check_array=True)
        if self.features == "auto":
            original = X.index
            if _is_long_in_time(X):
                # The panel's time grid: every series' timestamps, once each.
                original = original.get_level_values(1).unique().sort_values()
                index = index.unique().sort_values()
            self.features_ = _auto_features(self._step_seconds(original, index))
        else:
            self.features_ = list(self.features)
        _check_new_names(self)
        return self

    def _on_fitted_clock(self, index):
        """``index`` in the time zone of ``fit``'s (features follow the local clock)."""
        fitted = getattr(self, "tz_", None)  # None also for transformers pickled before it
        if fitted is not None and index.tz is not None:
            return index.tz_convert(fitted)
        if (fitted is None) != (index.tz is None) and hasattr(self, "tz_"):
            raise ValueError(
                f"CalendarFeatures was fitted on an index in time zone {fitted} but X's is "
                f"in {index.tz}; give X the time zone of fit (tz_localize / tz_convert)."
            )
        return index

    @staticmethod
    def _step_seconds(original, index):
        """Typical step of the index in seconds (median of its differences)."""
        if len(index) >= 2:
            # Absolute: an index in descending order has the same step.
            return float(np.median(np.abs((index[1:] - index[:-1]).total_seconds())))
        freq = original.freq
        if freq is None:
            raise ValueError(
                "CalendarFeatures(features='auto') cannot tell the frequency of an "
                "index with a single timestamp and no freq; pass the features "
                "explicitly, e.g. features=['month']."
            )
        if isinstance(original, pd.PeriodIndex):
            following = (original[0] + 1).to_timestamp(how="start")
        else:
            following = index[0] + freq
        return (following - index[0]).total_seconds()

    def transform(self, X):
        """Add the calendar features of X's index.

        Parameters
        ----------
        X : DataFrame of shape (n_timesteps, n_features)
            Indexed like ``X`` in ``fit`` (a time index, or (series, time)),
            with the columns seen in ``fit``.

        Returns
        -------
        DataFrame of shape (n_timesteps, n_features_out)
            X's columns (when ``keep_original``) then the calendar features,
            with X's index.
        """
        check_is_fitted(self)
        index = _time_index(X, type(self).__name__)
        index = self._on_fitted_clock(index)
        validate_data(self, X, reset=False, skip_check_array=True)
        columns = {}
        for feature in self.features_:
            value, phase = _calendar_phase(index, feature)
            if self.encoding == "ordinal":
                columns[feature] = np.asarray(value, dtype=np.float64)
            else:
                angle = 2 * np.pi * np.asarray(phase, dtype=np.float64)
                columns[f"{feature}_sin"] = np.sin(angle)
                columns[f"{feature}_cos"] = np.cos(angle)
        calendar = pd.DataFrame(columns, index=X.index)
        if not self.keep_original or X.shape[1] == 0:
            return calendar
        return pd.concat([X, calendar], axis=1)

    def get_feature_names_out(self, input_features=None):
        """Names of the output columns.

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Names of X's columns; by default those seen in ``fit``.

        Returns
        -------
        ndarray of str
            X's columns (when ``keep_original``) then ``feature_sin``,
            ``feature_cos`` (or ``feature`` for the ordinal encoding).
        """
        check_is_fitted(self)
        names = _check_feature_names_in(self, input_features)
        suffixes = ("",) if self.encoding == "ordinal" else ("_sin", "_cos")
        calendar = [f"{f}{suffix}" for f in self.features_ for suffix in suffixes]
        kept = list(names) if self.keep_original else []
        return np.asarray(kept + calendar, dtype=object)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True  # X's values are passed through untouched
        return tags


# --------------------------------------------------------------------------
# Lag features
# --------------------------------------------------------------------------


def _continuation_index(index):
    """Whether ``index`` is a time index that later rows may continue.

    Returns the step of the index, or None when it is not regular or not a
    datetime, period or integer index.
    """
    if not isinstance(index, (pd.DatetimeIndex, pd.PeriodIndex)) and not (
        pd.api.types.is_integer_dtype(index.dtype)
    ):
        return None
    if len(index) < 2 and isinstance(index, pd.DatetimeIndex) and index.freq is None:
        return None
    try:
        return regular_step(index, "X")
    except ValueError:
        return None


def _long_rows(X):
    """A long panel's series, each one's rows sorted by time, all of them end to end,
    and each series' length."""
    ids, groups = _panel._groups(X.index, "X")
    lengths = np.fromiter((len(rows) for rows in groups), dtype=np.intp, count=len(groups))
    return ids, groups, np.concatenate(groups), lengths


class LagFeatures(TransformerMixin, BaseEstimator):
    """Row-preserving lags of the columns of ``X``.

    Row ``i`` of the column ``"temp_lag2"`` holds ``temp`` at row ``i - 2``;
    the first rows, whose lagged value is not in ``X``, get ``fill_value``.
    These are lags of the covariates only: the target's own lags are the
    forecaster's business.

    At predict time the first rows of the future ``X`` need the last rows of
    the training covariates. ``fit`` therefore remembers the last
    ``max(lags)`` rows of the lagged columns, and ``transform`` uses them when
    ``X`` is a DataFrame whose index continues the training index directly
    (a DatetimeIndex, PeriodIndex or integer index whose first label is one
    step after the last training label), such as the test fold of
    :class:`~sklearn.model_selection.TimeSeriesSplit` or the future
    covariates given to a forecaster's ``predict``. In every other case
    (arrays, other indexes, ``fit_transform``) the start is filled with
    ``fill_value``.

    A long panel (a DataFrame indexed by (series, time)) is lagged within
    each series, in time order whatever the order of its rows; ``fit``
    remembers the end of each series, and a series whose rows in
    ``transform`` start one step after its own last training timestamp
    continues from it (a series not seen in ``fit`` starts with
    ``fill_value``).

    Parameters
    ----------
    lags : int or sequence of int, default=(1,)
        The lags, positive numbers of rows. An int is a single lag.
    columns : list of str or int, or None, default=None
        Columns to lag, by name (DataFrame ``X``) or position; None lags all.
    fill_value : float, default=np.nan
        Value of the lags that fall before the first available row.
    keep_original : bool, default=True
        Whether to pass X's own columns through, before the lags.

    Attributes
    ----------
    lags_ : ndarray of int
        The lags, sorted and without duplicates.
    columns_ : ndarray of int
        Positions of the lagged columns in ``X``.
    history_ : ndarray of shape (max(lags_), n_lagged_columns)
        Last rows of the lagged columns seen in ``fit`` (``fill_value`` above
        a shorter ``X``).
    history_index_ : pandas.Index or None
        The last ``max(lags_)`` labels of ``X``'s index in ``fit`` (the rows
        of ``history_``) when later rows can continue it, else None.
        Both are None for a long panel, whose ends are kept per series:
    series_ids_ : pandas.Index or None
        A long panel's series (None otherwise).
    series_history_ : ndarray of shape (n_series, max(lags_), n_lagged_columns) or None
        The last rows of each series' lagged columns (``fill_value`` above
        a shorter series).
    series_next_ : pandas.Index or None
        The timestamp one step after each series' last (None when the
        panel has no regular step).
    n_features_in_ : int
        Number of columns of ``X`` in ``fit``.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Column names of ``X`` in ``fit``, when they are all strings.

    See Also
    --------
    CalendarFeatures : Calendar covariates from the time index.

    Examples
    --------
    >>> import pandas as pd
    >>> index = pd.date_range("2024-01-01", periods=4, freq="D")
    >>> X = pd.DataFrame({"temp": [10.0, 11.0, 12.0, 13.0]}, index=index)
    >>> lags = LagFeatures(lags=[1, 2])
    >>> lags.fit_transform(X)
                temp  temp_lag1  temp_lag2
    2024-01-01  10.0        NaN        NaN
    2024-01-02  11.0       10.0        NaN
    2024-01-03  12.0       11.0       10.0
    2024-01-04  13.0       12.0       11.0

    The future rows that follow the training rows take their first lags from
    the end of the training covariates:

    >>> future = pd.DataFrame({"temp": [14.0, 15.0]}, index=pd.date_range("2024-01-05", periods=2))
    >>> lags.transform(future)
                temp  temp_lag1  temp_lag2
    2024-01-05  14.0       13.0       12.0
    2024-01-06  15.0       14.0       13.0
    """

    def __init__(self, lags=(1,), *, columns=None, fill_value=np.nan, keep_original=True):
        self.lags = lags
        self.columns = columns
        self.fill_value = fill_value
        self.keep_original = keep_original

    _parameter_constraints: ClassVar[dict] = {
        "lags": [Interval(Integral, 1, None, closed="left"), "array-like"],
        "columns": ["array-like", None],
        "fill_value": [Real],
        "keep_original": ["boolean"],
    }

    def _check_params(self):
        validate_estimator_params(self)
        name = type(self).__name__
        lags = [self.lags] if isinstance(self.lags, numbers.Integral) else self.lags
        if (
            not isinstance(lags, Sequence | np.ndarray)
            or len(lags) == 0
            or not all(
                isinstance(lag, numbers.Integral) and not isinstance(lag, bool) and lag >= 1
                for lag in lags
            )
        ):
            raise ValueError(
                f"The 'lags' parameter of {name} must be a positive int or a non-empty "
                f"sequence of positive ints. Got {self.lags!r} instead."
            )
        # True is a Real to Python: it would fill the lags with 1.0.
        if isinstance(self.fill_value, (bool, np.bool_)):
            raise ValueError(
                f"The 'fill_value' parameter of {name} must be a number (a float, NaN by "
                f"default), not a bool. Got {self.fill_value!r} instead."
            )
        return np.unique(np.asarray(lags, dtype=np.intp))

    def _column_positions(self):
        if self.columns is None:
            return np.arange(self.n_features_in_)
        if len(self.columns) == 0:
            raise ValueError(
                "The 'columns' parameter of LagFeatures is empty, so nothing would be "
                "lagged; name the columns to lag, or None for all of them."
            )
        names = getattr(self, "feature_names_in_", None)
        positions = []
        for column in self.columns:
            if isinstance(column, (bool, np.bool_)):
                # True is an int to Python: it would lag the column at position 1.
                raise ValueError(
                    "The 'columns' parameter of LagFeatures must list column names (str) "
                    f"or positions (int), not bools. Got {column!r} in {self.columns!r}."
                )
            if isinstance(column, numbers.Integral) and 0 <= column < self.n_features_in_:
                positions.append(int(column))
            elif isinstance(column, str) and names is not None and column in names:
                positions.append(int(np.flatnonzero(names == column)[0]))
            else:
                available = (
                    list(names) if names is not None else f"positions 0..{self.n_features_in_ - 1}"
                )
                raise ValueError(
                    f"The 'columns' parameter of LagFeatures names {column!r}, which is not "
                    f"a column of X; available: {available}."
                )
        # A column named twice (or by name and by position) would give its lags
        # twice, which the check of the output names would blame on X's columns.
        counts = Counter(positions)
        repeated = next((p for p in positions if counts[p] > 1), None)
        if repeated is not None:
            column = str(names[repeated]) if names is not None else repeated
            raise ValueError(
                f"The 'columns' parameter of LagFeatures repeats {column!r}; name each "
                f"column to lag once. Got {self.columns!r} instead."
            )
        return np.asarray(positions, dtype=np.intp)

    def _validate(self, X, *, reset):
        # A DataFrame with no columns carries only an index (a pipeline's
        # X = df.drop(columns="target")): valid, with nothing to lag.
        no_columns = isinstance(X, pd.DataFrame) and X.shape[1] == 0
        return validate_data(
            self,
            np.empty((len(X), 0)) if no_columns else X,
            reset=reset,
            dtype=np.float64,
            ensure_all_finite="allow-nan",
            ensure_min_features=0 if no_columns else 1,
        )

    def fit(self, X, y=None):
        """Choose the lagged columns and remember the end of ``X``.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_timesteps, n_features)
            Numeric covariates, rows in time order.
        y : None
            Ignored.

        Returns
        -------
        self : LagFeatures
            The fitted transformer.
        """
        self.lags_ = self._check_params()
        values = self._validate(X, reset=True)
        self.columns_ = self._column_positions()
        self.series_ids_ = self.series_history_ = self.series_next_ = None
        if _is_long_in_time(X):
            self._fit_long(X, values)
        else:
            n_keep = int(self.lags_[-1])
            tail = values[-n_keep:, self.columns_]
            self.history_ = np.vstack(
                [np.full((n_keep - len(tail), len(self.columns_)), float(self.fill_value)), tail]
            )
            index = X.index if isinstance(X, pd.DataFrame) else None
            step = None if index is None else _continuation_index(index)
            self.history_index_ = index[-n_keep:] if step is not None else None
            self._history_step = step
        _check_new_names(self)
        return self

    def _fit_long(self, X, values):
        """Remember the end of each series of a long panel."""
        ids, groups, order, lengths = _long_rows(X)
        n_keep = int(self.lags_[-1])
        n_series = len(ids)
        codes = np.repeat(np.arange(n_series), lengths)
        # 1 for each series' last row, 2 for the one before, ...
        from_end = np.repeat(np.cumsum(lengths), lengths) - np.arange(len(order))
        keep = from_end <= n_keep
        history = np.full((n_series, n_keep, len(self.columns_)), float(self.fill_value))
        history[codes[keep], n_keep - from_end[keep]] = values[order[keep]][:, self.columns_]
        self.series_ids_, self.series_history_ = ids, history
        self.history_ = self.history_index_ = self._history_step = None
        times = X.index.get_level_values(1)
        try:
            freq = _panel._common_step(ids, groups, times, "X")
        except ValueError:  # not a regular panel: nothing continues it
            return
        self.series_next_ = _panel.shift_times(times[order[np.cumsum(lengths) - 1]], freq, -1)

    def _lag_long(self, X, values):
        """The lags (n_rows, n_lagged_columns * n_lags) of a long panel, series by series."""
        ids, _, order, lengths = _long_rows(X)
        starts = np.cumsum(lengths) - lengths
        codes = np.repeat(np.arange(len(ids)), lengths)
        rank = np.arange(len(order)) - np.repeat(starts, lengths)  # 0 at each series' start
        selected = values[order][:, self.columns_]
        fitted = self.series_ids_.get_indexer(ids)  # -1: a series fit did not see
        continues = np.zeros(len(ids), dtype=bool)
        seen = fitted >= 0
        if self.series_next_ is not None and seen.any():
            firsts = X.index.get_level_values(1)[order[starts]]
            try:
                continues[seen] = np.asarray(firsts[seen] == self.series_next_[fitted[seen]])
            except (TypeError, ValueError):  # other kinds of timestamps: no continuation
                pass
        max_lag = int(self.lags_[-1])
        lagged = np.full((len(order), len(self.lags_), len(self.columns_)),
                         float(self.fill_value))
        for j, lag in enumerate(self.lags_):
            inside = rank >= lag
            lagged[inside, j] = selected[np.flatnonzero(inside) - lag]
            before = ~inside & continues[codes]
            lagged[before, j] = self.series_history_[fitted[codes[before]],
                                                     max_lag + rank[before] - lag]
        out = np.empty((len(order), lagged.shape[1] * lagged.shape[2]))
        out[order] = lagged.transpose(0, 2, 1).reshape(len(order), -1)
        return out

    def _continues_history(self, X):
        if self.history_index_ is None or not isinstance(X, pd.DataFrame) or len(X) == 0:
            return False
        if type(X.index) is not type(self.history_index_) and not (
            pd.api.types.is_integer_dtype(X.index.dtype)
            and pd.api.types.is_integer_dtype(self.history_index_.dtype)
        ):
            return False
        first = X.index[0]
        zone = getattr(self.history_index_, "tz", None)
        if zone is not None and getattr(first, "tz", None) is not None:
            first = first.tz_convert(zone)  # the same instant, on the history's clock
        try:
            return steps_between(self.history_index_, self._history_step, first) == 1
        except (TypeError, ValueError):
            return False

    def transform(self, X):
        """Add the lags of the selected columns.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_timesteps, n_features)
            Numeric covariates with the columns seen in ``fit``.

        Returns
        -------
        ndarray or DataFrame of shape (n_timesteps, n_features_out)
            X's columns (when ``keep_original``) then, for each lagged column,
            its lags in increasing order. A DataFrame keeps X's index.
        """
        check_is_fitted(self)
        values = self._validate(X, reset=False)
        long = _is_long_in_time(X)
        # None also for a transformer pickled before long panels were supported.
        if long != (getattr(self, "series_ids_", None) is not None):
            fitted, given = ("a long panel", "is not") if not long else ("one time axis", "is")
            raise ValueError(
                f"LagFeatures was fitted on {fitted}, but X {given} indexed by (series, "
                "time); transform X in the layout of fit."
            )
        if long:
            lagged = self._lag_long(X, values)
        else:
            lagged = self._lag(X, values)
        out = np.hstack([values, lagged]) if self.keep_original else lagged
        if not isinstance(X, pd.DataFrame):
            return out
        names = self.get_feature_names_out()
        if self.keep_original and X.shape[1]:
            # Keep X's own columns (and their dtypes) as they are.
            lag_frame = pd.DataFrame(lagged, index=X.index, columns=names[X.shape[1] :])
            return pd.concat([X, lag_frame], axis=1)
        return pd.DataFrame(out, index=X.index, columns=names)

    def _lag(self, X, values):
        """The lags (n_rows, n_lagged_columns * n_lags) of rows on one time axis."""
        n_rows = len(values)
        selected = values[:, self.columns_]
        max_lag = int(self.lags_[-1])
        if self._continues_history(X):
            head = self.history_
        else:
            head = np.full((max_lag, len(self.columns_)), float(self.fill_value))
        # Row i of lag k is row max_lag + i - k of the extended column.
        extended = np.vstack([head, selected])
        rows = max_lag + np.arange(n_rows)[:, None] - self.lags_[None, :]  # (n_rows, n_lags)
        lagged = extended[rows]  # (n_rows, n_lags, n_columns)
        # Group the output by column: temp_lag1, temp_lag2, price_lag1, ...
        return lagged.transpose(0, 2, 1).reshape(n_rows, -1)

    def get_feature_names_out(self, input_features=None):
        """Names of the output columns.

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Names of X's columns; by default those seen in ``fit`` (or
            ``x0, x1, ...``).

        Returns
        -------
        ndarray of str
            X's columns (when ``keep_original``) then ``"<column>_lag<k>"``.
        """
        check_is_fitted(self)
        names = _check_feature_names_in(self, input_features)
        lagged = [f"{names[c]}_lag{k}" for c in self.columns_ for k in self.lags_]
        kept = list(names) if self.keep_original else []
        return np.asarray(kept + lagged, dtype=object)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        return tags
