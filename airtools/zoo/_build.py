"""``airtools zoo build``: compute the lessons' datasets and train the dashboards' models into the cache,
before a class, and say for each what it cost (seconds, size on disk) and whether it was cached already."""
from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from airtools.cache import cache_dir
from airtools.data import build_all, sample_dimers
from airtools.pde import burgers_dataset

from ._registry import REGISTRY

__all__ = ["DATASETS", "BuildRow", "build", "build_table", "entry_names"]

# the lessons' datasets: name -> (cache folder, build(progress)); the folder's files are what the step wrote
DATASETS: dict[str, tuple[str, Callable]] = {
    "molecule-labels": ("molecules", lambda progress: build_all(progress=progress)),
    "water-dimers": ("interactions", lambda progress: sample_dimers(200, seed=0, progress=progress)),
    "burgers-data": ("pde", lambda progress: burgers_dataset(64, 128, seed=0, progress=progress)),
}


@dataclass
class BuildRow:
    """One line of the build table."""

    name: str
    kind: str  # "data" or "model"
    seconds: float
    bytes: int
    status: str  # "cached" (nothing to do) or "built" / "trained"


def entry_names() -> list[str]:
    """Every name ``build`` accepts: the datasets, then the registered recipes."""
    return list(DATASETS) + list(REGISTRY)


def build(names=None, *, progress: bool = True, echo: Callable[[str], None] | None = None) -> list[BuildRow]:
    """Build ``names`` (default: all of :func:`entry_names`), each once: cached entries only cost a load.

    Args:
        echo: called with each table line as it is ready (e.g. ``print``), so a long build shows progress.

    Returns:
        one :class:`BuildRow` per entry.
    """
    names = list(names or entry_names())
    unknown = sorted(set(names) - set(entry_names()))
    if unknown:
        raise ValueError(f"zoo build: unknown name(s) {unknown}; known: {entry_names()}")
    rows = []
    for name in names:
        t0 = time.perf_counter()
        if name in DATASETS:
            folder, make = DATASETS[name]
            before = _files(cache_dir() / folder)
            make(progress)
            after = _files(cache_dir() / folder)
            row = BuildRow(name, "data", 0.0, sum(after.values()), "cached" if after == before else "built")
        else:
            recipe = REGISTRY[name]
            cached = recipe.is_cached()
            recipe.load(progress=progress)
            row = BuildRow(name, "model", 0.0, recipe.path().stat().st_size, "cached" if cached else "trained")
        row.seconds = time.perf_counter() - t0
        rows.append(row)
        if echo is not None:
            echo(build_table([row], header=len(rows) == 1))
    return rows


def build_table(rows: list[BuildRow], *, header: bool = True) -> str:
    """The rows as an aligned text table (name, kind, seconds, size, status).

    >>> print(build_table([BuildRow("crystal-energy", "model", 41.2, 150_000, "trained")]))
    name                  kind    seconds       size  status
    crystal-energy        model      41.2   146.5 kB  trained
    """
    lines = [f"{'name':<21} {'kind':<5} {'seconds':>9} {'size':>10}  status"] if header else []
    lines += [f"{r.name:<21} {r.kind:<5} {r.seconds:>9.1f} {_size(r.bytes):>10}  {r.status}" for r in rows]
    return "\n".join(lines)


def _files(folder: Path) -> dict[str, int]:
    return {str(p): p.stat().st_size for p in folder.rglob("*") if p.is_file()} if folder.is_dir() else {}


def _size(n: int) -> str:
    for unit in ("B", "kB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
