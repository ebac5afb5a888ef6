"""Training windows and prediction contexts as zero-copy views over a panel.

A recurrent forecaster learns from pairs (past window, future target) cut out
of every series of a panel. Materialising all of them would cost
``n_windows × (lookback + horizon)`` floats, far more than the panel itself;
:class:`SlidingWindow` instead exposes them as strided *views* of one padded
copy of the panel and gathers only the windows of a batch. The copy is
ragged (:class:`~seqforecast._panel.RaggedPanel`): the series end to end,
each behind its own few NaN pads, so a panel with one very long series costs
its values, not the rectangle of ``n_series × longest``.

The position of a window is its **target start** ``t``: the panel row of its
first future step. Window ``(s, t)`` of series ``s`` holds

- the past: rows ``t - lookback .. t - 1`` (``y[t - lookback:t, s]``),
- the future: rows ``t .. t + horizon - 1`` (``y[t:t + horizon, s]``),

and the prediction context of the panel is the past at ``t = n_timesteps``.
Rows before the first panel row, and after the last, read as NaN, so every
series, whatever its length, gets the same kind of windows: with
``min_future`` below the horizon, a series shorter than a whole window still
gives windows whose future runs past its end. This module is numpy only.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from seqforecast._checks import POSITIVE_INT, POSITIVE_INT_OR_NONE, check_params
from seqforecast._panel import RaggedPanel, _chunks, _segments

__all__ = ["SlidingWindow", "WindowBatch"]


class WindowBatch(NamedTuple):
    """The arrays of a batch of windows (see :meth:`SlidingWindow.batch`).

    Attributes
    ----------
    past : ndarray of shape (B, lookback)
        Past target values, NaN where unobserved (before a series starts).
    future : ndarray of shape (B, horizon) or None
        Future target values; None for prediction contexts.
    past_X : ndarray of shape (B, lookback, n_features) or None
        Covariates of the past steps; None without covariates.
    future_X : ndarray of shape (B, horizon, n_features) or None
        Covariates of the future steps; None without covariates or for
        prediction contexts.
    n_observed : ndarray of shape (B,)
        Number of observed (non-NaN) values in each past window.
    """

    past: np.ndarray
    future: np.ndarray | None
    past_X: np.ndarray | None
    future_X: np.ndarray | None
    n_observed: np.ndarray


_CONSTRAINTS = {
    "lookback": POSITIVE_INT,
    "horizon": POSITIVE_INT,
    "stride": POSITIVE_INT,
    "min_observed": POSITIVE_INT_OR_NONE,
    "min_future": [*POSITIVE_INT_OR_NONE, "array-like"],
}


class SlidingWindow:
    """Sliding (past, future) windows over a right-aligned panel of series.

    ``fit(y, X)`` stores one copy of the panel, ragged: the series end to
    end, each behind ``pad = max(lookback, horizon)`` NaN values; every
    window is then a strided view of that flat buffer, so memory stays
    O(values + pad × n_series) whatever the number of windows and however
    different the series' lengths. Batches are gathered by fancy indexing
    the views, which copies only the batch.

    A window is identified by its series ``s`` and its **target start**
    ``t``, the aligned panel row of its first future step: its past is
    ``y[t - lookback:t, s]`` (rows before the series' first value read as
    NaN) and its future ``y[t:t + horizon, s]``. In the buffer, row ``r``
    of series ``s`` sits at ``base[s] + r`` (``base[s] = segment start + pad
    - first row of s``), so the past of ``(s, t)`` is the buffer's window
    starting at ``base[s] + t - lookback`` and its future the one at
    ``base[s] + t`` (see :meth:`past_position`). A window is valid for
    training when its future holds at least ``min_future`` observed values
    (by default all ``horizon``) and its past at least ``min_observed``.
    With ``stride > 1`` a series keeps every ``stride``-th start counted
    back from its last valid window, so the most recent data is always used.

    Parameters
    ----------
    lookback : int
        Number of past steps the model sees (``L``).
    horizon : int
        Number of future steps it predicts (``H``).
    stride : int, default=1
        Step between the target starts of consecutive training windows of a
        series, anchored on each series' last valid window.
    min_observed : int or None, default=None
        Least number of observed values a training window's past must hold,
        between 1 and ``lookback``. None means ``lookback`` (fully observed
        pasts only); smaller values let short series contribute windows whose
        past is NaN-padded at the start.
    min_future : int, array-like of int of shape (n_series,), or None, default=None
        Least number of observed values a training window's future must
        hold, between 1 and ``horizon``: one for all series, or one per
        series of the panel given to :meth:`fit`. None means ``horizon``
        (fully observed futures only); smaller values add the windows whose
        future runs past the end of their series (or over a gap), NaN where
        it is not observed, so that a loss can be taken on the observed
        steps alone: a series shorter than ``min_observed + horizon`` then
        still gives windows.

    Attributes
    ----------
    n_timesteps_ : int
        Number of aligned rows of the panel (the longest series).
    n_series_ : int
        Number of series.
    n_features_ : int
        Number of covariates (0 without ``X``).
    y_ : ndarray of shape (n_values + pad * n_series_ + horizon,)
        The flat buffer all target views point into: each series' values
        behind ``pad`` NaN, and ``horizon`` NaN after the last series (a
        future past its end reads them, as the others read the next
        series' pads).
    X_ : ndarray or None
        The covariates: shared by all series, (pad + n_timesteps_ + horizon,
        n_features_) with ``pad`` NaN rows in front and ``horizon`` behind;
        per series, a flat buffer (n_values + pad * n_series_ + horizon,
        n_features_) laid out like ``y_``; None without ``X``.

    See Also
    --------
    numpy.lib.stride_tricks.sliding_window_view : The view the windows are.

    Notes
    -----
    NaN may appear anywhere in ``y``: validity is decided window by window.
    A series starts at its first observed value (leading NaN of a dense
    panel are not stored); per-series covariates read as NaN before it. In
    a right-aligned panel (NaN only before a series' first observation) the
    past windows are NaN only at their start, so ``n_observed`` tells how
    many of their last values are real.

    Examples
    --------
    >>> import numpy as np
    >>> y = np.array([[1.0, np.nan], [2.0, np.nan], [3.0, 30.0], [4.0, 40.0], [5.0, 50.0]])
    >>> windows = SlidingWindow(lookback=2, horizon=1).fit(y)
    >>> series, start = windows.window_indices()
    >>> series.tolist(), start.tolist()
    ([0, 0, 0, 1], [2, 3, 4, 4])
    >>> windows.past(series, start)
    array([[ 1.,  2.],
           [ 2.,  3.],
           [ 3.,  4.],
           [30., 40.]])
    >>> windows.future(series, start)
    array([[ 3.],
           [ 4.],
           [ 5.],
           [50.]])
    >>> context = windows.context()
    >>> context.past, context.n_observed
    (array([[ 4.,  5.],
           [40., 50.]]), array([2, 2]))
    """

    def __init__(self, lookback, horizon, *, stride=1, min_observed=None, min_future=None):
        check_params(type(self).__name__, {
            "lookback": lookback, "horizon": horizon, "stride": stride,
            "min_observed": min_observed, "min_future": min_future,
        }, _CONSTRAINTS)
        if min_observed is not None and min_observed > lookback:
            raise ValueError(
                f"min_observed={min_observed} is larger than lookback={lookback}; a window "
                "cannot hold more observations than its length."
            )
        self.lookback, self.horizon, self.stride = int(lookback), int(horizon), int(stride)
        self.min_observed = self.lookback if min_observed is None else int(min_observed)
        self.min_future = self.horizon if min_future is None else self._check_min_future(
            min_future)

    def _check_min_future(self, min_future):
        """An int, or an int64 array of one least future per series."""
        values = np.asarray(min_future)
        if values.ndim > 1 or values.size == 0 or not np.issubdtype(values.dtype, np.integer):
            raise ValueError(
                "min_future must be an int or a 1-D array-like of ints, one per series; "
                f"got {min_future!r}."
            )
        if values.min() < 1 or values.max() > self.horizon:
            raise ValueError(
                f"min_future must lie in [1, horizon={self.horizon}] (a window's future "
                f"cannot hold more observations than its length); got {min_future!r}."
            )
        return int(values) if values.ndim == 0 else values.astype(np.int64)

    def __repr__(self):
        return (
            f"SlidingWindow(lookback={self.lookback}, horizon={self.horizon}, "
            f"stride={self.stride}, min_observed={self.min_observed}, "
            f"min_future={self.min_future})"
        )

    # ------------------------------------------------------------------ data
    def fit(self, y, X=None):
        """Store the panel (one padded ragged copy) that the windows will view.

        Parameters
        ----------
        y : RaggedPanel, or array-like of shape (n_timesteps, n_series) or (n_timesteps,)
            The panel: a :class:`~seqforecast._panel.RaggedPanel` (each
            series' values, right-aligned), or a dense one with NaN where a
            value is not observed (typically leading NaN for series that
            start later). A 1-D array is one series.
        X : array-like of shape (n_timesteps, n_features) or \
(n_timesteps, n_series, n_features), RaggedPanel, or None, default=None
            Covariates observed at the same timesteps: shared by all series
            (2-D) or per series (3-D, or a ``RaggedPanel`` laid out like
            ``y``, as in a long panel).

        Returns
        -------
        self : SlidingWindow
            The windowing, ready to give views and batches.
        """
        if not isinstance(y, RaggedPanel):
            y = np.asarray(y, dtype=np.float64)
            if y.ndim == 1:
                y = y[:, None]
            if y.ndim != 2:
                raise ValueError(
                    f"y must be 1-D (one series) or 2-D of shape (n_timesteps, n_series), "
                    f"got an array with {y.ndim} dimensions."
                )
            if y.size == 0:
                raise ValueError(
                    f"y is empty (shape {y.shape}); windows need at least one series with "
                    "observations."
                )
            y = RaggedPanel.from_dense(y)
        n_timesteps, n_series = y.n_rows, y.n_series
        if np.ndim(self.min_future) == 1 and len(self.min_future) != n_series:
            raise ValueError(
                f"min_future has {len(self.min_future)} values but y has {n_series} series; "
                "give one per series, or one int for all."
            )
        pad = self._pad = max(self.lookback, self.horizon)
        starts = y.starts
        # Each series behind `pad` NaN: series s's segment starts at `low`,
        # and its aligned row r sits at base[s] + r.
        self._low = y.offsets[:-1] + pad * np.arange(n_series, dtype=np.int64)
        self._base = self._low + pad - starts
        self._first = starts
        # `horizon` NaN behind the last series: the future of its latest
        # windows runs into them (min_future < horizon) as the other series'
        # futures run into the next series' pads.
        self.y_ = np.full(len(y.values) + pad * n_series + self.horizon, np.nan)
        self._place(self.y_, y.values, y)
        self._X_per_series = X is not None and (isinstance(X, RaggedPanel) or np.ndim(X) == 3)
        self.X_ = None if X is None else self._covariates(X, y)
        self.n_timesteps_ = n_timesteps
        self.n_series_ = n_series
        self.n_features_ = 0 if X is None else self.X_.shape[-1]
        # How many values a window has observed. When each series is observed
        # from its first value on (a right-aligned panel), its first row says
        # it all. Otherwise a running count of observed values along the
        # buffer gives any window's count with one subtraction.
        self._cum_observed = None
        if np.isnan(y.values).any():
            dtype = np.int32 if len(self.y_) < 2**31 else np.int64
            self._cum_observed = np.zeros(len(self.y_) + 1, dtype=dtype)
            np.cumsum(~np.isnan(self.y_), out=self._cum_observed[1:])
        return self

    def _place(self, buffer, values, y):
        """Write ``values`` (one row per value of ``y``, laid out like it) behind the pads.

        Value ``i`` of series ``s`` goes to buffer position ``i + pad * (s + 1)``;
        written in chunks, so no array of positions as long as the data is made.
        """
        for start, stop in _chunks(len(values)):
            rows = np.arange(start, stop)
            buffer[rows + self._pad * (y.series_of(rows) + 1)] = values[start:stop]

    def _covariates(self, X, y):
        """The padded covariate buffer: shared rows, or per series laid out like ``y_``."""
        n_timesteps, n_series = y.n_rows, y.n_series
        if isinstance(X, RaggedPanel):
            if not np.array_equal(X.lengths, y.lengths) or X.values.ndim != 2:
                raise ValueError(
                    "per-series covariates given as a RaggedPanel must have y's layout "
                    "(the same lengths) and values of shape (n_values, n_features)."
                )
            values = X.values
        else:
            X = np.asarray(X, dtype=np.float64)
            if X.ndim not in (2, 3) or (X.ndim == 3 and X.shape[1] != n_series):
                raise ValueError(
                    f"X must be 2-D of shape (n_timesteps, n_features) (shared by all "
                    f"series) or 3-D of shape (n_timesteps, n_series={n_series}, "
                    f"n_features) (per series), got an array of shape {X.shape}."
                )
            if len(X) != n_timesteps:
                raise ValueError(
                    f"X has {len(X)} rows but y has {n_timesteps}; covariates must be "
                    "observed at the same timesteps as y."
                )
            if X.ndim == 2:
                buffer = np.full((self._pad + n_timesteps + self.horizon, X.shape[1]), np.nan)
                buffer[self._pad:self._pad + n_timesteps] = X
                return buffer
            # Each series' rows from its first value on.
            values = X[y.value_rows(), y.series_index()]
        buffer = np.full((len(self.y_), values.shape[1]), np.nan)
        self._place(buffer, values, y)
        return buffer

    def _check_fitted(self):
        if not hasattr(self, "y_"):
            raise ValueError(
                "This SlidingWindow has no data yet; call fit(y, X) before asking for windows."
            )

    # ----------------------------------------------------------------- views
    @property
    def past_view(self):
        """Every past window of the buffer, as a view: ``past_view[past_position(s, t)]``.

        Returns
        -------
        ndarray of shape (len(y_) - lookback + 1, lookback)
            A read-only view of ``y_``.
        """
        self._check_fitted()
        return sliding_window_view(self.y_, self.lookback)

    @property
    def future_view(self):
        """Every future window of the buffer, as a view: ``future_view[future_position(s, t)]``.

        Returns
        -------
        ndarray of shape (len(y_) - horizon + 1, horizon)
            A read-only view of ``y_``.
        """
        self._check_fitted()
        return sliding_window_view(self.y_, self.horizon)

    @property
    def past_X_view(self):
        """Covariates of every past window, as a view of ``X_``.

        Shared covariates: ``past_X_view[t + pad - lookback]`` is
        ``X[t - lookback:t]``; per series: ``past_X_view[past_position(s, t)]``.

        Returns
        -------
        ndarray of shape (len(X_) - lookback + 1, lookback, n_features_) or None
            A read-only view of ``X_``; None without covariates.
        """
        self._check_fitted()
        if self.X_ is None:
            return None
        return np.swapaxes(sliding_window_view(self.X_, self.lookback, axis=0), -1, -2)

    @property
    def future_X_view(self):
        """Covariates of every future window, as a view of ``X_`` (see :attr:`past_X_view`).

        Returns
        -------
        ndarray of shape (len(X_) - horizon + 1, horizon, n_features_) or None
            A read-only view of ``X_``; None without covariates.
        """
        self._check_fitted()
        if self.X_ is None:
            return None
        return np.swapaxes(sliding_window_view(self.X_, self.horizon, axis=0), -1, -2)

    def past_position(self, series_idx, target_start):
        """Row of :attr:`past_view` holding the past of each window ``(s, t)``.

        ``base[s] + t - lookback``; a past that lies wholly before the
        series' first value (all NaN) points at the series' first pads.
        """
        s, t = np.asarray(series_idx), np.asarray(target_start)
        return np.maximum(self._base[s] + t - self.lookback, self._low[s])

    def future_position(self, series_idx, target_start):
        """Row of :attr:`future_view` holding the future of each window ``(s, t)``."""
        s, t = np.asarray(series_idx), np.asarray(target_start)
        return np.maximum(self._base[s] + t, self._low[s])

    def past_X_position(self, target_start, series_idx=None):
        """Row of :attr:`past_X_view` holding the past covariates of each window.

        Shared covariates: ``t + pad - lookback``; per series:
        :meth:`past_position` (``series_idx`` then required). Unchecked.
        """
        s = self._series_for_X(series_idx)
        if s is None:
            return np.asarray(target_start) + self._pad - self.lookback
        return self.past_position(s, target_start)

    def future_X_position(self, target_start, series_idx=None):
        """Row of :attr:`future_X_view` holding the future covariates of each window."""
        s = self._series_for_X(series_idx)
        if s is None:
            return np.asarray(target_start) + self._pad
        return self.future_position(s, target_start)

    # --------------------------------------------------------------- windows
    def window_indices(self):
        """The valid training windows, series by series, oldest first.

        A window ``(s, t)`` is valid when ``y[t:t + horizon, s]`` holds at
        least ``min_future`` observed values (all of them by default; rows
        past the panel's end count as unobserved) and its past at least
        ``min_observed``; of those, each series keeps the starts ``t`` with
        ``(t_last - t) % stride == 0``, ``t_last`` being its last valid
        start. Computed with array operations over the candidate starts of
        each series (no loop over windows, no (n_timesteps, n_series) array).

        Returns
        -------
        series_idx : ndarray of shape (n_windows,)
            Series of each window, in the least signed integer type that
            holds them (int8 up to 128 series, int16 up to 32,768...).
        target_start : ndarray of shape (n_windows,)
            Panel row of the first future step of each window (int32 below
            2**31 rows).
        """
        self._check_fitted()
        n_starts = self.n_timesteps_ - self._least_future() + 1
        if n_starts <= 0:
            empty = np.empty(0, dtype=np.intp)
            return empty, empty.copy()
        if self._cum_observed is None:
            return self._leading_starts(n_starts)
        return self._counted_starts(n_starts)

    def _least_future(self):
        """The least ``min_future`` of any series: the latest target start is before it."""
        return int(np.min(self.min_future))

    def _index_dtype(self, n_starts):
        return np.int32 if n_starts < 2**31 else np.intp

    def _series_dtype(self):
        """The least signed integer type holding every series number.

        One long series has as many windows as values: its series numbers
        in int8 take an eighth of the data's memory, not half.
        """
        for dtype in (np.int8, np.int16, np.int32):
            if self.n_series_ <= np.iinfo(dtype).max + 1:
                return dtype
        return np.intp

    def _leading_starts(self, n_starts):
        """:meth:`window_indices` of a panel whose series are observed from their first value.

        Series ``s`` observed from row ``f`` has ``min(L, t - f)`` past values
        at start ``t`` and ``min(H, n_timesteps - t)`` future ones from
        ``t >= f`` on, so its valid starts are ``f + min_observed ..
        n_timesteps - min_future[s]``, every ``stride``-th counted back from
        the last.
        """
        dtype = self._index_dtype(n_starts)
        last = self.n_timesteps_ - self.min_future  # per series with one min_future each
        earliest = self._first + self.min_observed
        counts = np.where(earliest <= last, (last - earliest) // self.stride + 1, 0)
        series_idx = np.repeat(np.arange(self.n_series_, dtype=self._series_dtype()), counts)
        # Series by series: last - (n - 1) * stride, ..., last, built in dtype.
        target_start = _segments(last - (counts - 1) * self.stride, counts, self.stride, dtype)
        return series_idx, target_start

    def _counted_starts(self, n_starts):
        """:meth:`window_indices` of a panel with NaN inside series (observed counts).

        The candidates of series ``s`` are ``t = first[s] .. n_starts - 1``
        (a future before its first value is not observed); their counts
        come from the running count of observed values along the buffer.
        """
        counts = np.maximum(n_starts - self._first, 0)
        series = np.repeat(np.arange(self.n_series_), counts)
        t = np.repeat(self._first, counts) + _segments(np.zeros(len(counts), dtype=np.int64),
                                                       counts)
        past = self._observed(series, t, past=True)
        future = self._observed(series, t, past=False)
        least = self.min_future if np.ndim(self.min_future) == 0 else self.min_future[series]
        valid = (future >= least) & (past >= self.min_observed)
        if self.stride > 1 and valid.any():
            # Last valid start of each series, then every stride-th back from it.
            last = np.full(self.n_series_, -1, dtype=np.int64)
            np.maximum.at(last, series[valid], t[valid])
            valid &= (last[series] - t) % self.stride == 0
        dtype = self._index_dtype(n_starts)
        return series[valid].astype(self._series_dtype()), t[valid].astype(dtype)

    def _observed(self, series_idx, target_start, *, past):
        """Observed values in the past (or future) of windows, from the running count."""
        cum = self._cum_observed
        low = self._low[series_idx]
        start = self._base[series_idx] + target_start
        if past:
            a, b = start - self.lookback, start
        else:
            a, b = start, start + self.horizon
        # Rows before the series' pads are unobserved: clip into its segment.
        return cum[np.maximum(b, low)] - cum[np.maximum(a, low)]

    def _check_indices(self, series_idx, target_start, *, n_windows, what):
        target_start = np.asarray(target_start)
        if target_start.size and (target_start.min() < 0 or target_start.max() >= n_windows):
            raise ValueError(
                f"target_start must lie in [0, {n_windows - 1}] for {what} windows "
                f"(n_timesteps={self.n_timesteps_}, horizon={self.horizon}); got values "
                f"from {target_start.min()} to {target_start.max()}."
            )
        if series_idx is None:
            return None, target_start
        series_idx = np.asarray(series_idx)
        if series_idx.size and (series_idx.min() < 0 or series_idx.max() >= self.n_series_):
            raise ValueError(
                f"series_idx must lie in [0, {self.n_series_ - 1}]; got values from "
                f"{series_idx.min()} to {series_idx.max()}."
            )
        return series_idx, target_start

    # -------------------------------------------------------------- gathering
    def past(self, series_idx, target_start):
        """Past target windows of the given windows (copies only these).

        Parameters
        ----------
        series_idx : array-like of int of shape (B,)
            Series of each window.
        target_start : array-like of int of shape (B,)
            Target start of each window, in ``0 .. n_timesteps_``.

        Returns
        -------
        ndarray of shape (B, lookback)
            NaN where the past is not observed.
        """
        self._check_fitted()
        s, t = self._check_indices(
            series_idx, target_start, n_windows=self.n_timesteps_ + 1, what="past"
        )
        return self.past_view[self.past_position(s, t)]

    def future(self, series_idx, target_start):
        """Future targets of the given windows (copies only these).

        Parameters
        ----------
        series_idx : array-like of int of shape (B,)
            Series of each window.
        target_start : array-like of int of shape (B,)
            Target start of each window, in ``0 .. n_timesteps_ - min_future``
            (the least ``min_future`` of any series).

        Returns
        -------
        ndarray of shape (B, horizon)
        """
        self._check_fitted()
        s, t = self._check_indices(
            series_idx,
            target_start,
            n_windows=self.n_timesteps_ - self._least_future() + 1,
            what="future",
        )
        return self.future_view[self.future_position(s, t)]

    def past_X(self, target_start, series_idx=None):
        """Covariates of the past steps of the given windows.

        Covariates shared by all series need only the target starts; those
        per series need ``series_idx`` too.

        Parameters
        ----------
        target_start : array-like of int of shape (B,)
            Target start of each window, in ``0 .. n_timesteps_``.
        series_idx : array-like of int of shape (B,), default=None
            Series of each window (required for per-series covariates).

        Returns
        -------
        ndarray of shape (B, lookback, n_features_) or None
            NaN for steps before the first row (per series: before the
            series' first value); None without covariates.
        """
        self._check_fitted()
        if self.X_ is None:
            return None
        s, t = self._check_indices(
            self._series_for_X(series_idx), target_start, n_windows=self.n_timesteps_ + 1,
            what="past",
        )
        return np.ascontiguousarray(self.past_X_view[self.past_X_position(t, s)])

    def future_X(self, target_start, series_idx=None):
        """Covariates of the future steps of the given windows.

        Parameters
        ----------
        target_start : array-like of int of shape (B,)
            Target start of each window, in ``0 .. n_timesteps_ - min_future``
            (the least ``min_future`` of any series).
        series_idx : array-like of int of shape (B,), default=None
            Series of each window (required for per-series covariates).

        Returns
        -------
        ndarray of shape (B, horizon, n_features_) or None
            None without covariates.
        """
        self._check_fitted()
        if self.X_ is None:
            return None
        s, t = self._check_indices(
            self._series_for_X(series_idx),
            target_start,
            n_windows=self.n_timesteps_ - self._least_future() + 1,
            what="future",
        )
        return np.ascontiguousarray(self.future_X_view[self.future_X_position(t, s)])

    def _series_for_X(self, series_idx):
        """The series to index per-series covariates with; None for shared ones."""
        if not self._X_per_series:
            return None
        if series_idx is None:
            raise ValueError("per-series covariates need series_idx to pick each window's.")
        return series_idx

    def n_observed(self, series_idx, target_start):
        """Number of observed values in the past of the given windows.

        Parameters
        ----------
        series_idx : array-like of int of shape (B,)
            Series of each window.
        target_start : array-like of int of shape (B,)
            Target start of each window, in ``0 .. n_timesteps_``.

        Returns
        -------
        ndarray of int of shape (B,)
            Between 0 and ``lookback``.
        """
        self._check_fitted()
        s, t = self._check_indices(
            series_idx, target_start, n_windows=self.n_timesteps_ + 1, what="past"
        )
        if self._cum_observed is None:
            since_first = np.asarray(t) - self._first[s]
            return np.clip(since_first, 0, self.lookback)
        return self._observed(s, t, past=True)

    def batch(self, series_idx, target_start):
        """All arrays of the given training windows at once.

        Parameters
        ----------
        series_idx : array-like of int of shape (B,)
            Series of each window.
        target_start : array-like of int of shape (B,)
            Target start of each window, in ``0 .. n_timesteps_ - min_future``
            (the least ``min_future`` of any series).

        Returns
        -------
        WindowBatch
            ``past`` (B, lookback), ``future`` (B, horizon), ``past_X``
            (B, lookback, n_features) or None, ``future_X``
            (B, horizon, n_features) or None, ``n_observed`` (B,).
        """
        return WindowBatch(
            past=self.past(series_idx, target_start),
            future=self.future(series_idx, target_start),
            past_X=self.past_X(target_start, series_idx),
            future_X=self.future_X(target_start, series_idx),
            n_observed=self.n_observed(series_idx, target_start),
        )

    def context(self):
        """The prediction context: the last ``lookback`` steps of every series.

        Series shorter than ``lookback`` are NaN-padded at the start;
        ``n_observed`` says how many values are real.

        Returns
        -------
        WindowBatch
            ``past`` (n_series, lookback), ``past_X`` (n_series, lookback,
            n_features) or None, ``n_observed`` (n_series,); ``future`` and
            ``future_X`` are None.
        """
        self._check_fitted()
        series = np.arange(self.n_series_)
        end = np.full(self.n_series_, self.n_timesteps_)
        return WindowBatch(
            past=self.past(series, end),
            future=None,
            past_X=self.past_X(end, series),
            future_X=None,
            n_observed=self.n_observed(series, end),
        )
