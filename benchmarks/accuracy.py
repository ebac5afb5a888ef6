"""Accuracy benchmark on the M3 competition (DESIGN.md §3).

One command runs a study and writes its results::

    python -m benchmarks.accuracy --dataset m3 --category monthly
    python -m benchmarks.accuracy --dataset m3 --category quarterly --n-series 100 --seed 0

Every model goes through the public API: classical models fit one model per
series (in parallel with ``--n-jobs``), neural models are global (one fit on
the right-aligned training panel, one ``predict`` for all series). Forecasts
are made once, from the end of the competition's training part, and scored
on its test part with sMAPE and MASE as defined in DESIGN.md §3.

Results go to ``benchmarks/results/``: ``m3_<category>.csv`` (one row per
model), ``m3_<category>_per_series.csv`` (errors of every series),
``m3_<category>_by_step.csv`` and ``.png`` (sMAPE by forecast step). Runs on a
sample (``--n-series``) get a ``_n<N>_seed<S>`` suffix so they never
overwrite the full-run files.
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from benchmarks import _cli

RESULTS = Path(__file__).resolve().parent / "results"

# Published sMAPE on M3 (Makridakis & Hibon 2000; Hyndman's Mcomp vignette;
# Oreshkin et al. 2019 for N-BEATS), by category.
PUBLISHED = {
    "Theta": {"monthly": 13.85, "quarterly": 8.96, "yearly": 16.90, "other": 4.41},
    "B-J automatic ARIMA": {"monthly": 14.81, "quarterly": 10.26, "yearly": 17.73,
                            "other": 5.06},
    "N-BEATS": {"monthly": 13.19, "quarterly": 8.92, "yearly": 16.2, "other": 4.19},
}

CLASSICAL = ("snaive", "arima", "ets", "theta")
NEURAL = ("rnn", "lstm", "gru")
ENSEMBLE_SEEDS = (0, 1, 2)
# "gru+theta": the mean of the GRU's and Theta's forecasts, the classic
# combination of a learned and a statistical forecast; "preset-fast" and
# "preset-accurate": the package's make_ensemble presets.
PRESETS = ("preset-fast", "preset-accurate")
DEFAULT_MODELS = (*CLASSICAL, *NEURAL, "ensemble", "gru+theta", *PRESETS)
# The attention models of the encoders study, run on demand: the LSTM
# encoder-decoder with Luong attention, and the Transformer encoder (default
# multi-output head).
ENCODER_MODELS = ("lstm-seq2seq", "lstm-attention", "transformer")
KNOWN_MODELS = (*DEFAULT_MODELS, *ENCODER_MODELS)


def make_model(name, *, horizon, period, seed, n_jobs, hints=True):
    """A forecaster by benchmark name, with its default parameters.

    Without ``hints`` the models get neither the horizon nor the seasonal
    period: they find the season in the data, as for a user's panel with a
    plain integer index.
    """
    import seqforecast as sf

    if not hints:
        horizon = period = None
    if name == "snaive":
        if period is None:
            return sf.NaiveForecaster(strategy="seasonal")
        return sf.NaiveForecaster(strategy="seasonal" if period > 1 else "last",
                               seasonal_period=period)
    if name == "arima":
        return sf.ARIMAForecaster(seasonal_period=period, n_jobs=n_jobs, verbose=True)
    if name == "ets":
        return sf.ETSForecaster(seasonal_period=period, n_jobs=n_jobs, verbose=True)
    if name == "theta":
        return sf.ThetaForecaster(seasonal_period=period, n_jobs=n_jobs, verbose=True)
    if name in PRESETS:
        hint = {} if horizon is None else {"horizon": horizon, "seasonal_period": period}
        return sf.make_ensemble(name.removeprefix("preset-"), random_state=seed,
                                n_jobs=n_jobs, **hint)
    neural = {
        "rnn": lambda: sf.RNNForecaster(cell="rnn"),
        "lstm": sf.LSTMForecaster,
        "gru": sf.GRUForecaster,
        "lstm-seq2seq": lambda: sf.LSTMForecaster(strategy="seq2seq"),
        "lstm-attention": lambda: sf.LSTMForecaster(strategy="seq2seq", attention=True),
        "transformer": lambda: sf.RNNForecaster(encoder="transformer"),
    }[name]()
    return neural.set_params(horizon=horizon, seasonal_period=period, random_state=seed)


def run_model(name, data, *, seed, n_jobs, hints=True):
    """Fit on the training panel, forecast the test part: (forecast, fit s, predict s)."""
    model = make_model(name, horizon=data.horizon, period=data.seasonal_period,
                       seed=seed, n_jobs=n_jobs, hints=hints)
    horizon = pd.DataFrame(index=data.y_test.index)
    start = time.perf_counter()
    model.fit(None, data.y_train)
    fit_seconds = time.perf_counter() - start
    start = time.perf_counter()
    forecast = model.predict(horizon)
    return forecast, fit_seconds, time.perf_counter() - start


def score(data, forecast):
    """Per-series sMAPE and MASE, and per-step sMAPE averaged over series."""
    from seqforecast.metrics import mase, smape

    y_test, y_train = data.y_test, data.y_train
    smapes = smape(y_test, forecast, multioutput="raw_values")
    mases = mase(y_test, forecast, y_train=y_train, seasonal_period=data.seasonal_period,
                 multioutput="raw_values")
    actual, pred = y_test.to_numpy(), np.asarray(forecast, dtype=float)
    denom = np.abs(actual) + np.abs(pred)
    terms = np.where(denom > 0, 200 * np.abs(actual - pred) / np.where(denom > 0, denom, 1), 0)
    return smapes, mases, terms.mean(axis=1)


def _merge(out, stem, table, series_table, steps):
    """Existing results with this run's models replaced or added."""
    if not (out / f"{stem}.csv").exists():
        return table, series_table, steps
    models = set(table["model"])
    old = pd.read_csv(out / f"{stem}.csv")
    old_series = pd.read_csv(out / f"{stem}_per_series.csv")
    old_steps = pd.read_csv(out / f"{stem}_by_step.csv", index_col="step")
    table = pd.concat([old[~old["model"].isin(models)], table], ignore_index=True)
    series_table = pd.concat([old_series[~old_series["model"].isin(models)], series_table])
    steps = pd.concat([old_steps.drop(columns=list(models & set(old_steps.columns))), steps],
                      axis=1)
    return table, series_table, steps


def study_parser(module, doc, models, known=None):
    """Command-line options shared by the M3 studies (``models`` run by default)."""
    parser = _cli.category_parser(module, doc)
    parser.add_argument("--models", default=",".join(models),
                        help=f"comma-separated, from {', '.join(known or models)}")
    parser.add_argument("--n-series", type=int, default=None,
                        help="sample this many series (default: all)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--n-jobs", type=int, default=2,
                        help="processes for per-series classical fits")
    parser.add_argument("--threads", type=int, default=1, help="torch threads")
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--append", action="store_true",
                        help="add these models' rows to existing result files, replacing "
                             "rows of the same models")
    return parser


def start_study(parser, args, known_models, argv, kind=""):
    """Check the models, pin torch's threads, load the data.

    Returns (models, data, stem of the result files, command line).
    """
    models = _cli.names(parser, args.models, known_models, "models")

    import torch

    torch.set_num_threads(args.threads)
    from seqforecast.datasets import load_m3

    data = load_m3(args.category, n_series=args.n_series, random_state=args.seed)
    suffix = "" if args.n_series is None else f"_n{args.n_series}_seed{args.seed}"
    stem = f"m3_{args.category}{suffix}{kind}"
    command = f"python -m {parser.prog.split()[-1]} " + " ".join(
        sys.argv[1:] if argv is None else argv
    )
    return models, data, stem, command


def write_results(out, stem, rows, per_series, by_step, *, horizon, append):
    """Write the result files of a study; returns (table, by-step table).

    ``<stem>.csv`` (``rows``, one per model), ``<stem>_per_series.csv``
    (``per_series`` frames) and ``<stem>_by_step.csv`` (``by_step``: model ->
    one value per forecast step). With ``append``, the rows of other models
    already in the files are kept.
    """
    out.mkdir(parents=True, exist_ok=True)
    table = pd.DataFrame(rows)
    series_table = pd.concat(per_series)
    steps = pd.DataFrame(by_step, index=pd.RangeIndex(1, horizon + 1, name="step"))
    if append:
        table, series_table, steps = _merge(out, stem, table, series_table, steps)
    table.to_csv(out / f"{stem}.csv", index=False)
    series_table.to_csv(out / f"{stem}_per_series.csv", index=False)
    steps.to_csv(out / f"{stem}_by_step.csv")
    return table, steps


def machine():
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} cores"


def plot_by_step(steps, path, title):
    """sMAPE by forecast step, one line per model (distinct colours and markers)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 4.5))
    colours = plt.get_cmap("tab20").colors
    markers = "os^vDP*Xhp<>"
    for i, name in enumerate(steps.columns):
        ax.plot(steps.index, steps[name], label=name, color=colours[(2 * i) % 20 + i // 10],
                marker=markers[i % len(markers)], markersize=3, linewidth=1.2)
    ax.set_xlabel("forecast step")
    ax.set_ylabel("sMAPE")
    ax.set_title(title)
    ax.legend(fontsize=8, ncol=2)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main(argv=None):
    parser = study_parser("benchmarks.accuracy", __doc__, DEFAULT_MODELS, KNOWN_MODELS)
    parser.add_argument("--dataset", default="m3", choices=["m3"])
    parser.add_argument("--no-hints", action="store_true",
                        help="give the models neither horizon nor seasonal period (they "
                             "detect the season); results go to m3_<category>_nohints*")
    args = parser.parse_args(argv)

    models, data, stem, command = start_study(
        parser, args, KNOWN_MODELS, argv, kind="_nohints" if args.no_hints else ""
    )
    hints = not args.no_hints
    date = dt.date.today().isoformat()
    print(f"M3 {args.category}: {data.n_series} series, horizon {data.horizon}, "
          f"period {data.seasonal_period}", file=sys.stderr)

    rows, per_series, by_step, forecasts = [], [], {}, {}
    for name in models:
        if name == "ensemble":
            members, fit_total, predict_total = [], 0.0, 0.0
            for member in ("lstm", "gru"):
                for seed in ENSEMBLE_SEEDS:
                    f, fs, ps = run_model(member, data, seed=seed, n_jobs=args.n_jobs,
                                          hints=hints)
                    members.append(np.asarray(f, dtype=float))
                    fit_total += fs
                    predict_total += ps
            forecast = pd.DataFrame(np.median(members, axis=0), index=data.y_test.index,
                                    columns=data.y_test.columns)
            fit_seconds, predict_seconds = fit_total, predict_total
        elif name == "gru+theta":
            parts = [run_model(m, data, seed=args.seed, n_jobs=args.n_jobs, hints=hints)
                     for m in ("gru", "theta")]
            forecast = (parts[0][0] + parts[1][0]) / 2
            fit_seconds = sum(p[1] for p in parts)
            predict_seconds = sum(p[2] for p in parts)
        else:
            forecast, fit_seconds, predict_seconds = run_model(
                name, data, seed=args.seed, n_jobs=args.n_jobs, hints=hints
            )
        forecasts[name] = forecast
        smapes, mases, steps = score(data, forecast)
        rows.append({
            "model": name, "n_series": data.n_series,
            "smape": round(float(np.mean(smapes)), 3), "mase": round(float(np.mean(mases)), 4),
            "mase_median": round(float(np.median(mases)), 4),
            "fit_seconds": round(fit_seconds, 1), "predict_seconds": round(predict_seconds, 2),
            "machine": machine(), "command": command, "date": date,
        })
        per_series.append(pd.DataFrame({"model": name, "series": data.y_test.columns,
                                        "smape": smapes, "mase": mases}))
        by_step[name] = steps
        print(f"{name:>9}: sMAPE {rows[-1]['smape']:7.3f}  MASE {rows[-1]['mase']:.4f}  "
              f"fit {fit_seconds:7.1f} s", file=sys.stderr)
        # Written after every model, so a long run keeps what it finished.
        table, steps = write_results(args.out, stem, rows, per_series, by_step,
                                     horizon=data.horizon, append=args.append)
    try:
        plot_by_step(steps, args.out / f"{stem}_by_step.png",
                     f"M3 {args.category} ({data.n_series} series): sMAPE by step")
    except ImportError:
        print("matplotlib not installed: by-step plot skipped", file=sys.stderr)
    print(table[["model", "n_series", "smape", "mase", "mase_median", "fit_seconds",
                 "predict_seconds"]].to_string(index=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
