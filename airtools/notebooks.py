"""Run and check the portal's notebooks: execute in a fresh kernel, read the stated budget, strip outputs.

Every lesson states its CPU budget in its first cell, on a line like
``**Budget:** runs in ≤ 60 s on a 2-core CPU``; the test suite and ``airtools lessons run`` execute the
notebook headless and compare the measured seconds with that number.

>>> import nbformat
>>> nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("**Budget:** runs in ≤ 45 s on a 2-core CPU")])
>>> budget_from_text(nb.cells[0].source)
45.0
"""
from __future__ import annotations

import re
import time
from pathlib import Path

import nbformat

__all__ = [
    "budget_from_text",
    "notebook_budget",
    "execute_notebook",
    "stored_outputs",
    "strip_outputs",
    "find_notebooks",
]

_BUDGET = re.compile(r"Budget:\**\s*(?:runs in\s*)?(?:≤|<=)?\s*(\d+(?:\.\d+)?)\s*s\b", re.IGNORECASE)
REPO_ROOT = Path(__file__).resolve().parent.parent


def budget_from_text(text: str) -> float:
    """The seconds stated on a ``Budget:`` line of ``text``.

    Raises:
        ValueError: when no such line is present (every lesson must state its budget).
    """
    match = _BUDGET.search(text)
    if match is None:
        raise ValueError(
            "no budget line found: the first cell must contain e.g. "
            "'**Budget:** runs in ≤ 60 s on a 2-core CPU'"
        )
    return float(match.group(1))


def notebook_budget(path: str | Path) -> float:
    """Budget in seconds stated in the first cell of the notebook at ``path``."""
    nb = nbformat.read(path, as_version=4)
    if not nb.cells:
        raise ValueError(f"{path}: the notebook is empty; its first cell must state a budget")
    try:
        return budget_from_text(nb.cells[0].source)
    except ValueError as err:
        raise ValueError(f"{path}: {err}") from None


def execute_notebook(path: str | Path, timeout: float | None = 600) -> tuple[float, nbformat.NotebookNode]:
    """Execute a notebook top to bottom in a fresh ``python3`` kernel, in its own folder.

    The file on disk is not modified.

    Args:
        path: the ``.ipynb`` file.
        timeout: seconds allowed per cell (``None``: no limit).

    Returns:
        ``(seconds, executed_notebook)``; wall-clock seconds include kernel start-up.

    Raises:
        nbclient.exceptions.CellExecutionError: a cell raised (its traceback is in the message).
    """
    from nbclient import NotebookClient

    path = Path(path)
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
    )
    start = time.perf_counter()
    client.execute()
    return time.perf_counter() - start, nb


def stored_outputs(path: str | Path) -> int:
    """Number of code cells that carry outputs or an execution count (committed notebooks must have 0)."""
    nb = nbformat.read(path, as_version=4)
    return sum(
        1
        for cell in nb.cells
        if cell.cell_type == "code" and (cell.get("outputs") or cell.get("execution_count") is not None)
    )


def strip_outputs(path: str | Path) -> bool:
    """Remove outputs and execution counts in place; returns whether the file changed."""
    nb = nbformat.read(path, as_version=4)
    changed = False
    for cell in nb.cells:
        if cell.cell_type == "code" and (cell.outputs or cell.execution_count is not None):
            cell.outputs, cell.execution_count, changed = [], None, True
    if changed:
        nbformat.write(nb, path)
    return changed


def find_notebooks(folder: str, root: str | Path = REPO_ROOT) -> list[Path]:
    """The committed notebooks of ``lessons`` or ``dashboards``, sorted by name."""
    return sorted(p for p in (Path(root) / folder).glob("*.ipynb"))
