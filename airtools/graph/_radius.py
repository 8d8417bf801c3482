"""Radius graphs (all pairs closer than a cutoff, within each molecule) and edge vectors."""
import torch
from torch import Tensor

from ._batch import check_batch


def radius_graph(pos: Tensor, r_cut: float, batch: Tensor | None = None, *, max_neighbors: int | None = None) -> Tensor:
    r"""Edges :math:`j \to i` for every pair with :math:`0 < |r_i - r_j| < r_\text{cut}` in the same molecule.

    Pure torch: the distances of every pair of atoms *within* each molecule (:math:`\sum_G n_G^2` pairs,
    not :math:`N^2` for the whole batch: a batch of 128 QM9 molecules has 42 k such pairs instead of 5.3 M),
    each computed exactly as :math:`|r_j - r_i|`. No self loops. The graph is a discrete choice, so it
    carries no gradient; differentiate through :func:`edge_vectors` instead.

    Args:
        pos: ``[n_atoms, 3]`` positions.
        r_cut: cutoff radius (same unit as ``pos``).
        batch: ``[n_atoms]`` sorted molecule index, or ``None`` for one molecule.
        max_neighbors: keep only the nearest ``max_neighbors`` sources of each target.

    Returns:
        ``edge_index: [2, n_edges]`` (long) with ``edge_index[0] = j`` (source, neighbour) and
        ``edge_index[1] = i`` (target, receiver), sorted by target, then by source.

    >>> pos = torch.tensor([[0.0, 0.0, 0.0], [1.0, 0.0, 0.0], [5.0, 0.0, 0.0]])
    >>> radius_graph(pos, r_cut=2.0)
    tensor([[1, 0],
            [0, 1]])
    """
    if pos.ndim != 2 or pos.shape[-1] != 3:
        raise ValueError(f"pos: expected shape [n_atoms, 3], got {list(pos.shape)}")
    if not r_cut > 0:
        raise ValueError(f"r_cut: expected a positive cutoff radius, got {r_cut}")
    batch = check_batch(batch, pos.shape[0], device=pos.device)
    with torch.no_grad():
        src, dst = _pairs_within_molecules(batch)  # [P] each: every ordered pair of one molecule's atoms
        dist = (pos[src] - pos[dst]).norm(dim=1)  # [P]
        keep = (dist < r_cut) & (src != dst)
        src, dst, dist = src[keep], dst[keep], dist[keep]
        if max_neighbors is not None:
            src, dst = _nearest(src, dst, dist, max_neighbors, pos.shape[0])
    return torch.stack([src, dst])


def _pairs_within_molecules(batch: Tensor) -> tuple[Tensor, Tensor]:
    """``(src, dst)``: for each atom i (in order) every atom j of its molecule (in order), self included."""
    n = batch.shape[0]
    sizes = torch.bincount(batch)  # [n_graphs]
    start = torch.cumsum(sizes, 0) - sizes  # [n_graphs]: first atom of each molecule
    partners = sizes[batch]  # [n]: atoms in each atom's molecule
    dst = torch.repeat_interleave(torch.arange(n, device=batch.device), partners)  # [P]
    offset = torch.arange(dst.shape[0], device=batch.device) - (torch.cumsum(partners, 0) - partners)[dst]
    return start[batch[dst]] + offset, dst


def _nearest(src: Tensor, dst: Tensor, dist: Tensor, k: int, n: int) -> tuple[Tensor, Tensor]:
    """The ``k`` nearest sources of each target among the edges (sorted by target, then source)."""
    order = torch.argsort(dist, stable=True)
    order = order[torch.argsort(dst[order], stable=True)]  # by target, nearest first
    count = torch.bincount(dst, minlength=n)
    rank = torch.arange(order.shape[0], device=dst.device) - (torch.cumsum(count, 0) - count)[dst[order]]
    chosen = torch.sort(order[rank < k]).values  # back to (target, source) order
    return src[chosen], dst[chosen]


def edge_vectors(pos: Tensor, edge_index: Tensor) -> tuple[Tensor, Tensor]:
    r"""Edge vectors :math:`\vec r_{ij} = r_j - r_i` (from target i to source j) and their lengths.

    Args:
        pos: ``[n_atoms, 3]``.
        edge_index: ``[2, n_edges]`` with ``edge_index[0] = j`` (source), ``edge_index[1] = i`` (target).

    Returns:
        ``vec: [n_edges, 3] = pos[j] - pos[i]`` and ``length: [n_edges]``; both differentiable in ``pos``,
        ``vec`` rotates with the molecule and ``length`` is invariant.

    >>> pos = torch.tensor([[0.0, 0.0, 0.0], [3.0, 4.0, 0.0]])
    >>> vec, length = edge_vectors(pos, torch.tensor([[1], [0]]))
    >>> vec, length
    (tensor([[3., 4., 0.]]), tensor([5.]))
    """
    src, dst = edge_index
    vec = pos.index_select(0, src) - pos.index_select(0, dst)  # [n_edges, 3]
    return vec, vec.norm(dim=-1)
