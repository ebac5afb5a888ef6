"""Command-line pieces shared by the benchmark runners."""

from __future__ import annotations

import argparse

M3_CATEGORIES = ("yearly", "quarterly", "monthly", "other")


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
