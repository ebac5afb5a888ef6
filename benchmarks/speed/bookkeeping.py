"""The work around the models on large panels: this checkout against another.

Everything a forecaster does besides estimating its model, on the sizes
where it used to cost more than the model: reading a long panel's time
grid (fit, update, metrics), validating a wide frame, the seasonal profile
of many short series and of one long one, scoring a backtest of a ragged
long panel, smoothing fitted ETS models over new data, updating an
ensemble, the bounds of a series-pooled conformal forecaster, and reading
a long history's time index.

Each case runs in a fresh process, once with this checkout's seqforecast
and once with the checkout given by ``--checkout`` (a git worktree of an
older commit), alternating, ``--repeats`` times, with the libraries imported
and the data built before the timed call; the table gives the median
seconds of each and their ratio. ``backtest_ragged`` also gives the peak
memory the call added (VmHWM, Linux). Run from the repository root::

    git worktree add ../seqforecast-before e8d5c31
    python -m benchmarks.speed.bookkeeping --checkout ../seqforecast-before --repeats 3

Results go to ``benchmarks/speed/results/bookkeeping.csv``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.speed._common import (
    RESULTS,
    machine_info,
    proc_status_mb,
    reset_peak_rss,
    write_csv,
)


def _long_panel(n_series, n_steps, seed=0):
    import numpy as np
    import pandas as pd

    times = pd.date_range("2000-01", periods=n_steps, freq="MS")
    index = pd.MultiIndex.from_product([np.arange(n_series), times], names=["series", "time"])
    values = np.random.default_rng(seed).random(len(index)) + 1
    return pd.Series(values, index=index, name="y")


def _wide_panel(n_series, n_steps, seed=0):
    import numpy as np
    import pandas as pd

    values = np.random.default_rng(seed).random((n_steps, n_series)) + 1
    return pd.DataFrame(values, index=pd.date_range("2000-01", periods=n_steps, freq="MS"))


def _timed(func):
    start = time.perf_counter()
    func()
    return time.perf_counter() - start


def _next_rows(y, n_steps):
    """One new step of a wide or long panel, after its last."""
    import pandas as pd

    if isinstance(y.index, pd.MultiIndex):
        ids = y.index.get_level_values(0).unique()
        after = y.index.get_level_values(1).max() + pd.offsets.MonthBegin(1)
        index = pd.MultiIndex.from_product([ids, [after]], names=y.index.names)
        return pd.Series(1.5, index=index, name=y.name)
    after = pd.date_range(y.index[-1], periods=n_steps + 1, freq="MS")[1:]
    return pd.DataFrame(1.5, index=after, columns=y.columns)


def case_long_fit(n):
    from seqforecast import NaiveForecaster

    y = _long_panel(n, 30)
    return {"seconds": _timed(lambda: NaiveForecaster(strategy="seasonal").fit(None, y))}


def case_long_update(n):
    from seqforecast import NaiveForecaster

    y = _long_panel(n, 30)
    model = NaiveForecaster(strategy="seasonal").fit(None, y)
    new = _next_rows(y, 1)
    return {"seconds": _timed(lambda: model.update(None, new))}


def case_long_smape(n):
    from seqforecast import smape

    y = _long_panel(n, 20)
    return {"seconds": _timed(lambda: smape(y, y * 1.1))}


def case_wide_update(n):
    from seqforecast import NaiveForecaster

    y = _wide_panel(n, 30)
    model = NaiveForecaster().fit(None, y)
    new = _next_rows(y, 1)
    return {"seconds": _timed(lambda: model.update(None, new))}


def case_profile_many(n):
    import numpy as np

    from seqforecast._seasonal import SeasonalProfile

    rng = np.random.default_rng(0)
    t = np.arange(60)
    y = 10 + np.sin(2 * np.pi * t / 12)[:, None] + rng.normal(size=(60, n)) * 0.5
    return {"seconds": _timed(lambda: SeasonalProfile(y, 12))}


def case_profile_long(n):
    import numpy as np

    from seqforecast._seasonal import SeasonalProfile

    t = np.arange(n)
    y = 10 + np.sin(2 * np.pi * t / 24) + np.random.default_rng(0).normal(size=n)
    return {"seconds": _timed(lambda: SeasonalProfile(y[:, None], 24))}


def case_backtest_ragged(n):
    import numpy as np
    import pandas as pd

    from seqforecast import ForecastSplitter, NaiveForecaster, backtest

    rng = np.random.default_rng(0)
    end = pd.Timestamp("2000-04-09")
    parts = {k: pd.Series(rng.random(100) + 1, index=pd.date_range(end=end, periods=100))
             for k in range(n)}
    parts["long"] = pd.Series(rng.random(40_000) + 1, index=pd.date_range(end=end, periods=40_000))
    y = pd.concat(parts, names=["series", "time"])
    cv = ForecastSplitter(horizon=6, n_splits=3)
    # Peak RSS the call adds (VmHWM reset first), without tracemalloc's slowdown.
    before = proc_status_mb("VmRSS")
    reset_peak_rss()
    seconds = _timed(lambda: backtest(NaiveForecaster(), None, y, cv=cv))
    return {"seconds": seconds, "peak_mb": proc_status_mb("VmHWM") - before}


def _m3_monthly(n):
    from seqforecast.datasets import load_m3

    return load_m3("monthly").y_train.iloc[:, :n]


def case_ets_update(n):
    from seqforecast import ETSForecaster

    y = _m3_monthly(n)
    model = ETSForecaster(seasonal_period=12).fit(None, y.iloc[:-1])
    return {"seconds": _timed(lambda: model.update(None, y.iloc[-1:]))}


def case_ensemble_update(n):
    from seqforecast import EnsembleForecaster, ETSForecaster, LSTMForecaster, NaiveForecaster

    y = _m3_monthly(n)
    members = [("naive", NaiveForecaster(strategy="seasonal")),
               ("ets", ETSForecaster(seasonal_period=12)),
               ("lstm", LSTMForecaster(max_epochs=1, windows_per_epoch=64, random_state=0))]
    model = EnsembleForecaster(members).fit(None, y.iloc[:-1])
    return {"seconds": _timed(lambda: model.update(None, y.iloc[-1:]))}


def case_conformal_series(n):
    import pandas as pd

    from seqforecast import ConformalForecaster, NaiveForecaster

    y = _wide_panel(n, 40)
    model = ConformalForecaster(NaiveForecaster(), horizon=6, n_windows=10,
                                pooling="series").fit(None, y)
    future = pd.DataFrame(index=pd.date_range(y.index[-1], periods=7, freq="MS")[1:])
    return {"seconds": _timed(lambda: model.predict_interval(future, coverage=0.8))}


def case_long_history(n):
    import numpy as np
    import pandas as pd

    from seqforecast import NaiveForecaster

    index = pd.date_range("1900-01-01", periods=n, freq="h")
    model = NaiveForecaster().fit(None, pd.Series(np.random.default_rng(0).random(n), index=index))
    model.forecast(6)  # the first read of the index is the same work before and after
    return {"seconds": _timed(lambda: model.forecast(6))}


# name -> (function, size, what the size counts)
CASES = {
    "long_fit": (case_long_fit, 100_000, "series of 30 months, long layout"),
    "long_update": (case_long_update, 100_000, "series of 30 months, long layout"),
    "long_smape": (case_long_smape, 30_000, "series of 20 months, long layout"),
    "wide_update": (case_wide_update, 100_000, "series of 30 months, wide DataFrame"),
    "profile_many": (case_profile_many, 30_000, "seasonal series of 60 points"),
    "profile_long": (case_profile_long, 200_000, "hourly points, period 24"),
    "backtest_ragged": (case_backtest_ragged, 2_000, "series of 100 days and one of 40,000"),
    "ets_update": (case_ets_update, 100, "M3 monthly series, one new month"),
    "ensemble_update": (case_ensemble_update, 100, "M3 monthly series (naive, ETS, LSTM)"),
    "conformal_series": (case_conformal_series, 20_000, "series of 40 months"),
    "long_history": (case_long_history, 1_000_000, "hourly points of one series, forecast(6)"),
}


def child(name):
    import warnings

    import torch

    import seqforecast

    torch.set_num_threads(1)
    # The libraries the cases call into, imported before any timing.
    import statsmodels.tsa.exponential_smoothing.ets
    import statsmodels.tsa.seasonal
    import statsmodels.tsa.stattools  # noqa: F401

    func, size, _ = CASES[name]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = func(size)
    result["seqforecast"] = str(Path(seqforecast.__file__).parent.parent)
    print(json.dumps(result))


def _run(name, checkout):
    extra = ["--checkout", checkout] if checkout else []
    out = subprocess.run(
        [sys.executable, "-m", "benchmarks.speed.bookkeeping", "--child", name, *extra],
        capture_output=True, text=True, env=dict(os.environ, OMP_NUM_THREADS="1"),
    )
    if out.returncode:
        raise RuntimeError(f"{name} failed ({checkout or 'this checkout'}): "
                           f"{out.stderr.strip().splitlines()[-1:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkout", default=None,
                        help="another checkout to measure beside this one (e.g. a worktree)")
    parser.add_argument("--cases", default=",".join(CASES))
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--out", type=Path, default=RESULTS / "bookkeeping.csv")
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        if args.checkout:  # that checkout's seqforecast, ahead of this one's
            sys.path.insert(0, str(Path(args.checkout).resolve()))
        child(args.child)
        return 0
    checkout = str(Path(args.checkout).resolve()) if args.checkout else None
    arms = ([("before", checkout)] if checkout else []) + [("after", None)]
    rows = []
    for name in args.cases.split(","):
        _, size, what = CASES[name]
        runs = {arm: [] for arm, _ in arms}
        for _ in range(args.repeats):
            for arm, path in arms:
                runs[arm].append(_run(name, path))
        row = {"case": name, "size": size, "what": what}
        for arm, _ in arms:
            row[f"{arm}_s"] = round(statistics.median(r["seconds"] for r in runs[arm]), 4)
            if "peak_mb" in runs[arm][0]:
                row[f"{arm}_peak_mb"] = round(
                    statistics.median(r["peak_mb"] for r in runs[arm]), 1)
        if checkout:
            row["ratio"] = round(row["before_s"] / row["after_s"], 2)
        row.update(machine_info())
        row["command"] = "python -m benchmarks.speed.bookkeeping " + " ".join(
            a for a in (argv if argv is not None else sys.argv[1:]))
        rows.append(row)
        print({k: row[k] for k in row if k in ("case", "before_s", "after_s", "ratio",
                                                "before_peak_mb", "after_peak_mb")},
              flush=True)
    columns = list(dict.fromkeys(key for row in rows for key in row))
    write_csv(args.out, [{key: row.get(key, "") for key in columns} for row in rows])
    return 0


if __name__ == "__main__":
    sys.exit(main())
