"""Training windows and prediction contexts as zero-copy views over a panel.

A recurrent forecaster learns from pairs (past window, future target) cut out
of every series of a panel. Materialising all of them would cost
``n_windows × (lookback + horizon)`` floats, far more than the panel itself;
:class:`SlidingWindow` instead exposes them as strided *views* of one padded
copy of the panel and gathers only the windows of a batch.

The position of a window is its **target start** ``t``: the panel row of its
first future step. Window ``(s, t)`` of series ``s`` holds

- the past: rows ``t - lookback .. t - 1`` (``y[t - lookback:t, s]``),
- the future: rows ``t .. t + horizon - 1`` (``y[t:t + horizon, s]``),

and the prediction context of the panel is the past at ``t = n_timesteps``.
Rows before the first panel row read as NaN, so every series, whatever its
length, gets the same kind of windows. This module is numpy only.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from seqforecast._checks import POSITIVE_INT, POSITIVE_INT_OR_NONE, check_params

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
}


class SlidingWindow:
    """Sliding (past, future) windows over a right-aligned panel of series.

    ``fit(y, X)`` stores one copy of the panel with ``lookback`` NaN rows in
    front; every window is then a strided view of that buffer, so memory
    stays O(n_timesteps × n_series) whatever the number of windows. Batches
    are gathered by fancy indexing the views, which copies only the batch.

    A window is identified by its series ``s`` and its **target start**
    ``t``, the panel row of its first future step: its past is
    ``y[t - lookback:t, s]`` (rows before the panel read as NaN) and its
    future ``y[t:t + horizon, s]``. A window is valid for training when its
    future is fully observed and its past holds at least ``min_observed``
    observed values. With ``stride > 1`` a series keeps every ``stride``-th
    start counted back from its last valid window, so the most recent data is
    always used.

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

    Attributes
    ----------
    n_timesteps_ : int
        Number of rows of the panel.
    n_series_ : int
        Number of series (columns of ``y``).
    n_features_ : int
        Number of covariates (0 without ``X``).
    y_ : ndarray of shape (lookback + n_timesteps_, n_series_)
        The panel as float64 behind ``lookback`` rows of NaN; the buffer all
        target views point into.
    X_ : ndarray of shape (lookback + n_timesteps_, n_features_) or None
        The covariates, padded the same way; None without ``X``.

    See Also
    --------
    numpy.lib.stride_tricks.sliding_window_view : The view the windows are.

    Notes
    -----
    NaN may appear anywhere in ``y``: validity is decided window by window.
    In a right-aligned panel (NaN only before a series' first observation),
    the past windows are NaN only at their start, so ``n_observed`` tells how
    many of their last values are real.

    Examples
    --------
    >>> import numpy as np
    >>> y = np.array([[1.0, np.nan], [2.0, np.nan], [3.0, 30.0], [4.0, 40.0], [5.0, 50.0]])
    >>> windows = SlidingWindow(lookback=2, horizon=1).fit(y)
    >>> series, start = windows.window_indices()
    >>> series, start
    (array([0, 0, 0, 1]), array([2, 3, 4, 4]))
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

    def __init__(self, lookback, horizon, *, stride=1, min_observed=None):
        check_params(type(self).__name__, {
            "lookback": lookback, "horizon": horizon, "stride": stride,
            "min_observed": min_observed,
        }, _CONSTRAINTS)
        if min_observed is not None and min_observed > lookback:
            raise ValueError(
                f"min_observed={min_observed} is larger than lookback={lookback}; a window "
                "cannot hold more observations than its length."
            )
        self.lookback, self.horizon, self.stride = int(lookback), int(horizon), int(stride)
        self.min_observed = self.lookback if min_observed is None else int(min_observed)

    def __repr__(self):
        return (
            f"SlidingWindow(lookback={self.lookback}, horizon={self.horizon}, "
            f"stride={self.stride}, min_observed={self.min_observed})"
        )

    # ------------------------------------------------------------------ data
    def fit(self, y, X=None):
        """Store the panel (one padded copy) that the windows will view.

        Parameters
        ----------
        y : array-like of shape (n_timesteps, n_series) or (n_timesteps,)
            The panel, NaN where a value is not observed (typically leading
            NaN for series that start later). A 1-D array is one series.
        X : array-like of shape (n_timesteps, n_features) or \
(n_timesteps, n_series, n_features), or None, default=None
            Covariates observed at the same timesteps: shared by all series
            (2-D) or per series (3-D, as in a long panel).

        Returns
        -------
        self : SlidingWindow
            The windowing, ready to give views and batches.
        """
        y = np.asarray(y, dtype=np.float64)
        if y.ndim == 1:
            y = y[:, None]
        if y.ndim != 2:
            raise ValueError(
                f"y must be 1-D (one series) or 2-D of shape (n_timesteps, n_series), "
                f"got an array with {y.ndim} dimensions."
            )
        n_timesteps, n_series = y.shape
        L = self.lookback
        # One copy with `lookback` NaN rows in front: the past window at any
        # target start t in 0..n_timesteps is then rows t..t+L-1 of the buffer.
        self.y_ = np.full((L + n_timesteps, n_series), np.nan)
        self.y_[L:] = y
        if X is not None:
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
            self.X_ = np.full((L + n_timesteps, *X.shape[1:]), np.nan)
            self.X_[L:] = X
        else:
            self.X_ = None
        self.n_timesteps_ = n_timesteps
        self.n_series_ = n_series
        self.n_features_ = 0 if X is None else X.shape[-1]
        # How many values a window has observed. When each series is observed
        # from its first value on (NaN only before it: a right-aligned panel),
        # that first row says it all. Otherwise a running count of observed
        # values gives any window's count with one subtraction, with no
        # window materialised.
        self._cum_observed = None
        nan = np.isnan(y)
        first = np.argmax(~nan, axis=0)  # (n_series,): first observed row
        if np.array_equal(nan.sum(axis=0), first) and not nan.all(axis=0).any():
            self._first = first.astype(np.int32 if n_timesteps < 2**31 else np.intp)
        else:
            self._first = None
            dtype = np.int32 if L + n_timesteps < 2**31 else np.int64
            self._cum_observed = np.zeros((L + n_timesteps + 1, n_series), dtype=dtype)
            np.cumsum(~np.isnan(self.y_), axis=0, out=self._cum_observed[1:])
        return self

    def _check_fitted(self):
        if not hasattr(self, "y_"):
            raise ValueError(
                "This SlidingWindow has no data yet; call fit(y, X) before asking for windows."
            )

    # ----------------------------------------------------------------- views
    @property
    def past_view(self):
        """Past windows of every series at every target start, as a view.

        ``past_view[s, t]`` is ``y[t - lookback:t, s]`` with NaN before the
        first row, for ``t`` in ``0 .. n_timesteps_`` (the last one is the
        prediction context).

        Returns
        -------
        ndarray of shape (n_series_, n_timesteps_ + 1, lookback)
            A read-only view of ``y_``.
        """
        self._check_fitted()
        # (n_timesteps + 1, n_series, L) -> (n_series, n_timesteps + 1, L)
        return sliding_window_view(self.y_, self.lookback, axis=0).transpose(1, 0, 2)

    @property
    def future_view(self):
        """Future targets of every series at every target start, as a view.

        ``future_view[s, t]`` is ``y[t:t + horizon, s]`` for ``t`` in
        ``0 .. n_timesteps_ - horizon``.

        Returns
        -------
        ndarray of shape (n_series_, max(n_timesteps_ - horizon + 1, 0), horizon)
            A read-only view of ``y_`` (an empty array when the panel is
            shorter than ``horizon``).
        """
        self._check_fitted()
        return self._future(self.y_).transpose(1, 0, 2)

    @property
    def past_X_view(self):
        """Covariates of the past window at every target start, as a view.

        ``past_X_view[t]`` is ``X[t - lookback:t]`` with NaN before the first
        row, for ``t`` in ``0 .. n_timesteps_`` (``past_X_view[t, s]`` for
        per-series covariates).

        Returns
        -------
        ndarray of shape (n_timesteps_ + 1, [n_series_,] lookback, n_features_) or None
            A read-only view of ``X_``; None without covariates.
        """
        self._check_fitted()
        if self.X_ is None:
            return None
        return np.swapaxes(sliding_window_view(self.X_, self.lookback, axis=0), -1, -2)

    @property
    def future_X_view(self):
        """Covariates of the future steps at every target start, as a view.

        ``future_X_view[t]`` is ``X[t:t + horizon]`` for ``t`` in
        ``0 .. n_timesteps_ - horizon`` (``future_X_view[t, s]`` for
        per-series covariates).

        Returns
        -------
        ndarray of shape (max(n_timesteps_ - horizon + 1, 0), [n_series_,] horizon, \
n_features_) or None
            A read-only view of ``X_``; None without covariates.
        """
        self._check_fitted()
        if self.X_ is None:
            return None
        return np.swapaxes(self._future(self.X_), -1, -2)

    def _future(self, buffer):
        """Windows of ``horizon`` rows over the unpadded part of ``buffer``."""
        body = buffer[self.lookback :]
        if len(body) < self.horizon:
            return np.empty((0, *body.shape[1:], self.horizon))
        return sliding_window_view(body, self.horizon, axis=0)

    # --------------------------------------------------------------- windows
    def window_indices(self):
        """The valid training windows, series by series, oldest first.

        A window ``(s, t)`` is valid when ``y[t:t + horizon, s]`` is fully
        observed and its past holds at least ``min_observed`` observed
        values; of those, each series keeps the starts ``t`` with
        ``(t_last - t) % stride == 0``, ``t_last`` being its last valid
        start. Computed with array operations, no loop over windows.

        Returns
        -------
        series_idx : ndarray of shape (n_windows,)
            Series of each window.
        target_start : ndarray of shape (n_windows,)
            Panel row of the first future step of each window.
        """
        self._check_fitted()
        L, H = self.lookback, self.horizon
        n_starts = self.n_timesteps_ - H + 1
        if n_starts <= 0:
            empty = np.empty(0, dtype=np.intp)
            return empty, empty.copy()
        cum = self._cum_observed
        if cum is None:
            return self._leading_starts(n_starts)
        # Buffer row of target start t is t + L; counts for t = 0 .. n_starts-1.
        past_count = cum[L : L + n_starts] - cum[:n_starts]
        future_count = cum[L + H : L + H + n_starts] - cum[L : L + n_starts]
        valid = future_count == H  # (n_starts, n_series)
        valid &= past_count >= self.min_observed
        del past_count, future_count
        return self._starts_of(valid, n_starts)

    def _leading_starts(self, n_starts):
        """:meth:`window_indices` of a panel whose series are observed from their first value.

        Series ``s`` observed from row ``f`` has ``min(L, t - f)`` past values
        at start ``t`` and a full future from ``t >= f`` on, so its valid
        starts are ``f + min_observed .. n_starts - 1``, every ``stride``-th
        counted back from the last; computed without any (n_starts,
        n_series) array.
        """
        dtype = np.int32 if max(n_starts, self.n_series_) < 2**31 else np.intp
        last = n_starts - 1
        earliest = self._first.astype(np.int64) + self.min_observed
        counts = np.where(earliest <= last, (last - earliest) // self.stride + 1, 0)
        series_idx = np.repeat(np.arange(self.n_series_, dtype=dtype), counts)
        target_start = np.empty(len(series_idx), dtype=dtype)
        done = 0
        for s in np.flatnonzero(counts):
            n = int(counts[s])
            target_start[done:done + n] = np.arange(
                last - (n - 1) * self.stride, last + 1, self.stride, dtype=dtype
            )
            done += n
        return series_idx, target_start

    def _starts_of(self, valid, n_starts):
        """(series_idx, target_start) of the True entries of ``valid`` (n_starts, n_series).

        With ``stride``, each series keeps every ``stride``-th valid start
        counted back from its last one. Series by series, oldest first;
        int32 indices where they fit (half the memory of int64).
        """
        if self.stride > 1:
            # Last valid start of each series (any value for series without one).
            last = n_starts - 1 - np.argmax(valid[::-1], axis=0)
            # Keep t with (last - t) % stride == 0, compared as residues so
            # that no (n_starts, n_series) integer array is allocated.
            residue = np.arange(n_starts) % self.stride
            valid = valid & (residue[:, None] == (last % self.stride)[None, :])
        counts = np.count_nonzero(valid, axis=0)  # (n_series,)
        dtype = np.int32 if max(n_starts, self.n_series_) < 2**31 else np.intp
        # Series by series: each series' valid starts, oldest first.
        series_idx = np.repeat(np.arange(self.n_series_, dtype=dtype), counts)
        target_start = np.empty(int(counts.sum()), dtype=dtype)
        done = 0
        for s in np.flatnonzero(counts):
            target_start[done:done + counts[s]] = np.flatnonzero(valid[:, s])
            done += counts[s]
        return series_idx, target_start

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
        return self.past_view[s, t]

    def future(self, series_idx, target_start):
        """Future targets of the given windows (copies only these).

        Parameters
        ----------
        series_idx : array-like of int of shape (B,)
            Series of each window.
        target_start : array-like of int of shape (B,)
            Target start of each window, in ``0 .. n_timesteps_ - horizon``.

        Returns
        -------
        ndarray of shape (B, horizon)
        """
        self._check_fitted()
        s, t = self._check_indices(
            series_idx,
            target_start,
            n_windows=self.n_timesteps_ - self.horizon + 1,
            what="future",
        )
        return self.future_view[s, t]

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
            NaN for steps before the first row; None without covariates.
        """
        self._check_fitted()
        if self.X_ is None:
            return None
        s, t = self._check_indices(
            self._series_for_X(series_idx), target_start, n_windows=self.n_timesteps_ + 1,
            what="past",
        )
        view = self.past_X_view
        return np.ascontiguousarray(view[t] if s is None else view[t, s])

    def future_X(self, target_start, series_idx=None):
        """Covariates of the future steps of the given windows.

        Parameters
        ----------
        target_start : array-like of int of shape (B,)
            Target start of each window, in ``0 .. n_timesteps_ - horizon``.
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
            n_windows=self.n_timesteps_ - self.horizon + 1,
            what="future",
        )
        view = self.future_X_view
        return np.ascontiguousarray(view[t] if s is None else view[t, s])

    def _series_for_X(self, series_idx):
        """The series to index per-series covariates with; None for shared ones."""
        if self.X_.ndim == 2:
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
        cum = self._cum_observed
        if cum is None:
            since_first = np.asarray(t) - self._first[s]
            return np.clip(since_first, 0, self.lookback)
        return cum[t + self.lookback, s] - cum[t, s]

    def batch(self, series_idx, target_start):
        """All arrays of the given training windows at once.

        Parameters
        ----------
        series_idx : array-like of int of shape (B,)
            Series of each window.
        target_start : array-like of int of shape (B,)
            Target start of each window, in ``0 .. n_timesteps_ - horizon``.

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
