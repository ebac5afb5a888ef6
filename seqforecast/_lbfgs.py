"""scipy's L-BFGS-B with a finite-difference gradient, minus scipy's bookkeeping.

statsmodels estimates ETS and SARIMA models with
``scipy.optimize.fmin_l_bfgs_b(f, x0, approx_grad=True, ...)``. Most of the
time of a small model's fit then goes to scipy's per-evaluation wrappers
rather than to the model's recursion. :func:`lbfgsb` drives scipy's own
L-BFGS-B routine with a copy of scipy's loop and computes the forward
differences as scipy does, so that the optimiser is asked for the same points
and given the same numbers: the estimates are scipy's to the last bit.
Where scipy lacks the private pieces it falls back to ``fmin_l_bfgs_b``.
"""

from __future__ import annotations

import numpy as np


def lbfgsb(objective, x0, bounds, maxiter, maxfun, *, factr=1e7, pgtol=1e-5, step=1e-8):
    """(x, warnflag) of ``fmin_l_bfgs_b(objective, x0, approx_grad=True, ...)``.

    ``factr`` and ``pgtol`` are the stopping rule (scipy's defaults), ``step``
    the absolute step of the forward differences (``epsilon``; scipy's
    default 1e-8, statsmodels' state-space models pass 1e-5), ``maxfun`` the
    limit on the points evaluated (scipy counts each difference quotient as
    an evaluation: pass its limit divided by ``len(x0) + 1``).

    scipy's L-BFGS-B routine (``setulb``) driven by the loop of scipy's
    ``_minimize_lbfgsb``, with scipy's default memory, asked for the same
    points and given the same function values and finite-difference
    gradients (:func:`forward_differences`), so it takes the same steps; what
    is left out is scipy's per-evaluation bookkeeping. Falls back to
    ``fmin_l_bfgs_b`` itself when scipy lacks the private pieces.
    """
    from scipy.optimize import fmin_l_bfgs_b

    lower = np.array([-np.inf if lo is None else lo for lo, _ in bounds], dtype=float)
    upper = np.array([np.inf if hi is None else hi for _, hi in bounds], dtype=float)
    gradient = forward_differences(objective, lower, upper, step)
    setulb = setulb_routine()
    if gradient is None or setulb is None:
        if gradient is None:
            x, _, info = fmin_l_bfgs_b(
                objective, x0, approx_grad=True, maxiter=maxiter, bounds=bounds,
                factr=factr, pgtol=pgtol, epsilon=step,
            )
        else:
            x, _, info = fmin_l_bfgs_b(
                lambda x: (f := objective(x), gradient(x, f)), x0, maxiter=maxiter,
                bounds=bounds, maxfun=maxfun, factr=factr, pgtol=pgtol,
            )
        return x, info["warnflag"]

    m, maxls = 10, 20  # scipy's defaults
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


def setulb_routine():
    """scipy's L-BFGS-B routine with the signature :func:`lbfgsb` drives, or None.

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


def forward_differences(objective, lb, ub, step=1e-8):
    """The gradient scipy's L-BFGS-B computes with ``approx_grad=True``, or None.

    ``lb`` and ``ub`` are the bounds as float arrays (None as -inf, inf).

    scipy's 2-point differences with the absolute ``step`` (scipy's default 1e-8),
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


