"""Every notebook in ``notebooks/`` runs top to bottom without an error (nbclient).

The notebooks are stored without outputs; each is executed in a fresh kernel with
``notebooks/`` as its working directory, as a reader who opens it in Jupyter would.
"""

from __future__ import annotations

import time
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
PATHS = sorted(NOTEBOOKS.glob("*.ipynb"))
MIN_NOTEBOOKS = 5


def test_the_notebook_library_is_there():
    """The teaching set: at least five notebooks (an empty folder must not pass quietly)."""
    assert len(PATHS) >= MIN_NOTEBOOKS, [p.name for p in PATHS]


@pytest.mark.parametrize("path", PATHS, ids=[p.stem for p in PATHS])
def test_notebook_is_stored_clean(path: Path):
    """No outputs or execution counts in the repository: diffs stay readable."""
    nb = nbformat.read(path, as_version=4)
    for k, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            assert not cell.outputs, f"{path.name}: cell {k} has stored outputs"
            assert cell.execution_count is None, f"{path.name}: cell {k} has a count"


@pytest.mark.parametrize("path", PATHS, ids=[p.stem for p in PATHS])
def test_notebook_runs_top_to_bottom(path: Path):
    """Execute every cell; any exception in a cell fails the test with the cell's error."""
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        timeout=300,
        kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOKS)}},
    )
    started = time.perf_counter()
    client.execute()
    elapsed = time.perf_counter() - started
    errors = [
        out
        for cell in nb.cells
        if cell.cell_type == "code"
        for out in cell.outputs
        if out.get("output_type") == "error"
    ]
    assert not errors, errors
    print(f"{path.name}: {elapsed:.1f} s")
