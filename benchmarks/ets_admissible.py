"""Automatic ETS with and without the admissibility rule, on M3 validation folds.

One command per category and fold::

    python -m benchmarks.ets_admissible --category monthly --origin 1

``ETSForecaster``'s automatic choice passes over a fit with multiplicative
components whose fitted values, last level or last season's factors are not
positive (``seqforecast._ets.admissible``), for the next best by AICc. This
runs the choice both ways (the rule, and every fit admissible: the choice by
AICc alone, as before the rule) on the validation split of the training part
(``benchmarks.tune.validation_split``: the model sees all but the last
``origin`` horizons of each training series and is scored on the first of
them; the competition's test part is not read), one series after the other
in this process, and scores each forecast with sMAPE and MASE.

Appends one row per arm to ``benchmarks/results/ets_admissible.csv``
(``--out``): category, fold, series, the means, the number of series whose
chosen model differs between the arms, and the mean MASE of those series in
each arm.
"""

from __future__ import annotations

from benchmarks import _cli

_cli.one_thread_per_library()  # before numpy is imported

import sys  # noqa: E402
import warnings  # noqa: E402
from unittest import mock  # noqa: E402

import numpy as np  # noqa: E402

MODULE = "ets_admissible"


def choose(data, rule):
    """(chosen specs, forecasts) of the automatic ETS on every training series."""
    from seqforecast import _ets
    from seqforecast.baselines import ETSForecaster

    # One process (n_jobs=1), so that the switch reaches every fit.
    model = ETSForecaster(seasonal_period=data.seasonal_period, n_jobs=1)
    switch = mock.patch.object(_ets, "admissible", _ets.admissible if rule else
                               lambda spec, res: True)
    with switch, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(None, data.y_train)
    forecasts = model.forecast(data.horizon)
    forecasts.index = data.y_test.index
    return [str(tuple(spec.values())) for spec in model.specs_], forecasts, None


def main(argv=None):
    def extra(arms, changed, data, key, arm):
        return {
            "changed_mase": arm["mase"][changed].mean() if changed.any() else np.nan,
            "changed_series": " ".join(map(str, data.y_train.columns[changed])),
        }

    return _cli.fold_study(MODULE, __doc__, choose, "admissibility_rule", argv, extra)


if __name__ == "__main__":
    sys.exit(main())
