"""SARIMA estimation and automatic order selection (Hyndman–Khandakar).

This private module holds the statsmodels side of
:class:`~seqforecast.baselines.ARIMAForecaster`: estimating one SARIMA
model, and the automatic order search of R's ``forecast::auto.arima``
(Hyndman & Khandakar, 2008, "Automatic time series forecasting: the forecast
package for R", Journal of Statistical Software 27(3)):

1. seasonal differencing ``D`` from the strength of the STL seasonal
   component (``F_s > 0.64``, the default test of R's ``nsdiffs``);
2. differencing ``d`` from repeated KPSS tests at level 0.05 (R's
   ``ndiffs``), on the residuals of a regression on the covariates if any;
3. a stepwise search from four starting models, moving p, q, P, Q by one
   and toggling the constant while the information criterion improves.
   Fits that fail, are not finite, or whose AR or MA polynomial has a root
   within 1.01 of the unit circle are rejected, and so are models without
   any parameter (unlike auto.arima; measured on M3, letting them in was
   not better).

Every model is estimated by exact Gaussian maximum likelihood of the
differenced series (statsmodels' ``simple_differencing=True``, as R's
``arima`` does), with the innovation variance concentrated out of the
likelihood. Forecasts then come from the same model written on the
undifferenced series (``simple_differencing=False``, exact diffuse
initialisation of the differencing states) with the estimated parameters:
the two likelihoods are equal, and the integrated form gives the forecasts
and their variances on the original scale.

Each candidate of the search is estimated as statsmodels' ``SARIMAX.fit``
with L-BFGS estimates it (its start values, parameter transforms,
finite-difference gradient and stopping rule), but through a leaner
objective and an L-BFGS-B loop without scipy's per-evaluation wrappers
(:mod:`seqforecast._lbfgs`). On short series (up to 200 observations plus 8
per state, all of M3) the objective is the exact likelihood computed from
the Cholesky factor of the ARMA autocovariance matrix
(:func:`_toeplitz_objective`): three LAPACK calls instead of a Kalman filter
stepping through the series, 1.1-3.4x less CPU per evaluation. It equals the
filter's likelihood to rounding (about 1e-15 relative at well-conditioned
points), not to the last bit, so the optimiser's path may differ in the
last digits and near ties may be decided the other way: 12 of 1,875
choices on the M3 validation folds (``python -m
benchmarks.arima_likelihood``), 5 scoring better and 7 worse. Toward a
unit root it is the more exact of the two (``python -m
benchmarks.arima_precision``). On longer series, and wherever the
factorisation fails, the objective (:func:`_likelihood_objective`) writes
the parameters into the Kalman filter's own system matrices and runs
statsmodels' Cython initialisation and filter: statsmodels' numbers to the
last bit (``tests/test_baselines.py`` checks it). Where statsmodels is laid
out differently, the search falls back to ``SARIMAX.fit``.

Everything here works on plain float64 arrays, one series at a time.
statsmodels is imported inside the functions that use it, so importing this
module (and :mod:`seqforecast.baselines`) does not load it.
"""

from __future__ import annotations

import functools
import inspect
import itertools
import warnings
from dataclasses import dataclass

import numpy as np


# Keep what forecasting and filtering new data need (the last predicted
# state and its covariance) and drop the per-timestep arrays: a seasonal
# model of a 126-month series then pickles to 0.25 MB instead of 2.5 MB.
@functools.cache
def _conserve_memory():
    from statsmodels.tsa.statespace import kalman_filter

    return (
        kalman_filter.MEMORY_NO_PREDICTED_MEAN
        | kalman_filter.MEMORY_NO_PREDICTED_COV
        | kalman_filter.MEMORY_NO_FILTERED_MEAN
        | kalman_filter.MEMORY_NO_FILTERED_COV
        | kalman_filter.MEMORY_NO_GAIN
        | kalman_filter.MEMORY_NO_SMOOTHING
        | kalman_filter.MEMORY_NO_STD_FORECAST
    )


# L-BFGS stopping rule of the search. statsmodels' defaults (factr=1e2,
# pgtol=1e-8) polish the log-likelihood far beyond what comparing models
# needs. Measured on 100 M3 monthly series: a quarter less CPU time, same
# accuracy (sMAPE 15.23 either way).
SEARCH_TOLERANCE = {"factr": 1e10, "pgtol": 1e-5}
_MAXITER_FINISH = 500  # iterations to finish a chosen model that stopped early
_MAX_MODELS = 94  # stepwise: models tried at most (auto.arima's nmodels)
_ROOT_MARGIN = 1.01  # roots of modulus below this count as unit roots
# The series length up to which the Toeplitz likelihood (below) takes less
# CPU than statsmodels' Kalman filter: 200 + 8 per state. Measured on this
# project's 2-core machine for (1,1,1), (2,1,2), (1,1,1)(1,0,1)12,
# (2,1,1)(2,0,0)12 and (2,0,2)(1,1,1)12 (2 to 26 states): 1.1-3.4x less CPU
# per evaluation at 40-160 points, break-even near 220 points without a
# season and 400 with 26 states (benchmarks/README.md, "Classical baselines
# vs statsforecast").
_TOEPLITZ_MAX_NOBS, _TOEPLITZ_NOBS_PER_STATE = 200, 8
_SEASONAL_STRENGTH = 0.64  # nsdiffs' threshold on F_s
# Whether the search considers models without any parameter (a random walk,
# a seasonal random walk, white noise), as auto.arima does. statsmodels' fit
# fails on them, so the search never chose them; letting them in was not
# better on the M3 validation folds (``python -m benchmarks.arima_candidates``;
# benchmarks/README.md, "Classical baselines vs statsforecast"), so they stay
# out and the (seasonal) random walk is the fallback.
_SEARCH_PARAMETER_FREE = False
# Whether a candidate rejected from statsmodels' start values (a unit root,
# a failed fit) is estimated once more from AR and MA coefficients at zero.
# It rescues fits that stop at the edge of stationarity (macrodata's
# unemployment rate, a seasonal AR(2)), but on the M3 validation folds it
# changed 46 of 1,875 choices, 19 for the better and 27 for the worse, worse
# on monthly data (MASE 0.893 -> 0.898), for up to 42 % more CPU
# (``python -m benchmarks.arima_retry``), so it stays off.
_RETRY_FROM_ZERO = False


@dataclass(frozen=True)
class Spec:
    """One SARIMA specification."""

    order: tuple
    seasonal_order: tuple
    with_constant: bool

    @property
    def trend(self):
        return "c" if self.with_constant else "n"


@dataclass
class Candidate:
    """A model estimated on the differenced series (``ic`` inf: rejected)."""

    spec: Spec
    ic: float
    params: np.ndarray | None = None
    converged: bool = False


@dataclass
class Fit:
    """The model kept for one series."""

    spec: Spec
    results: object  # statsmodels SARIMAXResults in integrated form
    converged: bool
    fallback: bool = False
    n_models: int = 1


# -------------------------------------------------------- differencing tests
def is_constant(x):
    return len(x) == 0 or bool(np.all(x == x[0]))


def kpss_rejects(x, alpha=0.05):
    """Whether KPSS rejects level stationarity of ``x`` at level ``alpha``.

    Uses urca's ``lags="short"`` bandwidth, trunc(4 (n / 100)^(1/4)), as R's
    ``ndiffs`` does.
    """
    from statsmodels.tsa.stattools import kpss

    n = len(x)
    lags = min(int(4 * (n / 100) ** 0.25), n - 1)
    with warnings.catch_warnings():
        # The p-value is read from a table; outside it statsmodels warns and
        # returns the table's bound, which is all a test at ``alpha`` needs.
        warnings.simplefilter("ignore")
        p_value = kpss(x, regression="c", nlags=lags)[1]
    return p_value < alpha


def ndiffs(x, *, max_d=2, alpha=0.05):
    """Number of first differences after which KPSS accepts stationarity."""
    d = 0
    while d < max_d and len(x) >= 3 and not is_constant(x) and kpss_rejects(x, alpha):
        d += 1
        x = np.diff(x)
    return d


def seasonal_strength(x, m):
    """Strength of seasonality, F_s = max(0, 1 - var(R) / var(S + R)), from STL.

    The STL settings are those of R's ``mstl`` for one seasonal period
    (``s.window=11``, degree-0 seasonal smoother, R's default jumps).
    """
    from statsmodels.tsa.seasonal import STL

    seasonal = 11
    trend = int(np.ceil(1.5 * m / (1 - 1.5 / seasonal)))
    trend += 1 - trend % 2
    low_pass = m + 1 - m % 2
    res = STL(
        x,
        period=m,
        seasonal=seasonal,
        seasonal_deg=0,
        seasonal_jump=int(np.ceil(seasonal / 10)),
        trend_jump=int(np.ceil(trend / 10)),
        low_pass_jump=int(np.ceil(low_pass / 10)),
    ).fit()
    total = np.var(res.resid + res.seasonal, ddof=1)
    if not total > 0:
        return 0.0
    return float(np.clip(1 - np.var(res.resid, ddof=1) / total, 0.0, 1.0))


def nsdiffs(x, m, *, max_D=1):
    """Number of seasonal differences (R's ``nsdiffs``, test ``"seas"``).

    A seasonal difference is taken while the seasonal strength exceeds 0.64;
    it needs more than two seasons of data.
    """
    D = 0
    while D < max_D and len(x) > 2 * m and not is_constant(x):
        if seasonal_strength(x, m) <= _SEASONAL_STRENGTH:
            break
        D += 1
        x = x[m:] - x[:-m]
    return D


def difference(y, d, D, m):
    """``y`` after D seasonal differences of lag m and d first differences."""
    for _ in range(D):
        y = y[m:] - y[:-m]
    return np.diff(y, n=d) if d else y


# ---------------------------------------------------------------- estimation
def sarimax(y, X, spec, *, simple_differencing):
    """The statsmodels model of ``spec``, innovation variance concentrated out."""
    from statsmodels.tsa.statespace.sarimax import SARIMAX

    return SARIMAX(
        y,
        exog=X,
        order=spec.order,
        seasonal_order=spec.seasonal_order,
        trend=spec.trend,
        simple_differencing=simple_differencing,
        concentrate_scale=True,
    )


def _min_root_modulus(reduced_ar, reduced_ma):
    """Smallest modulus of the roots of the full AR and MA lag polynomials."""
    smallest = np.inf
    for poly in (reduced_ar, reduced_ma):
        poly = np.trim_zeros(np.asarray(poly, dtype=float), "b")
        if len(poly) > 1:
            # np.roots wants the highest degree first.
            smallest = min(smallest, np.abs(np.roots(poly[::-1])).min())
    return smallest


def _set_index(matrix, key):
    """The index into ``matrix`` that statsmodels' ``ssm[key] = value`` writes.

    A time-invariant matrix has a trailing axis of length one that keys
    leave out (``Representation.__setitem__``).
    """
    index = tuple(key[1:])
    if matrix.shape[-1] == 1 and len(index) == matrix.ndim - 1:
        index += (0,)
    return index


def _has_layout(model):
    """Whether ``model`` is the SARIMAX set-up :func:`_likelihood_objective` mirrors."""
    from statsmodels.tsa.statespace.kalman_filter import FILTER_CONCENTRATED

    ssm = model.ssm
    names = ("_representations", "_statespaces", "_kalman_filters", "_initialize_filter")
    model_names = ("_polynomial_ar", "_polynomial_ma", "_polynomial_seasonal_ar",
                   "_polynomial_seasonal_ma", "_trend_data", "transition_ar_params_idx",
                   "selection_ma_params_idx", "_k_states_diff", "_polynomial_ar_idx",
                   "_polynomial_ma_idx", "_polynomial_seasonal_ar_idx",
                   "_polynomial_seasonal_ma_idx")
    return (
        all(hasattr(ssm, name) for name in names)
        and all(hasattr(model, name) for name in model_names)
        and model.concentrate_scale
        and bool(ssm.filter_method & FILTER_CONCENTRATED)
        and not model.hamilton_representation
        and not model.measurement_error
        and not (model.state_regression and model.time_varying_regression)
        and not getattr(model, "_has_fixed_params", False)
    )


def _reduced_polynomials(model):
    """The parameters' reduced AR and MA lag polynomials, as ``SARIMAX.update`` forms them.

    Returns ``(slices, reduce)``: where each kind of parameter sits in the
    (constrained) parameter vector, and ``reduce(params)``, which gives the
    ``(reduced_ar, reduced_ma)`` of statsmodels (the product of the
    non-seasonal and seasonal polynomials, the AR one with its sign turned
    as the transition matrix holds it) with statsmodels' arithmetic.
    """
    sizes = [model._k_trend, model._k_exog if model.mle_regression else 0,
             model.k_ar_params, model.k_ma_params,
             model.k_seasonal_ar_params, model.k_seasonal_ma_params]
    slices = dict(zip(
        ("trend", "exog", "ar", "ma", "seasonal_ar", "seasonal_ma"),
        (slice(lo, hi) for lo, hi in itertools.pairwise(np.cumsum([0, *sizes]).tolist())),
        strict=True,
    ))
    ar, ma = slices["ar"], slices["ma"]
    seasonal_ar, seasonal_ma = slices["seasonal_ar"], slices["seasonal_ma"]
    poly_ar, poly_ma = model._polynomial_ar.copy(), model._polynomial_ma.copy()
    poly_sar = model._polynomial_seasonal_ar.copy()
    poly_sma = model._polynomial_seasonal_ma.copy()
    ar_idx, ma_idx = model._polynomial_ar_idx, model._polynomial_ma_idx
    sar_idx, sma_idx = model._polynomial_seasonal_ar_idx, model._polynomial_seasonal_ma_idx
    k_ar, k_ma = model.k_ar, model.k_ma
    k_sar, k_sma = model.k_seasonal_ar, model.k_seasonal_ma
    # np.polymul is np.convolve after poly1d trims leading zeros, and these
    # polynomials start with 1.
    polymul = np.convolve

    def reduce(params):
        if k_ar > 0:
            poly_ar[ar_idx] = -params[ar]
        if k_ma > 0:
            poly_ma[ma_idx] = params[ma]
        if k_sar > 0:
            poly_sar[sar_idx] = -params[seasonal_ar]
        if k_sma > 0:
            poly_sma[sma_idx] = params[seasonal_ma]
        reduced_ar = -polymul(poly_ar, poly_sar) if k_sar > 0 else -poly_ar
        reduced_ma = polymul(poly_ma, poly_sma) if k_sma > 0 else poly_ma
        return reduced_ar, reduced_ma

    return slices, reduce


def _likelihood_objective(model, x0):
    """Minus the log-likelihood per observation, as ``model.fit`` minimises it, or None.

    ``model`` is a SARIMAX model with the innovation variance concentrated
    out, ``x0`` unconstrained parameters. The objective does what
    statsmodels' ``-model.loglike(x, transformed=False) / nobs`` does (the
    base ``LikelihoodModel.fit``'s objective): statsmodels' own parameter
    transform, the same entries of the system matrices written with the
    same arithmetic, then statsmodels' Cython initialisation and Kalman
    filter and its concentrated log-likelihood. What it leaves out is the
    Python around them: statsmodels copies all eight system matrices and
    re-checks its filter settings on every evaluation; here the entries that
    depend on the parameters are written into the filter's own arrays.

    The first evaluation goes through statsmodels, which sets the filter
    up; None (use ``model.fit``) when statsmodels is not laid out as this
    function expects or the two evaluations at ``x0`` differ in any bit.
    """
    if not _has_layout(model):
        return None
    nobs = model.endog.shape[0]
    reference = -model.loglike(x0, transformed=False) / nobs
    ssm = model.ssm
    prefix = ssm.prefix
    matrices = ssm._representations.get(prefix)
    statespace = ssm._statespaces.get(prefix)
    kfilter = ssm._kalman_filters.get(prefix)
    if matrices is None or statespace is None or kfilter is None:
        return None
    initialization = ssm.initialization
    transform = model.transform_params
    # np.sum of a 1-D float array is np.add.reduce.
    dot, total, log, asarray = np.dot, np.add.reduce, np.log, np.asarray

    slices, reduce = _reduced_polynomials(model)
    trend, exog = slices["trend"], slices["exog"]
    has_ar = model.k_ar > 0 or model.k_seasonal_ar > 0
    has_ma = model.k_ma > 0 or model.k_seasonal_ma > 0
    transition = matrices["transition"]
    transition_idx = _set_index(transition, model.transition_ar_params_idx)
    selection = matrices["selection"]
    selection_idx = _set_index(selection, model.selection_ma_params_idx)
    state_intercept = matrices["state_intercept"]
    intercept_idx = (model._k_states_diff, slice(None))
    obs_intercept = matrices["obs_intercept"]
    burn = ssm.loglikelihood_burn
    missing = np.array(statespace.nmissing)
    k_endog = ssm.k_endog

    def objective(x):
        params = transform(x)
        # SARIMAX.update, the entries that depend on the parameters.
        reduced_ar, reduced_ma = reduce(params)
        if exog.stop > exog.start:
            obs_intercept[...] = dot(model.exog, params[exog])[None, :]
        if trend.stop > trend.start:
            state_intercept[intercept_idx] = dot(model._trend_data, params[trend])
        if has_ar:
            transition[transition_idx] = reduced_ar[1:]
        if has_ma:
            selection[selection_idx] = reduced_ma[1:]
        # KalmanFilter._filter and KalmanFilter.loglike with a concentrated scale.
        statespace.initialize(initialization, complex_step=False)
        kfilter()
        loglike = total(asarray(kfilter.loglikelihood)[burn:])
        d = max(burn, kfilter.nobs_diffuse)
        nobs_k_endog = total(k_endog - missing[d:])
        nobs_k_endog -= kfilter.nobs_kendog_univariate_singular
        scale = total(asarray(kfilter.scale)[d:]) / nobs_k_endog
        loglike += -0.5 * nobs_k_endog
        if kfilter.nobs_diffuse > 0:
            nobs_k_endog -= kfilter.nobs_kendog_diffuse_nonsingular
        loglike += -0.5 * nobs_k_endog * log(scale)
        return -loglike / nobs

    try:
        same = objective(np.array(x0, dtype=float)) == reference
    except Exception:  # the mirror does not fit this statsmodels
        same = False
    return objective if same else None


class _ArmaCovariance:
    """Autocovariances of ARMA processes and their Toeplitz matrix, for one size.

    For the AR polynomial ``a`` (``a[0] = 1``, degree p) and MA polynomial
    ``b`` (``b[0] = 1``, degree q) of ``a(L) w_t = b(L) e_t`` with unit
    innovation variance: the first p + 1 autocovariances solve the linear
    system ``sum_i a_i gamma_{|k - i|} = r_k = sum_{j >= k} b_j psi_{j - k}``
    (k = 0..p; ``psi`` the MA(infinity) weights, ``r_k = 0`` beyond q), and
    the rest follow the AR recursion ``sum_i a_i gamma_{k - i} = r_k``
    (Brockwell & Davis, "Introduction to Time Series and Forecasting",
    3.3). The weights and the recursion are banded lower-triangular Toeplitz
    systems, solved by LAPACK (``dtbtrs``), and the first system by
    ``dgesv``: a few microseconds each, where scipy's ``lfilter`` and
    ``lfiltic`` cost tens in Python. The index arrays depend only on p, q
    and the series length ``n``, so they are built once per candidate model.
    """

    def __init__(self, n, p, q):
        from scipy.linalg import lapack

        self.n, self.p, self.q = n, p, q
        self.gesv, self.tbtrs = lapack.dgesv, lapack.dtbtrs
        zero = 2 * p + 1  # a slot of the padded AR polynomial that is 0
        self.padded = np.zeros(2 * p + 2)
        k, j = np.indices((p + 1, p + 1))
        # Row k of the first system: a_{k-j} (j <= k) plus a_{k+j} (j >= 1) on gamma_j.
        self.lower = np.where(k >= j, k - j, zero)
        self.upper = np.where(j >= 1, k + j, zero)
        # What the known gamma_1..gamma_p add to rows p+1..2p of the recursion:
        # row r takes a_i gamma_{p+1+r-i} for i = r+1..p, i.e. a_{r+1+s} gamma_{p-s}.
        r, s = np.indices((p, p))
        self.carried = np.where(r + 1 + s <= p, r + 1 + s, zero)
        self.rhs = np.zeros(max(n, p + 1))
        self.gamma = np.zeros(n)
        # Row i of the Toeplitz matrix is gamma_{|i - j|}: a window of the
        # sequence gamma_{n-1}, ..., gamma_1, gamma_0, gamma_1, ..., gamma_{n-1}.
        self.mirrored = np.zeros(2 * n - 1)
        self.rows = np.lib.stride_tricks.sliding_window_view(self.mirrored, n)[::-1]

    def _banded_solve(self, a, rhs):
        """``x`` with ``sum_i a_i x_{k-i} = rhs_k`` (x_k = 0 before the first)."""
        m = len(rhs)
        band = np.empty((min(len(a), m), m), order="F")
        band[:] = a[: len(band), None]
        x, info = self.tbtrs(band, rhs[:, None], uplo="L")
        if info != 0:
            raise np.linalg.LinAlgError("singular AR polynomial")
        return x[:, 0]

    def toeplitz(self, a, b):
        """The n x n autocovariance matrix (a view; unit innovation variance).

        Raises LinAlgError where the systems are singular.
        """
        n, p, q = self.n, self.p, self.q
        rhs = self.rhs
        if q:
            psi = self._banded_solve(a, b)
            rhs[: q + 1] = np.correlate(b, psi, "full")[q:][: len(rhs)]
        else:
            rhs[0] = 1.0
        gamma = self.gamma
        if p:
            padded = self.padded
            padded[: p + 1] = a
            _, _, first, info = self.gesv(padded[self.lower] + padded[self.upper], rhs[: p + 1])
            if info != 0:
                raise np.linalg.LinAlgError("singular autocovariance system")
            if n <= p + 1:
                gamma[:] = first[:n]
            else:
                gamma[: p + 1] = first
                rest = rhs[p + 1: n].copy()
                known = min(p, len(rest))
                rest[:known] -= (padded[self.carried] @ first[p:0:-1])[:known]
                gamma[p + 1:] = self._banded_solve(a, rest)
        else:
            gamma[:] = rhs[:n]
        self.mirrored[n - 1:] = gamma
        self.mirrored[: n - 1] = gamma[:0:-1]
        return self.rows


def _toeplitz_objective(model, x0, kalman):
    """The objective of :func:`_likelihood_objective` without a Kalman filter, or None.

    The same number, minus the concentrated Gaussian log-likelihood per
    observation, computed from the Cholesky factor ``L`` of the ARMA
    autocovariance matrix (:class:`_ArmaCovariance`): with ``e = L^-1 z``
    (``z`` the differenced series less its mean and the covariates'
    effect), ``-n/2 (log 2 pi + 1 + log(e'e / n)) - sum(log diag L)``.
    That is the likelihood the filter computes from its stationary
    initialisation, in O(n^3) flops instead of O(n k^2) with k up to 27
    states, but in three LAPACK calls instead of n steps: several times
    less CPU on series as short as competition data (about 100 points).
    The two agree to rounding, not to the last bit: about 1e-15 relative at
    well-conditioned points; toward a unit root the filter can be off by
    1e-10 to 1e-5, the factorisation by up to about 1e-8.

    None where it does not apply: the Kalman objective missing, missing
    values, a time trend, a burn-in, a series too long for the factorisation
    to pay (:data:`_TOEPLITZ_MAX_NOBS`), a factorisation that fails at ``x0``,
    or a value at ``x0`` that differs from the filter's by more than 1e-8
    (relative; near a unit root that can be the filter's error, and the
    filter serves). Points where the factorisation
    fails (a matrix not numerically positive definite, at the edge of
    stationarity) are evaluated by ``kalman``.
    """
    from scipy.linalg import lapack

    n = model.nobs
    if (
        kalman is None
        or model.ssm.loglikelihood_burn
        or np.isnan(model.endog).any()
        or model._k_trend > 1
        or (model._k_trend and not np.all(model._trend_data == 1))
        or (model._k_exog and not model.mle_regression)
        or n > _TOEPLITZ_MAX_NOBS + _TOEPLITZ_NOBS_PER_STATE * model.k_states
    ):
        return None
    slices, reduce = _reduced_polynomials(model)
    trend, exog = slices["trend"], slices["exog"]
    has_trend, has_exog = trend.stop > trend.start, exog.stop > exog.start
    transform = model.transform_params
    endog = np.ascontiguousarray(model.endog[:, 0], dtype=float)
    covariates = model.exog
    # The degrees of the reduced polynomials (statsmodels' k_seasonal_* count lags).
    covariance = _ArmaCovariance(n, model.k_ar + model.k_seasonal_ar,
                                 model.k_ma + model.k_seasonal_ma)
    potrf, trtrs = lapack.dpotrf, lapack.dtrtrs
    constant = -0.5 * n * (np.log(2 * np.pi) + 1)
    dot, log, total = np.dot, np.log, np.add.reduce

    def factorised(x):
        """The objective at ``x``, or None where a factorisation fails."""
        params = transform(x)
        reduced_ar, reduced_ma = reduce(params)
        a = -reduced_ar
        z = endog
        if has_trend:
            # The state intercept c makes the stationary mean c / a(1).
            z = z - params[trend][0] / total(a)
        if has_exog:
            z = z - dot(covariates, params[exog])
        try:
            matrix = covariance.toeplitz(a, reduced_ma)
        except np.linalg.LinAlgError:
            return None
        factor, info = potrf(matrix, lower=1, clean=0)
        if info != 0:
            return None
        e, info = trtrs(factor, z, lower=1)
        if info != 0:
            return None
        loglike = constant - 0.5 * n * log(dot(e, e) / n) - total(log(factor.diagonal()))
        return -loglike / n

    def objective(x):
        value = factorised(x)
        return kalman(x) if value is None else value

    try:
        # Checked by the factorisation itself, not by its fallback.
        reference = kalman(x0)
        value = factorised(np.array(x0, dtype=float))
        same = value is not None and abs(value - reference) <= 1e-8 * max(1.0, abs(reference))
    except Exception:  # any failure: the filter's objective serves
        same = False
    return objective if same else None


def _results_llf(model, params):
    """The ``llf`` of ``model.fit(..., low_memory=True)``'s results at ``params``.

    statsmodels' filter with the memory settings ``fit`` uses (the
    log-likelihood summed inside the filter), without the results object.
    """
    from statsmodels.tsa.statespace.kalman_filter import MEMORY_CONSERVE

    conserve = model.ssm.conserve_memory
    model.ssm.set_conserve_memory(MEMORY_CONSERVE)
    try:
        return float(model.filter(params, cov_type="none", return_ssm=True).llf)
    finally:
        model.ssm.set_conserve_memory(conserve)


def _maximise(model, start_params, maxiter, tolerance, toeplitz=True):
    """(parameters, converged) of ``model.fit(start_params, method="lbfgs", ...)``.

    The same start, optimiser and objective as statsmodels' fit
    (:func:`_likelihood_objective`, :func:`seqforecast._lbfgs.lbfgsb` with
    statsmodels' finite-difference step 1e-5), without the results object;
    statsmodels' own fit where the leaner objective is not available. With
    ``toeplitz`` the likelihood of short series is computed without the
    filter (:func:`_toeplitz_objective`): the same maximum to rounding, not
    statsmodels' steps to the last bit.
    """
    from seqforecast._lbfgs import lbfgsb

    if start_params is None:
        start_params = model.start_params
    x0 = model.untransform_params(np.array(start_params, ndmin=1, dtype=float))
    if not len(x0):
        # Nothing to estimate: a (seasonal) random walk or white noise without
        # a constant. statsmodels' fit fails on an empty parameter vector.
        return x0, True
    objective = _likelihood_objective(model, x0)
    if toeplitz:
        objective = _toeplitz_objective(model, x0, objective) or objective
    if objective is None:
        res = model.fit(
            start_params=start_params, method="lbfgs", maxiter=maxiter, disp=False,
            cov_type="none", low_memory=True, **tolerance,
        )
        converged = bool((res.mle_retvals or {}).get("converged", True))
        return np.asarray(res.params, dtype=float), converged
    x, warnflag = lbfgsb(
        objective, x0, [(None, None)] * len(x0), maxiter, 15000 // (len(x0) + 1),
        factr=tolerance.get("factr", 1e7), pgtol=tolerance.get("pgtol", 1e-5), step=1e-5,
    )
    return model.transform_params(x), warnflag == 0


def information_criterion(llf, n_params, nobs, ic):
    """AIC, AICc or BIC as R's ``arima`` computes them.

    ``n_params`` counts the estimated coefficients; the innovation variance
    is one more parameter. ``nobs`` is the length of the differenced series.
    """
    k = n_params + 1
    aic = -2 * llf + 2 * k
    if ic == "aic":
        return aic
    if ic == "bic":
        return aic + k * (np.log(nobs) - 2)
    return aic + 2 * k * (k + 1) / (nobs - k - 1) if nobs - k - 1 > 0 else np.inf


def _estimate_once(model, start_params, maxiter, tolerance):
    """``(params, converged, llf)`` of one maximisation, or None when rejected.

    Rejected: parameters or log-likelihood not finite, or an AR or MA root
    within :data:`_ROOT_MARGIN` of the unit circle.
    """
    params, converged = _maximise(model, start_params, maxiter, tolerance)
    if not np.all(np.isfinite(params)):
        return None
    llf = _results_llf(model, params)
    if not np.isfinite(llf):
        return None
    # The results' reduced polynomials (the filter set them at params).
    reduced_ar = np.polymul(model._polynomial_ar, model._polynomial_seasonal_ar)
    reduced_ma = np.polymul(model._polynomial_ma, model._polynomial_seasonal_ma)
    if _min_root_modulus(reduced_ar, reduced_ma) < _ROOT_MARGIN:
        return None
    return params, converged, llf


def estimate(y, X, spec, *, maxiter, ic="aicc", start_params=None, tolerance=None):
    """Fit ``spec`` by maximum likelihood on the differenced series.

    Returns a :class:`Candidate` whose ``ic`` is inf when the fit failed, is
    not finite, or has an AR or MA root within 1.01 of the unit circle.
    With :data:`_RETRY_FROM_ZERO` (off), a fit from statsmodels' start
    values that is rejected so is tried once more with the AR and MA
    coefficients starting at zero: statsmodels' start values can lie next
    to the edge of stationarity, where the parameter transform flattens the
    likelihood and L-BFGS-B can stop at the edge.
    """
    rejected = Candidate(spec, np.inf)
    try:
        model = sarimax(y, X, spec, simple_differencing=True)
        if model.nobs < 2:
            return rejected
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            found = _estimate_once(model, start_params, maxiter, tolerance or {})
            if found is None and start_params is None and _RETRY_FROM_ZERO:
                start = np.array(model.start_params, dtype=float)
                n_fixed = model._k_trend + (model._k_exog if model.mle_regression else 0)
                if len(start) > n_fixed:
                    start[n_fixed:] = 0.0
                    found = _estimate_once(model, start, maxiter, tolerance or {})
    except Exception:  # any failure of one candidate rejects it
        return rejected
    if found is None:
        return rejected
    params, converged, llf = found
    value = information_criterion(llf, len(params), model.nobs, ic)
    return Candidate(spec, value if np.isfinite(value) else np.inf, params, converged)


def integrated_results(y, X, spec, params, scale=1.0):
    """The integrated form of ``spec`` on ``y``, filtered with ``params``.

    ``params`` were estimated on ``y / scale``: the constant and regression
    coefficients scale back with ``y``, the ARMA coefficients do not.
    """
    model = sarimax(y, X, spec, simple_differencing=False)
    params = np.array(params, dtype=float)
    params[: model.k_trend + model.k_exog] *= scale
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return model.filter(params, cov_type="none", conserve_memory=_conserve_memory())


def extend_results(results, y_new, X_new):
    """The same model and parameters on the history followed by new rows.

    What statsmodels' ``results.append(y_new, exog=X_new, refit=False)``
    computes, keeping the memory-saving filter output.
    """
    model = results.model
    y = np.concatenate([np.ravel(model.data.orig_endog), y_new])
    X = None if X_new is None else np.vstack([np.asarray(model.data.orig_exog), X_new])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return model.clone(y, exog=X).filter(
            results.params, cov_type="none", conserve_memory=_conserve_memory()
        )


def _usable(results):
    """Whether ``results`` gives a finite one-step forecast and variance."""
    exog = results.model.data.orig_exog
    exog = None if exog is None else np.asarray(exog)[-1:]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fc = results.get_forecast(1, exog=exog)
            return bool(np.isfinite(fc.predicted_mean).all() and np.isfinite(fc.se_mean).all())
    except Exception:  # unusable, whatever the reason
        return False


def fixed_arima(y, X, spec, *, maxiter):
    """Fit one given SARIMA model (statsmodels' default L-BFGS tolerances).

    Through the Kalman filter's objective only, so the estimates are
    statsmodels' fit to the last bit on any machine. The Toeplitz likelihood
    that speeds up the search's candidates agrees with it to rounding only,
    and rounding moves L-BFGS-B's steps: its estimates differ from
    statsmodels' by up to the optimiser's tolerance (forecasts by 1e-5
    relative on a 100-point AR(1)), by how much depending on the CPU's
    floating-point kernels. One model per series is not where the time of
    a search goes.

    Raises ValueError when statsmodels cannot estimate it.
    """
    model = sarimax(y, X, spec, simple_differencing=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        params, converged = _maximise(model, None, maxiter, {}, toeplitz=False)
    return Fit(spec, integrated_results(y, X, spec, params), converged)


# -------------------------------------------------------------------- search
def _fallback(y, X, m):
    """A (seasonal) random walk: it has no parameter left to estimate.

    Seasonal when a full season was observed. Covariates keep the
    least-squares coefficients of the differenced regression.
    """
    n = len(y)
    if m > 1 and n > m:
        spec, (d, D) = Spec((0, 0, 0), (0, 1, 0, m), False), (0, 1)
    else:
        spec, (d, D) = Spec((0, 1, 0), (0, 0, 0, 0), False), (1, 0)
    params = np.zeros(0)
    if X is not None:
        dX = np.column_stack([difference(col, d, D, m) for col in X.T])
        params = np.linalg.lstsq(dX, difference(y, d, D, m), rcond=None)[0]
    return spec, params


def auto_arima(
    y,
    X,
    m,
    *,
    ic="aicc",
    stepwise=True,
    with_constant=None,
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
):
    """Select and fit a SARIMA model for one series (Hyndman–Khandakar).

    ``y`` is a 1-D float array without NaN; ``X`` covariates of the same
    length or None; ``m`` the seasonal period. ``with_constant`` None lets
    the search choose the constant where d + D <= 1; True or False fixes it.
    ``d`` and ``D`` None are chosen by the tests. Returns a :class:`Fit`;
    ``fallback`` is True when no model could be fitted and a (seasonal)
    random walk was used instead.
    """
    n = len(y)
    if X is None and is_constant(y):
        # Nothing to model: the mean, as auto.arima does.
        spec = Spec((0, 0, 0), (0, 0, 0, 0), True)
        return Fit(spec, integrated_results(y, None, spec, [y[0]]), True, n_models=0)
    if m < 2 or n <= m:
        # No seasonality, or not one full season to learn it from.
        m, max_P, max_Q, D = 1, 0, 0, 0
    # Keep the model small relative to the data, as auto.arima does.
    max_p, max_q = min(max_p, n // 3), min(max_q, n // 3)
    max_P, max_Q = min(max_P, n // (3 * m)), min(max_Q, n // (3 * m))
    if m > 1:
        if max_P > 0:
            max_p = min(max_p, m - 1)
        if max_Q > 0:
            max_q = min(max_q, m - 1)

    # The unit-root tests see the regression residuals when there are covariates.
    x = y
    if X is not None:
        design = np.column_stack([np.ones(n), X])
        x = y - design @ np.linalg.lstsq(design, y, rcond=None)[0]
    if D is None:
        D = nsdiffs(x, m, max_D=max_D) if m > 1 else 0
    if d is None:
        d = ndiffs(difference(x, 0, D, m), max_d=max_d)

    # Estimate on a unit-scale series: the constant and regression
    # coefficients are then of order one, which L-BFGS needs to converge
    # reliably (M3 series are in the thousands). Dividing y by a constant
    # shifts every log-likelihood of the search by the same amount.
    dy = difference(y, d, D, m)
    scale = float(np.std(dy)) if len(dy) > 1 else 0.0
    if not (np.isfinite(scale) and scale > 0):
        scale = float(np.max(np.abs(y))) or 1.0
    ys = y / scale

    if with_constant is None:
        constants = (True, False) if d + D <= 1 else (False,)
    else:
        constants = (bool(with_constant),)
    tried = {}

    def fit(p, q, P, Q, constant):
        key = (p, q, P, Q, constant)
        if key not in tried:
            seasonal_order = (P, D, Q, m) if m > 1 else (0, 0, 0, 0)
            spec = Spec((p, d, q), seasonal_order, constant)
            parameter_free = X is None and not (p or q or P or Q or constant)
            if parameter_free and not _SEARCH_PARAMETER_FREE:
                tried[key] = Candidate(spec, np.inf)
            else:
                tried[key] = estimate(
                    ys, X, spec, maxiter=maxiter, ic=ic, tolerance=SEARCH_TOLERANCE
                )
        return tried[key]

    if len(dy) >= 2:
        if stepwise:
            _stepwise(fit, lambda: len(tried), constants, (max_p, max_q, max_P, max_Q), m)
        else:
            for p in range(max_p + 1):
                for q in range(max_q + 1):
                    for P in range(max_P + 1):
                        for Q in range(max_Q + 1):
                            if p + q + P + Q <= max_order:
                                for constant in constants:
                                    fit(p, q, P, Q, constant)

    # The best model whose integrated form also gives finite forecasts.
    for cand in sorted(tried.values(), key=lambda c: c.ic):
        if not np.isfinite(cand.ic):
            break
        if not cand.converged:
            # The search stops L-BFGS early; finish the model chosen.
            finished = estimate(
                ys, X, cand.spec, maxiter=_MAXITER_FINISH, ic=ic,
                start_params=cand.params, tolerance=SEARCH_TOLERANCE,
            )
            if np.isfinite(finished.ic):
                cand = finished
        results = integrated_results(y, X, cand.spec, cand.params, scale)
        if _usable(results):
            return Fit(cand.spec, results, cand.converged, n_models=len(tried))

    spec, params = _fallback(y, X, m)
    results = integrated_results(y, X, spec, params)
    return Fit(spec, results, True, fallback=True, n_models=len(tried))


# The search's settings besides the data, the period and the criterion: the
# ARIMAForecaster parameters of the same names and defaults (tests check it).
SEARCH_SETTINGS = tuple(
    name for name in inspect.signature(auto_arima).parameters if name not in ("y", "X", "m", "ic")
)


def _stepwise(fit, n_tried, constants, limits, m):
    """Hyndman–Khandakar stepwise search; ``fit`` memoises every model.

    From the best of four starting models, move to the first neighbour (P,
    Q, p, q one up or down, or the constant toggled; auto.arima's order)
    that improves the criterion, until no neighbour improves it or 94
    models were tried.
    """
    max_p, max_q, max_P, max_Q = limits
    seasonal = m > 1
    constant = constants[0]
    p, q = min(2, max_p), min(2, max_q)
    P, Q = (min(1, max_P), min(1, max_Q)) if seasonal else (0, 0)
    starts = [
        (p, q, P, Q, constant),
        (0, 0, 0, 0, constant),
        (int(max_p > 0), 0, int(seasonal and max_P > 0), 0, constant),
        (0, int(max_q > 0), 0, int(seasonal and max_Q > 0), constant),
    ]
    if len(constants) > 1:
        starts.append((0, 0, 0, 0, not constant))
    best_key = min(starts, key=lambda key: fit(*key).ic)
    best = fit(*best_key)

    steps = ((-1, 0), (0, -1), (1, 0), (0, 1), (-1, -1), (-1, 1), (1, -1), (1, 1))

    def neighbours(p, q, P, Q, c):
        moves = [(p, q, P + i, Q + j, c) for i, j in steps] if seasonal else []
        moves += [(p + i, q + j, P, Q, c) for i, j in steps]
        if len(constants) > 1:
            moves.append((p, q, P, Q, not c))
        return [
            k for k in moves
            if 0 <= k[0] <= max_p and 0 <= k[1] <= max_q
            and 0 <= k[2] <= max_P and 0 <= k[3] <= max_Q
        ]

    improved = True
    while improved:
        improved = False
        for key in neighbours(*best_key):
            if n_tried() >= _MAX_MODELS:
                return
            cand = fit(*key)
            if cand.ic < best.ic:
                best, best_key, improved = cand, key, True
                break
