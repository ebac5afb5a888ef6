"""How close the Kalman filter's and the Toeplitz likelihood are to the exact one.

One command::

    python -m benchmarks.arima_precision

The automatic ARIMA search computes each candidate's Gaussian likelihood on
short series from the Cholesky factor of the ARMA autocovariance matrix
(``seqforecast._autoarima._toeplitz_objective``), elsewhere with
statsmodels' Kalman filter (``_likelihood_objective``). Both are float64
computations of the same number. This compares them with the same
likelihood computed in 50-digit decimal arithmetic (:func:`exact_objective`:
the autocovariances, their Cholesky factor and the whitened series, all in
``decimal``), at points of two SARIMA models: a seasonal AR(2) with a
constant on statsmodels' macrodata unemployment rate (quarterly, 203
points; the start values statsmodels gives are near a unit root), and the
airline-like model (2,0,0)(0,1,1,12) on log AirPassengers (132 differenced
points), each at statsmodels' start values, at the estimates of both
objectives, and on the way to a unit root.

Writes ``benchmarks/results/arima_precision.csv`` (``--out``): model,
point, the autocovariance at lag 0 (how close to a unit root), the exact
objective and each float64 objective's relative error.
"""

from __future__ import annotations

from benchmarks import _cli

_cli.one_thread_per_library()  # before numpy is imported

import decimal  # noqa: E402
import sys  # noqa: E402
import warnings  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"


def _solve(matrix, rhs):
    """Gaussian elimination with partial pivoting, in the numbers given."""
    n = len(rhs)
    m = [[*row, r] for row, r in zip(matrix, rhs, strict=True)]
    for c in range(n):
        pivot = max(range(c, n), key=lambda r: abs(m[r][c]))
        m[c], m[pivot] = m[pivot], m[c]
        for r in range(c + 1, n):
            f = m[r][c] / m[c][c]
            m[r] = [x - f * y for x, y in zip(m[r], m[c], strict=True)]
    x = [decimal.Decimal(0)] * n
    for c in range(n - 1, -1, -1):
        x[c] = (m[c][n] - sum(m[c][j] * x[j] for j in range(c + 1, n))) / m[c][c]
    return x


def exact_objective(z, a, b, digits=50):
    """Minus the concentrated Gaussian log-likelihood per observation, in ``digits`` digits.

    ``z`` the series less its mean, ``a`` and ``b`` the AR and MA lag
    polynomials (``a[0] = b[0] = 1``) of ``a(L) z_t = b(L) e_t``: the
    autocovariances from the first p + 1 equations and the AR recursion,
    the Cholesky factor ``L`` of their n x n Toeplitz matrix, then
    ``n/2 (log 2 pi + 1 + log(e'e / n)) + sum(log diag L)`` with
    ``e = L^-1 z``. Returns ``(objective, gamma_0)`` as floats.
    """
    with decimal.localcontext() as ctx:
        ctx.prec = digits
        D = decimal.Decimal
        z, a, b = [D(float(v)) for v in z], [D(float(v)) for v in a], [D(float(v)) for v in b]
        n, p, q = len(z), len(a) - 1, len(b) - 1
        psi = []
        for j in range(q + 1):
            psi.append(b[j] - sum(a[i] * psi[j - i] for i in range(1, min(j, p) + 1)))
        r = [sum(b[j] * psi[j - k] for j in range(k, q + 1)) for k in range(q + 1)]
        r += [D(0)] * max(0, max(n, p + 1) - len(r))
        system = [[D(0)] * (p + 1) for _ in range(p + 1)]
        for k in range(p + 1):
            for i in range(p + 1):
                system[k][abs(k - i)] += a[i]
        gamma = _solve(system, r[: p + 1])[:n]
        for k in range(p + 1, n):
            gamma.append(r[k] - sum(a[i] * gamma[k - i] for i in range(1, p + 1)))
        factor = [[D(0)] * n for _ in range(n)]
        for j in range(n):
            factor[j][j] = (gamma[0] - sum(v * v for v in factor[j][:j])).sqrt()
            for i in range(j + 1, n):
                dot = sum(factor[i][k] * factor[j][k] for k in range(j))
                factor[i][j] = (gamma[i - j] - dot) / factor[j][j]
        e = []
        for i in range(n):
            e.append((z[i] - sum(factor[i][k] * e[k] for k in range(i))) / factor[i][i])
        two_pi = 2 * D("3.14159265358979323846264338327950288419716939937510")
        loglike = (-D(n) / 2 * ((two_pi.ln()) + 1 + (sum(v * v for v in e) / n).ln())
                   - sum(factor[i][i].ln() for i in range(n)))
        return float(-loglike / n), float(gamma[0])


def _points(model, kalman, toeplitz):
    """(name, unconstrained parameters): the start, both estimates, toward a unit root."""
    from seqforecast._lbfgs import lbfgsb

    x0 = model.untransform_params(model.start_params)
    points = [("start values", x0)]
    for name, objective in (("filter's estimate", kalman), ("Toeplitz estimate", toeplitz)):
        x, _ = lbfgsb(objective, x0, [(None, None)] * len(x0), 50, 15000 // (len(x0) + 1),
                      factr=1e10, pgtol=1e-5, step=1e-5)
        points.append((name, x))
    # The first AR parameter's partial autocorrelation at 0.999 and 0.99999.
    ar = model.k_trend + model.k_exog
    for r in (0.999, 0.99999):
        x = points[1][1].copy()
        x[ar] = r / np.sqrt(1 - r * r) * np.sign(x[ar] or 1.0)
        points.append((f"filter's estimate, first AR partial autocorrelation {r}", x))
    return points


def run(out):
    import pandas as pd
    import statsmodels.api as sm

    from seqforecast import _autoarima
    from seqforecast.datasets import load_airpassengers

    unemp = sm.datasets.macrodata.load_pandas().data["unemp"].to_numpy(float)
    air = np.log(load_airpassengers().to_numpy(float).ravel())
    cases = [
        ("macrodata unemp, (0,0,0)(2,0,0,4) + constant", unemp / np.std(unemp),
         _autoarima.Spec((0, 0, 0), (2, 0, 0, 4), True)),
        ("log AirPassengers, (2,0,0)(0,1,1,12)", air / np.std(air[12:] - air[:-12]),
         _autoarima.Spec((2, 0, 0), (0, 1, 1, 12), False)),
    ]
    rows = []
    for label, y, spec in cases:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = _autoarima.sarimax(y, None, spec, simple_differencing=True)
            x0 = model.untransform_params(model.start_params)
            kalman = _autoarima._likelihood_objective(model, x0)
            toeplitz = _autoarima._toeplitz_objective(model, x0, kalman)
            _, reduce = _autoarima._reduced_polynomials(model)
            endog = model.endog[:, 0]
            for point, x in _points(model, kalman, toeplitz):
                params = model.transform_params(x)
                reduced_ar, reduced_ma = reduce(params)
                a = -reduced_ar
                mean = params[0] / a.sum() if spec.with_constant else 0.0
                exact, gamma0 = exact_objective(endog - mean, a, reduced_ma)
                rows.append({
                    "model": label, "point": point, "gamma0": gamma0, "exact": exact,
                    "filter_rel_error": (kalman(x) - exact) / abs(exact),
                    "toeplitz_rel_error": (toeplitz(x) - exact) / abs(exact),
                })
    _cli.write_table(pd.DataFrame(rows), out, "%.6g")


def main(argv=None):
    return _cli.run_with_out(__doc__, run, RESULTS / "arima_precision.csv", argv)


if __name__ == "__main__":
    sys.exit(main())
