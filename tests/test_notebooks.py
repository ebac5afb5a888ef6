"""The example notebooks run from top to bottom without an error.

Each notebook in ``examples/`` is executed in a fresh kernel (nbclient, as
nbmake does); an exception in any cell fails its test. The checked-in copies
must also hold their outputs and match their sources in ``examples/src/``.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")
pytest.importorskip("matplotlib")

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
NOTEBOOKS = sorted(EXAMPLES.glob("*.ipynb"))


def _builder():
    spec = importlib.util.spec_from_file_location("build_notebooks",
                                                  EXAMPLES / "build_notebooks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_source_has_its_notebook():
    sources = {p.stem for p in (EXAMPLES / "src").glob("*.py")}
    assert sources, "no notebook sources in examples/src"
    assert sources == {p.stem for p in NOTEBOOKS}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_is_current_and_executed(path):
    builder = _builder()
    saved = nbformat.read(path, as_version=4)
    fresh = builder.build(EXAMPLES / "src" / f"{path.stem}.py")
    assert [c.source for c in saved.cells] == [c.source for c in fresh.cells], (
        f"{path.name} differs from examples/src/{path.stem}.py; "
        "run python examples/build_notebooks.py"
    )
    code = [c for c in saved.cells if c.cell_type == "code"]
    assert code and all(c.execution_count is not None for c in code), (
        f"{path.name} was saved without running every cell"
    )


@pytest.mark.timeout(600)
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs(path):
    builder = _builder()
    nb = nbformat.read(path, as_version=4)
    builder.execute(nb)  # raises CellExecutionError on the first failing cell
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
              if o.get("output_type") == "error"]
    assert not errors
