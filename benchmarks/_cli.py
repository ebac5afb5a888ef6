"""Command-line pieces shared by the benchmark runners."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

M3_CATEGORIES = ("yearly", "quarterly", "monthly", "other")


def one_thread_per_library():
    """Pin OpenMP, OpenBLAS and MKL to one thread, unless set: call before numpy is imported."""
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, "1")


def category_parser(module, doc):
    """A runner's parser (``python -m module``, its docstring as help) with ``--category``."""
    parser = argparse.ArgumentParser(prog=f"python -m {module}", description=doc,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--category", required=True, choices=M3_CATEGORIES)
    return parser


def names(parser, text, known, what):
    """The comma-separated names of ``text``, each checked against ``known``.

    An unknown name stops the runner through ``parser.error`` (exit status
    2, usage and message on stderr), naming what was wrong and the choices.
    Blank items (``"a,,b"``, a trailing comma) are skipped; order is kept.
    """
    chosen = [name.strip() for name in text.split(",") if name.strip()]
    unknown = [name for name in chosen if name not in known]
    if unknown:
        parser.error(f"unknown {what} {unknown}; choose from {list(known)}")
    return chosen


def add_study_option(parser):
    """``--study KEY=VALUE`` (repeatable): a rule of :mod:`benchmarks._study` for every fit.

    VALUE is a Python literal (None, 16, (3, 3), "all"), or a bare word taken as text.
    """
    parser.add_argument("--study", action="append", default=[], metavar="KEY=VALUE",
                        help="a rule of benchmarks._study for every fit "
                             "(a Python literal or a bare word)")


def study_rules(parser, items):
    """``{key: value}`` of the ``--study`` items; a bad item stops the runner (``parser.error``)."""
    import ast

    from benchmarks import _study

    study = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or key not in _study.RULES:
            parser.error(f"--study takes KEY=VALUE with KEY one of {sorted(_study.RULES)}, "
                         f"got {item!r}")
        try:
            study[key] = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            if not value.isidentifier():
                parser.error(f"--study {key}: {value!r} is not a Python literal")
            # A bare word is text: recent_indices=all, as a recorded command
            # reads once the shell has taken the quotes off "all".
            study[key] = value
    return study


def fold_parser(module, doc, out):
    """A validation-fold runner's parser: ``--category``, ``--origin``, ``--n-series``,
    ``--out`` (default ``out``)."""
    parser = category_parser(module, doc)
    parser.add_argument("--origin", type=int, default=1, help="validation fold (1: the last)")
    parser.add_argument("--n-series", type=int, default=None,
                        help="series sampled (load_m3's random_state=0); all by default")
    parser.add_argument("--out", default=str(out))
    return parser


def command(module, argv):
    """The command line that ran ``module`` with ``argv`` (None: this process's)."""
    import sys

    return " ".join([f"python -m {module}", *(sys.argv[1:] if argv is None else argv)])


def append_rows(rows, out, command):
    """Append ``rows`` (dicts) to the CSV ``out`` (header when new) and print them."""
    from pathlib import Path

    import pandas as pd

    table = pd.DataFrame(rows)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(out, mode="a", header=not out.exists(), index=False, float_format="%.5g")
    print(f"command: {command}")
    print(table.drop(columns=["command", "date"], errors="ignore").to_string(index=False))
    return table


def two_arms(args, run):
    """Both arms of a validation-fold study: ``{arm: dict}``, and the changed series.

    ``run(data, arm)`` fits the arm (``False``, then ``True``) on the
    validation split of ``args``' M3 category and fold
    (``benchmarks.tune.validation_split``) and returns ``(specs, forecasts,
    extra)``; each arm's dict holds the specs, the per-series sMAPE and
    MASE on the held-out horizon, its CPU seconds and ``extra``.
    """
    import time

    import numpy as np

    from benchmarks.tune import validation_split
    from seqforecast.datasets import load_m3
    from seqforecast.metrics import mase, smape

    data = validation_split(load_m3(args.category, n_series=args.n_series, random_state=0),
                            args.origin)
    arms = {}
    for arm in (False, True):
        start = time.process_time()
        specs, forecasts, extra = run(data, arm)
        arms[arm] = {
            "specs": np.array(specs), "extra": extra,
            "smape": smape(data.y_test, forecasts, multioutput="raw_values"),
            "mase": mase(data.y_test, forecasts, y_train=data.y_train,
                         seasonal_period=data.seasonal_period, multioutput="raw_values"),
            "cpu_s": time.process_time() - start,
        }
    changed = arms[False]["specs"] != arms[True]["specs"]
    return arms, changed, data


def better_worse(arms, changed, key):
    """Among the changed series, how many scored better and worse (MASE) in arm ``key``
    than in the other arm (both 0 for the first arm, False)."""
    if not key:
        return {"better": 0, "worse": 0}
    delta = (arms[True]["mase"] - arms[False]["mase"])[changed]
    return {"better": int((delta < 0).sum()), "worse": int((delta > 0).sum())}


def fold_study(module, doc, run, column, argv=None, extra=None):
    """Run a two-arm validation-fold study and append its rows; returns 0.

    The parser of :func:`fold_parser` (results ``benchmarks/results/<module>.csv``
    by default), the arms of :func:`two_arms` with ``run``, and one row per
    arm: the fold, the arm's key (in ``column``), the series count, mean
    sMAPE and MASE, how many choices changed between the arms, then
    ``extra(arms, changed, data, key, arm)``'s columns (by default how many
    changed choices scored better and worse, :func:`better_worse`), the
    arm's CPU seconds, the command and the date.
    """
    import datetime
    from pathlib import Path

    results = Path(__file__).resolve().parent / "results"
    args = fold_parser(f"benchmarks.{module}", doc, results / f"{module}.csv").parse_args(argv)
    cmd = command(f"benchmarks.{module}", argv)
    arms, changed, data = two_arms(args, run)
    if extra is None:
        def extra(arms, changed, data, key, arm):
            return better_worse(arms, changed, key)

    rows = [{
        "category": args.category, "origin": args.origin,
        "n_series": len(arm["specs"]), column: key,
        "smape": arm["smape"].mean(), "mase": arm["mase"].mean(),
        "changed": int(changed.sum()), **extra(arms, changed, data, key, arm),
        "cpu_s": arm["cpu_s"], "command": cmd,
        "date": datetime.date.today().isoformat(),
    } for key, arm in arms.items()]
    append_rows(rows, args.out, cmd)
    return 0


def write_table(table, out, float_format, width=200):
    """Write ``table`` to the CSV ``out`` (folders made) and print it and the path."""
    from pathlib import Path

    import pandas as pd

    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(out, index=False, float_format=float_format)
    with pd.option_context("display.width", width, "display.max_colwidth", 60):
        print(table.to_string(index=False))
    print(f"results: {out}")


def run_with_out(doc, run, default, argv=None):
    """A runner whose only option is ``--out`` (default ``default``): parse, run, return 0."""
    parser = argparse.ArgumentParser(description=doc,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=default)
    run(parser.parse_args(argv).out)
    return 0


def limited_main(module, doc, run, datasets, arms, limit, out, argv=None):
    """A runner over ``--datasets`` and ``--arms`` whose fits stop after ``--limit`` seconds.

    Parses ``argv``, checks the names and the limit (``parser.error``, exit
    status 2), then calls ``run(names, arms, limit, out, command)``.
    """
    parser = argparse.ArgumentParser(prog=f"python -m {module}", description=doc,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--datasets", default=",".join(datasets),
                        help=f"from {', '.join(datasets)}")
    parser.add_argument("--arms", default=",".join(arms), help=f"from {', '.join(arms)}")
    parser.add_argument("--limit", type=float, default=limit,
                        help=f"seconds a fit may take before it is stopped (default {limit:g})")
    parser.add_argument("--out", default=str(out))
    args = parser.parse_args(argv)
    chosen = names(parser, args.datasets, datasets, "datasets")
    chosen_arms = names(parser, args.arms, arms, "arms")
    if args.limit <= 0:
        parser.error(f"--limit must be positive, got {args.limit}")
    run(chosen, chosen_arms, args.limit, args.out, command(module, argv))

