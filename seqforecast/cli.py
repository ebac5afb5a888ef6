"""The ``seqforecast`` command line.

Two subcommands:

``seqforecast compare``
    Backtest the forecasters on one series (the bundled AirPassengers, or a
    CSV): hold out the last observations, fit every model on the rest, and
    print sMAPE, MASE and fit time, best first; save a plot of the forecasts.
``seqforecast forecast FILE``
    Fit one model on a whole CSV series and write its forecasts as CSV.

Bad input (a missing file or column, unparseable or irregular timestamps,
missing values, a series too short for the holdout or the model, an unknown
model) ends with one line ``seqforecast: error: ...`` on stderr and exit
status 2, never a traceback. Progress goes to stderr, results to stdout.

The parser is built from the standard library alone (models are named by
plain strings), and ``import seqforecast`` loads nothing else, so ``--help``,
``--version`` and usage errors answer without loading pandas, scikit-learn,
statsmodels or torch. Each command imports what it needs once its arguments
are checked: statsmodels when a classical model is fitted, torch when a
neural one is, matplotlib when a plot is saved.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

__all__ = ["main"]

PROG = "seqforecast"

MODEL_NAMES = ("naive", "arima", "ets", "theta", "lstm", "gru")

# ARIMA is the default single-series model: automatic order selection handles
# trend and seasonality, it needs no tuning or seed, and it fits in seconds.
# The recurrent networks learn across many series and shine on panels; on one
# short series they are slower and depend on the seed.
DEFAULT_FORECAST_MODEL = "arima"

# Horizon (and holdout) when the data have no seasonal period: the M3
# competition's horizon for yearly data.
NONSEASONAL_HORIZON = 6

_MODEL_HELP = """\
models:
  naive   seasonal naive (repeats the last season); last-value naive when the
          data have no seasonal period
  arima   ARIMA with automatic order selection (statsmodels)
  ets     exponential smoothing (statsmodels)
  theta   the Theta method (statsmodels)
  lstm    LSTM network (horizon = the forecast length, random_state = --seed)
  gru     GRU network (the same settings)

The seasonal period comes from the frequency of the time index: 12 for
monthly data, 4 quarterly, 52 weekly, 7 daily, 24 hourly, none for yearly.
"""


# ----------------------------------------------------------------- parser
def _positive_int(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {value}")
    return value


def _build_parser():
    from seqforecast import __version__

    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Forecast time series with recurrent networks and classical baselines.",
        epilog="Run 'seqforecast COMMAND --help' for the options of a command.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    formatter = argparse.RawDescriptionHelpFormatter

    compare = commands.add_parser(
        "compare",
        help="backtest the forecasters on one series and print their accuracy",
        description=(
            "Hold out the last observations of a series, fit each model on the rest,\n"
            "forecast the held-out part and print sMAPE (percent), MASE (scaled by the\n"
            "in-sample seasonal-naive error) and fit time, best sMAPE first, and save a\n"
            "plot of the forecasts. Without --csv the bundled AirPassengers series is\n"
            "used (monthly, 1949-1960; the last 12 months held out)."
        ),
        epilog=_MODEL_HELP,
        formatter_class=formatter,
    )
    _add_data_arguments(compare, csv_option=True)
    compare.add_argument(
        "--holdout",
        type=_positive_int,
        metavar="H",
        help=(
            "number of final observations held out and forecast (default: the seasonal "
            f"period, e.g. 12 for monthly data; {NONSEASONAL_HORIZON} when there is none)"
        ),
    )
    compare.add_argument(
        "--models",
        default=",".join(MODEL_NAMES),
        metavar="M1,M2,...",
        help=f"comma-separated models to compare (default: {','.join(MODEL_NAMES)})",
    )
    compare.add_argument(
        "--seed", type=int, default=0, help="random seed of the neural models (default: 0)"
    )
    plot = compare.add_mutually_exclusive_group()
    plot.add_argument(
        "--plot",
        default="forecast.png",
        metavar="PATH",
        help=(
            "where to save the plot of the forecasts, needs matplotlib "
            "(default: forecast.png in the current directory)"
        ),
    )
    plot.add_argument("--no-plot", action="store_true", help="do not save a plot")
    compare.set_defaults(run=_run_compare)

    forecast = commands.add_parser(
        "forecast",
        help="fit one model on a CSV series and write its forecasts as CSV",
        description=(
            "Fit one model on the whole series of a CSV file and write the forecasts of\n"
            "the next H steps as CSV, with the columns TIME_COL and 'forecast'."
        ),
        epilog=_MODEL_HELP,
        formatter_class=formatter,
    )
    forecast.add_argument("file", metavar="FILE", help="CSV file with a header row")
    _add_data_arguments(forecast, csv_option=False)
    forecast.add_argument(
        "--model",
        default=DEFAULT_FORECAST_MODEL,
        metavar="M",
        help=(
            f"model to fit, one of {', '.join(MODEL_NAMES)} (default: "
            f"{DEFAULT_FORECAST_MODEL}: automatic order, no tuning or seed, seconds to fit)"
        ),
    )
    forecast.add_argument(
        "--horizon",
        type=_positive_int,
        metavar="H",
        help=(
            "number of future steps (default: the seasonal period, e.g. 12 for monthly "
            f"data; {NONSEASONAL_HORIZON} when there is none)"
        ),
    )
    forecast.add_argument(
        "--output",
        "-o",
        metavar="OUT.csv",
        help="file to write the forecasts to (default: standard output)",
    )
    forecast.add_argument(
        "--seed", type=int, default=0, help="random seed of the neural models (default: 0)"
    )
    forecast.set_defaults(run=_run_forecast)
    return parser


def _add_data_arguments(parser, *, csv_option):
    if csv_option:
        parser.add_argument(
            "--csv",
            metavar="FILE",
            help="CSV file with a header row (default: the bundled AirPassengers series)",
        )
    required = not csv_option
    parser.add_argument(
        "--time-col",
        required=required,
        metavar="COL",
        help="column of timestamps (parsed as dates; rows are sorted by it)",
    )
    parser.add_argument(
        "--target", required=required, metavar="COL", help="column of the values to forecast"
    )
    parser.add_argument(
        "--freq",
        metavar="F",
        help=(
            "pandas frequency of the timestamps, e.g. D, W-SUN, MS, QS, YS, h "
            "(default: inferred from the time column)"
        ),
    )


# ------------------------------------------------------------------- data
def _fmt_time(ts):
    """A timestamp without its time of day when that is midnight."""
    return str(ts.date()) if ts == ts.normalize() else str(ts)


def _line_of(frame, row):
    """Line number in the CSV file of ``frame``'s row label ``row`` (header = 1)."""
    return frame.index.get_loc(row) + 2


def _fmt_delta(delta):
    if delta == delta.floor("D"):
        return f"{delta.days} day(s)"
    return str(delta)


def _load_csv(path, time_col, target, freq=None):
    """Read one regularly spaced series from a CSV file.

    The time column is parsed as dates (integers such as years are read as
    text, so ``1990`` means the year 1990, and so are whole numbers written
    with a decimal point, ``1990.0``; other numbers such as ``1990.5`` are
    an error, never nanoseconds since 1970), rows are sorted by it, and the
    frequency is inferred unless ``freq`` is given.

    Parameters
    ----------
    path : str or path-like
        CSV file with a header row.
    time_col, target : str
        Names of the timestamp column and of the value column.
    freq : str or None, default=None
        pandas frequency the timestamps must follow; None infers it.

    Returns
    -------
    y : pandas.Series
        The values, float64, named ``target``, indexed by a
        ``DatetimeIndex`` named ``time_col`` with its frequency set.
    time_format : str or None
        A ``strftime`` format that writes the file's timestamps exactly as
        they were read (``"%Y-%m"`` for ``2020-01``), so that forecasts can
        be written in the same style; None when there is none.

    Raises
    ------
    FileNotFoundError
        When the file does not exist.
    ValueError
        When a column is missing, a timestamp does not parse, timestamps
        repeat or are irregular, or a value is missing or not a number.
    """
    import numpy as np
    import pandas as pd
    from pandas.tseries.api import guess_datetime_format
    from pandas.tseries.frequencies import to_offset

    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"file not found: {path}")
    if path.is_dir():
        raise ValueError(f"{path} is a directory, expected a CSV file")
    try:
        frame = pd.read_csv(path)
    except pd.errors.EmptyDataError:
        raise ValueError(f"{path} is empty; expected a CSV file with a header row") from None
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise ValueError(f"could not read {path} as CSV: {exc}") from None
    columns = [str(c) for c in frame.columns]
    for role, col in (("time column", time_col), ("target column", target)):
        if col not in frame.columns:
            raise ValueError(
                f"{role} {col!r} not found in {path}; available columns: "
                + ", ".join(repr(c) for c in columns)
            )
    if time_col == target:
        raise ValueError(f"--time-col and --target are both {time_col!r}; they must differ")
    if frame.empty:
        raise ValueError(f"{path} has a header but no data rows")

    raw_times = frame[time_col]
    if raw_times.isna().any():
        row = raw_times.index[raw_times.isna()][0]
        raise ValueError(
            f"time column {time_col!r} has an empty value on line {_line_of(frame, row)} "
            f"of {path}; every row needs a timestamp"
        )
    numeric = pd.api.types.is_numeric_dtype(raw_times.dtype)
    if pd.api.types.is_float_dtype(raw_times.dtype):
        # Numbers with a decimal point: whole ones (1700.0) are read as the
        # integers below; others are no timestamps (never nanoseconds since 1970).
        numbers = raw_times.to_numpy(dtype=np.float64)
        whole = np.isfinite(numbers) & (numbers == np.round(numbers)) & (np.abs(numbers) < 2**53)
        if not whole.all():
            row = raw_times.index[~whole][0]
            raise ValueError(
                f"time column {time_col!r} holds numbers, not dates: '{raw_times[row]}' on "
                f"line {_line_of(frame, row)} of {path} is not a whole number; the time "
                "column must hold dates (e.g. 2020-01-31) or whole years (e.g. 1990)"
            )
        raw_times = raw_times.astype(np.int64)
    if pd.api.types.is_integer_dtype(raw_times.dtype):
        # Years (1990) or compact dates (20200131): parse their digits, not
        # nanoseconds since 1970.
        raw_times = raw_times.astype(str)
    with warnings.catch_warnings():
        # "Could not infer format" is pandas' hint, not a problem here.
        warnings.simplefilter("ignore", UserWarning)
        times = pd.to_datetime(raw_times, errors="coerce")
    bad = times.isna()
    if bad.any():
        row = times.index[bad][0]
        raise ValueError(
            f"could not parse time column {time_col!r} as dates: {raw_times[row]!r} on line "
            f"{_line_of(frame, row)} of {path} ({int(bad.sum())} unparseable value(s); "
            f"the first row reads {raw_times.iloc[0]!r}); use one date format, e.g. 2020-01-31"
            + (", or whole years (1990) or YYYYMMDD dates (20200131) for numbers"
               if numeric else "")
        )
    time_format = None
    if isinstance(raw_times.iloc[0], str):
        guess = guess_datetime_format(raw_times.iloc[0].strip())
        if guess is not None and (times.dt.strftime(guess) == raw_times.str.strip()).all():
            time_format = guess

    raw_values = frame[target]
    values = pd.to_numeric(raw_values, errors="coerce")
    not_numeric = values.isna() & raw_values.notna()
    if not_numeric.any():
        row = values.index[not_numeric][0]
        raise ValueError(
            f"target column {target!r} has a non-numeric value {raw_values[row]!r} on line "
            f"{_line_of(frame, row)} of {path}; it must hold numbers"
        )

    y = pd.Series(values.to_numpy(dtype=np.float64), index=pd.DatetimeIndex(times), name=target)
    y.index.name = time_col
    y = y.sort_index(kind="stable")
    duplicated = y.index.duplicated(keep=False)
    if duplicated.any():
        first = y.index[duplicated][0]
        count = int((y.index == first).sum())
        raise ValueError(
            f"time column {time_col!r} has duplicate timestamps: {_fmt_time(first)} appears "
            f"{count} times ({int(y.index.duplicated().sum())} repeated in all); each "
            "timestamp must appear once (aggregate the duplicates first)"
        )
    missing = y.isna()
    if missing.any():
        first = y.index[missing][0]
        raise ValueError(
            f"target column {target!r} has {int(missing.sum())} missing value(s), the first "
            f"at {_fmt_time(first)}; fill or drop them before forecasting"
        )

    index = y.index
    if freq is not None:
        try:
            offset = to_offset(freq)
        except ValueError:
            raise ValueError(
                f"--freq {freq!r} is not a pandas frequency; use e.g. D, W-SUN, MS, QS, YS, h"
            ) from None
        expected = pd.date_range(index[0], index[-1], freq=offset)
        absent, extra = expected.difference(index), index.difference(expected)
        if len(absent) or len(extra):
            parts = []
            if len(extra):
                parts.append(f"{len(extra)} off its grid (first {_fmt_time(extra[0])})")
            if len(absent):
                parts.append(f"{len(absent)} missing (first {_fmt_time(absent[0])})")
            raise ValueError(
                f"the timestamps of {time_col!r} do not follow --freq {freq!r}: "
                + " and ".join(parts)
                + "; fill the gaps (e.g. resample) or choose another --freq"
            )
    else:
        if len(index) < 3:
            raise ValueError(
                f"{path} has {len(index)} row(s); at least 3 are needed to infer the "
                "frequency (or pass --freq)"
            )
        from seqforecast._time import infer_step

        offset = infer_step(pd.DatetimeIndex(index))
        if offset is None:
            steps = index[1:] - index[:-1]
            raise ValueError(
                f"time column {time_col!r} is not regularly spaced: no frequency fits all its "
                f"timestamps (steps between rows range from {_fmt_delta(steps.min())} to "
                f"{_fmt_delta(steps.max())}); fill the gaps (e.g. resample) or pass --freq "
                "to see which timestamps are missing"
            )
    y.index = pd.DatetimeIndex(index, freq=offset, name=time_col)
    return y, time_format


def _load_series(args):
    """The series of ``compare``: (y, one line that says where it came from)."""
    if args.csv is None:
        given = [
            flag
            for flag, value in (
                ("--time-col", args.time_col),
                ("--target", args.target),
                ("--freq", args.freq),
            )
            if value is not None
        ]
        if given:
            verb = "needs" if len(given) == 1 else "need"
            raise ValueError(f"{' and '.join(given)} {verb} --csv FILE")
        from seqforecast.datasets import load_airpassengers

        return load_airpassengers().astype("float64"), "AirPassengers (bundled with seqforecast)"
    if args.time_col is None or args.target is None:
        import pandas as pd

        try:
            header = ", ".join(repr(str(c)) for c in pd.read_csv(args.csv, nrows=0).columns)
        except (OSError, ValueError):
            header = None
        hint = f" (columns of {args.csv}: {header})" if header else ""
        raise ValueError(f"--csv needs --time-col and --target{hint}")
    y, _ = _load_csv(args.csv, args.time_col, args.target, args.freq)
    return y, f"{args.csv}, column {args.target!r}"


def _seasonal_period(y):
    """The package's one rule (seqforecast._time): the index's frequency, else detected."""
    import numpy as np

    from seqforecast._time import resolve_seasonal_period

    values = np.asarray(y, dtype=np.float64).reshape(len(y), -1)
    return resolve_seasonal_period(None, y.index.freq, values)[0]


def _default_horizon(m):
    return m if m > 1 else NONSEASONAL_HORIZON


# ----------------------------------------------------------------- models
def _parse_models(text):
    names = []
    for name in text.split(","):
        name = name.strip().lower()
        if not name:
            continue
        if name not in MODEL_NAMES:
            raise ValueError(f"unknown model {name!r}; choose from {', '.join(MODEL_NAMES)}")
        if name not in names:
            names.append(name)
    if not names:
        raise ValueError(f"no model given; choose from {', '.join(MODEL_NAMES)}")
    return names


def _make_model(name, *, horizon, seed, seasonal_period):
    """A fresh forecaster for ``name``; libraries are imported on first use."""
    if name == "naive":
        from seqforecast.baselines import NaiveForecaster

        strategy = "seasonal" if seasonal_period > 1 else "last"
        return NaiveForecaster(strategy=strategy)
    if name == "arima":
        from seqforecast.baselines import ARIMAForecaster

        return ARIMAForecaster()
    if name == "ets":
        from seqforecast.baselines import ETSForecaster

        return ETSForecaster()
    if name == "theta":
        from seqforecast.baselines import ThetaForecaster

        return ThetaForecaster()
    if name in ("lstm", "gru"):
        import torch

        from seqforecast.neural import GRUForecaster, LSTMForecaster

        # One thread: these small networks gain nothing from more, and two
        # threads on a busy 2-core machine made a fit 20x slower.
        torch.set_num_threads(1)
        cls = LSTMForecaster if name == "lstm" else GRUForecaster
        return cls(horizon=horizon, random_state=seed)
    raise ValueError(f"unknown model {name!r}; choose from {', '.join(MODEL_NAMES)}")


def _check_long_enough(name, model, y, horizon, option):
    """Stop when ``y`` is too short for a neural ``model``, naming what to change.

    The networks learn windows of past values followed by ``horizon`` steps,
    so they need more history than the horizon. ``option`` is the flag that
    sets the horizon: ``--horizon`` (fit on all of ``y``) or ``--holdout``
    (fit on ``y`` minus the held-out steps).
    """
    if name not in ("lstm", "gru"):
        return
    from sklearn.base import clone

    def needs(h):
        """(observations to fit on, observations needed or None) with horizon ``h``."""
        available = len(y) - (h if option == "--holdout" else 0)
        if available < 1:
            return available, None
        train = y.iloc[:available]
        return available, clone(model).set_params(horizon=h).observations_needed(None, train)

    def fits(h):
        available, needed = needs(h)
        return needed is not None and available >= needed

    if fits(horizon):
        return
    available, needed = needs(horizon)
    smaller = next((h for h in range(horizon - 1, 0, -1) if fits(h)), None)
    fit_on = f" ({available} to fit on after the holdout)" if option == "--holdout" else ""
    need = f"at least {needed} to fit on" if needed is not None else "more observations"
    advice = f"use {option} {smaller} or less, or " if smaller else ""
    raise ValueError(
        f"model {name!r}: the series has {len(y)} observations{fit_on}, but {name} with "
        f"{option} {horizon} needs {need} (windows of past values followed by the "
        f"{horizon} steps it learns to forecast); {advice}give a file with a longer series"
    )


def _fit_forecast(name, model, y, steps):
    """Fit ``model`` on ``y`` and forecast ``steps``: (forecast, fit seconds).

    Progress goes to stderr. Warnings raised while fitting (statsmodels'
    convergence notes and the like) are counted, not printed, so they do not
    bury the results.
    """
    print(f"fitting {name} on {len(y)} observations ...", end="", file=sys.stderr, flush=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            start = time.perf_counter()
            model.fit(None, y)
            seconds = time.perf_counter() - start
            forecast = model.forecast(steps)
        except ValueError as exc:
            print(" failed", file=sys.stderr, flush=True)
            raise ValueError(f"model {name!r}: {exc}") from exc
    note = ""
    if caught:
        first = caught[0]
        message = " ".join(str(first.message).split())[:80]
        note = f", {len(caught)} warning(s) hidden (first: {first.category.__name__}: {message})"
    print(f" {seconds:.1f} s{note}", file=sys.stderr, flush=True)
    return forecast, seconds


# ---------------------------------------------------------------- compare
def _run_compare(args):
    names = _parse_models(args.models)
    plot_path = None if args.no_plot else Path(args.plot)
    if plot_path is not None:
        _check_writable(plot_path, "--plot")
    y, source = _load_series(args)
    m = _seasonal_period(y)
    holdout = args.holdout if args.holdout is not None else _default_horizon(m)
    n_train = len(y) - holdout
    needed = m + 1
    if n_train < needed:
        why = (
            f"one season of {m} plus one, for seasonal naive and the MASE scale"
            if m > 1
            else "for the naive forecast and the MASE scale"
        )
        raise ValueError(
            f"the series has {len(y)} observations; holdout {holdout} leaves {max(n_train, 0)} "
            f"to fit on, but at least {needed} are needed ({why}); lower --holdout or pass "
            "a longer series"
        )
    train, actual = y.iloc[:n_train], y.iloc[n_train:]

    freq = y.index.freqstr
    season = f"seasonal period {m}" if m > 1 else "no seasonal period"
    print(
        f"data: {source}: {len(y)} observations from {_fmt_time(y.index[0])} to "
        f"{_fmt_time(y.index[-1])} (frequency {freq}, {season})"
    )
    print(
        f"holdout: the last {holdout} observations ({_fmt_time(actual.index[0])} to "
        f"{_fmt_time(actual.index[-1])}); models fitted on the first {n_train}"
    )
    sys.stdout.flush()

    # Imported once the arguments and the data are checked: a usage error
    # answers without loading scikit-learn.
    import numpy as np
    import pandas as pd

    from seqforecast.metrics import mase, smape

    start = time.perf_counter()
    rows, forecasts = [], {}
    for name in names:
        model = _make_model(name, horizon=holdout, seed=args.seed, seasonal_period=m)
        _check_long_enough(name, model, y, holdout, "--holdout")
        forecast, seconds = _fit_forecast(name, model, train, holdout)
        forecasts[name] = forecast
        try:
            scaled = mase(actual, forecast, y_train=train, seasonal_period=m)
        except ValueError:
            # A training part that repeats its season exactly has no MASE scale.
            scaled = np.nan
        rows.append(
            {
                "model": name,
                "smape": smape(actual, forecast),
                "mase": scaled,
                "fit_seconds": seconds,
            }
        )
    print(f"total: {time.perf_counter() - start:.1f} s", file=sys.stderr, flush=True)

    table = pd.DataFrame(rows).sort_values("smape", kind="stable", na_position="last")
    print()
    print(
        table.to_string(
            index=False,
            formatters={
                "smape": "{:.2f}".format,
                "mase": "{:.3f}".format,
                "fit_seconds": "{:.2f}".format,
            },
        )
    )
    print()
    print("smape: symmetric MAPE in percent; mase: MAE / in-sample seasonal-naive MAE")
    if plot_path is not None:
        scores = dict(zip(table["model"], table["smape"], strict=True))
        if _save_plot(plot_path, train, actual, forecasts, scores, source, m):
            print(f"plot: {plot_path}")
        else:
            print("plot: skipped, matplotlib is not installed (pip install matplotlib)")
    return 0


def _check_writable(path, option):
    """Fail before the long work when ``path`` cannot be written."""
    parent = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise ValueError(f"{option} {path} is a directory; give a file name")
    if not parent.is_dir():
        raise ValueError(f"{option} {path}: directory {parent} does not exist")


def _save_plot(path, train, actual, forecasts, scores, source, m):
    """Plot the history tail, the held-out values and each forecast.

    Returns False when matplotlib is not installed. Uses a bare ``Figure``
    (no pyplot), so nothing depends on or changes the user's backend.
    """
    try:
        from matplotlib.figure import Figure
    except ImportError:
        return False
    import pandas as pd

    horizon = len(actual)
    tail = train.iloc[-min(len(train), max(3 * horizon, 2 * m, 24)):]
    fig = Figure(figsize=(10, 5), layout="constrained")
    ax = fig.subplots()
    ax.plot(tail.index, tail.to_numpy(), color="0.45", label="history")
    # Start the actual line at the last fitted value so the curve is unbroken.
    joined = pd.concat([train.iloc[-1:], actual])
    ax.plot(joined.index, joined.to_numpy(), color="black", linewidth=2, label="actual")
    for name, forecast in sorted(forecasts.items(), key=lambda item: scores[item[0]]):
        ax.plot(
            forecast.index,
            forecast.to_numpy(),
            linestyle="--",
            marker=".",
            label=f"{name} (sMAPE {scores[name]:.2f})",
        )
    ax.axvline(actual.index[0], color="0.7", linewidth=0.8)
    ax.set_title(f"{source}: last {horizon} observations held out")
    ax.set_ylabel(train.name or "value")
    ax.legend(loc="upper left", fontsize="small")
    ax.grid(alpha=0.3)
    fig.savefig(path, dpi=100)
    return True


# --------------------------------------------------------------- forecast
def _run_forecast(args):
    (name,) = _parse_models(args.model) if "," not in args.model else [None]
    if name is None:
        raise ValueError(f"--model takes one model, got {args.model!r}; compare takes several")
    import pandas as pd

    output = Path(args.output) if args.output else None
    if output is not None:
        _check_writable(output, "--output")
    y, time_format = _load_csv(args.file, args.time_col, args.target, args.freq)
    m = _seasonal_period(y)
    horizon = args.horizon if args.horizon is not None else _default_horizon(m)
    model = _make_model(name, horizon=horizon, seed=args.seed, seasonal_period=m)
    _check_long_enough(name, model, y, horizon, "--horizon")
    forecast, _ = _fit_forecast(name, model, y, horizon)
    times = forecast.index if time_format is None else forecast.index.strftime(time_format)
    frame = pd.DataFrame({args.time_col: times, "forecast": forecast.to_numpy()})
    if output is None:
        frame.to_csv(sys.stdout, index=False)
    else:
        frame.to_csv(output, index=False)
        print(
            f"wrote {horizon} forecasts of {args.target!r} ({name}, "
            f"{_fmt_time(forecast.index[0])} to {_fmt_time(forecast.index[-1])}) to {output}",
            file=sys.stderr,
        )
    return 0


# ------------------------------------------------------------------- main
def _one_line(exc):
    message = exc.args[0] if isinstance(exc, KeyError) and exc.args else str(exc)
    return " ".join(str(message).split()) or type(exc).__name__


def main(argv=None) -> int:
    """Run the ``seqforecast`` command line.

    Parameters
    ----------
    argv : list of str or None, default=None
        The arguments after the program name; None reads ``sys.argv[1:]``.

    Returns
    -------
    int
        The exit status: 0 on success, 2 on bad input or usage (with one
        line ``seqforecast: error: ...`` on stderr), 130 when interrupted.

    Examples
    --------
    >>> from seqforecast.cli import main
    >>> main(["--version"])
    seqforecast 0.1.0
    0

    From a shell, ``seqforecast compare --models naive,theta`` backtests two
    models on the bundled AirPassengers series.
    """
    parser = _build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        # --help and --version exit 0, usage errors 2; return it instead of
        # exiting so that main() can be called from Python.
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    try:
        return args.run(args)
    except (ValueError, KeyError, OSError) as exc:
        print(f"{PROG}: error: {_one_line(exc)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"\n{PROG}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
