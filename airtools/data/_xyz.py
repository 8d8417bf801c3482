"""Molecules from XYZ text (an upload), read with ASE and checked with messages a person can act on.

An XYZ file is ``n`` on the first line, a comment line, then ``n`` lines ``symbol x y z`` (Å)::

    3
    water
    O  0.000  0.000  0.119
    H  0.000  0.763 -0.477
    H  0.000 -0.763 -0.477

:func:`read_xyz` checks the layout line by line first (so a broken file gets "line 4: expected
'symbol x y z'" rather than a parser's internal error), parses with ``ase.io.read`` from an in-memory
string, then rejects geometries no calculation should be asked to do: more than ``MAX_ATOMS`` atoms,
two atoms closer than ``MIN_DISTANCE`` Å (real bonds are >= 0.74 Å, H2), or a molecule wider than
``MAX_EXTENT`` Å.
"""
from __future__ import annotations

import io
import math

import numpy as np
from ase import Atoms
from ase.data import atomic_numbers

__all__ = ["read_xyz", "MAX_ATOMS", "MIN_DISTANCE", "MAX_EXTENT"]

MAX_ATOMS = 100
MIN_DISTANCE = 0.4  # Å
MAX_EXTENT = 100.0  # Å


def read_xyz(text: str | bytes, *, max_atoms: int = MAX_ATOMS, min_distance: float = MIN_DISTANCE,
             max_extent: float = MAX_EXTENT) -> Atoms:
    """The first molecule of an XYZ file's text, validated.

    Args:
        text: the file's content (``bytes`` are decoded as UTF-8).
        max_atoms: largest accepted atom count.
        min_distance: smallest accepted distance between two atoms, Å.
        max_extent: largest accepted distance between two atoms, Å.

    Returns:
        ``ase.Atoms`` with ``numbers: [n_atoms]`` and ``positions: [n_atoms, 3]`` in Å.

    Raises:
        ValueError: a message naming the line or atoms at fault (malformed text, unknown element,
            too many atoms, atoms too close or too far apart).

    >>> read_xyz("3\\nwater\\nO 0 0 0.12\\nH 0 0.76 -0.48\\nH 0 -0.76 -0.48\\n").get_chemical_formula()
    'H2O'
    >>> read_xyz("2\\n\\nH 0 0 0\\nQq 0 0 0.7\\n")
    Traceback (most recent call last):
    ...
    ValueError: xyz line 4: unknown element 'Qq'
    >>> read_xyz("2\\n\\nH 0 0 0\\nH 0 0 0.1\\n")
    Traceback (most recent call last):
    ...
    ValueError: geometry: atoms 1 (H) and 2 (H) are 0.10 Å apart; expected at least 0.4 Å (coordinates in Å?)
    """
    import ase.io

    if isinstance(text, (bytes, bytearray, memoryview)):
        try:
            text = bytes(text).decode("utf-8")
        except UnicodeDecodeError:
            raise ValueError("xyz: the file is not UTF-8 text (expected a plain-text .xyz file)") from None
    _check_layout(text, max_atoms)
    try:
        atoms = ase.io.read(io.StringIO(text), format="xyz", index=0)
    except Exception as err:  # the layout passed, so this is rare: report ASE's reason, not its traceback
        raise ValueError(f"xyz: ASE could not read the file ({type(err).__name__}: {err})") from None
    _check_geometry(atoms, min_distance, max_extent)
    return atoms


def _check_layout(text: str, max_atoms: int) -> None:
    lines = text.strip("\n").splitlines()
    if not lines or not text.strip():
        raise ValueError("xyz: the file is empty (expected the number of atoms on line 1)")
    try:
        n = int(lines[0].strip())
    except ValueError:
        raise ValueError(f"xyz line 1: expected the number of atoms, got {lines[0].strip()[:40]!r}") from None
    if n < 1:
        raise ValueError(f"xyz line 1: expected at least 1 atom, got {n}")
    if n > max_atoms:
        raise ValueError(f"xyz line 1: {n} atoms; this page accepts at most {max_atoms}")
    if len(lines) < n + 2:
        raise ValueError(f"xyz: line 1 announces {n} atoms but the file has {max(len(lines) - 2, 0)} atom "
                         f"line(s) after the comment line")
    for k, line in enumerate(lines[2:n + 2], start=3):
        parts = line.split()
        if len(parts) < 4:
            raise ValueError(f"xyz line {k}: expected 'symbol x y z', got {line.strip()[:40]!r}")
        symbol = parts[0].capitalize() if parts[0].isalpha() else parts[0]
        if symbol not in atomic_numbers or atomic_numbers[symbol] < 1:
            raise ValueError(f"xyz line {k}: unknown element {parts[0]!r}")
        try:
            xyz = [float(p) for p in parts[1:4]]
        except ValueError:
            raise ValueError(f"xyz line {k}: expected three numbers after {parts[0]!r}, "
                             f"got {' '.join(parts[1:4])!r}") from None
        if not all(math.isfinite(v) for v in xyz):
            raise ValueError(f"xyz line {k}: coordinates must be finite numbers, got {' '.join(parts[1:4])!r}")


def _check_geometry(atoms: Atoms, min_distance: float, max_extent: float) -> None:
    pos, symbols = atoms.positions, atoms.get_chemical_symbols()
    if len(atoms) < 2:
        return
    d = np.linalg.norm(pos[:, None] - pos[None], axis=-1)  # [n_atoms, n_atoms]
    np.fill_diagonal(d, np.inf)
    i, j = np.unravel_index(np.argmin(d), d.shape)
    if d[i, j] < min_distance:
        i, j = sorted((int(i), int(j)))
        raise ValueError(f"geometry: atoms {i + 1} ({symbols[i]}) and {j + 1} ({symbols[j]}) are "
                         f"{d[i, j]:.2f} Å apart; expected at least {min_distance} Å (coordinates in Å?)")
    np.fill_diagonal(d, 0.0)
    if d.max() > max_extent:
        raise ValueError(f"geometry: the molecule is {d.max():.0f} Å across; expected at most {max_extent:.0f} Å "
                         f"(coordinates in Å?)")
