"""Prediction-interval benchmark on the M3 competition (issue #4).

One command runs the study and writes its results::

    python -m benchmarks.intervals --category monthly
    python -m benchmarks.intervals --category monthly --n-series 100 --seed 0

Every model forecasts the competition's test part once, from the end of its
training part, with central intervals of nominal coverage ``--coverage``
(95 % by default), through the public API (``predict_interval``). Scores
per series, then averaged over series: the empirical coverage (fraction of
the test values inside their interval), MSIS (the M4 competition's mean
scaled interval score, scaled like MASE by the in-sample seasonal-naive
error) and the sMAPE / MASE of the point forecast.

Models:

- ``arima``, ``ets``: automatic model per series; statsmodels' forecast
  distributions.
- ``lstm-quantile``: the default global LSTM trained with ``loss="quantile"``
  on quantiles that include the interval's bounds.
- ``lstm-gaussian``: the same with ``loss="gaussian"``.
- ``conformal-lstm``: the default (point) LSTM inside
  ``ConformalForecaster(method="rolling", pooling="scaled")``: ``--n-windows``
  refits on rolling origins at the end of the training part; per step
  ahead, the errors of every series divided by its in-sample
  seasonal-naive error (the MASE scale) and pooled over series.
- ``conformal-lstm-asym``: the same with ``symmetric=False`` (each tail from
  the signed errors).

Results go to ``benchmarks/results/m3_<category>_intervals.csv`` (one row per
model, with the command), ``..._intervals_per_series.csv``, and
``..._intervals_by_step.csv`` and ``.png`` (coverage by forecast step). Runs
on a sample (``--n-series``) get a ``_n<N>_seed<S>`` suffix.
"""

from __future__ import annotations

import datetime as dt
import sys
import time

import numpy as np
import pandas as pd

from benchmarks.accuracy import machine, score, start_study, study_parser, write_results

MODELS = ("arima", "ets", "lstm-quantile", "lstm-gaussian", "conformal-lstm",
          "conformal-lstm-asym")


def make_model(name, *, horizon, period, coverage, seed, n_jobs, n_windows):
    """A forecaster that gives intervals, by benchmark name."""
    import seqforecast as sf

    if name == "arima":
        return sf.ARIMAForecaster(seasonal_period=period, n_jobs=n_jobs, verbose=True)
    if name == "ets":
        return sf.ETSForecaster(seasonal_period=period, n_jobs=n_jobs, verbose=True)
    lstm = sf.LSTMForecaster(horizon=horizon, seasonal_period=period, random_state=seed)
    if name == "lstm-quantile":
        tail = (1 - coverage) / 2
        # The defaults plus the bounds of the interval, so that they are
        # learned rather than extrapolated.
        quantiles = sorted({tail, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 1 - tail})
        return lstm.set_params(loss="quantile", quantiles=tuple(quantiles))
    if name == "lstm-gaussian":
        return lstm.set_params(loss="gaussian")
    if name in ("conformal-lstm", "conformal-lstm-asym"):
        return sf.ConformalForecaster(lstm, horizon=horizon, n_windows=n_windows,
                                      method="rolling", pooling="scaled",
                                      seasonal_period=period,
                                      symmetric=name == "conformal-lstm")
    raise ValueError(f"unknown model {name!r}; choose from {MODELS}")


def run_model(name, data, *, coverage, seed, n_jobs, n_windows):
    """Fit, then (point forecast, lower, upper, fit seconds, predict seconds)."""
    model = make_model(name, horizon=data.horizon, period=data.seasonal_period,
                       coverage=coverage, seed=seed, n_jobs=n_jobs, n_windows=n_windows)
    future = pd.DataFrame(index=data.y_test.index)
    start = time.perf_counter()
    model.fit(None, data.y_train)
    fit_seconds = time.perf_counter() - start
    start = time.perf_counter()
    point = model.predict(future)
    interval = model.predict_interval(future, coverage=coverage)
    predict_seconds = time.perf_counter() - start
    lower = interval.xs("lower", axis=1, level="bound")
    upper = interval.xs("upper", axis=1, level="bound")
    return point, lower, upper, fit_seconds, predict_seconds


def interval_scores(data, lower, upper, coverage):
    """Per-series coverage, MSIS and mean width (in MASE scale units)."""
    from seqforecast.metrics import coverage as covered_fraction
    from seqforecast.metrics import msis

    raw = dict(multioutput="raw_values")
    covered = covered_fraction(data.y_test, lower, upper, **raw)
    scores = msis(data.y_test, lower, upper, y_train=data.y_train,
                  seasonal_period=data.seasonal_period, alpha=1 - coverage, **raw)
    actual = data.y_test.to_numpy()
    inside = (lower.to_numpy() <= actual) & (actual <= upper.to_numpy())
    return covered, scores, inside.mean(axis=1)


def plot_coverage_by_step(steps, nominal, path, title):
    """Coverage by forecast step, one line per model, the nominal level dashed."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib not installed: coverage plot skipped", file=sys.stderr)
        return
    fig, ax = plt.subplots(figsize=(7, 4))
    steps.plot(ax=ax, marker="o", markersize=3)
    ax.axhline(nominal, color="black", linestyle="--", linewidth=1, label="nominal")
    ax.set_xlabel("forecast step")
    ax.set_ylabel("coverage")
    ax.set_title(title)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main(argv=None):
    parser = study_parser("benchmarks.intervals", __doc__, MODELS)
    parser.add_argument("--coverage", type=float, default=0.95)
    parser.add_argument("--n-windows", type=int, default=10,
                        help="calibration origins of the conformal model")
    args = parser.parse_args(argv)
    if not 0 < args.coverage < 1:
        parser.error(f"--coverage must be in (0, 1), got {args.coverage}")
    models, data, stem, command = start_study(parser, args, MODELS, argv, kind="_intervals")
    print(f"M3 {args.category}: {data.n_series} series, horizon {data.horizon}, "
          f"{args.coverage:.0%} intervals", file=sys.stderr)
    rows, per_series, by_step = [], [], {}
    for name in models:
        point, lower, upper, fit_s, predict_s = run_model(
            name, data, coverage=args.coverage, seed=args.seed, n_jobs=args.n_jobs,
            n_windows=args.n_windows,
        )
        covered, scores, steps = interval_scores(data, lower, upper, args.coverage)
        smapes, mases, _ = score(data, point)
        rows.append({
            "model": name, "n_series": data.n_series, "nominal": args.coverage,
            "coverage": round(float(np.mean(covered)), 4),
            "msis": round(float(np.mean(scores)), 3),
            "msis_median": round(float(np.median(scores)), 3),
            "smape": round(float(np.mean(smapes)), 3), "mase": round(float(np.mean(mases)), 4),
            "fit_seconds": round(fit_s, 1), "predict_seconds": round(predict_s, 2),
            "machine": machine(), "command": command, "date": dt.date.today().isoformat(),
        })
        per_series.append(pd.DataFrame({"model": name, "series": data.y_test.columns,
                                        "coverage": covered, "msis": scores}))
        by_step[name] = steps
        print(f"{name:>15}: coverage {rows[-1]['coverage']:.3f}  MSIS {rows[-1]['msis']:.3f}  "
              f"sMAPE {rows[-1]['smape']:.2f}  fit {fit_s:.1f} s", file=sys.stderr)
        # Written after every model, so a long run keeps what it finished.
        table, steps = write_results(args.out, stem, rows, per_series, by_step,
                                     horizon=data.horizon, append=args.append)
    plot_coverage_by_step(
        steps, args.coverage, args.out / f"{stem}_by_step.png",
        f"M3 {args.category} ({data.n_series} series): coverage of "
        f"{args.coverage:.0%} intervals by step",
    )
    print(table[["model", "n_series", "coverage", "msis", "msis_median", "smape", "mase",
                 "fit_seconds"]].to_string(index=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
