"""The README's Python examples run as written and show what they say.

Every ```python block of ``README.md`` is executed, in order, in one
namespace (a later block may use ``y`` from the first), as a reader would
paste them into a notebook. The names the README assumes from the reader's
own data are given: ``df`` (a long table of weekly store sales) and
``panel`` (a few M3 monthly series, a wide DataFrame). Two blocks need what
CI does not have and are left out by name: the ``torchrun`` script needs
GPUs and a launcher (its CPU equivalent is ``tests/test_distributed.py``),
and the Dask block a scheduler at ``tcp://scheduler:8786`` (the same calls
on a local cluster are ``tests/test_dask.py``).

The neural forecasters are trained for one epoch (``max_epochs=1`` through
the names ``seqforecast`` exports): the test is about the code and the
printed values of the README, not about accuracy. An expression followed by
a comment that is a Python literal (``# (12, 'detected', 24, 36)``) must
evaluate to that literal.
"""

from __future__ import annotations

import ast
import functools
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import seqforecast

README = Path(__file__).resolve().parents[1] / "README.md"
BLOCKS = re.findall(r"^```python\n(.*?)^```", README.read_text(encoding="utf-8"), re.S | re.M)
# The blocks that need a launcher and GPUs, or a Dask scheduler.
NEEDS_TORCHRUN = "dist.init_process_group"
NEEDS_SCHEDULER = 'Client("tcp://'


def _expected_values(source):
    """{line of an expression: the literal in the comment on the next line}."""
    lines = source.splitlines()
    expected = {}
    for node in ast.parse(source).body:
        end = node.end_lineno
        if isinstance(node, ast.Expr) and end < len(lines):
            comment = lines[end].strip()
            if comment.startswith("#"):
                try:
                    expected[end] = ast.literal_eval(comment[1:].strip())
                except (ValueError, SyntaxError):
                    pass
    return expected


def _run(source, namespace, name):
    """Run ``source`` statement by statement; the values of its expressions by line."""
    values = {}
    for node in ast.parse(source).body:
        if isinstance(node, ast.Expr):
            code = compile(ast.Expression(node.value), name, "eval")
            values[node.end_lineno] = eval(code, namespace)
        else:
            module = ast.Module(body=[node], type_ignores=[])
            exec(compile(module, name, "exec"), namespace)
    return values


@pytest.fixture
def one_epoch(monkeypatch):
    """The neural forecasters ``seqforecast`` exports, with one epoch by default."""
    for name in ("LSTMForecaster", "GRUForecaster", "RNNForecaster"):
        cls = getattr(seqforecast, name)
        monkeypatch.setattr(seqforecast, name, functools.partial(cls, max_epochs=1))


def _weekly_sales():
    """Three stores' weekly sales: three years, a yearly season, different ends."""
    rng = np.random.default_rng(0)
    rows = []
    for k, store in enumerate(["north", "south", "east"]):
        weeks = pd.date_range("2021-01-03", periods=160 - 10 * k, freq="W")
        t = np.arange(len(weeks))
        sales = 100 + 20 * k + 10 * np.sin(2 * np.pi * t / 52) + rng.normal(0, 2, len(t))
        rows.append(pd.DataFrame({"store": store, "week": weeks, "sales": sales}))
    return pd.concat(rows, ignore_index=True)


def test_readme_has_the_examples_this_test_knows():
    assert len(BLOCKS) >= 7
    assert sum(NEEDS_TORCHRUN in b for b in BLOCKS) == 1
    assert sum(NEEDS_SCHEDULER in b for b in BLOCKS) == 1
    # The literal comments are found: the M3 block states its defaults.
    assert any((12, "detected", 24, 36) in _expected_values(b).values() for b in BLOCKS)


@pytest.mark.slow
def test_readme_examples_run(one_epoch):
    df = _weekly_sales()
    panel = seqforecast.load_m3("monthly", n_series=3, random_state=0).y_train
    namespace = {"__name__": "readme", "df": df, "panel": panel}
    results = []
    for k, source in enumerate(BLOCKS):
        if NEEDS_TORCHRUN in source or NEEDS_SCHEDULER in source:
            continue
        values = _run(source, namespace, f"README.md python block {k}")
        for line, literal in _expected_values(source).items():
            assert values[line] == literal, f"block {k}, line {line}"
        results.append(values)

    # The first block: forecasts indexed by the held-out months, then the next six.
    y = namespace["y"]
    predicted, ahead = results[0].values()
    pd.testing.assert_index_equal(predicted.index, y.index[-12:])
    assert ahead.index[0] == y.index[-12] and len(ahead) == 6

    # Long panels: eight weeks after each store's own last week.
    ends = df.groupby("store")["week"].max()
    forecast, series_ends, result = results[1].values()
    for store, end in ends.items():
        weeks = forecast.loc[store].index
        assert len(weeks) == 8 and weeks[0] == end + pd.Timedelta(weeks=1)
    assert sorted(pd.to_datetime(list(series_ends))) == sorted(ends)
    assert len(result.scores) == 3

    # The search and the ensemble.
    assert namespace["search"].best_params_["gruforecaster__hidden_size"] in (32, 64)
    ensemble = namespace["ensemble"]
    assert list(dict(ensemble.forecasters)) == ["gru", "theta"]
    # The preset hands n_jobs to its per-series member.
    assert any(getattr(m, "n_jobs", None) == -1 for _, m in namespace["best"].forecasters)
