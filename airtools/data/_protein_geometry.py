r"""Backbone geometry of a protein chain: torsions, local frames, contact maps and residue graphs.

Every function takes ``backbone: [n_res, 4, 3]`` (atoms N, CA, C, O of each residue, Å, float64) and is
built from differences of positions, so all features are invariant under a global rotation + translation
(torsions flip sign under a mirror: they are pseudoscalars that tell L- from D-amino acids).
"""
from __future__ import annotations

import numpy as np
import torch

from airtools.graph import radius_graph

__all__ = ["dihedral", "torsions", "backbone_frames", "ca_distances", "contact_map", "residue_graph",
           "torsion_features", "ca_window", "EDGE_FEATURES", "N_EDGE_FEATURES", "BREAK_DISTANCE"]

N, CA, C, O = 0, 1, 2, 3
BREAK_DISTANCE = 2.0  # Å: a C(i)-N(i+1) peptide bond longer than this is a chain break
_SEQ_OFFSETS = (-4, -3, -2, -1, 1, 2, 3, 4)
# name -> slice of ``edge_attr`` columns built by :func:`residue_graph`
EDGE_FEATURES = {"ca_distance_rbf": slice(0, 16), "sequence_offset": slice(16, 26),
                 "direction_local": slice(26, 29), "relative_rotation": slice(29, 38),
                 "o_to_n_rbf": slice(38, 46), "n_to_o_rbf": slice(46, 54)}
N_EDGE_FEATURES = 54


def dihedral(p0, p1, p2, p3) -> np.ndarray:
    r"""Dihedral angle of four points in degrees, in (-180, 180], IUPAC sign (clockwise looking down p1->p2).

    With bond vectors :math:`b_1 = p_1 - p_0,\ b_2 = p_2 - p_1,\ b_3 = p_3 - p_2`,

    .. math:: \theta = \operatorname{atan2}\big(|b_2|\, b_1 \cdot (b_2 \times b_3),\;
              (b_1 \times b_2) \cdot (b_2 \times b_3)\big)

    Shapes: each point ``[..., 3]`` -> ``[...]``.

    >>> float(dihedral([1, 0, 0], [0, 0, 0], [0, 0, 1], [0, 1, 1]))  # a quarter turn
    90.0
    """
    p0, p1, p2, p3 = (np.asarray(p, dtype=np.float64) for p in (p0, p1, p2, p3))
    b1, b2, b3 = p1 - p0, p2 - p1, p3 - p2
    n1, n2 = np.cross(b1, b2), np.cross(b2, b3)
    y = np.linalg.norm(b2, axis=-1) * np.sum(b1 * n2, axis=-1)
    return np.degrees(np.arctan2(y, np.sum(n1 * n2, axis=-1)))


def torsions(backbone) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""Backbone torsions :math:`\varphi, \psi, \omega` of each residue, degrees.

    .. math:: \varphi_i = \angle(C_{i-1}, N_i, C^\alpha_i, C_i),\quad
              \psi_i = \angle(N_i, C^\alpha_i, C_i, N_{i+1}),\quad
              \omega_i = \angle(C^\alpha_i, C_i, N_{i+1}, C^\alpha_{i+1})

    (:math:`\omega_i` is the peptide bond *after* residue i.) NaN where a neighbour is missing: at the chain
    ends and across a break (:math:`|C_i - N_{i+1}| >` ``BREAK_DISTANCE`` Å). A right-handed α-helix has
    φ ≈ -63°, ψ ≈ -42°; a β-strand φ ≈ -120°, ψ ≈ +130°; a trans peptide ω ≈ ±180°.

    Shapes: ``backbone: [n_res, 4, 3]`` -> three ``[n_res]`` arrays.

    >>> phi, psi, omega = torsions(np.random.default_rng(0).normal(size=(3, 4, 3)))
    >>> bool(np.isnan(phi[0])), bool(np.isnan(psi[-1])), phi.shape
    (True, True, (3,))
    """
    X = _check_backbone(backbone)
    n = len(X)
    phi, psi, omega = (np.full(n, np.nan) for _ in range(3))
    if n > 1:
        linked = np.linalg.norm(X[1:, N] - X[:-1, C], axis=-1) <= BREAK_DISTANCE  # [n-1] bond i -> i+1
        phi[1:] = np.where(linked, dihedral(X[:-1, C], X[1:, N], X[1:, CA], X[1:, C]), np.nan)
        psi[:-1] = np.where(linked, dihedral(X[:-1, N], X[:-1, CA], X[:-1, C], X[1:, N]), np.nan)
        omega[:-1] = np.where(linked, dihedral(X[:-1, CA], X[:-1, C], X[1:, N], X[1:, CA]), np.nan)
    return phi, psi, omega


def backbone_frames(backbone) -> tuple[np.ndarray, np.ndarray]:
    r"""Rigid frame of each residue from N, CA, C by Gram–Schmidt (AlphaFold 2, Alg. 21).

    .. math:: e_1 = \frac{C - C^\alpha}{|C - C^\alpha|},\quad
              e_2 \propto (N - C^\alpha) - [(N - C^\alpha)\cdot e_1]\, e_1,\quad e_3 = e_1 \times e_2,
              \qquad R = [e_1\ e_2\ e_3],\ t = C^\alpha

    A point is :math:`x = R\,x_\text{local} + t`. Moving the protein by :math:`x \mapsto Qx + s` gives
    :math:`R \mapsto QR,\ t \mapsto Qt + s`, so :math:`R_i^\top R_j` and :math:`R_i^\top (t_j - t_i)` are invariant.

    Shapes: ``backbone: [n_res, 4, 3]`` -> ``R: [n_res, 3, 3]`` (columns are the axes), ``t: [n_res, 3]``.

    >>> R, t = backbone_frames(np.random.default_rng(0).normal(size=(2, 4, 3)))
    >>> np.allclose(R @ R.transpose(0, 2, 1), np.eye(3)), np.allclose(np.linalg.det(R), 1.0)
    (True, True)
    """
    X = _check_backbone(backbone)
    e1 = _unit(X[:, C] - X[:, CA])
    u2 = X[:, N] - X[:, CA]
    e2 = _unit(u2 - np.sum(u2 * e1, axis=-1, keepdims=True) * e1)
    return np.stack([e1, e2, np.cross(e1, e2)], axis=-1), X[:, CA].copy()


def ca_distances(backbone) -> np.ndarray:
    r"""CA–CA distances :math:`D_{ij} = |C^\alpha_i - C^\alpha_j|` in Å: ``[n_res, 4, 3]`` -> ``[n_res, n_res]``.

    >>> ca_distances(np.zeros((2, 4, 3)))
    array([[0., 0.],
           [0., 0.]])
    """
    ca = _check_backbone(backbone)[:, CA]
    return np.linalg.norm(ca[:, None] - ca[None, :], axis=-1)


def contact_map(backbone, cutoff: float = 8.0) -> np.ndarray:
    r"""Contacts :math:`D_{ij} < \text{cutoff}` on CA atoms (diagonal included): ``bool [n_res, n_res]``, symmetric.

    >>> contact_map(np.arange(24.0).reshape(2, 4, 3) * 5).astype(int)
    array([[1, 0],
           [0, 1]])
    """
    return ca_distances(backbone) < cutoff


def residue_graph(backbone, k: int = 12, r_cut: float | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    r"""k-nearest-neighbour graph on CA atoms with invariant edge features (``EDGE_FEATURES`` columns).

    For the edge :math:`j \to i` (``edge_index[0] = j`` source, ``edge_index[1] = i`` target, as in
    ``airtools.graph``): Gaussian RBFs of :math:`|C^\alpha_j - C^\alpha_i|` (16, 0–20 Å); one-hot sequence offset
    :math:`j - i \in \{-4..-1, 1..4\}` or "far before/after" (10); the neighbour's direction in i's frame
    :math:`R_i^\top (t_j - t_i)/|t_j - t_i|` (3); the relative rotation :math:`R_i^\top R_j` (9); RBFs of the
    hydrogen-bond distances :math:`|O_i - N_j|` and :math:`|N_i - O_j|` (8 + 8, 0–10 Å).

    Args:
        backbone: ``[n_res, 4, 3]``.
        k: neighbours per residue (nearest CA first).
        r_cut: optional distance cutoff (Å) on top of the k nearest.

    Returns:
        ``edge_index: [2, n_edges]`` (long), ``edge_attr: [n_edges, 54]`` (float64).

    >>> edge_index, edge_attr = residue_graph(np.random.default_rng(0).normal(size=(5, 4, 3)) * 3, k=2)
    >>> edge_index.shape, edge_attr.shape
    (torch.Size([2, 10]), torch.Size([10, 54]))
    """
    X = _check_backbone(backbone)
    R, t = backbone_frames(X)
    edge_index = radius_graph(torch.from_numpy(t), r_cut or float("inf"), max_neighbors=k)
    j, i = edge_index.numpy()
    d = t[j] - t[i]  # [n_edges, 3]
    r = np.linalg.norm(d, axis=-1)
    offset = j - i
    seq = np.stack([offset == s for s in _SEQ_OFFSETS] + [offset < -4, offset > 4], axis=-1)  # [n_edges, 10]
    direction = np.einsum("eab,ea->eb", R[i], d) / np.maximum(r, 1e-9)[:, None]
    rel = np.einsum("eab,eac->ebc", R[i], R[j]).reshape(-1, 9)
    parts = [_rbf(r, 20.0, 16), seq, direction, rel, _rbf(np.linalg.norm(X[i, O] - X[j, N], axis=-1), 10.0, 8),
             _rbf(np.linalg.norm(X[i, N] - X[j, O], axis=-1), 10.0, 8)]
    return edge_index, torch.from_numpy(np.concatenate(parts, axis=-1).astype(np.float64))


def torsion_features(backbone) -> np.ndarray:
    r"""Per-residue torsion features ``[n_res, 9]``: for φ, ψ, ω in turn :math:`(\sin, \cos, m)`, where
    :math:`m = 1` when the angle exists and sin = cos = m = 0 where it is NaN (chain end or break).

    >>> torsion_features(np.random.default_rng(0).normal(size=(3, 4, 3)))[0, :3]  # no phi for residue 0
    array([0., 0., 0.])
    """
    cols = []
    for angle in torsions(backbone):
        ok = ~np.isnan(angle)
        a = np.radians(np.where(ok, angle, 0.0))
        cols += [np.where(ok, np.sin(a), 0.0), np.where(ok, np.cos(a), 0.0), ok.astype(np.float64)]
    return np.stack(cols, axis=-1)


def ca_window(backbone, half_width: int = 3) -> np.ndarray:
    r"""Raw CA coordinates of residues :math:`i-w..i+w` relative to :math:`C^\alpha_i`, zero-padded at the ends:
    ``[n_res, 3 (2w + 1)]``. Translation-invariant but *not* rotation-invariant (the raw-coordinate baseline).

    >>> ca_window(np.zeros((4, 4, 3)), half_width=1).shape
    (4, 9)
    """
    ca = _check_backbone(backbone)[:, CA]
    n = len(ca)
    cols = []
    for s in range(-half_width, half_width + 1):
        idx = np.arange(n) + s
        ok = (idx >= 0) & (idx < n)
        cols.append(np.where(ok[:, None], ca[np.clip(idx, 0, n - 1)] - ca, 0.0))
    return np.concatenate(cols, axis=-1)


def _rbf(r, r_max, n):
    mu = np.linspace(0.0, r_max, n)
    return np.exp(-0.5 * ((r[:, None] - mu) / (mu[1] - mu[0])) ** 2)


def _unit(v):
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


def _check_backbone(backbone) -> np.ndarray:
    X = np.asarray(backbone.detach().cpu() if isinstance(backbone, torch.Tensor) else backbone, dtype=np.float64)
    if X.ndim != 3 or X.shape[1:] != (4, 3):
        raise ValueError(f"backbone: expected shape [n_res, 4, 3] (atoms N, CA, C, O per residue), got {list(X.shape)}")
    if not np.isfinite(X).all():
        raise ValueError("backbone: contains NaN or inf; expected finite coordinates in Å")
    return X
