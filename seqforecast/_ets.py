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

from seqforecast._lbfgs import lbfgsb

SIMPLE = {"error": "add", "trend": None, "damped_trend": False, "seasonal": None}


def ets_model(y, spec, m):
    # statsmodels' ETSModel, its results' covariance computed when first read
    # (seqforecast._ets_results: no forecast needs it).
    from seqforecast._ets_results import LazyCovETSModel

    return LazyCovETSModel(y, seasonal_periods=m if spec["seasonal"] else None, **spec)


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
    x, warnflag = lbfgsb(objective, x0, free_bounds, maxiter, 15000 // (len(x0) + 1))
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


def admissible(spec, res):
    """Whether a fitted model with multiplicative components keeps them positive.

    On positive data a multiplicative error or season multiplies by the
    level and the seasonal factors, which must stay positive: fitted values,
    the last level and the last season's factors. An outlier can lead the
    likelihood to a fit whose level or factors cross zero (forecasts of the
    wrong sign, or blown up). Additive models are always admissible here.
    """
    if "mul" not in (spec["error"], spec["seasonal"]):
        return True
    fitted = np.asarray(res.fittedvalues, dtype=np.float64)
    states = np.asarray(res.states, dtype=np.float64)  # (nobs, states), columns by name
    column = {name: k for k, name in enumerate(res.model.state_names)}
    ok = np.all(fitted > 0) and states[-1, column["level"]] > 0
    if spec["seasonal"] == "mul":
        ok = ok and np.all(states[-res.model.seasonal_periods:, column["seasonal"]] > 0)
    return bool(ok and np.all(np.isfinite(fitted)))


def auto_ets(y, m):
    """The admissible candidate with the lowest AICc: (spec, results, converged), or None.

    None when no candidate gives a finite AICc and finite parameters.
    Candidates that statsmodels cannot estimate are skipped; so is a
    multiplicative fit whose states cross zero (:func:`admissible`), for the
    next best by AICc.
    """
    ranked = []
    for spec in candidates(y, m):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                model = ets_model(y, spec, m)
            params, _, value, converged = estimate(model)
        except (ValueError, np.linalg.LinAlgError):
            continue
        if np.isfinite(value) and np.all(np.isfinite(params)):
            ranked.append((value, spec, model, params, converged))
    # Results only for the best, and for the next ones when it is not admissible
    # (a stable sort: ties keep the candidates' order).
    for _, spec, model, params, converged in sorted(ranked, key=lambda r: r[0]):
        res = results(model, params, converged)
        if admissible(spec, res):
            return spec, res, converged
    return None
