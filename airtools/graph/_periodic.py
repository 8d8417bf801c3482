"""Periodic radius graphs: neighbours across cell boundaries (multigraph edges with integer image shifts)."""
import math

import torch
from torch import Tensor

from ._batch import check_batch, num_graphs


def periodic_radius_graph(pos: Tensor, r_cut: float, cell: Tensor, pbc=True,
                          batch: Tensor | None = None) -> tuple[Tensor, Tensor]:
    r"""Edges :math:`(j \to i, n)` for every image with :math:`0 < |r_j + n^\top C - r_i| < r_\text{cut}`.

    ``C`` is the cell (rows are the lattice vectors :math:`a_1, a_2, a_3`, as in ASE) and :math:`n \in
    \mathbb Z^3` an image shift, zero along non-periodic axes. The result is a **multigraph**: a pair can
    appear with several images, and an atom is its own neighbour through images :math:`n \ne 0` when the
    cutoff exceeds a lattice spacing. Any cell shape (triclinic) and any cutoff work; the images searched
    along axis k are :math:`|n_k| \le \lceil r_\text{cut}/h_k + \Delta f_k \rceil` with the face distance
    (height) :math:`h_k = V / |a_l \times a_m|` and :math:`\Delta f_k` the spread of the atoms' fractional
    coordinates, so positions need **not** be wrapped into the cell: shifts refer to the positions as
    given (wrapping first only makes the search smaller). Cost :math:`O(N^2 \cdot n_\text{images})` per
    crystal. No gradient flows through the choice of edges; use :func:`periodic_edge_vectors`.

    Args:
        pos: ``[n_atoms, 3]`` Cartesian positions.
        r_cut: cutoff radius (unit of ``pos``).
        cell: ``[3, 3]`` (shared) or ``[n_graphs, 3, 3]``, rows are lattice vectors.
        pbc: periodic axes: a bool, ``[3]`` or ``[n_graphs, 3]``.
        batch: ``[n_atoms]`` sorted crystal index, or ``None`` for one crystal.

    Returns:
        ``edge_index: [2, n_edges]`` (``[0]`` = source j, ``[1]`` = target i, sorted by target) and
        ``shifts: [n_edges, 3]`` integer image offsets n (long), so that the edge vector is
        ``pos[j] + shifts @ cell - pos[i]``.

    >>> cell = torch.eye(3) * 2.0                   # simple cubic, one atom, a = 2
    >>> edge_index, shifts = periodic_radius_graph(torch.zeros(1, 3), 2.5, cell)
    >>> edge_index.shape[1], sorted(shifts.abs().sum(1).tolist()).count(1)   # 6 faces
    (6, 6)
    """
    if pos.ndim != 2 or pos.shape[-1] != 3:
        raise ValueError(f"pos: expected shape [n_atoms, 3], got {list(pos.shape)}")
    if not r_cut > 0:
        raise ValueError(f"r_cut: expected a positive cutoff radius, got {r_cut}")
    batch = check_batch(batch, pos.shape[0], device=pos.device)
    cell, pbc = check_cell(cell, pbc, num_graphs(batch), dtype=pos.dtype, device=pos.device)
    with torch.no_grad():
        n_max = _images_per_axis(pos, r_cut, cell, pbc, batch)  # [n_graphs, 3]
        reach = n_max.max(0).values.tolist() if len(n_max) else [0, 0, 0]
        grid = [torch.arange(-n, n + 1, device=pos.device) for n in reach]
        images = torch.cartesian_prod(*grid).reshape(-1, 3)  # [n_images, 3], all candidate shifts
        dst, src = (batch[:, None] == batch[None, :]).nonzero(as_tuple=True)  # same-crystal pairs
        g = batch[dst]  # [n_pairs]
        allowed = (images.abs()[None] <= n_max[g][:, None]).all(-1)  # [n_pairs, n_images]
        offsets = torch.einsum("sk,pkl->psl", images.to(pos.dtype), cell[g])  # [n_pairs, n_images, 3]
        vec = (pos[src] - pos[dst])[:, None, :] + offsets
        dist = vec.norm(dim=-1)
        keep = allowed & (dist < r_cut) & (dist > 0)
        pair, image = keep.nonzero(as_tuple=True)
    # pairs come sorted by (target, source) from nonzero, images in grid order: already sorted by target
    return torch.stack([src[pair], dst[pair]]), images[image]


def periodic_edge_vectors(pos: Tensor, edge_index: Tensor, shifts: Tensor, cell: Tensor,
                          batch: Tensor | None = None) -> tuple[Tensor, Tensor]:
    r"""Edge vectors :math:`\vec r_{ij} = r_j + n_{ij}^\top C_{G(i)} - r_i` and their lengths.

    Differentiable in ``pos`` (forces) **and** in ``cell`` (stress: strain both with the same matrix).

    Args:
        pos: ``[n_atoms, 3]``; edge_index: ``[2, n_edges]``; shifts: ``[n_edges, 3]`` integer images;
        cell: ``[3, 3]`` or ``[n_graphs, 3, 3]``; batch: ``[n_atoms]`` or ``None``.

    Returns:
        ``vec: [n_edges, 3]`` and ``length: [n_edges]``.

    >>> cell = torch.eye(3) * 2.0
    >>> periodic_edge_vectors(torch.zeros(1, 3), torch.tensor([[0], [0]]), torch.tensor([[1, 0, 0]]), cell)
    (tensor([[2., 0., 0.]]), tensor([2.]))
    """
    src, dst = edge_index
    batch = check_batch(batch, pos.shape[0], device=pos.device)
    cell = cell.to(pos.dtype)
    if cell.ndim == 2:
        offsets = shifts.to(pos.dtype) @ cell  # [n_edges, 3]
    else:
        offsets = torch.einsum("ek,ekl->el", shifts.to(pos.dtype), cell[batch[dst]])
    vec = pos.index_select(0, src) - pos.index_select(0, dst) + offsets
    return vec, vec.norm(dim=-1)


def check_cell(cell, pbc, n_graphs: int, *, dtype=None, device=None) -> tuple[Tensor, Tensor]:
    """Validate a cell and pbc flags and broadcast them to ``cell: [n_graphs, 3, 3]``, ``pbc: [n_graphs, 3]``.

    ``pbc=None`` means periodic along all three axes. Periodic crystals need a non-singular cell (for a
    slab, give the vacuum direction a lattice vector too and set its pbc flag False).

    >>> cell, pbc = check_cell(torch.eye(3), [True, True, False], 2)
    >>> cell.shape, pbc.tolist()
    (torch.Size([2, 3, 3]), [[True, True, False], [True, True, False]])
    """
    cell = torch.as_tensor(cell, dtype=dtype, device=device)
    if not cell.is_floating_point() or cell.shape[-2:] != (3, 3) or cell.ndim not in (2, 3):
        raise ValueError(f"cell: expected a float tensor [3, 3] or [n_graphs, 3, 3] (rows = lattice vectors), "
                         f"got shape {list(cell.shape)}")
    if cell.ndim == 2:
        cell = cell.expand(n_graphs, 3, 3)
    if cell.shape[0] != n_graphs:
        raise ValueError(f"cell: expected {n_graphs} cells (one per crystal of the batch), got {cell.shape[0]}")
    if not bool(torch.isfinite(cell).all()):
        raise ValueError("cell: contains NaN or inf; expected finite lattice vectors")
    pbc = torch.ones(3, dtype=torch.bool) if pbc is None else pbc
    pbc = torch.as_tensor(pbc, device=device)
    if pbc.dtype != torch.bool or pbc.shape not in ((), (3,), (n_graphs, 3)):
        raise ValueError(f"pbc: expected bools of shape [3] or [{n_graphs}, 3], got {pbc.dtype} {list(pbc.shape)}")
    pbc = pbc.expand(n_graphs, 3)
    volume = torch.linalg.det(cell.double()).abs()  # [n_graphs]
    scale = cell.double().norm(dim=-1).prod(-1).clamp_min(1e-300)
    bad = pbc.any(-1) & (volume <= 1e-8 * scale)
    if bool(bad.any()):
        g = int(bad.nonzero()[0])
        raise ValueError(f"cell: crystal {g} has a singular cell (volume {float(volume[g]):.3g}); give three "
                         f"linearly independent lattice vectors (a vacuum vector along non-periodic axes)")
    return cell, pbc


def _images_per_axis(pos: Tensor, r_cut: float, cell: Tensor, pbc: Tensor, batch: Tensor) -> Tensor:
    """``[n_graphs, 3]`` largest |n_k| needed: ceil(r_cut / h_k + spread of fractional coordinates)."""
    n_graphs = cell.shape[0]
    out = torch.zeros(n_graphs, 3, dtype=torch.long, device=pos.device)
    periodic = pbc.any(-1)
    if not bool(periodic.any()):
        return out
    safe = torch.where(periodic[:, None, None], cell, torch.eye(3, dtype=cell.dtype, device=cell.device))
    inverse = torch.linalg.inv(safe.double())  # columns: reciprocal vectors b_k, a_i . b_k = delta_ik
    heights = 1.0 / inverse.norm(dim=1)  # [n_graphs, 3], h_k = 1 / |b_k| = V / |a_l x a_m|
    frac = torch.einsum("nk,nkl->nl", pos.double(), inverse[batch])  # [n_atoms, 3]
    lo = torch.full((n_graphs, 3), math.inf, dtype=frac.dtype, device=pos.device)
    hi = torch.full((n_graphs, 3), -math.inf, dtype=frac.dtype, device=pos.device)
    lo = lo.scatter_reduce(0, batch[:, None].expand(-1, 3), frac, "amin")
    hi = hi.scatter_reduce(0, batch[:, None].expand(-1, 3), frac, "amax")
    spread = (hi - lo).nan_to_num(0.0, posinf=0.0, neginf=0.0).clamp_min(0.0)
    n = torch.ceil(r_cut / heights + spread + 1e-9).long()
    return torch.where(pbc, n, out)
