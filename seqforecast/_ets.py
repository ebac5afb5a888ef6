"""ETS estimation and the automatic model choice of :class:`~seqforecast.baselines.ETSForecaster`.

The automatic choice fits every candidate of R's ``ets()`` default search and
keeps the one with the lowest AICc. Each candidate is estimated as
statsmodels' ``ETSModel(...).fit(disp=False)`` estimates it: the same start
values, bounds and L-BFGS-B run (finite-difference gradient, scipy's default
tolerances), with the log-likelihood computed by statsmodels' own smoothing
recursion. Only the Python around the recursion is leaner, and only the
chosen model gets a results object (statsmodels builds one per fit, with a
complex-step Hessian for the standard errors). The objective returns the same
floating-point numbers as statsmodels', so the optimiser takes the same steps
and the estimates, criteria and choice are statsmodels' to the last bit
(``tests/test_baselines.py`` checks it); where statsmodels' private layout is
not what this module expects, it falls back to ``ETSModel.fit``.

statsmodels is imported inside the functions that use it.
"""

from __future__ import annotations

import warnings

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
    taken out, then ``scipy.optimize.fmin_l_bfgs_b`` on minus the
    log-likelihood per observation with a finite-difference gradient.
    """
    from scipy.optimize import fmin_l_bfgs_b

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

    data = model.endog
    n = model.nobs
    yhat = np.zeros(n)
    xhat = np.zeros((n, model._k_states_internal))
    smooth = model._smoothing_func
    multiplicative = model.error == "mul"
    log_2pi = 2 * np.pi

    def objective(x):
        # statsmodels' ETSModel._loglike_internal, then base.model's -llf / nobs.
        smooth(x, data, yhat, xhat, is_fixed, fixed_values, use_beta_star, use_gamma_star)
        res = (data - yhat) / yhat if multiplicative else data - yhat
        llf = -n / 2 * (np.log(log_2pi * (np.add.reduce(res * res) / n)) + 1)
        if multiplicative:
            yhat[yhat == 0] = 1e-32
            llf -= np.add.reduce(np.log(np.abs(yhat)))
        return -llf / n

    x0 = internal[free]
    free_bounds = [bounds[i] for i in free]
    gradient = _forward_differences(objective, free_bounds)
    if gradient is None:  # scipy without the helpers: its own differences
        x, _, info = fmin_l_bfgs_b(
            objective, x0, approx_grad=True, maxiter=maxiter, bounds=free_bounds
        )
    else:
        # scipy counts the difference quotients against ``maxfun`` (15000);
        # here each call evaluates 1 + len(x0) of them.
        x, _, info = fmin_l_bfgs_b(
            lambda x: (f := objective(x), gradient(x, f)), x0, maxiter=maxiter,
            bounds=free_bounds, maxfun=15000 // (len(x0) + 1),
        )
    fitted = np.where(is_fixed.astype(bool), fixed_values, 0.0)
    fitted[free] = x
    if use_beta_star:
        fitted[1] *= fitted[0]
    if use_gamma_star:
        fitted[2] *= 1 - fitted[0]
    return model._model_params(fitted), info["warnflag"] == 0


def _forward_differences(objective, bounds, step=1e-8):
    """The gradient scipy's L-BFGS-B computes with ``approx_grad=True``, or None.

    scipy's 2-point differences with its default absolute step (1e-8),
    steps turned back at the bounds as scipy turns them, and the same
    arithmetic, so that the optimiser sees the same numbers, without
    scipy's per-evaluation wrappers (half the time of a fit).
    """
    try:
        from scipy.optimize._numdiff import _adjust_scheme_to_bounds, _eps_for_method
    except ImportError:
        return None
    lb = np.array([-np.inf if lo is None else lo for lo, _ in bounds], dtype=float)
    ub = np.array([np.inf if hi is None else hi for _, hi in bounds], dtype=float)
    fallback = _eps_for_method(np.float64, np.float64, "2-point")

    def gradient(x0, f0):
        sign = (x0 >= 0).astype(float) * 2 - 1
        h = np.where(
            (x0 + step) - x0 == 0, fallback * sign * np.maximum(1.0, np.abs(x0)), step
        )
        h, _ = _adjust_scheme_to_bounds(x0, h, 1, "1-sided", lb, ub)
        grad = np.empty(len(x0))
        for i in range(len(x0)):
            x1 = np.copy(x0)
            x1[i] = x0[i] + h[i]
            grad[i] = (objective(x1) - f0) / ((x0[i] + h[i]) - x0[i])
        return grad

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
