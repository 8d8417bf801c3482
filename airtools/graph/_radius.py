"""Radius graphs (all pairs closer than a cutoff, within each molecule) and edge vectors."""
import torch
from torch import Tensor

from ._batch import check_batch


def radius_graph(pos: Tensor, r_cut: float, batch: Tensor | None = None, *, max_neighbors: int | None = None) -> Tensor:
    r"""Edges :math:`j \to i` for every pair with :math:`0 < |r_i - r_j| < r_\text{cut}` in the same molecule.

    Pure torch: one ``cdist`` over all atoms, masked to same-molecule blocks (memory :math:`O(N^2)`,
    fine for the few thousand atoms of a batch of small molecules). No self loops. The graph is a
    discrete choice, so it carries no gradient; differentiate through :func:`edge_vectors` instead.

    Args:
        pos: ``[n_atoms, 3]`` positions.
        r_cut: cutoff radius (same unit as ``pos``).
        batch: ``[n_atoms]`` sorted molecule index, or ``None`` for one molecule.
        max_neighbors: keep only the nearest ``max_neighbors`` sources of each target.

    Returns:
        ``edge_index: [2, n_edges]`` (long) with ``edge_index[0] = j`` (source, neighbour) and
        ``edge_index[1] = i`` (target, receiver), sorted by target.

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
        dist = torch.cdist(pos, pos, compute_mode="donot_use_mm_for_euclid_dist")  # [n, n], exact per pair
        same = batch[:, None] == batch[None, :]
        keep = same & (dist < r_cut)
        keep.fill_diagonal_(False)
        if max_neighbors is not None and pos.shape[0] > max_neighbors:
            dist = dist.masked_fill(~keep, float("inf"))
            nearest = dist.topk(max_neighbors, dim=1, largest=False).indices  # [n, k] per target row
            top = torch.zeros_like(keep).scatter_(1, nearest, True)
            keep = keep & top
        dst, src = keep.nonzero(as_tuple=True)  # row = target i, column = source j
    return torch.stack([src, dst])


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
