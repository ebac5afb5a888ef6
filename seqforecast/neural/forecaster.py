"""Recurrent forecasters as scikit-learn estimators over a skorch net.

Three layers (DESIGN.md §2): the torch module
(:class:`~seqforecast.neural.networks.ForecastNetwork`) is the architecture;
the skorch net (:class:`WindowNet`) is the training loop with its callbacks;
:class:`RNNForecaster` is the scikit-learn contract over both. The forecaster
turns the history into windows with :class:`~seqforecast.windowing.SlidingWindow`,
scales each window, and hands skorch a dataset that gathers whole batches at
once (no per-window Python work).
"""

from __future__ import annotations

import contextlib
import inspect
import math
import os
import warnings
from numbers import Real
from typing import ClassVar

import numpy as np
import torch
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted
from skorch.callbacks import EarlyStopping, GradientNormClipping, ProgressBar
from skorch.helper import predefined_split

from seqforecast._checks import (
    POSITIVE_INT,
    POSITIVE_INT_OR_NONE,
    Interval,
    NoTrainingWindowError,
    StrOptions,
)
from seqforecast._panel import RaggedPanel
from seqforecast._seasonal import SeasonalProfile, weekly_means_profile
from seqforecast._time import (
    CANDIDATE_PERIODS,
    WEEK_OF_DAYS,
    YEAR_OF_DAYS,
    default_horizon,
    detect_seasonal_period,
    weekly_and_yearly_cycle,
    window_season,
    yearly_cycle,
)
from seqforecast.base import BaseForecaster
from seqforecast.neural import _distributed, _persistence
from seqforecast.neural.averaging import WeightAveraging
from seqforecast.neural.cells import CELL_TYPES
from seqforecast.neural.data import (
    WINDOW_SCALINGS,
    DeviceWindowDataset,
    SampledDataset,
    Scaler,
    WindowDataset,
    noise_median,
    relative_naive_scale,
    target_range,
)
from seqforecast.neural.encoders import ENCODERS
from seqforecast.neural.losses import DEFAULT_QUANTILES, LOSSES
from seqforecast.neural.net import WindowNet, quiet
from seqforecast.neural.networks import STRATEGIES, ForecastNetwork
from seqforecast.windowing import SlidingWindow

__all__ = ["GRUForecaster", "LSTMForecaster", "RNNForecaster", "default_window", "window_period"]

# Default epoch length in batches: the training budget is then the same
# number of optimisation steps whatever the number of series...
_BATCHES_PER_EPOCH = 20
# ...but it grows with their length: epochs are longer by the mean number of
# training windows per series over _WINDOWS_PER_SERIES, at most
# _MAX_BUDGET_FACTOR times (long series carry more to learn per series; short
# yearly ones, under that many windows, keep the 1,000 steps; measured on
# M3, M1 and Tourism, benchmarks/README.md "A budget that grows with the
# series' length"). None turns the growth off (the fixed budget of studies).
_WINDOWS_PER_SERIES, _MAX_BUDGET_FACTOR = 10, 4
# Default lookback of data without a season, in horizons (tuned on the M3
# validation splits, benchmarks/README.md).
_NONSEASONAL_LOOKBACK = 2
# Long series without a season, on more than little data: (most, share)
# raises that lookback toward `most` horizons as far as 1/share of the
# median series length allows (None: never). On M3 "other" (lookback 12 ->
# 18 without hints) it lowered the validation MASE; yearly data and the M1
# and Tourism panels are too short for it (benchmarks/README.md, "A longer
# lookback for long series without a season").
_NONSEASONAL_LONG = (3, 3)
# The least default lookback of seasonal data on more than little data, in
# steps (None: three seasons and a horizon are the only floor). 16, four
# seasons of quarterly data (whose windows then hold the 12 one-step changes
# of their own noise-level input), lowered M3's quarterly validation MASE
# but not that of M1, Tourism or M3's test part: not adopted
# (benchmarks/README.md, "Four seasons of quarterly data").
_SEASONAL_LEAST = None
# The seasonality test that decides which series the network deseasonalises
# (see SeasonalProfile): statsmodels' Theta test, which weighs the lower
# lags once where Bartlett's variance weighs them twice, so that more short
# seasonal series pass (benchmarks/README.md, "The networks' seasonality test").
_SEASONALITY_TEST = "chi2"
# Seasons of each series' recent history its seasonal indices come from
# (None: the whole series; benchmarks/README.md, "Seasonal indices from the
# last five seasons"), where the season is a year's cycle
# (seqforecast._time.yearly_cycle: 4, 12, 52...). A day's or a week's
# profile (hourly, daily data) comes from the whole series: five days or
# weeks of it raised MASE by 8-9 % on the synthetic hourly and daily panels
# (benchmarks/README.md, "Five seasons of a day or a week").
_SEASONAL_INDEX_SEASONS = 5
# Which seasons take those recent indices: "yearly" (a year's cycle only),
# or "all" (every period: the rule of the twenty-second session, a study
# switch).
_RECENT_INDICES = "yearly"
# The longest season the default window is built on (None: any). A longer
# one (a year of days, 365, which the detection finds in daily values given
# without dates; a day of minutes, 1,440) that the network divides out of
# at least half of the series leaves the window to the shorter cycle the data
# show (the week of daily data), or to an eighth of it (_ALONE_SHARE; see
# window_period; benchmarks/README.md, "The networks on seasons longer than a
# week" and "Public daily data").
_LONGEST_WINDOW_SEASON = 336
# How such a season's window is built: None, on the shorter cycle the data
# show (or, where they show none, on _ALONE_SHARE); an int k, on a k-th of
# the long season (a study switch).
_LONG_SEASON_SHARE = None
# A long season divided out without a shorter cycle: the window of this
# share of it (an eighth of a year of days: 45 ahead, 135 back; None: that
# of data without a season, 6 ahead and 18 back, the rule before the
# thirty-fourth session). Chained fifteen times over 90 days, the short
# window's forecasts drifted on public temperatures (Melbourne, Clemson):
# each chunk's median, on data skewed right, sets the next chunk's level a
# little lower (benchmarks/README.md, "Public daily data").
_ALONE_SHARE = 8
# Little data: fewer training windows than this under the default window.
# There the default horizon is at most 1/_FEW_AHEAD of the longest series
# and the default lookback 1/_FEW_BACK (at least 2 and 4 steps): one short
# series gives a few dozen windows, most of which hold any one event of it
# (a level shift taught the network to forecast another). Measured on
# single M3 series and panels of 3 to 30 of them (benchmarks/README.md, "A
# shorter window for little data"): better below 1,000 windows, mixed above.
_FEW_WINDOWS, _FEW_AHEAD, _FEW_BACK = 1000, 8, 4
# On little data without a season, the default lookback is at most this
# many steps (but at least the horizon; None: no such cap): the lookback
# that data without hints get (two horizons of 6).
_FEW_NONSEASONAL_BACK = 12
# On little data with a season, the default lookback is at most this many
# seasons (but at least the horizon; None: three seasons, as on panels).
# Two seasons mended single long series (El Nino MASE 1.44 -> 0.93) but
# were mixed on single competition series (Tourism quarterly -10 to -15 %,
# M1 quarterly +2 to +4 %, Tourism monthly LSTM +4 to +6 %): not adopted
# (benchmarks/README.md, "Two seasons back on little seasonal data").
_FEW_SEASONS_BACK = None
# On little data epochs are shortened so that the default 50 epochs take 4
# steps per training window, at least 250 (a single short series overfits in
# 1,000 steps; measured on single M3 series, benchmarks/README.md "A smaller
# budget for little data"). Fewer epochs keep their length (a budget the
# user already made small); more epochs multiply the small-data budget.
_STEPS_PER_WINDOW, _MIN_STEPS, _DEFAULT_EPOCHS = 4, 250, 50
# The noise-level input needs at least this many training windows. On one
# short series with a level shift (60 months, 47 windows) it taught the
# network that calm windows precede a step: forecasts up to 8 to 62 away
# from the new level of 30 (3 to 4 without it; tests/test_reliability.py),
# though on 40 single M3 monthly series it lowered mean MASE by 11 %
# (benchmarks/README.md, "A noise-level input"). Panels of a few dozen
# series or more have more.
_NOISE_WINDOWS = 1000
# Training windows whose future runs past the end of their series, the loss
# over the steps it observes: "short" gives them to the series of a panel
# that give no window with a whole future (at least one step observed), so
# that no series is left out of training; a share of the horizon gives them
# to every series (a study switch; None: whole futures only). Made only
# without time-varying covariates (the steps past the end have none).
_PARTIAL_FUTURE = "short"
# Default windows per step: on the CPU, and on a GPU (validated on M3 monthly).
_CPU_BATCH, _GPU_BATCH = 32, 512
# Series forecast per network call: bounds predict's activations (a few MB)
# whatever the size of the panel.
_PREDICT_BATCH = 1024


def _first_rows(X, n_rows):
    """Aligned rows ``0 .. n_rows - 1`` of covariates: shared (an array) or a RaggedPanel."""
    if X is None:
        return None
    return X[:n_rows] if isinstance(X, np.ndarray) else X.head(n_rows)


def _usable_cpus():
    """CPUs this process may run on (its affinity mask where the OS has one)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # pragma: no cover - macOS, Windows
        return os.cpu_count() or 1


@contextlib.contextmanager
def _torch_threads(n_threads):
    """Run torch with ``n_threads`` intra-op threads, restoring the setting after.

    None keeps torch's current setting unless it exceeds the CPUs this
    process may use, which it then becomes.
    """
    before = torch.get_num_threads()
    wanted = n_threads if n_threads is not None else min(before, _usable_cpus())
    if wanted != before:
        torch.set_num_threads(wanted)
    try:
        yield
    finally:
        if torch.get_num_threads() != before:
            torch.set_num_threads(before)


def _long_nonseasonal_lookback(horizon, lookback, lengths, n):
    """A default lookback of data without a season, raised for long series.

    Toward ``most`` horizons as far as ``1 / share`` of the median series
    length allows (``_NONSEASONAL_LONG``), within half the longest series
    ``n``; never below ``lookback``.
    """
    if _NONSEASONAL_LONG is None:
        return lookback
    most, share = _NONSEASONAL_LONG
    typical = int(np.median(lengths) // share) if len(lengths) else 0
    return max(lookback, min(round(most * horizon), typical, n // 2))


def window_period(seasonal_period, y, deseasonalized=None):
    """The season the network's default window is built on.

    ``seasonal_period`` itself, unless it is longer than a week of
    half-hours (336 steps: a year of days, 365; a day of minutes, 1,440)
    and the network takes it out of at least half of the series
    (``deseasonalized``: a boolean per series, whether its seasonal profile
    adjusts it; None: all). Then the shorter cycle the data show, as
    :func:`~seqforecast.detect_seasonal_period` finds it among its
    candidates up to a week of hours (168) and half the long season (the
    week, 7, of daily data), else an eighth of the long season (45 days of
    a year: 45 ahead, 135 back). Divided out, the long season need not be
    in the window whole: on ten years of synthetic days an eighth of it
    forecast the next 90 days about as well as a year ahead and three back
    (MASE 0.693 against 0.679), in 298 s against 2,342 s on one thread. The
    window of data without a season (6 ahead, 18 back; 0.681 there, in
    51 s) was the rule before; chained fifteen times over 90 days, its
    forecasts drifted on public daily temperatures (Melbourne: 2.046
    against 1.025 with an eighth; benchmarks/README.md, "Public daily
    data").
    Where the profile leaves the season in (values of both signs, as
    temperatures in degrees Celsius; no clear season by its test; series
    shorter than two seasons and a step), the
    window is what shows the network the season: a year ahead and three
    back forecast Seattle's daily weather 90 days ahead with a MASE 17 %
    lower than the short window (benchmarks/README.md, "The networks on
    seasons longer than a week").
    """
    m = int(seasonal_period)
    if _LONGEST_WINDOW_SEASON is None or m <= _LONGEST_WINDOW_SEASON:
        return m
    if _LONG_SEASON_SHARE is not None:
        return m // _LONG_SEASON_SHARE
    if deseasonalized is not None and np.mean(deseasonalized) < 0.5:
        return m
    shorter = [c for c in CANDIDATE_PERIODS if c <= min(168, m // 2)]
    found = detect_seasonal_period(y, candidates=shorter)
    return m // _ALONE_SHARE if found <= 1 and _ALONE_SHARE else found


def default_window(seasonal_period, y, horizon=None, lookback=None, *, min_observed=None,
                   week=None):
    """The network's horizon and lookback: the given values, else the defaults.

    Defaults, from the seasonal period ``m`` and the longest series ``n``:

    - horizon: :func:`seqforecast._time.default_horizon` (two seasons for
      ``2 <= m <= 24``: 8 quarters, 24 months, 14 days, 48 hours; one season
      for longer periods; 6 steps without a season; at most ``n // 4``, so
      that windows fit in the history). Forecasts further ahead chain the
      network's own outputs (quantiles widened as
      ``RNNForecaster._carry_spread`` says).
    - lookback: three seasons and at least one horizon for seasonal data,
      two horizons otherwise (tuned on the M3 validation splits,
      benchmarks/README.md), raised toward three horizons for long series
      without a season, as far as a third of the median series length
      (M3 "other": 18 steps instead of 12 without hints, 21 instead of 16
      with its horizon of 8; yearly panels stay at two horizons) but not
      on little data (below); at least ``week`` when it is given (the
      weekly season of hourly or half-hourly data, 168 or 336 steps, that
      the network deseasonalises by: see ``RNNForecaster``'s
      ``seasonal_period``); a default lookback is at most ``n // 2`` (and
      at least the horizon).

    A season of which the longest series holds fewer than two cycles
    (``2 * m > n``: a daily period of 1,440 minutes over 1,000 of them)
    sets neither: the window is that of data without a season (6 and 12
    steps for 1,000 minutes of data, where the daily period gave 250 and
    500: a fit many times as long).

    Little data, fewer than 1,000 training windows in all under these
    defaults (windows as :class:`~seqforecast.windowing.SlidingWindow`
    counts them, each with at least ``min_observed`` past values, by
    default half the lookback: one series of up to about a thousand
    points, or a panel of a few dozen short ones), shortens them: a default
    horizon of at most ``n // 8`` and a default lookback of at most
    ``n // 4`` (but at least 2 and 4 steps, and the lookback at least the
    horizon). 60 months get 7
    and 15 steps instead of 15 and 30: 39 windows instead of 16. On 40
    single M3 series of each of the monthly, quarterly and yearly
    categories this lowered the mean MASE of the LSTM and GRU by 7-24 %
    (benchmarks/README.md, "A shorter window for little data"). Without
    a season the default lookback of little data is also at most 12 steps
    (but at least the horizon): one yearly series with its horizon of 10
    or 11 got 20 or 22 steps, and forecasts far worse than with 12
    (benchmarks/README.md, "At most 12 steps back on little data without
    a season"). Given values are never changed; a given horizon keeps the
    shorter default lookback, and a given ``min_observed`` bounds every
    default lookback from below.

    Never a one-step, two-value window unless the history itself is that
    short. ``y`` is the history: a :class:`~seqforecast._panel.RaggedPanel`
    or a dense panel with leading NaN.
    """
    lengths = (np.asarray(y.lengths) if isinstance(y, RaggedPanel)
               else np.sum(~np.isnan(y), axis=0))
    n = int(np.max(lengths, initial=1))
    m = window_season(seasonal_period, n)
    given = horizon, lookback
    if horizon is None:
        horizon = default_horizon(m, n)
    if lookback is None:
        lookback = (max(3 * m, horizon) if m > 1
                    else round(_NONSEASONAL_LOOKBACK * horizon))
        if week:
            lookback = max(lookback, week)
        lookback = max(horizon, min(lookback, n // 2), min_observed or 0)
    # Training windows as SlidingWindow counts them: a past at least
    # min_observed long (by default half the lookback) and a whole horizon.
    least_past = min_observed if min_observed is not None else max(1, lookback // 2)
    if np.maximum(lengths - horizon - least_past + 1, 0).sum() < _FEW_WINDOWS:
        if given[0] is None:
            horizon = max(1, min(horizon, max(2, n // _FEW_AHEAD)))
        if given[1] is None:
            floor = max(4, n // _FEW_BACK, min_observed or 0)
            cap = (_FEW_NONSEASONAL_BACK if m <= 1
                   else None if _FEW_SEASONS_BACK is None else _FEW_SEASONS_BACK * m)
            if cap is not None:
                floor = max(min_observed or 0, min(floor, cap))
            lookback = max(horizon, min(lookback, floor))
    elif given[1] is None and not week:
        if m <= 1:
            lookback = _long_nonseasonal_lookback(horizon, lookback, lengths, n)
        elif _SEASONAL_LEAST is not None:
            lookback = max(lookback, min(_SEASONAL_LEAST, n // 2))
    return horizon, lookback


# A kept epoch's training loss this many times the first epoch's mean, or
# _DIVERGED_FROM_UNTRAINED times the untrained network's (its first batch; at
# least _LOSS_FLOOR, so that an untrained network that happens to start near
# a flat series' level does not flag a healthy fit): training diverged.
_DIVERGED = 3.0
_DIVERGED_FROM_UNTRAINED = 10.0
_LOSS_FLOOR = 0.1

# skorch settings that a forecaster parameter of another name sets
# (skorch reads optimizer__lr before lr), and the forecaster's own callbacks.
_NET_PARAM_OWNERS = {"criterion": "loss", "optimizer__weight_decay": "weight_decay",
                     "optimizer__lr": "lr"}
_CALLBACK_OWNERS = {"clip": "clip_grad_norm", "early_stopping": "early_stopping",
                    "averaging": "weight_averaging", "progress": "verbose"}


# skorch arguments the forecaster's net never reads (it makes its own
# batches of windows, builds a new net at every fit and predicts through
# the module): each would be accepted and silently have no effect. Their
# "__" settings (iterator_train__batch_size, ...) are refused with them.
_NET_PARAMS_UNUSED = {
    "iterator_train": "the training batches are the forecaster's own (batch_size=, "
                      "windows_per_epoch=, random_state=)",
    "iterator_valid": "the validation batches are the forecaster's own (batch_size=)",
    "dataset": "the windows are made by the forecaster (lookback=, horizon=, stride=)",
    "warm_start": "every fit trains a new network; update() appends observations "
                  "without retraining",
    "predict_nonlinearity": "forecasts are the network's outputs (loss= chooses them)",
}


# Adam's arguments that choose its implementation: a user who sets one (or
# another optimizer) keeps torch's choice, as without the forecaster.
_ADAM_IMPLEMENTATION = frozenset({"foreach", "fused", "differentiable"})


def _chooses_adam_implementation(extra):
    """Whether ``net_params`` choose the optimizer or its implementation
    (for all the weights or, through ``optimizer__param_groups``, some)."""
    groups = extra.get("optimizer__param_groups") or ()
    return "optimizer" in extra or any(
        f"optimizer__{name}" in extra for name in _ADAM_IMPLEMENTATION) or any(
        isinstance(group, (tuple, list)) and len(group) == 2 and isinstance(group[1], dict)
        and _ADAM_IMPLEMENTATION & set(group[1]) for group in groups)


def _fused_adam(device):
    """Whether Adam runs fused (one kernel for all the weights) on ``device``.

    torch's default Adam runs one multi-tensor kernel per operation of its
    update on CUDA (about ten a step) and a Python loop over the weights on
    the CPU (about ten operations per weight); the fused implementation
    does the same update in one kernel, on CUDA and, from torch 2.4, on the
    CPU. On a small network, where a GPU step is bound by the host's
    launches, that is 6 of the 56 operations a default training step
    dispatches (``benchmarks/speed/step_ops.py``); on the CPU the update
    of the default network takes 64 instead of 190 us a step.
    """
    kind = torch.device(device).type
    return kind == "cuda" or (kind == "cpu" and torch.__version__ >= "2.4")


# Prefixed keys that skorch reads itself rather than passing to the class:
# per-parameter-group settings of the optimizer.
_SKORCH_OWN_KEYS = frozenset({"optimizer__param_groups"})


def _check_net_params_known(extra, classes):
    """Raise for a ``net_params`` key that no part of the net accepts.

    ``classes`` maps skorch's prefixes (``module``, ``criterion``,
    ``optimizer``) to the classes they build: a typo (``module__hiden``,
    ``criterion__quantiles`` with ``loss="mae"``, ``optimizer__momentum``
    for Adam) would fail inside skorch with a bare TypeError.
    """
    callbacks = extra.get("callbacks")
    if callbacks is not None and not isinstance(callbacks, (list, tuple)):
        raise ValueError(
            f"net_params['callbacks'] must be a list of skorch callbacks or (name, "
            f"callback) pairs, got {type(callbacks).__name__}."
        )
    for key in sorted(extra):
        prefix, _, name = key.partition("__")
        if prefix not in classes or not name or "__" in name or key in _SKORCH_OWN_KEYS:
            continue
        accepted = inspect.signature(classes[prefix]).parameters
        if name not in accepted and not any(
                p.kind is inspect.Parameter.VAR_KEYWORD for p in accepted.values()):
            names = [n for n in accepted if n not in ("self", "args", "kwargs")]
            raise ValueError(
                f"net_params sets {key!r}, but the {prefix} ({classes[prefix].__name__}) "
                f"has no argument {name!r}; its arguments: {names}."
            )


def _check_net_params(extra, owned, forecaster_params):
    """Raise if ``net_params`` sets what the forecaster sets itself.

    ``owned`` are the skorch arguments the forecaster builds; the net would
    silently take ``net_params``' value over the forecaster's parameter.
    The settings of its own callbacks (``callbacks__clip__max_norm``, ...)
    are its parameters' too. Arguments its net never reads
    (``_NET_PARAMS_UNUSED``) are refused as well, saying why.
    """
    unused = sorted(key for key in extra
                    if key.partition("__")[0] in _NET_PARAMS_UNUSED)
    if unused:
        key = unused[0]
        raise ValueError(
            f"net_params sets {key!r}, which the forecaster's net does not use: "
            f"{_NET_PARAMS_UNUSED[key.partition('__')[0]]}."
        )
    owned = owned | set(_NET_PARAM_OWNERS)
    clash = sorted(key for key in extra if key in owned or any(
        key.startswith(f"callbacks__{cb}__") for cb in _CALLBACK_OWNERS))
    if not clash:
        return
    key = clash[0]
    callback = key.split("__")[1] if key.startswith("callbacks__") else None
    name = (_CALLBACK_OWNERS[callback] if callback is not None
            else _NET_PARAM_OWNERS.get(key, key.removeprefix("module__")))
    how = (f"set the forecaster's parameter {name}= instead" if name in forecaster_params
           else "it is set from the data and the other parameters")
    raise ValueError(
        f"net_params sets {key!r}, which the forecaster sets itself; {how}. "
        "net_params is for what the forecaster has no parameter of its own for "
        "(callbacks, optimizer, optimizer__* arguments, ...)."
    )


def _check_callbacks_validation(callbacks, validating):
    """Raise for a callback that monitors validation scores when there are none.

    skorch's ``EarlyStopping``, ``Checkpoint`` or a plateau ``LRScheduler``
    watch ``valid_loss`` by default; without ``early_stopping=`` the net
    holds out no windows and skorch would fail after the first epoch with
    a KeyError from its history.
    """
    if validating:
        return
    for callback in callbacks:
        name, callback = callback if isinstance(callback, tuple) else (None, callback)
        monitor = getattr(callback, "monitor", None)
        if isinstance(monitor, str) and monitor.startswith("valid"):
            label = type(callback).__name__ if name is None else f"{name!r}"
            raise ValueError(
                f"net_params['callbacks'] has {label}, which monitors {monitor!r}, but no "
                "windows are held out for validation: set early_stopping=<patience> "
                "(the forecaster's early stopping on the latest horizon of each series, "
                "which also makes valid_loss for other callbacks), or monitor a "
                "training score such as 'train_loss'."
            )


class RNNForecaster(BaseForecaster):
    """Global recurrent forecaster (RNN, LSTM, GRU and variants).

    One network learns from all windows of all series of the history and
    forecasts every series from its last ``lookback`` values (and the
    covariates ``X``, known in the past and in the future).

    Parameters
    ----------
    cell : {"lstm", "gru", "rnn", "peephole", "coupled"}, default="lstm"
        Recurrent cell. "lstm", "gru" and "rnn" run on torch's fused
        ``nn.LSTM/GRU/RNN`` (cuDNN on GPU); "peephole" (Gers & Schmidhuber)
        and "coupled" (input gate tied to the forget gate) on the
        hand-written cells of :mod:`seqforecast.neural.cells`. On CPU a
        GRU training step takes about twice an LSTM's (torch runs its CPU
        LSTM on oneDNN's fused kernel and has none for the GRU:
        ``python -m benchmarks.speed.cells_step --study defaults``).
    hidden_size : int, default=64
        Units per layer.
    num_layers : int, default=1
        Stacked recurrent layers.
    dropout : float, default=0.0
        Dropout between stacked recurrent layers (not on the recurrent
        connections), so none with ``num_layers=1``; inside the layers with
        ``encoder="transformer"`` (attention weights, feed-forward, residuals).
    bidirectional : bool, default=False
        Read the lookback window in both directions (it is all past, so both
        are valid). A recurrent encoder's option: ignored with
        ``encoder="transformer"``, whose attention reads every step anyway.
    encoder : {"recurrent", "transformer"} or class, default="recurrent"
        What reads the lookback window
        (:mod:`seqforecast.neural.encoders`): the recurrent layers of
        ``cell``, or a small Transformer (causal self-attention with
        sinusoidal positions, ``num_layers`` layers of width ``hidden_size``
        and ``n_heads`` heads; ``cell`` then serves only the seq2seq
        decoder). An encoder class is accepted too (it cannot be saved with
        :meth:`save`).
    attention : bool, default=False
        With ``strategy="seq2seq"``: at every horizon step the decoder
        attends over the encoder's outputs at every past step (Luong
        attention, :class:`~seqforecast.neural.networks.LuongAttention`).
    n_heads : int, default=4
        Attention heads of the Transformer encoder; a divisor of ``hidden_size``.
    lookback : int or None, default=None
        Past steps the network reads. None: three seasons for seasonal data,
        ``max(3 * m, horizon)`` with ``m`` the seasonal period, and two
        horizons otherwise (the rule tuned on the M3 validation splits); a
        week for hourly or half-hourly data that also cycle over the week
        (168 or 336 steps); at most half the longest series, and at most a
        quarter of it on little data (fewer than 1,000 training windows; see
        :func:`default_window`). A season longer than a week of half-hours
        that the profile divides out builds both on a shorter one
        (:func:`window_period`: 14 ahead and 21 back for daily data with a
        week, 45 and 135, an eighth of the year, without one).
    horizon : int or None, default=None
        Steps the network outputs at once. None: two seasons for periods up
        to 24 (24 months, 8 quarters, 14 days, 48 hours), one season for
        longer ones (but see ``lookback`` for seasons longer than a week of
        half-hours), 6 steps without a season; at most a quarter of the
        longest series, and an eighth of it on little data (one short
        series: see :func:`default_window`). Longer forecasts chain the
        network over its own outputs; shorter ones use its first steps. A chained chunk's
        quantiles and intervals add, in quadrature, the spread at the end of
        the chunk before it (exact for independent Gaussian increments, as a
        Gaussian random walk has), so they keep widening past ``horizon``.
    strategy : {"mimo", "recursive", "seq2seq"}, default="mimo"
        Multi-step strategy: all steps from the encoder state at once, one
        step fed back ``horizon`` times, or an encoder–decoder that reads the
        future covariates (with ``attention``, it also attends over the past).
        With covariates, "mimo" reads the covariates of all ``horizon``
        future steps at once: given fewer (a shorter forecast, or the last
        chunk of a chained one), the last row is repeated to fill them, as if
        the covariates stayed as they are, and that assumption can move the
        steps asked for too. Give ``X`` for ``horizon`` steps where it
        matters; "recursive" and "seq2seq" read the future covariates step by
        step, so a shorter forecast is exactly the first steps of a longer one.
    scaling : {"recent", "mean", "smoothed", "standard"} or None, default="recent"
        Target normalisation, inverted on output. "recent" maps each window
        to ``y / s - 1`` with ``s`` the mean absolute value of the last third
        of its past (rounded up: the last 12 of a 36-step window; its
        observed values only; at least a tenth of the whole past's, so that
        intermittent series keep a usable scale; the whole past's where that
        part has nothing observed), signed like the mean of the past. The
        network learns changes relative to the series' current level, and a
        series' level and sign are irrelevant: forecasts of ``c * y`` are
        ``c`` times those of ``y`` for any ``c != 0``, up to float rounding,
        given the same ``random_state``. "mean" is the same with ``s`` over
        the whole observed past (the default before "recent":
        benchmarks/README.md, "A window scale from the recent past").
        "smoothed" is the same with ``s`` the exponentially weighted mean of
        the past's absolute values, each series with its own smoothing
        constant (up to 0.5, the one with the least one-step error of
        simple exponential smoothing over its history): ES-RNN's per-series
        level. Not the default: on the M3 validation folds it lowered MASE
        on 12 of 16 cell-folds, but raised it on M1 quarterly and Tourism
        monthly and quarterly (benchmarks/README.md, "A per-series smoothed
        level").
        "standard" standardises each series with its history's mean and
        standard deviation; None trains on raw values.
    deseasonalize : bool, default=True
        Divide each seasonal series by its multiplicative seasonal indices
        before training (ES-RNN style) and multiply the forecasts back. A
        series is treated as seasonal when its autocorrelation at the
        seasonal period passes the 90 % significance test of statsmodels'
        ``ThetaModel`` (``n r_m^2 / sum_{k<m} r_k^2`` against the chi2(1)
        quantile; it passes more short seasonal series than the test with
        Bartlett's variance); short, non-positive and non-seasonal series,
        and data without a seasonal period, are left as they are. The
        indices of a year's cycle (4 quarters, 12 months, 52 weeks) are
        those of each series' last five seasons (its whole history when
        shorter), so that a season that drifted is divided out as it is
        now; a day's or a week's profile (24 or 48 steps a day, 7 days, 168
        or 336 steps a week) comes from the whole history, whose many cycles
        average its noise out. Chosen on the M3 validation folds, checked on
        M1 and Tourism and on synthetic hourly and daily panels
        (benchmarks/README.md, "The networks' seasonality test", "Seasonal
        indices from the last five seasons" and "Five seasons of a day or a
        week").
    noise_input : bool, default=True
        Give the network each window's noise level as one more input, the
        last channel of its past, the same on every step:
        ``(log(m) + 3) / 2`` with ``m`` the mean absolute one-step change of
        the window's observed values over the magnitude of its scale (at
        least 1e-4; 0 for changes of about 5 % of the level). Windows are
        divided by their level, so a smooth trending series and a noisy
        wandering one can look alike to the network; this tells them apart.
        A window's own level needs at least 12 observed one-step changes
        (``seqforecast.neural.data.NOISE_CHANGES``); windows with fewer read
        the training windows' median (the fitted ``scaler_.noise``). With a
        lookback of 12 or less (by default quarterly and yearly data, and
        short series without a season at the default horizon; long ones
        look back 18 steps, see :func:`default_window`) no window has that
        many, and on little data (fewer than 1,000 training windows: one
        series, a few short ones) there is no such input either: the
        network forecasts as with ``noise_input=False``. On the M3
        validation folds it lowered monthly MASE by 1.7 % on average (all
        12 cell-seed-folds) and "other" with its horizon given (lookback
        16) by 0.4 %; on M1 monthly, never used for a choice, by 1.1 %, and
        it raised Tourism monthly's by 0.3-0.4 %. Own levels from fewer
        changes misled the network on short series (a yearly fold's
        3-11-value series: MASE up to 13 % higher), and on one short series
        with a level shift the network learned from 47 windows that calm
        windows precede a step, which is what the two thresholds are for
        (benchmarks/README.md, "A noise-level input").
    seasonal_period : int or None, default=None
        Season length, used for the default ``lookback``/``horizon`` and by
        ``deseasonalize``. None: from the frequency of the time index (12 for
        monthly data), else detected from the data's autocorrelation
        (:func:`~seqforecast.detect_seasonal_period`); how it was found is in
        ``seasonal_period_source_``. Hourly or half-hourly data (a period of
        24 or 48) that also cycle over the week
        (:func:`seqforecast._time.weekly_cycle`: a weekday and weekend
        pattern, as in electricity demand or traffic) take the week instead,
        168 or 336, while the default horizon stays that of the day and the
        default lookback is the week: on a synthetic hourly panel with
        weekends this halved the networks' MASE, and it cut it by 23-31 %
        on half-hourly electricity demand (benchmarks/README.md, "A week of
        hourly data"). A given ``seasonal_period`` is kept as it is. A
        season longer than a week of half-hours (336 steps: a year of days,
        365, given or detected in daily values without dates) that the
        seasonal profile divides out of at least half of the series gets
        the default window of the shorter cycle the data show (two weeks
        ahead and three back where daily data cycle over the week) or of an
        eighth of it (45 days ahead, 135 back), not a year ahead and three
        back; where the profile leaves it in (values
        of both signs, no clear season), the window holds it as before
        (:func:`~seqforecast.neural.forecaster.window_period`). Daily data
        that cycle over the year and not the week get 365 in every model
        (:func:`seqforecast._time.daily_yearly_cycle`); daily data that
        cycle over both (:func:`seqforecast._time.weekly_and_yearly_cycle`:
        weekends and seasons, as births or retail sales) get 365 in the
        networks alone (source ``"detected"``, ``weekly_means_`` True): the
        profile of the series' seven-day means takes the year out and the
        default window holds the week, where that profile adjusts at least
        half of the series (the classical models keep the week as their
        period and take the year out by the same profile, ``year_out_``). On the
        daily births of the United States, 1969-1988, the GRU's 90-day
        MASE fell from 0.714 to 0.394 (benchmarks/README.md, "Daily data:
        the year from the data").
    loss : {"mae", "mse", "quantile", "gaussian"}, default="mae"
        Training loss on the scaled targets. "mae" and "mse" give point
        forecasts (median and mean). "quantile" trains one output per entry
        of ``quantiles`` with the pinball loss; the outputs are sorted by
        construction, so quantiles never cross; ``predict`` returns the
        median. "gaussian" predicts a mean and a scale with the Gaussian
        negative log-likelihood; ``predict`` returns the mean. Both enable
        :meth:`predict_quantiles` and :meth:`predict_interval`.
    loss_scale : {"auto", "mase", "window"}, default="auto"
        What a unit of loss is. "mase": each window's loss is multiplied by
        its scale over its series' in-sample seasonal-naive error (the scale
        of MASE), relative to the median series and capped at 10, so smooth
        series weigh as much as MASE makes them. "window": the error in
        units of each window's scale, so every window counts alike
        (relative errors, as sMAPE counts them). "auto" is "mase" where it
        applies (``scaling`` "recent", "mean" or "smoothed", and a loss other than
        "gaussian") and "window" otherwise; the choice is ``loss_scale_``.
        Chosen on the M3 validation folds (benchmarks/README.md, "A loss
        scaled like MASE"): with weight averaging, "mase" lowered the
        validation MASE on 7 of the 8 category-folds for the LSTM. An
        explicit "mase" needs ``scaling`` "recent", "mean" or "smoothed", and not
        ``loss="gaussian"``.
    quantiles : sequence of float, default=(0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95)
        Quantiles learned with ``loss="quantile"``, strictly increasing
        numbers in (0, 1) (:meth:`predict_quantiles` takes any order), with 0.5 (what
        ``predict`` returns) and ``1 - q`` for each ``q`` added where
        missing (``quantiles_``: the windows of a negative series are scaled
        by a negative number, which turns level ``q`` into ``1 - q``); other
        quantiles asked at predict time are interpolated linearly between
        them (asking outside their range is an error).
    min_observed : int or None, default=None
        Least observed values in a training window's past; shorter series
        contribute windows packed to their length. None: ``lookback // 2``.
        A single series needs ``min_observed + horizon`` observations. In a
        panel where some series have that many, a shorter one trains on the
        windows whose future runs past its end, the loss over the steps they
        observe (it needs ``min_observed + 1`` values); with covariates
        ``X`` (unknown past the end) it contributes no training window, with
        a warning, and is still forecast. A panel in which no series has
        ``min_observed + horizon`` observations cannot be fitted.
    stride : int, default=1
        Step between the training windows of a series (counted back from its
        last window).
    windows_per_epoch : int or None, default=None
        Windows drawn at random for each epoch (without replacement up to the
        number of windows, whole shuffled passes beyond). None: the default
        budget, which grows with the length of the series, not their number.
        An epoch is ``20 * f`` batches, where ``f`` is the mean number of
        training windows per series (over the series that give any) divided
        by 10, at least 1 and at most 4: panels of short series (yearly
        data, under 10 windows a series) train the 50 epochs in 1,000
        optimisation steps, panels of long ones (M3 monthly: 47 windows a
        series) in up to 4,000. On M3's validation folds this lowered MASE
        on every monthly, quarterly and "other" fold for the GRU and the
        plain RNN and on 4 of 6 for the LSTM, and on M1 and Tourism (never
        used for a choice) by 1.7 % (LSTM) and 1.2 % (GRU) on average,
        yearly panels unchanged (``benchmarks/README.md``, "A budget that
        grows with the series' length"). On little data the default 50
        epochs are shortened (whole batches) to 4 steps per training window
        but at least 250, ``max(250, 4 * n_train_windows_)`` steps when that
        is under the budget above: a single short series (under about 60
        windows) trains for 250 steps; on 40 single series of each M3
        category that lowered the mean validation MASE by 0.8-17 % against
        1,000 steps in all 12 category-cell-seed runs (the median series
        moved both ways). Fewer epochs keep their length until that budget
        is reached; more epochs multiply it (``max_epochs / 50`` times).
        ``windows_per_epoch_`` records the epoch length used; an explicit
        ``windows_per_epoch = 20 * batch_size`` gives the fixed 1,000 steps.
    max_epochs : int, default=50
        Training epochs.
    batch_size : int or None, default=None
        Windows per optimisation step. None: 32 on the CPU, 512 on a CUDA
        device (the same default steps then read 16 times the windows,
        which a GPU computes in about the same time per step; on the M3
        monthly validation split it was as accurate: sMAPE 14.34 and MASE
        0.929 against 14.43 and 0.934, ``benchmarks/README.md``). The
        batch used is ``batch_size_``.
    lr : float, default=1e-3
        Adam learning rate.
    weight_decay : float, default=0.0
        Adam weight decay.
    clip_grad_norm : float or None, default=1.0
        Largest gradient norm (skorch's ``GradientNormClipping``); None
        disables clipping.
    early_stopping : int or None, default=None
        Patience in epochs. The last ``horizon`` steps of every series are
        then held out as validation windows (the latest in time, never a
        random or earliest split), training uses only windows whose targets
        end before them, and the weights of the best validation epoch are
        kept.
    weight_averaging : float or None, default=0.99
        Decay of an exponential moving average of the weights over the
        training steps (0.99: about the last 100 of the default 1,000 to
        4,000 steps; the decay warms up as ``(1 + t) / (10 + t)`` over the first
        steps so that a short run is not averaged toward its start), kept
        as the fitted weights and used for validation
        (:class:`~seqforecast.neural.averaging.WeightAveraging`, over
        torch's ``AveragedModel``). It makes the forecasts far less
        dependent on ``random_state`` and was chosen on the M3 validation
        splits (two forecast origins, five seeds; ``benchmarks/README.md``):
        the spread of MASE over seeds fell 2 to 13 times and the worst seed
        improved in seven of eight cases; mean MASE -0.3 % monthly, -2.7 %
        quarterly, -1.9 % "other", +0.8 % yearly. None: the weights of the
        last step.
    clip_outputs : bool, default=True
        Keep the network's point output at each step ahead within the least
        and largest value of that step's scaled targets over the training
        windows (``target_range_``): a forecast never moves further from
        its window's level, relative to it, than the training data did.
        Where the point output is moved to that range, every output of the
        step moves with it (quantiles keep their spread, a Gaussian its
        standard deviation); chained forecasts are bounded chunk by chunk.
        It guards little data: a network fitted on one short series can
        answer a window unlike its training windows with a change far
        beyond any it saw, and chaining compounds it (an M1 monthly series
        at 5,000 was forecast to reach 29,000). On single series of M3, M1
        and Tourism it lowered the mean MASE in every run where it clipped
        anything, and on whole competition panels, whose training targets
        span a wide range, it changed no validation score
        (benchmarks/README.md, "Outputs within the range of the training
        targets"). Only with the window scalings ("recent", "mean",
        "smoothed"), whose targets are changes relative to the window's
        level; with "standard" or None nothing is clipped.
    device : {"cpu", "cuda", "auto"}, default="cpu"
        Where to train; "auto" picks CUDA when available. On CUDA the
        training windows (the panel's flat buffer, the windows' positions in
        it, the scaling constants) are put on the GPU once per fit, every
        window is scaled there once (within a memory budget) and batches
        are indexed out of them
        (:class:`~seqforecast.neural.data.DeviceWindowDataset`, the same
        maths and the same shuffled order as the numpy batches); only the
        windows' lengths stay on the host, and the batch losses are read
        back once per epoch. The CPU trains the same way where the fit
        draws at least as many windows as there are (a panel like M3's)
        and the scaled windows take at most 128 MiB; elsewhere (a long
        series, of which a fit draws a small share; long or wide windows)
        it makes each batch in numpy when drawn.
    n_threads : int or None, default=None
        torch's intra-op CPU threads while fitting and predicting (set with
        ``torch.set_num_threads`` and restored afterwards; the setting is
        process-wide, so do not fit two forecasters at once in threads of
        one process with different values). None keeps torch's current
        setting, lowered to the number of CPUs this process may use
        (``os.sched_getaffinity``) when it exceeds it, so containers and
        ``taskset`` do not get oversubscribed.
    distributed : bool or "auto", default=False
        Train data-parallel over the ``torch.distributed`` process group
        that each process of a ``torchrun`` launch initialises
        (``torch.distributed.init_process_group``): the network is wrapped
        in ``DistributedDataParallel``, each process trains on its disjoint
        share of every epoch's windows (one shuffled order shared by all)
        and the gradients are all-reduced, so every process ends with the
        same weights and can predict. ``batch_size`` is then per process and
        ``windows_per_epoch`` counts the windows of all processes (None: 20
        batches per process). True without an initialised process group is
        an error; "auto" then fits as usual. With a one-process group the
        fit equals the ordinary one.
    random_state : int, RandomState or None, default=None
        Seeds weight initialisation and window shuffling; an int makes
        results repeatable on the same machine. torch's global random state
        is left untouched; None draws the seed from numpy's global
        generator (as scikit-learn's ``check_random_state`` does), which
        advances it.
    verbose : int, default=0
        0 is silent; 1 prints skorch's epoch table and a progress bar.
    net_params : dict or None, default=None
        Extra keyword arguments for the skorch net (for example
        ``{"callbacks": [...]}``, ``{"optimizer": torch.optim.AdamW}``).
        What the forecaster sets from its own parameters (``lr``,
        ``max_epochs``, ``criterion``, ``module__*``, its callbacks'
        settings, ...) is refused, naming the parameter to set instead.
        Adam runs fused (``optimizer__fused=True``: one kernel for the
        update of all the weights) on CUDA and on the CPU (torch >= 2.4),
        unless ``net_params`` sets ``optimizer``, ``optimizer__foreach``,
        ``optimizer__fused`` or ``optimizer__differentiable`` (or a group of
        ``optimizer__param_groups`` sets ``foreach``, ``fused`` or
        ``differentiable``).

    Attributes
    ----------
    net_ : WindowNet
        The fitted skorch net; ``net_.module_`` is the torch module and
        ``net_.history`` the training history.
    lookback_ : int
        The lookback used.
    horizon_ : int
        The network's output length.
    batch_size_ : int
        Windows per optimisation step (``batch_size``, or its device default).
    seasonal_period_ : int
        The seasonal period used: ``seasonal_period``, else the one the
        index frequency implies, else the one detected from the data (1: no
        season); the week (168 or 336, source ``"detected"``) for hourly or
        half-hourly data that also cycle over the week.
    seasonal_period_source_ : {"parameter", "index", "detected"} or None
        Where ``seasonal_period_`` came from (None: unknown, for a model
        loaded from a save that predates this attribute).
    weekly_means_ : bool
        Whether the seasonal profile is that of the seven-day means (daily
        data of a week and a year, see ``seasonal_period``).
    quantiles_ : ndarray
        With ``loss="quantile"``, the levels learned: ``quantiles`` with the
        median and each level's mirror ``1 - q`` added.
    windows_per_epoch_ : int
        Training windows drawn per epoch (``windows_per_epoch``, or the
        budget that grows with the data).
    min_observed_ : int
        Least observed values in a training window's past: ``min_observed``,
        else half the lookback.
    min_future_ : int
        Least observed values in a training window's future: ``horizon_``,
        or 1 when series of the panel too short for a whole future train on
        the steps they have (see ``min_observed``).
    series_ends_ : Index or None
        For a long panel, each series' last timestamp; None otherwise.
    loss_scale_ : {"mase", "window"}
        The loss scale used (``loss_scale``, with "auto" resolved).
    n_train_windows_ : int
        Number of training windows.
    target_range_ : ndarray of shape (2, horizon_) or None
        The least (row 0) and largest (row 1) scaled training target at
        each step ahead: the range of the point output with
        ``clip_outputs``; None when nothing is clipped.
    n_epochs_ : int
        Epochs trained (fewer than ``max_epochs`` when early stopping
        triggered).
    best_epoch_ : int or None
        With ``early_stopping``, the epoch (from 1) of the lowest validation
        loss, whose weights are kept; None otherwise.

    Warns
    -----
    ConvergenceWarning
        When the last epoch's training loss is not finite, or more than 3
        times the first's (training diverged: lower ``lr``; not for the
        Gaussian loss, which can be negative). With ``early_stopping``, when
        the validation loss was still falling at the last of ``max_epochs``
        epochs (raise ``max_epochs``), or was lowest after the first epoch
        (the rest only overfitted or diverged: lower ``lr`` or shrink the
        model).

    See Also
    --------
    LSTMForecaster : The LSTM preset.
    GRUForecaster : The GRU preset.

    Examples
    --------
    >>> import numpy as np
    >>> from seqforecast.neural import RNNForecaster
    >>> y = np.sin(np.arange(120) * 2 * np.pi / 12) + 2
    >>> f = RNNForecaster(cell="gru", hidden_size=8, max_epochs=2, horizon=12,
    ...                   random_state=0).fit(None, y)
    >>> f.predict(np.zeros((12, 0))).shape
    (12,)
    """

    # Covariates may differ between series (those of a long panel).
    _series_covariates = True

    def __init__(
        self,
        *,
        cell="lstm",
        hidden_size=64,
        num_layers=1,
        dropout=0.0,
        bidirectional=False,
        encoder="recurrent",
        attention=False,
        n_heads=4,
        lookback=None,
        horizon=None,
        strategy="mimo",
        scaling="recent",
        deseasonalize=True,
        noise_input=True,
        seasonal_period=None,
        loss="mae",
        loss_scale="auto",
        quantiles=DEFAULT_QUANTILES,
        min_observed=None,
        stride=1,
        windows_per_epoch=None,
        max_epochs=50,
        batch_size=None,
        lr=1e-3,
        weight_decay=0.0,
        clip_grad_norm=1.0,
        early_stopping=None,
        weight_averaging=0.99,
        clip_outputs=True,
        device="cpu",
        n_threads=None,
        distributed=False,
        random_state=None,
        verbose=0,
        net_params=None,
    ):
        self.cell = cell
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.dropout = dropout
        self.bidirectional = bidirectional
        self.encoder = encoder
        self.attention = attention
        self.n_heads = n_heads
        self.lookback = lookback
        self.horizon = horizon
        self.strategy = strategy
        self.scaling = scaling
        self.deseasonalize = deseasonalize
        self.noise_input = noise_input
        self.seasonal_period = seasonal_period
        self.loss = loss
        self.loss_scale = loss_scale
        self.quantiles = quantiles
        self.min_observed = min_observed
        self.stride = stride
        self.windows_per_epoch = windows_per_epoch
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.lr = lr
        self.weight_decay = weight_decay
        self.clip_grad_norm = clip_grad_norm
        self.early_stopping = early_stopping
        self.weight_averaging = weight_averaging
        self.clip_outputs = clip_outputs
        self.device = device
        self.n_threads = n_threads
        self.distributed = distributed
        self.random_state = random_state
        self.verbose = verbose
        self.net_params = net_params

    # ------------------------------------------------------------ parameters
    # A season the series hold fewer than two cycles of sets neither the window nor the
    # deseasonalisation (default_window, SeasonalProfile).
    _season_needs_two_cycles = True

    _parameter_constraints: ClassVar[dict] = {
        "cell": [StrOptions(set(CELL_TYPES))],
        "hidden_size": POSITIVE_INT,
        "num_layers": POSITIVE_INT,
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "bidirectional": ["boolean"],
        "encoder": [StrOptions(set(ENCODERS)), type],
        "attention": ["boolean"],
        "n_heads": POSITIVE_INT,
        "lookback": POSITIVE_INT_OR_NONE,
        "horizon": POSITIVE_INT_OR_NONE,
        "strategy": [StrOptions(set(STRATEGIES))],
        "scaling": [StrOptions({*WINDOW_SCALINGS, "standard"}), None],
        "deseasonalize": ["boolean"],
        "noise_input": ["boolean"],
        "seasonal_period": POSITIVE_INT_OR_NONE,
        "loss": [StrOptions(set(LOSSES))],
        "loss_scale": [StrOptions({"auto", "window", "mase"})],
        "quantiles": ["array-like"],
        "min_observed": POSITIVE_INT_OR_NONE,
        "stride": POSITIVE_INT,
        "windows_per_epoch": POSITIVE_INT_OR_NONE,
        "max_epochs": POSITIVE_INT,
        "batch_size": POSITIVE_INT_OR_NONE,
        "lr": [Interval(Real, 0, None, closed="neither")],
        "weight_decay": [Interval(Real, 0, None, closed="left")],
        "clip_grad_norm": [Interval(Real, 0, None, closed="neither"), None],
        "early_stopping": POSITIVE_INT_OR_NONE,
        "weight_averaging": [Interval(Real, 0, 1, closed="neither"), None],
        "clip_outputs": ["boolean"],
        "device": [StrOptions({"cpu", "cuda", "auto"})],
        "n_threads": POSITIVE_INT_OR_NONE,
        "distributed": ["boolean", StrOptions({"auto"})],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
        "net_params": [dict, None],
    }

    def _check_params(self):
        if self.loss_scale == "mase" and self.scaling not in WINDOW_SCALINGS:
            raise ValueError(
                "loss_scale='mase' weighs each window by its scale over its series' naive "
                "error, so it needs a window scaling, 'mean', 'recent' or 'smoothed'; got "
                f"scaling={self.scaling!r}."
            )
        if self.loss_scale == "mase" and self.loss == "gaussian":
            raise ValueError(
                "loss_scale='mase' weights the loss of each window, which the Gaussian "
                "likelihood does not allow; use loss='mae', 'mse' or 'quantile'."
            )
        if self.attention and self.strategy != "seq2seq":
            raise ValueError(
                "attention=True needs strategy='seq2seq' (a decoder that attends over the "
                f"encoder's steps); got strategy={self.strategy!r}."
            )
        if self.encoder == "transformer" and self.hidden_size % self.n_heads:
            raise ValueError(
                "encoder='transformer' needs hidden_size to be a multiple of n_heads; got "
                f"hidden_size={self.hidden_size} and n_heads={self.n_heads}."
            )
        if self.loss == "quantile":
            q = self._check_quantiles(self.quantiles)
            if np.any(np.diff(q) <= 0):
                raise ValueError(
                    f"quantiles must be strictly increasing, got {self.quantiles!r}."
                )
            # The mirror of every level, and the median: a series with a
            # negative scale turns level q into 1 - q (see _predict_quantiles),
            # and predict returns the median.
            levels = list(q)
            for level in (*(1 - q), 0.5):
                if np.min(np.abs(np.asarray(levels) - level)) > 1e-9:
                    levels.append(level)
            self.quantiles_ = np.sort(np.asarray(levels, dtype=np.float64))
        elif hasattr(self, "quantiles_"):
            del self.quantiles_  # an earlier fit's, with loss="quantile"
        if self.device == "cuda" and not torch.cuda.is_available():
            raise ValueError("device='cuda' was requested but CUDA is not available here.")
        self.loss_scale_ = self.loss_scale
        if self.loss_scale_ == "auto":  # "mase" where the checks above would allow it
            weighted = self.scaling in WINDOW_SCALINGS and self.loss != "gaussian"
            self.loss_scale_ = "mase" if weighted else "window"
        self.batch_size_ = self.batch_size
        if self.batch_size_ is None:
            self.batch_size_ = _GPU_BATCH if self._device().startswith("cuda") else _CPU_BATCH

        # Hourly or half-hourly data that also cycle over the week: the
        # network's season is the week (its deseasonalisation, recent scale,
        # MASE-scaled loss and lookback), the default horizon that of the day.
        day, week = self._day_and_week(self.seasonal_period)
        self.seasonal_period_ = week or day
        # Daily data that cycle over the week and the year: the network
        # takes the year out (the profile of the seven-day means) and its
        # window holds the week, where the profile adjusts at least half of
        # the series; the classical models keep the week as their period
        # (and take the year out by the same profile: year_out_).
        self.weekly_means_ = False
        if (week is None and self.seasonal_period is None and day == WEEK_OF_DAYS
                and self.deseasonalize and _LONGEST_WINDOW_SEASON is not None
                and weekly_and_yearly_cycle(self.y_panel_)):
            self.seasonal_period_, self.weekly_means_ = YEAR_OF_DAYS, True
            if np.mean(self._seasonal_profile(self.y_panel_).adjusted()) >= 0.5:
                day = YEAR_OF_DAYS
                self.seasonal_period_source_ = "detected"
            else:
                self.seasonal_period_, self.weekly_means_ = day, False
        # A season longer than a week of half-hours: the window of a shorter
        # one where the network takes it out of the series.
        shape = day
        if (week is None and day > (_LONGEST_WINDOW_SEASON or day)
                and (self.horizon is None or self.lookback is None)):
            adjusted = self._seasonal_profile(self.y_panel_).adjusted()
            shape = window_period(day, self.y_panel_, adjusted)
        self.horizon_, self.lookback_ = default_window(
            shape, self.y_panel_, self.horizon, self.lookback,
            min_observed=self.min_observed, week=week,
        )
        if self.min_observed is not None and self.min_observed > self.lookback_:
            raise ValueError(
                f"min_observed={self.min_observed} is larger than lookback={self.lookback_}; "
                "a window cannot hold more observations than its length."
            )
        self.min_observed_ = (
            self.min_observed if self.min_observed is not None else max(1, self.lookback_ // 2)
        )

    def _min_observations(self):
        if self.n_series_ > 1:
            # In a panel, a series too short for a training window still gets
            # forecasts from the network trained on the others; fit fails only
            # when no series has a window.
            return 1, "a series"
        needed = self.min_observed_ + self.horizon_
        held_out = self.horizon_ if self.early_stopping else 0
        why = (
            f"a training window of min_observed={self.min_observed_} and "
            f"horizon={self.horizon_}"
            + (" (plus the held-out horizon for early_stopping)" if held_out else "")
            + f" (lookback={self.lookback_})"
        )
        return needed + held_out, why

    def _device(self):
        if self.device == "auto":
            return "cuda" if torch.cuda.is_available() else "cpu"
        return self.device

    # Whether training batches are made with torch on the training device
    # (DeviceWindowDataset) rather than in numpy on the host: None follows the
    # device and the data (_device_batches); True or False on an instance
    # forces it (tests and benchmarks compare the two paths).
    _device_resident = None

    def _device_batches(self, n_windows, shard=None):
        """Whether the ``n_windows`` training windows are batched by ``DeviceWindowDataset``.

        On CUDA always: a batch made on the host would cross to the device
        at every step. On the CPU where the fit (this process's share of
        it, with ``distributed``) draws at least as many windows as there
        are (``max_epochs * windows_per_epoch_``), and then only where the
        scaled windows fit in ``DeviceWindowDataset``'s CPU budget (128 MiB;
        checked once they are counted, by :meth:`_device_dataset`): every window is then
        scaled once, in chunks, and a batch is three index operations (the
        default fit of M3 monthly: 13.5 s instead of 16.3 s on one thread,
        bit-identical forecasts). On a long series, whose fit draws a small
        share of its windows, scaling them all would be work and memory for
        windows never drawn, and the numpy batches hold less than the device
        path's positions of every window (issue #12), so the host path
        stays. Elsewhere (MPS has no float64) the host path.
        """
        if self._device_resident is not None:
            return bool(self._device_resident)
        kind = torch.device(self._device()).type
        if kind == "cpu":
            drawn = self.max_epochs * self.windows_per_epoch_ // (1 if shard is None else shard[1])
            return n_windows <= drawn
        return kind == "cuda"

    def _on_cuda(self):
        return torch.device(self._device()).type == "cuda"

    def _device_dataset(self, train, shard):
        """``train`` as a :class:`DeviceWindowDataset` where the fit batches on the
        device (:meth:`_device_batches`), else None (numpy batches)."""
        if not self._device_batches(len(train), shard):
            return None
        on_device = DeviceWindowDataset(train, self._device())
        # The CPU keeps its numpy batches where the scaled windows would not
        # fit: made with torch when drawn they are no faster.
        if on_device.pairs is None and not self._on_cuda() and self._device_resident is None:
            return None
        return on_device

    # -------------------------------------------------------------- training
    def _with_static(self, X, n_rows):
        """Covariates with the static features appended to every step of their series.

        Returns ``X`` itself without static features, else an array
        (n_rows, n_series, n_covariates + n_static): the network reads a
        series' static features beside its covariates, in the past and over
        the horizon.
        """
        static = getattr(self, "static_features_", None)
        if static is None:
            return X
        tiled = np.broadcast_to(static[None], (n_rows, *static.shape))  # -> (n, m, S)
        if X is None:
            return np.ascontiguousarray(tiled)
        if X.ndim == 2:  # shared by all series
            X = np.broadcast_to(X[:, None, :], (n_rows, static.shape[0], X.shape[1]))
        return np.concatenate([X, tiled], axis=2)  # -> (n, m, K + S)

    def _with_static_panel(self, X, y):
        """:meth:`_with_static` for the training history, ragged like ``y``.

        ``X`` is None, shared covariates (n_rows, K) or a RaggedPanel of
        per-series ones; with static features the result is a RaggedPanel
        of values (n_values, K + S): each series' rows only, never the
        (n_rows, n_series, K + S) block.
        """
        static = getattr(self, "static_features_", None)
        if static is None:
            return X
        tiled = static[y.series_index()]  # -> (n_values, S)
        if X is None:
            return y.with_values(tiled)
        own = X[y.value_rows()] if isinstance(X, np.ndarray) else X.values  # -> (n_values, K)
        return y.with_values(np.concatenate([own, tiled], axis=1))

    def _n_network_covariates(self):
        """Covariates the network reads: ``X``'s and the static features."""
        static = getattr(self, "static_features_", None)
        return self.n_features_in_ + (0 if static is None else static.shape[1])

    def _seasonal_profile(self, y):
        """The profile the network divides the ragged history ``y`` by (flat without
        ``deseasonalize``; of the seven-day means for data of a week and a year)."""
        if getattr(self, "weekly_means_", False):
            return weekly_means_profile(y, self.seasonal_period_, test=_SEASONALITY_TEST,
                                        seasons=_SEASONAL_INDEX_SEASONS)
        return SeasonalProfile(
            y, self.seasonal_period_ if self.deseasonalize else 1, test=_SEASONALITY_TEST,
            seasons=(_SEASONAL_INDEX_SEASONS if _RECENT_INDICES == "all"
                     or yearly_cycle(self.seasonal_period_) else None),
        )

    def _fit(self, y, X):
        seed = check_random_state(self.random_state).randint(np.iinfo(np.int32).max)
        shard = _distributed.process_group(self.distributed)  # (rank, world_size) or None
        if shard is not None:
            seed = _distributed.shared_seed(seed)
        # y is the ragged history; X shared rows, a RaggedPanel or None.
        partial = _PARTIAL_FUTURE is not None and X is None
        X = self._with_static_panel(X, y)
        n_features = 0 if X is None else X.shape[-1]
        self.profile_ = self._seasonal_profile(y)
        if not self.profile_.is_flat():
            y = self.profile_.divide(y)
        self.scaler_ = Scaler(self.scaling, y, X, getattr(self, "static_features_", None))
        self._warn_below_floor(y)
        held_out = self.horizon_ if self.early_stopping else 0
        n_train_rows = y.n_rows - held_out
        windows, series_idx, target_start, least_future = self._training_windows(
            y.head(n_train_rows), _first_rows(X, n_train_rows), partial)
        if len(series_idx) == 0:
            raise NoTrainingWindowError(
                "No training window fits in the history: every window needs "
                f"min_observed={self.min_observed_} observed past values and "
                f"horizon={self.horizon_} future values",
                "lower lookback/horizon/min_observed.",
            )
        self.n_train_windows_ = len(series_idx)
        self._warn_untrained_series(y, series_idx, n_train_rows, least_future)
        # The budget counts the windows whose future lies in the history:
        # those running past its end change what the steps see, not how many.
        # (No mask when every window is whole: a byte per window, kept
        # through training.)
        whole, n_whole = None, self.n_train_windows_
        if self.min_future_ < self.horizon_:
            whole = target_start <= n_train_rows - self.horizon_
            n_whole = int(whole.sum())
            if n_whole == 0:  # a study's share with short series only
                whole, n_whole = None, self.n_train_windows_
        if self.windows_per_epoch is not None:
            self.windows_per_epoch_ = self.windows_per_epoch
        else:
            steps = _BATCHES_PER_EPOCH * self.max_epochs
            if _WINDOWS_PER_SERIES is not None:
                counted = series_idx if whole is None else series_idx[whole]
                per_series = n_whole / len(np.unique(counted))
                factor = min(_MAX_BUDGET_FACTOR, max(1.0, per_series / _WINDOWS_PER_SERIES))
                steps = round(steps * factor)
            small = max(_MIN_STEPS, _STEPS_PER_WINDOW * n_whole)
            budget = min(steps, small * max(self.max_epochs, _DEFAULT_EPOCHS) // _DEFAULT_EPOCHS)
            batches = -(-budget // self.max_epochs)
            self.windows_per_epoch_ = batches * self.batch_size_ * (
                1 if shard is None else shard[1]
            )
        series_scale = None
        if self.loss_scale_ == "mase":
            series_scale = relative_naive_scale(y, self.seasonal_period_, self.scaler_.floor)
        del whole
        train = WindowDataset(windows, series_idx, target_start, self.scaler_, series_scale,
                              partial=self.min_future_ < self.horizon_)
        # The noise-level input, when there are enough training windows and
        # some observe enough changes for it: the value of those that do not.
        self.scaler_.noise = (noise_median(train) if self.noise_input
                              and n_whole >= _NOISE_WINDOWS else None)
        # What the network may output: the range of its training targets.
        self.target_range_ = (target_range(train) if self.clip_outputs
                              and self.scaling in WINDOW_SCALINGS else None)
        valid = None
        if self.early_stopping:
            full = SlidingWindow(
                self.lookback_, self.horizon_, min_observed=self.min_observed_
            ).fit(y, X)
            # The window whose targets are the last `horizon` steps of each series.
            observed = full.n_observed(
                np.arange(y.n_series), np.full(y.n_series, n_train_rows)
            )
            v_series = np.flatnonzero(observed >= self.min_observed_)
            valid = WindowDataset(
                full, v_series, np.full(len(v_series), n_train_rows), self.scaler_,
                series_scale,
            )

        with _torch_threads(self.n_threads), torch.random.fork_rng(devices=[]):
            # The windows, their positions and the scaling constants go to the
            # device once; every window is scaled there once (within a memory
            # budget; else each batch is made there when drawn).
            on_device = self._device_dataset(train, shard)
            device_batches = on_device is not None
            if device_batches:
                train = on_device
                # The validation windows are read once an epoch: made when drawn.
                valid = (None if valid is None
                         else DeviceWindowDataset(valid, self._device(), precompute=False))
            torch.manual_seed(seed)
            generator = torch.Generator().manual_seed(seed)
            # skorch's fit initialises the module (inside the seeded RNG).
            self.net_ = self._build_net(n_features, valid, generator, shard, device_batches)
            train = SampledDataset(train, self.windows_per_epoch_)
            with warnings.catch_warnings():
                # skorch warns that y is None: the targets live in the dataset.
                warnings.simplefilter("ignore", UserWarning)
                self.net_.fit(train, y=None)
        self._report_training()
        return self

    def _training_windows(self, y, X, partial):
        """The training windows: a fitted SlidingWindow, their series and target
        starts, and the least future a series needed for a window (for the
        warning about those left out).

        Sets ``min_future_``. With ``partial`` (no time-varying covariates),
        the series that give no window with a whole future get those whose
        future runs past their end (:data:`_PARTIAL_FUTURE`), as long as
        some series has a whole one: the windows of the series that have
        one teach every step ahead, where those of short series alone
        would leave the last steps without a single target.
        """
        self.min_future_ = least = min_future = self.horizon_
        if partial and _PARTIAL_FUTURE != "short":  # a study's share, for every series
            self.min_future_ = least = min_future = max(
                1, min(self.horizon_, math.ceil(_PARTIAL_FUTURE * self.horizon_)))
        elif partial:
            # Each series is observed from its first value to the end (the
            # history has no gaps), so its length says whether it gives a
            # window with a whole future.
            whole = y.lengths >= self.min_observed_ + self.horizon_
            if whole.any() and not whole.all():
                # One step observed is enough for the series left out, if
                # any of them has more than min_observed values.
                least = 1
                if (y.lengths[~whole] > self.min_observed_).any():
                    self.min_future_ = 1
                    min_future = np.where(whole, self.horizon_, 1)
        windows = SlidingWindow(self.lookback_, self.horizon_, stride=self.stride,
                                min_observed=self.min_observed_, min_future=min_future).fit(y, X)
        series_idx, target_start = windows.window_indices()
        return windows, series_idx, target_start, least

    def _warn_below_floor(self, y):
        """Warn when a series' values come near the panel's shared scale floor.

        The window scale's floor is relative to the panel's largest value
        (``SCALE_FLOOR``, 1e-8); a series whose mean absolute value is below
        it has windows scaled by the floor, which no longer follow its own
        level, so it is not forecast at its own scale.
        """
        if self.scaling not in WINDOW_SCALINGS or y.n_series < 2:
            return
        level = y.series_sum(absolute=True) / np.maximum(y.lengths, 1)  # mean |y|
        small = np.flatnonzero((level > 0) & (level < self.scaler_.floor))
        if len(small):
            names = [self._series_label(int(i)) for i in small[:3]]
            top = int(np.argmax(np.abs(y.values)))
            where = self._series_label(int(y.series_of(top)))
            warnings.warn(
                f"{type(self).__name__}: {len(small)} series (e.g. {names}) have a mean "
                "absolute value below the window scale's floor, which the panel shares "
                f"(1e-8 of its largest value, {abs(y.values[top]):.4g} in series {where!r}), so "
                "their windows are scaled by the floor and they are not forecast at their "
                "own scale; fit them in a panel of their own size, or rescale the series "
                "(e.g. each by its mean) and the forecasts back.",
                UserWarning,
                stacklevel=4,
            )

    def _warn_untrained_series(self, y, series_idx, n_train_rows, least_future):
        """Warn when series of a panel give no training window (the network never sees them).

        By design they still get forecasts, from what the network learned on
        the others; but when the window was set by a much longer series
        (the default horizon and lookback follow the longest), most of a
        panel can be left out without a word.
        """
        trained = np.zeros(y.n_series, dtype=bool)
        trained[series_idx] = True
        if trained.all():
            return
        # The training part cuts the held-out rows off the end of every series.
        held_out = y.n_rows - n_train_rows
        lengths = np.maximum(y.lengths - held_out, 0)
        first = int(np.flatnonzero(~trained)[0])
        # least_future: what a series needed of its future for a window
        # (1 where short series train on windows running past their end).
        partial = least_future < self.horizon_
        needed = self.min_observed_ + least_future
        # The largest horizon with which the shortest of them gives a window,
        # at this min_observed (a smaller horizon never asks for more past,
        # nor holds out more rows for early stopping). A window whose future
        # may run past the end needs only min_future of it: no horizon helps.
        largest = int(lengths[~trained].min()) - self.min_observed_
        smaller = (f"Give horizon={largest} or less (every series then gives a window), "
                   if largest >= 1 and not partial else
                   "Give " if partial else "Give a smaller horizon, ")
        future = (f"{least_future} future value" + ("s" if least_future > 1 else "")
                  if partial else f"horizon={self.horizon_}")
        warnings.warn(
            f"{type(self).__name__}: {int((~trained).sum())} of {y.n_series} series give no "
            f"training window (each needs {needed} observations for training: "
            f"min_observed={self.min_observed_} and {future}"
            + (f", before the {held_out} held out for early_stopping" if held_out else "")
            + f"; the first, {self._series_label(first)!r}, has {int(lengths[first])}"
            + (" after them" if held_out else "") + "), so the network "
            f"never learns from them and forecasts them from the others. {smaller}"
            "a smaller lookback (or min_observed), or fit the short series apart.",
            UserWarning,
            stacklevel=4,
        )

    def _report_training(self):
        """Set ``n_epochs_`` and ``best_epoch_``; say how training and early stopping went."""
        history = self.net_.history
        self.n_epochs_ = len(history)
        self.best_epoch_ = None
        name = type(self).__name__
        if self.early_stopping and self.n_epochs_:
            losses = np.array(history[:, "valid_loss"], dtype=float)
            self.best_epoch_ = int(np.argmin(losses)) + 1
        if self.n_epochs_:
            self._warn_if_diverged(np.array(history[:, "train_loss"], dtype=float),
                                   float(history[0]["batches"][0]["train_loss"]))
        if self.best_epoch_ is None:
            return
        if self.verbose and self.n_epochs_ < self.max_epochs:
            print(
                f"{name}: early stopping triggered at epoch {self.n_epochs_} of "
                f"{self.max_epochs} (validation loss not lower for {self.early_stopping} "
                f"epochs); kept the weights of epoch {self.best_epoch_} "
                f"(validation loss {losses[self.best_epoch_ - 1]:.4g})."
            )
        if self.best_epoch_ == self.n_epochs_ == self.max_epochs and self.max_epochs > 1:
            warnings.warn(
                f"{name}: the validation loss was still falling at the last epoch "
                f"(max_epochs={self.max_epochs}) so early stopping did not trigger; the "
                "model may be undertrained: raise max_epochs (or windows_per_epoch).",
                ConvergenceWarning,
                stacklevel=4,
            )
        elif self.best_epoch_ == 1 and self.n_epochs_ > 1:
            warnings.warn(
                f"{name}: the validation loss was lowest after the first epoch and never "
                f"improved in the {self.n_epochs_ - 1} that followed, so the weights of "
                "epoch 1 were kept: training only overfitted or diverged; lower lr, shrink "
                "the model (hidden_size, num_layers) or add dropout/weight_decay.",
                ConvergenceWarning,
                stacklevel=4,
            )

    def _warn_if_diverged(self, train, untrained):
        """Warn when the weights kept come from a training run that diverged.

        ``train`` holds each epoch's mean training loss, ``untrained`` the
        loss of the first batch, before the first step. Training that works
        lowers the loss; one whose kept weights end far above where it
        started has diverged, and its forecasts are noise. Two yardsticks:
        the first epoch's mean, and the untrained network's loss, which also
        catches a run already broken within the first epoch and a run of
        one epoch (a single batch is a noisy yardstick, hence the wider
        margin). A Gaussian negative log-likelihood has no floor at 0, so
        only a non-finite loss means that for it.
        """
        # The weights kept: the last epoch's, or early stopping's best.
        kept = self.best_epoch_ or self.n_epochs_
        last = train[kept - 1]
        if np.isfinite(last):
            if self.loss == "gaussian":
                return
            rose = kept > 1 and last > _DIVERGED * train[0]
            start = max(untrained, _LOSS_FLOOR) if np.isfinite(untrained) else np.inf
            if not rose and last <= _DIVERGED_FROM_UNTRAINED * start:
                return
        warnings.warn(
            f"{type(self).__name__}: the training loss of epoch {kept}, whose weights are "
            f"kept, is {last:.4g}, where the first epoch's was {train[0]:.4g} and the "
            f"untrained network's {untrained:.4g}: training diverged and the forecasts are "
            f"unreliable; lower lr (now {self.lr:g}) or set clip_grad_norm.",
            ConvergenceWarning,
            stacklevel=5,
        )

    def _build_net(self, n_features, valid, generator, shard=None, device_batches=False):
        callbacks = []
        if self.clip_grad_norm is not None:
            callbacks.append(("clip", GradientNormClipping(self.clip_grad_norm)))
        if self.early_stopping:
            callbacks.append(
                ("early_stopping", EarlyStopping(
                    patience=self.early_stopping, load_best=True, sink=quiet
                ))
            )
        if self.weight_averaging is not None:
            # After early stopping, so that it sees the averaged weights.
            callbacks.append(("averaging", WeightAveraging(self.weight_averaging)))
        if self.verbose:
            callbacks.append(("progress", ProgressBar()))
        params = dict(
            module=ForecastNetwork,
            module__cell=self.cell,
            # The noise-level input is the last channel of the past.
            module__n_past_features=1 + n_features + (self.scaler_.noise is not None),
            module__n_future_features=n_features,
            module__horizon=self.horizon_,
            module__hidden_size=int(self.hidden_size),  # numpy ints from a grid, too
            module__num_layers=int(self.num_layers),
            module__dropout=self.dropout,
            module__bidirectional=self.bidirectional,
            module__strategy=self.strategy,
            module__encoder=self.encoder,
            module__attention=self.attention,
            module__n_heads=int(self.n_heads),
            module__n_outputs=self._n_outputs(),
            module__feedback_output=self._point_output(),
            module__output_transform={"quantile": "monotone", "gaussian": "gaussian"}.get(
                self.loss
            ),
            criterion=LOSSES[self.loss],
            optimizer=torch.optim.Adam,
            optimizer__weight_decay=self.weight_decay,
            lr=self.lr,
            max_epochs=self.max_epochs,
            batch_size=self.batch_size_,
            train_split=predefined_split(valid) if valid is not None else None,
            callbacks=callbacks,
            device=self._device(),
            verbose=self.verbose,
            generator=generator,
            shard=shard,
            # With batches made on the device, skorch's per-batch loss.item()
            # would be the one thing left waiting for the device every step.
            deferred_loss=self._on_cuda() and device_batches and not self.verbose,
            partial_targets=self.min_future_ < self.horizon_,
        )
        if self.loss == "quantile":
            params["criterion__quantiles"] = tuple(self.quantiles_)
        extra = dict(self.net_params or {})
        _check_net_params(extra, set(params) - {"optimizer", "callbacks"}, self.get_params())
        _check_net_params_known(extra, {"module": params["module"],
                                        "criterion": params["criterion"],
                                        "optimizer": extra.get("optimizer",
                                                               params["optimizer"])})
        if "callbacks" in extra:
            _check_callbacks_validation(extra["callbacks"], valid is not None)
            params["callbacks"] = callbacks + list(extra.pop("callbacks"))
        if not _chooses_adam_implementation(extra) and _fused_adam(params["device"]):
            params["optimizer__fused"] = True
        params.update(extra)
        return WindowNet(**params)

    # ------------------------------------------------------------ prediction
    def _n_outputs(self):
        if self.loss == "quantile":
            return len(self.quantiles_)
        return 2 if self.loss == "gaussian" else 1

    def _point_output(self):
        """Index of the output that is the point forecast (and is fed back)."""
        if self.loss == "quantile":
            # The learned quantile nearest the median (0.5 itself by default).
            return int(np.argmin(np.abs(self.quantiles_ - 0.5)))
        return 0

    def _forecast_chunk(self, y, X, X_next):
        """The network's ``horizon_`` steps after the panel ``y``, in data units.

        Returns an array (T, n_series, O): O = 1 for point losses, one
        column per learned quantile, or (mean, standard deviation); and a
        boolean array (n_series,), True where the window's scale is
        negative: there the quantile columns are in decreasing order and
        column ``k`` is the ``1 - quantiles_[k]`` quantile.
        """
        # The context reads only the last `lookback` rows: window those, not a
        # copy of the whole history (this runs once per chained chunk).
        L = self.lookback_
        windows = SlidingWindow(L, self.horizon_, min_observed=1).fit(
            y[-L:], None if X is None else X[-L:]
        )
        context = windows.context()
        series_idx = np.arange(y.shape[1])
        inputs, loc, scale = self.scaler_.inputs(context, series_idx)
        if X_next is not None:
            future = (X_next - self.scaler_.X_mean) / self.scaler_.X_std  # -> (T, [B,] K)
            if future.ndim == 2:  # shared by all series
                future = np.broadcast_to(future, (y.shape[1], *future.shape))  # -> (B, T, K)
            else:  # per series (a long panel)
                future = future.transpose(1, 0, 2)  # -> (B, T, K)
            inputs["future"] = torch.from_numpy(np.ascontiguousarray(future, dtype=np.float32))
        outputs = []
        for start in range(0, y.shape[1], _PREDICT_BATCH):
            part = {k: v[start:start + _PREDICT_BATCH] for k, v in inputs.items()}
            with torch.no_grad():
                out = self.net_.evaluation_step((part, None), training=False)
            outputs.append(out.detach().cpu().numpy().astype(np.float64))  # -> (B, T, O)
        out = self._clip(np.concatenate(outputs, axis=0))  # -> (n_series, T, O)
        loc = np.broadcast_to(loc, (y.shape[1], 1))[:, :, None]  # -> (n_series, 1, 1)
        scale = np.broadcast_to(scale, (y.shape[1], 1))[:, :, None]
        if self.loss == "gaussian":
            # A standard deviation is positive whatever the sign of the scale.
            out = np.concatenate(
                [out[..., :1] * scale + loc, out[..., 1:] * np.abs(scale)], axis=2
            )
        else:
            out = out * scale + loc
        return out.transpose(1, 0, 2), scale[:, 0, 0] < 0  # -> (T, n_series, O)

    def _clip(self, out):
        """Network outputs (n_series, T, O), the point forecast within ``target_range_``.

        Where the point output leaves the range it is set to the range's
        edge and every output of that step keeps its offset from it (a
        quantile forecast keeps its spread; a Gaussian one its standard
        deviation). Built as edge + offset, not output + shift, so that the
        outputs of a diverged network (1e35, inf) land on the edge too.
        """
        # Absent in models pickled before the range existed: not clipped.
        bounds = getattr(self, "target_range_", None)
        if bounds is None:
            return out
        point = out[:, :, self._point_output()]  # -> (n_series, T)
        edge = np.clip(point, bounds[0], bounds[1])
        moved = edge != point  # False where the output is in range (or NaN)
        if not moved.any():
            return out
        if self.loss == "gaussian":
            out = out.copy()
            out[:, :, 0] = edge  # the point itself where in range; the standard deviation stays
            return out
        with np.errstate(invalid="ignore"):  # inf - inf: NaN, no spread to keep
            offset = out - point[:, :, None]
            offset[np.isnan(offset)] = 0.0
            # (Steps left in place may be inf + -inf here: np.where drops them.)
            return np.where(moved[:, :, None], edge[:, :, None] + offset, out)

    def _predict_outputs(self, n_steps, X):
        """All outputs for ``n_steps`` steps, chaining over the point forecast.

        Returns the outputs (n_steps, n_series, O) and the (n_steps,
        n_series) mask of steps forecast from a negative scale (see
        :meth:`_forecast_chunk`).
        """
        # Each chunk reads the last `lookback` rows: keep only those (and what
        # the chained chunks add), not a copy of the whole history.
        n_history = self.y_panel_.n_rows
        first = max(n_history - self.lookback_, 0)
        y = self.y_panel_.rows(first, n_history)  # -> (L, n_series), NaN before a start
        X_hist = self._X_rows(first, n_history)
        X_hist = self._with_static(X_hist, len(y))
        if X is not None or X_hist is not None:
            X = self._with_static(X, n_steps)
        # The network works on deseasonalised values; factors go back on at the end.
        y = self.profile_.divide(y, first)
        T, point = self.horizon_, self._point_output()
        chunks, flipped = [], []
        done = 0
        while done < n_steps:
            X_next = None
            if X is not None:
                X_next = X[done:done + T]
                if len(X_next) < T:
                    # The network reads T future covariate rows; beyond the
                    # requested steps, repeat the last one (those outputs are
                    # dropped; a MIMO head reads all T rows at once, so the
                    # repeated ones can move the kept steps: the strategy
                    # docstring says so).
                    pad = np.repeat(X_next[-1:], T - len(X_next), axis=0)
                    X_next = np.vstack([X_next, pad])
            chunk, negative = self._forecast_chunk(y, X_hist, X_next)  # -> (T, n_series, O)
            if chunks and chunk.shape[2] > 1:
                chunk = self._carry_spread(chunk, negative, chunks[-1][-1], flipped[-1][-1])
            chunks.append(chunk)
            flipped.append(np.broadcast_to(negative, chunk.shape[:2]))
            done += T
            if done < n_steps:
                y = np.vstack([y, chunk[:, :, point]])
                if X_hist is not None:
                    X_hist = np.vstack([X_hist, X_next])
        out = np.concatenate(chunks, axis=0)[:n_steps]  # -> (n_steps, n_series, O)
        flipped = np.concatenate(flipped, axis=0)[:n_steps]
        return out * self.profile_.at(n_history, n_steps)[:, :, None], flipped

    def _carry_spread(self, chunk, negative, end, end_negative):
        """A chained chunk's spread, widened by the uncertainty of where it starts.

        A chained chunk reads the point forecasts before it as if they had
        been observed, so its quantiles (or standard deviation) start again
        at the width of one step ahead. The spread at the previous chunk's
        last step (``end``, (n_series, O), forecast from a negative scale
        where ``end_negative``) is added in quadrature: a quantile's offset
        from the median (for ``loss="gaussian"``, the standard deviation)
        becomes ``sqrt(offset**2 + carried**2)``, ``carried`` being the same
        level's offset at ``end``. Exact for independent Gaussian increments
        (a random walk: the variance at step ``T + k`` is the variance at
        ``T`` plus the variance at ``k``); for mean-reverting series the
        intervals err on the wide side.
        """
        if self.loss == "gaussian":
            out = chunk.copy()
            out[..., 1] = np.hypot(chunk[..., 1], end[:, 1])
            return out
        point = self._point_output()
        offset = chunk - chunk[..., point:point + 1]  # -> (T, n_series, Q)
        carried = end - end[:, point:point + 1]  # -> (n_series, Q)
        # Where the sign of the scale changed, the same level sits in the
        # mirrored column (the learned quantiles are symmetric).
        carried = np.where((negative != end_negative)[:, None], carried[:, ::-1], carried)
        sign = np.where(offset != 0, np.sign(offset), np.sign(carried))
        return chunk[..., point:point + 1] + sign * np.hypot(offset, carried)

    def _predict(self, n_steps, X):
        with _torch_threads(self.n_threads):
            out, _ = self._predict_outputs(n_steps, X)
        return out[:, :, self._point_output()]

    def _predict_quantiles(self, n_steps, X, quantiles):
        if self.loss not in ("quantile", "gaussian"):
            raise ValueError(
                f"{type(self).__name__} was trained with loss={self.loss!r}, which gives "
                "point forecasts only; train with loss='quantile' or loss='gaussian' for "
                "quantiles and intervals, or wrap it in seqforecast.ConformalForecaster "
                "(intervals from its backtest errors)."
            )
        with _torch_threads(self.n_threads):
            out, flipped = self._predict_outputs(n_steps, X)  # -> (n_steps, n_series, O)
        if self.loss == "gaussian":
            z = torch.distributions.Normal(0.0, 1.0).icdf(torch.as_tensor(quantiles)).numpy()
            return out[..., :1] + out[..., 1:] * z  # -> (n_steps, n_series, Q)
        learned = self.quantiles_
        # Where the scale was negative, column k is the 1 - learned[k]
        # quantile: reversed, the columns are the quantiles 1 - learned[::-1]
        # (the same levels when the learned quantiles are symmetric).
        levels = [(learned, out, ~flipped), (1 - learned[::-1], out[..., ::-1], flipped)]
        result = np.zeros((*out.shape[:2], len(quantiles)))
        for lv, values, where in levels:
            if not where.any():
                continue
            if quantiles.min() < lv[0] - 1e-12 or quantiles.max() > lv[-1] + 1e-12:
                negative = " (as mirrored for a negative series)" if lv is not learned else ""
                raise ValueError(
                    f"quantiles {[float(f'{q:.6g}') for q in quantiles]} fall outside the "
                    "learned range "
                    f"[{lv[0]:.6g}, {lv[-1]:.6g}]{negative}; add them to the forecaster's "
                    "quantiles parameter and refit."
                )
            # Linear interpolation between learned quantiles, vectorised over
            # steps and series.
            position = np.interp(quantiles, lv, np.arange(len(lv)))
            low = np.floor(position).astype(int)
            high = np.minimum(low + 1, len(lv) - 1)
            weight = position - low
            part = values[..., low] * (1 - weight) + values[..., high] * weight
            result = np.where(where[..., None], part, result)
        return result

    # ----------------------------------------------------------- persistence
    def save(self, path):
        """Save to a directory: parameters as JSON, weights and arrays as tensors.

        Loading never executes code from the files (:meth:`load` uses
        ``torch.load(weights_only=True)``).

        Parameters
        ----------
        path : str or os.PathLike
            Directory to write (created if needed).
        """
        check_is_fitted(self)
        _persistence.save_forecaster(self, path)

    @classmethod
    def load(cls, path):
        """Load a forecaster written by :meth:`save`.

        Parameters
        ----------
        path : str or os.PathLike
            Directory written by :meth:`save`. A forecaster trained on a GPU
            loads on the CPU (with a warning) where no CUDA device is
            available.

        Returns
        -------
        forecaster : RNNForecaster
        """
        forecaster, weights = _persistence.load_forecaster(cls, path)
        if str(forecaster.device).startswith("cuda") and not torch.cuda.is_available():
            # The weights are stored on the CPU: a model trained on a GPU
            # loads on a machine without one.
            warnings.warn(
                f"{os.fspath(path)} holds a forecaster trained with "
                f"device={forecaster.device!r}, but no CUDA device is available here; it is "
                "loaded with device='cpu'.",
                UserWarning,
                stacklevel=2,
            )
            forecaster.device = "cpu"
        # The network as the parameters describe it, with the saved weights.
        forecaster.net_ = forecaster._build_net(
            forecaster._n_network_covariates(), None, torch.Generator()
        )
        forecaster.net_.initialize()
        _persistence.load_weights(forecaster.net_.module_, weights, path)
        return forecaster

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.non_deterministic = self.random_state is None
        return tags


def _preset_signature(cell):
    """RNNForecaster's signature with another default cell.

    scikit-learn reads an estimator's parameters from its ``__init__``
    signature, so the presets expose the full list without repeating it.
    """
    signature = inspect.signature(RNNForecaster.__init__)
    parameters = [
        p.replace(default=cell) if p.name == "cell" else p
        for p in signature.parameters.values()
    ]
    return signature.replace(parameters=parameters)


class LSTMForecaster(RNNForecaster):
    """:class:`RNNForecaster` with an LSTM cell by default.

    It takes the same parameters; ``cell`` may also be ``"peephole"`` or
    ``"coupled"``, the LSTM variants.

    Examples
    --------
    >>> import numpy as np
    >>> from seqforecast.neural import LSTMForecaster
    >>> y = np.sin(np.arange(120) * 2 * np.pi / 12) + 2
    >>> f = LSTMForecaster(hidden_size=8, max_epochs=2, horizon=12, random_state=0)
    >>> f.fit(None, y).forecast(3).shape
    (3,)
    """

    def __init__(self, **params):
        params.setdefault("cell", "lstm")
        super().__init__(**params)

    __init__.__signature__ = _preset_signature("lstm")


class GRUForecaster(RNNForecaster):
    """:class:`RNNForecaster` with a GRU cell by default (the same parameters).

    Examples
    --------
    >>> import numpy as np
    >>> from seqforecast.neural import GRUForecaster
    >>> y = np.sin(np.arange(120) * 2 * np.pi / 12) + 2
    >>> f = GRUForecaster(hidden_size=8, max_epochs=2, horizon=12, random_state=0)
    >>> f.fit(None, y).forecast(3).shape
    (3,)
    """

    def __init__(self, **params):
        params.setdefault("cell", "gru")
        super().__init__(**params)

    __init__.__signature__ = _preset_signature("gru")


def _add_rnn_sections(klass, cell):
    """Give a preset class RNNForecaster's Parameters, Attributes and Warns.

    ``help(GRUForecaster)`` then lists what the class takes, with its own
    default ``cell``, instead of pointing elsewhere.
    """
    base, doc = RNNForecaster.__doc__, klass.__doc__
    if base is None or doc is None:  # python -OO strips docstrings
        return
    sections = base[base.index("\n    Parameters\n"):base.index("\n    See Also\n")]
    line = '    cell : {"lstm", "gru", "rnn", "peephole", "coupled"}, default="lstm"'
    sections = sections.replace(line, line.replace('default="lstm"', f'default="{cell}"'), 1)
    at = doc.index("\n    Examples\n")
    klass.__doc__ = doc[:at] + sections + doc[at:]


_add_rnn_sections(LSTMForecaster, "lstm")
_add_rnn_sections(GRUForecaster, "gru")
