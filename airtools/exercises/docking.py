r"""Checker for the docking exercise of lesson 24: the RMSD of a docked pose to the crystal pose, without
alignment and over the ligand's symmetries.

It prints one "✅ ..." line and returns a ``Passed``, or raises ``AssertionError`` naming the mistake: a Kabsch
alignment first (which erases the docking error), the symmetries ignored, the maximum or the mean over them
instead of the minimum, the mean square without its root, a sum over atoms, a mean over coordinates.

>>> from airtools.docking import pose_rmsd
>>> result = check_docking_rmsd(lambda pos, ref, symmetries: float(pose_rmsd(pos, ref, symmetries)))
✅ your docking RMSD matches on 3 poses (largest difference 0.0e+00); without the symmetries the swapped pose ...
"""
from __future__ import annotations

import numpy as np

from airtools.docking import pose_rmsd
from airtools.generative import kabsch_rmsd

from ._common import Passed, call, passed, to_float

__all__ = ["check_docking_rmsd"]


def check_docking_rmsd(fn, *, tolerance: float = 1e-8) -> Passed:
    r"""Check ``fn(pos [n, 3], ref [n, 3], symmetries [k, n]) -> float``: the RMSD of pose ``pos`` to ``ref``
    with no alignment, minimised over the atom permutations in ``symmetries`` (row 0 the identity):
    :math:`\min_\pi \sqrt{\frac1n \sum_i \lVert x_{\pi(i)} - x^\text{ref}_i \rVert^2}`.

    Tried on a toy ligand of 8 atoms with two symmetric pairs (4 symmetries): the same pose with the symmetric
    atoms swapped and a little noise, a shifted and turned pose, and the crystal pose itself.

    Returns:
        ``Passed(max_difference=..., naive_rmsd=...)``: the naive RMSD is that of the swapped pose, atoms in
        order; prints "✅ ..." on success.

    >>> check_docking_rmsd(lambda pos, ref, symmetries: float(np.sqrt(((pos - ref) ** 2).sum(-1).mean())))
    Traceback (most recent call last):
    AssertionError: your RMSD of the same pose with symmetric atoms swapped is 1.648 but the docking RMSD is 0.1037...
    """
    rng = np.random.default_rng(24)
    ref = rng.normal(size=(8, 3)) * [3.0, 2.0, 1.0]
    swap_a, swap_b = [0, 2, 1, 3, 4, 5, 6, 7], [0, 1, 2, 3, 5, 4, 6, 7]
    symmetries = np.array([list(range(8)), swap_a, swap_b, [swap_a[i] for i in swap_b]])
    c = ref.mean(0)
    turn = _rotation(rng.normal(size=3), 0.6)
    cases = {"the same pose with symmetric atoms swapped": ref[swap_a] + 0.05 * rng.normal(size=ref.shape),
             "a shifted and turned pose": (ref - c) @ turn.T + c + [1.5, -0.5, 0.8],
             "the crystal pose itself": ref.copy()}
    worst = 0.0
    for name, pos in cases.items():
        how = f"fn(pos, ref, symmetries) with pos, ref of shape [8, 3] and symmetries [4, 8] ({name})"
        got = to_float(call(fn, pos.copy(), ref.copy(), symmetries.copy(), how=how), how)
        want = float(pose_rmsd(pos, ref, symmetries))
        if not abs(got - want) <= tolerance:
            raise AssertionError(f"your RMSD of {name} is {got:.4g} but the docking RMSD is {want:.4g}"
                                 + _hint(got, pos, ref, symmetries, want))
        worst = max(worst, abs(got - want))
    naive = float(pose_rmsd(cases["the same pose with symmetric atoms swapped"], ref))
    return passed(f"your docking RMSD matches on 3 poses (largest difference {worst:.1e}); without the symmetries the "
                  f"swapped pose would be {naive:.2f} Å off", max_difference=worst, naive_rmsd=naive)


def _hint(got, pos, ref, symmetries, want) -> str:
    per_symmetry = np.sqrt(((pos[symmetries] - ref) ** 2).sum(-1).mean(-1))  # [k]
    msd = ((pos[symmetries] - ref) ** 2).sum(-1).mean(-1)
    candidates = {
        ": you aligned the pose first (Kabsch); a docking RMSD compares the coordinates as they are, in the "
        "protein's frame, since where the ligand sits is what docking gets right or wrong":
            min(kabsch_rmsd(pos[p], ref) for p in symmetries),
        ": you aligned the pose first (Kabsch) and ignored the symmetries; compare the coordinates as they are, "
        "and take the minimum over the permutations": kabsch_rmsd(pos, ref),
        ": you ignored the symmetries (atoms in the given order); take the minimum over every permutation in "
        "symmetries, pos[perm] against ref": per_symmetry[0],
        ": that is the largest RMSD over the symmetries; take the smallest": per_symmetry.max(),
        ": you averaged over the symmetries; take the smallest RMSD (the best relabelling)": per_symmetry.mean(),
        ": that is the mean squared deviation; take its square root": msd.min(),
        ": you summed over the atoms; average the squared distances over the n atoms, then take the root":
            np.sqrt(msd.min() * len(ref)),
        ": you averaged over the 3n coordinates; average the squared distances |x_i - x_i^ref|^2 over the n atoms":
            np.sqrt(msd.min() / 3),
    }
    for text, value in candidates.items():
        if abs(got - value) < 1e-8 and abs(value - want) > 1e-8:
            return text
    return ": for each permutation p in symmetries, sqrt(mean over atoms of |pos[p] - ref|^2); return the smallest"


def _rotation(axis, angle: float) -> np.ndarray:
    """Rodrigues: the rotation by ``angle`` about ``axis`` (any length)."""
    k = np.asarray(axis) / np.linalg.norm(axis)
    K = np.array([[0, -k[2], k[1]], [k[2], 0, -k[0]], [-k[1], k[0], 0]])
    return np.eye(3) + np.sin(angle) * K + (1 - np.cos(angle)) * K @ K
