"""ETS estimation and the automatic model choice of :class:`~seqforecast.baselines.ETSForecaster`.

The automatic choice fits every candidate of R's ``ets()`` default search and
keeps the one with the lowest AICc. Each candidate is estimated as
statsmodels' ``ETSModel(...).fit(disp=False)`` estimates it: the same start
values, bounds and L-BFGS-B run (finite-difference gradient, scipy's default
tolerances), with the log-likelihood computed by statsmodels' own smoothing
recursion. Only the Python around the recursion is leaner (work arrays
allocated once per candidate, the gradient's differences without scipy's
wrappers, scipy's L-BFGS-B routine driven by a copy of scipy's own loop
without its per-evaluation bookkeeping), and only the chosen model gets a
results object (statsmodels builds one per fit, with a
complex-step Hessian for the standard errors). The objective returns the same
floating-point numbers as statsmodels', so the optimiser takes the same steps
and the estimates, criteria and choice are statsmodels' to the last bit
(``tests/test_baselines.py`` checks it); where statsmodels' private layout is
not what this module expects, it falls back to ``ETSModel.fit``.

statsmodels is imported inside the functions that use it.
"""

from __future__ import annotations

import warnings
from math import isfinite

import numpy as np

SIMPLE = {"error": "add", "trend": None, "damped_trend": False, "seasonal": None}


def ets_model(y, spec, m):
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    return ETSModel(y, seasonal_periods=m if spec["seasonal"] else None, **spec)


def candidates(y, m):
    """Models of R's ``ets()`` default search for one series.

    Error additive or multiplicative; trend none, additive or additive
    damped (no multiplicative trend, R's default); seasonality none,
    additive or multiplicative when the period is > 1 and two seasons were
    observed. Multiplicative components need positive data; additive errors
    with multiplicative seasonality are excluded (numerically unstable, as
    R's ``restrict=TRUE``).
    """
    positive = bool(np.all(y > 0))
    errors = ("add", "mul") if positive else ("add",)
    seasonals = [None]
    if m > 1 and len(y) >= 2 * m:
        seasonals += ["add", "mul"] if positive else ["add"]
    trends = ((None, False), ("add", False), ("add", True)) if len(y) >= 2 else ((None, False),)
    return [
        {"error": e, "trend": t, "damped_trend": dt, "seasonal": s}
        for e in errors
        for t, dt in trends
        for s in seasonals
        if not (e == "add" and s == "mul")
    ]


def _lbfgs_params(model, maxiter=1000):
    """(parameters, converged) of ``model.fit(disp=False)``, without its results object.

    Mirrors ``ETSModel.fit`` for a model without fixed parameters (what the
    forecaster builds): internal start values and bounds from statsmodels,
    beta and gamma reparametrised, the parameters held fixed by their bounds
    taken out, then scipy's L-BFGS-B on minus the log-likelihood per
    observation with a finite-difference gradient.
    """
    internal = model._convert_and_bound_start_params(model.start_params)
    bounds = model._setup_bounds()
    use_beta_star = "smoothing_trend" not in model.bounds
    if use_beta_star:
        internal[1] /= internal[0]
    use_gamma_star = "smoothing_seasonal" not in model.bounds
    if use_gamma_star:
        internal[2] /= 1 - internal[0]
    is_fixed = np.array([lo == hi for lo, hi in bounds], dtype=np.int64)
    fixed_values = np.where(is_fixed, [lo for lo, _ in bounds], 0.0)
    free = np.flatnonzero(~is_fixed.astype(bool))

    objective = _objective(model, is_fixed, fixed_values, use_beta_star, use_gamma_star)
    x0 = internal[free]
    free_bounds = [bounds[i] for i in free]
    # scipy counts the difference quotients against ``maxfun`` (15000); here
    # each call evaluates 1 + len(x0) of them.
    x, warnflag = _lbfgsb(objective, x0, free_bounds, maxiter, 15000 // (len(x0) + 1))
    fitted = np.where(is_fixed.astype(bool), fixed_values, 0.0)
    fitted[free] = x
    if use_beta_star:
        fitted[1] *= fitted[0]
    if use_gamma_star:
        fitted[2] *= 1 - fitted[0]
    return model._model_params(fitted), warnflag == 0


def _objective(model, is_fixed, fixed_values, use_beta_star, use_gamma_star):
    """Minus the log-likelihood per observation, as ``ETSModel.fit`` minimises it.

    statsmodels' ``ETSModel._loglike_internal`` (its Cython smoothing
    recursion, then the Gaussian log-likelihood), then ``-llf / nobs`` as in
    ``statsmodels.base.model``: the same operations in the same order, so the
    same floating-point numbers, with the work arrays allocated once.
    """
    data = model.endog
    n = model.nobs
    yhat = np.zeros(n)
    xhat = np.zeros((n, model._k_states_internal))
    res = np.empty(n)
    smooth = model._smoothing_func
    # The float64 version of the fused Cython function, without its dispatch.
    smooth = getattr(smooth, "__signatures__", {}).get("float64_t", smooth)
    multiplicative = model.error == "mul"
    two_pi = 2 * np.pi
    subtract, divide, multiply, reduce = np.subtract, np.divide, np.multiply, np.add.reduce
    log, absolute = np.log, np.abs

    def objective(x):
        smooth(x, data, yhat, xhat, is_fixed, fixed_values, use_beta_star, use_gamma_star)
        subtract(data, yhat, out=res)
        if multiplicative:
            divide(res, yhat, out=res)
        multiply(res, res, out=res)
        # Python floats: the same IEEE operations as on numpy scalars, faster.
        llf = -n / 2 * (float(log(two_pi * (float(reduce(res)) / n))) + 1)
        if multiplicative:
            absolute(yhat, out=res)
            log(res, out=res)
            log_yhat = float(reduce(res))
            if not isfinite(log_yhat):  # statsmodels' zeros replaced, as it does
                yhat[yhat == 0] = 1e-32
                log_yhat = float(reduce(log(absolute(yhat))))
            llf -= log_yhat
        return -llf / n

    return objective


def _lbfgsb(objective, x0, bounds, maxiter, maxfun):
    """(x, warnflag) of ``fmin_l_bfgs_b(objective, x0, approx_grad=True, ...)``.

    scipy's L-BFGS-B routine (``setulb``) driven by the loop of scipy's
    ``_minimize_lbfgsb``, with scipy's default memory and tolerances, asked
    for the same points and given the same function values and
    finite-difference gradients (``_forward_differences``), so it takes the
    same steps; what is left out is scipy's per-evaluation bookkeeping, most
    of the time of a fit. Falls back to ``fmin_l_bfgs_b`` itself when scipy
    lacks the private pieces.
    """
    from scipy.optimize import fmin_l_bfgs_b

    lower = np.array([-np.inf if lo is None else lo for lo, _ in bounds], dtype=float)
    upper = np.array([np.inf if hi is None else hi for _, hi in bounds], dtype=float)
    gradient = _forward_differences(objective, lower, upper)
    setulb = _setulb()
    if gradient is None or setulb is None:
        if gradient is None:
            x, _, info = fmin_l_bfgs_b(
                objective, x0, approx_grad=True, maxiter=maxiter, bounds=bounds
            )
        else:
            x, _, info = fmin_l_bfgs_b(
                lambda x: (f := objective(x), gradient(x, f)), x0, maxiter=maxiter,
                bounds=bounds, maxfun=maxfun,
            )
        return x, info["warnflag"]

    m, factr, pgtol, maxls = 10, 1e7, 1e-5, 20  # scipy's defaults
    n = len(x0)
    if (lower > upper).any():
        raise ValueError("LBFGSB - one of the lower bounds is greater than an upper bound.")
    nbd = np.zeros(n, np.int32)
    low_bnd = np.where(np.isinf(lower), 0.0, lower)
    upper_bnd = np.where(np.isinf(upper), 0.0, upper)
    # scipy's bounds_map: 0 unbounded, 1 lower only, 2 both, 3 upper only.
    nbd[:] = np.select(
        [~np.isinf(lower) & ~np.isinf(upper), ~np.isinf(lower), ~np.isinf(upper)],
        [2, 1, 3], 0,
    )
    x = np.array(np.clip(x0, lower, upper), dtype=np.float64)
    # scipy's ScalarFunction evaluates at the start point first, then again
    # only where L-BFGS-B asks for a point other than the last evaluated one.
    last = x.copy()
    f0 = objective(last.copy())
    value, grad = f0, np.atleast_1d(gradient(last.copy(), f0))
    nfev = 1
    f = np.array(0.0, dtype=np.float64)
    g = np.zeros(n, dtype=np.float64)
    wa = np.zeros(2 * m * n + 5 * n + 11 * m * m + 8 * m, np.float64)
    iwa = np.zeros(3 * n, dtype=np.int32)
    task = np.zeros(2, dtype=np.int32)
    ln_task = np.zeros(2, dtype=np.int32)
    lsave = np.zeros(4, dtype=np.int32)
    isave = np.zeros(44, dtype=np.int32)
    dsave = np.zeros(29, dtype=np.float64)
    n_iterations = 0
    while True:
        g = g.astype(np.float64)
        setulb(m, x, low_bnd, upper_bnd, nbd, f, g, factr, pgtol, wa,
               iwa, task, lsave, isave, dsave, maxls, ln_task)
        if task[0] == 3:  # wants f and g at x
            if not np.array_equal(x, last):
                last = x.copy()
                value = objective(last.copy())
                grad = np.atleast_1d(gradient(last.copy(), value))
                nfev += 1
            f, g = value, grad
        elif task[0] == 1:  # a new iteration
            n_iterations += 1
            if n_iterations >= maxiter:
                task[0], task[1] = 5, 504
            elif nfev > maxfun:
                task[0], task[1] = 5, 502
        else:
            break
    if task[0] == 4:
        return x, 0
    return x, 1 if nfev > maxfun or n_iterations >= maxiter else 2


def _setulb():
    """scipy's L-BFGS-B routine with the signature ``_lbfgsb`` drives, or None.

    That is the C routine of scipy 1.15 and later (before, Fortran with
    another signature).
    """
    import scipy

    try:
        from scipy.optimize import _lbfgsb
    except ImportError:
        return None
    major, minor = (int(part) for part in scipy.__version__.split(".")[:2])
    return getattr(_lbfgsb, "setulb", None) if (major, minor) >= (1, 15) else None


def _forward_differences(objective, lb, ub, step=1e-8):
    """The gradient scipy's L-BFGS-B computes with ``approx_grad=True``, or None.

    ``lb`` and ``ub`` are the bounds as float arrays (None as -inf, inf).

    scipy's 2-point differences with its default absolute step (1e-8),
    steps turned back at the bounds as scipy turns them, and the same
    arithmetic, so that the optimiser sees the same numbers, without
    scipy's per-evaluation wrappers.
    """
    try:
        from scipy.optimize._numdiff import _adjust_scheme_to_bounds, _eps_for_method
    except ImportError:
        return None
    fallback = _eps_for_method(np.float64, np.float64, "2-point")
    n = len(lb)
    values = np.empty(n)

    def gradient(x0, f0):
        dx = (x0 + step) - x0
        if dx.all():
            h = np.full(n, step)
        else:
            sign = (x0 >= 0).astype(float) * 2 - 1
            h = np.where(dx == 0, fallback * sign * np.maximum(1.0, np.abs(x0)), step)
        # scipy's _adjust_scheme_to_bounds(x0, h, 1, "1-sided", lb, ub): a
        # step that leaves the bounds is turned back, if it fits the other way.
        fitting = np.abs(h) <= np.maximum(x0 - lb, ub - x0)
        if fitting.all():
            x1 = x0 + h
            violated = (x1 < lb) | (x1 > ub)
            if violated.any():
                h[violated] *= -1
        else:
            h, _ = _adjust_scheme_to_bounds(x0, h, 1, "1-sided", lb, ub)
        x1 = x0.copy()
        stepped = x0 + h
        for i, (up, back) in enumerate(zip(stepped.tolist(), x0.tolist(), strict=True)):
            x1[i] = up
            values[i] = objective(x1)
            x1[i] = back
        return (values - f0) / (stepped - x0)

    return gradient


def _has_layout(model):
    """Whether statsmodels' ETSModel has the private layout ``_lbfgs_params`` mirrors."""
    names = ("_convert_and_bound_start_params", "_setup_bounds", "_smoothing_func",
             "_k_states_internal", "_model_params", "_loglike_internal")
    return all(hasattr(model, name) for name in names) and not getattr(
        model, "_has_fixed_params", False
    )


def estimate(model):
    """(parameters, log-likelihood, AICc, converged) of ``model.fit(disp=False)``."""
    from statsmodels.tools.eval_measures import aicc

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if _has_layout(model):
            params, converged = _lbfgs_params(model)
            llf = float(model.loglike(params))
        else:  # another statsmodels: its own fit
            res = model.fit(disp=False)
            params, llf = np.asarray(res.params), float(res.llf)
            converged = bool((res.mle_retvals or {}).get("converged", True))
    return params, llf, float(aicc(llf, model.nobs, model.k_params + 1)), converged


def results(model, params, converged):
    """statsmodels' results of ``model`` at ``params``, as ``model.fit`` returns them."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = model.smooth(params)
    res.mle_retvals = {"converged": converged}
    return res


def auto_ets(y, m):
    """The candidate with the lowest AICc: (spec, results, converged), or None.

    None when no candidate gives a finite AICc and finite parameters.
    Candidates that statsmodels cannot estimate are skipped.
    """
    best = None
    for spec in candidates(y, m):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                model = ets_model(y, spec, m)
            params, _, value, converged = estimate(model)
        except (ValueError, np.linalg.LinAlgError):
            continue
        ok = np.isfinite(value) and np.all(np.isfinite(params))
        if ok and (best is None or value < best[0]):
            best = (value, spec, model, params, converged)
    if best is None:
        return None
    _, spec, model, params, converged = best
    return spec, results(model, params, converged), converged
