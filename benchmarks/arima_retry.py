"""Automatic ARIMA with and without a second start for rejected candidates, on M3 validation folds.

One command per category and fold::

    python -m benchmarks.arima_retry --category monthly --n-series 300

A candidate fitted from statsmodels' start values and rejected (a root
within 1.01 of the unit circle, a fit that failed) is estimated once more
from AR and MA coefficients at zero (``seqforecast._autoarima._RETRY_FROM_ZERO``).
statsmodels' start values can lie next to the edge of stationarity, where
the parameter transform flattens the likelihood and L-BFGS-B can stop at the
edge; a rejected starting model then sends the stepwise search elsewhere.
This runs the search without the second start, then with it, on the
validation split of the training part (``benchmarks.tune.validation_split``;
the competition's test part is not read), and counts the choices that
changed and whether they scored better or worse.

Appends one row per arm to ``benchmarks/results/arima_retry.csv``
(``--out``): category, fold, series, the means, the changed choices, better
and worse among them (MASE), and each arm's CPU seconds.
"""

from __future__ import annotations

from benchmarks import _cli

_cli.one_thread_per_library()  # before numpy is imported

import sys  # noqa: E402
from unittest import mock  # noqa: E402

MODULE = "arima_retry"


def search(data, retry):
    """The search on ``data`` with (True) or without the second start."""
    from benchmarks.arima_candidates import fit_search
    from seqforecast import _autoarima

    return fit_search(data, mock.patch.object(_autoarima, "_RETRY_FROM_ZERO", retry))


def main(argv=None):
    return _cli.fold_study(MODULE, __doc__, search, "retry", argv)


if __name__ == "__main__":
    sys.exit(main())
