"""Batching molecules into one disjoint graph, and the scatter sum that pools over it."""
import torch
from torch import Tensor


def check_batch(batch: Tensor | None, n_atoms: int, *, device=None) -> Tensor:
    """Validate a batch vector (or make one: all atoms in molecule 0).

    A valid ``batch`` is an integer tensor of shape ``[n_atoms]``, non-negative and sorted
    (atoms of one molecule are contiguous), as :func:`batch_molecules` builds it.

    Args:
        batch: ``[n_atoms]`` graph index of each atom, or ``None``.
        n_atoms: number of atoms it must describe.
        device: where to create the all-zeros batch when ``batch`` is ``None``.

    Returns:
        ``batch: [n_atoms]`` (long).

    >>> check_batch(None, 3)
    tensor([0, 0, 0])
    >>> check_batch(torch.tensor([1, 0]), 2)
    Traceback (most recent call last):
    ...
    ValueError: batch: expected a sorted (non-decreasing) graph index, got [1, 0]
    """
    if batch is None:
        return torch.zeros(n_atoms, dtype=torch.long, device=device)
    if not isinstance(batch, Tensor) or batch.dtype.is_floating_point or batch.dtype == torch.bool:
        raise ValueError(f"batch: expected an integer tensor of shape [{n_atoms}], got {batch!r}")
    if batch.shape != (n_atoms,):
        raise ValueError(f"batch: expected shape [{n_atoms}] (one graph index per atom), got {list(batch.shape)}")
    if n_atoms and bool((batch < 0).any()):
        raise ValueError("batch: graph indices must be >= 0")
    if n_atoms > 1 and bool((batch[1:] < batch[:-1]).any()):
        shown = batch[:8].tolist()
        raise ValueError(f"batch: expected a sorted (non-decreasing) graph index, got {shown}")
    return batch.long()


def num_graphs(batch: Tensor) -> int:
    """Number of graphs in a batch vector: ``max(batch) + 1`` (0 for no atoms).

    >>> num_graphs(torch.tensor([0, 0, 1, 2, 2]))
    3
    """
    return int(batch.max()) + 1 if batch.numel() else 0


def batch_molecules(molecules) -> tuple[Tensor, Tensor, Tensor]:
    """Concatenate molecules into one disjoint graph.

    Args:
        molecules: iterable of ``(z [n_i], pos [n_i, 3])``.

    Returns:
        ``z: [N]``, ``pos: [N, 3]`` and ``batch: [N]`` with ``batch[k] = m`` for the atoms of molecule m,
        ``N = Σ n_i``.

    >>> z, pos, batch = batch_molecules([(torch.tensor([8, 1, 1]), torch.zeros(3, 3)),
    ...                                  (torch.tensor([6]), torch.ones(1, 3))])
    >>> batch
    tensor([0, 0, 0, 1])
    """
    molecules = list(molecules)
    if not molecules:
        raise ValueError("molecules: expected at least one (z, pos) pair, got an empty list")
    for m, (z, pos) in enumerate(molecules):
        if z.ndim != 1 or pos.shape != (z.shape[0], 3):
            raise ValueError(
                f"molecules[{m}]: expected z [n] and pos [n, 3], got {list(z.shape)} and {list(pos.shape)}"
            )
    z = torch.cat([z for z, _ in molecules])
    pos = torch.cat([pos for _, pos in molecules])
    sizes = torch.tensor([len(z_m) for z_m, _ in molecules], device=pos.device)
    batch = torch.repeat_interleave(torch.arange(len(molecules), device=pos.device), sizes)
    return z, pos, batch


def scatter_sum(src: Tensor, index: Tensor, dim_size: int) -> Tensor:
    r"""Sum rows of ``src`` into ``dim_size`` bins: :math:`\text{out}_k = \sum_{e:\ \text{index}_e = k} \text{src}_e`.

    Args:
        src: ``[E, ...]`` values (edge messages, atomic energies).
        index: ``[E]`` bin of each row (target atom, graph index).
        dim_size: number of bins.

    Returns:
        ``[dim_size, ...]``; empty bins are zero. Differentiable (``index_add``).

    >>> scatter_sum(torch.tensor([1.0, 2.0, 3.0]), torch.tensor([0, 0, 2]), 3)
    tensor([3., 0., 3.])
    """
    out = src.new_zeros((dim_size, *src.shape[1:]))
    return out.index_add(0, index, src)
