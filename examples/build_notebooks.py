"""Build the example notebooks from their sources and execute them.

Each notebook is written as a plain Python file in ``examples/src/`` with
``# %%`` cell markers (``# %% [markdown]`` for text cells, whose lines start
with ``# ``), which keeps reviews and diffs readable. This script turns every
source into ``examples/<name>.ipynb``, executes it top to bottom in a fresh
kernel and saves it with its outputs::

    python examples/build_notebooks.py            # every notebook
    python examples/build_notebooks.py 01_quickstart

It prints each notebook's run time. The test suite
(``tests/test_notebooks.py``) executes the saved notebooks again, so a
notebook that errors fails the tests.
"""

from __future__ import annotations

import os
import re
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

EXAMPLES = Path(__file__).resolve().parent
SOURCES = EXAMPLES / "src"
TIMEOUT = 300  # seconds per cell


def parse_cells(text):
    """Split a percent-format source into (kind, source) cells."""
    cells = []
    for block in re.split(r"^# %%", text, flags=re.MULTILINE)[1:]:
        header, _, body = block.partition("\n")
        if "[markdown]" in header:
            lines = [line[2:] if line.startswith("# ") else line.lstrip("#")
                     for line in body.strip("\n").splitlines()]
            cells.append(("markdown", "\n".join(lines).strip()))
        else:
            cells.append(("code", body.strip("\n")))
    return [cell for cell in cells if cell[1]]


def build(source):
    """The notebook of one source file, not executed."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    for kind, text in parse_cells(source.read_text()):
        make = nbformat.v4.new_markdown_cell if kind == "markdown" else nbformat.v4.new_code_cell
        nb.cells.append(make(text))
    return nb


def kernel_env():
    """Environment for the kernel: this interpreter first on PATH, one thread.

    MPLBACKEND is removed: ipykernel picks its inline backend (figures saved
    as PNG outputs) only when the variable is unset.
    """
    env = dict(os.environ)
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    env.setdefault("OMP_NUM_THREADS", "1")
    env.pop("MPLBACKEND", None)
    return env


def execute(nb, cwd=EXAMPLES, timeout=TIMEOUT):
    """Execute ``nb`` in place in a fresh python3 kernel; returns seconds taken."""
    start = time.perf_counter()
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(cwd)}})
    env = kernel_env()
    saved = dict(os.environ)
    os.environ.update(env)  # the kernel inherits this process's environment
    try:
        client.execute()
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return time.perf_counter() - start


def main(argv=None):
    names = sys.argv[1:] if argv is None else argv
    sources = sorted(SOURCES.glob("*.py"))
    if names:
        sources = [s for s in sources if s.stem in names]
    for source in sources:
        nb = build(source)
        seconds = execute(nb)
        target = EXAMPLES / f"{source.stem}.ipynb"
        nbformat.write(nb, target)
        print(f"{target.name}: executed in {seconds:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
