"""Long-format panels: one row per (series, time), each series with its own dates.

A long panel is a ``pd.Series`` (or one-column ``DataFrame``) indexed by a
two-level ``MultiIndex`` ``(series, time)`` — the layout sktime calls
``pd-multiindex``, and the one a database query or ``df.set_index(["id",
"date"])`` gives. The models work on the panel aligned so that **every
series ends on the last row**: aligned row ``n_rows - 1`` holds each series'
own last observation, whatever its date, and a series' forecasts continue
from its own end. The panel is stored ragged (:class:`RaggedPanel`: the
values of every series end to end plus per-series offsets), never as the
rectangle (n_rows, n_series) padded to the longest series, so that its
memory is that of the data however unequal the lengths. This module builds
it (from the long layout directly, or from a rectangle), converts it back
to the long layout, and checks a long panel (duplicate pairs, gaps inside a
series, mixed frequencies), naming the series at fault. It is used by
:class:`~seqforecast.base.BaseForecaster` and the models reading its
history.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from seqforecast._time import future_index, regular_step, steps_between

__all__ = [
    "LongPanel", "RaggedPanel", "future_long_index", "is_long", "locate_future", "shift_times",
    "split_long", "to_long",
]


# Values read at a time by the per-series reductions (a few MB of temporaries).
_CHUNK = 1 << 14


def _id(ids, k):
    """The ``k``-th series id as written (``3``, not ``np.int64(3)``), for messages.

    Read from a one-element slice: converting all the ids would copy every one.
    """
    return ids[k:k + 1].tolist()[0]


def _chunks(n):
    """``(start, stop)`` of consecutive chunks of ``_CHUNK`` positions covering ``0 .. n - 1``."""
    for start in range(0, max(n, 0), _CHUNK):
        yield start, min(start + _CHUNK, n)


class RaggedPanel:
    """A right-aligned panel stored as the series' values end to end, plus offsets.

    Series ``s`` is ``values[offsets[s]:offsets[s + 1]]`` (time-ordered) and
    every series ends on the last *aligned row* ``n_rows - 1``: its value at
    aligned row ``r`` (``r >= starts[s] = n_rows - lengths[s]``) is
    ``values[offsets[s] + r - starts[s]]``. This is the panel the dense
    layout pads to a rectangle (n_rows, n_series) with leading NaN; here it
    costs what the data cost, whatever the spread of the lengths (10,000
    series of 100 steps and one of 50,000: 8 MB, not a 4 GB rectangle).

    ``values`` may have trailing dimensions (per-series covariates:
    ``(n_values, n_features)``); a series may hold NaN (the windowing reads
    any panel), the forecasters' histories never do.

    Instances are never changed in place: :meth:`append` and the other
    methods return new panels (a failed ``fit`` or ``update`` restores the
    old one by reference).
    """

    __slots__ = ("n_rows", "offsets", "values")

    def __init__(self, values, offsets, n_rows=None):
        self.values = np.asarray(values)
        self.offsets = np.asarray(offsets, dtype=np.int64)
        if n_rows is None:
            n_rows = np.diff(self.offsets).max(initial=0)
        self.n_rows = int(n_rows)

    # ------------------------------------------------------------- building
    @classmethod
    def from_dense(cls, array):
        """The panel of a rectangle (n_rows, n_series[, ...]): leading NaN rows dropped.

        A series starts at its first row with an observed value (any value
        of the trailing dimensions); what follows is kept as it is.
        """
        array = np.asarray(array)
        n_rows, n_series = array.shape[:2]
        observed = ~np.isnan(array)
        if array.ndim > 2:
            observed = observed.reshape(n_rows, n_series, -1).any(axis=2)
        started = observed.any(axis=0)
        starts = np.where(started, np.argmax(observed, axis=0), n_rows)
        offsets = np.concatenate([[0], np.cumsum(n_rows - starts)])
        return cls(_gather_tails(array, starts), offsets, n_rows)

    @classmethod
    def of(cls, y):
        """``y`` itself when ragged, else the panel of the dense ``y`` (1-D: one series)."""
        if isinstance(y, cls):
            return y
        y = np.asarray(y, dtype=np.float64)
        return cls.from_dense(y[:, None] if y.ndim == 1 else y)

    @classmethod
    def from_series(cls, series, n_rows=None):
        """The panel of a list of 1-D (or (n, ...)) arrays, one per series."""
        lengths = [len(v) for v in series]
        offsets = np.concatenate([[0], np.cumsum(lengths, dtype=np.int64)])
        values = np.concatenate(series) if series else np.empty(0)
        return cls(values, offsets, n_rows)

    # ------------------------------------------------------------ properties
    @property
    def n_series(self):
        return len(self.offsets) - 1

    @property
    def shape(self):
        """(n_rows, n_series, ...): the shape of the rectangle this panel stands for."""
        return (self.n_rows, self.n_series, *self.values.shape[1:])

    @property
    def lengths(self):
        """Number of values of each series (int64, (n_series,))."""
        return np.diff(self.offsets)

    @property
    def starts(self):
        """Aligned row of each series' first value (``n_rows - lengths``)."""
        return self.n_rows - self.lengths

    @property
    def nbytes(self):
        return self.values.nbytes + self.offsets.nbytes

    def __len__(self):
        return self.n_rows

    @property
    def ndim(self):
        return len(self.shape)

    @property
    def dtype(self):
        return self.values.dtype

    # The dense rectangle's interface, for code written against it (a model
    # hook of another package, say): ``panel[a:b]`` (and ``panel[a:b, cols]``)
    # is the dense block of those rows only; ``np.asarray(panel)`` is the
    # whole rectangle, which the package's own models never ask for.
    def __array__(self, dtype=None, copy=None):
        dense = self.to_dense()
        return dense if dtype is None else dense.astype(dtype)

    def __getitem__(self, key):
        rows, rest = (key[0], key[1:]) if isinstance(key, tuple) else (key, ())
        if isinstance(rows, slice) and rows.step in (None, 1):
            start, stop, _ = rows.indices(self.n_rows)
            return self.rows(start, max(start, stop))[(slice(None), *rest)]
        if isinstance(rows, (int, np.integer)):
            row = range(self.n_rows)[rows]
            return self.rows(row, row + 1)[(0, *rest)]
        return self.to_dense()[key]

    def __repr__(self):
        return (f"RaggedPanel(n_rows={self.n_rows}, n_series={self.n_series}, "
                f"n_values={len(self.values)})")

    # ------------------------------------------------------------- reading
    def series(self, i):
        """The values of series ``i``, oldest first (a view)."""
        return self.values[self.offsets[i]:self.offsets[i + 1]]

    def last(self):
        """Each series' last value, (n_series, ...) (NaN for an empty series)."""
        return self.rows(self.n_rows - 1, self.n_rows)[0]

    def first(self):
        """Each series' first value, (n_series, ...) (NaN for an empty series)."""
        lengths = self.lengths
        out = np.full(self.shape[1:], np.nan)
        has = lengths > 0
        out[has] = self.values[self.offsets[:-1][has]]
        return out

    def rows(self, start, stop, series=None):
        """The dense block of aligned rows ``start .. stop - 1``: (rows, n_series, ...).

        NaN where a series has not started; ``series`` (positions) keeps
        only those columns. Costs the block only, never the rectangle (the
        prediction context reads the last ``lookback`` rows).
        """
        start, stop = max(int(start), 0), min(int(stop), self.n_rows)
        k = max(stop - start, 0)
        series = np.arange(self.n_series) if series is None else np.asarray(series)
        out = np.full((k, len(series), *self.values.shape[1:]), np.nan, dtype=np.float64)
        if k == 0:
            return out
        starts = self.starts[series]
        first = np.maximum(starts, start)  # first row of the block each series has
        count = np.maximum(stop - first, 0)  # rows of the block each series has
        source = self.offsets[series] + first - starts
        if len(series) * _LONG_RUN > count.sum():
            # Many short columns: the observed cells gathered at once (a loop
            # over them would cost more than the index arrays).
            target = _segments(first - start, count) * len(series) + np.repeat(
                np.arange(len(series)), count
            )
            flat = out.reshape(k * len(series), *self.values.shape[1:])
            flat[target] = self.values[_segments(source, count)]
            return out
        # Long columns one by one: no index arrays as long as the block (four
        # of them took 32 MB for a block of 8).
        values = self.values
        for column, (row, begin, n) in enumerate(
            zip((first - start).tolist(), source.tolist(), count.tolist(), strict=True)
        ):
            if n:
                out[row:row + n, column] = values[begin:begin + n]
        return out

    def to_dense(self):
        """The rectangle (n_rows, n_series, ...), leading NaN before each series' start.

        Costs ``n_rows x n_series`` floats: for users and small panels only;
        no model reads the history this way.
        """
        return self.rows(0, self.n_rows)

    def head(self, stop):
        """The panel of aligned rows ``0 .. stop - 1``: each series cut at that row.

        Series then end on row ``stop - 1`` (those that start after it are
        empty); used for a history's prefix (validation, backtests).
        """
        stop = min(max(int(stop), 0), self.n_rows)
        drop = self.n_rows - stop
        lengths = np.maximum(self.lengths - drop, 0)
        if drop == 0:
            return self
        offsets = np.concatenate([[0], np.cumsum(lengths)])
        return RaggedPanel(_runs(self.values, self.offsets[:-1], lengths), offsets, stop)

    def between(self, start, stop):
        """The panel of aligned rows ``start .. stop - 1`` (row ``start`` becomes row 0)."""
        start = min(max(int(start), 0), self.n_rows)
        panel = self.head(stop)
        if start == 0:
            return panel
        lengths = np.minimum(panel.lengths, max(panel.n_rows - start, 0))
        offsets = np.concatenate([[0], np.cumsum(lengths)])
        return RaggedPanel(_runs(panel.values, panel.offsets[1:] - lengths, lengths), offsets,
                           max(panel.n_rows - start, 0))

    def take(self, series):
        """The panel of the chosen series (positions), in that order (same rows)."""
        series = np.asarray(series, dtype=np.int64)
        lengths = self.lengths[series]
        offsets = np.concatenate([[0], np.cumsum(lengths)])
        return RaggedPanel(_runs(self.values, self.offsets[:-1][series], lengths), offsets,
                           self.n_rows)

    def with_values(self, values):
        """The same layout (offsets, rows) with other values of the same length."""
        return RaggedPanel(values, self.offsets, self.n_rows)

    def series_index(self):
        """The series of each value (int64, (n_values,))."""
        return np.repeat(np.arange(self.n_series), self.lengths)

    def series_of(self, positions):
        """The series holding each value position (int64; positions in 0 .. n_values - 1)."""
        # The last offset at or before the position: empty series are skipped.
        return np.searchsorted(self.offsets, positions, side="right") - 1

    def series_sum(self, weights=None, *, absolute=False):
        """Per-series sums of ``weights`` (one per value; default the values), added in time order.

        Each series is accumulated from 0 value by value, the order in which
        a reduction down the columns of the dense panel adds them (its
        leading NaN counting as 0): the sums are those of
        ``np.nansum(dense, axis=0)``, bit for bit. Read in chunks of
        ``_CHUNK`` values (``np.add.at`` goes on from the running sums), so
        no array as long as the data is made; with ``absolute=True`` the sums
        of ``|weights|``, taken chunk by chunk.
        """
        weights = self.values if weights is None else weights
        if np.ndim(weights) != 1:
            raise ValueError(
                f"series_sum takes one weight per value (1-D), got {np.ndim(weights)}-D."
            )
        if len(weights) != len(self.values):
            raise ValueError(
                f"series_sum takes one weight per value: {len(self.values)}, got {len(weights)}."
            )
        total = np.zeros(self.n_series)
        with np.errstate(over="ignore"):  # a sum past float64 is inf, as np.bincount's
            for start, stop in _chunks(len(weights)):
                chunk = weights[start:stop]
                positions = np.arange(start, stop)
                np.add.at(total, self.series_of(positions), np.abs(chunk) if absolute else chunk)
        return total

    def mean_abs_change(self, lag):
        """Per series, the mean of ``|y[t] - y[t - lag]|`` over its own values (NaN: none).

        The in-sample error of the (seasonal) naive forecast, the scale of
        MASE; summed in time order like :meth:`series_sum`, in chunks (the
        temporaries of a chunk, never of the whole history).
        """
        if lag < 1:
            raise ValueError(f"mean_abs_change needs a lag of at least 1, got {lag}.")
        values = self.values
        if values.ndim != 1:
            raise ValueError(
                f"mean_abs_change reads one value per step, not {values.ndim}-D values."
            )
        n_pairs = len(values) - lag  # values end to end: pair (i, i + lag)
        total = np.zeros(self.n_series)
        for start, stop in _chunks(n_pairs):
            diffs = np.subtract(values[start + lag:stop + lag], values[start:stop])
            np.abs(diffs, out=diffs)
            series = self.series_of(np.arange(start, stop + lag))
            later = series[lag:]
            # Only pairs within one series count (n - lag of a series of n).
            diffs[later != series[:stop - start]] = 0.0
            with np.errstate(over="ignore"):  # as np.bincount: inf past float64
                np.add.at(total, later, diffs)
        with np.errstate(invalid="ignore", divide="ignore"):
            return total / np.maximum(self.lengths - lag, 0)

    def lengths_until(self, stop):
        """Number of values of each series in aligned rows ``0 .. stop - 1``."""
        return np.maximum(self.lengths - (self.n_rows - int(stop)), 0)

    def value_rows(self):
        """The aligned row of each value (int64, (n_values,))."""
        lengths = self.lengths
        return np.arange(len(self.values)) + np.repeat(self.starts - self.offsets[:-1], lengths)

    def append(self, block):
        """A new panel with ``block`` (k, n_series, ...) appended to every series' end.

        The aligned rows grow by ``k``; each series gains ``k`` values.
        """
        block = np.asarray(block, dtype=self.values.dtype if self.values.size else np.float64)
        k = len(block)
        if k == 0:
            return self
        lengths = self.lengths
        new_lengths = lengths + k
        offsets = np.concatenate([[0], np.cumsum(new_lengths)])
        values = np.empty((offsets[-1], *self.values.shape[1:]), dtype=np.float64)
        old = np.ones(len(values), dtype=bool)
        new_pos = (offsets[1:] - k)[None, :] + np.arange(k)[:, None]  # (k, n_series)
        old[new_pos.ravel()] = False
        values[old] = self.values
        values[new_pos] = block
        return RaggedPanel(values, offsets, self.n_rows + k)


def _segments(starts, lengths, step=1, dtype=np.int64):
    """Concatenated ``arange(starts[i], starts[i] + step * lengths[i], step)``, vectorised.

    Built in one array of ``dtype`` (the caller's guarantee that every value
    fits it): each position holds the increment from the one before
    (``step`` within a segment, a jump at each segment's start), and a
    cumulative sum in place turns increments into values. No temporary as
    long as the result (one series of a million windows: 8 MB, not the 24
    MB of an ``arange`` plus a repeated shift).
    """
    lengths = np.asarray(lengths, dtype=np.int64)
    out = np.full(int(lengths.sum()), step, dtype=dtype)
    used = lengths > 0
    if not used.any():
        return out
    starts = np.broadcast_to(np.asarray(starts, dtype=np.int64), lengths.shape)[used]
    lengths = lengths[used]
    # The value before each segment: the last of the segment before it (0 before the first).
    before = np.r_[0, (starts + step * (lengths - 1))[:-1]]
    out[np.cumsum(lengths) - lengths] = starts - before
    return np.cumsum(out, out=out)


# Runs at least this long on average are copied slice by slice (no index
# array as long as the data); shorter ones are gathered at once, where a
# Python loop over them would cost more than the index.
_LONG_RUN = 64


def _runs(values, begins, lengths):
    """``values[b:b + n]`` for each begin ``b`` and length ``n``, end to end (a copy)."""
    lengths = np.asarray(lengths)
    total = int(lengths.sum())
    if len(lengths) * _LONG_RUN > total:
        return values[_segments(np.asarray(begins), lengths)]
    out = np.empty((total, *values.shape[1:]), dtype=values.dtype)
    position = 0
    for begin, n in zip(np.asarray(begins).tolist(), lengths.tolist(), strict=True):
        out[position:position + n] = values[begin:begin + n]
        position += n
    return out


def _gather_tails(array, starts):
    """Column ``s`` of ``array`` from row ``starts[s]`` on, all columns end to end (a copy).

    Copied column by column: no index arrays as long as the result (a
    million-value series took three times its size at once), and faster than
    one fancy-indexed gather (best of 5: 0.029 s instead of 0.067 s for 200
    rows and 50,000 columns, 0.2 ms instead of 6.8 for one of a million).
    """
    starts = np.asarray(starts).tolist()
    out = np.empty((len(array) * len(starts) - sum(starts), *array.shape[2:]), dtype=np.float64)
    position = 0
    for column, start in enumerate(starts):
        length = len(array) - start
        out[position:position + length] = array[start:, column]
        position += length
    return out


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
    ragged : RaggedPanel
        The values of each series, right-aligned at its own end (no
        rectangle: see :class:`RaggedPanel`).
    X : RaggedPanel or None
        The covariates of each series at the same positions (values of
        shape (n_values, n_features)); None when X was not given.
    X_frame : DataFrame or None
        ``X``'s rows in the order of the sorted long index, with its columns
        and a plain index (for scikit-learn's feature-name checks).
    ids : Index
        The series identifiers, sorted (in order of first appearance when
        they do not compare, as 1 and "a").
    ends : Index
        Each series' last timestamp (DatetimeIndex, PeriodIndex or integers).
    freq : pandas offset or int
        The step shared by all series.
    names : tuple
        The names of the two index levels.
    target : hashable
        The name of ``y`` (the Series' name or the column).
    """

    ragged: RaggedPanel
    X: RaggedPanel | None
    X_frame: pd.DataFrame | None
    ids: pd.Index
    ends: pd.Index
    freq: object
    names: tuple
    target: object
    columns: pd.Index | None = None

    @property
    def y(self):
        """The rectangle (n_rows, n_series), leading NaN: for scoring, not for fitting."""
        return self.ragged.to_dense()

    @property
    def n_rows(self):
        return self.ragged.n_rows

    def take(self, start, stop, series=None):
        """``(X, y)`` of the aligned rows ``start .. stop - 1`` in the long layout."""
        return to_long(self.ragged, self.X, self, start, stop, series, columns=self.columns)

    def rows(self, start, stop):
        """The panel of the aligned rows ``start .. stop - 1`` (every series ends on its last)."""
        ends = shift_times(self.ends, self.freq, self.n_rows - stop)
        X = None if self.X is None else self.X.between(start, stop)
        return LongPanel(self.ragged.between(start, stop), X, None, self.ids, ends, self.freq,
                         self.names, self.target, self.columns)

    def row_times(self, row):
        """The timestamp of aligned row ``row`` in every series (an Index)."""
        return shift_times(self.ends, self.freq, self.n_rows - 1 - row)


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


def _groups(index, what):
    """(ids sorted, row positions of each id, sorted by time); see :func:`_series_codes`.

    Raises the error of :func:`_check_unique` for a duplicate (series,
    time) pair, found as equal neighbours once sorted (no hash table of
    the pairs). The time level must hold dates, periods or integers.
    """
    codes, ids = _series_codes(index)
    if len(codes) and codes.min() < 0:  # pd.factorize's code of a missing id
        row = int(np.flatnonzero(codes < 0)[0])
        raise ValueError(
            f"{what} has a missing series id (NaN) in row {row}; give every row the id of "
            "its series."
        )
    times = index.get_level_values(1)
    key = times.asi8 if isinstance(times, (pd.DatetimeIndex, pd.PeriodIndex)) else (
        np.asarray(times, dtype=np.int64)
    )
    same = codes[1:] == codes[:-1]
    if (same | (codes[1:] > codes[:-1])).all() and ((key[1:] > key[:-1]) | ~same).all():
        # Already grouped by series and sorted by time, without repeats (a
        # frame from a query or a groupby): no sort, no reordered copies.
        order = np.arange(len(codes))
        return pd.Index(ids, name=index.names[0]), np.split(order, np.flatnonzero(~same) + 1)
    order = np.lexsort((key, codes))  # stable: equal pairs keep their order
    codes, key = codes[order], key[order]
    same = (codes[1:] == codes[:-1]) & (key[1:] == key[:-1])
    if same.any():  # the first repeated pair in the order of the rows
        raise _duplicate_pair(index, int(order[1:][same].min()), what)
    bounds = np.flatnonzero(np.diff(codes)) + 1
    return pd.Index(ids, name=index.names[0]), np.split(order, bounds)


def _series_codes(index):
    """``pd.factorize(sort=True)`` of the series level: (code of each row, ids sorted).

    Read from the MultiIndex's own level codes (small integers) rather than
    by hashing the materialised level: a million rows of 10,000 series took
    33 MB of temporaries (and hashing string ids is slow); the same codes
    and ids. A level with missing ids goes through ``pd.factorize``. Ids
    that do not compare (1 and "a") are ordered by type name, then as text,
    which no order of the rows changes either.
    """
    level_codes = np.asarray(index.codes[0])
    n_levels = len(index.levels[0])
    if len(level_codes) == 0 or level_codes.min() < 0:
        return pd.factorize(index.get_level_values(0), sort=True)
    # The level values some row uses (a subset keeps the unused ones).
    present = np.flatnonzero(np.bincount(level_codes, minlength=n_levels))
    try:
        # Sorted ids (as pandas' groupby and statsforecast order them): the
        # panel, and so a seeded network's fit, does not depend on the
        # order of the rows (a query without ORDER BY).
        ordered = present[index.levels[0][present].argsort(kind="stable")]
    except TypeError:  # ids that do not compare (1 and "a"): by type, then as text
        values = index.levels[0][present]
        keys = [(type(v).__name__, str(v)) for v in values]
        ordered = present[sorted(range(len(keys)), key=keys.__getitem__)]
    renumber = np.zeros(n_levels, dtype=np.int64)
    renumber[ordered] = np.arange(len(ordered))
    return renumber[level_codes], index.levels[0][ordered]


def _check_unique(index, what):
    duplicated = index.duplicated()
    if duplicated.any():
        raise _duplicate_pair(index, np.flatnonzero(duplicated)[0], what)


def _duplicate_pair(index, row, what):
    """The error for the (series, time) pair of ``index[row]``, given more than once."""
    series, time = index[row]
    return ValueError(
        f"{what} has duplicate (series, time) pairs: series {series!r} has more than one "
        f"row at {time}; give each series one value per timestamp."
    )


def _on_step(groups, times_all, freq):
    """Whether each series' timestamps (``groups``: rows sorted by time) are one ``freq`` apart.

    Vectorised over all the rows, a chunk of ``_CHUNK`` neighbouring pairs
    at a time: checking series by series costs a pandas call each (seconds
    for 100,000 series), and all rows at once several copies of the times.
    """
    order = np.concatenate(groups)
    ends = np.cumsum([len(rows) for rows in groups])
    for start, stop in _chunks(len(order) - 1):
        rows = np.arange(start, stop + 1)  # pairs (i, i + 1) of the chunk
        codes = np.searchsorted(ends, rows, side="right")  # the series of each row
        same = codes[1:] == codes[:-1]
        times = times_all[order[rows]]
        try:
            # Both ways: an anchored offset rolls a timestamp off its grid
            # forward onto it (2020-01-15 + MS is 2020-02-01), never back.
            following = shift_times(times[:-1], freq, -1)
            preceding = shift_times(times[1:], freq, 1)
        except (TypeError, ValueError, OverflowError):
            return False
        if not (np.all(np.asarray(following[same] == times[1:][same]))
                and np.all(np.asarray(preceding[same] == times[:-1][same]))):
            return False
    return True


def _common_step(ids, groups, times_all, what):
    """The one step of every series (each regular on it); named errors otherwise.

    Series of three or more timestamps give it (pandas infers a frequency
    from three); shorter ones must lie on it. The step of the first series
    long enough is checked on all of them at once; only when that fails
    are the series read one by one, to name the one off the grid.
    """
    first = next((k for k, rows in enumerate(groups) if len(rows) >= 3), None)
    if first is None:  # only then look for a series of two
        first = next((k for k, rows in enumerate(groups) if len(rows) == 2), None)
    if first is not None:
        freq = regular_step(times_all[groups[first]], f"series {_id(ids, first)!r} of {what}",
                            panel=True)
        if _on_step(groups, times_all, freq):
            return freq
    freq, first = None, None
    for series, rows in zip(ids, groups, strict=True):
        if len(rows) < 3:
            continue
        step = regular_step(times_all[rows], f"series {series!r} of {what}", panel=True)
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
            freq, first = regular_step(times, f"series {series!r} of {what}", panel=True), series
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
    if len(y) == 0:
        raise ValueError(
            f"{what} is an empty long panel; it needs at least one row (a value of a series "
            "at a time)."
        )
    index = y.index
    times_all = index.get_level_values(1)
    if not isinstance(times_all, (pd.DatetimeIndex, pd.PeriodIndex)) and not (
        pd.api.types.is_integer_dtype(times_all.dtype)
    ):
        first = index.get_level_values(0)
        swapped = isinstance(first, (pd.DatetimeIndex, pd.PeriodIndex)) or (
            pd.api.types.is_integer_dtype(first.dtype))
        raise ValueError(
            f"The time level of {what}'s (series, time) index must hold dates, periods or "
            f"integers; got {times_all.dtype}."
            + (f" Its first level holds {first.dtype} values: the levels look swapped, "
               f"(time, series); give {what}.swaplevel().sort_index()." if swapped else "")
        )
    ids, groups = _groups(index, what)
    values = y.to_numpy(dtype=np.float64)
    if freq is None:
        freq = _common_step(ids, groups, times_all, what)
    elif not _on_step(groups, times_all, freq):  # name the series off the grid
        for series, rows in zip(ids, groups, strict=True):
            times = times_all[rows]
            if len(times) > 1 and not future_index(times[:1], freq, len(times) - 1).equals(
                times[1:]
            ):
                raise ValueError(
                    f"Series {series!r} of {what} is not on the panel's time grid "
                    f"(frequency {getattr(freq, 'freqstr', freq)}): {list(times[:3])}..."
                )
    # The sorted values end to end with their offsets: no rectangle.
    order = np.concatenate(groups)
    lengths = [len(rows) for rows in groups]
    panel = RaggedPanel(values[order], np.concatenate([[0], np.cumsum(lengths, dtype=np.int64)]))
    bad = np.flatnonzero(np.isnan(panel.values))
    if len(bad):
        s = int(np.searchsorted(panel.offsets, bad[0], side="right")) - 1
        position = int(bad[0] - panel.offsets[s])
        raise ValueError(
            f"Series {_id(ids, s)!r} of {what} has a NaN at {times_all[order[bad[0]]]} "
            f"(position {position}); fill the missing values within each series first "
            f"(e.g. {what}.groupby(level=0).transform(lambda s: s.interpolate())): a row "
            "left out inside a series is a gap. Rows before a series starts or after it "
            "ends may be left out."
        )
    ends = times_all[[rows[-1] for rows in groups]]
    X_arr = X_frame = None
    if X is not None:
        X_arr, X_frame = _split_covariates(X, index, panel, order, what)
    columns = None if X is None else X.columns
    return LongPanel(panel, X_arr, X_frame, ids, ends, freq, tuple(index.names), y.name, columns)


def _split_covariates(X, index, panel, order, what):
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
    if not np.isfinite(values).all():
        row = np.flatnonzero(~np.isfinite(values).all(axis=1))[0]
        what = "a NaN" if np.isnan(values[row]).any() else "an infinite value"
        raise ValueError(
            f"X has {what} for series {index[row][0]!r} at {index[row][1]}; covariates must "
            "be observed and finite at every timestep of y."
        )
    return panel.with_values(values[order]), flat.iloc[order].reset_index(drop=True)


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

    ``y`` is a :class:`RaggedPanel` and ``X`` the per-series covariates in
    the same layout (values (n_values, n_features)), or None; ``layout`` gives the ``ids``,
    ``ends``, ``freq``, ``names`` and ``target`` (a :class:`LongPanel` or a
    fitted forecaster's equivalents); ``series`` the positions to keep (all
    by default). Row ``r`` of series ``s`` is ``n_rows - 1 - r`` steps before
    ``ends[s]``. Only observed values are listed, series by series, each in
    time order; the cost is that of those values, never of the rectangle.
    """
    series = np.arange(y.n_series) if series is None else np.asarray(series)
    n_rows = y.n_rows
    part = y.between(start, stop).take(series)
    at = part.series_index()  # position in `series` of every value
    # Aligned row of every value, and its timestamp: each series' end shifted
    # back, one vectorised shift per distinct row.
    row = start + part.value_rows()
    times = _shifted(layout.ends.take(series).take(at), layout.freq, n_rows - 1 - row)
    ids = layout.ids.take(series[at])
    index = pd.MultiIndex.from_arrays([ids, times], names=list(layout.names))
    y_long = pd.Series(part.values, index=index, name=layout.target)
    if X is None:
        return None, y_long
    X_values = X.between(start, stop).take(series).values
    return pd.DataFrame(X_values, index=index, columns=columns), y_long


def _shifted(times, freq, steps_back):
    """``times[i]`` moved ``steps_back[i]`` steps back: one shift per distinct step."""
    if len(times) == 0:
        return times
    steps_back = np.asarray(steps_back, dtype=np.int64)
    order = np.argsort(steps_back, kind="stable")
    sorted_steps = steps_back[order]
    bounds = np.flatnonzero(np.diff(sorted_steps)) + 1
    parts = [
        shift_times(times.take(chunk), freq, int(steps_back[chunk[0]]))
        for chunk in np.split(order, bounds)
    ]
    shifted = parts[0].append(parts[1:]) if len(parts) > 1 else parts[0]
    return shifted.take(np.argsort(order, kind="stable"))


def future_long_index(ids, ends, freq, n_steps, names):
    """The (series, time) index of the ``n_steps`` steps after each series' own end."""
    # Series by series, each end shifted 1 .. n_steps ahead (one shift per step).
    times = _shifted(ends.repeat(n_steps), freq, -np.tile(np.arange(1, n_steps + 1), len(ids)))
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
                f"X has series {_id(ids, s)!r} at {times[row]}, which is not on its time grid "
                f"(frequency {getattr(freq, 'freqstr', freq)}, last observation {end[0]})."
            )
        return ValueError(
            f"X has series {_id(ids, s)!r} at {times[row]}, inside its history, which ends at "
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
