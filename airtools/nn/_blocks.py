"""Small building blocks shared by the models: element embedding, distance embedding, MLPs."""
import math

import torch
from torch import Tensor, nn

from ._cutoff import CosineCutoff, PolynomialCutoff
from ._radial import BesselBasis, GaussianBasis


class ShiftedSoftplus(nn.Module):
    r"""SchNet's activation :math:`\mathrm{ssp}(x) = \ln(1 + e^x) - \ln 2` (so that ssp(0) = 0).

    >>> ShiftedSoftplus()(torch.zeros(2))
    tensor([0., 0.])
    """

    def forward(self, x: Tensor) -> Tensor:
        return nn.functional.softplus(x) - math.log(2.0)


def mlp(sizes: list[int], act: type[nn.Module] = nn.SiLU, *, last_act: bool = False) -> nn.Sequential:
    """Dense layers ``sizes[0] -> sizes[1] -> ... -> sizes[-1]`` with ``act`` between them.

    Args:
        sizes: widths, input first.
        act: activation class, instantiated between layers (and after the last one if ``last_act``).

    >>> mlp([4, 8, 1])
    Sequential(
      (0): Linear(in_features=4, out_features=8, bias=True)
      (1): SiLU()
      (2): Linear(in_features=8, out_features=1, bias=True)
    )
    """
    if len(sizes) < 2:
        raise ValueError(f"sizes: expected at least [n_in, n_out], got {sizes}")
    layers: list[nn.Module] = []
    for k, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Linear(n_in, n_out))
        if k < len(sizes) - 2 or last_act:
            layers.append(act())
    return nn.Sequential(*layers)


class AtomEmbedding(nn.Module):
    """Learned vector per chemical element: ``z: [n_atoms]`` (atomic numbers 1..max_z) -> ``[n_atoms, dim]``.

    Raises ``ValueError`` naming the offending atomic number when ``z`` is outside 1..max_z.

    >>> AtomEmbedding(max_z=10, dim=4)(torch.tensor([1, 8])).shape
    torch.Size([2, 4])
    >>> AtomEmbedding(max_z=10, dim=4)(torch.tensor([0]))
    Traceback (most recent call last):
    ...
    ValueError: z: unknown element 0 (expected atomic numbers 1..10)
    """

    def __init__(self, max_z: int = 100, dim: int = 32):
        super().__init__()
        self.max_z = max_z
        self.embedding = nn.Embedding(max_z + 1, dim)

    def forward(self, z: Tensor) -> Tensor:
        bad = (z < 1) | (z > self.max_z)
        if bool(bad.any()):
            raise ValueError(f"z: unknown element {int(z[bad][0])} (expected atomic numbers 1..{self.max_z})")
        return self.embedding(z)


class RadialEmbedding(nn.Module):
    r"""Distance features for message passing: :math:`e(r) = \mathrm{basis}(r) \cdot f_\text{cut}(r)`.

    Args:
        n: number of basis functions.
        r_cut: cutoff radius.
        basis: ``"bessel"`` (NequIP, PaiNN) or ``"gaussian"`` (SchNet).
        cutoff: ``"polynomial"`` (smooth to order p) or ``"cosine"``.

    Shapes: ``r: [n_edges]`` -> ``[n_edges, n]``; zero for ``r >= r_cut``, invariant under rotations.

    >>> RadialEmbedding(8, 5.0)(torch.tensor([1.0, 6.0]))[1].abs().max()
    tensor(0.)
    """

    def __init__(self, n: int = 8, r_cut: float = 5.0, basis: str = "bessel", cutoff: str = "polynomial"):
        super().__init__()
        bases = {"bessel": BesselBasis, "gaussian": GaussianBasis}
        cutoffs = {"polynomial": PolynomialCutoff, "cosine": CosineCutoff}
        if basis not in bases:
            raise ValueError(f"basis: expected one of {sorted(bases)}, got {basis!r}")
        if cutoff not in cutoffs:
            raise ValueError(f"cutoff: expected one of {sorted(cutoffs)}, got {cutoff!r}")
        self.basis = bases[basis](n, r_cut)
        self.cutoff = cutoffs[cutoff](r_cut)

    def forward(self, r: Tensor) -> Tensor:
        return self.basis(r) * self.cutoff(r)[..., None]
