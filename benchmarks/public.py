"""Defaults on statsmodels' bundled series, loaded as a user loads them.

No choice of this project looked at these data. Each dataset is read from
``statsmodels.api.datasets`` and shaped the way a notebook would shape it
(the steps are in :func:`load`), then the last ``h`` observations are held
out and every model is fitted on the rest three ways: with the hints
(``seasonal_period`` and ``horizon``), with the dated index alone, and bare
(a ``RangeIndex``, nothing given)::

    python -m benchmarks.public
    python -m benchmarks.public --datasets macrodata --models lstm,gru --seeds 0,1,2

Datasets (``h``, period):

- ``co2`` -- Mauna Loa CO2, weekly 1958-2001, gaps interpolated, averaged to
  months (``resample("MS").mean()``): 526 months (h 24, period 12);
- ``co2-weekly`` -- the same weekly, 2,284 weeks (h 52, period 52);
- ``elnino`` -- sea surface temperature, 61 years of 12 month columns
  melted into one monthly series of 732 months (h 24, period 12);
- ``sunspots`` -- yearly sunspot numbers 1700-2008, 309 years (h 11,
  period 1: the 11-year cycle is no calendar season);
- ``nile`` -- yearly Nile flow 1871-1970, 100 years (h 10, period 1);
- ``macrodata`` -- a panel of the 12 US quarterly macro series 1959-2009,
  203 quarters, seasonally adjusted (h 8, period 4 for the hints: what the
  calendar says; the data hold no season).

Models: ``lstm``, ``gru`` (the defaults, ``random_state`` = seed),
``snaive`` (seasonal naive with a period, the last value without),
``theta``, ``ets`` and ``preset-fast`` (:func:`seqforecast.make_ensemble`), built
by ``benchmarks.accuracy.make_model`` as the M3 runner builds them.
MASE is scaled by each series' in-sample naive error of the dataset's
period (of lag 1 where it has none) and averaged over a panel's series.
``--study KEY=VALUE`` (repeatable) sets a rule of ``benchmarks._study`` for
every fit (``--study few_nonseasonal_back=None``: the lookback of little
data without a season before its cap of 12 steps). Rows go to
``benchmarks/results/public.csv``. ``--origins K`` forecasts from ``K``
origins, ``h // 2`` steps apart and ending with the holdout above (one
holdout is one draw of the future: El Nino's is the networks' worst), and
writes a row per origin to ``benchmarks/results/public_origins.csv``::

    python -m benchmarks.public --datasets elnino --origins 8 --given dated
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from benchmarks import _cli

RESULTS = Path(__file__).resolve().parent / "results"
# name -> (h, period)
DATASETS = {"co2": (24, 12), "co2-weekly": (52, 52), "elnino": (24, 12),
            "sunspots": (11, 1), "nile": (10, 1), "macrodata": (8, 4)}
MODELS = ("lstm", "gru", "snaive", "theta", "ets", "preset-fast")
CLASSICAL = ("snaive", "theta", "ets")
WAYS = ("hints", "dated", "bare")


def load(name):
    """The dataset as a user would shape it: a dated Series, or a dated DataFrame (a panel)."""
    import statsmodels.api as sm

    if name in ("co2", "co2-weekly"):
        weekly = sm.datasets.co2.load_pandas().data["co2"].interpolate()
        return weekly.asfreq("W-SAT") if name == "co2-weekly" else weekly.resample("MS").mean()
    if name == "elnino":
        wide = sm.datasets.elnino.load_pandas().data
        long = wide.melt(id_vars="YEAR", var_name="month", value_name="temperature")
        long.index = pd.to_datetime(long["YEAR"].astype(int).astype(str) + long["month"],
                                    format="%Y%b")
        return long.sort_index()["temperature"].asfreq("MS")
    if name == "sunspots":
        data = sm.datasets.sunspots.load_pandas().data
        return pd.Series(data["SUNACTIVITY"].to_numpy(),
                         index=pd.period_range(str(int(data["YEAR"].iloc[0])),
                                               periods=len(data), freq="Y"), name="sunspots")
    if name == "nile":
        data = sm.datasets.nile.load_pandas().data
        return pd.Series(data["volume"].to_numpy(),
                         index=pd.period_range(str(int(data["year"].iloc[0])),
                                               periods=len(data), freq="Y"), name="nile")
    if name == "macrodata":
        data = sm.datasets.macrodata.load_pandas().data
        index = pd.period_range(f"{int(data['year'].iloc[0])}Q{int(data['quarter'].iloc[0])}",
                                periods=len(data), freq="Q")
        return data.drop(columns=["year", "quarter"]).set_index(index)
    raise ValueError(f"unknown dataset {name!r}; choose from {list(DATASETS)}")


def _scores(test, forecast, train, period):
    """Mean sMAPE and MASE over the series (MASE of lag ``period``), on the values alone."""
    from seqforecast.metrics import mase, smape

    test, forecast, train = (np.asarray(a, float) for a in (test, forecast, train))
    return (float(np.mean(smape(test, forecast, multioutput="raw_values"))),
            float(np.mean(mase(test, forecast, y_train=train, seasonal_period=period,
                               multioutput="raw_values"))))


def origins_of(n, h, n_origins):
    """Rows where the forecasts start: the last holds out the final ``h``
    observations, the others are ``max(1, h // 2)`` steps apart before it."""
    step = max(1, h // 2)
    return [n - h - k * step for k in reversed(range(n_origins))]


def run(names, models, seeds, out, command, given=WAYS, study=None, n_origins=1):
    import torch

    from benchmarks import _study
    from benchmarks.accuracy import make_model

    torch.set_num_threads(1)
    rows = []
    for name in names:
        h, period = DATASETS[name]
        y = load(name)
        for origin in origins_of(len(y), h, n_origins):
            train, test = y.iloc[:origin], y.iloc[origin:origin + h]
            bare = train.reset_index(drop=True)
            future = pd.RangeIndex(len(train), len(train) + h)
            ways = {"hints": (bare, future), "dated": (train, test.index), "bare": (bare, future)}
            for model in models:
                for way in given:
                    history, future_index = ways[way]
                    for seed in seeds[:1] if model in CLASSICAL else seeds:
                        f = make_model(model, horizon=h, period=period, seed=seed, n_jobs=1,
                                       hints=way == "hints")
                        start = time.perf_counter()
                        with warnings.catch_warnings(), _study.rules(**(study or {})):
                            warnings.simplefilter("ignore")
                            forecast = f.fit(None, history).predict(
                                pd.DataFrame(index=future_index))
                        seconds = time.perf_counter() - start
                        network = getattr(f, "named_forecasters_", {}).get("gru", f)
                        smape, mase = _scores(test, forecast, train, period)
                        rows.append({
                            "dataset": name, "n_series": 1 if y.ndim == 1 else y.shape[1],
                            "n": len(train), "h": h, "period": period, "model": model,
                            "given": way, "seed": None if model in CLASSICAL else seed,
                            **({"origin": str(train.index[-1])} if n_origins > 1 else {}),
                            "seasonal_period_": f.seasonal_period_,
                            "horizon_": getattr(network, "horizon_", None),
                            "lookback_": getattr(network, "lookback_", None),
                            "smape": round(smape, 3), "mase": round(mase, 4),
                            "fit_seconds": round(seconds, 1), "command": command,
                            "date": dt.date.today().isoformat()})
                        print(rows[-1], file=sys.stderr, flush=True)
    # One holdout per dataset: public.csv; several origins: public_origins.csv.
    file = "public.csv" if n_origins == 1 else "public_origins.csv"
    table = _cli.append_rows(rows, out / file, command)
    print(table.pivot_table(index=["dataset", "model"], columns="given", values="mase",
                            sort=False).round(3).to_string())
    return table


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks.public", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--datasets", default=",".join(DATASETS),
                        help=f"from {', '.join(DATASETS)}")
    parser.add_argument("--models", default=",".join(MODELS), help=f"from {', '.join(MODELS)}")
    parser.add_argument("--seeds", default="0", help="comma-separated network seeds")
    parser.add_argument("--given", default=",".join(WAYS),
                        help=f"how the data are given, from {', '.join(WAYS)}")
    parser.add_argument("--origins", type=int, default=1,
                        help="forecast origins per dataset: 1 holds out the last h "
                        "observations; more add origins h // 2 steps apart before it "
                        "(rows to public_origins.csv)")
    parser.add_argument("--out", type=Path, default=RESULTS)
    _cli.add_study_option(parser)
    args = parser.parse_args(argv)
    study = _cli.study_rules(parser, args.study)
    names = _cli.names(parser, args.datasets, DATASETS, "datasets")
    models = _cli.names(parser, args.models, MODELS, "models")
    given = _cli.names(parser, args.given, WAYS, "ways of giving the data")
    seeds = [int(s) for s in args.seeds.split(",") if s.strip()]
    command = "python -m benchmarks.public " + " ".join(argv if argv is not None else sys.argv[1:])
    if args.origins < 1:
        parser.error(f"--origins must be at least 1, got {args.origins}")
    run(names, models, seeds, args.out, command.strip(), given, study, args.origins)
    return 0


if __name__ == "__main__":
    _cli.one_thread_per_library()
    sys.exit(main())
