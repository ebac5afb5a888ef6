"""Classical forecasters: naive benchmarks and statsmodels adapters.

Every class here is a :class:`~seqforecast.base.BaseForecaster`; they serve
as baselines for the neural forecasters and in the benchmarks. The
statsmodels adapters fit one model per series of a panel (each on its
observed part, leading NaN removed), in parallel over series with joblib.
"""

from __future__ import annotations

import numbers
import warnings
from numbers import Real
from typing import ClassVar

import numpy as np
import pandas as pd
from joblib import Parallel, delayed, effective_n_jobs
from scipy.stats import norm
from sklearn.exceptions import ConvergenceWarning
from threadpoolctl import threadpool_limits

from seqforecast import _autoarima, _ets
from seqforecast._checks import (
    N_JOBS,
    NON_NEGATIVE_INT,
    POSITIVE_INT,
    POSITIVE_INT_OR_NONE,
    Interval,
    StrOptions,
)
from seqforecast._progress import progress_bar
from seqforecast._seasonal import SeasonalProfile, weekly_means_profile
from seqforecast._time import WEEK_OF_DAYS, YEAR_OF_DAYS, weekly_and_yearly_cycle
from seqforecast.base import BaseForecaster, _warn_at_user_line

__all__ = ["ARIMAForecaster", "ETSForecaster", "NaiveForecaster", "ThetaForecaster"]

_NAIVE_STRATEGIES = ("last", "seasonal", "drift", "mean")


# ------------------------------------------------------------------ helpers
def _import_statsmodels():
    """Import statsmodels' warnings module before any ``catch_warnings`` block of ours.

    Its first import puts ``simplefilter("always", ConvergenceWarning)``
    (and others) in front of the active filters: imported inside a block
    that ignores warnings, it let statsmodels' own warnings through (the
    first ETS fit of a process printed "Maximum Likelihood optimization
    failed to converge"). Called first by every per-series fit that uses
    statsmodels, in whatever process it runs.
    """
    import statsmodels.tools.sm_exceptions  # noqa: F401


def _fit_chunk(func, chunk):
    """``[func(*task) for task in chunk]`` with one BLAS thread."""
    # The per-series models are small: BLAS threads only add overhead, and
    # n_jobs workers that each start threads would oversubscribe the cores.
    with threadpool_limits(limits=1):
        return [func(*task) for task in chunk]


def _map_series(func, tasks, n_jobs, verbose=False, desc="series"):
    """``func(*task)`` for every task, in order, in parallel with joblib.

    Under ``joblib.parallel_backend("dask")`` the tasks run on a Dask
    cluster unchanged (``n_jobs=None`` then takes the backend's default).
    In parallel, each joblib task fits a chunk of consecutive series, a few
    chunks per worker: a scheduler's cost per task (milliseconds on Dask)
    stays small beside the fits, and the load stays balanced. With
    ``verbose``, a tqdm progress bar counts the finished series (none when
    tqdm is not installed).
    """
    if not tasks:
        return []
    n_workers = max(effective_n_jobs(n_jobs), 1)
    # Sequentially a task costs nothing: one series each keeps the bar moving.
    n_chunks = len(tasks) if n_workers == 1 else min(len(tasks), 4 * n_workers)
    chunks = [
        [tasks[i] for i in chunk] for chunk in np.array_split(np.arange(len(tasks)), n_chunks)
    ]
    parallel = Parallel(n_jobs=n_jobs, return_as="generator")
    results = []
    with progress_bar(len(tasks), desc=desc, unit="series", verbose=verbose) as bar:
        for chunk_results in parallel(delayed(_fit_chunk)(func, chunk) for chunk in chunks):
            results.extend(chunk_results)
            bar.update(len(chunk_results))
    return results


def _bounds_from_intervals(point, interval, quantiles, median=None):
    """Quantiles (n_steps, n_quantiles) from a central-interval function.

    ``interval(alpha)`` returns the (n_steps, 2) lower and upper bounds of
    the central ``1 - alpha`` interval: quantile ``q < 0.5`` is the lower
    bound with ``alpha = 2q``, ``q > 0.5`` the upper bound with
    ``alpha = 2(1 - q)``, and the median is ``median``, by default the
    point forecast (the mean: the median of a symmetric distribution only).
    """
    out = np.empty((len(point), len(quantiles)))
    for j, q in enumerate(quantiles):
        if q == 0.5:
            out[:, j] = point if median is None else median
        else:
            out[:, j] = interval(2 * min(q, 1 - q))[:, 0 if q < 0.5 else 1]
    return out


# Beyond this magnitude the squares that the statsmodels models (and the naive
# variance) compute overflow float64; below _TINY their estimates stop
# following the data (tolerances and variance floors in absolute units:
# Theta's intervals were 26 times too wide at 1e-7 of an ordinary series,
# ETS kept its starting smoothing constant at 1e-6). Such a series is
# divided by a power of two, which is exact in floating point, before its
# model sees it, and the forecasts are multiplied back. Ordinary series are
# left exactly as they are.
_HUGE = 1e100
_TINY = 1e-2


def _huge_scale(y):
    """Per-series divisor of the ragged panel ``y``: 1, or a power of two (huge or tiny series)."""
    peak = np.zeros(y.n_series)
    has = y.lengths > 0
    if has.any():
        peak[has] = np.maximum.reduceat(np.abs(y.values), y.offsets[:-1][has])
    scale = np.ones(y.n_series)
    odd = (peak > _HUGE) | ((peak > 0) & (peak < _TINY))
    scale[odd] = np.ldexp(1.0, np.frexp(peak[odd])[1] - 1)  # peak / scale in [1, 2)
    return scale


def _scaled(y, scale):
    """The ragged panel ``y`` with each series divided by its ``scale``."""
    return y.with_values(y.values / np.repeat(scale, y.lengths))


def _check_finite(forecaster, values, what):
    """Raise a clear ValueError when a model's output overflowed (inf or NaN)."""
    values = np.asarray(values, dtype=np.float64)
    if np.isfinite(values).all():
        return values
    bad = np.argwhere(~np.isfinite(values))[0]
    series = int(bad[1]) if values.ndim > 1 else 0
    peak = np.nanmax(np.abs(forecaster.y_panel_.values))
    raise ValueError(
        f"{type(forecaster).__name__} computed non-finite {what} for series "
        f"{forecaster._series_label(series)!r} (step {int(bad[0]) + 1}): the arithmetic "
        f"overflowed float64 on a history with values up to {peak:.3g}. Divide y by a "
        "constant before fitting and multiply the forecasts back."
    )


class _PerSeriesMixin:
    """Bookkeeping shared by the forecasters that fit one model per series."""

    def _label(self, i):
        if self.series_names_ is not None:
            return self.series_names_[i]
        if self.n_series_ == 1 and self.series_name_ is not None:
            return self.series_name_
        return i

    def _series_tasks(self, y, X):
        """(observed values, their covariates) of every series of the ragged panel ``y``."""
        return [
            (y.series(i), None if X is None else X[start:])
            for i, start in enumerate(y.starts)
        ]

    def _y_scale(self):
        """Per-series divisor the models saw (see ``_huge_scale``)."""
        scale = getattr(self, "y_scale_", None)
        return np.ones(self.n_series_) if scale is None else scale

    def _takes_year_out(self, period, allowed):
        """Whether to take the year out before a model of the week (``year_out_``).

        Daily data (a resolved period of 7, none given) that cycle over both
        the week and the year (:func:`seqforecast._time.weekly_and_yearly_cycle`),
        where the model is ``allowed`` to adjust seasonally.
        """
        return bool(allowed and self.seasonal_period is None and period == WEEK_OF_DAYS
                    and weekly_and_yearly_cycle(self.y_panel_))

    def _year_profile(self, y, additive=True):
        """The yearly profile of ``y``'s seven-day means, or no adjustment without ``year_out_``.

        Each series that the 90 % test finds with a year gets the factors of
        its seven-day means (moved to the centre of their week,
        :func:`seqforecast._seasonal.weekly_means_profile`), or additive
        indices where it cannot take factors; the others are left as they are.
        """
        if getattr(self, "year_out_", False):
            return weekly_means_profile(y, YEAR_OF_DAYS, test="bartlett", additive=additive)
        return SeasonalProfile(y, 1)

    def _raise_failures(self, outputs, what):
        for i, out in enumerate(outputs):
            if isinstance(out, Exception):
                raise ValueError(
                    f"{type(self).__name__} could not fit {what} to series "
                    f"{self._label(i)!r}: {out}"
                ) from out


def _differenced_season_profile(forecaster, y, m):
    """The profile of a season taken out by decomposition, for the series that have it.

    Each series of the ragged panel ``y`` that automatic ARIMA would
    difference seasonally (``nsdiffs``: STL seasonal strength above 0.64
    with more than two seasons) gets its classical multiplicative indices
    of period ``m``, or its additive ones where it cannot take factors
    (values of both signs, a zero: temperatures, solar output at night);
    the others are left as they are. The 90 % test of ``deseasonalize``
    weighs the squared autocorrelations of every lower lag, so it missed a
    strong 52-week cycle in series of three years. One STL per series
    (0.4 s for four years of days), on the ``n_jobs`` workers of
    ``forecaster``.
    """
    profile = SeasonalProfile(y, m, test="none", additive=True)
    differenced = _map_series(_autoarima.nsdiffs,
                              [(yi, m) for yi, _ in forecaster._series_tasks(y, None)],
                              forecaster.n_jobs)
    profile.drop(np.asarray(differenced) == 0)
    return profile


# ------------------------------------------------------------------- naive
class NaiveForecaster(BaseForecaster):
    """Naive benchmark forecasts.

    Parameters
    ----------
    strategy : {"last", "seasonal", "drift", "mean"}, default="last"
        ``"last"`` repeats the last observation (random walk);
        ``"seasonal"`` repeats the last observed season; ``"drift"``
        extrapolates the line from the first to the last observation;
        ``"mean"`` repeats the mean of the history.
    seasonal_period : int or None, default=None
        Season length for ``strategy="seasonal"``; None: from the frequency
        of the time index (12 for monthly data, 4 for quarterly), else detected from the data
        (:func:`~seqforecast.detect_seasonal_period`; how: ``seasonal_period_source_``);
        the week (168 or 336) for hourly or half-hourly data that also cycle
        over it (:func:`seqforecast._time.weekly_cycle`), so that a Monday
        repeats last Monday, not Sunday.

    Attributes
    ----------
    seasonal_period_ : int
        The season length used.
    seasonal_period_source_ : {"parameter", "index", "detected"}
        Where ``seasonal_period_`` came from: the parameter, the index's
        frequency, or the data (:func:`~seqforecast.detect_seasonal_period`).
    y_history_ : ndarray of shape (n_timesteps, n_series)
        The history the forecasts start from (see
        :class:`~seqforecast.base.BaseForecaster`).

    See Also
    --------
    ARIMAForecaster : automatic or fixed-order ARIMA.

    Notes
    -----
    Covariates ``X`` are accepted (so the forecaster fits in any pipeline)
    and ignored. In a panel, each series uses its own observed part: the
    drift runs from its first observation, the mean is over its
    observations.

    Examples
    --------
    >>> import pandas as pd
    >>> from seqforecast.baselines import NaiveForecaster
    >>> y = pd.Series([1.0, 2.0, 3.0, 4.0],
    ...               index=pd.date_range("2024-01", periods=4, freq="QS"))
    >>> NaiveForecaster(strategy="drift").fit(None, y).forecast(2).tolist()
    [5.0, 6.0]
    """

    # Covariates are ignored.
    _skipped_covariates_matter = False

    _parameter_constraints: ClassVar[dict] = {
        "strategy": [StrOptions(set(_NAIVE_STRATEGIES))],
        "seasonal_period": POSITIVE_INT_OR_NONE,
    }

    def __init__(self, *, strategy="last", seasonal_period=None):
        self.strategy = strategy
        self.seasonal_period = seasonal_period

    def _check_params(self):
        day, week = self._day_and_week(self.seasonal_period)
        self.seasonal_period_ = week or day

    def _min_observations(self):
        if self.strategy == "seasonal":
            return (
                self.seasonal_period_,
                f"strategy='seasonal' with seasonal_period={self.seasonal_period_}",
            )
        if self.strategy == "drift":
            return 2, "strategy='drift'"
        return 1, f"strategy={self.strategy!r}"

    def _fit(self, y, X):
        return self

    def _predict(self, n_steps, X):
        with np.errstate(over="ignore", invalid="ignore"):
            point = self._point(n_steps)
        return _check_finite(self, point, "forecasts")

    def _point(self, n_steps):
        y = self.y_panel_  # ragged: each series' values and its length
        last = y.last()
        steps = np.arange(1, n_steps + 1)[:, None]
        if self.strategy == "last":
            return np.repeat(last[None, :], n_steps, axis=0)
        if self.strategy == "mean":
            # The mean of the series divided by its (power of two) scale: the
            # sum of values near 1e308 would overflow.
            scale = _huge_scale(y)
            mean = _scaled(y, scale)
            mean = mean.series_sum(mean.values) / y.lengths
            return np.repeat((mean * scale)[None, :], n_steps, axis=0)
        if self.strategy == "drift":
            return last + steps * (last - y.first()) / (y.lengths - 1)
        m = self.seasonal_period_
        season = y.rows(y.n_rows - m, y.n_rows)  # the last season: (m, n_series)
        return season[(steps[:, 0] - 1) % m]

    def _residual_sigma(self, values):
        """Residual standard deviation of one series' observed ``values``.

        ``sqrt(sum(e_t^2) / (T - K - M))`` over the in-sample residuals of
        the strategy (FPP3 section 5.5), with K estimated parameters and M
        residuals missing at the start.
        """
        n = len(values)
        if self.strategy == "last":
            residuals, dof = np.diff(values), n - 1
        elif self.strategy == "seasonal":
            m = self.seasonal_period_
            residuals, dof = values[m:] - values[:-m], n - m
        elif self.strategy == "drift":
            diffs = np.diff(values)
            # The drift is the mean one-step change: one estimated parameter.
            residuals, dof = diffs - diffs.mean(), n - 2
        else:
            residuals, dof = values - values.mean(), n - 1
        if dof < 1:
            return np.nan
        if not np.isfinite(residuals).all():  # differences beyond float64
            return np.inf
        # Squares of residuals near 1e200 overflow (and near 1e-200 vanish):
        # sum them divided by a power of two near the largest, which is exact.
        peak = np.max(np.abs(residuals)) if len(residuals) else 0.0
        scale = np.ldexp(1.0, np.frexp(peak)[1] - 1) if 0 < peak < np.inf else 1.0
        return float(np.sqrt(np.sum((residuals / scale) ** 2) / dof) * scale)

    def _predict_quantiles(self, n_steps, X, quantiles):
        """Normal quantiles with the analytic standard errors of FPP3 section 5.5.

        With residual standard deviation sigma and horizon h: ``last``
        sigma * sqrt(h); ``seasonal`` sigma * sqrt(floor((h - 1) / m) + 1);
        ``drift`` sigma * sqrt(h * (1 + h / (T - 1))); ``mean``
        sigma * sqrt(1 + 1 / T), T the series' number of observations.
        """
        point = self._predict(n_steps, X)
        h = np.arange(1, n_steps + 1, dtype=np.float64)
        with np.errstate(over="ignore", invalid="ignore"):
            out = self._naive_quantiles(point, h, quantiles)
        return _check_finite(self, out, "prediction intervals")

    def _naive_quantiles(self, point, h, quantiles):
        n_steps = len(point)
        z = norm.ppf(quantiles)
        out = np.empty((n_steps, self.n_series_, len(z)))
        panel = self.y_panel_
        for i in range(self.n_series_):
            values = panel.series(i)
            n = len(values)
            sigma = self._residual_sigma(values)
            if np.isnan(sigma):
                needed = {"last": 2, "seasonal": self.seasonal_period_ + 1, "drift": 3}
                raise ValueError(
                    f"Series {self._series_label(i)!r} has {n} observations; prediction "
                    f"intervals of strategy={self.strategy!r} need at least "
                    f"{needed.get(self.strategy, 2)} to estimate the residual variance."
                )
            if self.strategy == "last":
                scale = np.sqrt(h)
            elif self.strategy == "seasonal":
                scale = np.sqrt(np.floor((h - 1) / self.seasonal_period_) + 1)
            elif self.strategy == "drift":
                scale = np.sqrt(h * (1 + h / (n - 1)))
            else:
                scale = np.full(n_steps, np.sqrt(1 + 1 / n))
            out[:, i, :] = point[:, i, None] + sigma * scale[:, None] * z[None, :]
        return out


# ------------------------------------------------------------------- ARIMA
_INFORMATION_CRITERIA = ("aicc", "aic", "bic")
# The longest season the automatic ARIMA search models by seasonal lags
# (24: hours of a day); longer ones are taken out by decomposition first.
_LONGEST_ARIMA_SEASON = 24


def _fits_exactly(results):
    """Whether an ARIMA fit's one-step errors are nearly all zero (a constant, a line).

    The likelihood then grows without bound as the variance shrinks, so the
    optimizer reports no convergence although the forecasts are exact.
    """
    endog = np.asarray(results.model.endog, dtype=np.float64).ravel()
    resid = np.asarray(results.resid, dtype=np.float64)
    peak = np.max(np.abs(endog), initial=0.0)
    return bool(len(resid)) and float(np.median(np.abs(resid))) <= 1e-9 * max(peak, 1e-300)


def _fit_arima_series(y, X, spec, settings):
    """Fit one series (fixed ``spec``, or automatic when it is None)."""
    _import_statsmodels()
    try:
        if spec is not None:
            return _autoarima.fixed_arima(y, X, spec, maxiter=settings["maxiter"])
        return _autoarima.auto_arima(y, X, **settings)
    except (ValueError, np.linalg.LinAlgError) as exc:
        return exc


def _arima_name(spec):
    p, d, q = spec.order
    P, D, Q, m = spec.seasonal_order
    name = f"ARIMA({p},{d},{q})"
    if m > 1:
        name += f"({P},{D},{Q})[{m}]"
    return name + (" with constant" if spec.with_constant else "")


class ARIMAForecaster(_PerSeriesMixin, BaseForecaster):
    """(Seasonal) ARIMA with automatic or fixed order, one model per series.

    With ``order=None`` (the default) the order of each series is chosen
    automatically in the manner of R's ``forecast::auto.arima``
    (Hyndman & Khandakar, 2008): seasonal differencing from the strength of
    the STL seasonal component, differencing from repeated KPSS tests, then
    a stepwise search over p, q, P, Q and the constant that minimises the
    information criterion. With a fixed ``order`` every series gets that
    model. Covariates ``X`` enter as regressors (regression with ARIMA
    errors). Models are statsmodels' :class:`~statsmodels.tsa.statespace.\
sarimax.SARIMAX`.

    Parameters
    ----------
    order : tuple of 3 int or None, default=None
        ``(p, d, q)``; None selects the order automatically.
    seasonal_order : tuple of 3 or 4 int or None, default=None
        ``(P, D, Q)`` or ``(P, D, Q, s)`` of a fixed ``order``; the period
        of a 3-tuple is ``seasonal_period``. None means no seasonal part.
        Only allowed with a fixed ``order``.
    seasonal_period : int or None, default=None
        Season length; None: from the frequency of the time index (12 for
        monthly data), else detected from the data
        (:func:`~seqforecast.detect_seasonal_period`; how: ``seasonal_period_source_``).
        Hourly or half-hourly data keep the day (24 or 48) even when they
        cycle over the week: seasonal lags of 168 or 336 are slow to estimate.
        The automatic search takes a season longer than 24 steps (a day of
        half-hours, 48; a year of weeks, 52; a year of days, 365) out by the
        classical decomposition instead of searching seasonal lags
        (``deseasonalize_`` is then True). Each series that the search
        would difference seasonally (STL seasonal strength above 0.64, with
        more than two seasons) is divided by its classical multiplicative
        indices, or, where it cannot take them (values of both signs or a
        zero, as temperatures), less its additive indices (forecasts of a
        series that never goes below zero are then floored at zero); the
        others are fitted as they are. SARIMAX's state grows
        with the period: the search of seasonal lags took over five minutes
        on one series of 30 days of half-hours and over ten on ten years of
        days. (24 is also where R's ``ets`` stops taking seasonal states.)
        Give ``D`` to search the seasonal lags all the same.
    deseasonalize : bool, default=False
        Seasonally adjust before fitting, as ``ETSForecaster(deseasonalize=True)``
        and the Theta method do: each series whose autocorrelation at the
        seasonal lag passes the 90 % test is divided by its classical
        multiplicative seasonal indices (other series, short ones and those
        not of one strict sign, are left as they are), a model without a
        seasonal part is fitted, and its forecasts and quantiles are
        multiplied back. Covariates ``X`` then explain the adjusted series.
        Not with a seasonal ``seasonal_order`` or ``D > 0``.
    with_constant : bool or None, default=None
        Whether the model has a constant (a mean when d + D = 0, a drift
        when d + D = 1). None: chosen by the search where d + D <= 1, and
        no constant with a fixed ``order``.
    information_criterion : {"aicc", "aic", "bic"}, default="aicc"
        Criterion minimised by the automatic search.
    stepwise : bool, default=True
        Stepwise search (fast); False fits every model with
        p + q + P + Q <= ``max_order``.
    d, D : int or None, default=None
        Fix the (seasonal) differencing of the automatic search; None
        chooses it by the unit-root tests. Only with ``order=None`` (a fixed
        order has its own), and ``D > 0`` only with a seasonal period.
    max_p, max_q : int, default=5
        Largest non-seasonal AR and MA orders searched.
    max_P, max_Q : int, default=2
        Largest seasonal AR and MA orders searched.
    max_d : int, default=2
        Largest number of differences the KPSS tests may choose.
    max_D : int, default=1
        Largest number of seasonal differences.
    max_order : int, default=5
        Largest p + q + P + Q when ``stepwise=False``.
    maxiter : int, default=50
        L-BFGS iterations per model fit. In the automatic search a chosen
        model that stopped early is finished with up to 500 iterations.
    n_jobs : int or None, default=None
        Number of series fitted in parallel (joblib; -1 uses all cores).
        None means 1 unless in a :func:`joblib.parallel_backend` context,
        for example ``parallel_backend("dask")`` to fit on a cluster.
    verbose : bool, default=False
        Show a progress bar over the series while fitting (needs ``tqdm``).

    Attributes
    ----------
    orders_ : list of tuple
        ``(order, seasonal_order, with_constant)`` of each series' model.
    models_ : list of statsmodels SARIMAXResults
        The fitted model of each series, on its observed history (and the
        rows added by :meth:`update`).
    fallback_ : ndarray of bool of shape (n_series,)
        True where no ARIMA model could be fitted and a (seasonal) random
        walk is used instead (a warning names those series).
    seasonal_period_ : int
        The season length used.
    deseasonalize_ : bool
        Whether the data were seasonally adjusted before the fit:
        ``deseasonalize``, or a season longer than 24 steps in the
        automatic search (see ``seasonal_period``).
    year_out_ : bool
        Whether the year was taken out before an automatic search of the
        week: daily data that cycle over both
        (:func:`seqforecast._time.weekly_and_yearly_cycle`), no
        ``seasonal_period`` given, ``order=None``, ``deseasonalize=False``.
        As ``ETSForecaster.year_out_``: the yearly profile of each series'
        seven-day means (:func:`seqforecast._seasonal.weekly_means_profile`;
        series its 90 % test finds without a year are left as they are) is
        divided out before the search, which keeps the seasonal lags of the
        week, and put back on the forecasts and quantiles (covariates then
        explain the adjusted series, as with ``deseasonalize``). The data
        test reads three years; the 90 % test of the seven-day means passes
        a clear year from about four, so ``profile_.adjusted()`` says which
        series were adjusted. On the daily
        births of the United States, 1969-1988, the 90-day MASE fell from
        0.917 to 0.488 (benchmarks/README.md, "Daily data: the year from
        the data").
    seasonal_period_source_ : {"parameter", "index", "detected"}
        Where ``seasonal_period_`` came from: the parameter, the index's
        frequency, or the data (:func:`~seqforecast.detect_seasonal_period`).

    See Also
    --------
    ETSForecaster : exponential smoothing.
    ThetaForecaster : the Theta method.
    NaiveForecaster : naive benchmarks.

    Notes
    -----
    Details of the automatic search (those of ``auto.arima`` unless noted):

    - ``D`` = 1 when the STL seasonal strength exceeds 0.64 and the series
      has more than two seasons; ``d`` = number of differences until the
      KPSS test (level 0.05) no longer rejects stationarity, at most
      ``max_d``. With covariates both tests look at the residuals of a
      linear regression of ``y`` on ``X``.
    - Stepwise search from (2,d,2)(1,D,1), (0,d,0)(0,D,0), (1,d,0)(1,D,0),
      (0,d,1)(0,D,1) (with a constant when d + D <= 1) and (0,d,0)(0,D,0)
      without, moving p, q, P, Q by one and toggling the constant, at most
      94 models. Orders are capped by the series length (p, q <= n / 3,
      P, Q <= n / (3 s)).
    - Unlike ``auto.arima``, a model without any parameter to estimate
      ((0,d,0)(0,D,0) without a constant or covariates: a random walk, a
      seasonal random walk, or white noise) is not a candidate of the
      search; letting these in was measured on M3 and was not better. A
      fixed ``order`` may be one of them.
    - Fits that fail, give non-finite results, or have an AR or MA root
      within 1.01 of the unit circle are rejected. If no model is left, a
      seasonal random walk (a random walk for non-seasonal or short series)
      is used and a warning names the series.
    - Models are estimated by exact maximum likelihood of the differenced
      series, on the series divided by its scale (numerical conditioning;
      the chosen parameters are scaled back), with the innovation variance
      concentrated out, and forecast from the integrated form of the same
      model. A fixed ``order`` is estimated the same way without the
      rescaling: its parameters are those of statsmodels'
      ``SARIMAX(y, exog=X, order=..., seasonal_order=..., trend=...,
      simple_differencing=True, concentrate_scale=True).fit(maxiter=...)``
      and its forecasts those of the same ``SARIMAX`` without
      ``simple_differencing``, filtered with these parameters. On series
      of up to 200 observations plus 8 per state (M3, most monthly and
      quarterly data) the likelihood is computed from the Cholesky factor
      of the ARMA autocovariance matrix instead of the Kalman filter,
      several times faster: the same likelihood to rounding, so estimates
      equal statsmodels' to about 1e-6 rather than to the last bit.
    - For a deterministic time trend with d = 0, pass time as a column of
      ``X``.
    - Cost: about 0.36 s of CPU per series on the 1428 M3 monthly series
      (one core of a 2-core VM; statsforecast's ``AutoARIMA`` took 1.7-2x
      as long on 100 of them), where the forecasts score sMAPE 15.02 and
      MASE 0.862 (R's ``auto.arima``: 14.97 and 0.867); see
      ``benchmarks/arima_timing.py`` and ``benchmarks/classical_speed.py``.

    Examples
    --------
    >>> import numpy as np
    >>> import pandas as pd
    >>> from seqforecast.baselines import ARIMAForecaster
    >>> rng = np.random.default_rng(0)
    >>> e = rng.normal(size=60)
    >>> y = np.zeros(60)
    >>> for t in range(1, 60):
    ...     y[t] = 0.7 * y[t - 1] + e[t]
    >>> y = pd.Series(y, index=pd.date_range("2020-01", periods=60, freq="MS"))
    >>> model = ARIMAForecaster(order=(1, 0, 0)).fit(None, y)
    >>> model.orders_
    [((1, 0, 0), (0, 0, 0, 0), False)]
    >>> model.forecast(3).shape
    (3,)
    """

    def __init__(
        self,
        *,
        order=None,
        seasonal_order=None,
        seasonal_period=None,
        deseasonalize=False,
        with_constant=None,
        information_criterion="aicc",
        stepwise=True,
        d=None,
        D=None,
        max_p=5,
        max_q=5,
        max_P=2,
        max_Q=2,
        max_d=2,
        max_D=1,
        max_order=5,
        maxiter=50,
        n_jobs=None,
        verbose=False,
    ):
        self.order = order
        self.seasonal_order = seasonal_order
        self.seasonal_period = seasonal_period
        self.deseasonalize = deseasonalize
        self.with_constant = with_constant
        self.information_criterion = information_criterion
        self.stepwise = stepwise
        self.d = d
        self.D = D
        self.max_p = max_p
        self.max_q = max_q
        self.max_P = max_P
        self.max_Q = max_Q
        self.max_d = max_d
        self.max_D = max_D
        self.max_order = max_order
        self.maxiter = maxiter
        self.n_jobs = n_jobs
        self.verbose = verbose

    # A regression with ARIMA errors: each step's forecast reads its own
    # covariates only.
    _skipped_covariates_matter = False
    # Models pickled before the parameter existed were not adjusted.
    deseasonalize = False

    def _estimates_season_from_two_cycles(self):
        # The automatic search; a given order is fitted as it is.
        return self.order is None

    _parameter_constraints: ClassVar[dict] = {
        "order": [tuple, list, None],
        "seasonal_order": [tuple, list, None],
        "seasonal_period": POSITIVE_INT_OR_NONE,
        "deseasonalize": ["boolean"],
        "with_constant": ["boolean", None],
        "information_criterion": [StrOptions(set(_INFORMATION_CRITERIA))],
        "stepwise": ["boolean"],
        "d": [*NON_NEGATIVE_INT, None],
        "D": [*NON_NEGATIVE_INT, None],
        **{name: NON_NEGATIVE_INT for name in (
            "max_p", "max_q", "max_P", "max_Q", "max_d", "max_D", "max_order"
        )},
        "maxiter": POSITIVE_INT,
        "n_jobs": N_JOBS,
        "verbose": ["boolean"],
    }

    # ------------------------------------------------------------ checks
    @staticmethod
    def _check_orders(name, value, lengths):
        ok = (
            isinstance(value, (tuple, list))
            and len(value) in lengths
            and all(
                isinstance(v, numbers.Integral) and not isinstance(v, (bool, np.bool_))
                and v >= 0
                for v in value
            )
        )
        if not ok:
            shape = " or ".join(f"{n} non-negative integers" for n in lengths)
            raise ValueError(f"{name} must be None or a tuple of {shape}, got {value!r}.")
        return tuple(int(v) for v in value)

    def _fixed_spec(self):
        """The fixed model's Spec, or None for automatic selection."""
        if self.order is None:
            if self.seasonal_order is not None:
                raise ValueError(
                    "seasonal_order can only be given with a fixed order; got "
                    f"order=None and seasonal_order={self.seasonal_order!r}. Pass "
                    "order=(p, d, q) too, or leave seasonal_order=None for the "
                    "automatic search."
                )
            if self.D and self.seasonal_period_ < 2:
                # The search has no season to difference: D would be dropped.
                raise ValueError(
                    f"D={self.D} asks for seasonal differences but the seasonal period is "
                    f"{self.seasonal_period_} (from {self.seasonal_period_source_}); set "
                    "seasonal_period, or leave D=None."
                )
            return None
        if self.d is not None or self.D is not None:
            # They fix the automatic search's differencing; a fixed order has its own.
            raise ValueError(
                f"d and D fix the differencing of the automatic search, but order="
                f"{self.order!r} is fixed; give the differences in order=(p, d, q) and "
                "seasonal_order=(P, D, Q), and leave d=None and D=None."
            )
        order = self._check_orders("order", self.order, (3,))
        seasonal = (0, 0, 0, 0)
        if self.seasonal_order is not None:
            seasonal = self._check_orders("seasonal_order", self.seasonal_order, (3, 4))
            if len(seasonal) == 3:
                seasonal = (*seasonal, self.seasonal_period_)
            elif self.seasonal_period is not None and seasonal[3] != self.seasonal_period_:
                raise ValueError(
                    f"seasonal_order={self.seasonal_order!r} has period {seasonal[3]} but "
                    f"seasonal_period={self.seasonal_period}; give the period once."
                )
            if any(seasonal[:3]) and seasonal[3] < 2:
                raise ValueError(
                    f"seasonal_order={self.seasonal_order!r} needs a seasonal period of at "
                    f"least 2, got {seasonal[3]}; set seasonal_period or give "
                    "(P, D, Q, s)."
                )
            if not any(seasonal[:3]):
                seasonal = (0, 0, 0, 0)
        return _autoarima.Spec(order, seasonal, bool(self.with_constant))

    def _check_params(self):
        self.seasonal_period_ = self._seasonal_period(self.seasonal_period)
        spec = self._fixed_spec()  # checks order and seasonal_order against the period
        # A long season: SARIMAX's state holds P * m + D * m lags, so the
        # search would take minutes per series; the season is taken out
        # by the classical decomposition instead (a D given asks for the
        # seasonal lags: it is honoured).
        long_season = (spec is None and self.D is None
                       and self.seasonal_period_ > _LONGEST_ARIMA_SEASON)
        self.deseasonalize_ = bool(self.deseasonalize or long_season)
        # Daily data that cycle over the week and the year: the search sees
        # the week, the year is taken out first (the seven-day means' profile).
        self.year_out_ = self._takes_year_out(
            self.seasonal_period_, spec is None and not self.deseasonalize_)
        if self.deseasonalize and (self.D or (spec is not None and any(spec.seasonal_order[:3]))):
            raise ValueError(
                "deseasonalize=True removes the season before fitting, so the model has no "
                f"seasonal part; got D={self.D!r} and seasonal_order="
                f"{self.seasonal_order!r}: leave D=None and seasonal_order=None."
            )

    def _seasonal_profile(self, y):
        """The seasonal adjustment of the ragged panel ``y`` before the search (factors or indices).

        ``deseasonalize=True``: ETS's (each series that passes the 90 %
        test). A long season taken out by the rule: each series that the
        search itself would difference seasonally
        (:func:`_differenced_season_profile`).
        """
        if not self.deseasonalize_:
            return self._year_profile(y)
        if self.deseasonalize:
            return SeasonalProfile(y, self.seasonal_period_)
        return _differenced_season_profile(self, y, self.seasonal_period_)

    def _model_period(self):
        """Period the ARIMA models see: 1 once the data are seasonally adjusted."""
        return 1 if self.deseasonalize_ else self.seasonal_period_

    def _min_observations(self):
        spec = self._fixed_spec()
        if spec is None:
            return 3, "automatic ARIMA order selection"
        p, d, q = spec.order
        P, D, Q, s = spec.seasonal_order
        # One observation more than ARMA coefficients after differencing.
        return d + D * s + p + q + P + Q + int(spec.with_constant) + 1, _arima_name(spec)

    # ------------------------------------------------------------ hooks
    def _fit(self, y, X):
        spec = self._fixed_spec()
        # The search's settings are the parameters of the same names.
        settings = {name: getattr(self, name) for name in _autoarima.SEARCH_SETTINGS}
        settings.update(m=self._model_period(), ic=self.information_criterion)
        self.profile_ = self._seasonal_profile(y)
        y = self.profile_.divide(y)
        self.y_scale_ = _huge_scale(y)
        tasks = [
            (yi, Xi, spec, settings)
            for yi, Xi in self._series_tasks(_scaled(y, self.y_scale_), X)
        ]
        fits = _map_series(_fit_arima_series, tasks, self.n_jobs, self.verbose, "ARIMA")
        self._raise_failures(fits, "an ARIMA model" if spec is None else _arima_name(spec))
        # Warnings raised in worker processes would be lost: warn here.
        for i, fit in enumerate(fits):
            if fit.fallback:
                warnings.warn(
                    f"ARIMAForecaster: no ARIMA model could be fitted to series "
                    f"{self._label(i)!r}; using {_arima_name(fit.spec)} (a "
                    "seasonal random walk, or a random walk) instead.",
                    UserWarning,
                    stacklevel=3,
                )
            elif not fit.converged and not _fits_exactly(fit.results):
                warnings.warn(
                    f"ARIMAForecaster: the estimation of {_arima_name(fit.spec)} for "
                    f"series {self._label(i)!r} did not converge; its forecasts may be "
                    "unreliable. Increase maxiter or choose another order.",
                    ConvergenceWarning,
                    stacklevel=3,
                )
        self.models_ = [fit.results for fit in fits]
        self.orders_ = [
            (fit.spec.order, fit.spec.seasonal_order, fit.spec.with_constant) for fit in fits
        ]
        self.fallback_ = np.array([fit.fallback for fit in fits])
        return self

    def _predict(self, n_steps, X):
        out = np.empty((n_steps, len(self.models_)))
        for i, results in enumerate(self.models_):
            out[:, i] = results.forecast(n_steps, exog=X)
        out = self.profile_.restore(out * self._y_scale(), self.y_panel_.n_rows)
        return _check_finite(self, out, "forecasts")

    # Pickle each model as its data and parameters, and filter it again on
    # loading: the state is a few KB per series instead of a statsmodels
    # results object, and the arrays statsmodels' Cython filter writes to
    # are fresh (a read-only memory map, as joblib and Dask may load, would
    # break forecasting).
    def __getstate__(self):
        state = dict(super().__getstate__())  # a copy: the live models stay
        if "models_" in state:
            state["models_"] = [
                (
                    np.asarray(res.model.data.orig_endog).ravel(),
                    None if res.model.exog is None else np.asarray(res.model.data.orig_exog),
                    np.asarray(res.params),
                )
                for res in state["models_"]
            ]
        return state

    def __setstate__(self, state):
        if "models_" in state:
            state = dict(state)
            state["models_"] = [
                _autoarima.integrated_results(
                    np.array(y), None if X is None else np.array(X),
                    _autoarima.Spec(*orders), np.array(params),
                )
                for (y, X, params), orders in zip(state["models_"], state["orders_"], strict=True)
            ]
        super().__setstate__(state)
        if "models_" in state and "profile_" not in self.__dict__:
            # Pickled before deseasonalize existed: no seasonal adjustment.
            self.profile_ = SeasonalProfile(self.y_panel_, 1)
            self.deseasonalize_ = False

    def _update(self, y, X):
        # The new rows are the panel's last (already appended).
        y = self.profile_.divide(y, start_row=self.y_panel_.n_rows - len(y))
        self.models_ = [
            _autoarima.extend_results(results, y[:, i] / self._y_scale()[i], X)
            for i, results in enumerate(self.models_)
        ]

    def _predict_quantiles(self, n_steps, X, quantiles):
        """Gaussian forecast quantiles, shape (n_steps, n_series, n_quantiles).

        From statsmodels' forecast distribution: mean + se * z_q.
        """
        z = norm.ppf(np.asarray(quantiles, dtype=np.float64))
        out = np.empty((n_steps, len(self.models_), len(z)))
        for i, results in enumerate(self.models_):
            forecast = results.get_forecast(n_steps, exog=X)
            mean = np.asarray(forecast.predicted_mean)
            se = np.asarray(forecast.se_mean)
            out[:, i, :] = (mean[:, None] + se[:, None] * z[None, :]) * self._y_scale()[i]
        out = self.profile_.restore(out, self.y_panel_.n_rows)
        return _check_finite(self, out, "prediction intervals")


# --------------------------------------------------------------------- ETS
# The longest season the automatic ETS search models by seasonal states (24,
# where R's ets() stops taking them); longer ones are taken out by
# decomposition first, as automatic ARIMA does.
_LONGEST_ETS_SEASON = 24
_ETS_ERRORS = ("add", "mul")
_ETS_TRENDS = (None, "add", "mul")
_ETS_SEASONALS = (None, "add", "mul")


_ets_model = _ets.ets_model


def _feasible_spec(y, spec, m):
    """The nearest model to ``spec`` that series ``y`` can take.

    Multiplicative components become additive on data that are not strictly
    positive; the seasonal component is dropped with less than two full
    seasons (or no period); the trend with fewer than two points.
    """
    spec = dict(spec)
    if np.any(y <= 0):
        spec.update({k: "add" for k in ("error", "trend", "seasonal") if spec[k] == "mul"})
    if spec["seasonal"] is not None and (m < 2 or len(y) < 2 * m):
        spec["seasonal"] = None
    if spec["trend"] is not None and len(y) < 2:
        spec.update(trend=None, damped_trend=False)
    return spec


def _fit_ets_series(y, spec, m, auto, fallback=False):
    """Fit one series; in auto mode the candidate with the lowest AICc.

    A fixed model whose likelihood is not finite (a multiplicative state
    reached zero) is an error, or with ``fallback`` the model with additive
    components instead.
    """
    _import_statsmodels()
    constant = bool(np.all(y == y[0]))
    if constant and auto:
        # Every model forecasts a constant series by its value.
        spec = {"error": "add", "trend": None, "damped_trend": False, "seasonal": None}
        auto = False
    if not auto:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                res = _ets_model(y, spec, m).fit(disp=False)
        except (ValueError, np.linalg.LinAlgError) as exc:
            return exc
        if not np.isfinite(res.llf) and not constant:
            # A state reached 0 (multiplicative components): the fit is
            # degenerate and its intervals cannot be computed.
            additive = {**spec, **{k: "add" for k in ("error", "trend", "seasonal")
                                   if spec[k] == "mul"}}
            if fallback and additive != spec:
                return _fit_ets_series(y, additive, m, False)
            return ValueError(
                f"{_ets_name(spec)} has a non-finite likelihood on this series (a "
                "multiplicative state reached zero); give additive components "
                "(error='add', ...), or auto=True or fallback=True to choose a model that fits."
            )
        # On constant data the likelihood is flat and L-BFGS reports failure
        # although the forecasts are exact.
        return spec, res, constant or _converged(res)
    best = _ets.auto_ets(y, m)
    if best is None:
        # Too short for the AICc of any model (additive fits are always
        # admissible): simple exponential smoothing.
        return _fit_ets_series(y, dict(_ets.SIMPLE), m, False)
    return best


def _converged(res):
    return bool((getattr(res, "mle_retvals", None) or {}).get("converged", True))


def _ets_name(spec):
    letter = {None: "N", "add": "A", "mul": "M"}
    trend = letter[spec["trend"]] + ("d" if spec["damped_trend"] else "")
    return f"ETS({letter[spec['error']]},{trend},{letter[spec['seasonal']]})"


class ETSForecaster(_PerSeriesMixin, BaseForecaster):
    """Exponential smoothing (ETS state-space models), one model per series.

    A thin adapter over statsmodels'
    :class:`~statsmodels.tsa.exponential_smoothing.ets.ETSModel`: by
    default each series gets the configuration with the lowest AICc among
    R's ``ets()`` default candidates, passing over a fit with multiplicative
    components whose level, seasonal factors or fitted values cross zero (an
    outlier can lead the likelihood there; its forecasts would have the
    wrong sign or blow up); with ``auto=False`` every series gets the
    configuration given by the parameters.

    Parameters
    ----------
    error : {"add", "mul"}, default="add"
        Additive or multiplicative errors (with ``auto=False``).
    trend : {None, "add", "mul"}, default=None
        Trend component (with ``auto=False``).
    damped_trend : bool, default=False
        Damp the trend (needs a trend; with ``auto=False``).
    seasonal : {None, "add", "mul"}, default=None
        Seasonal component (needs ``seasonal_period`` > 1; with
        ``auto=False``).
    seasonal_period : int or None, default=None
        Season length; None: from the frequency of the time index, else detected from the data
        (:func:`~seqforecast.detect_seasonal_period`; how: ``seasonal_period_source_``).
        Hourly or half-hourly data (a period of 24 or 48) that also cycle
        over the week (:func:`seqforecast._time.weekly_cycle`) take the week,
        168 or 336, and, as 168 or 336 seasonal states are slow to estimate
        and fit badly, it is removed by the classical decomposition of
        ``deseasonalize`` before a model without seasonal states is fitted
        (``deseasonalize_`` is then True; on the half-hourly electricity
        demand of taylor MASE 0.87 instead of 5.84 with seasonal states of
        the day). The automatic search (``auto=True``) takes any other
        season longer than 24 steps (a day of half-hours, 48; a year of
        weeks, 52; a year of days, 365) out by decomposition too, as
        ``ARIMAForecaster`` does: each series that automatic ARIMA would
        difference seasonally (STL seasonal strength above 0.64, with more
        than two seasons) is divided by its classical multiplicative
        indices, or, where it cannot take them (a zero or values of both
        signs, as temperatures), less its additive indices; the others are
        fitted as they are, and the models have no seasonal states (24 is
        where R's ``ets`` stops taking them; a year of days took 142 s per
        series of ten years, and fit worse: see benchmarks/README.md, "ETS
        on seasons longer than a day of hours"). Which series are adjusted
        differs from the week's route, which uses the 90 % test of
        ``deseasonalize``. A model with a ``seasonal`` component and
        ``fallback=True`` takes such a season out of every series (its
        seasonal states would give every series a season): additive
        indices for ``seasonal="add"`` and for series that cannot take
        factors, multiplicative ones otherwise; its other components are
        kept. With ``fallback=False`` it keeps its seasonal states. A
        series adjusted additively that never goes below zero (solar
        output at night) gets forecasts and quantiles floored at zero.
    deseasonalize : bool, default=False
        Seasonally adjust before fitting, as the Theta method and the M4
        competition's benchmarks do: each series whose autocorrelation at
        the seasonal lag passes the 90 % test is divided by its classical
        multiplicative seasonal indices (other series, short ones and those
        not of one strict sign, are left as they are), the model is fitted
        without a seasonal component, and its forecasts and quantiles are
        multiplied back. Works for any series length, where
        ``seasonal="mul"`` needs two full seasons in every series.
    fallback : bool, default=False
        With ``auto=False``, give a series that cannot take the requested
        model the nearest one it can (additive instead of multiplicative
        components on data that are not strictly positive, or whose
        multiplicative fit has a non-finite likelihood; no seasonal
        component with less than two full seasons or no seasonal period)
        instead of raising; ``specs_`` records what each series got. With
        a ``seasonal`` component, a season longer than 24 steps (not the
        week of hourly data, which has its own route) is taken out of every
        series of more than two seasons that varies, by decomposition (see
        ``seasonal_period``), instead of being fitted as seasonal states:
        365 of them took 16-21 s per series of ten years and forecast
        worse. A shorter series has no season then (it had seasonal states
        with exactly two seasons). For fixed models inside ensembles that
        must fit any panel (``make_ensemble``'s ETS member).
    auto : bool, default=True
        Choose the configuration of each series by AICc; ``error``,
        ``trend``, ``damped_trend``, ``seasonal`` and ``fallback`` are then
        ignored, with a warning when any of them is set (a grid over them
        needs ``auto=False``).
        Candidates: errors additive or multiplicative; trend none, additive
        or additive damped; seasonality none, additive or multiplicative
        (when the period is > 1 and two full seasons were observed);
        multiplicative components only for positive series; additive
        errors never with multiplicative seasonality. Up to 15 models per
        series. A series too short for any AICc gets simple exponential
        smoothing.
    n_jobs : int or None, default=None
        Number of series fitted in parallel (joblib; -1 uses all cores).
    verbose : bool, default=False
        Show a progress bar over the series while fitting (needs ``tqdm``).

    Attributes
    ----------
    specs_ : list of dict
        ``{"error", "trend", "damped_trend", "seasonal"}`` of each series'
        model.
    models_ : list of statsmodels ETSResults
        The fitted model of each series.
    seasonal_period_ : int
        The season length used.
    seasonal_period_source_ : {"parameter", "index", "detected"}
        Where ``seasonal_period_`` came from: the parameter, the index's
        frequency, or the data (:func:`~seqforecast.detect_seasonal_period`).
    deseasonalize_ : bool
        Whether the season was removed by the classical decomposition before
        the fit: ``deseasonalize``, the week of hourly or half-hourly
        data, or a season longer than 24 steps in the automatic search or a
        seasonal model with ``fallback`` (see ``seasonal_period``).
    year_out_ : bool
        Whether the year was taken out before a fit that keeps the week:
        daily data that cycle over both
        (:func:`seqforecast._time.weekly_and_yearly_cycle`), no
        ``seasonal_period`` given, the automatic search or a seasonal
        model. The yearly profile is that of each series' seven-day means
        (:func:`seqforecast._seasonal.weekly_means_profile`; series its
        90 % test finds without a year are left as they are, and
        ``profile_.adjusted()`` says which were adjusted), divided out
        before the fit (additive indices for series that cannot take
        factors, except in a model with a multiplicative component given,
        which refuses such series) and put back on the forecasts. On the daily births of the
        United States, 1969-1988, the 90-day MASE fell from 1.191 to 0.439
        (benchmarks/README.md, "Daily data: the year from the data").

    See Also
    --------
    ARIMAForecaster : automatic or fixed-order ARIMA.
    ThetaForecaster : the Theta method.

    Notes
    -----
    Covariates ``X`` are accepted and ignored. :meth:`update` runs the
    fitted model with the same parameters over the extended history
    (statsmodels' ``ETSModel.smooth``), without refitting.

    statsmodels' estimation depends on the units of ``y``: the same series
    multiplied by 1,000 can get slightly different parameters, or another
    automatic model, and forecasts that differ by about a percent. A series
    whose values are all below 0.01 (where the estimation stopped moving
    from its starting values) or above 1e100 is fitted divided by a power of
    two and its forecasts multiplied back, so that it is estimated as data
    near 1 would be. With multiplicative components the forecast
    distribution is simulated and skewed: the point forecast is its mean,
    and the 0.5 quantile its median.

    Examples
    --------
    >>> import numpy as np
    >>> import pandas as pd
    >>> from seqforecast.baselines import ETSForecaster
    >>> t = np.arange(48)
    >>> noise = np.random.default_rng(0).normal(0, 0.2, 48)
    >>> y = pd.Series(10 + 0.1 * t + np.sin(2 * np.pi * t / 12) + noise,
    ...               index=pd.date_range("2020-01", periods=48, freq="MS"))
    >>> model = ETSForecaster(auto=False, trend="add", seasonal="add").fit(None, y)
    >>> model.forecast(3).shape
    (3,)
    >>> ETSForecaster().fit(None, y).specs_[0]["seasonal"] is not None
    True
    """

    def __init__(
        self,
        *,
        error="add",
        trend=None,
        damped_trend=False,
        seasonal=None,
        seasonal_period=None,
        deseasonalize=False,
        fallback=False,
        auto=True,
        n_jobs=None,
        verbose=False,
    ):
        self.error = error
        self.trend = trend
        self.damped_trend = damped_trend
        self.seasonal = seasonal
        self.seasonal_period = seasonal_period
        self.deseasonalize = deseasonalize
        self.fallback = fallback
        self.auto = auto
        self.n_jobs = n_jobs
        self.verbose = verbose

    # Covariates are ignored.
    _skipped_covariates_matter = False
    _season_needs_two_cycles = True

    _parameter_constraints: ClassVar[dict] = {
        "error": [StrOptions(set(_ETS_ERRORS))],
        "trend": [StrOptions(set(_ETS_TRENDS) - {None}), None],
        "damped_trend": ["boolean"],
        "seasonal": [StrOptions(set(_ETS_SEASONALS) - {None}), None],
        "seasonal_period": POSITIVE_INT_OR_NONE,
        "deseasonalize": ["boolean"],
        "fallback": ["boolean"],
        "auto": ["boolean"],
        "n_jobs": N_JOBS,
        "verbose": ["boolean"],
    }

    def _check_params(self):
        # Hourly or half-hourly data that cycle over the week: 168 or 336
        # seasonal states are slow to estimate and fit badly, so the week is
        # removed by the classical decomposition (as deseasonalize=True
        # does) and the model is fitted without seasonal states.
        day, week = self._day_and_week(self.seasonal_period)
        self.seasonal_period_ = week or day
        # Any other season longer than a day of hours, in the automatic
        # search or a seasonal model with fallback: its seasonal states are
        # slow to estimate (a year of days: 142 s per series of ten years)
        # and fit badly, so it is taken out by decomposition: of the series
        # that automatic ARIMA would difference seasonally (the search), of
        # every series (a seasonal model asked for, see _fit).
        chooses = self.auto or (self.fallback and self.seasonal is not None)
        self._long_season = bool(chooses and not self.deseasonalize and week is None
                                 and day > _LONGEST_ETS_SEASON)
        self.deseasonalize_ = bool(self.deseasonalize or week or self._long_season)
        # Daily data that cycle over the week and the year: the year is taken
        # out first (the profile of the seven-day means), the week stays in
        # the model's seasonal states.
        self.year_out_ = self._takes_year_out(
            day, (self.auto or self.seasonal is not None) and not self.deseasonalize_)
        if self.deseasonalize and self.seasonal is not None and not self.auto:
            raise ValueError(
                f"deseasonalize=True removes the season before fitting, so the model has "
                f"no seasonal component; got seasonal={self.seasonal!r}: use seasonal=None."
            )
        if self.auto:
            self._warn_spec_ignored()
            return
        if self.damped_trend and self.trend is None:
            raise ValueError("damped_trend=True needs a trend; got trend=None.")
        if not self.fallback and self.seasonal is not None and self.seasonal_period_ < 2:
            raise ValueError(
                f"seasonal={self.seasonal!r} needs a seasonal period of at least 2, "
                f"got {self.seasonal_period_}; set seasonal_period or give y a "
                "time index with a frequency."
            )

    def _warn_spec_ignored(self):
        """Warn that ``auto=True`` overrides the model parameters a user set.

        Otherwise ``ETSForecaster(trend="add")``, or a grid over ``trend``,
        fits the automatic choice and scores every candidate the same.
        """
        defaults = {"error": "add", "trend": None, "damped_trend": False, "seasonal": None,
                    "fallback": False}
        given = [f"{name}={getattr(self, name)!r}" for name, default in defaults.items()
                 if getattr(self, name) != default]
        if given:
            _warn_at_user_line(
                "ETSForecaster(auto=True) chooses each series' error, trend and seasonal "
                f"components by AICc, so {', '.join(given)} "
                f"{'is' if len(given) == 1 else 'are'} ignored; pass auto=False to fit the "
                "model these parameters give."
            )

    def _min_observations(self):
        if self.auto:
            return 1, "ETSForecaster(auto=True)"
        if self.fallback:
            return 1, "ETSForecaster(fallback=True)"
        if self.seasonal is not None and not self.deseasonalize_:
            return 2 * self.seasonal_period_, (
                f"seasonal={self.seasonal!r} with seasonal_period={self.seasonal_period_}"
            )
        if self.trend is not None:
            return 2, f"trend={self.trend!r}"
        return 1, "ETSForecaster"

    def _model_period(self):
        """Period the ETS models see: 1 once the data are seasonally adjusted."""
        return 1 if self._deseasonalized() else self.seasonal_period_

    def _deseasonalized(self):
        """Whether the data are seasonally adjusted before the fit (``deseasonalize_``)."""
        # Models fitted before deseasonalize_ existed: the parameter.
        return getattr(self, "deseasonalize_", self.deseasonalize)

    def _adjusted(self, y):
        """The ragged panel ``y`` adjusted by the seasonal factors (or indices) of its rows."""
        return self.profile_.divide(y)

    def _fit(self, y, X):
        spec = {
            "error": self.error,
            "trend": self.trend,
            "damped_trend": bool(self.damped_trend),
            # The week of hourly data is taken out before (see _check_params).
            "seasonal": None if self.deseasonalize_ else self.seasonal,
        }
        multiplicative = not self.auto and "mul" in (
            spec["error"], spec["trend"], spec["seasonal"])
        if self._long_season and not self.auto:
            # A seasonal model asked for (with fallback): every series has
            # the season, as its seasonal states would give it, of the kind
            # asked for where the series can take it.
            self.profile_ = SeasonalProfile(
                y, self.seasonal_period_, test="none",
                additive="all" if self.seasonal == "add" else True)
        elif self._long_season:
            self.profile_ = _differenced_season_profile(self, y, self.seasonal_period_)
        elif self.deseasonalize_:
            self.profile_ = SeasonalProfile(y, self.seasonal_period_)
        else:
            # Factors only where the model is multiplicative, so that a
            # series it cannot take is left as it is (and refused below).
            self.profile_ = self._year_profile(
                y, additive=bool(self.fallback or not multiplicative))
        y = self._adjusted(y)
        self.y_scale_ = _huge_scale(y)
        tasks = [yi for yi, _ in self._series_tasks(_scaled(y, self.y_scale_), None)]
        specs = [spec] * len(tasks)
        if self.fallback and not self.auto:
            specs = [_feasible_spec(yi, spec, self._model_period()) for yi in tasks]
        elif multiplicative:
            for i, yi in enumerate(tasks):
                if np.any(yi <= 0):
                    raise ValueError(
                        f"Series {self._label(i)!r} has values <= 0; multiplicative "
                        f"components (error={self.error!r}, trend={self.trend!r}, "
                        f"seasonal={spec['seasonal']!r}) need strictly positive data."
                    )
        fits = _map_series(
            _fit_ets_series,
            [(yi, spec_i, self._model_period(), self.auto, self.fallback)
             for yi, spec_i in zip(tasks, specs, strict=True)],
            self.n_jobs,
            self.verbose,
            "ETS",
        )
        self._raise_failures(fits, "an ETS model")
        for i, (spec_i, _, converged) in enumerate(fits):
            if not converged:
                warnings.warn(
                    f"ETSForecaster: the estimation of {_ets_name(spec_i)} for series "
                    f"{self._label(i)!r} did not converge; its forecasts may be unreliable.",
                    ConvergenceWarning,
                    stacklevel=3,
                )
        self.specs_ = [fit[0] for fit in fits]
        self.models_ = [fit[1] for fit in fits]
        return self

    def _predict(self, n_steps, X):
        out = np.empty((n_steps, len(self.models_)))
        for i, results in enumerate(self.models_):
            out[:, i] = np.asarray(results.forecast(n_steps))
        out = self.profile_.restore(out * self._y_scale(), self.y_panel_.n_rows)
        return _check_finite(self, out, "forecasts")

    def _model_histories(self):
        """What each series' model sees: its observed, adjusted and scaled history."""
        adjusted = _scaled(self._adjusted(self.y_panel_), self._y_scale())
        return [history for history, _ in self._series_tasks(adjusted, None)]

    # Pickle each model as its parameters (its spec is in ``specs_``), and
    # run them over the history again on loading, as ``update`` does: the
    # state is plain numpy data, which skops.io can save (it recurses without
    # end through statsmodels' ETS results), and a few KB per series.
    def __getstate__(self):
        state = dict(super().__getstate__())  # a copy: the live models stay
        if "models_" in state:
            state["models_"] = [np.asarray(res.params) for res in state["models_"]]
        return state

    def __setstate__(self, state):
        models = state.get("models_")
        if models is not None:
            state = dict(state)
            del state["models_"]
        super().__setstate__(state)
        if models is not None and "profile_" not in self.__dict__:
            # Pickled before deseasonalize existed: no seasonal adjustment.
            self.profile_ = SeasonalProfile(self.y_panel_, 1)
        if models is not None and not all(isinstance(m, np.ndarray) for m in models):
            self.models_ = list(models)  # results objects, as pickled before
        elif models is not None:
            self.models_ = []
            for history, spec, params in zip(
                self._model_histories(), self.specs_, models, strict=True
            ):
                if not isinstance(params, np.ndarray):  # a results object, as pickled before
                    self.models_.append(params)
                    continue
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    self.models_.append(
                        _ets_model(history, spec, self._model_period()).smooth(
                            np.array(params)
                        )
                    )

    def _update(self, y, X):
        # Run each fitted model, parameters unchanged, over its extended
        # history (``y_panel_`` already holds the new rows).
        models = []
        for i, history in enumerate(self._model_histories()):
            spec = self.specs_[i]
            if "mul" in (spec["error"], spec["trend"], spec["seasonal"]) and np.any(
                history <= 0
            ):
                raise ValueError(
                    f"The new observations of series {self._label(i)!r} include values "
                    f"<= 0, but its model {_ets_name(spec)} has multiplicative "
                    "components, which need strictly positive data; refit the "
                    "forecaster (it then considers additive models) instead of updating."
                )
            model = _ets_model(history, self.specs_[i], self._model_period())
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                models.append(model.smooth(self.models_[i].params))
        self.models_ = models

    def _predict_quantiles(self, n_steps, X, quantiles):
        """Quantiles of statsmodels' forecast distribution of each model.

        ``ETSResults.get_prediction(...).pred_int(alpha)``: exact normal
        intervals for the linear models (ANN, AAN, AAdN, ANA, AAA, AAdA),
        1000 simulated paths (fixed seed) for the others. Quantile ``q``
        is the matching bound of the central interval with
        ``alpha = 2 * min(q, 1 - q)``; the median is the point forecast.
        """
        out = np.empty((n_steps, len(self.models_), len(quantiles)))
        for i, (history, results) in enumerate(
            zip(self._model_histories(), self.models_, strict=True)
        ):
            # statsmodels' prediction results need pandas data (with numpy
            # data they fail on ``predicted_mean.index``): run the fitted
            # parameters over the same history held in a Series.
            model = _ets_model(pd.Series(history), self.specs_[i], self._model_period())
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                res = model.smooth(results.params)
                n = len(history)
                pred = res.get_prediction(
                    start=n, end=n + n_steps - 1, rng=np.random.default_rng(0)
                )
            # A simulated forecast distribution (multiplicative components) is
            # skewed: its median is the simulation's, not the mean. (Taken as
            # the mean, it was sorted among the other levels and moved their
            # labels: the 0.5 column held the 0.6 quantile.)
            # (The central interval of alpha = 1 is the median twice.)
            median = (np.asarray(pred.pred_int(1.0))[:, 0]
                      if pred.method == "simulated" else None)
            out[:, i, :] = _bounds_from_intervals(
                np.asarray(pred.predicted_mean),
                lambda alpha, pred=pred: np.asarray(pred.pred_int(alpha)),
                quantiles,
                median,
            ) * self._y_scale()[i]
        out = self.profile_.restore(out, self.y_panel_.n_rows)
        return _check_finite(self, out, "prediction intervals")


# ------------------------------------------------------------------- Theta
_THETA_METHODS = ("auto", "additive", "multiplicative", "add", "mul")


class _ConstantForecast:
    """Forecasts of a constant series: the constant."""

    def __init__(self, value):
        self.value = value

    def forecast(self, steps, theta=2.0):
        return np.full(steps, self.value)


def _fit_theta_series(y, m, deseasonalize, use_test, method):
    if np.all(y == y[0]):
        # statsmodels' drift regression drops its intercept for constant data
        # (add_trend skips a constant that is already there) and extrapolates
        # a trend that is not there.
        return _ConstantForecast(y[0])
    _import_statsmodels()
    from statsmodels.tsa.forecasting.theta import ThetaModel

    model = ThetaModel(
        y, period=m, deseasonalize=deseasonalize, use_test=use_test, method=method
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return model.fit()


class ThetaForecaster(_PerSeriesMixin, BaseForecaster):
    """The Theta method of Assimakopoulos & Nikolopoulos, one model per series.

    A thin adapter over statsmodels'
    :class:`~statsmodels.tsa.forecasting.theta.ThetaModel`: the series is
    seasonally adjusted by classical decomposition when a 90% test finds
    seasonality, forecast by simple exponential smoothing with drift (half
    the slope of a linear trend, ``theta=2``), and reseasonalised. This is
    the method that won the M3 competition.

    Parameters
    ----------
    seasonal_period : int or None, default=None
        Season length; None: from the frequency of the time index, else detected from the data
        (:func:`~seqforecast.detect_seasonal_period`; how: ``seasonal_period_source_``);
        the week (168 or 336) for hourly or half-hourly data that also cycle
        over it (:func:`seqforecast._time.weekly_cycle`).
    deseasonalize : bool, default=True
        Seasonally adjust before forecasting (when the period is > 1 and the
        series has two full seasons).
    method : {"auto", "additive", "multiplicative", "add", "mul"}, default="auto"
        Seasonal decomposition; ``"auto"`` is multiplicative for positive
        series, additive otherwise.
    use_test : bool, default=True
        Adjust only when the seasonality test (ACF at the seasonal lag, 90%)
        finds seasonality.
    theta : float, default=2.0
        Weight of the trend line, at least 1 (1 is simple exponential
        smoothing, without the trend); 2 is the classical Theta method.
    n_jobs : int or None, default=None
        Number of series fitted in parallel (joblib; -1 uses all cores).
        A fit takes milliseconds, so this pays only for large panels.
    verbose : bool, default=False
        Show a progress bar over the series while fitting (needs ``tqdm``).

    Attributes
    ----------
    models_ : list of statsmodels ThetaModelResults
        The fitted model of each series (a constant series, which the Theta
        method forecasts by its value, gets a stand-in with a ``forecast``
        method).
    seasonal_period_ : int
        The season length used.
    seasonal_period_source_ : {"parameter", "index", "detected"}
        Where ``seasonal_period_`` came from: the parameter, the index's
        frequency, or the data (:func:`~seqforecast.detect_seasonal_period`).
    year_out_ : bool
        Whether the year was taken out before the method's adjustment of the
        week: daily data that cycle over both
        (:func:`seqforecast._time.weekly_and_yearly_cycle`), no
        ``seasonal_period`` given, ``deseasonalize=True``. As
        ``ETSForecaster.year_out_``: the yearly profile of each series'
        seven-day means (:func:`seqforecast._seasonal.weekly_means_profile`,
        additive indices with ``method="additive"``, or with ``"auto"``
        where a series cannot take factors; series its 90 % test finds
        without a year are left as they are, ``profile_.adjusted()`` says
        which were adjusted) is divided out, the Theta method of period 7 forecasts
        what is left, and the profile is put back on the forecasts and
        quantiles. On the daily births of the United States, 1969-1988, the
        90-day MASE fell from 1.054 to 0.585 (benchmarks/README.md, "Daily
        data: the year from the data").
    profile_ : SeasonalProfile
        The yearly adjustment (no adjustment where ``year_out_`` is False).

    See Also
    --------
    ETSForecaster : exponential smoothing.
    ARIMAForecaster : automatic or fixed-order ARIMA.

    Notes
    -----
    Covariates ``X`` are accepted and ignored. :meth:`update` refits each
    series on its extended history (statsmodels' Theta model has no way to
    run fixed parameters over new data), so it costs what ``fit`` costs: the
    drift is a least-squares slope, but the smoothing constant is estimated
    by maximum likelihood (statsmodels' state-space exponential smoothing),
    which grows with the history (about 35 ms per series at 500 points,
    1 s at 50,000).

    Examples
    --------
    >>> import numpy as np
    >>> import pandas as pd
    >>> from seqforecast.baselines import ThetaForecaster
    >>> t = np.arange(48)
    >>> noise = np.random.default_rng(0).normal(0, 0.2, 48)
    >>> y = pd.Series(10 + 0.1 * t + np.sin(2 * np.pi * t / 12) + noise,
    ...               index=pd.date_range("2020-01", periods=48, freq="MS"))
    >>> ThetaForecaster().fit(None, y).forecast(3).shape
    (3,)
    """

    def __init__(
        self,
        *,
        seasonal_period=None,
        deseasonalize=True,
        method="auto",
        use_test=True,
        theta=2.0,
        n_jobs=None,
        verbose=False,
    ):
        self.seasonal_period = seasonal_period
        self.deseasonalize = deseasonalize
        self.method = method
        self.use_test = use_test
        self.theta = theta
        self.n_jobs = n_jobs
        self.verbose = verbose

    # Covariates are ignored.
    _skipped_covariates_matter = False

    def _estimates_season_from_two_cycles(self):
        return self.deseasonalize  # the season is used by the decomposition only

    _parameter_constraints: ClassVar[dict] = {
        "seasonal_period": POSITIVE_INT_OR_NONE,
        "deseasonalize": ["boolean"],
        "method": [StrOptions(set(_THETA_METHODS))],
        "use_test": ["boolean"],
        "theta": [Interval(Real, 1, None, closed="left")],
        "n_jobs": N_JOBS,
        "verbose": ["boolean"],
    }

    def _check_params(self):
        day, week = self._day_and_week(self.seasonal_period)
        self.seasonal_period_ = week or day
        # Daily data that cycle over the week and the year: the year is taken
        # out first (the seven-day means' profile), the method adjusts the week.
        self.year_out_ = self._takes_year_out(self.seasonal_period_, self.deseasonalize)
        if not np.isfinite(self.theta):
            raise ValueError(f"theta must be a finite number >= 1, got {self.theta!r}.")

    def _min_observations(self):
        return 2, "ThetaForecaster"

    def _fit(self, y, X):
        m = self.seasonal_period_
        multiplicative = self.method in ("multiplicative", "mul")
        # Additive indices with an additive method; factors only with a
        # multiplicative one, so that a series it cannot take is left as it
        # is (and refused below).
        self.profile_ = self._year_profile(
            y, additive="all" if self.method in ("additive", "add") else not multiplicative)
        y = self.profile_.divide(y)
        self.y_scale_ = _huge_scale(y)
        tasks = [
            # Classical decomposition needs two full seasons.
            (yi, m, self.deseasonalize and m > 1 and len(yi) >= 2 * m, self.use_test, self.method)
            for yi, _ in self._series_tasks(_scaled(y, self.y_scale_), None)
        ]
        if multiplicative:
            for i, (yi, _, adjust, _, _) in enumerate(tasks):
                if adjust and np.any(yi <= 0):
                    raise ValueError(
                        f"Series {self._label(i)!r} has values <= 0; a multiplicative "
                        f"seasonal decomposition (method={self.method!r}) needs strictly "
                        'positive data. Use method="auto" (multiplicative for positive '
                        'series, additive otherwise) or method="additive".'
                    )
        self.models_ = _map_series(_fit_theta_series, tasks, self.n_jobs, self.verbose, "Theta")
        return self

    def _predict(self, n_steps, X):
        out = np.empty((n_steps, len(self.models_)))
        for i, results in enumerate(self.models_):
            out[:, i] = np.asarray(results.forecast(n_steps, theta=self.theta))
        return _check_finite(self, self._restored(out * self._y_scale()), "forecasts")

    def _restored(self, out):
        """``out`` (forecasts or quantiles) with the yearly profile put back."""
        profile = getattr(self, "profile_", None)  # None: pickled before it existed
        return out if profile is None else profile.restore(out, self.y_panel_.n_rows)

    def _update(self, y, X):
        # ``y_panel_`` already holds the new rows.
        self._fit(self.y_panel_, None)

    def _predict_quantiles(self, n_steps, X, quantiles):
        """Quantiles from statsmodels' ``prediction_intervals(steps, theta, alpha)``.

        Normal intervals with the variance of the Theta model's integrated
        MA form; quantile ``q`` is the matching bound of the central
        interval with ``alpha = 2 * min(q, 1 - q)``; the median is the
        point forecast. A constant series has zero-width intervals.
        """
        out = np.empty((n_steps, len(self.models_), len(quantiles)))
        lengths = self.y_panel_.lengths
        for i, results in enumerate(self.models_):
            point = np.asarray(results.forecast(n_steps, theta=self.theta))
            if isinstance(results, _ConstantForecast):
                out[:, i, :] = point[:, None]
                continue
            n_obs = int(lengths[i])
            if n_obs < 3:
                # statsmodels estimates the error variance from an MA(1) fit
                # of the differences, which fails (IndexError) on one value.
                raise ValueError(
                    f"Series {self._series_label(i)!r} has {n_obs} observations; prediction "
                    "intervals of the Theta method need at least 3 to estimate the variance "
                    "of its forecast errors."
                )
            # statsmodels estimates the variance with an MA(1) fit of the
            # differences; its estimation warnings are silenced as in fit.
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                out[:, i, :] = _bounds_from_intervals(
                    point,
                    lambda alpha, res=results: np.asarray(
                        res.prediction_intervals(n_steps, theta=self.theta, alpha=alpha)
                    ),
                    quantiles,
                )
        return _check_finite(self, self._restored(out * self._y_scale()[None, :, None]),
                             "prediction intervals")
