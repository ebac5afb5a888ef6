"""Classical baselines against statsforecast: CPU time and accuracy, same series.

One command::

    python -m benchmarks.classical_speed --n-series 100 --seed 0

fits, on each sampled M3 monthly series (:func:`seqforecast.datasets.load_m3`,
``n_series``, ``random_state=seed``; horizon 18, period 12), in turn:
``ARIMAForecaster(seasonal_period=12)``, statsforecast's
``AutoARIMA(season_length=12)``, ``ETSForecaster(seasonal_period=12)`` and
statsforecast's ``AutoETS(season_length=12)``. Everything runs in this one
process with one thread (``OMP_NUM_THREADS=1`` and threadpoolctl), the models
interleaved series by series so that a busy machine slows them alike. Each
model's fit and 18-step forecast are timed together, CPU time
(``time.process_time``) and wall clock; the forecasts are scored with
seqforecast's sMAPE and MASE (scaled by the in-sample seasonal-naive error).

Writes ``benchmarks/results/classical_speed.csv`` (one row per model, with
the ratios of CPU time to the statsforecast counterpart) and
``classical_speed_per_series.csv`` (one row per series and model, with the
model each chose); ``--out`` changes the prefix. ``--validation`` scores on
the validation split of the training part instead (the last 18 points of each
training series held out, as ``benchmarks.tune`` does; the competition's
test part is not read).
"""

from __future__ import annotations

from benchmarks import _cli

_cli.one_thread_per_library()  # before numpy is imported

import argparse  # noqa: E402
import datetime  # noqa: E402
import os  # noqa: E402
import platform  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
MODELS = ("arima", "sf_arima", "ets", "sf_ets")
LABELS = {
    "arima": "ARIMAForecaster(seasonal_period=12)",
    "sf_arima": "statsforecast AutoARIMA(season_length=12)",
    "ets": "ETSForecaster(seasonal_period=12)",
    "sf_ets": "statsforecast AutoETS(season_length=12)",
}
# Ours against its statsforecast counterpart.
PAIRS = {"arima": "sf_arima", "ets": "sf_ets"}


def _ours(kind, values, horizon, period):
    from seqforecast.baselines import ARIMAForecaster, ETSForecaster

    if kind == "arima":
        model = ARIMAForecaster(seasonal_period=period).fit(None, values)
        spec = model.orders_[0]
    else:
        model = ETSForecaster(seasonal_period=period).fit(None, values)
        spec = tuple(model.specs_[0].values())
    return model.predict(np.empty((horizon, 0))), str(spec)


def _statsforecast(kind, values, horizon, period):
    from statsforecast.models import AutoARIMA, AutoETS

    model = AutoARIMA(season_length=period) if kind == "sf_arima" else AutoETS(
        season_length=period
    )
    model.fit(values)
    return model.predict(horizon)["mean"], ""


def run_one(kind, values, horizon, period):
    """(forecast, CPU s, wall s, chosen model) of one fit and forecast."""
    fit = _statsforecast if kind.startswith("sf_") else _ours
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wall, cpu = time.perf_counter(), time.process_time()
        forecast, spec = fit(kind, values, horizon, period)
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    return np.asarray(forecast, dtype=float), cpu, wall, spec


def machine():
    name = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            name = next(line.split(":", 1)[1].strip() for line in f if "model name" in line)
    except (OSError, StopIteration):
        pass
    return f"{os.cpu_count()}-core {name} CPU, Python {platform.python_version()}"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-series", type=int, default=100, help="series sampled (1-1428)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the sample")
    parser.add_argument("--models", default=",".join(MODELS),
                        help=f"comma-separated subset of {','.join(MODELS)}")
    parser.add_argument("--out", default=str(RESULTS / "classical_speed"),
                        help="prefix of the two CSV files written")
    parser.add_argument("--validation", action="store_true",
                        help="score on the last horizon of the training part, not the test part")
    args = parser.parse_args(argv)
    chosen = _cli.names(parser, args.models, MODELS, "models")
    kinds = [k for k in MODELS if k in chosen]

    from seqforecast.datasets import load_m3
    from seqforecast.metrics import mase, smape

    data = load_m3("monthly", n_series=args.n_series, random_state=args.seed)
    if args.validation:
        from benchmarks.tune import validation_split

        data = validation_split(data)
    period, horizon = data.seasonal_period, data.horizon
    columns = list(data.y_train.columns)
    series = [data.y_train[name].dropna().to_numpy(dtype=float) for name in columns]

    forecasts = {k: np.empty((horizon, len(series))) for k in kinds}
    rows = []
    with threadpool_limits(limits=1):
        # Imports and first-call set-up outside the timings.
        for kind in kinds:
            run_one(kind, series[0], horizon, period)
        start = time.perf_counter()
        for j, (name, values) in enumerate(zip(columns, series, strict=True)):
            for kind in kinds:
                forecast, cpu, wall, spec = run_one(kind, values, horizon, period)
                forecasts[kind][:, j] = forecast
                rows.append({"series": name, "model": kind, "n_obs": len(values),
                             "cpu_s": cpu, "wall_s": wall, "spec": spec})
            print(f"\r{j + 1}/{len(series)} series", end="", file=sys.stderr, flush=True)
        elapsed = time.perf_counter() - start
    print(file=sys.stderr)

    per_series = pd.DataFrame(rows)
    for kind in kinds:
        f = pd.DataFrame(forecasts[kind], index=data.y_test.index, columns=columns)
        sel = per_series["model"] == kind
        per_series.loc[sel, "smape"] = smape(data.y_test, f, multioutput="raw_values")
        per_series.loc[sel, "mase"] = mase(data.y_test, f, y_train=data.y_train,
                                           seasonal_period=period, multioutput="raw_values")

    command = "python -m benchmarks.classical_speed " + " ".join(
        sys.argv[1:] if argv is None else argv
    )
    summary = per_series.groupby("model", sort=False).agg(
        cpu_median_s=("cpu_s", "median"), cpu_mean_s=("cpu_s", "mean"),
        wall_median_s=("wall_s", "median"), wall_mean_s=("wall_s", "mean"),
        smape=("smape", "mean"), mase=("mase", "mean"),
    ).reset_index()
    summary.insert(1, "label", summary["model"].map(LABELS))
    summary.insert(2, "n_series", len(series))
    cpu_mean = dict(zip(summary["model"], summary["cpu_mean_s"], strict=True))
    cpu_median = dict(zip(summary["model"], summary["cpu_median_s"], strict=True))
    summary["cpu_mean_ratio"] = [
        cpu_mean[k] / cpu_mean[PAIRS[k]] if PAIRS.get(k) in cpu_mean else np.nan
        for k in summary["model"]
    ]
    summary["cpu_median_ratio"] = [
        cpu_median[k] / cpu_median[PAIRS[k]] if PAIRS.get(k) in cpu_median else np.nan
        for k in summary["model"]
    ]
    summary["command"] = command
    summary["machine"] = machine()
    summary["date"] = datetime.date.today().isoformat()

    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    summary.to_csv(f"{args.out}.csv", index=False, float_format="%.4g")
    per_series.to_csv(f"{args.out}_per_series.csv", index=False, float_format="%.6g")

    print(f"command: {command}")
    print(f"machine: {machine()}")
    split = "validation split" if args.validation else "test part"
    print(f"M3 monthly ({split}), {len(series)} series (seed {args.seed}), horizon {horizon}, "
          f"one process, one thread; total wall {elapsed:.0f} s")
    print("| model | CPU s per series (median / mean) | ratio to statsforecast "
          "(median / mean) | sMAPE | MASE |")
    print("| --- | --- | --- | --- | --- |")
    for r in summary.itertuples():
        ratio = "" if np.isnan(r.cpu_mean_ratio) else (
            f"{r.cpu_median_ratio:.2f}x / {r.cpu_mean_ratio:.2f}x"
        )
        print(f"| `{r.label}` | {r.cpu_median_s:.3f} / {r.cpu_mean_s:.3f} | {ratio} | "
              f"{r.smape:.2f} | {r.mase:.3f} |")
    print(f"results: {args.out}.csv, {args.out}_per_series.csv")
    return 0


if __name__ == "__main__":
    sys.exit(main())
