r"""How far a docked pose is from the crystal pose: heavy-atom RMSD **without alignment**, symmetry-aware.

A docking RMSD compares coordinates as they are, in the protein's frame: aligning the pose onto the crystal
pose first (Kabsch) would erase exactly the error docking makes, where the ligand sits and how it is turned.
Symmetry: atoms that the molecular graph cannot tell apart (the two ortho carbons of a phenyl ring flipped by
180 degrees; for a C2-symmetric ligand such as XK263, the two halves) may swap without changing the pose, so the RMSD
is the minimum over the graph's automorphisms :math:`\pi` (RDKit substructure self-matches):

.. math:: \mathrm{RMSD} = \min_\pi \sqrt{\tfrac1n \textstyle\sum_i \lVert x_{\pi(i)} - x^\text{ref}_i \rVert^2}

This is what RDKit's ``rdMolAlign.CalcRMS`` and PoseBusters compute (a test checks the agreement).
"""
from __future__ import annotations

import numpy as np
from rdkit import Chem

__all__ = ["ligand_symmetries", "pose_rmsd"]


def ligand_symmetries(mol: Chem.Mol, max_matches: int = 10000) -> np.ndarray:
    """Atom permutations ``[k, n_atoms]`` that map the molecular graph onto itself (identity first).

    >>> ligand_symmetries(Chem.MolFromSmiles("Cc1ccccc1")).tolist()   # toluene's ring flip
    [[0, 1, 2, 3, 4, 5, 6], [0, 1, 6, 5, 4, 3, 2]]
    """
    matches = mol.GetSubstructMatches(mol, uniquify=False, useChirality=False, maxMatches=max_matches)
    identity = tuple(range(mol.GetNumAtoms()))
    return np.array(sorted(set(matches), key=lambda m: m != identity), dtype=np.int64)


def pose_rmsd(pos, pos_ref, symmetries=None) -> np.ndarray:
    """RMSD (Å) of poses ``pos [..., n, 3]`` to ``pos_ref [n, 3]``, no alignment, minimised over ``symmetries``
    ``[k, n]`` (from :func:`ligand_symmetries`; None: atoms matched in order, the symmetry-naive RMSD).

    Returns:
        ``[...]`` float64 array (a 0-d array for one pose).

    >>> ref = np.array([[0.0, 0, 0], [1.5, 0, 0]])
    >>> float(pose_rmsd(ref[::-1], ref)), float(pose_rmsd(ref[::-1], ref, [[0, 1], [1, 0]]))
    (1.5, 0.0)
    """
    pos = np.asarray(_numpy(pos), dtype=np.float64)
    ref = np.asarray(_numpy(pos_ref), dtype=np.float64)
    if ref.ndim != 2 or ref.shape[1] != 3 or pos.shape[-2:] != ref.shape:
        raise ValueError(f"pos [..., n, 3], pos_ref [n, 3]: got {list(pos.shape)} and {list(ref.shape)}; pass poses "
                         f"of the same ligand, atoms in the same order")
    perms = np.arange(len(ref))[None] if symmetries is None else np.asarray(symmetries, dtype=np.int64)
    if perms.ndim != 2 or perms.shape[1] != len(ref) or not (np.sort(perms, 1) == np.arange(len(ref))).all():
        raise ValueError(f"symmetries: expected [k, {len(ref)}] permutations of the atom indices (ligand_symmetries), "
                         f"got shape {list(perms.shape)}")
    squared = ((pos[..., perms, :] - ref) ** 2).sum(-1).mean(-1)  # [..., k]
    return np.sqrt(squared.min(-1))


def _numpy(x):
    return x.detach().cpu().numpy() if hasattr(x, "detach") else x
