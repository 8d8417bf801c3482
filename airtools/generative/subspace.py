r"""The zero-centre-of-mass subspace: where positions live and diffuse, per molecule of a batch.

A translation-invariant density on positions cannot be normalised on all of :math:`\mathbb R^{3n}`, so EDM
(and earlier E(n) flows) put it on the linear subspace

.. math:: X = \{x \in \mathbb R^{n \times 3}: \textstyle\sum_i x_i = 0\}, \qquad \dim X = 3(n - 1),

one subspace per molecule. The projection :math:`P x = x - \bar x` (subtract the mean of each molecule) maps
isotropic Gaussian noise to isotropic Gaussian noise *on* :math:`X`: :math:`P\epsilon` with
:math:`\epsilon \sim \mathcal N(0, I_{3n})` is :math:`\mathcal N(0, I)` in any orthonormal basis of :math:`X`.
Both :math:`P` and the Gaussian commute with rotations, which is what makes the model's density invariant.

Batches follow airtools' convention: ``pos: [n_atoms, 3]``, ``batch: [n_atoms]`` (sorted molecule index).
"""
import torch
from torch import Tensor

from airtools.graph import check_batch, num_graphs, scatter_sum


def center_of_mass(pos: Tensor, batch: Tensor | None = None) -> Tensor:
    r"""Unweighted mean position of each molecule, :math:`\bar x_m = \frac{1}{n_m} \sum_{i \in m} x_i`.

    Shapes: ``pos: [n_atoms, d]``, ``batch: [n_atoms]`` -> ``[n_graphs, d]``.

    >>> center_of_mass(torch.tensor([[0.0, 0, 0], [2, 0, 0], [5, 5, 5]]), torch.tensor([0, 0, 1]))
    tensor([[1., 0., 0.],
            [5., 5., 5.]])
    """
    batch = check_batch(batch, pos.shape[0], device=pos.device)
    n_graphs = num_graphs(batch)
    counts = scatter_sum(torch.ones_like(pos[:, :1]), batch, n_graphs)  # [n_graphs, 1]
    return scatter_sum(pos, batch, n_graphs) / counts.clamp(min=1)


def remove_mean(pos: Tensor, batch: Tensor | None = None) -> Tensor:
    r"""Project onto the zero-centre-of-mass subspace: :math:`P x_i = x_i - \bar x_{m(i)}`.

    :math:`P` is linear, idempotent (:math:`P^2 = P`) and commutes with rotations and permutations within a
    molecule. Shapes: ``pos: [n_atoms, d]`` -> ``[n_atoms, d]``.

    >>> pos = remove_mean(torch.tensor([[0.0, 0, 0], [2, 0, 0], [5, 5, 5]]), torch.tensor([0, 0, 1]))
    >>> pos
    tensor([[-1.,  0.,  0.],
            [ 1.,  0.,  0.],
            [ 0.,  0.,  0.]])
    """
    batch = check_batch(batch, pos.shape[0], device=pos.device)
    return pos - center_of_mass(pos, batch)[batch]


def zero_com_noise(batch: Tensor, dim: int = 3, *, generator: torch.Generator | None = None,
                   dtype: torch.dtype | None = None, device=None) -> Tensor:
    r"""Standard Gaussian noise on the zero-CoM subspace: :math:`P\epsilon`, :math:`\epsilon \sim \mathcal N(0, I)`.

    Per molecule of n atoms the squared norm is :math:`\chi^2` with :math:`3(n - 1)` degrees of freedom
    (not :math:`3n`): the mean removed one atom's worth of variance.

    The noise is drawn on the generator's device and then moved to ``device``, so one CPU generator gives the
    same noise on a CPU and on a GPU.

    Args:
        batch: ``[n_atoms]`` molecule index.
        dim: spatial dimension of the positions.
        generator, dtype, device: as in ``torch.randn`` (device: default ``batch.device``).

    Returns:
        ``[n_atoms, dim]`` with zero mean in each molecule.

    >>> eps = zero_com_noise(torch.tensor([0, 0, 0, 1, 1]), generator=torch.Generator().manual_seed(0))
    >>> eps.shape, center_of_mass(eps, torch.tensor([0, 0, 0, 1, 1])).abs().max() < 1e-6
    (torch.Size([5, 3]), tensor(True))
    """
    device = batch.device if device is None else device
    eps = torch.randn(batch.shape[0], dim, generator=generator, dtype=dtype,
                      device=generator.device if generator is not None else device)
    return remove_mean(eps.to(device), batch.to(device))


def subspace_dim(batch: Tensor, dim: int = 3) -> Tensor:
    r"""Degrees of freedom of the positions of each molecule on the subspace: :math:`d\,(n_m - 1)`.

    >>> subspace_dim(torch.tensor([0, 0, 0, 1, 1]))
    tensor([6, 3])
    """
    batch = check_batch(batch, batch.shape[0], device=batch.device)
    return dim * (torch.bincount(batch) - 1)


def assert_zero_com(pos: Tensor, batch: Tensor | None = None, *, rtol: float = 1e-6, what: str = "pos") -> None:
    r"""Raise ``ValueError`` unless every molecule's mean position is zero relative to the largest coordinate.

    :math:`\max_m |\bar x_m| \le \text{rtol} \cdot \max(\max_i |x_i|, 1)`; a good float64 projection reaches
    ~1e-16, float32 ~1e-7.

    >>> assert_zero_com(torch.tensor([[1.0, 0, 0], [-1, 0, 0]]))
    >>> assert_zero_com(torch.tensor([[1.0, 0, 0], [0, 0, 0]]))
    Traceback (most recent call last):
    ...
    ValueError: pos: the centre of mass of molecule 0 is 0.5 (relative 0.5), expected 0 (project with remove_mean)
    """
    com = center_of_mass(pos, batch).norm(dim=-1)  # [n_graphs]
    if not com.numel():
        return
    scale = max(pos.abs().max().item(), 1.0)
    worst = int(com.argmax())
    if com[worst].item() > rtol * scale:
        raise ValueError(f"{what}: the centre of mass of molecule {worst} is {com[worst].item():.3g} "
                         f"(relative {com[worst].item() / scale:.3g}), expected 0 (project with remove_mean)")
