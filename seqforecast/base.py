"""The forecaster contract shared by every seqforecast model.

:class:`BaseForecaster` owns everything that is not modelling: validation of
``X`` and ``y``, the history and its index, the alignment of future
covariates with the end of the history (gaps, overlaps, frequency), and the
conversion of forecasts back to the pandas types the user passed in. Models
implement small private hooks on trusted numpy arrays:

``_fit(y, X)``
    ``y`` is the history as a :class:`~seqforecast._panel.RaggedPanel`
    (float64 values of each series end to end plus offsets, every series
    ending on the last aligned row: never the rectangle padded to the
    longest series); ``X`` is a float64 array of shape (n_timesteps,
    n_features) (shared by all series), a ``RaggedPanel`` of per-series
    covariates (a long panel), or None.
``_predict(n_steps, X)``
    forecast the ``n_steps`` steps that follow the history; ``X`` holds their
    covariates (shape (n_steps, n_features)) or is None. Returns an array of
    shape (n_steps, n_series).
``_update(y, X)`` (optional)
    called after new observations were appended to the history: ``y`` is
    the dense block (n_new, n_series) of the new rows (every series gains
    the same steps), ``X`` their covariates (n_new, [n_series,] n_features)
    or None.

Hooks rebind attributes and never change an existing attribute's object in
place (copy it first): a failed ``fit`` or ``update`` restores a shallow
copy of the estimator's ``__dict__``, which is then exact.

This is the only module that converts between pandas and numpy.
"""

from __future__ import annotations

import copy
import importlib.util
import numbers
import os
import re
import sys
import warnings
import weakref
from typing import ClassVar

import numpy as np
import pandas as pd
from pandas.tseries.frequencies import to_offset
from sklearn.base import BaseEstimator, RegressorMixin, clone
from sklearn.utils import check_array
from sklearn.utils.validation import check_is_fitted, validate_data

from seqforecast import _panel
from seqforecast._checks import (
    check_numeric,
    plain_frame_values,
    real_numbers,
    validate_estimator_params,
)
from seqforecast._time import (
    WEEK_OF_DAYS,
    future_index,
    regular_step,
    resolve_seasonal_period,
    seasonal_period_from_freq,
    steps_between,
    time_zone_name,
    weekly_cycle,
)

__all__ = ["BaseForecaster", "seasonal_period_from_freq"]  # the latter from _time

def _kind_of(y):
    if isinstance(y, pd.Series):
        return "series"
    if isinstance(y, pd.DataFrame):
        return "frame"
    return "array"


def _index_of(obj):
    if isinstance(obj, (pd.Series, pd.DataFrame)):
        return obj.index
    return None


# Words of a column name that name a time axis (the name split at anything
# but letters and digits: "order_date", not "holiday_orders"), and the column
# pandas makes of a written index read back ("Unnamed: 0").
_TIME_WORDS = frozenset({
    "t", "ds", "index", "idx", "time", "timestamp", "datetime", "date", "period", "step",
    "year", "yr", "month", "quarter", "week", "day", "hour",
})


def _time_like_name(name):
    words = re.split(r"[^0-9a-z]+", str(name).lower())
    return str(name).lower().startswith("unnamed") or not _TIME_WORDS.isdisjoint(words)


# Names of a calendar part that cycles (quarter 1-4, month 1-12, ...).
_CALENDAR_PARTS = frozenset({
    "quarter", "month", "week", "weekday", "dayofweek", "day", "hour", "minute",
})


def _time_like_values(column, named, calendar):
    """Whether whole numbers in ``column`` read as a time axis (see _warn_time_like_column)."""
    with np.errstate(invalid="ignore"):
        if not np.all(column == np.round(column)):  # NaN fails too
            return False
        steps = np.diff(column)
        if named and np.all(steps >= 0) and np.any(steps > 0):
            return True  # increasing, or each year repeated for its quarters
        if calendar and np.any(steps < 0):
            # A calendar part: up by one, back to its least value to wrap.
            return bool(np.all((steps == 1) | (column[1:] == column.min())))
        return bool(np.all(steps == 1) and 1000 <= column[0] and column[-1] < 3000)


def _warn_time_like_column(y, values):
    """Warn when a column of the frame ``y`` looks like its time axis, not a series.

    A column of whole numbers that, named like a time (a word of its name:
    ``year``, ``t``, ``order_date``; ``Unnamed: 0``...), only increases (a
    year repeated for each of its quarters included) or, named as a
    calendar part (``quarter``, ``month``...), counts up by one and wraps
    back; or that runs through consecutive years (1871, 1872, ..., 1970)
    whatever its name: how a table read without its index looks
    (``pd.read_csv`` without ``index_col``; statsmodels' datasets, whose
    macrodata has ``year`` 1959, 1959, 1959, 1959, 1960... and ``quarter``
    1, 2, 3, 4, 1...). Every column of ``y`` is a series, so that one
    would be fitted and forecast as one and, in a global network, change
    the others' forecasts. A frame indexed by dates or periods already has
    its time axis and is not checked; other columns (synthetic trends,
    counts named by a time word) are left alone. Only the candidate
    columns (by name, or by their first two rows) are read in full. The
    message names no data-dependent end, so that the inner fits of a
    backtest or a conformal calibration (shorter histories) repeat one
    warning, shown once (:func:`_warn_at_user_line`).
    """
    n_rows = values.shape[0]
    if (values.shape[1] < 2 or n_rows < 3
            or isinstance(y.index, (pd.DatetimeIndex, pd.PeriodIndex))):
        return
    first, second = values[0], values[1]
    with np.errstate(invalid="ignore"):
        years = (second - first == 1) & (first >= 1000) & (first < 3000)
    named = np.fromiter((_time_like_name(c) for c in y.columns), bool, len(y.columns))
    for i in np.flatnonzero(years | named):
        name = y.columns[i]
        calendar = str(name).lower() in _CALENDAR_PARTS
        if not _time_like_values(values[:, i], named[i], calendar):
            continue
        # Whole numbers stored as floats (statsmodels' datasets: year 1871.0)
        # would make a float index, which no forecaster takes: the advice
        # casts them, for integer columns too, so that a meta-forecaster's
        # inner fits (which see y as floats) repeat the same one warning.
        fix = f"y.set_index(y[{name!r}].astype(int)).drop(columns={name!r})"
        _warn_at_user_line(
            f"column {name!r} of y holds {first[i]:.0f}, {second[i]:.0f}, ... like a time "
            "column, but every column of y is a series to forecast. If it is the time (or "
            f"part of it), build y's index from it and drop the column (e.g. {fix}).",
        )
        return


def _library_dirs():
    """Folders of the packages whose frames a warning skips to reach the user's line.

    seqforecast itself, and scikit-learn, joblib and skorch, through which a
    user's call reaches it (pipelines, cross-validation, parallel fits):
    found without importing them.
    """
    dirs = [os.path.dirname(os.path.abspath(__file__))]
    for name in ("sklearn", "joblib", "skorch"):
        spec = importlib.util.find_spec(name)
        if spec is not None and spec.submodule_search_locations:
            dirs.extend(os.path.abspath(d) for d in spec.submodule_search_locations)
    return tuple(d + os.sep for d in dirs)


_LIBRARY_DIRS = None
# (message, file, line) of the warnings shown by _warn_at_user_line.
_SHOWN = set()


def _warn_at_user_line(message, category=UserWarning):
    """``warnings.warn`` at the user's line (:func:`_caller_outside_package`), once per line.

    Python's own "once per location" is undone whenever code resets the
    warning filters, as the fits inside a conformal calibration or a
    backtest do (statsmodels' warnings are silenced in ``catch_warnings``
    blocks): each inner fit showed the warning again (12 times for one
    ``ConformalForecaster.fit``). The same message at the same line of the
    same file is shown once per process; a notebook's new cell is a new file.
    """
    level = _caller_outside_package()  # stacklevel 1 is this function's frame
    frame = sys._getframe(level - 1)
    key = (message, frame.f_code.co_filename, frame.f_lineno)
    if key in _SHOWN:
        return
    warnings.warn(message, category, stacklevel=level)
    _SHOWN.add(key)  # after: a filter that makes it an error raises every time


def _caller_outside_package():
    """``stacklevel`` of a warning raised here that points at the user's line.

    For a ``warnings.warn`` in the function that calls this one: the first
    caller outside seqforecast and the libraries a call reaches it through
    (scikit-learn, joblib, skorch: :func:`_library_dirs`). A fit's checks
    are reached through different depths (forecaster subclasses, ensembles,
    pipelines, cross-validation), and the user's line is what the warning
    should name; in a worker process without one, the outermost frame.
    """
    global _LIBRARY_DIRS
    if _LIBRARY_DIRS is None:
        _LIBRARY_DIRS = _library_dirs()
    frame, level = sys._getframe(1), 1
    while frame.f_back is not None and os.path.abspath(
            frame.f_code.co_filename).startswith(_LIBRARY_DIRS):
        frame, level = frame.f_back, level + 1
    return level


def _static_rows_by_name(static_features, names):
    """The rows of the frame ``static_features`` of the series ``names``, in that order.

    A ValueError names the first series without a row.
    """
    names = pd.Index(names)
    missing = names[~names.isin(static_features.index)]
    if len(missing):
        raise ValueError(
            f"static_features has no row for series {missing[0]!r} "
            f"({len(missing)} missing); give one row per series, indexed like the "
            "series (the columns of a wide y, the ids of a long one)."
        )
    return static_features.loc[names]


def _check_unique_columns(data, name):
    if isinstance(data, pd.DataFrame) and data.columns.has_duplicates:
        repeated = data.columns[data.columns.duplicated()].unique().tolist()[:3]
        raise ValueError(
            f"{name} has repeated column names {repeated}; each column must have its own name."
        )


def _same_names(columns, fitted):
    """Whether ``columns`` are the fitted series' names, in order.

    A saved and loaded forecaster holds names other than str and int as
    their strings (JSON), so those compare as strings.
    """
    if columns.equals(fitted):
        return True
    return len(columns) == len(fitted) and all(
        a == b or str(a) == str(b) for a, b in zip(columns, fitted, strict=True)
    )


def _plain(value):
    """A numpy scalar as the Python value it holds, for messages (``3``, not ``np.int64(3)``)."""
    return value.item() if isinstance(value, np.generic) else value


def _check_finite_X(X, X_arr, rows=None):
    """Name the first missing or infinite covariate value (row and column of ``X``).

    ``rows``: the index that names ``X``'s rows when ``X`` lost it (the
    (series, time) pairs of a long panel's future rows).
    """
    bad = ~np.isfinite(X_arr)
    if not bad.any():
        return
    i, j = (int(k) for k in np.argwhere(bad)[0])
    if rows is not None:  # a long panel's (series, time) pairs
        where = f"for series {_plain(rows[i][0])!r} at {rows[i][1]}"
    elif isinstance(X, (pd.DataFrame, pd.Series)):
        where = f"at row {X.index[i]!r}"
    else:
        where = f"at row {i!r}"
    column = X.columns[j] if isinstance(X, pd.DataFrame) else j
    what = "NaN" if np.isnan(X_arr[i, j]) else X_arr[i, j]
    raise ValueError(
        f"X has {what} {where}, column {column!r} ({int(bad.sum())} missing or "
        "infinite values in all); covariates must be complete and finite over every "
        "timestep: fill them (e.g. X.ffill() or X.interpolate()) or drop the column."
    )


def _warn_carried_covariates(skipped, what, n_series=1):
    """Warn that ``skipped`` future steps that ``X`` does not give get the last observed covariates.

    The model forecasts them on its way to the steps asked for (and drops
    them); ``what`` says where they are.
    """
    more = f" (and in {n_series - 1} more series)" if n_series > 1 else ""
    _warn_at_user_line(
        f"{what}{more}: the model forecasts those {skipped} step(s) too, with the last "
        "observed covariates (a promotion of the last step carried forward). To set "
        "them, give X every step from the first after the end.",
    )


def _check_one_row_per_step(n_rows, steps):
    if n_rows != steps:
        raise ValueError(f"X has {n_rows} rows but steps={steps}; give one row per step.")


def _check_aligned(X, y):
    """The indexes of ``y`` and ``X`` (None for arrays), which must be the same."""
    y_index, X_index = _index_of(y), _index_of(X)
    if y_index is not None and X_index is not None and not y_index.equals(X_index):
        raise ValueError(
            "X and y have different indexes; covariates must be observed at the "
            "same timesteps as y (align them, e.g. X = X.loc[y.index])."
        )
    return y_index, X_index


class _LongRows:
    """Where the rows of a long future ``X`` sit in the forecast array.

    ``positions[i]`` is the series and ``steps[i]`` the step ahead (1 = next)
    of row ``i`` of ``index``; :meth:`pick` takes those values out of an
    array (n_steps, n_series, ...) in the order of ``index``.
    """

    def __init__(self, index, positions, steps):
        self.index, self.positions, self.steps = index, positions, steps

    def pick(self, values):
        return values[self.steps - 1, self.positions]


# ------------------------------------------------- fitted state, plain types
# The fitted time index, its step and the series names are stored as numpy
# arrays, strings and numbers (``_index_state`` ...), and ``index_``,
# ``freq_`` and ``series_names_`` rebuild the pandas objects on access: the
# fitted state then holds no pandas objects, which skops.io cannot save (a
# pandas Index has no default ``__reduce__`` it accepts).
def _plain_freq(freq):
    """A pandas offset as its string when that reads back equal; ints and None as they are."""
    if freq is None or isinstance(freq, numbers.Integral):
        return freq
    text = getattr(freq, "freqstr", None)
    try:
        if text is not None and to_offset(text) == freq:
            return text
    except ValueError:
        pass
    return freq  # an offset its string does not describe (custom holidays, say)


def _pandas_freq(state):
    return to_offset(state) if isinstance(state, str) else state


def _plain_index(index):
    """A pandas Index as a dict of numpy arrays, strings and numbers."""
    if index is None:
        return None
    freq = getattr(index, "freq", None)
    if isinstance(index, pd.RangeIndex):
        return {"kind": "range", "start": index.start, "stop": index.stop,
                "step": index.step, "name": index.name}
    if isinstance(index, pd.DatetimeIndex):
        tz = None
        values = index
        if index.tz is not None:
            # By name when it reads back, else the tz object itself.
            tz = time_zone_name(index) or index.tz
            values = index.tz_convert("UTC").tz_localize(None)
        return {"kind": "datetime", "values": values.to_numpy(), "tz": tz,
                "freq": _plain_freq(freq), "name": index.name}
    if isinstance(index, pd.PeriodIndex):
        return {"kind": "period", "values": index.asi8.copy(), "freq": index.freqstr,
                "name": index.name}
    if isinstance(index, pd.MultiIndex) or (
        index.dtype == object and not all(isinstance(v, (str, int, float)) for v in index)
    ):
        return {"kind": "pandas", "index": index}  # kept as it is
    if index.dtype == object:
        return {"kind": "values", "values": list(index), "dtype": "object", "name": index.name}
    return {"kind": "values", "values": index.to_numpy(), "dtype": str(index.dtype),
            "name": index.name}


def _pandas_index(state):
    """The pandas Index described by :func:`_plain_index`."""
    if state is None:
        return None
    kind = state["kind"]
    if kind == "range":
        return pd.RangeIndex(state["start"], state["stop"], state["step"], name=state["name"])
    if kind == "datetime":
        index = pd.DatetimeIndex(state["values"], name=state["name"])
        if state["tz"] is not None:
            index = index.tz_localize("UTC").tz_convert(state["tz"])
        freq = _pandas_freq(state["freq"])
        return pd.DatetimeIndex(index, freq=freq) if freq is not None else index
    if kind == "period":
        dtype = pd.PeriodDtype(state["freq"])
        return pd.PeriodIndex(pd.arrays.PeriodArray(state["values"], dtype=dtype),
                              name=state["name"])
    if kind == "pandas":
        return state["index"]
    return pd.Index(state["values"], dtype=state["dtype"], name=state["name"])


# forecaster -> {state key: (plain state, the index built from it)}; see _stored.
_INDEX_CACHE = weakref.WeakKeyDictionary()


def _stored(name):
    """A property ``name`` kept in ``__dict__`` as plain types (see above)."""
    key = f"_{name.rstrip('_')}_state"
    to_plain, from_plain = (
        (_plain_freq, _pandas_freq) if name == "freq_" else (_plain_index, _pandas_index)
    )

    def get(self):
        try:
            state = self.__dict__[key]
        except KeyError:
            if name in self.__dict__:  # pickled before the plain storage
                return self.__dict__[name]
            raise AttributeError(
                f"{type(self).__name__!r} object has no attribute {name!r}"
            ) from None
        if name == "freq_":
            return from_plain(state)
        # Rebuilding an index from its plain arrays is O(history) (pandas
        # checks a frequency against every value: 8 ms at a million points,
        # read several times per forecast): the index built from this very
        # state is kept beside the forecaster (not in its __dict__, which
        # stays plain), and each read gets its own shallow copy, as a fresh
        # index would be (names are mutable).
        cache = _INDEX_CACHE.setdefault(self, {})
        hit = cache.get(key)
        if hit is None or hit[0] is not state:
            hit = cache[key] = (state, from_plain(state))
        return None if hit[1] is None else hit[1].copy()

    def set(self, value):
        self.__dict__.pop(name, None)
        self.__dict__[key] = to_plain(value)

    def delete(self):
        self.__dict__.pop(key, None)
        self.__dict__.pop(name, None)

    return property(get, set, delete)


# ------------------------------------------------- the history, ragged
# The history is held as a :class:`~seqforecast._panel.RaggedPanel` (values
# end to end plus offsets), never as the rectangle (n_rows, n_series) padded
# to the longest series; ``__dict__`` keeps its plain arrays (a dict of
# numpy arrays and ints, which skops.io saves like any numpy data), and
# ``y_panel_``/``X_panel_`` wrap them on access (no copy). ``y_history_``
# and ``X_history_`` materialise the dense arrays for users.
def _panel_state(panel):
    if panel is None or isinstance(panel, np.ndarray):
        return panel  # no covariates, or covariates shared by all series
    return {"values": panel.values, "offsets": panel.offsets, "n_rows": panel.n_rows}


def _panel_of(state):
    if state is None or isinstance(state, np.ndarray):
        return state
    return _panel.RaggedPanel(state["values"], state["offsets"], state["n_rows"])


def _as_panel(dense, name):
    """A dense history (an older pickle, or set by hand) as the ragged one."""
    if dense is None or isinstance(dense, _panel.RaggedPanel):
        return dense
    dense = np.asarray(dense, dtype=np.float64)
    if name == "X" and dense.ndim == 2:
        return dense  # shared covariates: (n_rows, n_features) is their size
    return _panel.RaggedPanel.from_dense(dense)


def _ragged(name):
    """The property ``{name}_panel_`` over ``_{name}_panel_state`` (see above)."""
    key, legacy = f"_{name}_panel_state", f"{name}_history_"

    def get(self):
        try:
            return _panel_of(self.__dict__[key])
        except KeyError:
            if legacy in self.__dict__:  # pickled by a version that held the rectangle
                return _as_panel(self.__dict__[legacy], name)
            raise AttributeError(
                f"{type(self).__name__!r} object has no attribute '{name}_panel_'"
            ) from None

    def set(self, value):
        self.__dict__.pop(legacy, None)
        self.__dict__[key] = _panel_state(_as_panel(value, name))

    def delete(self):
        self.__dict__.pop(key, None)
        self.__dict__.pop(legacy, None)

    return property(get, set, delete)


def _dense(name):
    """The property ``{name}_history_``: the ragged history as a dense array, on access."""
    attribute = f"{name}_panel_"

    def get(self):
        panel = getattr(self, attribute)
        return panel.to_dense() if isinstance(panel, _panel.RaggedPanel) else panel

    def set(self, value):
        setattr(self, attribute, value)

    def delete(self):
        delattr(self, attribute)

    doc = (
        f"The {'history' if name == 'y' else 'covariate history'} as a dense array, "
        f"materialised from ``{attribute}`` at every access (see the class docstring)."
    )
    return property(get, set, delete, doc)


def _updatable(forecasters):
    """Forecasters to update in place, and a function that puts them back as they were.

    For meta-forecasters whose update updates inner forecasters: a later
    step may fail after an inner update succeeded. A plain forecaster's
    update only rebinds attributes (see ``BaseForecaster.update``), so a
    shallow copy of its attributes restores it; one with forecasters of its
    own changes them in place, so it is updated on a deep copy (deep copies
    of every forecaster cost more than the updates: a network through
    ``torch.save``, ETS through re-smoothing every series).
    """
    forecasters = list(forecasters)
    nested = [hasattr(f, "forecasters_") or hasattr(f, "forecaster_") for f in forecasters]
    updated = [copy.deepcopy(f) if n else f for f, n in zip(forecasters, nested, strict=True)]
    states = [None if n else dict(f.__dict__) for f, n in zip(forecasters, nested, strict=True)]

    def restore():
        for forecaster, state in zip(updated, states, strict=True):
            if state is not None:
                forecaster._restore_state(state)

    return updated, restore


class BaseForecaster(RegressorMixin, BaseEstimator):
    """Base class of all seqforecast forecasters.

    A forecaster is a scikit-learn regressor whose rows are timesteps:
    ``fit(X, y)`` learns from the history ``y`` and the covariates ``X``
    observed at the same timesteps; ``predict(X)`` forecasts the ``len(X)``
    timesteps that follow the end of the history, ``X`` holding their
    covariates. This makes a forecaster a drop-in last step of a
    :class:`~sklearn.pipeline.Pipeline` and lets
    :class:`~sklearn.model_selection.TimeSeriesSplit` score genuine
    out-of-sample forecasts.

    ``y`` is one series (``pd.Series`` or array of shape (n_timesteps,)) or a
    panel (``pd.DataFrame`` with one column per series or array of shape
    (n_timesteps, n_series)). Series of different lengths are right-aligned:
    they end on the last row and are padded with leading NaN. A long panel,
    a Series indexed by (series, time), may have series with their own
    start and end dates (:mod:`seqforecast._panel`); each is forecast from
    its own end, and the outputs keep the long layout. ``X`` may be
    None, an array of shape (n_timesteps, n_features) or a DataFrame, also one
    with no columns (it then only carries the time index).

    When the history and ``X`` are both indexed by pandas, ``X`` must start
    after the history ends: a gap of ``g`` steps is allowed (the first ``g``
    steps are forecast and dropped; their covariates, which ``X`` does not
    hold, are taken as the last observed ones, with a warning), an overlap or another
    frequency raises ``ValueError``. With plain arrays, ``X`` is taken to
    start right after the history.

    Attributes
    ----------
    y_panel_ : RaggedPanel
        The history as stored: each series' observed values end to end
        (float64) with per-series offsets, every series ending on the last
        aligned row (:class:`~seqforecast._panel.RaggedPanel`). Its memory
        is that of the data, however different the series' lengths; every
        model reads the history through it.
    y_history_ : ndarray of shape (n_timesteps, n_series)
        The history as a rectangle, right-aligned, float64, leading NaN for
        late starts: built from ``y_panel_`` at each access (for users; it
        costs ``n_timesteps x n_series`` floats, which for a panel with one
        very long series is far more than the data). Assigning an array
        stores it ragged.
    X_panel_ : ndarray of shape (n_timesteps, n_features), RaggedPanel or None
        Covariates observed with the history: shared by all series (an
        array), per series (a long panel's, ragged like ``y_panel_``), or
        None without covariates.
    X_history_ : ndarray of shape (n_timesteps, n_features) or \
(n_timesteps, n_series, n_features), or None
        ``X_panel_`` as a dense array (per-series covariates materialised on
        access).
    index_ : pandas.Index or None
        Time index of the history (from ``y``, else from ``X``), or None.
    freq_ : pandas offset, int or None
        Step of ``index_``: a pandas offset, or the integer step of an integer
        index.
    n_series_ : int
        Number of series in ``y``.
    y_kind_ : {"array", "series", "frame", "long"}
        How ``y`` was given: a numpy array, a Series, a wide DataFrame (a
        column per series) or a long Series indexed by (series, time);
        forecasts come back in the same kind.
    y_ndim_ : {1, 2}
        Dimensions of ``y`` as given (1: one series, forecasts 1-D).
    series_name_ : hashable or None
        The name of a Series ``y`` (or a long panel's values), given to the
        forecast Series.
    series_names_ : pandas.Index or None
        Column names of a DataFrame ``y``, or the series ids of a long one.
    series_ends_ : pandas.Index or None
        For a long ``y`` (indexed by (series, time)): each series' last
        timestamp, from which its forecasts continue; None otherwise.
    n_features_in_ : int
        Number of covariates seen in ``fit``.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Covariate names, when ``X`` was a DataFrame with string column names.
    static_features_ : ndarray of shape (n_series, n_static) or None
        The static features of the series, when given to ``fit`` and read
        by the model.
    static_names_ : ndarray of str or None
        The column names of a DataFrame of static features.
    """

    # Valid values of each constructor parameter (scikit-learn's convention,
    # :mod:`seqforecast._checks`), checked once at the start of ``fit``.
    _parameter_constraints: ClassVar[dict] = {}
    # Whether the covariates of future steps before X's first (a gap, filled
    # with the last observed ones) change the forecasts of X's steps: they do
    # for the networks; models that ignore X, or read only each step's own
    # covariates (a regression with ARIMA errors), set False.
    _skipped_covariates_matter: ClassVar[bool] = True

    # Whether the model estimates a season only from two cycles of it at
    # least (Theta's decomposition, ETS, the automatic ARIMA search, the
    # networks' deseasonalisation and window) and fits without one below:
    # a given seasonal_period longer than half of every series then warns.
    _season_needs_two_cycles: ClassVar[bool] = False

    def _estimates_season_from_two_cycles(self):
        """Whether a given period too long for two cycles is dropped (a warning)."""
        return self._season_needs_two_cycles

    def _reads_skipped_covariates(self):
        """Whether filled-in covariates of skipped future steps change the forecasts (a warning)."""
        return self._skipped_covariates_matter

    # Fitted attributes stored as plain types (see ``_stored``).
    index_ = _stored("index_")
    freq_ = _stored("freq_")
    series_names_ = _stored("series_names_")
    series_ends_ = _stored("series_ends_")
    y_panel_ = _ragged("y")
    X_panel_ = _ragged("X")
    y_history_ = _dense("y")
    X_history_ = _dense("X")

    # Whether the model reads covariates that differ between series (those of
    # a long panel, an array (n_timesteps, n_series, n_features)); the others
    # take covariates shared by all series (n_timesteps, n_features).
    _series_covariates = False

    # ------------------------------------------------------------------ hooks
    def _fit(self, y, X):  # pragma: no cover - abstract
        raise NotImplementedError

    def _predict(self, n_steps, X):  # pragma: no cover - abstract
        raise NotImplementedError

    def _update(self, y, X):
        """Hook run after ``update`` appended new rows; default: nothing."""

    def _check_params(self):
        """Resolve data-dependent defaults once the history is known.

        The parameters have passed ``_parameter_constraints``; ``freq_``,
        ``index_`` and the history are set, so defaults that depend on the
        data (the seasonal period, a network's window) are set here, and
        checks that involve the data or several parameters at once.
        """

    def _min_observations(self):
        """(minimum observations per series, why) needed by this model; no side effects."""
        return 1, "this forecaster"

    # ------------------------------------------------------------ public API
    def fit(self, X, y, static_features=None):
        """Learn from the history ``y`` and its covariates ``X``.

        Parameters
        ----------
        X : array-like of shape (n_timesteps, n_features), DataFrame or None
            Covariates observed at the timesteps of ``y``; None or a
            zero-column DataFrame when there are none.
        y : array-like of shape (n_timesteps,) or (n_timesteps, n_series)
            The history, time-ordered and regularly spaced; or a long panel
            (a Series indexed by (series, time)).
        static_features : DataFrame or array-like of shape (n_series, n_static), default=None
            Properties of each series that do not change over time (a
            category code, a store's size), one row per series: a DataFrame
            indexed by the series names (the columns of a wide ``y``, the
            ids of a long one), or an array in the order of the series.
            Global models (the neural forecasters) read them as inputs at
            every step; per-series models have nothing to share them with and
            ignore them with a warning.

        Returns
        -------
        self : object
            The fitted forecaster.
        """
        # A failed fit leaves the estimator as it was: validation stores the
        # new history before the checks that may fail, so restore a shallow
        # copy of the state on any exception. Shallow is exact because fitting
        # only rebinds attributes; no ``_fit`` mutates an existing one in place.
        validate_estimator_params(self)
        state = dict(self.__dict__)
        try:
            y_arr, X_arr = self._validate_history(X, y)
            self._set_static_features(static_features)
            self._fit(y_arr, X_arr)
        except BaseException:
            self._restore_state(state)
            raise
        return self

    def _restore_state(self, state):
        """Put back the attributes saved by ``state = dict(self.__dict__)``."""
        self.__dict__.clear()
        self.__dict__.update(state)

    def predict(self, X):
        """Forecast the ``len(X)`` timesteps that follow the history.

        Parameters
        ----------
        X : array-like of shape (n_steps, n_features) or DataFrame
            Covariates of the future steps, one row per step (a DataFrame
            with no columns gives only the future index).

        Returns
        -------
        y_pred : ndarray, Series or DataFrame of shape (n_steps,) or (n_steps, n_series)
            Same kind as ``y`` in ``fit``, indexed by ``X``'s index when it
            has one.
        """
        check_is_fitted(self)
        n_rows, gap, X_future, out_index = self._validate_future(X)
        y_pred = np.asarray(self._predict(gap + n_rows, X_future), dtype=np.float64)
        if isinstance(out_index, _LongRows):
            return pd.Series(out_index.pick(y_pred), index=out_index.index,
                             name=self.series_name_)
        return self._wrap(y_pred[gap:], out_index)

    def update(self, X, y):
        """Append newly observed timesteps to the history without refitting.

        The next ``predict`` then starts after them. Parameters are those of
        :meth:`fit`; the new rows must follow the history directly, on its
        time grid (the next ``len(y)`` timestamps). The update is atomic:
        when the new data are rejected, by these checks or by the model, a
        ``ValueError`` is raised and the forecaster is left as it was (an
        empty ``y`` too: "update got no new observations").

        Returns
        -------
        self : object
        """
        check_is_fitted(self)
        if isinstance(y, (pd.Series, pd.DataFrame, np.ndarray)) and len(y) == 0:
            # As for a long panel; was scikit-learn's "Found array with 0 sample(s)".
            raise ValueError(
                "update got no new observations (y has no rows); give at least one new "
                "step of every series."
            )
        state = dict(self.__dict__)
        try:
            self._update_history(X, y)
        except BaseException:
            self._restore_state(state)
            raise
        return self

    def _update_history(self, X, y):
        """The body of :meth:`update` (the caller restores the state on failure)."""
        if self.y_kind_ == "long":
            y_arr, X_arr = self._append_long(X, y)
            return self._update_model(y_arr, X_arr)
        y_kind = _kind_of(y)
        y_arr, _ = self._check_y_values(y, allow_leading_nan=False)
        if y_arr.shape[1] != self.n_series_:
            raise ValueError(
                f"y has {y_arr.shape[1]} series but the forecaster was fitted on "
                f"{self.n_series_}; update needs the same series."
            )
        fitted = self.series_names_
        if fitted is None and getattr(self, "series_name_", None) is not None:
            fitted = pd.Index([self.series_name_])  # a named Series
        given = y.columns if y_kind == "frame" else None
        if y_kind == "series" and y.name is not None:
            given = pd.Index([y.name])
        if fitted is not None and given is not None and not _same_names(given, fitted):
            # Series are matched by position; other names or another order
            # would append one series' values to another's history. (An
            # unnamed Series or an array is taken as the fitted series.)
            raise ValueError(
                f"y's series {list(given)[:5]} are not the fitted series "
                f"{list(fitted)[:5]} in the same order; update needs the same series, "
                "e.g. y[forecaster.series_names_] for a panel, y.rename(name) for a "
                "series that is the same under another name."
            )
        X_arr, _ = self._check_X(X, len(y_arr), reset=False)
        _check_aligned(X, y)
        new_index = _index_of(y) if y_kind != "array" else _index_of(X)
        if self.index_ is not None and new_index is not None:
            new_index = self._in_history_zone(new_index, "y")
            regular_step(new_index, "y")
            step = steps_between(self.index_, self.freq_, new_index[0])
            if step != 1:
                raise ValueError(
                    f"update expects new observations starting at "
                    f"{future_index(self.index_, self.freq_, 1)[0]}, the step "
                    f"after the history ends ({self.index_[-1]}); got {new_index[0]}."
                )
            expected = future_index(self.index_, self.freq_, len(new_index))
            if not new_index.equals(expected):
                bad = next(
                    i for i, (a, b) in enumerate(zip(new_index, expected, strict=True))
                    if not a == b
                )
                raise ValueError(
                    f"update expects the {len(new_index)} new observations on the "
                    f"history's time grid (frequency {self._freq_name()}): "
                    f"{expected[0]} .. {expected[-1]}; got {new_index[bad]} where "
                    f"{expected[bad]} was expected (position {bad})."
                )
            self.index_ = self.index_.append(new_index)
        elif self.index_ is not None:
            self.index_ = self.index_.append(
                future_index(self.index_, self.freq_, len(y_arr))
            )
        self.y_panel_ = self.y_panel_.append(y_arr)
        if self.X_panel_ is not None:
            self.X_panel_ = np.vstack([self.X_panel_, X_arr])
        self._update_model(y_arr, X_arr)

    def _append_long(self, X, y):
        """Append the new rows of a long panel: every series, the same number of steps."""
        if not _panel.is_long(y):
            raise ValueError(
                f"{type(self).__name__} was fitted on a long panel; update needs y in the "
                "same layout, indexed by (series, time)."
            )
        if len(y) == 0:
            raise ValueError(
                "update got no new observations (y has no rows); give at least one new "
                "step of every series."
            )
        new = _panel.split_long(y, X, freq=self.freq_)
        ids = self.series_names_
        if len(new.ids) != len(ids) or not new.ids.isin(ids).all():
            missing = list(ids.difference(new.ids)[:3])
            unknown = list(new.ids.difference(ids)[:3])
            detail = "; ".join(
                [f"missing: {missing}"] * bool(missing)
                + [f"not in the fitted panel: {unknown}"] * bool(unknown)
            )
            raise ValueError(
                "update needs new observations of every fitted series and of no other, "
                f"the same number of steps each (a panel row per step); {detail}."
            )
        order = new.ids.get_indexer(ids)
        counts = new.ragged.lengths
        if counts.min() != counts.max():
            raise ValueError(
                "update needs the same number of new steps for every series; got between "
                f"{counts.min()} and {counts.max()}."
            )
        # The same steps of every series: a block (n_new, n_series), no padding.
        y_arr = new.ragged.take(order).to_dense()
        # Every series' first new timestamp must be the step after its end.
        first = _panel.shift_times(new.ends.take(order), self.freq_, len(y_arr) - 1)
        expected = _panel.shift_times(self.series_ends_, self.freq_, -1)
        wrong = np.flatnonzero(np.asarray(first != expected))
        if len(wrong):
            s = wrong[0]
            raise ValueError(
                f"update expects series {ids[s]!r} to continue at {expected[s]}, the step "
                f"after its last observation ({self.series_ends_[s]}); got {first[s]}."
            )
        X_arr = None
        if self.n_features_in_:
            if new.X is None:
                raise ValueError(
                    f"X is None but {type(self).__name__} was fitted with "
                    f"{self.n_features_in_} covariates."
                )
            self._check_X(new.X_frame, None, reset=False)
            X_arr = new.X.take(order).to_dense()
        elif X is not None:
            self._check_X(new.X_frame, None, reset=False)
        self.series_ends_ = new.ends[order]
        self.y_panel_ = self.y_panel_.append(y_arr)
        if self.X_panel_ is not None:
            self.X_panel_ = self.X_panel_.append(X_arr)
        return y_arr, X_arr

    def _update_model(self, y_arr, X_arr):
        """Run the model's ``_update`` hook on the appended rows, errors made clear."""
        try:
            self._update(y_arr, X_arr)
        except Exception as exc:
            # Our own checks raise clear ValueErrors; anything else (a
            # numerical failure inside statsmodels, say) is reported as a
            # ValueError that says what was being done.
            if isinstance(exc, ValueError) and not isinstance(exc, np.linalg.LinAlgError):
                raise
            raise ValueError(
                f"{type(self).__name__} could not update its model with the "
                f"{len(y_arr)} new observations ({type(exc).__name__}: {exc}); the "
                "forecaster is unchanged."
            ) from exc

    def forecast(self, steps, X=None):
        """Forecast the next ``steps`` timesteps, indexed by their timestamps.

        Parameters
        ----------
        steps : int
            Number of steps ahead.
        X : array-like of shape (steps, n_features) or DataFrame, default=None
            Future covariates; required when the forecaster was fitted with
            covariates. A DataFrame must describe exactly the next ``steps``
            steps (for a long panel, every series' next ``steps``); to
            forecast other timestamps, use :meth:`predict`.

        Returns
        -------
        y_pred : Series or DataFrame
            The forecasts, indexed by the future timestamps (or by the integer
            positions after the history when it has no index).
        """
        check_is_fitted(self)
        if isinstance(steps, bool) or not isinstance(steps, numbers.Integral) or steps < 1:
            raise ValueError(f"steps must be a positive integer, got {steps!r}.")
        if X is None and self.n_features_in_:
            raise ValueError(
                f"This forecaster was fitted with {self.n_features_in_} covariates; "
                f"forecast needs X with their values for the {steps} future steps."
            )
        if X is None:
            X = self._future_frame(steps, None)
        elif not isinstance(X, pd.DataFrame):
            if self.y_kind_ == "long":
                raise ValueError(
                    "X must be a DataFrame indexed by (series, time) for a forecaster "
                    "fitted on a long panel."
                )
            X_arr = np.asarray(X)
            _check_one_row_per_step(len(X_arr), steps)
            X = self._future_frame(steps, X_arr)
        else:
            self._check_next_steps(steps, X)
        y_pred = self.predict(X)
        if isinstance(y_pred, np.ndarray):
            if y_pred.ndim == 1:
                return pd.Series(y_pred, index=X.index)
            return pd.DataFrame(y_pred, index=X.index)
        return y_pred

    def _check_next_steps(self, steps, X):
        """Raise unless the DataFrame ``X`` describes exactly the next ``steps`` steps."""
        if self.y_kind_ != "long" and self.index_ is None:
            _check_one_row_per_step(len(X), steps)  # positions only: any index
            return
        index = X.index if self.y_kind_ == "long" else self._in_history_zone(X.index, "X")
        expected = self._future_frame(steps, None).index
        if len(X) == len(expected) and index.isin(expected).all() and index.is_unique:
            return
        what = "series and step" if self.y_kind_ == "long" else "step"
        extra = index.difference(expected)
        missing = expected.difference(index)
        detail = (
            f"rows outside them such as {extra[0]!r}" if len(extra)
            else f"no row for {missing[0]!r}" if len(missing)
            else "repeated rows"
        )
        raise ValueError(
            f"forecast({steps}, X) forecasts the next {steps} steps, so X needs one row "
            f"per {what} of them ({len(expected)} rows); got {len(X)} rows, with {detail}. "
            "To forecast the timestamps X describes, call predict(X)."
        )

    def _forecast_values(self, n_steps, X=None):
        """Forecasts as an array (n_steps, n_series), from trusted covariates.

        For meta-forecasters, whose members were fitted on their own
        history: ``X`` is that history's covariate array for the future
        steps (or None), the result the same whatever the layout of ``y``.
        """
        check_is_fitted(self)
        return np.asarray(self._predict(n_steps, X), dtype=np.float64)

    def predict_quantiles(self, X, quantiles=(0.05, 0.5, 0.95)):
        """Quantiles of the forecast distribution of the ``len(X)`` next steps.

        Parameters
        ----------
        X : array-like of shape (n_steps, n_features) or DataFrame
            As in :meth:`predict`.
        quantiles : sequence of float, default=(0.05, 0.5, 0.95)
            Probabilities strictly between 0 and 1.

        Returns
        -------
        y_quantiles : DataFrame
            For one series, one column per quantile; for a panel, columns
            ``(series, quantile)`` (a MultiIndex). Indexed like
            :meth:`predict` (by ``X``'s index, or the future timestamps, or
            positions).
        """
        check_is_fitted(self)
        return self._quantile_frame(X, self._check_quantiles(quantiles))

    def _quantile_frame(self, X, quantiles):
        """:meth:`predict_quantiles` of checked levels (an array)."""
        n_rows, gap, X_future, out_index = self._validate_future(X)
        values = np.asarray(
            self._predict_quantiles(gap + n_rows, X_future, quantiles), dtype=np.float64
        )[gap:]  # -> (n_steps, n_series, n_quantiles)
        # Quantiles must not cross, whatever the model: sort the values along
        # the quantile axis in the order of the levels (which may be unsorted).
        order = np.argsort(quantiles, kind="stable")
        values[..., order] = np.sort(values[..., order], axis=2)
        if isinstance(out_index, _LongRows):
            return pd.DataFrame(out_index.pick(values), index=out_index.index,
                                columns=pd.Index(list(quantiles), name="quantile"))
        return self._wrap_columns(values, quantiles, out_index, n_rows)

    def predict_interval(self, X, coverage=0.9):
        """Central prediction intervals of the ``len(X)`` next steps.

        Parameters
        ----------
        X : array-like of shape (n_steps, n_features) or DataFrame
            As in :meth:`predict`.
        coverage : float, default=0.9
            Nominal probability that a future value falls in its interval;
            the bounds are the ``(1 - coverage) / 2`` and
            ``(1 + coverage) / 2`` quantiles.

        Returns
        -------
        intervals : DataFrame
            Columns ``lower`` and ``upper`` for one series; ``(series,
            "lower" | "upper")`` for a panel.
        """
        if not isinstance(coverage, numbers.Real) or not 0 < coverage < 1:
            raise ValueError(
                f"coverage must be a float strictly between 0 and 1, got {coverage!r}."
            )
        alpha = (1 - float(coverage)) / 2
        # Not through predict_quantiles' check: the two levels are one in
        # floating point for a coverage near 0, and the bounds are labelled
        # by position below.
        check_is_fitted(self)
        q = self._quantile_frame(X, np.array([alpha, 1 - alpha]))
        if isinstance(q.columns, pd.MultiIndex):
            # Each series' two columns, in the order asked: by position, not
            # by level (the two levels are equal for a coverage near 0).
            q.columns = pd.MultiIndex.from_tuples(
                [(s, ("lower", "upper")[k % 2]) for k, (s, _) in enumerate(q.columns)],
                names=["series", "bound"],
            )
        else:
            q.columns = pd.Index(["lower", "upper"], name="bound")
        return q

    def _predict_quantiles(self, n_steps, X, quantiles):
        """Quantiles as an array (n_steps, n_series, n_quantiles)."""
        raise NotImplementedError(
            f"{type(self).__name__} does not forecast quantiles; wrap it in a conformal "
            "forecaster for intervals."
        )

    @staticmethod
    def _check_quantiles(quantiles):
        # Numbers only: a cast would read "0.5" as 0.5 and label the column
        # with the number, so that the text the user asked for is not found.
        q = (np.atleast_1d(np.asarray(quantiles, dtype=np.float64))
             if real_numbers(quantiles) else None)
        if (q is None or q.ndim != 1 or q.size == 0 or np.any((q <= 0) | (q >= 1))
                or np.isnan(q).any()):
            raise ValueError(
                f"quantiles must be probabilities strictly between 0 and 1, got {quantiles!r}."
            )
        if np.unique(q).size != q.size:
            # Two columns with one label: a frame that cannot be read by level.
            raise ValueError(f"quantiles must not repeat a level, got {quantiles!r}.")
        return q

    def _wrap_columns(self, values, labels, index, n_rows):
        """(n_steps, n_series, n_labels) -> DataFrame with (series, label) columns."""
        if index is None:
            index = pd.RangeIndex(n_rows)
        labels = list(labels)
        if self.n_series_ == 1 and self.y_ndim_ == 1:
            return pd.DataFrame(
                values[:, 0, :], index=index, columns=pd.Index(labels, name="quantile")
            )
        names = (
            list(self.series_names_) if self.series_names_ is not None
            else list(range(self.n_series_))
        )
        columns = pd.MultiIndex.from_product([names, labels], names=["series", "quantile"])
        return pd.DataFrame(values.reshape(n_rows, -1), index=index, columns=columns)

    # ------------------------------------------------------------ validation
    def _check_y_values(self, y, *, allow_leading_nan):
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y is None "
                "(the history is the second argument: fit(X, y), with X=None when there "
                "are no covariates)."
            )
        if isinstance(y, pd.DataFrame) and y.shape[1] == 0:
            raise ValueError(
                "y has no series (a DataFrame with 0 columns); give one column per series."
            )
        _check_unique_columns(y, "y")
        check_numeric(y, "y")
        y_arr = check_array(
            plain_frame_values(y),
            ensure_2d=False,
            dtype=np.float64,
            ensure_all_finite="allow-nan",
            input_name="y",
        )
        ndim = y_arr.ndim
        if y_arr.ndim == 1:
            y_arr = y_arr[:, None]
        if y_arr.ndim != 2:
            raise ValueError(
                f"y must be 1-D (one series) or 2-D (one column per series), got "
                f"{y_arr.ndim} dimensions."
            )
        if allow_leading_nan and isinstance(y, pd.DataFrame):
            _warn_time_like_column(y, y_arr)
        nan = np.isnan(y_arr)
        if nan.any():
            if isinstance(y, pd.DataFrame):
                names = list(y.columns)
            elif isinstance(y, pd.Series) and y.name is not None:
                names = [y.name]  # a named series by its name (was "Series 0")
            else:
                names = list(range(y_arr.shape[1]))
            # A NaN is allowed only before a series' first observation.
            started = np.logical_or.accumulate(~nan, axis=0)
            inner = nan & started
            if allow_leading_nan and not inner.any():
                empty = np.flatnonzero(~started[-1])
                if len(empty):
                    raise ValueError(
                        f"Series {_plain(names[empty[0]])!r} of y has no observation (all NaN)."
                    )
                return y_arr, ndim
            bad = np.argwhere(inner if allow_leading_nan else nan)[0]
            index = _index_of(y)
            where = index[bad[0]] if index is not None else bad[0]
            series = f"Series {_plain(names[bad[1]])!r} of y has a NaN at position {bad[0]} " \
                     f"(timestamp {where})"
            if not allow_leading_nan:  # the new rows of update
                raise ValueError(
                    f"{series}: update needs a value of every series at every new step. "
                    "Fill it (e.g. y.interpolate()); for a series that stopped, refit in "
                    "the long layout (a Series indexed by (series, time)), where every "
                    "series has its own end."
                )
            # NaN to the end: the series stopped (or the rows are empty).
            stopped = bool(np.all(nan[bad[0]:, bad[1]]))
            if stopped and y_arr.shape[1] == 1:
                fix = " Its last rows are missing: drop them (e.g. y.loc[:y.last_valid_index()])."
            elif stopped and np.all(nan[bad[0]:]):
                fix = " The last rows are empty: drop them (e.g. y.dropna(how='all'))."
            elif stopped:
                fix = (" It ends before the others: give the panel in the long layout, a "
                       "Series indexed by (series, time) where every series has its own "
                       "end (for a DataFrame: y.unstack().dropna()).")
            else:
                fix = " Fill the missing values first (e.g. y.interpolate())."
            raise ValueError(
                f"{series} inside its history; only leading NaN (a series starting later) "
                f"is allowed.{fix}"
            )
        return y_arr, ndim

    def _check_X(self, X, n_rows, *, reset, rows=None):
        """Validate covariates: (array or None when there are none, rows).

        ``n_rows`` is the number of timesteps ``X`` must have, or None to
        accept any; ``rows`` names ``X``'s rows in errors when its index was
        dropped.
        """
        if X is None:
            if reset:
                self.n_features_in_ = 0
                if hasattr(self, "feature_names_in_"):
                    del self.feature_names_in_
            elif self.n_features_in_:
                raise ValueError(
                    f"X is None but {type(self).__name__} was fitted with "
                    f"{self.n_features_in_} covariates."
                )
            return None, n_rows
        if isinstance(X, pd.DataFrame) and X.shape[1] == 0:
            # sklearn's validation rejects zero-column frames; they only carry
            # the index here.
            X = np.empty((len(X), 0))
        _check_unique_columns(X, "X")
        check_numeric(X, "X")
        X_arr = validate_data(
            self,
            X,
            reset=reset,
            dtype=np.float64,
            ensure_min_features=0,
            ensure_all_finite=False,
        )
        _check_finite_X(X, X_arr, rows)
        if n_rows is not None and X_arr.shape[0] != n_rows:
            raise ValueError(
                f"X has {X_arr.shape[0]} rows but y has {n_rows}; they must describe "
                "the same timesteps."
            )
        return (X_arr if X_arr.shape[1] else None), X_arr.shape[0]

    def _validate_history(self, X, y, *, check_length=True):
        if _panel.is_long(y):
            return self._validate_long_history(X, y, check_length=check_length)
        if _panel.is_long(X):
            raise ValueError(
                "X is indexed by (series, time) but y is not; give y in the same long "
                "layout (a Series indexed by (series, time)), or X with one row per "
                "timestep of a wide y."
            )
        self.series_ends_ = None
        y_kind = _kind_of(y)
        y_arr, y_ndim = self._check_y_values(y, allow_leading_nan=True)
        X_arr, _ = self._check_X(X, len(y_arr), reset=True)
        y_index, X_index = _check_aligned(X, y)
        index = y_index if y_index is not None else X_index
        if index is not None and isinstance(index, pd.RangeIndex) and y_kind == "array":
            index = None  # a default RangeIndex of X carries no time information
        self.freq_ = regular_step(index, "y") if index is not None else None
        self.index_ = index
        self.y_kind_ = y_kind
        self.series_names_ = y.columns if y_kind == "frame" else None
        self.series_name_ = y.name if y_kind == "series" else None
        self.n_series_ = y_arr.shape[1]
        self.y_ndim_ = y_ndim
        # A wide y is a rectangle already; it is stored ragged like a long one.
        self.y_panel_ = _panel.RaggedPanel.from_dense(y_arr)
        self.X_panel_ = X_arr
        self._check_params()
        if check_length:
            self._check_length(self.y_panel_)
        return self.y_panel_, X_arr

    def _validate_long_history(self, X, y, *, check_length):
        """:meth:`_validate_history` for a long panel (see :mod:`seqforecast._panel`)."""
        panel = _panel.split_long(y, X)
        if X is None:
            X_arr, _ = self._check_X(None, None, reset=True)
        else:
            X_arr, _ = self._check_X(panel.X_frame, None, reset=True)
            X_arr = None if X_arr is None else panel.X
        if X_arr is not None and not self._series_covariates:
            raise ValueError(
                f"{type(self).__name__} takes covariates shared by all series, but the "
                f"covariates of a long panel are per series; use a neural forecaster "
                "(RNNForecaster, LSTMForecaster, GRUForecaster), or pass X without columns."
            )
        self.freq_ = panel.freq
        self.index_ = None
        self.series_ends_ = panel.ends
        self.long_names_ = panel.names
        self.y_kind_ = "long"
        self.series_names_ = panel.ids
        self.series_name_ = panel.target
        self.n_series_ = panel.ragged.n_series
        self.y_ndim_ = 2
        self.y_panel_ = panel.ragged
        self.X_panel_ = X_arr
        self._check_params()
        if check_length:
            self._check_length(panel.ragged)
        return panel.ragged, X_arr

    def _static_features_ignored(self):
        """Why this model ignores static features, or None when it reads them."""
        if self._series_covariates:
            return None
        return "fits each series on its own (static features tell series apart for a global model)"

    def _set_static_features(self, static_features):
        """Check ``static_features`` against the fitted series; set ``static_features_``."""
        self.static_features_ = None
        self.static_names_ = None
        if static_features is None:
            return
        reason = self._static_features_ignored()
        if reason is not None:
            # Once at the user's line, not at every fold of a backtest or
            # calibration clone of a conformal forecaster.
            _warn_at_user_line(
                f"{type(self).__name__} {reason}, so the static features are ignored."
            )
            return
        if isinstance(static_features, pd.DataFrame):
            names = self.series_names_
            if names is None:
                names = pd.Index([self.series_name_]) if self.y_ndim_ == 1 else pd.RangeIndex(
                    self.n_series_
                )
            self.static_names_ = np.asarray([str(c) for c in static_features.columns],
                                            dtype=object)
            static_features = _static_rows_by_name(static_features, names)
        check_numeric(static_features, "static_features")
        values = check_array(static_features, dtype=np.float64, input_name="static_features")
        if values.shape[0] != self.n_series_:
            raise ValueError(
                f"static_features has {values.shape[0]} rows but y has {self.n_series_} "
                "series; give one row per series."
            )
        self.static_features_ = values

    def observations_needed(self, X, y):
        """Fewest observations per series that :meth:`fit` accepts on data like ``(X, y)``.

        Some models need more history than others (a network's lookback
        plus its horizon, say), and some of these needs depend on the data
        (the seasonal period read from the index). This answers for the
        given data without fitting; ``fit`` raises a ValueError for any
        series with fewer observations.

        Parameters
        ----------
        X, y
            As for :meth:`fit`; a series of ``y`` may be too short.

        Returns
        -------
        n : int
        """
        validate_estimator_params(self)
        probe = clone(self)
        probe._validate_history(X, y, check_length=False)
        return int(probe._min_observations()[0])

    def _check_length(self, panel):
        n_obs = panel.lengths
        needed, why = self._min_observations()
        if n_obs.min() < needed:
            short = int(np.argmin(n_obs))
            series = "y" if panel.n_series == 1 else f"Series {self._series_label(short)!r} of y"
            raise ValueError(
                f"{series} has {n_obs[short]} observations (n_samples={n_obs[short]}) "
                f"but {why} needs at least "
                f"{needed}; pass a longer history."
            )

    def _history_data(self, rows=None, series=None, start=0):
        """``(X, y)`` of rows ``start .. rows - 1`` (of ``series``) in the user's layout.

        For meta-forecasters that fit other forecasters on (part of) the
        history: ``y`` is a Series or DataFrame on the history's index when
        there is one (so the inner forecasters read the same frequency and
        seasonal period), a long Series for a long panel, else an array;
        ``X`` is the covariate array or frame, or None.
        """
        rows = self.y_panel_.n_rows if rows is None else rows
        if self.y_kind_ == "long":
            return self._long_history_data(start, rows, series)
        # A wide y was a rectangle when given: its rows come back as one.
        y = self.y_panel_.rows(start, rows, series)
        X = self._X_rows(start, rows)
        index = None if self.index_ is None else self.index_[start:rows]
        names_in = getattr(self, "feature_names_in_", None)
        if X is not None and names_in is not None:
            X = pd.DataFrame(X, index=index, columns=names_in)
        if self.index_ is None:
            return X, (y[:, 0] if self.y_ndim_ == 1 and series is None else y)
        names = self.series_names_
        if self.y_ndim_ == 1 and series is None:
            return X, pd.Series(y[:, 0], index=index, name=self.series_name_)
        columns = names if names is None or series is None else names[series]
        return X, pd.DataFrame(y, index=index, columns=columns)

    def _long_history_data(self, start, rows, series):
        """:meth:`_history_data` of a long panel: ``(X, y)`` in the long layout."""
        layout = _panel.LongPanel(
            None, None, None, self.series_names_, self.series_ends_, self.freq_,
            self.long_names_, self.series_name_,
        )
        return _panel.to_long(
            self.y_panel_, self.X_panel_, layout, start, rows, series,
            columns=getattr(self, "feature_names_in_", None),
        )

    def _future_frame(self, n_steps, X):
        """The ``n_steps`` future rows as a DataFrame on the future index.

        ``X`` is the covariate array of those steps (or None); the frame has
        the fitted covariate names, or no columns without covariates.
        """
        if self.y_kind_ == "long":
            index = _panel.future_long_index(
                self.series_names_, self.series_ends_, self.freq_, n_steps, self.long_names_
            )
            if X is None:
                return pd.DataFrame(index=index)
            rows = np.asarray(X).transpose(1, 0, 2).reshape(len(index), -1)  # series-major
            return pd.DataFrame(rows, index=index, columns=getattr(self, "feature_names_in_", None))
        if self.index_ is not None:
            # The history's index name (a "month" column set as the index)
            # carries over, as it would in the user's own continuation.
            index = future_index(self.index_, self.freq_, n_steps).rename(self.index_.name)
        else:
            n = self.y_panel_.n_rows
            index = pd.RangeIndex(n, n + n_steps)
        if X is None:
            return pd.DataFrame(index=index)
        return pd.DataFrame(X, index=index, columns=getattr(self, "feature_names_in_", None))

    def _X_rows(self, start, stop):
        """Covariates of aligned rows ``start .. stop - 1`` as a dense block, or None.

        (rows, n_features) when shared by all series, (rows, n_series,
        n_features) per series (NaN before a series starts): the block only.
        """
        X = self.X_panel_
        if X is None or isinstance(X, np.ndarray):
            return None if X is None else X[start:stop]
        return X.rows(start, stop)

    def _series_label(self, i):
        return self.series_names_[i] if self.series_names_ is not None else i

    def _validate_future(self, X):
        """Check ``X`` against the history: (rows, gap, covariates, out index)."""
        if X is None:
            raise ValueError(
                "predict needs X to know which steps to forecast: one row per future "
                "step (a DataFrame with no columns is fine without covariates); "
                "or call forecast(steps)."
            )
        if isinstance(X, (numbers.Number, str, bytes)) or (
            isinstance(X, np.ndarray) and X.ndim == 0
        ):
            # predict(12) reads like "the next 12 steps" but X is the rows of
            # the future (sklearn's contract): say so instead of sklearn's
            # "Expected 2D array, got scalar array".
            raise ValueError(
                f"X must be the future rows (a DataFrame or array with one row per step to "
                f"forecast), not {X!r}. For the next n steps call forecast(n); its index "
                "gives the rows for the other methods: "
                "predict_interval(pd.DataFrame(index=model.forecast(n).index))."
            )
        if self.y_kind_ == "long":
            return self._validate_long_future(X)
        X_index = _index_of(X)
        X_arr, n_rows = self._check_X(X, None, reset=False)
        gap = 0
        if X_index is not None and self.index_ is not None:
            gap = self._gap_before(X_index)
        out_index = X_index
        if out_index is None and self.y_kind_ != "array" and self.index_ is not None:
            out_index = future_index(self.index_, self.freq_, n_rows)
        elif out_index is None and self.index_ is None:
            # No time index: the positions after the history, as forecast()
            # numbers its rows (intervals of predict(array) were 0, 1, ...).
            n = self.y_panel_.n_rows
            out_index = pd.RangeIndex(n, n + n_rows)
        if X_arr is not None and gap:
            # The covariates of skipped steps are unknown: carry the last
            # observed ones forward, and say so where it matters.
            if self._reads_skipped_covariates():
                _warn_carried_covariates(
                    gap, f"X starts {gap + 1} steps after the history's end")
            X_arr = np.vstack([np.repeat(self.X_panel_[-1:], gap, axis=0), X_arr])
        return n_rows, gap, X_arr, out_index

    def _validate_long_future(self, X):
        """The future rows of a long panel: each (series, time) from its series' own end."""
        if not _panel.is_long(X) or not isinstance(X, pd.DataFrame):
            raise ValueError(
                f"{type(self).__name__} was fitted on a long panel, so X must be a DataFrame "
                "indexed by (series, time) with the steps to forecast (no columns without "
                "covariates); forecast(steps) builds it for every series."
            )
        positions, steps = _panel.locate_future(
            X.index, self.series_names_, self.series_ends_, self.freq_
        )
        X_arr, _ = self._check_X(X.reset_index(drop=True), None, reset=False, rows=X.index)
        n_rows = int(steps.max())
        X_future = None
        if X_arr is not None:
            # Steps X does not give (before a series' first requested step, or
            # of series it leaves out) keep the series' last observed covariates.
            X_future = np.repeat(self.X_panel_.last()[None], n_rows, axis=0)
            X_future[steps - 1, positions] = X_arr
            # Steps up to a series' last requested one that X leaves out.
            n_series = len(self.series_names_)
            last = np.zeros(n_series, dtype=np.int64)
            np.maximum.at(last, positions, steps)
            left_out = last - np.bincount(positions, minlength=n_series)
            gaps = np.flatnonzero(left_out > 0)
            if len(gaps) and self._reads_skipped_covariates():
                _warn_carried_covariates(
                    int(left_out[gaps[0]]),
                    f"X leaves out {int(left_out[gaps[0]])} of the first {int(last[gaps[0]])} "
                    f"steps after the end of series {_plain(self.series_names_[gaps[0]])!r}",
                    len(gaps),
                )
        return n_rows, 0, X_future, _LongRows(X.index, positions, steps)

    def _gap_before(self, X_index):
        same_kind = isinstance(X_index, pd.DatetimeIndex) == isinstance(
            self.index_, pd.DatetimeIndex
        ) and isinstance(X_index, pd.PeriodIndex) == isinstance(self.index_, pd.PeriodIndex)
        if not same_kind:
            raise ValueError(
                f"X is indexed by {type(X_index).__name__} but the history by "
                f"{type(self.index_).__name__}; X's index must continue the history's."
            )
        X_index = self._in_history_zone(X_index, "X")
        step = steps_between(self.index_, self.freq_, X_index[0])
        if step is None:
            raise ValueError(
                f"X starts at {X_index[0]}, which is not on the history's time grid "
                f"(frequency {self._freq_name()}, last timestamp {self.index_[-1]})."
            )
        if step < 1:
            raise ValueError(
                f"X starts at {X_index[0]}, inside the history that ends at "
                f"{self.index_[-1]}; X must start after the history (the first "
                f"forecastable step is {future_index(self.index_, self.freq_, 1)[0]})."
            )
        expected = future_index(self.index_, self.freq_, step - 1 + len(X_index))[step - 1:]
        if not X_index.equals(expected):
            raise ValueError(
                f"X's index is not regularly spaced with the history's frequency "
                f"{self._freq_name()}; expected {expected[:3].tolist()}..., got "
                f"{X_index[:3].tolist()}...."
            )
        return step - 1

    def _in_history_zone(self, index, name):
        """``index`` in the history's time zone; raise if it is in another.

        A DatetimeIndex must have the history's zone. The same zone under
        another name or implementation (``Etc/UTC`` for ``UTC``, dateutil's
        for zoneinfo's, as a pickle round trip may give) shows the same wall
        clock at every timestamp: it is converted, not refused.
        """
        if not (isinstance(index, pd.DatetimeIndex) and isinstance(self.index_, pd.DatetimeIndex)):
            return index
        ours, theirs = self.index_.tz, index.tz
        if str(ours) == str(theirs):
            return index
        if ours is not None and theirs is not None:
            converted = index.tz_convert(ours)
            if converted.tz_localize(None).equals(index.tz_localize(None)):
                return converted  # the same wall clock: the same zone
        fix = (f"{name}.tz_convert({str(ours)!r})" if ours is not None and theirs is not None
               else f"{name}.tz_localize({str(ours)!r})" if ours is not None
               else f"{name}.tz_localize(None)")

        def zone(tz):
            return f"in time zone {tz}" if tz is not None else "without a time zone"

        raise ValueError(
            f"The index of {name} is {zone(theirs)} but the history's is {zone(ours)}; "
            f"give {name} in the history's time zone (e.g. the index of {fix})."
        )

    def _freq_name(self):
        return getattr(self.freq_, "freqstr", self.freq_)

    # ---------------------------------------------------------------- output
    def _wrap(self, y_pred, index):
        if self.y_ndim_ == 1:
            y_pred = y_pred[:, 0]
        if self.y_kind_ == "array":
            return y_pred
        if index is None:
            index = pd.RangeIndex(len(y_pred))
        if y_pred.ndim == 1:
            return pd.Series(y_pred, index=index, name=self.series_name_)
        return pd.DataFrame(y_pred, index=index, columns=self.series_names_)

    # ------------------------------------------------------------- helpers
    def _seasonal_period(self, seasonal_period):
        """Resolve a ``seasonal_period`` parameter; record how in ``seasonal_period_source_``.

        One precedence rule (:mod:`seqforecast._time`): an explicit value,
        else the frequency of the time index, else the period detected from
        the history's autocorrelation (no index, or one without frequency).
        """
        period, self.seasonal_period_source_ = resolve_seasonal_period(
            seasonal_period, self.freq_, self.y_panel_
        )
        if (self.seasonal_period_source_ == "parameter" and period > 1
                and self._estimates_season_from_two_cycles()
                and 2 * period > int(np.max(self.y_panel_.lengths, initial=0))):
            # No data-dependent length in the message: the shorter fits of a
            # backtest repeat one warning, shown once.
            _warn_at_user_line(
                f"{type(self).__name__}: seasonal_period={period} is longer than half of "
                f"every series; a season is estimated from two cycles of it at least "
                f"({2 * period} observations), so the model is fitted without one. Give "
                "a shorter seasonal_period or a longer history."
            )
        return period

    def _day_and_week(self, seasonal_period):
        """``(period, week)``: the resolved period and, for data that cycle over the week, the week.

        ``week`` is ``7 * period`` (168 or 336) when no ``seasonal_period``
        was given and hourly or half-hourly data (a period of 24 or 48 from
        the index or the data) also cycle over the week
        (:func:`~seqforecast._time.weekly_cycle`; ``seasonal_period_source_``
        is then ``"detected"``), else None.
        """
        period = self._seasonal_period(seasonal_period)
        if seasonal_period is None and weekly_cycle(self.y_panel_, period):
            self.seasonal_period_source_ = "detected"
            return period, WEEK_OF_DAYS * period
        return period, None

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        tags.target_tags.single_output = True
        # A forecast of random noise cannot reach R^2 > 0.5.
        tags.regressor_tags.poor_score = True
        return tags
