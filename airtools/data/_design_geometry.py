r"""Extra invariant geometry for inverse folding: the virtual Cβ, burial counts and atom-pair distances.

The amino acid of a residue is written in where its side chain would point and how crowded that place is, so
ProteinMPNN (Dauparas et al., Science 2022) adds to the Cα graph a virtual Cβ and the distances between all
backbone atoms of two neighbours. Every function takes ``backbone: [n_res, 4, 3]`` (N, CA, C, O, Å) and uses
differences of positions and one cross product only: invariant under rotations and translations (a mirror image
moves the virtual Cβ to the other side, as the side chain of a D-amino acid).
"""
from __future__ import annotations

import numpy as np

from ._protein_geometry import _check_backbone, _rbf

__all__ = ["virtual_cb", "burial_counts", "atom_pair_rbf", "BURIAL_RADII", "N_PAIR_RBF", "N_ATOM_PAIR_FEATURES"]

BURIAL_RADII = (6.0, 8.0, 10.0, 12.0)  # Å: Cβ neighbours counted within each radius
N_PAIR_RBF = 8  # Gaussians per atom-pair distance, 0-20 Å
N_ATOM_PAIR_FEATURES = 25 * N_PAIR_RBF  # N, CA, C, O, Cβ of residue i against the same five atoms of j
_BURIAL_SCALE = 20.0  # a count divided by this is O(1) (a buried Cβ has ~40 others within 12 Å)


def virtual_cb(backbone) -> np.ndarray:
    r"""Where a Cβ atom would sit on each residue, from N, CA, C (ideal geometry; ProteinMPNN's constants):

    .. math:: b = C^\alpha - N,\quad c = C - C^\alpha,\quad a = b \times c,\qquad
              C^\beta = -0.58273431\, a + 0.56802827\, b - 0.54067466\, c + C^\alpha

    Shapes: ``backbone: [n_res, 4, 3]`` -> ``[n_res, 3]``. The CA–Cβ bond comes out at 1.53 Å, as in real side chains:

    >>> from airtools.data import load_chain
    >>> X = load_chain("1ahsA").backbone
    >>> round(float(np.linalg.norm(virtual_cb(X) - X[:, 1], axis=-1).mean()), 2)
    1.53
    """
    X = _check_backbone(backbone)
    b, c = X[:, 1] - X[:, 0], X[:, 2] - X[:, 1]
    return -0.58273431 * np.cross(b, c) + 0.56802827 * b - 0.54067466 * c + X[:, 1]


def burial_counts(backbone) -> np.ndarray:
    r"""How buried each residue is: the number of other virtual Cβ atoms within each of ``BURIAL_RADII`` of its
    own, divided by 20, ``[n_res, 4]``. Hydrophobic residues sit inside (high counts), charged ones outside.

    >>> float(burial_counts(np.random.default_rng(0).normal(size=(3, 4, 3)) * 100).sum())  # far apart: none
    0.0
    """
    cb = virtual_cb(backbone)
    d = np.linalg.norm(cb[:, None] - cb[None, :], axis=-1)  # [n_res, n_res]
    np.fill_diagonal(d, np.inf)
    return np.stack([(d < r).sum(-1) for r in BURIAL_RADII], axis=-1) / _BURIAL_SCALE


def atom_pair_rbf(backbone, edge_index) -> np.ndarray:
    r"""Gaussian RBFs (``N_PAIR_RBF``, 0–20 Å) of the 25 distances :math:`|A_i - B_j|` for the edge
    :math:`j \to i`, with A and B each of N, CA, C, O and the virtual Cβ (ProteinMPNN's edge input).

    Shapes: ``backbone: [n_res, 4, 3]``, ``edge_index: [2, n_edges]`` (``[0]`` = j, ``[1]`` = i) ->
    ``[n_edges, 200]``, float64; columns ordered by (atom of i, atom of j, Gaussian).

    >>> atom_pair_rbf(np.random.default_rng(0).normal(size=(3, 4, 3)), np.array([[0, 1], [1, 2]])).shape
    (2, 200)
    """
    X = _check_backbone(backbone)
    atoms = np.concatenate([X, virtual_cb(X)[:, None]], axis=1)  # [n_res, 5, 3]
    j, i = np.asarray(edge_index)
    d = np.linalg.norm(atoms[i][:, :, None] - atoms[j][:, None, :], axis=-1)  # [n_edges, 5, 5]
    return _rbf(d.reshape(-1), 20.0, N_PAIR_RBF).reshape(len(j), N_ATOM_PAIR_FEATURES)
