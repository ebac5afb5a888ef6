"""Training data of the neural forecasters: scaled windows served a batch at a time.

The windows themselves are zero-copy views of the panel
(:class:`~seqforecast.windowing.SlidingWindow`); this module scales them
(:class:`Scaler`), weighs them (:func:`relative_naive_scale`) and hands
skorch whole batches gathered with one vectorised index
(:class:`WindowDataset`, :class:`SampledDataset`, :class:`Batches`).
"""

from __future__ import annotations

import warnings
from types import SimpleNamespace
from typing import NamedTuple

import numpy as np
import torch

from seqforecast._panel import RaggedPanel
from seqforecast.neural import _distributed
from seqforecast.windowing import WindowBatch

__all__ = [
    "MAX_LOSS_WEIGHT", "NOISE_CHANGES", "RECENT_FLOOR", "SCALE_FLOOR", "WINDOW_SCALINGS",
    "Batches", "DeviceWindowDataset", "SampledDataset", "Scaler", "WindowDataset",
    "noise_median", "relative_naive_scale", "target_range",
]

# Largest weight of a window's loss with loss_scale="mase", relative to the
# median series: keeps near-constant series from taking over the gradient.
MAX_LOSS_WEIGHT = 10.0
# Smallest scale a window may get, relative to the largest absolute value in
# the history (1.0 for an all-zero history): keeps all-zero windows from
# dividing by zero. Relative to the data only, so that multiplying the data
# by any constant multiplies the forecasts by it.
SCALE_FLOOR = 1e-8
# Smallest scaling="recent" (and "smoothed") window scale, relative to the
# whole window's mean absolute value. Without it a window whose last third
# is all zeros (intermittent demand, a series that stopped) would be divided
# by the data floor: inputs of 1e8, and a forecast of the floor times
# whatever the network says, zero. With it the inputs stay below 10 times
# the window length. A safety net for such windows only: no window of M3
# comes under it (their smallest ratio is 0.2), one of M1 monthly's 24,691
# does.
RECENT_FLOOR = 0.1
# The scalings that scale each window by its own level (the others scale a
# whole series, or not at all); loss_scale="mase" weighs windows by it.
WINDOW_SCALINGS = ("mean", "recent", "smoothed")
# The smoothing constants scaling="smoothed" chooses from, per series.
SMOOTHING_GRID = np.round(np.arange(0.05, 1.0001, 0.05), 2)
# The largest constant chosen: the level weighs the last value at most half,
# so one noisy value does not set a window's scale (without the cap the
# choice is 1, the last value alone, on most trending series; on the M3
# validation folds that lowered MASE by up to 4 % on one fold and raised
# it by up to 4.6 % on the other: benchmarks/README.md).
_MAX_SMOOTHING = 0.5
# A study switch: a float sets one smoothing constant for every series.
_FIXED_SMOOTHING = None
# One-step changes a window must observe for the noise-level input to be
# its own; windows with fewer read the training windows' median, and with
# a lookback of NOISE_CHANGES or less the network gets no such input. A
# mean absolute change over 2 to 10 values misled the network (yearly
# series of 3 to 11 values: MASE up to 13 % higher on one M3 fold); from 12
# it helped monthly data more than from 24 (benchmarks/README.md, "A
# noise-level input").
NOISE_CHANGES = 12
# Mean absolute one-step changes below this share of the window scale count
# as this share: the noise input stays finite on constant windows.
_NOISE_FLOOR = 1e-4
# The median noise level is taken over at most this many training windows,
# evenly spaced (all of them in the M3, M1 and Tourism panels): a long
# history's millions of windows would cost time and memory for no
# difference a network could read.
_NOISE_SAMPLE = 100_000


def smoothing_constants(y):
    """Each series' smoothing constant for ``scaling="smoothed"``.

    Simple exponential smoothing of the series' absolute values, one
    constant per series from :data:`SMOOTHING_GRID` up to 0.5: the one with
    the smallest mean absolute one-step error over its history (ES-RNN's
    per-series level, chosen from the data instead of learned with the
    network). Series of fewer than 3 observed values get 0.5.
    """
    from scipy.signal import lfilter

    y = RaggedPanel.of(y)
    if _FIXED_SMOOTHING is not None:
        return np.full(len(y.lengths), float(_FIXED_SMOOTHING))
    grid = SMOOTHING_GRID[SMOOTHING_GRID <= _MAX_SMOOTHING + 1e-9]
    alphas = np.full(len(y.lengths), 0.5)
    for s in range(len(y.lengths)):
        x = np.abs(y.series(s))
        x = x[~np.isnan(x)]
        if len(x) < 3:
            continue
        errors = []
        for alpha in grid:
            # level_t = alpha x_t + (1 - alpha) level_{t-1}, level_0 = x_0
            level, _ = lfilter([alpha], [1.0, alpha - 1.0], x[1:], zi=[(1 - alpha) * x[0]])
            errors.append(np.mean(np.abs(x[2:] - level[:-1])))
        alphas[s] = grid[int(np.argmin(errors))]
    return alphas


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
        level = y.series_sum(absolute=True) / n_obs
    scale = one_step if seasonal is None else np.where(n_obs > period, seasonal, one_step)
    scale = np.where(np.isfinite(scale) & (scale > floor), scale, np.nan)
    ratio = scale / np.maximum(level, floor)
    typical = np.nanmedian(ratio) if np.isfinite(ratio).any() else 1.0
    # Constant series (no naive error) get the typical scale.
    scale = np.where(np.isfinite(scale), scale, typical * np.maximum(level, floor))
    return scale / typical


def _mean_std(values):
    """Column means and standard deviations, ignoring NaN, finite for any finite values.

    Columns whose squares overflow (values beyond 1e154) are computed on
    values divided by their largest magnitude; the others as
    ``np.nanmean`` / ``np.nanstd`` do.
    """
    with np.errstate(over="ignore", invalid="ignore"):
        mean, std = np.nanmean(values, axis=0), np.nanstd(values, axis=0)
    huge = ~(np.isfinite(mean) & np.isfinite(std))
    if huge.any():
        size = np.nanmax(np.abs(values[:, huge]), axis=0)
        mean[huge] = np.nanmean(values[:, huge] / size, axis=0) * size
        std[huge] = np.nanstd(values[:, huge] / size, axis=0) * size
    return mean, std


class WindowDataset(torch.utils.data.Dataset):
    """Training or validation windows, served a whole batch at a time.

    ``self[indices]`` gathers the windows at positions ``indices`` of
    (series_idx, target_start), scales them and returns ``(inputs, target)``
    where inputs is the dict of :class:`ForecastNetwork` arguments. Only the
    batch is copied: the windows themselves stay views of the panel.
    """

    def __init__(self, windows, series_idx, target_start, scaler, series_scale=None,
                 partial=False):
        self.windows = windows
        self.series_idx = series_idx
        self.target_start = target_start
        self.scaler = scaler
        # With loss_scale="mase": each series' MASE scale, relative to its level.
        self.series_scale = series_scale
        # Windows whose future runs past their series' end: its covariates
        # (static features) are carried over those steps.
        self.partial = partial

    def __len__(self):
        return len(self.series_idx)

    def __getitem__(self, indices):
        series_idx = self.series_idx[indices]
        batch = self.windows.batch(series_idx, self.target_start[indices])
        series_scale = None if self.series_scale is None else self.series_scale[series_idx]
        return _training_pair(_NUMPY, self.scaler.scaling, self.scaler.floor,
                              self.scaler.constants(), batch, series_idx, series_scale,
                              self.scaler.noise, self.partial)

    def order(self, generator=None):
        """Positions of the windows of one epoch: shuffled with a ``generator``."""
        if generator is None:
            return np.arange(len(self))
        return _permutation(len(self), generator).numpy()

    def positions(self, order):
        """An epoch's ``order`` as this dataset indexes it: the numpy array itself."""
        return order


# A study switch: target_range widened by this share of the range at each
# end (0: the training targets' own range, the default; margins of 0.25, 0.5
# and 1 gave back part of what clipping gained on single series:
# benchmarks/README.md).
_RANGE_MARGIN = 0.0
# Past values scaled at a time by target_range (windows of the chunk times
# lookback): about 2 MB of temporaries, whatever the number of windows.
_RANGE_VALUES = 1 << 16


def noise_median(dataset):
    """The training windows' median noise-level input: a float, or None.

    The median over the windows of ``dataset`` (a :class:`WindowDataset`)
    that observe at least ``NOISE_CHANGES`` one-step changes, which is what
    windows with fewer read instead (:func:`_network_inputs`). None when no
    training window observes that many (a lookback of ``NOISE_CHANGES``
    steps or less, or series too short): the network then gets no such input.
    Over more than ``_NOISE_SAMPLE`` windows, the median of that many evenly
    spaced ones.
    """
    windows, scaler = dataset.windows, dataset.scaler
    if windows.lookback <= NOISE_CHANGES:
        return None
    constants = scaler.constants()
    n = min(len(dataset), _NOISE_SAMPLE)
    # Evenly spaced windows, made a chunk at a time; half target_range's
    # chunks, as this pass keeps more temporaries per window.
    spacing = (len(dataset) - 1) / max(n - 1, 1)
    chunk = max(1, _RANGE_VALUES // (2 * windows.lookback))
    levels = []
    for start in range(0, n, chunk):
        part = np.round(np.arange(start, min(start + chunk, n)) * spacing).astype(np.int64)
        series_idx = dataset.series_idx[part]
        past = windows.past(series_idx, dataset.target_start[part])
        _, scale = _window_scale(_NUMPY, scaler.scaling, scaler.floor, constants, past,
                                 series_idx)
        level, seen = _noise_level(_NUMPY, past, scale)
        levels.append(level[seen >= NOISE_CHANGES])
    levels = np.concatenate(levels)
    return float(np.median(levels)) if len(levels) else None


def target_range(dataset):
    """Per-step range of the scaled training targets: an array (2, horizon).

    Row 0 holds the least value each step ahead takes over the windows of
    ``dataset`` (a :class:`WindowDataset`), row 1 the largest, in the units
    the network learns (``y / s - 1`` for the window scalings). Steps
    that no window observes get an open range (``-inf``, ``inf``). Only
    the targets are computed (not the network inputs, nor covariates).
    """
    windows, scaler = dataset.windows, dataset.scaler
    constants = scaler.constants()
    low = high = None
    chunk = max(1, _RANGE_VALUES // windows.lookback)
    for start in range(0, len(dataset), chunk):
        series_idx = dataset.series_idx[start:start + chunk]
        target_start = dataset.target_start[start:start + chunk]
        past = windows.past(series_idx, target_start)
        loc, scale = _window_scale(_NUMPY, scaler.scaling, scaler.floor, constants, past,
                                   series_idx)
        # In float32, as the network learns them.
        target = _scaled_target(windows.future(series_idx, target_start), loc,
                                scale).astype(np.float32)
        with warnings.catch_warnings():  # a step all NaN in this chunk
            warnings.simplefilter("ignore", RuntimeWarning)
            chunk_low, chunk_high = np.nanmin(target, axis=0), np.nanmax(target, axis=0)
        low = chunk_low if low is None else np.fmin(low, chunk_low)
        high = chunk_high if high is None else np.fmax(high, chunk_high)
    low, high = low.astype(np.float64), high.astype(np.float64)
    margin = _RANGE_MARGIN * (high - low)
    low, high = low - margin, high + margin
    return np.stack([np.nan_to_num(low, nan=-np.inf), np.nan_to_num(high, nan=np.inf)])


class Batches:
    """Re-iterable batches of a window dataset (skorch iterates it once per epoch).

    The dataset gives an epoch's ``order(generator)``, its ``positions(order)``
    as it indexes them, and ``dataset[positions[i:j]]`` for a batch.

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
        # On the device for a DeviceWindowDataset: one copy per epoch, none per batch.
        order = self.dataset.positions(order)
        for start in range(0, len(order), self.batch_size):
            yield self.dataset[order[start:start + self.batch_size]]


class Scaler:
    """Per-window or per-series scaling of the target; covariates standardised.

    ``mean``: each window is mapped to ``(y - s) / s`` (the forecast is
    mapped back) with ``s = sign(mean(past)) * mean(|past|)`` over its
    observed past (sign +1 when the mean is 0); ``recent``: the same with
    ``mean(|past|)`` over the last third of the window only (rounded up,
    :func:`recent_steps`; at least ``RECENT_FLOOR`` times the whole
    window's, and the whole window's where that part has no observed
    value). Either way one network serves series of any level and
    sign: the scaled windows of ``-c * y`` are exactly those of ``y`` for
    any ``c > 0``, and its forecasts are ``-c`` times those of ``y``. A
    negative ``s`` reverses the order of quantile outputs
    (:meth:`~seqforecast.neural.RNNForecaster.predict_quantiles` accounts
    for it). ``standard``: each series is standardised with the mean and standard
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
        # The noise-level input's value for windows that observe too few
        # changes (noise_median), set by the forecaster; None: no such input.
        self.noise = None
        if scaling == "smoothed":
            self.alpha = smoothing_constants(y)
        if scaling == "standard":
            # Per-series mean and standard deviation, summed in time order
            # (as np.nanmean/np.nanstd down a dense panel's columns).
            n = y.lengths
            self.loc = y.series_sum(y.values) / n
            centred = y.values - np.repeat(self.loc, n)
            with np.errstate(over="ignore"):
                std = np.sqrt(y.series_sum(centred * centred) / n)
            huge = ~np.isfinite(std)
            if huge.any():
                # Squares past float64 (deviations above 1e154): the same sum
                # on deviations divided by each series' largest.
                peak = np.maximum.reduceat(np.abs(centred), y.offsets[:-1])
                scaled = centred / np.repeat(peak, n)
                std = np.where(huge, peak * np.sqrt(y.series_sum(scaled * scaled) / n), std)
            self.std = np.where(std > floor, std, 1.0)
        if X is not None:
            # Shared (n, K) covariates, or per series (a RaggedPanel laid out
            # like y) taken row by row, series by series within a row.
            if isinstance(X, np.ndarray):
                flat = X
            else:
                flat = X.values[np.lexsort((X.series_index(), X.value_rows()))]
            self.X_mean, X_std = _mean_std(flat)
            if static is not None and static.shape[1]:
                # The last columns are the static features (n_series, S):
                # each series counts once, however long its history.
                k = static.shape[1]
                self.X_mean[-k:], X_std[-k:] = _mean_std(static)
            self.X_std = np.where(X_std > 0, X_std, 1.0)

    _ARRAYS = ("loc", "std", "alpha", "X_mean", "X_std")

    def to_state(self):
        """``(scalars, arrays)``: plain values and the numpy arrays that define the scaler."""
        arrays = {name: np.asarray(getattr(self, name)) for name in self._ARRAYS
                  if hasattr(self, name)}
        scalars = {"scaling": self.scaling, "floor": float(self.floor), "noise": self.noise}
        return scalars, arrays

    @classmethod
    def from_state(cls, scalars, arrays):
        """The scaler that :meth:`to_state` described."""
        scaler = cls.__new__(cls)
        scaler.scaling = scalars["scaling"]
        scaler.floor = scalars["floor"]
        # None in files written before the noise-level input existed.
        scaler.noise = scalars.get("noise")
        for name in cls._ARRAYS:
            if name in arrays:
                setattr(scaler, name, np.asarray(arrays[name], dtype=np.float64))
        return scaler

    def constants(self):
        """The arrays that define the scaling, by name (see :func:`_network_inputs`)."""
        return {name: getattr(self, name) for name in self._ARRAYS if hasattr(self, name)}

    def inputs(self, batch, series_idx):
        """Network inputs of a batch, and the (loc, scale) that undo the scaling."""
        return _network_inputs(_NUMPY, self.scaling, self.floor, self.constants(), batch,
                               series_idx, self.noise)


# The window maths below is written once, against a small namespace of array
# operations: numpy on the host (WindowDataset, prediction), torch on the
# training device (DeviceWindowDataset). The numpy entries are the very calls
# the host path always made, so its batches are bit for bit what they were.
def _quiet_nanmean(x):
    """``np.nanmean`` over axis 1; NaN, without a warning, where a row is all NaN."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanmean(x, axis=1, keepdims=True)


_NUMPY = SimpleNamespace(
    nanmean=lambda x: np.nanmean(x, axis=1, keepdims=True),
    nanmean_or_nan=_quiet_nanmean,
    abs=np.abs,
    log=np.log,
    where=np.where,
    at_least=np.maximum,
    at_most=np.minimum,
    nan_to_num=np.nan_to_num,
    concat=lambda arrays: np.concatenate(arrays, axis=2),
    broadcast=np.broadcast_to,
    ones=lambda n, like: np.ones((n, 1)),
    rowsum=lambda x: np.sum(x, axis=1, keepdims=True),
    steps_back=lambda n, like: np.arange(n - 1, -1, -1, dtype=np.float64),
    float32=lambda x: torch.from_numpy(x.astype(np.float32)),
    int64=lambda x: torch.from_numpy(np.asarray(x, dtype=np.int64)),
)
_TORCH = SimpleNamespace(
    nanmean=lambda x: torch.nanmean(x, dim=1, keepdim=True),
    nanmean_or_nan=lambda x: torch.nanmean(x, dim=1, keepdim=True),
    abs=torch.abs,
    log=torch.log,
    where=torch.where,
    at_least=torch.clamp_min,
    at_most=torch.clamp_max,
    nan_to_num=torch.nan_to_num,
    concat=lambda arrays: torch.cat(arrays, dim=2),
    broadcast=lambda x, shape: x.expand(shape),
    ones=lambda n, like: torch.ones((n, 1), dtype=like.dtype, device=like.device),
    rowsum=lambda x: torch.sum(x, dim=1, keepdim=True),
    steps_back=lambda n, like: torch.arange(n - 1, -1, -1, dtype=like.dtype, device=like.device),
    float32=lambda x: x.to(torch.float32),
    int64=lambda x: x.to(torch.int64),
)


def recent_steps(lookback):
    """Steps that ``scaling="recent"`` reads: the last third of the window, rounded up."""
    return -(-lookback // 3)


def _window_scale(ops, scaling, floor, constants, past, series_idx):
    """(loc, scale) of each window, each broadcastable to (B, 1)."""
    if scaling in WINDOW_SCALINGS:
        size = ops.at_least(ops.nanmean(ops.abs(past)), floor)
        if scaling == "recent":
            # The level of the window's last third: the series' current level.
            level = ops.nanmean_or_nan(ops.abs(past[:, -recent_steps(past.shape[1]):]))
        elif scaling == "smoothed":
            # The exponentially weighted mean of the window's observed
            # absolute values, with its series' smoothing constant.
            alpha = constants["alpha"][series_idx][:, None]  # -> (B, 1)
            weight = (1 - alpha) ** ops.steps_back(past.shape[1], past)  # -> (B, L)
            observed = past == past  # False where NaN (padding, gaps)
            level = ops.rowsum(ops.nan_to_num(ops.abs(past)) * weight) / ops.rowsum(
                observed * weight)
        if scaling != "mean":
            # At least a tenth of the whole window's (RECENT_FLOOR). A level
            # with nothing observed behind it (NaN: a gap) keeps the whole mean.
            level = ops.at_least(ops.at_least(level, RECENT_FLOOR * size), floor)
            size = ops.where(level >= 0, level, size)
        # Signed like the window's mean, so -y is scaled exactly as y is.
        scale = ops.where(ops.nanmean(past) < 0, -size, size)
        # Centred on the window's level: an untrained network (output 0)
        # forecasts the level, and inputs sit around 0 where tanh is steep.
        return scale, scale
    if scaling == "standard":
        return constants["loc"][series_idx][:, None], constants["std"][series_idx][:, None]
    return 0.0, ops.ones(len(past), past)


def _noise_level(ops, past, scale):
    """Each window's noise-level input, and the one-step changes it observed: two (B, 1).

    ``(log(m) + 3) / 2``, with ``m`` the mean absolute one-step change of the
    window's observed values over the magnitude of its scale (at least
    ``_NOISE_FLOOR``): 0 for changes of about 5 % of the level (``e**-3``),
    1.5 for changes as large as the level, about -3.1 at the floor.
    """
    change = ops.abs(past[:, 1:] - past[:, :-1]) / ops.abs(scale)  # -> (B, L - 1)
    seen = ops.rowsum((change == change) * 1.0)  # NaN where a value is missing
    mean = ops.nan_to_num(ops.nanmean_or_nan(change), nan=1.0)  # no change observed
    return (ops.log(ops.at_least(mean, _NOISE_FLOOR)) + 3.0) / 2.0, seen


def _network_inputs(ops, scaling, floor, constants, batch, series_idx, noise=None,
                    partial=False):
    """Network inputs of a :class:`~seqforecast.windowing.WindowBatch`, and its (loc, scale).

    ``ops`` is ``_NUMPY`` (numpy arrays in, CPU tensors out) or ``_TORCH``
    (tensors on any device in and out); ``constants`` the scaler's arrays
    (:meth:`Scaler.constants`) in the same kind. ``noise`` is None, or the
    training windows' median noise-level input (:func:`noise_median`): the
    past then has one more channel, last, each window's noise level
    (:func:`_noise_level`) on every step, the median for windows that
    observe fewer than ``NOISE_CHANGES`` one-step changes. With ``partial``
    (windows whose future may run past their series' end), the future
    covariates missing there are the last past step's.
    """
    loc, scale = _window_scale(ops, scaling, floor, constants, batch.past, series_idx)
    # Unobserved (padding) steps become 0; packing keeps the network from
    # reading them.
    past = ops.nan_to_num((batch.past - loc) / scale)[:, :, None]  # -> (B, L, 1)
    future = None
    if batch.past_X is not None:
        past_X = (batch.past_X - constants["X_mean"]) / constants["X_std"]  # -> (B, L, K)
        past = ops.concat([past, past_X])  # -> (B, L, 1 + K)
        if batch.future_X is not None:
            future = (batch.future_X - constants["X_mean"]) / constants["X_std"]  # -> (B, T, K)
            if partial:
                # Steps past the end of a series have no covariates: its last
                # step's, carried forward. Such windows are made only when
                # the covariates are the static features, which this carries
                # exactly; their targets there are not in the loss.
                future = ops.where(future != future, past_X[:, -1:, :], future)
    if noise is not None:
        level, seen = _noise_level(ops, batch.past, scale)
        level = ops.where(seen >= NOISE_CHANGES, level, noise)  # -> (B, 1)
        past = ops.concat([past, ops.broadcast(level[:, :, None], (*past.shape[:2], 1))])
    inputs = {"past": ops.float32(past), "lengths": ops.int64(batch.n_observed)}
    if future is not None:
        inputs["future"] = ops.float32(future)
    return inputs, loc, scale


def _scaled_target(future, loc, scale):
    """What the network learns to output for a window's future (B, T): numpy or torch."""
    return (future - loc) / scale


def _training_pair(ops, scaling, floor, constants, batch, series_idx, series_scale,
                   noise=None, partial=False):
    """``(inputs, target)`` of a batch of training windows (see :func:`_network_inputs`).

    ``series_scale`` is None, or with ``loss_scale="mase"`` each window's
    series' MASE scale (B,): the target then has a second channel, the
    window's loss weight.
    """
    inputs, loc, scale = _network_inputs(ops, scaling, floor, constants, batch, series_idx,
                                         noise, partial)
    target = _scaled_target(batch.future, loc, scale)[:, :, None]  # -> (B, T, 1)
    if series_scale is not None:
        # A second channel weights each window's loss: its error in data
        # units over its series' seasonal-naive error (as MASE counts it).
        weight = ops.abs(scale) / series_scale[:, None]  # -> (B, 1)
        weight = ops.at_most(weight, MAX_LOSS_WEIGHT)
        target = ops.concat([target, ops.broadcast(weight[:, :, None], target.shape)])
    return inputs, ops.float32(target)


# DeviceWindowDataset scales every training window once, when the scaled
# pairs take at most this many bytes (and at most a quarter of the device's
# free memory; M3 monthly: 91,878 windows, 40 MB), and each batch is then
# three index operations on the device; beyond it each batch is gathered
# and scaled when drawn (about 60 small operations, which on a GPU cost the
# host more than the network's own step).
_PRECOMPUTED_BYTES = 1 << 30
# The same on the CPU, lower: there the scaled windows save the numpy work
# of each batch (M3 monthly, 40 MB: the default fit 11-17 % shorter), which
# counts less as the network's own step grows with the window, and they sit
# in the memory the rest of the program uses. Beyond it the CPU makes its
# batches in numpy (each batch made with torch when drawn is no faster).
_CPU_PRECOMPUTED_BYTES = 128 << 20
# Scaled pairs made at a time when precomputing: bounds the float64
# temporaries (a few times this) above the pairs themselves. On M3 monthly
# (CPU) chunks of 4 MB raised the fit's peak RSS by 59 MiB where 32 MB raised
# it by 111 MiB (the pairs: 40 MB), and were made faster (0.075 s against
# 0.14-0.17 s: they stay in the CPU's caches).
_PRECOMPUTE_CHUNK_BYTES = 4 << 20


def available_memory():
    """Bytes of memory this process may still take (Linux: ``MemAvailable``, within
    a cgroup v2 memory limit); None where the system does not tell."""
    try:
        with open("/proc/meminfo") as f:
            free = next(int(line.split()[1]) * 1024 for line in f
                        if line.startswith("MemAvailable:"))
    except (OSError, StopIteration, ValueError):
        return None
    try:
        with open("/sys/fs/cgroup/memory.max") as f:
            limit = f.read().strip()
        with open("/sys/fs/cgroup/memory.current") as f:
            used = int(f.read().strip())
        if limit != "max":
            free = min(free, max(0, int(limit) - used))
    except (OSError, ValueError):
        pass
    return free


class DeviceWindowDataset(torch.utils.data.Dataset):
    """A :class:`WindowDataset` held on a torch device, its batches made there.

    Built once per fit: the flat buffers of the windows (target values, and
    covariates with any static features appended), each window's positions
    in them (from :meth:`~seqforecast.windowing.SlidingWindow.past_position`
    and its siblings, so the same rows as the host path), the scaler's
    constants and the series' MASE scales are copied to ``device`` as
    tensors. Every window is then gathered, scaled and weighed once with
    torch ops on the device (the maths of :func:`_training_pair`, shared
    with the host path), in chunks, and ``self[positions]`` (an epoch's
    :meth:`positions`, sliced) indexes those scaled pairs (``pairs``): a
    batch is three index operations, where making it costs about 60 small
    ones, each of which the host must queue. Where the scaled pairs would
    take more than ``_PRECOMPUTED_BYTES`` on a GPU (1 GiB) or
    ``_CPU_PRECOMPUTED_BYTES`` on the CPU (128 MiB), or more than a quarter
    of the device's free memory (the windows overlap, so each input channel takes
    about ``lookback + horizon`` times the panel's values), or with
    ``precompute=False`` (the validation windows, read once an epoch),
    ``pairs`` is None and each batch is made when drawn. Either way the
    batch's values never cross between host and device; :class:`Batches`
    moves each epoch's order there once.

    The windows' ``lengths`` (observed past values) alone stay on the host,
    gathered once per epoch in its order (in pinned memory on a GPU): the
    network needs them there (the range check and ``pack_padded_sequence``
    read them on the CPU), and a device copy would cost a device
    synchronisation per batch to read back; the network's own copy of them
    to the device is then queued without waiting for it. Values are kept
    in float64 like the host path's and rounded to float32 last, so the
    batches equal the host path's up to the order in which
    ``torch.nanmean`` and ``np.nanmean`` sum (float64 rounding, which
    rarely survives the rounding to float32). Memory on the device: the
    panel's values and covariates in float64 plus three integers per window
    (five with covariates), and the scaled pairs in float32.
    """

    def __init__(self, dataset, device, precompute=True):
        self.device = torch.device(device)
        windows, s, t = dataset.windows, dataset.series_idx, dataset.target_start
        self.scaling, self.floor = dataset.scaler.scaling, dataset.scaler.floor
        self.noise = dataset.scaler.noise
        self.partial = dataset.partial
        self.constants = {name: self._tensor(value)
                          for name, value in dataset.scaler.constants().items()}
        self.series_scale = (None if dataset.series_scale is None
                             else self._tensor(dataset.series_scale))
        self.y = self._tensor(windows.y_)
        self.series_idx = self._tensor(s, torch.int64)
        self.past_position = self._tensor(windows.past_position(s, t), torch.int64)
        self.future_position = self._tensor(windows.future_position(s, t), torch.int64)
        self.n_observed = torch.from_numpy(np.asarray(windows.n_observed(s, t), np.int64))
        self.X = None if windows.X_ is None else self._tensor(windows.X_)
        if self.X is not None:
            self.past_X_position = self._tensor(windows.past_X_position(t, s), torch.int64)
            self.future_X_position = self._tensor(windows.future_X_position(t, s),
                                                  torch.int64)
        self.lookback = torch.arange(windows.lookback, device=self.device)
        self.horizon = torch.arange(windows.horizon, device=self.device)
        self._len = len(s)
        self.pairs = None
        if precompute and self._len:
            size = self._pair_bytes()
            if self._len * size <= self._budget():
                self.pairs = self._precompute(size)

    def _pair_bytes(self):
        """Bytes of one window's scaled pair (inputs but the lengths, and target)."""
        inputs, target = self._make(self.positions(np.zeros(1, np.int64)))
        return sum(v.element_size() * v.numel() for k, v in inputs.items() if k != "lengths") + (
            target.element_size() * target.numel())

    def _budget(self):
        """Most bytes the scaled pairs may take: ``_PRECOMPUTED_BYTES`` on a GPU,
        ``_CPU_PRECOMPUTED_BYTES`` elsewhere, and at most a quarter of the
        device's free memory (a GPU's; the CPU's where the system tells it)."""
        if self.device.type == "cuda":
            free, _ = torch.cuda.mem_get_info(self.device)
            return min(_PRECOMPUTED_BYTES, free // 4)
        free = available_memory()
        return _CPU_PRECOMPUTED_BYTES if free is None else min(_CPU_PRECOMPUTED_BYTES, free // 4)

    def _precompute(self, size):
        """Every window's scaled pair (inputs without lengths, target), made in
        chunks of about ``_PRECOMPUTE_CHUNK_BYTES`` into tensors allocated once."""
        step = max(1, _PRECOMPUTE_CHUNK_BYTES // size)
        inputs = target = None
        for start in range(0, self._len, step):
            stop = min(start + step, self._len)
            chunk, chunk_target = self._make(self.positions(np.arange(start, stop)))
            del chunk["lengths"]
            if target is None:
                inputs = {key: value.new_empty((self._len, *value.shape[1:]))
                          for key, value in chunk.items()}
                target = chunk_target.new_empty((self._len, *chunk_target.shape[1:]))
            for key, value in chunk.items():
                inputs[key][start:stop] = value
            target[start:stop] = chunk_target
        return inputs, target

    def _tensor(self, array, dtype=None):
        return torch.as_tensor(np.ascontiguousarray(array), dtype=dtype, device=self.device)

    def __len__(self):
        return self._len

    def batch(self, positions):
        """The :class:`~seqforecast.windowing.WindowBatch` of the windows at ``positions``."""
        indices = positions.device_order
        past = self.past_position[indices, None] + self.lookback  # -> (B, L)
        future = self.future_position[indices, None] + self.horizon  # -> (B, T)
        past_X = future_X = None
        if self.X is not None:
            past_X = self.X[self.past_X_position[indices, None] + self.lookback]  # -> (B, L, K)
            future_X = self.X[self.future_X_position[indices, None] + self.horizon]
        return WindowBatch(past=self.y[past], future=self.y[future], past_X=past_X,
                           future_X=future_X, n_observed=positions.lengths)

    def __getitem__(self, positions):
        if self.pairs is None:
            return self._make(positions)
        indices = positions.device_order
        stored, target = self.pairs
        inputs = {"past": stored["past"][indices], "lengths": positions.lengths}
        inputs.update((key, value[indices]) for key, value in stored.items() if key != "past")
        return inputs, target[indices]

    def _make(self, positions):
        """Gather and scale the windows at ``positions`` (the maths of :func:`_training_pair`)."""
        series_idx = self.series_idx[positions.device_order]
        series_scale = None if self.series_scale is None else self.series_scale[series_idx]
        return _training_pair(_TORCH, self.scaling, self.floor, self.constants,
                              self.batch(positions), series_idx, series_scale, self.noise,
                              self.partial)

    # The same draws as the host path: the same windows in the same batches.
    order = WindowDataset.order

    def positions(self, order):
        """An epoch's ``order`` (numpy) on the device, its one copy per epoch, and
        the windows' lengths in that order on the host.

        On a CUDA device both host tensors are in pinned (page-locked)
        memory: copies from there (the order now, each batch's lengths when
        the network moves them to the device) are queued without waiting for
        the device, where a copy from pageable memory waits for it first.
        """
        host = torch.as_tensor(order, dtype=torch.int64)
        lengths = self.n_observed[host]
        if self.device.type == "cuda":
            host, lengths = host.pin_memory(), lengths.pin_memory()
        return _Positions(lengths, host.to(self.device, non_blocking=True))


class _Positions(NamedTuple):
    """Window lengths on the host and positions on the device, in an epoch's order; sliceable."""

    lengths: torch.Tensor
    device_order: torch.Tensor

    def __len__(self):
        return len(self.lengths)

    def __getitem__(self, key):
        if isinstance(key, int):
            return tuple.__getitem__(self, key)
        return _Positions(self.lengths[key], self.device_order[key])


def _permutation(n, generator):
    """``torch.randperm(n)`` in int32 where it fits: the same permutation (and
    generator state after it) as in int64, in half the memory."""
    dtype = torch.int32 if n < 2**31 else torch.int64
    return torch.randperm(n, generator=generator, dtype=dtype)


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
        draws = [_permutation(n, generator) for _ in range(passes)]
        order = draws[0] if passes == 1 else torch.cat(draws)
        if len(order) == self.n_windows:
            return order.numpy()
        # A copy of the draw: the permutation of every window is freed.
        return order[: self.n_windows].clone().numpy()

    def positions(self, order):
        return self.dataset.positions(order)
