"""Training data of the neural forecasters: scaled windows served a batch at a time.

The windows themselves are zero-copy views of the panel
(:class:`~seqforecast.windowing.SlidingWindow`); this module scales them
(:class:`Scaler`), weighs them (:func:`relative_naive_scale`) and hands
skorch whole batches gathered with one vectorised index
(:class:`WindowDataset`, :class:`SampledDataset`, :class:`Batches`).
"""

from __future__ import annotations

import warnings

import numpy as np
import torch

from seqforecast._panel import RaggedPanel
from seqforecast.neural import _distributed

__all__ = [
    "MAX_LOSS_WEIGHT", "SCALE_FLOOR", "Batches", "SampledDataset", "Scaler", "WindowDataset",
    "relative_naive_scale",
]

# Largest weight of a window's loss with loss_scale="mase", relative to the
# median series: keeps near-constant series from taking over the gradient.
MAX_LOSS_WEIGHT = 10.0
# Smallest scale a window may get, relative to the largest absolute value in
# the history (1.0 for an all-zero history): keeps all-zero windows from
# dividing by zero. Relative to the data only, so that multiplying the data
# by any constant multiplies the forecasts by it.
SCALE_FLOOR = 1e-8


def relative_naive_scale(y, period, floor):
    """Seasonal-naive MAE of each series, over the median series' ratio to its level.

    ``y`` is the :class:`~seqforecast._panel.RaggedPanel` of the training
    history in training units (each series read on its own values). The lag
    is ``period`` for series longer than it, else 1. Dividing by the median
    of ``MAE / mean |y|`` over the series makes the weights of
    ``loss_scale="mase"`` 1 for a typical window, so the learning rate keeps
    its meaning.
    """
    y = RaggedPanel.of(y)  # a dense panel (n_rows, n_series) is converted
    n_obs = y.lengths
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns
        seasonal = y.mean_abs_change(period) if period > 1 else None
        one_step = y.mean_abs_change(1)
        level = y.series_sum(np.abs(y.values)) / n_obs
    scale = one_step if seasonal is None else np.where(n_obs > period, seasonal, one_step)
    scale = np.where(np.isfinite(scale) & (scale > floor), scale, np.nan)
    ratio = scale / np.maximum(level, floor)
    typical = np.nanmedian(ratio) if np.isfinite(ratio).any() else 1.0
    # Constant series (no naive error) get the typical scale.
    scale = np.where(np.isfinite(scale), scale, typical * np.maximum(level, floor))
    return scale / typical


class WindowDataset(torch.utils.data.Dataset):
    """Training or validation windows, served a whole batch at a time.

    ``self[indices]`` gathers the windows at positions ``indices`` of
    (series_idx, target_start), scales them and returns ``(inputs, target)``
    where inputs is the dict of :class:`ForecastNetwork` arguments. Only the
    batch is copied: the windows themselves stay views of the panel.
    """

    def __init__(self, windows, series_idx, target_start, scaler, series_scale=None):
        self.windows = windows
        self.series_idx = series_idx
        self.target_start = target_start
        self.scaler = scaler
        # With loss_scale="mase": each series' MASE scale, relative to its level.
        self.series_scale = series_scale

    def __len__(self):
        return len(self.series_idx)

    def __getitem__(self, indices):
        batch = self.windows.batch(self.series_idx[indices], self.target_start[indices])
        inputs, loc, scale = self.scaler.inputs(batch, self.series_idx[indices])
        target = (batch.future - loc) / scale  # -> (B, T)
        target = target[:, :, None]  # -> (B, T, 1)
        if self.series_scale is not None:
            # A second channel weights each window's loss: its error in data
            # units over its series' seasonal-naive error (as MASE counts it).
            weight = np.abs(scale) / self.series_scale[self.series_idx[indices]][:, None]
            weight = np.minimum(weight, MAX_LOSS_WEIGHT)
            target = np.concatenate([target, np.broadcast_to(weight[:, :, None],
                                                             target.shape)], axis=2)
        return inputs, torch.from_numpy(target.astype(np.float32))

    def order(self, generator=None):
        """Positions of the windows of one epoch: shuffled with a ``generator``."""
        if generator is None:
            return np.arange(len(self))
        return torch.randperm(len(self), generator=generator).numpy()


class Batches:
    """Re-iterable batches of a window dataset (skorch iterates it once per epoch).

    With ``shard=(rank, world_size)``, only this process's share of each
    epoch's order (:func:`~seqforecast.neural._distributed.shard`).
    """

    def __init__(self, dataset, batch_size, generator=None, shard=None):
        self.dataset = dataset
        self.batch_size = batch_size
        self.generator = generator
        self.shard = shard

    def __len__(self):
        n = len(self.dataset)
        if self.shard is not None:
            n = -(-n // self.shard[1])
        return -(-n // self.batch_size)

    def __iter__(self):
        order = self.dataset.order(self.generator)
        if self.shard is not None:
            order = _distributed.shard(order, *self.shard)
        for start in range(0, len(order), self.batch_size):
            yield self.dataset[order[start:start + self.batch_size]]


class Scaler:
    """Per-window or per-series scaling of the target; covariates standardised.

    ``mean``: each window is mapped to ``(y - s) / s`` (the forecast is
    mapped back) with ``s = sign(mean(past)) * mean(|past|)`` over its
    observed past (sign +1 when the mean is 0), so one network serves series
    of any level and sign: the scaled windows of ``-c * y`` are exactly those
    of ``y`` for any ``c > 0``, and its forecasts are ``-c`` times those of
    ``y``. A negative ``s`` reverses the order of quantile outputs
    (:meth:`~seqforecast.neural.RNNForecaster.predict_quantiles` accounts for
    it). ``standard``: each series is standardised with the mean and standard
    deviation of its training history. None: raw values. ``y`` is the
    :class:`~seqforecast._panel.RaggedPanel` of the history; ``X`` the
    covariates (shared rows, or a ``RaggedPanel`` per series) whose last
    columns may be the ``static`` features (n_series, S), standardised over
    the series.
    """

    def __init__(self, scaling, y, X, static=None):
        self.scaling = scaling
        y = RaggedPanel.of(y)  # a dense panel (n_rows, n_series) is converted
        # Its values are the observations. The largest absolute value,
        # without an array of them.
        floor = SCALE_FLOOR * max(float(np.nanmax(y.values)), -float(np.nanmin(y.values)))
        floor = floor if floor > 0 else 1.0  # an all-zero history
        self.floor = floor
        if scaling == "standard":
            # Per-series mean and standard deviation, summed in time order
            # (as np.nanmean/np.nanstd down a dense panel's columns).
            n = y.lengths
            self.loc = y.series_sum(y.values) / n
            centred = y.values - np.repeat(self.loc, n)
            std = np.sqrt(y.series_sum(centred * centred) / n)
            self.std = np.where(std > floor, std, 1.0)
        if X is not None:
            # Shared (n, K) covariates, or per series (a RaggedPanel laid out
            # like y) taken row by row, series by series within a row.
            if isinstance(X, np.ndarray):
                flat = X
            else:
                flat = X.values[np.lexsort((X.series_index(), X.value_rows()))]
            self.X_mean = np.nanmean(flat, axis=0)
            X_std = np.nanstd(flat, axis=0)
            if static is not None and static.shape[1]:
                # The last columns are the static features (n_series, S):
                # each series counts once, however long its history.
                k = static.shape[1]
                self.X_mean[-k:] = static.mean(axis=0)
                X_std[-k:] = static.std(axis=0)
            self.X_std = np.where(X_std > 0, X_std, 1.0)

    _ARRAYS = ("loc", "std", "X_mean", "X_std")

    def to_state(self):
        """``(scalars, arrays)``: plain values and the numpy arrays that define the scaler."""
        arrays = {name: np.asarray(getattr(self, name)) for name in self._ARRAYS
                  if hasattr(self, name)}
        return {"scaling": self.scaling, "floor": float(self.floor)}, arrays

    @classmethod
    def from_state(cls, scalars, arrays):
        """The scaler that :meth:`to_state` described."""
        scaler = cls.__new__(cls)
        scaler.scaling = scalars["scaling"]
        scaler.floor = scalars["floor"]
        for name in cls._ARRAYS:
            if name in arrays:
                setattr(scaler, name, np.asarray(arrays[name], dtype=np.float64))
        return scaler

    def _scale(self, past, series_idx):
        """(loc, scale) of each window, each broadcastable to (B, 1)."""
        if self.scaling == "mean":
            size = np.maximum(np.nanmean(np.abs(past), axis=1, keepdims=True), self.floor)
            # Signed like the window's mean, so -y is scaled exactly as y is.
            scale = np.where(np.nanmean(past, axis=1, keepdims=True) < 0, -size, size)
            # Centred on the window's level: an untrained network (output 0)
            # forecasts the level, and inputs sit around 0 where tanh is steep.
            return scale, scale
        if self.scaling == "standard":
            return self.loc[series_idx][:, None], self.std[series_idx][:, None]
        return 0.0, np.ones((len(past), 1))

    def inputs(self, batch, series_idx):
        """Network inputs of a batch, and the (loc, scale) that undo the scaling."""
        loc, scale = self._scale(batch.past, series_idx)
        # Unobserved (padding) steps become 0; packing keeps the network from
        # reading them.
        past = np.nan_to_num((batch.past - loc) / scale)[:, :, None]  # -> (B, L, 1)
        future = None
        if batch.past_X is not None:
            past_X = (batch.past_X - self.X_mean) / self.X_std  # -> (B, L, K)
            past = np.concatenate([past, past_X], axis=2)  # -> (B, L, 1 + K)
            if batch.future_X is not None:
                future = (batch.future_X - self.X_mean) / self.X_std  # -> (B, T, K)
        inputs = {
            "past": torch.from_numpy(past.astype(np.float32)),
            "lengths": torch.from_numpy(np.asarray(batch.n_observed, dtype=np.int64)),
        }
        if future is not None:
            inputs["future"] = torch.from_numpy(future.astype(np.float32))
        return inputs, loc, scale


class SampledDataset(torch.utils.data.Dataset):
    """A fresh random draw of ``n_windows`` training windows at every epoch.

    Draws without replacement up to the number of windows, and whole
    shuffled passes beyond it, so small histories still get enough steps.
    """

    def __init__(self, dataset, n_windows):
        self.dataset = dataset
        self.n_windows = n_windows

    def __len__(self):
        return self.n_windows

    def __getitem__(self, indices):
        return self.dataset[indices]

    def order(self, generator=None):
        n = len(self.dataset)
        passes = -(-self.n_windows // n)
        order = torch.cat([torch.randperm(n, generator=generator) for _ in range(passes)])
        return order[: self.n_windows].numpy()
