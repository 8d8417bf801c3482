"""Random periodic cells for tests of periodic code: skewed (triclinic) on purpose, where a shortcut that only
works for orthogonal cells fails."""
from __future__ import annotations

import numpy as np

__all__ = ["random_cell"]


def random_cell(rng: np.random.Generator, *, diagonal=(2.0, 4.0), shear: float = 1.2) -> np.ndarray:
    """A random skewed cell ``[3, 3]`` (rows are the lattice vectors a_k), float64.

    Diagonal entries are uniform in ``diagonal`` (Å), off-diagonal ones uniform in ``±shear``: for shear near the
    diagonal the face distances h_k are much shorter than |a_k|.

    >>> cell = random_cell(np.random.default_rng(0))
    >>> cell.shape, bool(abs(np.linalg.det(cell)) > 0)
    ((3, 3), True)
    """
    return np.diag(rng.uniform(*diagonal, 3)) + rng.uniform(-shear, shear, (3, 3)) * (1 - np.eye(3))
