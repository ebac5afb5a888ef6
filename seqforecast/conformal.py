"""Conformal prediction intervals around any forecaster.

:class:`ConformalForecaster` turns the point forecasts of any
:class:`~seqforecast.base.BaseForecaster` into prediction intervals from
its own out-of-sample errors, without a distributional assumption.
"""

from __future__ import annotations

import copy
import functools
from typing import ClassVar

import numpy as np
from sklearn.base import clone

from seqforecast._checks import (
    N_JOBS,
    POSITIVE_INT,
    POSITIVE_INT_OR_NONE,
    HasMethods,
    StrOptions,
)
from seqforecast.base import BaseForecaster, _updatable
from seqforecast.model_selection import _rolling_forecasts

__all__ = ["ConformalForecaster"]

_POOLINGS = ("series", "pooled", "scaled")
_METHODS = ("rolling", "split")


def _forecast_ahead(steps, model):
    """The ``steps`` forecasts of a fitted forecaster without covariates (a probe)."""
    return model._forecast_values(steps, None)


def _series_scale(y, period):
    """Scale of every series: the MASE scale (``pooling="scaled"``; the ensemble's weights).

    The in-sample mean absolute error of the seasonal naive forecast (lag
    ``period``) of each series; the one-step naive error for a series too
    short for that lag. A scale of zero or NaN (a constant series) becomes
    1, so that no division by zero occurs.
    """
    # ``y`` is the ragged history: each series read on its own values.
    scale = y.mean_abs_change(period)
    one_step = y.mean_abs_change(1)
    scale = np.where(np.isfinite(scale), scale, one_step)
    return np.where(np.isfinite(scale) & (scale > 0), scale, 1.0)


def _conformal_bound(errors, q, upper):
    """Split-conformal bound of the finite ``errors`` at level ``q``.

    ``upper``: the ``ceil((n + 1) q)``-th smallest of the ``n`` errors (the
    finite-sample correction), +inf when that rank exceeds ``n`` (too few
    errors for the level). Otherwise the ``floor((n + 1) q)``-th smallest,
    -inf when that rank is below 1. Under exchangeability a new error falls
    above an upper bound with probability at most ``1 - q``, below a lower
    one with probability at most ``q``. The symmetric radius is the upper
    bound of the absolute errors at the interval's coverage.
    """
    return float(_conformal_bounds(np.asarray(errors, dtype=np.float64)[:, None], q, upper)[0])


def _conformal_bounds(errors, q, upper):
    """:func:`_conformal_bound` of each column of ``errors`` (n, n_series), at once.

    Non-finite errors (NaN: windows a series did not have) are left out.
    """
    finite = np.isfinite(errors)
    n = finite.sum(axis=0)
    ordered = np.sort(np.where(finite, errors, np.inf), axis=0)  # the others last
    if upper:
        k = np.maximum(np.ceil((n + 1) * q - 1e-12).astype(np.int64), 1)
        missing, fill = k > n, np.inf
    else:
        k = np.floor((n + 1) * q + 1e-12).astype(np.int64)
        missing, fill = k < 1, -np.inf
    rank = np.clip(k - 1, 0, max(len(errors) - 1, 0))
    if not len(errors):
        return np.full(errors.shape[1], fill)
    return np.where(missing, fill, ordered[rank, np.arange(errors.shape[1])])


class ConformalForecaster(BaseForecaster):
    """Conformal prediction intervals around any point forecaster.

    In :meth:`fit`, clones of ``forecaster`` are backtested on the last
    ``n_windows`` forecast origins of the history: from each origin they
    forecast the next ``horizon`` steps, and the absolute errors are
    collected separately for every step ahead (horizon-wise calibration).
    Then ``forecaster`` is fitted on the whole history. Forecasts are those
    of the wrapped forecaster; quantile ``q`` is the forecast minus (for
    ``q < 0.5``) or plus (for ``q > 0.5``) the conformal quantile, at level
    ``|2q - 1|``, of the absolute errors of the same step ahead; ``q = 0.5``
    is the forecast itself.

    Parameters
    ----------
    forecaster : BaseForecaster
        The point forecaster (not fitted; it is cloned).
    horizon : int, default=1
        Largest number of steps ahead to calibrate, and to forecast
        intervals for.
    n_windows : int, default=20
        Number of calibration origins: the errors of step ``h`` come from
        ``n_windows`` forecasts. A central interval of coverage ``c`` is
        finite only when there are at least ``c / (1 - c)`` errors (9 for
        90 %, 19 for 95 %): per series with ``pooling="series"``, over all
        series otherwise (a series with too few of its own, one that started
        later, borrows the scaled errors of all series, as with
        ``pooling="scaled"``); an interval beyond what all of them bound is a
        ``ValueError`` that says how many are needed.
    method : {"rolling", "split"}, default="rolling"
        ``"rolling"`` refits a clone at every calibration origin (rolling
        origin; every error is truly out of sample). ``"split"`` fits one
        clone on the history before the first origin and moves it forward
        with :meth:`~seqforecast.base.BaseForecaster.update`, without
        refitting (split conformal; much faster for models that are costly
        to fit). A series of a panel that starts after that first origin
        has no fit of its own to move forward, so it gets no errors of its
        own and borrows the scaled errors of all series (see ``n_windows``);
        ``"rolling"`` scores it from the first origin its history reaches.
    pooling : {"series", "pooled", "scaled"}, default="series"
        ``"series"`` calibrates every series of a panel on its own errors;
        ``"pooled"`` uses the errors of all series together (they must be on
        a common scale); ``"scaled"`` divides every series' errors by its
        scale (its in-sample seasonal-naive error, the scale of MASE and
        MSIS), pools them, and multiplies the pooled quantile of each step
        back by each series' scale: the choice for a global model on many
        series of different levels, with too few origins for a quantile per
        series; it also gives intervals to series too short to be
        backtested themselves.
    seasonal_period : int or None, default=None
        Lag of the seasonal naive error of ``pooling="scaled"``; None reads
        it from the index frequency (12 for monthly data), else detects it
        from the data (:func:`~seqforecast.detect_seasonal_period`).
    symmetric : bool, default=True
        True: intervals symmetric around the forecast, from the absolute
        errors (the classical split-conformal interval; the median is the
        point forecast). False: each quantile from the signed errors
        (actual minus forecast), each tail with its own finite-sample rank,
        so that skewed or biased errors give skewed intervals; the median
        is then the point forecast plus the median error.
    adaptive : bool, default=False
        Recalibrate online: :meth:`update` scores the forecasts made before
        the new observations (from every origin whose horizon reaches them,
        one row at a time) and replaces the oldest calibration errors of
        each step by the new ones, so the intervals follow changes in the
        error level (a sliding window of the ``n_windows`` latest errors, as
        in EnbPI, Xu & Xie 2021). Without covariates :meth:`fit` also keeps
        the forecasts from its last ``horizon - 1`` origins (made like the
        calibration forecasts), so that each new row gives every step a new
        error; with covariates those would need the future rows of X, and
        the forecasts from the end of the history on are scored (with X,
        once all their rows are known). This costs ``horizon - 1`` more
        fits with ``method="rolling"`` (updates with ``"split"``): the fit
        took 1.2-1.4 times as long as a static one at ``horizon=3`` and
        2.0-2.1 times at ``12``, with ``n_windows=10`` (ARIMA and a small
        LSTM, ``python -m benchmarks.speed.conformal_adaptive``). False
        keeps the errors of :meth:`fit`.
    n_jobs : int or None, default=None
        Parallel jobs (joblib, with the active backend) for the calibration
        fits of :meth:`fit`: the clones of ``method="rolling"`` are fitted
        independently; ``"split"`` has one fit and runs in sequence.

    Attributes
    ----------
    forecaster_ : BaseForecaster
        ``forecaster`` fitted on the whole history (moved forward by
        :meth:`update`).
    errors_ : ndarray of shape (n_windows, horizon, n_series)
        Out-of-sample errors (actual minus forecast), oldest first along the
        first axis for every step; NaN where a series was too short to be
        forecast from an origin. ``residuals_`` is their absolute value.
    origins_ : ndarray of shape (n_windows,)
        Row of the history at which each calibration forecast of
        :meth:`fit` starts.
    scale_ : ndarray of shape (n_series,)
        Scale of each series (``pooling="scaled"``; ones otherwise).
    seasonal_period_ : int
        The seasonal period of those scales (and of the errors borrowed by
        a series with too few of its own).
    seasonal_period_source_ : {"parameter", "index", "detected"}
        Where ``seasonal_period_`` came from: the parameter, the index's
        frequency, or the data (:func:`~seqforecast.detect_seasonal_period`).

    See Also
    --------
    seqforecast.baselines.NaiveForecaster : analytic intervals.

    Notes
    -----
    Guarantee: if the calibration errors of step ``h`` and the future error
    of step ``h`` are exchangeable, the central interval of nominal coverage
    ``c`` covers the future value with probability at least ``c``
    (marginally, over the calibration data and the future), thanks to the
    rank ``ceil((n + 1) c)`` of the ``n`` errors (Vovk et al. 2005; Lei et
    al. 2018). Time series break exchangeability (errors are autocorrelated,
    and the process may drift), so the coverage is approximate: good when
    the errors are stationary and the calibration windows are
    representative of the future; ``adaptive=True`` helps when they drift.
    Pooling assumes the (scaled) errors of different series exchangeable,
    so the guarantee is then marginal over series too: some series are
    over-covered and others under-covered. Calibrating every step ahead
    separately keeps the widening of the intervals with the horizon
    (Stankeviciute et al. 2021). With ``symmetric=False`` each tail of the
    central interval misses with probability at most ``(1 - c) / 2`` under
    the same assumption.

    When a series of a panel is too short for the wrapped forecaster at a
    calibration origin (see
    :meth:`~seqforecast.base.BaseForecaster.observations_needed`), the
    clone of that origin is fitted on the other series and the short one
    gets no error from it.

    Examples
    --------
    >>> import numpy as np
    >>> from seqforecast.baselines import NaiveForecaster
    >>> from seqforecast.conformal import ConformalForecaster
    >>> y = np.cumsum(np.random.default_rng(0).normal(size=100))
    >>> model = ConformalForecaster(NaiveForecaster(), horizon=3, n_windows=30)
    >>> intervals = model.fit(None, y).predict_interval(np.empty((3, 0)), coverage=0.9)
    >>> intervals.columns.tolist()
    ['lower', 'upper']
    >>> bool((intervals["upper"] > intervals["lower"]).all())
    True
    """

    def __init__(
        self,
        forecaster,
        *,
        horizon=1,
        n_windows=20,
        method="rolling",
        pooling="series",
        adaptive=False,
        seasonal_period=None,
        symmetric=True,
        n_jobs=None,
    ):
        self.forecaster = forecaster
        self.horizon = horizon
        self.n_windows = n_windows
        self.method = method
        self.pooling = pooling
        self.adaptive = adaptive
        self.seasonal_period = seasonal_period
        self.symmetric = symmetric
        self.n_jobs = n_jobs

    # Per-series covariates (a long panel's) go to the wrapped forecaster.
    _series_covariates = True

    _parameter_constraints: ClassVar[dict] = {
        "forecaster": [HasMethods(["fit", "forecast", "observations_needed"])],
        "horizon": POSITIVE_INT,
        "n_windows": POSITIVE_INT,
        "method": [StrOptions(set(_METHODS))],
        "pooling": [StrOptions(set(_POOLINGS))],
        "adaptive": ["boolean"],
        "seasonal_period": POSITIVE_INT_OR_NONE,
        "symmetric": ["boolean"],
        "n_jobs": N_JOBS,
    }

    def _static_features_ignored(self):
        # Static features go to every fit of the wrapped forecaster, which
        # reads them if it is a global model.
        reason = self.forecaster._static_features_ignored()
        if reason is None:
            return None
        return f"wraps {type(self.forecaster).__name__}, which {reason}"

    def _check_params(self):
        self.seasonal_period_ = self._seasonal_period(self.seasonal_period)
        if not isinstance(self.forecaster, BaseForecaster):
            raise ValueError(
                "forecaster must be a seqforecast forecaster (a BaseForecaster), got "
                f"{type(self.forecaster).__name__}."
            )

    def _min_observations(self):
        # Every calibration origin needs at least one observation before it.
        # In a panel, shorter series are calibrated at the origins where they
        # have started (see _fit), so only the longest one must be this long.
        needed = self.horizon + self.n_windows
        why = f"ConformalForecaster(horizon={self.horizon}, n_windows={self.n_windows})"
        if self.n_series_ > 1:
            longest = int(self.y_panel_.lengths.max())
            if longest < needed:
                raise ValueError(
                    f"The longest series of y has {longest} observations but {why} "
                    f"needs at least {needed} in one series; pass a longer history."
                )
            return 1, why
        return needed, why

    # ------------------------------------------------------------ helpers
    def _future_X(self, start, steps):
        return self._X_rows(start, start + steps)

    def _forecast(self, model, steps, X):
        return model._forecast_values(steps, X)

    # ------------------------------------------------------------ hooks
    def _fit(self, y, X):
        n_rows, h = y.n_rows, self.horizon
        origins = np.arange(n_rows - h - self.n_windows + 1, n_rows - h + 1)
        history = self._history_data()
        folds = [(0, origin, origin, origin + h) for origin in origins]
        # Adaptive: the forecasts from the last h - 1 origins reach past the
        # history; kept, their later steps are scored by update as the rows
        # arrive, so that every step gets a new error from the first new row.
        # (Forecast in the same chain of fits as the calibration, the whole
        # horizon by a probe. With covariates they would need their future X:
        # only the forecasts made from the end of the history on are scored.)
        late = (np.arange(n_rows - h + 1, n_rows) if self.adaptive and self.X_panel_ is None
                else np.empty(0, dtype=int))
        folds += [(0, origin, origin, n_rows) for origin in late]
        # Series too short at an origin are left out of its clone (NaN errors).
        rolling = _rolling_forecasts(
            self.forecaster,
            *history,
            folds,
            refit_every=1 if self.method == "rolling" else None,
            skip_short=True,
            probe=functools.partial(_forecast_ahead, h) if len(late) else None,
            probe_folds=frozenset(range(len(origins), len(folds))),
            n_jobs=self.n_jobs,
            static_features=self.static_features_,  # in the order of the series
        )
        forecasts = rolling.forecast[: len(origins)]
        self.origins_ = origins
        # The actuals of every calibration origin: the block of those rows only.
        actual = y.rows(origins[0], n_rows)
        self.errors_ = actual[origins[:, None] - origins[0] + np.arange(h)] - forecasts
        scale = _series_scale(y, self.seasonal_period_)
        self.scale_ = scale if self.pooling == "scaled" else np.ones(self.n_series_)
        # The scale with which a series too short for a bound of its own
        # borrows the pooled errors of the others (pooling="series").
        self._borrow_scale = scale
        # Only when there are any: a subclass's fit may not take them.
        static = {} if self.static_features_ is None else {
            "static_features": self.static_features_}
        self.forecaster_ = clone(self.forecaster).fit(*history, **static)
        # Forecasts awaiting their observations, by the row of their origin.
        self.pending_ = {}
        for k, origin in enumerate(late, start=len(origins)):
            entry = np.full((h, self.n_series_), np.nan)  # NaN: a series not fitted
            if rolling.probed[k] is not None:
                series = rolling.series[k]
                entry[:, slice(None) if series is None else series] = rolling.probed[k]
            self.pending_[int(origin)] = entry
        if self.adaptive:
            self.pending_[n_rows] = self._pending_entry(n_rows)
        return self

    def _reads_skipped_covariates(self):
        return self.forecaster_._reads_skipped_covariates()

    def _predict(self, n_steps, X):
        return self._forecast(self.forecaster_, n_steps, X)

    def _pending_entry(self, origin):
        """What adaptive recalibration keeps for the forecast from ``origin``.

        Without covariates, the forecast itself, scored step by step as the
        values arrive. With covariates it needs the future rows of X, known
        only later: a copy of the forecaster as it stands at ``origin``,
        asked once all ``horizon`` rows have been observed.
        """
        if self.X_panel_ is None:
            return self._forecast(self.forecaster_, self.horizon, None)
        return copy.deepcopy(self.forecaster_)

    @property
    def residuals_(self):
        """Absolute calibration errors, ``abs(errors_)``."""
        return np.abs(self.errors_)

    def _push(self, step, errors):
        """Replace the oldest calibration error of ``step`` by ``errors``."""
        column = self.errors_[:, step, :]
        column[:-1] = column[1:].copy()
        column[-1] = errors

    def _update(self, y, X):
        first = self.y_panel_.n_rows - len(y)  # row of the first new observation
        if not self.adaptive:
            # The new rows in the user's layout (a long panel's, a named X):
            # the wrapped forecaster was fitted on them (_history_data).
            self.forecaster_.update(*self._history_data(start=first))
            return  # atomic itself, and the last step
        # update must be atomic (BaseForecaster.update restores a shallow copy
        # of the state on failure): the errors are copied, and the wrapped
        # forecaster, updated row by row before each row's forecast (which
        # may fail), is put back (base._updatable).
        self.errors_ = self.errors_.copy()
        (self.forecaster_,), restore = _updatable([self.forecaster_])
        try:
            self._update_rows(first, y)
        except BaseException:
            restore()
            raise

    def _update_rows(self, first, y):
        """Score the forecasts that the new rows ``y`` (from row ``first``) complete."""
        h = self.horizon
        for i, row in enumerate(range(first, first + len(y))):
            for origin, entry in self.pending_.items():
                step = row - origin
                if isinstance(entry, np.ndarray):
                    self._push(step, y[i] - entry[step])
                elif step == h - 1:
                    forecast = self._forecast(entry, h, self._future_X(origin, h))
                    actual = self.y_panel_.rows(origin, origin + h)
                    for s in range(h):
                        self._push(s, actual[s] - forecast[s])
            self.forecaster_.update(*self._history_data(row + 1, start=row))
            self.pending_ = {o: e for o, e in self.pending_.items() if o > row - h + 1}
            self.pending_[row + 1] = self._pending_entry(row + 1)

    def _offset(self, step, q):
        """Offset from the point forecast of quantile ``q`` at ``step`` (0-based)."""
        errors = self.errors_[:, step, :]
        if self.symmetric:
            # A radius from the absolute errors, below or above the forecast.
            errors, level, upper, sign = np.abs(errors), abs(2 * q - 1), True, np.sign(q - 0.5)
        else:
            level, upper, sign = q, q > 0.5, 1.0
        if self.pooling == "series":
            bounds = _conformal_bounds(errors, level, upper)
            short = ~np.isfinite(bounds)
            if short.any():
                # Too few errors of its own for this level (a series that
                # started later): the scaled errors of all series, as
                # pooling="scaled" would give it.
                scale = getattr(self, "_borrow_scale", np.ones(errors.shape[1]))
                pooled = _conformal_bound((errors / scale).ravel(), level, upper)
                bounds[short] = pooled * scale[short]
            return sign * bounds
        return sign * _conformal_bound((errors / self.scale_).ravel(), level, upper) * self.scale_

    def _predict_quantiles(self, n_steps, X, quantiles):
        if n_steps > self.horizon:
            raise ValueError(
                f"ConformalForecaster was calibrated for horizon={self.horizon} steps "
                f"but {n_steps} were asked (including any gap before X); refit with a "
                "larger horizon."
            )
        point = self._predict(n_steps, X)
        out = np.empty((n_steps, self.n_series_, len(quantiles)))
        for j, q in enumerate(quantiles):
            if q == 0.5 and self.symmetric:
                out[:, :, j] = point
                continue
            for step in range(n_steps):
                out[step, :, j] = point[step] + self._offset(step, q)
            if not np.all(np.isfinite(out[:, :, j])):
                raise ValueError(self._too_few_errors(q))
        return out

    def _too_few_errors(self, q):
        """Why quantile ``q`` has no finite conformal bound: too few errors for its tail.

        Only the pool of all series can fall short here: a series short of
        its own errors borrows it (see :meth:`_offset`).
        """
        if self.symmetric:  # the radius at the interval's coverage 1 - 2 min(q, 1 - q)
            level = abs(2 * q - 1)
            needed = int(np.ceil(level / (1 - level) - 1e-9))
            what = f"an interval of coverage {level:g}"
        else:  # rank ceil((n + 1) q) <= n above the median, floor((n + 1) q) >= 1 below
            tail = min(q, 1 - q)
            needed = int(np.ceil((1 - tail) / tail - 1e-9))
            what = f"the {q:g} quantile"
        finite = np.isfinite(self.errors_).sum(axis=(0, 2))  # per step, over all series
        return (
            f"{what} needs at least {needed} calibration errors per step, but "
            f"ConformalForecaster has {int(finite.min())} (n_windows={self.n_windows}, over "
            f"{self.n_series_} series) and its bound would be infinite; ask for a lower "
            "coverage or refit with a larger n_windows."
        )
