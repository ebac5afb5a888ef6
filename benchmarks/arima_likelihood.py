"""Automatic ARIMA with the Kalman filter's and the Toeplitz likelihood, on M3 validation folds.

One command per category and fold::

    python -m benchmarks.arima_likelihood --category monthly --n-series 300

The search estimates each candidate on a short series through the Cholesky
factor of its autocovariance matrix
(``seqforecast._autoarima._toeplitz_objective``) instead of statsmodels'
Kalman filter: the same likelihood to rounding (about 1e-15 relative at
well-conditioned points, further apart toward a unit root), for
less CPU, but not the same floating-point numbers, so the optimiser's steps
may differ in the last digits and a model within rounding of another may be
chosen in its place. This runs the search both ways (the filter alone, then
with the Toeplitz likelihood) on the validation split of the training part
(``benchmarks.tune.validation_split``; the competition's test part is not
read), one series after the other in this process, and counts the choices
that changed and whether they scored better or worse.

Appends one row per arm to ``benchmarks/results/arima_likelihood.csv``
(``--out``): category, fold, series, the means, the changed choices, better
and worse among them (MASE), and each arm's CPU seconds.
"""

from __future__ import annotations

from benchmarks import _cli

_cli.one_thread_per_library()  # before numpy is imported

import sys  # noqa: E402
from unittest import mock  # noqa: E402

MODULE = "arima_likelihood"


def likelihood(toeplitz):
    """A patch of :mod:`seqforecast._autoarima` for an arm: the package as it is
    (True) or the Kalman filter alone (False)."""
    from seqforecast import _autoarima

    return mock.patch.object(
        _autoarima, "_toeplitz_objective",
        _autoarima._toeplitz_objective if toeplitz else (lambda model, x0, kalman: None),
    )


def search(data, toeplitz):
    """The search on ``data`` with (True) or without the Toeplitz likelihood."""
    from benchmarks.arima_candidates import fit_search

    return fit_search(data, likelihood(toeplitz))


def main(argv=None):
    return _cli.fold_study(MODULE, __doc__, search, "toeplitz", argv)


if __name__ == "__main__":
    sys.exit(main())
