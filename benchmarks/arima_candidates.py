"""Automatic ARIMA with and without the models that have no parameter, on M3 validation folds.

One command per category and fold::

    python -m benchmarks.arima_candidates --category yearly --origin 2

R's ``auto.arima`` considers (0,d,0)(0,D,0) without a constant (a random
walk, a seasonal random walk, white noise); seqforecast's search leaves
these out (``seqforecast._autoarima._SEARCH_PARAMETER_FREE``). This runs the
search both ways on the validation split of the training part
(``benchmarks.tune.validation_split``: the model sees all but the last
``origin`` horizons of each training series and is scored on the first of
them; the competition's test part is not read), one series after the
other in this process, and scores each forecast with sMAPE and MASE.

Appends one row per arm to ``benchmarks/results/arima_candidates.csv``
(``--out``): category, fold, series, the means, the number of series whose
chosen model differs between the arms and how many of those got better or
worse (MASE).
"""

from __future__ import annotations

from benchmarks import _cli

_cli.one_thread_per_library()  # before numpy is imported

import sys  # noqa: E402
import warnings  # noqa: E402
from unittest import mock  # noqa: E402

import numpy as np  # noqa: E402

MODULE = "arima_candidates"


def fit_search(data, patch):
    """(chosen specs, forecasts, how often zero-mean white noise was chosen).

    Automatic ARIMA on ``data``'s training part with ``patch`` (a
    ``unittest.mock.patch`` of :mod:`seqforecast._autoarima`) in force.
    """
    from seqforecast.baselines import ARIMAForecaster

    # One process (n_jobs=1), so that the switch reaches every fit.
    model = ARIMAForecaster(seasonal_period=data.seasonal_period, n_jobs=1)
    with patch:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model.fit(None, data.y_train)
    forecasts = model.forecast(data.horizon)
    forecasts.index = data.y_test.index
    specs = [str(spec) for spec in model.orders_]
    noise = [not (any(order) or any(seasonal[:3]) or constant)
             for order, seasonal, constant in model.orders_]
    return specs, forecasts, int(np.sum(noise))


def search(data, parameter_free):
    """:func:`fit_search` with or without the models that have no parameter."""
    from seqforecast import _autoarima

    return fit_search(
        data, mock.patch.object(_autoarima, "_SEARCH_PARAMETER_FREE", parameter_free)
    )


def main(argv=None):
    def extra(arms, changed, data, key, arm):
        return {**_cli.better_worse(arms, changed, key), "chosen_zero_mean_noise": arm["extra"]}

    return _cli.fold_study(MODULE, __doc__, search, "parameter_free", argv, extra)


if __name__ == "__main__":
    sys.exit(main())
