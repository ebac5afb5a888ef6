"""Markdown tables of the recorded M3 results, beside the published references.

    python -m benchmarks.report

Reads ``benchmarks/results/m3_<category>.csv`` (full runs only),
``tuning.csv`` and ``m3_<category>_intervals.csv`` and prints the tables
pasted into ``benchmarks/README.md``.
"""

from __future__ import annotations

import sys

import pandas as pd

from benchmarks.accuracy import PUBLISHED, RESULTS

CATEGORIES = ("yearly", "quarterly", "monthly", "other")


def results_table(kind=""):
    """The tables of the full runs; ``kind="_nohints"`` for the runs without hints."""
    frames = []
    for category in CATEGORIES:
        path = RESULTS / f"m3_{category}{kind}.csv"
        if path.exists():
            frames.append(pd.read_csv(path).assign(category=category))
    if not frames:
        return "(no full-run results recorded yet)"
    runs = pd.concat(frames)
    cells = runs.assign(
        cell=runs.apply(lambda r: f"{r.smape:.2f} / {r.mase:.3f}", axis=1)
    ).pivot(index="model", columns="category", values="cell")
    cells = cells.reindex(columns=[c for c in CATEGORIES if c in cells.columns])
    order = list(dict.fromkeys(runs["model"]))
    cells = cells.reindex(order).fillna("not run")
    for name, values in PUBLISHED.items() if not kind else ():
        cells.loc[f"published: {name}"] = [
            f"{values[c]:.2f} / —" for c in cells.columns
        ]
    seconds = runs.pivot(index="model", columns="category", values="fit_seconds")
    seconds = seconds.reindex(index=order, columns=cells.columns).round(1).fillna("not run")
    n_series = runs.groupby("category")["n_series"].first().reindex(cells.columns)
    header = "sMAPE / MASE (fit seconds in the second table)"
    return "\n\n".join([
        header,
        cells.rename(columns=lambda c: f"{c} ({n_series[c]})").to_markdown(),
        seconds.to_markdown(),
    ])


def tuning_table():
    path = RESULTS / "tuning.csv"
    if not path.exists():
        return "(no tuning results recorded yet)"
    runs = pd.read_csv(path)
    runs = runs[~runs["config"].str.startswith("combo:")]
    # One row per configuration and day: the defaults changed between days.
    table = runs.groupby(["category", "config", "date"], sort=False).agg(
        val_smape=("val_smape", "mean"), val_mase=("val_mase", "mean"),
        seeds=("seed", "count"), fit_seconds=("fit_seconds", "mean"),
    )
    return table.round(3).to_markdown()


def combination_table(n_best=3):
    """The combination study (benchmarks.combine): members, presets, best pairs."""
    path = RESULTS / "tuning.csv"
    if not path.exists():
        return "(no combination results recorded yet)"
    runs = pd.read_csv(path)
    runs = runs[runs["config"].str.startswith("combo:")].drop_duplicates(
        ["category", "config"], keep="last")
    if runs.empty:
        return "(no combination results recorded yet)"
    parts = []
    for category in CATEGORIES:
        rows = runs[runs["category"] == category]
        if rows.empty:
            continue
        names = rows["config"].str.split(":").str[-1]
        single = rows[~names.str.contains("+", regex=False) & ~names.str.startswith("preset")]
        preset = rows[names.str.startswith("preset")]
        pairs = rows[names.str.contains("+", regex=False)].nsmallest(n_best, "val_mase")
        parts.append(pd.concat([preset, pairs, single.sort_values("val_mase")]))
    table = pd.concat(parts)[["category", "config", "val_smape", "val_mase", "fit_seconds"]]
    return table.to_markdown(index=False)


def intervals_table():
    frames = [pd.read_csv(path).assign(category=path.name.split("_")[1])
              for path in sorted(RESULTS.glob("m3_*_intervals.csv"))
              if "_n" not in path.name.split("_intervals")[0]]  # full runs only
    if not frames:
        return "(no interval results recorded yet)"
    runs = pd.concat(frames)
    table = runs[["category", "model", "n_series", "nominal", "coverage", "msis",
                  "msis_median", "smape", "mase", "fit_seconds"]]
    return table.to_markdown(index=False)


def nohints_comparison():
    """MASE without hints over MASE with them, per model and category."""
    rows = []
    for category in CATEGORIES:
        hinted, bare = RESULTS / f"m3_{category}.csv", RESULTS / f"m3_{category}_nohints.csv"
        if not (hinted.exists() and bare.exists()):
            continue
        both = pd.read_csv(hinted).merge(pd.read_csv(bare), on="model",
                                         suffixes=("_hinted", "_nohints"))
        both["category"] = category
        both["mase_ratio"] = both["mase_nohints"] / both["mase_hinted"]
        rows.append(both[["category", "model", "mase_hinted", "mase_nohints", "mase_ratio"]])
    if not rows:
        return "(no runs without hints recorded yet)"
    table = pd.concat(rows).pivot(index="model", columns="category", values="mase_ratio")
    table = table.reindex(columns=[c for c in CATEGORIES if c in table.columns])
    return "MASE without hints / MASE with hints\n\n" + table.round(3).to_markdown()


def main():
    print(results_table())
    print()
    print(results_table("_nohints"))
    print()
    print(nohints_comparison())
    print()
    print(tuning_table())
    print()
    print(combination_table())
    print()
    print(intervals_table())
    return 0


if __name__ == "__main__":
    sys.exit(main())
