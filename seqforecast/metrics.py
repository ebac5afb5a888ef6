"""Forecast accuracy metrics and scikit-learn scorers.

Every metric takes one series (array of shape (n_timesteps,) or
``pd.Series``) or a panel (array of shape (n_timesteps, n_series) or
``pd.DataFrame``, one column per series). A panel is scored series by series
and the per-series scores are then combined as ``multioutput`` says, as in
scikit-learn: ``"uniform_average"`` (the default) returns their mean,
``"raw_values"`` returns one score per series, an array of weights returns
their weighted mean.

Values are matched by position, so a forecast can be scored against a test
set given as an array or indexed by anything else. Where two inputs both carry
a time index (``DatetimeIndex`` or ``PeriodIndex``), the timestamps must be
the same: a forecast of 1960 scored against the observations of 1990, or
against them in reverse order, is an error rather than a plausible score; so
is a ``y_train`` whose timestamps reach into those of ``y_true`` (the scale of
:func:`mase` and :func:`msis` is the error in sample, before the forecast).
When two DataFrames are passed their columns must be equal.

The scaled metrics (:func:`mase`, :func:`msis`) divide by the in-sample mean
absolute error of the seasonal-naive forecast of ``y_train``, computed per
series on its observed part (``y_train`` may hold leading NaN for series that
start later, as in :class:`~seqforecast.base.BaseForecaster`).

This module needs only numpy (and pandas inputs are accepted, not required).
"""

from __future__ import annotations

from numbers import Real

import numpy as np
import pandas as pd
from sklearn.compose import TransformedTargetRegressor
from sklearn.metrics import make_scorer
from sklearn.pipeline import Pipeline
from sklearn.utils import check_array

from seqforecast import _panel
from seqforecast._checks import (
    POSITIVE_INT,
    Interval,
    check_params,
    plain_frame_values,
    real_numbers,
)
from seqforecast._time import resolve_seasonal_period

__all__ = [
    "coverage",
    "interval_width",
    "mae",
    "make_mase_scorer",
    "mase",
    "mase_scorer",
    "msis",
    "pinball_loss",
    "rmse",
    "smape",
    "smape_scorer",
]

_MULTIOUTPUT = ("raw_values", "uniform_average")


# --------------------------------------------------------------- validation
def _series_names(objs, n_series):
    """Column names of the first DataFrame among ``objs``, else positions."""
    for obj in objs:
        if isinstance(obj, pd.DataFrame):
            return list(obj.columns)
    return list(range(n_series))


def _describe(position, column, names, ndim):
    if ndim == 1:
        return f"position {position}"
    return f"position {position} of series {names[column]!r}"


def _check_values(obj, name, *, allow_nd=False):
    """float64 array of ``obj``; NaN and infinity raise ValueError."""
    arr = check_array(
        plain_frame_values(obj),
        ensure_2d=False,
        allow_nd=allow_nd,
        dtype=np.float64,
        ensure_all_finite="allow-nan",
        input_name=name,
    )
    if arr.ndim > 2 and not allow_nd:  # pragma: no cover - check_array rejects it
        raise ValueError(f"{name} must be 1-D or 2-D, got {arr.ndim} dimensions.")
    if arr.ndim == 0:
        raise ValueError(f"{name} must be 1-D or 2-D, got a scalar.")
    return arr


def _of_y_train(column, names, ndim):
    return "y_train" if ndim == 1 else f"Series {names[column]!r} of y_train"


def _raise_on_nan(arr, name, names):
    nan = np.isnan(arr)
    if nan.any():
        where = np.argwhere(nan)[0]
        column = where[1] if arr.ndim > 1 else 0
        raise ValueError(
            f"{name} contains NaN at {_describe(where[0], column, names, arr.ndim)}; "
            "metrics need complete observations and forecasts. Drop or impute the "
            "missing values first."
        )


def _time_index(obj):
    """The DatetimeIndex or PeriodIndex of a Series or DataFrame, else None."""
    index = getattr(obj, "index", None)
    if isinstance(obj, (pd.Series, pd.DataFrame)) and isinstance(
            index, (pd.DatetimeIndex, pd.PeriodIndex)):
        return index
    return None


def _span(index):
    return f"{index[0]} .. {index[-1]}" if len(index) else "no timestamps"


def _check_time_indexes(named):
    """Inputs that both carry a time index must carry the same timestamps.

    Arrays and other indexes (a RangeIndex, integer steps) are matched by
    position; two time indexes of the same length that differ (an
    off-by-one slice, another year, reversed rows) would otherwise give a
    plausible, wrong score.
    """
    dated = [(name, index) for name, obj in named.items()
             if (index := _time_index(obj)) is not None]
    for name, index in dated[1:]:
        first_name, first = dated[0]
        if len(index) != len(first) or type(index) is not type(first):
            continue  # the shape check, or a mix of dates and periods: by position
        if not index.equals(first):
            raise ValueError(
                f"{first_name} and {name} are indexed by different timestamps "
                f"({first_name}: {_span(first)}; {name}: {_span(index)}); a forecast is "
                f"scored against the observations of the same timestamps. Align them "
                f"(e.g. {name}.reindex({first_name}.index)) or pass arrays "
                "(.to_numpy()) to match them by position."
            )


def _check_train_before(y_train, y_true):
    """A dated ``y_train`` must end before a dated ``y_true`` starts."""
    train, test = _time_index(y_train), _time_index(y_true)
    if (train is None or test is None or type(train) is not type(test)
            or not len(train) or not len(test)):
        return
    try:
        overlap = train[-1] >= test[0]
    except TypeError:  # periods of other frequencies, dates of other time zones
        return
    if overlap:
        raise ValueError(
            f"y_train runs to {train[-1]}, into the scored period of y_true "
            f"({_span(test)}); the scale is the seasonal-naive error of the history "
            "before the forecast. Give the training part only (e.g. "
            "y_train[y_train.index < y_true.index[0]])."
        )


def _check_columns(named):
    """Two DataFrames must name the same series in the same order."""
    frames = [(name, obj) for name, obj in named.items() if isinstance(obj, pd.DataFrame)]
    for name, obj in frames[1:]:
        first_name, first = frames[0]
        if not obj.columns.equals(first.columns):
            raise ValueError(
                f"{first_name} and {name} are DataFrames with different columns "
                f"({list(first.columns)[:5]} vs {list(obj.columns)[:5]}); they must "
                "hold the same series in the same order."
            )


def _as_wide(obj, name):
    """A long panel (indexed by (series, time)) as a wide frame; anything else as it is.

    Columns are the series in sorted order, each right-aligned at its own
    end (as the forecasters align them), so that two long panels of the same
    series line up column by column.
    """
    if not _panel.is_long(obj):
        return obj
    panel = _panel.split_long(obj, what=name)
    order = _wide_order(panel.ids)
    return pd.DataFrame(panel.y[:, order], columns=panel.ids[order])


def _wide_order(ids):
    """Positions of the series ``ids`` in the order of the wide frames: sorted as strings."""
    return np.argsort(np.asarray(ids, dtype=object).astype(str), kind="stable")


def _wide_panels(named):
    """``named`` with long panels made wide; long ones must hold the same pairs."""
    longs = {name: obj for name, obj in named.items() if _panel.is_long(obj)}
    if not longs:
        return named
    if len(longs) != len(named):
        wide = [name for name in named if name not in longs]
        raise ValueError(
            f"{', '.join(longs)} {'is' if len(longs) == 1 else 'are'} indexed by "
            f"(series, time) but {', '.join(wide)} {'is' if len(wide) == 1 else 'are'} not; "
            "give all of them in the same layout."
        )
    (first, reference), *others = longs.items()
    for name, obj in others:
        if len(obj) != len(reference) or not obj.index.isin(reference.index).all():
            raise ValueError(
                f"{first} and {name} must hold the same (series, time) pairs; they do not."
            )
    return {name: _as_wide(obj, name) for name, obj in named.items()}


def _check_panels(**named):
    """Validate arrays that must share one shape.

    Returns the arrays as 2-D float64 (n_timesteps, n_series), the series
    names and whether the inputs were 1-D. ``(n,)`` and ``(n, 1)`` both mean
    one series and may be mixed. Long panels (indexed by (series, time)) are
    scored series by series, each aligned at its own end.
    """
    _check_time_indexes(named)
    named = _wide_panels(named)
    arrays = {name: _check_values(obj, name) for name, obj in named.items()}
    shapes = {name: arr.shape for name, arr in arrays.items()}
    shapes_2d = {arr.shape if arr.ndim == 2 else (len(arr), 1) for arr in arrays.values()}
    if len(shapes_2d) > 1:
        listed = ", ".join(f"{name} {shape}" for name, shape in shapes.items())
        raise ValueError(
            f"Shape mismatch: {listed}; they must all have shape (n_timesteps,) for "
            "one series or (n_timesteps, n_series) for a panel."
        )
    _check_columns(named)
    n_series = next(iter(shapes_2d))[1]
    names = _series_names(named.values(), n_series)
    out = []
    for name, arr in arrays.items():
        _raise_on_nan(arr, name, names)
        out.append(arr if arr.ndim == 2 else arr[:, None])
    one_d = all(arr.ndim == 1 for arr in arrays.values())
    return out, names, one_d


def _check_intervals(lower, upper, names, one_d):
    above = lower > upper
    if above.any():
        t, j = np.argwhere(above)[0]
        raise ValueError(
            f"lower is above upper at {_describe(t, j, names, 1 if one_d else 2)} "
            f"({lower[t, j]} > {upper[t, j]}); each interval must have lower <= upper."
        )


def _check_seasonal_period(seasonal_period, owner):
    check_params(owner, {"seasonal_period": seasonal_period}, {"seasonal_period": POSITIVE_INT})
    return int(seasonal_period)


def _aggregate(scores, multioutput):
    """Combine per-series scores as scikit-learn's ``multioutput`` does."""
    expected = (
        f"multioutput must be one of {_MULTIOUTPUT} or an array of {len(scores)} numeric "
        f"weights (one per series), got {multioutput!r}."
    )
    if isinstance(multioutput, str):
        if multioutput == "raw_values":
            return scores
        if multioutput == "uniform_average":
            return float(np.mean(scores))
        raise ValueError(expected)
    # None is not weights (np.asarray would make it an object scalar), and
    # bools or text would become 1/0 or fail inside numpy.
    try:
        weights = None if multioutput is None else np.asarray(multioutput)
    except (TypeError, ValueError):  # ragged nested lists
        weights = None
    if weights is not None and weights.dtype == object:
        weights = weights.astype(np.float64) if real_numbers(weights) else None
    if weights is None or weights.ndim == 0 or weights.dtype.kind not in "iuf":
        raise ValueError(expected)
    weights = weights.astype(np.float64)
    if weights.shape != scores.shape:
        raise ValueError(
            f"multioutput weights have shape {weights.shape} but there are "
            f"{len(scores)} series; give one weight per series."
        )
    total = weights.sum()
    if not np.isfinite(total) or total == 0:
        raise ValueError(
            f"multioutput weights must have a finite, non-zero sum to average the "
            f"per-series scores, got weights {weights.tolist()} (sum {total})."
        )
    return float(np.average(scores, weights=weights))


# A seasonal-naive scale at most this fraction of the series' mean absolute
# value counts as 0: 256 float64 rounding units (6e-14), where a sampled sine
# repeating itself measures 0.2 to 11 of them, and a real change of 0.1 on a
# level of 2e9 measures 2.5e5.
_SCALE_RTOL = 256 * np.finfo(np.float64).eps


def _seasonal_naive_scale(seasonal_period, n_series, objs, owner):
    """In-sample MAE of the seasonal-naive forecast of ``objs["y_train"]``, per series.

    ``objs`` holds the metric's inputs by name (for the series names);
    ``y_train`` may have leading NaN (a series that starts later); the scale
    of each series uses its observed part only. A fitted forecaster's
    history may come as its :class:`~seqforecast._panel.RaggedPanel`
    (``mase_scorer``), read series by series without the rectangle.
    ``owner`` is the metric's name, for the messages.
    """
    m = _check_seasonal_period(seasonal_period, owner)
    objs = {name: _as_wide(obj, name) for name, obj in objs.items()}
    y_train = objs["y_train"]
    if y_train is None:
        raise ValueError(
            "y_train is required: the scale is the in-sample seasonal-naive error "
            "of the training history."
        )
    _check_train_before(y_train, objs.get("y_true"))
    ragged = isinstance(y_train, _panel.RaggedPanel)
    if ragged:
        objs = {name: obj for name, obj in objs.items() if name != "y_train"}
        train_series = y_train.n_series
    else:
        train = _check_values(y_train, "y_train")
        if train.ndim == 1:
            train = train[:, None]
        train_series = train.shape[1]
    if train_series != n_series:
        raise ValueError(
            f"y_train has {train_series} series but y_true has {n_series}; "
            "give the training history of each scored series."
        )
    _check_columns(objs)
    names = _series_names(objs.values(), n_series)
    ndim = 1 if n_series == 1 and (ragged or np.ndim(y_train) == 1) else 2
    if ragged:
        n_obs = y_train.lengths
    else:
        nan = np.isnan(train)
        started = np.logical_or.accumulate(~nan, axis=0)
        if (nan & started).any():
            t, j = np.argwhere(nan & started)[0]
            raise ValueError(
                f"y_train has a NaN at {_describe(t, j, names, ndim)} inside the history; "
                "only leading NaN (a series that starts later) is allowed."
            )
        n_obs = started.sum(axis=0)
    short = np.flatnonzero(n_obs <= m)
    if len(short):
        j = short[0]
        raise ValueError(
            f"{_of_y_train(j, names, ndim)} has {n_obs[j]} observations but the "
            f"seasonal-naive scale with seasonal_period={m} needs at least {m + 1}."
        )
    if ragged:  # the pairs within each series, summed in time order
        scale = y_train.mean_abs_change(m)
        level = y_train.series_sum(absolute=True) / n_obs
    else:
        # Pairs that involve a leading NaN give NaN and are left out of the mean.
        scale = np.nanmean(np.abs(train[m:] - train[:-m]), axis=0)
        level = np.nanmean(np.abs(train), axis=0)
    # A scale at the rounding error of the values is 0 too (a sine sampled
    # once per period differs from itself by 1e-16): dividing by it would
    # give errors of 1e15.
    zero = np.flatnonzero(scale <= _SCALE_RTOL * level)
    if len(zero):
        raise ValueError(
            f"{_of_y_train(zero[0], names, ndim)} has a seasonal-naive scale of 0 "
            f"(it repeats itself every seasonal_period={m} steps), so the scaled "
            "error is undefined for it; leave it out or use an unscaled metric."
        )
    return scale


# ------------------------------------------------------------ point metrics
def mae(y_true, y_pred, *, multioutput="uniform_average"):
    """Mean absolute error.

    Parameters
    ----------
    y_true : array-like of shape (n_timesteps,) or (n_timesteps, n_series)
        Observed values (Series and DataFrames accepted).
    y_pred : array-like of the same shape
        Forecasts.
    multioutput : {"uniform_average", "raw_values"} or array-like of shape \
(n_series,), default="uniform_average"
        How per-series scores are combined: their mean, all of them, or their
        weighted mean.

    Returns
    -------
    float or ndarray of shape (n_series,)
        The error; one value per series with ``multioutput="raw_values"``.

    See Also
    --------
    rmse : Root mean squared error.
    mase : The same error scaled by the seasonal-naive error in sample.

    Examples
    --------
    >>> from seqforecast.metrics import mae
    >>> mae([1.0, 2.0, 3.0], [2.0, 2.0, 5.0])
    1.0
    """
    (yt, yp), _, _ = _check_panels(y_true=y_true, y_pred=y_pred)
    return _aggregate(np.mean(np.abs(yt - yp), axis=0), multioutput)


def rmse(y_true, y_pred, *, multioutput="uniform_average"):
    """Root mean squared error (the root is taken per series, then averaged).

    Parameters are those of :func:`mae`.

    Returns
    -------
    float or ndarray of shape (n_series,)
        The error; one value per series with ``multioutput="raw_values"``.

    Examples
    --------
    >>> from seqforecast.metrics import rmse
    >>> rmse([1.0, 2.0, 3.0, 4.0], [1.0, 2.0, 3.0, 8.0])
    2.0
    """
    (yt, yp), _, _ = _check_panels(y_true=y_true, y_pred=y_pred)
    return _aggregate(np.sqrt(np.mean((yt - yp) ** 2, axis=0)), multioutput)


def smape(y_true, y_pred, *, multioutput="uniform_average"):
    """Symmetric mean absolute percentage error, in percent (0 to 200).

    ``mean(200 * |y - f| / (|y| + |f|))`` over the timesteps of each series,
    the definition of the M3 and M4 competitions; a term where both ``y`` and
    ``f`` are 0 counts as 0 (a perfect forecast).

    Parameters are those of :func:`mae`.

    Returns
    -------
    float or ndarray of shape (n_series,)
        The error in percent; one value per series with
        ``multioutput="raw_values"``.

    Examples
    --------
    >>> from seqforecast.metrics import smape
    >>> smape([100.0, 100.0], [100.0, 300.0])
    50.0
    """
    (yt, yp), _, _ = _check_panels(y_true=y_true, y_pred=y_pred)
    # Divide each pair by a power of two near the larger of its two values
    # (exact in floating point, so ordinary values give the same result):
    # |y| + |f| and |y - f| would overflow for values near 1e308.
    with np.errstate(invalid="ignore"):
        exponent = np.frexp(np.maximum(np.abs(yt), np.abs(yp)))[1]
    scale = np.ldexp(1.0, exponent - 1)
    yt, yp = yt / scale, yp / scale
    num = np.abs(yt - yp)
    den = np.abs(yt) + np.abs(yp)
    # Dividing before scaling keeps each term <= 200 despite rounding.
    ratio = np.divide(num, den, out=np.zeros_like(num), where=den > 0)
    return _aggregate(200.0 * np.mean(ratio, axis=0), multioutput)


def mase(y_true, y_pred, *, y_train, seasonal_period=1, multioutput="uniform_average"):
    """Mean absolute scaled error.

    The mean absolute error of each series divided by the in-sample mean
    absolute error of its seasonal-naive forecast,
    ``mean(|y_train[t] - y_train[t - seasonal_period]|)`` (Hyndman & Koehler,
    2006). Below 1, the forecast beats the seasonal-naive one in sample.

    Parameters
    ----------
    y_true : array-like of shape (n_timesteps,) or (n_timesteps, n_series)
        Observed values.
    y_pred : array-like of the same shape
        Forecasts.
    y_train : array-like of shape (n_train,) or (n_train, n_series)
        The training history of each series; leading NaN mark series that
        start later. Each series needs more than ``seasonal_period``
        observations and must not be constant over its seasons.
    seasonal_period : int, default=1
        Lag of the naive forecast used for scaling (12 for monthly data, 4
        for quarterly, 1 for none).
    multioutput : {"uniform_average", "raw_values"} or array-like of shape \
(n_series,), default="uniform_average"
        How per-series scores are combined.

    Returns
    -------
    float or ndarray of shape (n_series,)
        The scaled error; one value per series with
        ``multioutput="raw_values"``.

    Raises
    ------
    ValueError
        If a series' scale is 0, naming the series.

    Examples
    --------
    >>> from seqforecast.metrics import mase
    >>> mase([5.0, 6.0], [4.0, 4.0], y_train=[1.0, 2.0, 3.0, 4.0])
    1.5
    """
    named = _wide_panels({"y_true": y_true, "y_pred": y_pred})  # long panels made wide once
    (yt, yp), _, _ = _check_panels(**named)
    scale = _seasonal_naive_scale(
        seasonal_period, yt.shape[1], {**named, "y_train": y_train}, "mase"
    )
    return _aggregate(np.mean(np.abs(yt - yp), axis=0) / scale, multioutput)


# ---------------------------------------------------- probabilistic metrics
def pinball_loss(y_true, y_quantile, quantile, *, multioutput="uniform_average"):
    """Pinball (quantile) loss of quantile forecasts.

    For a quantile ``q`` and forecast ``f`` the loss of an observation ``y``
    is ``q * (y - f)`` when ``y >= f`` and ``(1 - q) * (f - y)`` otherwise;
    it is averaged over the timesteps (and over the quantiles when several
    are given) of each series. With ``quantile=0.5`` it is half the MAE.

    Parameters
    ----------
    y_true : array-like of shape (n_timesteps,) or (n_timesteps, n_series)
        Observed values.
    y_quantile : array-like
        Quantile forecasts. With a single ``quantile``: the shape of
        ``y_true``. With a sequence of ``n_quantiles`` quantiles: the shape
        of ``y_true`` plus a last axis, (n_timesteps, n_quantiles) or
        (n_timesteps, n_series, n_quantiles), whose ``k``-th slice holds the
        forecasts of ``quantile[k]``. A ``predict_quantiles`` frame is read
        by its column labels (with a single ``quantile`` too, whose label
        it must hold), and a ``predict_interval`` frame's ``lower``
        and ``upper`` bounds as the lower and the upper of two levels (in
        either order); either may be a wide or a long panel's.
    quantile : float or sequence of float
        The quantile level(s), each in [0, 1].
    multioutput : {"uniform_average", "raw_values"} or array-like of shape \
(n_series,), default="uniform_average"
        How per-series scores are combined.

    Returns
    -------
    float or ndarray of shape (n_series,)
        The loss; one value per series with ``multioutput="raw_values"``.

    Examples
    --------
    >>> from seqforecast.metrics import pinball_loss
    >>> pinball_loss([10.0, 10.0], [8.0, 12.0], quantile=0.9)
    1.0
    >>> pinball_loss([10.0, 10.0], [[8.0, 9.0], [12.0, 13.0]], quantile=[0.1, 0.9])
    0.8
    """
    levels = np.asarray(quantile, dtype=np.float64)
    if levels.ndim > 1 or levels.size == 0 or np.any(~((levels >= 0) & (levels <= 1))):
        raise ValueError(
            f"quantile must be a level in [0, 1] or a sequence of such levels, "
            f"got {quantile!r}."
        )
    if levels.ndim == 0 and _labelled_by_level(y_quantile, y_true):
        # A predict_quantiles frame with one level: read by its label, so
        # that a frame of another level (q[[0.9]] with quantile=0.1) is an
        # error rather than a loss of the wrong level.
        levels = levels.reshape(1)
    by_level = None if levels.ndim == 0 else _quantile_columns(y_quantile, y_true, levels)
    if levels.ndim == 0:
        (yt, yq), _, _ = _check_panels(y_true=y_true, y_quantile=y_quantile)
        yq = yq[:, :, None]
    elif by_level is not None:
        # A predict_quantiles frame: each level is checked and aligned with
        # y_true as a single level is (rows of a long panel by (series,
        # time), a wide panel's columns by name).
        checked = [_check_panels(y_true=y_true, y_quantile=part)[0] for part in by_level]
        yt = checked[0][0]
        yq = np.stack([pair[1] for pair in checked], axis=2)
    else:
        yt_arr = _check_values(y_true, "y_true")
        yq = _check_values(y_quantile, "y_quantile", allow_nd=True)
        expected = (*yt_arr.shape, len(levels))
        if yq.shape != expected:
            raise ValueError(
                f"y_quantile has shape {yq.shape} but y_true has shape {yt_arr.shape} "
                f"and {len(levels)} quantiles were given; expected {expected} "
                "(the shape of y_true plus one last axis for the quantiles)."
            )
        _check_columns({"y_true": y_true, "y_quantile": y_quantile})
        yt_2d = yt_arr if yt_arr.ndim == 2 else yt_arr[:, None]
        names = _series_names([y_true], yt_2d.shape[1])
        _raise_on_nan(yt_arr, "y_true", names)
        if np.isnan(yq).any():
            raise ValueError(
                "y_quantile contains NaN; metrics need complete forecasts. Drop or "
                "impute the missing values first."
            )
        yt = yt_2d
        yq = yq.reshape(yt.shape[0], yt.shape[1], len(levels))
    diff = yt[:, :, None] - yq
    loss = np.maximum(levels * diff, (levels - 1) * diff)
    return _aggregate(loss.mean(axis=(0, 2)), multioutput)


def _labelled_by_level(y_quantile, y_true):
    """Whether ``y_quantile`` is a frame whose columns (or their last level) are float levels.

    A wide panel whose series happen to have float names (those of
    ``y_true``) is not.
    """
    if not isinstance(y_quantile, pd.DataFrame):
        return False
    columns = y_quantile.columns
    if isinstance(columns, pd.MultiIndex):
        return columns.nlevels == 2 and columns.get_level_values(1).dtype.kind == "f"
    return columns.dtype.kind == "f" and not (
        isinstance(y_true, pd.DataFrame) and columns.equals(y_true.columns))


def _quantile_columns(y_quantile, y_true, levels):
    """Each level's forecasts from a frame whose columns are labelled by quantile.

    A ``predict_quantiles`` frame: float column labels (one series, or a
    long panel's rows) or columns (series, quantile) of a wide panel; or a
    ``predict_interval`` frame, whose ``lower`` and ``upper`` bounds are the
    two levels. Its columns are picked by label, in the order of ``levels``
    (a wide panel's series in the order of ``y_true``'s columns); anything
    else is None and read by position.
    """
    if not isinstance(y_quantile, pd.DataFrame):
        return None
    columns = y_quantile.columns
    if isinstance(columns, pd.MultiIndex) and columns.nlevels == 2:
        found = columns.get_level_values(1).unique()

        def pick(q):
            part = y_quantile.xs(q, level=1, axis=1)
            same = isinstance(y_true, pd.DataFrame) and set(part.columns) == set(y_true.columns)
            return part[y_true.columns] if same else part
    elif not isinstance(columns, pd.MultiIndex):
        found = columns

        def pick(q):
            return y_quantile[q]
    else:
        return None
    if len(found) == 2 and set(found) == {"lower", "upper"}:
        # A predict_interval frame: its bounds are the lower and the upper
        # of the two levels, whichever order they are given in.
        if len(levels) != 2:
            raise ValueError(
                f"y_quantile holds interval bounds ('lower', 'upper') but "
                f"quantile={levels.tolist()}; give the two levels of the bounds, e.g. "
                "[0.05, 0.95] for 90 % intervals."
            )
        return [pick("lower" if level == levels.min() else "upper") for level in levels]
    numeric = (columns.dtype.kind == "f" if found is columns
               else all(isinstance(q, Real) for q in found))
    if not numeric:
        return None  # columns not labelled by level: read by position
    wanted = [next((q for q in found if np.isclose(float(q), level)), None) for level in levels]
    if any(q is None for q in wanted) or len(found) != len(levels):
        raise ValueError(
            f"y_quantile holds the quantiles {list(found)} but quantile={levels.tolist()}; "
            "give the levels of its columns."
        )
    return [pick(q) for q in wanted]


def coverage(y_true, lower, upper, *, multioutput="uniform_average"):
    """Fraction of observations inside their prediction interval.

    An observation counts as covered when ``lower <= y <= upper``. Compare
    with the nominal coverage of the intervals (0.9 for 90 % intervals).

    Parameters
    ----------
    y_true : array-like of shape (n_timesteps,) or (n_timesteps, n_series)
        Observed values.
    lower, upper : array-like of the same shape
        Interval bounds, ``lower <= upper``.
    multioutput : {"uniform_average", "raw_values"} or array-like of shape \
(n_series,), default="uniform_average"
        How per-series scores are combined.

    Returns
    -------
    float or ndarray of shape (n_series,)
        The covered fraction, in [0, 1].

    Examples
    --------
    >>> from seqforecast.metrics import coverage
    >>> coverage([1.0, 5.0, 3.0, 9.0], [0.0, 0.0, 0.0, 0.0], [4.0, 4.0, 4.0, 4.0])
    0.5
    """
    (yt, lo, up), names, one_d = _check_panels(y_true=y_true, lower=lower, upper=upper)
    _check_intervals(lo, up, names, one_d)
    inside = (lo <= yt) & (yt <= up)
    return _aggregate(inside.mean(axis=0), multioutput)


def interval_width(lower, upper, *, multioutput="uniform_average"):
    """Mean width ``upper - lower`` of prediction intervals.

    Parameters
    ----------
    lower, upper : array-like of shape (n_timesteps,) or (n_timesteps, n_series)
        Interval bounds, ``lower <= upper``.
    multioutput : {"uniform_average", "raw_values"} or array-like of shape \
(n_series,), default="uniform_average"
        How per-series scores are combined.

    Returns
    -------
    float or ndarray of shape (n_series,)
        The mean width, in the units of the data.

    Examples
    --------
    >>> from seqforecast.metrics import interval_width
    >>> interval_width([0.0, 1.0], [2.0, 5.0])
    3.0
    """
    (lo, up), names, one_d = _check_panels(lower=lower, upper=upper)
    _check_intervals(lo, up, names, one_d)
    return _aggregate(np.mean(up - lo, axis=0), multioutput)


def msis(
    y_true,
    lower,
    upper,
    *,
    y_train,
    seasonal_period=1,
    alpha=0.05,
    multioutput="uniform_average",
):
    """Mean scaled interval score of ``1 - alpha`` prediction intervals.

    The M4 competition's interval score: per series,
    ``mean(u - l + 2/alpha * (l - y) * 1{y < l} + 2/alpha * (y - u) * 1{y > u})``
    divided by the in-sample seasonal-naive MAE of ``y_train`` (the scale of
    :func:`mase`). Narrow intervals score low, misses are penalised in
    proportion to their distance.

    Parameters
    ----------
    y_true : array-like of shape (n_timesteps,) or (n_timesteps, n_series)
        Observed values.
    lower, upper : array-like of the same shape
        Bounds of the ``1 - alpha`` prediction intervals.
    y_train : array-like of shape (n_train,) or (n_train, n_series)
        The training history (leading NaN allowed), as in :func:`mase`.
    seasonal_period : int, default=1
        Lag of the naive forecast used for scaling.
    alpha : float, default=0.05
        One minus the nominal coverage of the intervals (0.05 for 95 %).
    multioutput : {"uniform_average", "raw_values"} or array-like of shape \
(n_series,), default="uniform_average"
        How per-series scores are combined.

    Returns
    -------
    float or ndarray of shape (n_series,)
        The score; one value per series with ``multioutput="raw_values"``.

    Examples
    --------
    >>> from seqforecast.metrics import msis
    >>> msis([5.0, 9.0], [4.0, 4.0], [6.0, 6.0], y_train=[1.0, 2.0, 3.0], alpha=0.5)
    8.0
    """
    check_params("msis", {"alpha": alpha}, {"alpha": [Interval(Real, 0, 1, closed="neither")]})
    named = _wide_panels({"y_true": y_true, "lower": lower, "upper": upper})
    (yt, lo, up), names, one_d = _check_panels(**named)
    _check_intervals(lo, up, names, one_d)
    scale = _seasonal_naive_scale(
        seasonal_period, yt.shape[1], {**named, "y_train": y_train}, "msis"
    )
    score = (
        (up - lo)
        + 2.0 / alpha * (lo - yt) * (yt < lo)
        + 2.0 / alpha * (yt - up) * (yt > up)
    )
    return _aggregate(np.mean(score, axis=0) / scale, multioutput)


# ------------------------------------------------------------------ scorers
smape_scorer = make_scorer(smape, greater_is_better=False)
smape_scorer.__doc__ = """Scorer returning minus the sMAPE (greater is better).

Use as ``scoring=smape_scorer`` in ``GridSearchCV`` or ``cross_validate``.
"""


def _find_forecaster(estimator):
    """The forecaster inside ``estimator`` and the target transformers around it.

    Unwraps fitted searches (``best_estimator_``), pipelines (last step) and
    ``TransformedTargetRegressor`` (``regressor_``). The transformers are
    returned outermost first.
    """
    transformers = []
    current = estimator
    while True:
        if isinstance(current, Pipeline):
            current = current.steps[-1][1]
        elif isinstance(current, TransformedTargetRegressor):
            if not hasattr(current, "regressor_"):
                break
            transformers.append(current.transformer_)
            current = current.regressor_
        elif hasattr(current, "best_estimator_"):
            current = current.best_estimator_
        else:
            break
    # y_panel_ first: asking for y_history_ would build the rectangle.
    if not (hasattr(current, "y_panel_") or hasattr(current, "y_history_")):
        raise TypeError(
            f"mase_scorer needs a fitted seqforecast forecaster (with y_history_) "
            f"inside the estimator, found {type(current).__name__} in "
            f"{type(estimator).__name__}; the scale of MASE is taken from the "
            "forecaster's training history."
        )
    return current, transformers


def _history_in_original_units(history, transformers):
    """Undo target transforms (innermost first) on a history with leading NaN.

    Without transformers ``history`` is returned as it is (a RaggedPanel
    stays one); else it is undone on the rectangle the transformers were
    fitted on.
    """
    if not transformers:
        return history
    history = np.asarray(history, dtype=np.float64)
    nan = np.isnan(history)
    # Some transformers reject NaN: fill the leading NaN of each series with
    # its first observation, invert, then restore the NaN.
    first = history[np.argmax(~nan, axis=0), np.arange(history.shape[1])]
    values = np.where(nan, first, history)
    for transformer in reversed(transformers):
        values = np.asarray(transformer.inverse_transform(values), dtype=np.float64)
        values = values.reshape(history.shape)
    return np.where(nan, np.nan, values)


def _fitted_history(forecaster):
    """The forecaster's training history: its ragged panel (no rectangle) where it has one.

    Fitted on a long panel, its series are put in the order the metrics
    give the long ``y_true`` and ``y_pred`` (:func:`_as_wide`), so that
    each series is scaled by its own history.
    """
    panel = getattr(forecaster, "y_panel_", None)
    if panel is None:
        return np.asarray(forecaster.y_history_, dtype=np.float64)
    if getattr(forecaster, "y_kind_", None) == "long":
        panel = panel.take(_wide_order(forecaster.series_names_))
    return panel


class _MASEScorer:
    """Callable ``scorer(estimator, X, y)`` returning minus the MASE."""

    def __init__(self, seasonal_period=None):
        self.seasonal_period = seasonal_period

    def _period(self, forecaster, history=None):
        """The package's one rule, on the data rather than on the candidate.

        The scorer's own ``seasonal_period``, else the frequency of the
        data's time index, else the period detected from the fold's
        training history (:func:`seqforecast._time.resolve_seasonal_period`).
        Never the candidate's own ``seasonal_period``: every candidate of a
        search is then scored on the same scale.
        """
        if self.seasonal_period is not None:
            return _check_seasonal_period(self.seasonal_period, "mase_scorer")
        freq = getattr(forecaster, "freq_", None)
        if history is None:
            history = _fitted_history(forecaster)
        return resolve_seasonal_period(None, freq, history)[0]

    def __call__(self, estimator, X, y, sample_weight=None):
        if sample_weight is not None:
            raise ValueError("mase_scorer does not support sample_weight.")
        forecaster, transformers = _find_forecaster(estimator)
        history = _history_in_original_units(_fitted_history(forecaster), transformers)
        y_pred = estimator.predict(X)
        period = self._period(forecaster, history)
        return -mase(y, y_pred, y_train=history, seasonal_period=period)

    def __repr__(self):
        if self.seasonal_period is None:
            return "mase_scorer"
        return f"make_mase_scorer(seasonal_period={self.seasonal_period!r})"


def make_mase_scorer(*, seasonal_period=None):
    """Build a scorer returning minus the MASE, scaled by the fitted history.

    The scorer is a callable ``scorer(estimator, X, y)`` for the ``scoring``
    parameter of ``GridSearchCV``, ``cross_validate`` and friends. It finds
    the forecaster inside ``estimator`` (the last step of a ``Pipeline``, the
    ``regressor_`` of a ``TransformedTargetRegressor``, the
    ``best_estimator_`` of a fitted search) and takes the MASE scale from its
    training history ``y_history_``, so each cross-validation fold is scaled
    by its own training part. The history of a ``TransformedTargetRegressor``
    is inverse-transformed first, so the scale is in the units of ``y``.

    Parameters
    ----------
    seasonal_period : int or None, default=None
        Lag of the naive forecast used for scaling. None: the period implied
        by the frequency of the data's time index (12 for monthly data, see
        :func:`~seqforecast.seasonal_period_from_freq`; 365 instead of a
        daily index's 7 where the training history cycles over the year
        and not the week, see
        :func:`seqforecast._time.daily_yearly_cycle`), else the period
        detected from the training history
        (:func:`~seqforecast.detect_seasonal_period`; 1 when none is found).
        The forecaster's own ``seasonal_period`` is never used, so every
        candidate of a search is scored on the same scale.

    Returns
    -------
    scorer : callable
        ``scorer(estimator, X, y)`` returning ``-mase`` (greater is better,
        like scikit-learn's ``neg_*`` scorers).

    See Also
    --------
    mase_scorer : The scorer with ``seasonal_period=None``.

    Examples
    --------
    >>> from seqforecast.metrics import make_mase_scorer
    >>> make_mase_scorer(seasonal_period=12)
    make_mase_scorer(seasonal_period=12)
    """
    if seasonal_period is not None:
        _check_seasonal_period(seasonal_period, "make_mase_scorer")
    return _MASEScorer(seasonal_period)


mase_scorer = make_mase_scorer()
mase_scorer.__doc__ = """Scorer returning minus the MASE (greater is better).

``mase_scorer(estimator, X, y)`` scales by the in-sample seasonal-naive error
of the history of the forecaster inside ``estimator``; see
:func:`seqforecast.metrics.make_mase_scorer` (the seasonal period, or one of
your choosing).
"""
