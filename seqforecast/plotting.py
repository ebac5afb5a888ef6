"""Forecast plots with prediction intervals (matplotlib, optional).

matplotlib is an optional dependency (the ``plot`` extra); it is imported
when a function is called, so ``import seqforecast`` never needs it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from seqforecast._checks import POSITIVE_INT_OR_NONE, check_params, real_numbers
from seqforecast._time import infer_step

__all__ = ["plot_backtest", "plot_forecast"]

# Colours: the observed series in dark grey, forecasts in the colour cycle.
_OBSERVED = "0.2"


def _pyplot(caller):
    try:
        import matplotlib.pyplot as plt
    except ImportError as err:
        raise ImportError(
            f"{caller} needs matplotlib; install it with pip install \"seqforecast[plot]\"."
        ) from err
    return plt


def _pick(obj, series, name):
    """The part of ``obj`` that belongs to ``series``.

    ``obj`` is a long panel (indexed by (series, time)), a wide frame (one
    column per series; for intervals, ``(series, bound)`` columns) or
    already one series. ``series`` None is fine when there is only one.
    """
    if obj is None:
        return None
    if isinstance(obj, dict):
        return {key: _pick(frame, series, f"{name}[{key!r}]") for key, frame in obj.items()}
    if isinstance(obj, (pd.Series, pd.DataFrame)) and isinstance(obj.index, pd.MultiIndex):
        ids = list(pd.unique(obj.index.get_level_values(0)))
        chosen = _chosen(series, ids, name)
        return obj.xs(chosen, level=0)
    if isinstance(obj, pd.DataFrame) and isinstance(obj.columns, pd.MultiIndex):
        ids = list(pd.unique(obj.columns.get_level_values(0)))
        return obj[_chosen(series, ids, name)]
    if isinstance(obj, pd.DataFrame) and set(obj.columns) == {"lower", "upper"}:
        return obj  # one series' interval: its bounds carry no series name
    if series is not None and isinstance(obj, pd.DataFrame) and obj.shape[1] > 1:
        return obj[_chosen(series, list(obj.columns), name)]
    if series is not None:
        # One series: a name it carries must be the one asked for.
        own = obj.name if isinstance(obj, pd.Series) else (
            obj.columns[0] if isinstance(obj, pd.DataFrame) and obj.shape[1] == 1 else None
        )
        if own is not None and own != series:
            raise ValueError(f"series={series!r} is not in {name}; its series is {own!r}.")
    return obj


def _chosen(series, ids, name):
    if series is None:
        if len(ids) != 1:
            raise ValueError(
                f"{name} holds {len(ids)} series ({ids[:5]}); choose one with series=..."
            )
        return ids[0]
    if series not in ids:
        raise ValueError(f"series={series!r} is not in {name}; its series are {ids[:5]}.")
    return series


def _one_series(obj, name, index_after=None):
    """A Series for one series: a Series, a one-column DataFrame or a 1-D array.

    An array gets the ``len(obj)`` timestamps that follow ``index_after`` (the
    history's index), or positions from 0 without it.
    """
    if isinstance(obj, pd.DataFrame):
        if obj.shape[1] != 1:
            raise ValueError(
                f"{name} has {obj.shape[1]} columns but the plot shows one series; "
                f"select one, e.g. {name}[{obj.columns[0]!r}]."
            )
        return obj.iloc[:, 0]
    if isinstance(obj, pd.Series):
        return obj
    values = np.asarray(obj, dtype=np.float64)
    if values.ndim == 2 and values.shape[1] == 1:
        values = values[:, 0]
    if values.ndim != 1:
        raise ValueError(
            f"{name} must hold one series (1-D, a Series or a one-column DataFrame), got "
            f"shape {values.shape}."
        )
    if index_after is None:
        return pd.Series(values)
    return pd.Series(values, index=_following(index_after, len(values), name))


def _following(index, n, name):
    """The ``n`` timestamps (or positions) that follow ``index``."""
    if isinstance(index, pd.PeriodIndex):
        return pd.period_range(index[-1] + 1, periods=n, freq=index.freq)
    if isinstance(index, pd.DatetimeIndex):
        freq = infer_step(index)
        if freq is None:
            raise ValueError(
                f"{name} has no index and the history's timestamps have no frequency; "
                f"give {name} the timestamps it forecasts (a Series)."
            )
        return pd.date_range(index[-1], periods=n + 1, freq=freq)[1:]
    if pd.api.types.is_integer_dtype(index.dtype):
        step = int(index[-1] - index[-2]) if len(index) > 1 else 1
        return pd.RangeIndex(index[-1] + step, index[-1] + step * (n + 1), step)
    raise ValueError(
        f"{name} has no index and the history's index ({type(index).__name__}) cannot "
        f"be extended; give {name} an index."
    )


def _x(index):
    """x values: timestamps for time indexes (periods become their start)."""
    if isinstance(index, pd.PeriodIndex):
        index = index.to_timestamp()
    return index.to_numpy()


def _is_time(index):
    return isinstance(index, (pd.DatetimeIndex, pd.PeriodIndex))


def _bounds(frame, name, index_after):
    """(lower, upper) Series of an interval frame from ``predict_interval``."""
    if not isinstance(frame, pd.DataFrame):
        raise ValueError(
            f"{name} must be a DataFrame with columns 'lower' and 'upper' (as returned "
            f"by predict_interval), got {type(frame).__name__}."
        )
    if isinstance(frame.columns, pd.MultiIndex):
        # A one-series panel: columns (series, bound).
        series = frame.columns.get_level_values(0).unique()
        if len(series) != 1:
            raise ValueError(
                f"{name} holds the intervals of {len(series)} series; select one, e.g. "
                f"{name}[{series[0]!r}]."
            )
        frame = frame[series[0]]
    missing = {"lower", "upper"} - set(frame.columns)
    if missing:
        raise ValueError(
            f"{name} has columns {list(frame.columns)} but needs 'lower' and 'upper' "
            "(as returned by predict_interval)."
        )
    lower, upper = frame["lower"], frame["upper"]
    if isinstance(frame.index, pd.RangeIndex) and frame.index.start == 0:
        # Positions from 0, as predict_interval gives for array data: the
        # steps after the history (dated when the history is; read as dates
        # they would be nanoseconds after 1970).
        future = _following(index_after, len(frame), name)
        lower, upper = lower.set_axis(future), upper.set_axis(future)
    return lower, upper


def _check_coverages(intervals):
    """Refuse keys of an ``intervals`` dict that are not coverage levels in (0, 1).

    A key is printed as a percentage in the legend: "90%" failed inside the
    format, and 90 gave a "9000% interval".
    """
    if not isinstance(intervals, dict):
        return
    for key in intervals:
        if not real_numbers(key) or not 0 < key < 1:
            raise ValueError(
                f"intervals has the key {key!r}, but its keys are coverage levels: numbers "
                "strictly between 0 and 1, e.g. {0.9: frame} for a 90% interval."
            )


def _date_axis(ax, index):
    if _is_time(index):
        import matplotlib.dates as mdates

        locator = mdates.AutoDateLocator()
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))


def plot_forecast(
    y_history,
    y_forecast,
    y_true=None,
    intervals=None,
    ax=None,
    history_tail=None,
    title=None,
    series=None,
):
    """Plot a forecast after its history, with shaded prediction intervals.

    Parameters
    ----------
    y_history : Series, one-column DataFrame or array of shape (n_timesteps,)
        The observed history; or a panel (a wide DataFrame, or a long one
        indexed by (series, time)) with ``series`` naming the one to draw.
    y_forecast : Series, one-column DataFrame or array of shape (n_steps,)
        The forecast, for example from ``predict`` or ``forecast``. An array
        (without an index) is placed right after the history.
    y_true : Series, one-column DataFrame, array or None, default=None
        The values that were later observed at the forecast steps.
    intervals : DataFrame, dict or None, default=None
        A frame with columns ``lower`` and ``upper`` (as returned by
        ``predict_interval``), or a dict ``{coverage: frame}`` for several
        intervals, drawn as nested bands; each ``coverage`` is the nominal
        coverage of its frame, a number strictly between 0 and 1 (0.9 for a
        90 % interval), shown in the legend.
    ax : matplotlib Axes or None, default=None
        Where to draw; None makes a new figure.
    history_tail : int or None, default=None
        Show only the last ``history_tail`` points of the history.
    title : str or None, default=None
        Title of the axes.
    series : hashable or None, default=None
        The series to draw when the arguments hold a panel (wide or long,
        as ``fit``, ``predict`` and ``predict_interval`` take and return
        them): each argument is cut to it. May be left out for one series.

    Returns
    -------
    ax : matplotlib Axes
        Lines labelled "history", "actual" (if ``y_true``) and "forecast";
        one shaded band per interval.

    Raises
    ------
    ImportError
        When matplotlib is not installed (``pip install "seqforecast[plot]"``).

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from seqforecast.baselines import NaiveForecaster
    >>> from seqforecast.datasets import load_airpassengers
    >>> from seqforecast.plotting import plot_forecast
    >>> y = load_airpassengers()
    >>> f = NaiveForecaster(strategy="seasonal").fit(None, y.iloc[:-12])
    >>> ax = plot_forecast(y.iloc[:-12], f.forecast(12), y_true=y.iloc[-12:])
    >>> [line.get_label() for line in ax.get_lines()]
    ['history', 'actual', 'forecast']
    """
    plt = _pyplot("plot_forecast")
    _check_coverages(intervals)
    y_history, y_forecast, y_true, intervals = (
        _pick(obj, series, name) for obj, name in (
            (y_history, "y_history"), (y_forecast, "y_forecast"), (y_true, "y_true"),
            (intervals, "intervals"),
        )
    )
    history = _one_series(y_history, "y_history")
    forecast = _one_series(y_forecast, "y_forecast", history.index)
    check_params("plot_forecast", {"history_tail": history_tail},
                 {"history_tail": POSITIVE_INT_OR_NONE})
    if intervals is None:
        bands = []
    elif isinstance(intervals, dict):
        # Widest first, so the narrower (darker) bands are drawn on top.
        bands = [
            (f"{cov:.0%} interval", *_bounds(frame, f"intervals[{cov!r}]", history.index))
            for cov, frame in sorted(intervals.items(), reverse=True)
        ]
    else:
        bands = [("interval", *_bounds(intervals, "intervals", history.index))]
    actual = None if y_true is None else _one_series(y_true, "y_true", history.index)
    if history_tail is not None:
        history = history.iloc[-history_tail:]
    if ax is None:
        _, ax = plt.subplots(figsize=(9, 4), layout="constrained")
    for i, (label, lower, upper) in enumerate(bands):
        ax.fill_between(
            _x(lower.index), lower.to_numpy(dtype=float), upper.to_numpy(dtype=float),
            color="C1", alpha=0.15 + 0.15 * i, linewidth=0, label=label,
        )
    ax.plot(_x(history.index), history.to_numpy(dtype=float), color=_OBSERVED,
            label="history")
    if actual is not None:
        ax.plot(_x(actual.index), actual.to_numpy(dtype=float), color=_OBSERVED,
                linestyle="--", marker=".", label="actual")
    ax.plot(_x(forecast.index), forecast.to_numpy(dtype=float), color="C1",
            marker=".", label="forecast")
    _date_axis(ax, history.index)
    if history.name is not None:
        ax.set_ylabel(str(history.name))
    if title is not None:
        ax.set_title(title)
    ax.legend(loc="upper left")
    ax.grid(alpha=0.3)
    return ax


def plot_backtest(result, series=None, ax=None):
    """Plot the actual series and each fold's forecasts of a backtest.

    Parameters
    ----------
    result : BacktestResult or DataFrame
        The result of :func:`~seqforecast.model_selection.backtest`, or its
        ``forecasts`` table (then only the actual values at the forecast
        steps are known and drawn).
    series : hashable or None, default=None
        The series to draw; may be left out when there is only one.
    ax : matplotlib Axes or None, default=None
        Where to draw; None makes a new figure.

    Returns
    -------
    ax : matplotlib Axes
        A line labelled "actual", one line per fold labelled "fold k", and a
        shaded band per fold when the backtest has intervals. The title
        gives the number of folds and the mean score of each metric over
        them (for this series).

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from seqforecast.baselines import NaiveForecaster
    >>> from seqforecast.datasets import load_airpassengers
    >>> from seqforecast.model_selection import ForecastSplitter, backtest
    >>> from seqforecast.plotting import plot_backtest
    >>> result = backtest(NaiveForecaster(strategy="seasonal"), None, load_airpassengers(),
    ...                   cv=ForecastSplitter(horizon=12, n_splits=2))
    >>> [line.get_label() for line in plot_backtest(result).get_lines()]
    ['actual', 'fold 0', 'fold 1']
    """
    plt = _pyplot("plot_backtest")
    table = result if isinstance(result, pd.DataFrame) else getattr(result, "forecasts", None)
    needed = {"fold", "time", "series", "actual", "forecast"}
    if not isinstance(table, pd.DataFrame) or needed - set(table.columns):
        raise ValueError(
            "result must be a BacktestResult or its forecasts table (columns fold, time, "
            f"series, actual, forecast), got {type(result).__name__}."
        )
    names = list(pd.unique(table["series"]))
    if series is None:
        if len(names) != 1:
            raise ValueError(
                f"The backtest has {len(names)} series ({names[:5]}); choose one with "
                "series=..."
            )
        series = names[0]
    elif series not in names:
        raise ValueError(f"series={series!r} is not in the backtest; its series are {names[:5]}.")
    rows = table[table["series"] == series]
    actuals = getattr(result, "actuals", None)
    if actuals is not None:
        observed = actuals[series].dropna()
    else:
        observed = rows.drop_duplicates("time").set_index("time")["actual"].sort_index()
    if ax is None:
        _, ax = plt.subplots(figsize=(9, 4), layout="constrained")
    ax.plot(_x(observed.index), observed.to_numpy(dtype=float), color=_OBSERVED,
            label="actual")
    has_bands = {"lower", "upper"} <= set(rows.columns)
    folds = sorted(pd.unique(rows["fold"]))
    for i, fold in enumerate(folds):
        part = rows[rows["fold"] == fold]
        x = _x(pd.Index(part["time"]))
        color = f"C{i % 10}"
        if has_bands:
            ax.fill_between(x, part["lower"].to_numpy(dtype=float),
                            part["upper"].to_numpy(dtype=float), color=color, alpha=0.2,
                            linewidth=0)
        ax.plot(x, part["forecast"].to_numpy(dtype=float), color=color, marker=".",
                label=f"fold {fold}")
    _date_axis(ax, pd.Index(observed.index))
    title = f"Backtest of {series}: {len(folds)} folds"
    scores = getattr(result, "series_scores", None)
    if scores is not None and len(scores.columns):
        means = scores.xs(series, level="series").mean()
        title += " (mean " + ", ".join(f"{k} {v:.3g}" for k, v in means.items()) + ")"
    ax.set_title(title)
    ax.set_ylabel(str(series))
    ax.legend(loc="upper left")
    ax.grid(alpha=0.3)
    return ax
