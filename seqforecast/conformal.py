"""Conformal prediction intervals around any forecaster.

:class:`ConformalForecaster` turns the point forecasts of any
:class:`~seqforecast.base.BaseForecaster` into prediction intervals from
its own out-of-sample errors, without a distributional assumption.
"""

from __future__ import annotations

import numbers

import numpy as np
import pandas as pd
from sklearn.base import clone

from seqforecast.base import BaseForecaster

__all__ = ["ConformalForecaster"]

_POOLINGS = ("series", "pooled")


def _check_positive_int(name, value):
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}.")


def _conformal_radius(residuals, level):
    """Split-conformal quantile of absolute ``residuals`` at ``level``.

    The ``ceil((n + 1) * level)``-th smallest of the ``n`` finite residuals
    (the finite-sample correction); infinite when that rank exceeds ``n``
    (too few residuals for the level).
    """
    residuals = np.sort(residuals[np.isfinite(residuals)])
    n = len(residuals)
    k = int(np.ceil((n + 1) * level - 1e-12))
    if k > n or n == 0:
        return np.inf
    if k < 1:
        return 0.0
    return residuals[k - 1]


class ConformalForecaster(BaseForecaster):
    """Split-conformal prediction intervals around a point forecaster.

    In :meth:`fit`, a clone of ``forecaster`` is backtested on the last
    ``n_windows`` forecast origins of the history: from each origin it
    forecasts the next ``horizon`` steps, and the absolute errors are
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
        finite only when ``n_windows >= c / (1 - c)`` (9 for 90 %, 19 for
        95 %) per series (with ``pooling="series"``).
    refit : bool, default=True
        Refit the clone at every calibration origin; False fits it once on
        the history before the first origin and moves it forward with
        :meth:`~seqforecast.base.BaseForecaster.update` (faster for models
        that are costly to fit).
    pooling : {"series", "pooled"}, default="series"
        ``"series"`` calibrates every series of a panel on its own errors;
        ``"pooled"`` uses the errors of all series together (better for
        many short, similar series; needs errors on a common scale).

    Attributes
    ----------
    forecaster_ : BaseForecaster
        ``forecaster`` fitted on the whole history.
    residuals_ : ndarray of shape (n_windows, horizon, n_series)
        Absolute out-of-sample errors of the calibration origins, NaN where
        a series had not started.
    origins_ : ndarray of shape (n_windows,)
        Row of the history at which each calibration forecast starts.

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
    representative of the future. Calibrating every step ahead separately
    keeps the widening of the intervals with the horizon (Stankeviciute et
    al. 2021). The intervals are symmetric around the forecast. No adaptive
    (online) recalibration is done: :meth:`update` moves the wrapped
    forecaster forward but keeps the calibration errors.

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

    def __init__(self, forecaster, *, horizon=1, n_windows=20, refit=True, pooling="series"):
        self.forecaster = forecaster
        self.horizon = horizon
        self.n_windows = n_windows
        self.refit = refit
        self.pooling = pooling

    def _min_observations(self):
        if not isinstance(self.forecaster, BaseForecaster):
            raise ValueError(
                "forecaster must be a seqforecast forecaster (a BaseForecaster), got "
                f"{type(self.forecaster).__name__}."
            )
        _check_positive_int("horizon", self.horizon)
        _check_positive_int("n_windows", self.n_windows)
        if not isinstance(self.refit, (bool, np.bool_)):
            raise ValueError(f"refit must be True or False, got {self.refit!r}.")
        if self.pooling not in _POOLINGS:
            raise ValueError(f"pooling must be one of {_POOLINGS}, got {self.pooling!r}.")
        # Every calibration origin needs at least one observation before it.
        return (
            self.horizon + self.n_windows,
            f"ConformalForecaster(horizon={self.horizon}, n_windows={self.n_windows})",
        )

    # ------------------------------------------------------------ helpers
    def _history(self, rows):
        """(X, y) of the first ``rows`` rows, y indexed when the history is."""
        y = self.y_history_[:rows]
        if self.index_ is not None:
            # Keep the index so the wrapped forecaster infers the same
            # seasonal period as on the whole history.
            y = pd.DataFrame(y, index=self.index_[:rows])
        X = None if self.X_history_ is None else self.X_history_[:rows]
        return X, y

    def _future_X(self, start, steps):
        return None if self.X_history_ is None else self.X_history_[start:start + steps]

    def _forecast(self, model, steps, X):
        return np.asarray(model.forecast(steps, X), dtype=np.float64).reshape(steps, -1)

    # ------------------------------------------------------------ hooks
    def _fit(self, y, X):
        n_rows, h = len(y), self.horizon
        origins = np.arange(n_rows - h - self.n_windows + 1, n_rows - h + 1)
        residuals = np.empty((len(origins), h, self.n_series_))
        model = None
        for w, origin in enumerate(origins):
            if self.refit or model is None:
                model = clone(self.forecaster).fit(*self._history(origin))
            else:
                model.update(self._future_X(origin - 1, 1), y[origin - 1:origin])
            forecast = self._forecast(model, h, self._future_X(origin, h))
            residuals[w] = np.abs(y[origin:origin + h] - forecast)
        self.origins_ = origins
        self.residuals_ = residuals
        self.forecaster_ = clone(self.forecaster).fit(*self._history(n_rows))
        return self

    def _predict(self, n_steps, X):
        return self._forecast(self.forecaster_, n_steps, X)

    def _update(self, y, X):
        self.forecaster_.update(X, y)

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
            if q == 0.5:
                out[:, :, j] = point
                continue
            level = abs(2 * q - 1)
            for step in range(n_steps):
                errors = self.residuals_[:, step, :]
                if self.pooling == "pooled":
                    radius = _conformal_radius(errors.ravel(), level)
                else:
                    radius = np.array(
                        [_conformal_radius(errors[:, i], level) for i in range(errors.shape[1])]
                    )
                out[step, :, j] = point[step] + np.sign(q - 0.5) * radius
        return out
