"""Long-format panels: one row per (series, time), each series with its own dates.

A long panel is a ``pd.Series`` (or one-column ``DataFrame``) indexed by a
two-level ``MultiIndex`` ``(series, time)`` — the layout sktime calls
``pd-multiindex``, and the one a database query or ``df.set_index(["id",
"date"])`` gives. The models work on the panel as an array of shape
(n_rows, n_series) in which **every series ends on the last row**: row
``n_rows - 1`` holds each series' own last observation, whatever its date, and
a series' forecasts continue from its own end. This module converts between
the two and checks a long panel (duplicate pairs, gaps inside a series,
mixed frequencies), naming the series at fault. It is used by
:class:`~seqforecast.base.BaseForecaster` only.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from seqforecast._time import future_index, regular_step, steps_between

__all__ = [
    "LongPanel", "future_long_index", "is_long", "locate_future", "shift_times", "split_long",
    "to_long",
]


def is_long(obj):
    """Whether ``obj`` is a pandas object indexed by a two-level (series, time) MultiIndex."""
    return (
        isinstance(obj, (pd.Series, pd.DataFrame))
        and isinstance(obj.index, pd.MultiIndex)
        and obj.index.nlevels == 2
    )


@dataclass
class LongPanel:
    """A long panel as arrays: what :func:`split_long` returns.

    Attributes
    ----------
    y : ndarray of shape (n_rows, n_series)
        Each series right-aligned at its own end (leading NaN before it starts).
    X : ndarray of shape (n_rows, n_series, n_features) or None
        The covariates of each series at the same positions (NaN before it
        starts); None when X was not given.
    X_frame : DataFrame or None
        ``X``'s rows in the order of the sorted long index, with its columns
        and a plain index (for scikit-learn's feature-name checks).
    ids : Index
        The series identifiers, in order of first appearance.
    ends : Index
        Each series' last timestamp (DatetimeIndex, PeriodIndex or integers).
    freq : pandas offset or int
        The step shared by all series.
    names : tuple
        The names of the two index levels.
    target : hashable
        The name of ``y`` (the Series' name or the column).
    """

    y: np.ndarray
    X: np.ndarray | None
    X_frame: pd.DataFrame | None
    ids: pd.Index
    ends: pd.Index
    freq: object
    names: tuple
    target: object
    columns: pd.Index | None = None

    def take(self, start, stop, series=None):
        """``(X, y)`` of the aligned rows ``start .. stop - 1`` in the long layout."""
        return to_long(self.y, self.X, self, start, stop, series, columns=self.columns)

    def rows(self, start, stop):
        """The panel of the aligned rows ``start .. stop - 1`` (every series ends on its last)."""
        ends = shift_times(self.ends, self.freq, len(self.y) - stop)
        X = None if self.X is None else self.X[start:stop]
        return LongPanel(self.y[start:stop], X, None, self.ids, ends, self.freq, self.names,
                         self.target, self.columns)

    def row_times(self, row):
        """The timestamp of aligned row ``row`` in every series (an Index)."""
        return shift_times(self.ends, self.freq, len(self.y) - 1 - row)


def _target(y, what):
    """The values of a long ``y`` as a Series."""
    if isinstance(y, pd.DataFrame):
        if y.shape[1] != 1:
            raise ValueError(
                f"{what} in long format must be a Series or a one-column DataFrame indexed "
                f"by (series, time); got a DataFrame with {y.shape[1]} columns."
            )
        return y.iloc[:, 0]
    return y


def _groups(index):
    """(ids in order of first appearance, row positions of each id, sorted by time)."""
    codes, ids = pd.factorize(index.get_level_values(0))
    times = index.get_level_values(1)
    order = np.lexsort((np.arange(len(index)), times.argsort().argsort(), codes))
    codes = codes[order]
    bounds = np.flatnonzero(np.diff(codes)) + 1
    return pd.Index(ids, name=index.names[0]), np.split(order, bounds)


def _check_unique(index, what):
    duplicated = index.duplicated()
    if duplicated.any():
        series, time = index[np.flatnonzero(duplicated)[0]]
        raise ValueError(
            f"{what} has duplicate (series, time) pairs: series {series!r} has more than one "
            f"row at {time}; give each series one value per timestamp."
        )


def _common_step(ids, groups, times_all, what):
    """The one step of every series (each regular on it); named errors otherwise.

    Series of three or more timestamps give it (pandas infers a frequency
    from three); shorter ones must lie on it.
    """
    freq, first = None, None
    for series, rows in zip(ids, groups, strict=True):
        if len(rows) < 3:
            continue
        step = regular_step(times_all[rows], f"series {series!r} of {what}")
        if freq is None:
            freq, first = step, series
        elif step != freq:
            raise ValueError(
                f"Series {series!r} of {what} has frequency {getattr(step, 'freqstr', step)} "
                f"but series {first!r} has {getattr(freq, 'freqstr', freq)}; all series of a "
                "panel must share one frequency (resample them first)."
            )
    for series, rows in zip(ids, groups, strict=True):
        if len(rows) != 2:
            continue
        times = times_all[rows]
        if freq is None:
            freq, first = regular_step(times, f"series {series!r} of {what}"), series
        elif steps_between(times[:1], freq, times[1]) != 1:
            raise ValueError(
                f"Series {series!r} of {what} has timestamps {times[0]} and {times[1]}, "
                f"which are not one step of the panel's frequency "
                f"{getattr(freq, 'freqstr', freq)} apart."
            )
    if freq is None:  # every series has a single timestamp
        if isinstance(times_all, pd.PeriodIndex):
            freq = times_all.freq
        elif pd.api.types.is_integer_dtype(times_all.dtype):
            freq = 1
        else:
            raise ValueError(
                f"Every series of {what} has a single timestamp, so no frequency can be "
                "inferred; give at least one series two or more observations."
            )
    return freq


def split_long(y, X=None, *, what="y", freq=None):
    """Check a long panel and turn it into arrays (see :class:`LongPanel`).

    Raises a ``ValueError`` naming the series for duplicate (series, time)
    pairs, missing timestamps inside a series, NaN values, a time level that
    is not dates, periods or integers, series of different frequencies, and
    an ``X`` that does not have exactly ``y``'s (series, time) pairs. With
    ``freq`` (the fitted panel's, for new observations) every series must lie
    on it rather than on a frequency inferred from the data.
    """
    y = _target(y, what)
    index = y.index
    _check_unique(index, what)
    times_all = index.get_level_values(1)
    if not isinstance(times_all, (pd.DatetimeIndex, pd.PeriodIndex)) and not (
        pd.api.types.is_integer_dtype(times_all.dtype)
    ):
        raise ValueError(
            f"The time level of {what}'s (series, time) index must hold dates, periods or "
            f"integers; got {times_all.dtype}."
        )
    ids, groups = _groups(index)
    values = y.to_numpy(dtype=np.float64)
    if freq is None:
        freq = _common_step(ids, groups, times_all, what)
    else:
        for series, rows in zip(ids, groups, strict=True):
            times = times_all[rows]
            if len(times) > 1 and not future_index(times[:1], freq, len(times) - 1).equals(
                times[1:]
            ):
                raise ValueError(
                    f"Series {series!r} of {what} is not on the panel's time grid "
                    f"(frequency {getattr(freq, 'freqstr', freq)}): {list(times[:3])}..."
                )
    lengths = np.array([len(rows) for rows in groups])
    n_rows, n_series = int(lengths.max()), len(ids)
    panel = np.full((n_rows, n_series), np.nan)
    for s, rows in enumerate(groups):
        column = values[rows]
        bad = np.flatnonzero(np.isnan(column))
        if len(bad):
            raise ValueError(
                f"Series {ids[s]!r} of {what} has a NaN at {times_all[rows[bad[0]]]} "
                f"(position {bad[0]}); impute or drop the missing values first."
            )
        panel[n_rows - len(rows):, s] = column
    ends = times_all[[rows[-1] for rows in groups]]
    X_arr = X_frame = None
    if X is not None:
        X_arr, X_frame = _split_covariates(X, index, ids, groups, n_rows, what)
    columns = None if X is None else X.columns
    return LongPanel(panel, X_arr, X_frame, ids, ends, freq, tuple(index.names), y.name, columns)


def _split_covariates(X, index, ids, groups, n_rows, what):
    if not is_long(X) or not isinstance(X, pd.DataFrame):
        raise ValueError(
            f"{what} is in long format, so X must be a DataFrame indexed by the same "
            f"(series, time) pairs; got {type(X).__name__}"
            + (" without that index." if not is_long(X) else ".")
        )
    _check_unique(X.index, "X")
    if len(X) != len(index) or not X.index.isin(index).all():
        extra = X.index[~X.index.isin(index)]
        missing = index[~index.isin(X.index)]
        pair = extra[0] if len(extra) else missing[0]
        where = "not in y" if len(extra) else "missing from X"
        raise ValueError(
            f"X must hold the covariates of exactly y's (series, time) pairs; ({pair[0]!r}, "
            f"{pair[1]}) is {where}."
        )
    X = X.reindex(index)
    flat = X.reset_index(drop=True)
    values = flat.to_numpy(dtype=np.float64) if flat.shape[1] else np.empty((len(flat), 0))
    if np.isnan(values).any():
        row = np.flatnonzero(np.isnan(values).any(axis=1))[0]
        raise ValueError(
            f"X has a NaN for series {index[row][0]!r} at {index[row][1]}; covariates must be "
            "observed at every timestep of y."
        )
    panel = np.full((n_rows, len(ids), values.shape[1]), np.nan)
    for s, rows in enumerate(groups):
        panel[n_rows - len(rows):, s] = values[rows]
    order = np.concatenate(groups)
    return panel, flat.iloc[order].reset_index(drop=True)


def shift_times(times, freq, steps_back):
    """Every timestamp of ``times`` moved ``steps_back`` steps of ``freq`` into the past."""
    if isinstance(times, pd.PeriodIndex):
        return times - steps_back
    if isinstance(times, pd.DatetimeIndex):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", pd.errors.PerformanceWarning)
            return times - steps_back * freq
    return pd.Index(np.asarray(times, dtype=np.int64) - steps_back * freq, name=times.name)


def to_long(y, X, layout, start, stop, series=None, *, columns=None):
    """Rows ``start .. stop - 1`` of an aligned panel as a long ``(X, y)``.

    ``y`` (n_rows, n_series) and ``X`` (n_rows, n_series, n_features) or
    None are aligned at each series' end, ``layout`` gives the ``ids``,
    ``ends``, ``freq``, ``names`` and ``target`` (a :class:`LongPanel` or a
    fitted forecaster's equivalents); ``series`` the positions to keep (all
    by default). Row ``r`` of series ``s`` is ``n_rows - 1 - r`` steps before
    ``ends[s]``. Unobserved (NaN) rows are left out.
    """
    series = np.arange(y.shape[1]) if series is None else np.asarray(series)
    n_rows = len(y)
    block = y[start:stop][:, series]  # (rows, chosen series)
    # Observed cells series by series, each in time order.
    at, row = np.nonzero(~np.isnan(block.T))
    # The timestamps of every row of the block in every chosen series, row by
    # row (one vectorised shift per row), then those of the observed cells.
    ends = layout.ends.take(series)
    per_row = [shift_times(ends, layout.freq, n_rows - 1 - r) for r in range(start, stop)]
    times = per_row[0].append(per_row[1:]) if per_row else ends[:0]
    times = times.take(row * len(series) + at)
    ids = layout.ids.take(series[at])
    index = pd.MultiIndex.from_arrays([ids, times], names=list(layout.names))
    y_long = pd.Series(block[row, at], index=index, name=layout.target)
    if X is None:
        return None, y_long
    return pd.DataFrame(X[start + row, series[at]], index=index, columns=columns), y_long


def future_long_index(ids, ends, freq, n_steps, names):
    """The (series, time) index of the ``n_steps`` steps after each series' own end."""
    steps = [shift_times(ends, freq, -k) for k in range(1, n_steps + 1)]  # one per step
    series_major = np.arange(n_steps)[None, :] * len(ids) + np.arange(len(ids))[:, None]
    times = steps[0].append(steps[1:]).take(series_major.ravel())
    return pd.MultiIndex.from_arrays([ids.repeat(n_steps), times], names=list(names))


def locate_future(index, ids, ends, freq):
    """Series position and step ahead (1 = next) of every row of a long future index.

    Raises a ``ValueError`` for an unknown series, a timestamp off the
    series' grid, or one inside its history. Vectorised over the rows: one
    shift of the series' ends per step ahead.
    """
    _check_unique(index, "X")
    positions = ids.get_indexer(index.get_level_values(0))
    if (positions < 0).any():
        unknown = index[np.flatnonzero(positions < 0)[0]][0]
        raise ValueError(
            f"X holds series {unknown!r}, which the forecaster was not fitted on; the "
            f"fitted series are {list(ids[:5])}{'...' if len(ids) > 5 else ''}."
        )
    times = index.get_level_values(1)
    last = ends.take(positions)  # each row's series' last observation

    def fail(row):
        """The error of a row that is off its series' grid or inside its history."""
        s, end = positions[row], ends[positions[row]:positions[row] + 1]
        step = steps_between(end, freq, times[row])
        if step is None:
            return ValueError(
                f"X has series {ids[s]!r} at {times[row]}, which is not on its time grid "
                f"(frequency {getattr(freq, 'freqstr', freq)}, last observation {end[0]})."
            )
        return ValueError(
            f"X has series {ids[s]!r} at {times[row]}, inside its history, which ends at "
            f"{end[0]}; forecasts start at {future_index(end, freq, 1)[0]}."
        )

    try:
        inside = np.asarray(times <= last)
    except (TypeError, ValueError):  # another kind of timestamp: off the grid
        raise fail(0) from None
    if inside.any():
        raise fail(np.flatnonzero(inside)[0])
    steps = np.zeros(len(index), dtype=np.int64)
    pending, k = np.arange(len(index)), 0
    while len(pending):
        k += 1
        candidate = shift_times(last.take(pending), freq, -k)
        wanted = times.take(pending)
        hit = np.asarray(candidate == wanted)
        steps[pending[hit]] = k
        # A timestamp the grid stepped over is off the grid.
        passed = np.asarray(candidate > wanted) & ~hit
        if passed.any():
            raise fail(pending[np.flatnonzero(passed)[0]])
        pending = pending[~hit]
    return positions, steps
