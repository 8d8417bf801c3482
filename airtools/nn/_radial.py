"""Radial bases: expand an interatomic distance r into n smooth features."""
import math

import torch
from torch import Tensor, nn


class GaussianBasis(nn.Module):
    r"""Gaussians on a uniform grid (SchNet): :math:`e_k(r) = \exp(-\gamma (r - \mu_k)^2)`.

    :math:`\mu_k` are ``n`` points from 0 to ``r_cut`` and :math:`\gamma = 1 / (2\Delta\mu^2)`.

    Args:
        n: number of Gaussians.
        r_cut: last centre (the cutoff radius).

    Shapes: ``r: [...]`` -> ``[..., n]``.

    >>> GaussianBasis(4, 3.0)(torch.tensor([0.0, 1.0])).shape
    torch.Size([2, 4])
    """

    def __init__(self, n: int = 16, r_cut: float = 5.0):
        super().__init__()
        if n < 2:
            raise ValueError(f"n: expected at least 2 Gaussians, got {n}")
        self.register_buffer("mu", torch.linspace(0.0, r_cut, n))
        self.gamma = 0.5 / (r_cut / (n - 1)) ** 2

    def forward(self, r: Tensor) -> Tensor:
        return torch.exp(-self.gamma * (r[..., None] - self.mu) ** 2)


class BesselBasis(nn.Module):
    r"""Spherical Bessel functions of order 0 (DimeNet, NequIP): :math:`e_k(r) = \sqrt{2/r_c}\,\sin(k\pi r/r_c)/r`.

    They are the radial eigenfunctions of the Laplacian in a ball of radius :math:`r_c` with
    zero value at the boundary, :math:`k = 1 \dots n`. With ``trainable=True`` the frequencies
    :math:`k\pi` are learned (as in NequIP).

    Shapes: ``r: [...]`` (``r > 0``) -> ``[..., n]``.

    >>> e = BesselBasis(3, 5.0)(torch.tensor([5.0]))
    >>> bool(e.abs().max() < 1e-6)  # zero at the cutoff
    True
    """

    def __init__(self, n: int = 8, r_cut: float = 5.0, *, trainable: bool = False):
        super().__init__()
        freq = torch.arange(1, n + 1, dtype=torch.get_default_dtype()) * math.pi
        self.freq = nn.Parameter(freq) if trainable else nn.Buffer(freq)
        self.r_cut = r_cut
        self.prefactor = math.sqrt(2.0 / r_cut)

    def forward(self, r: Tensor) -> Tensor:
        r = r[..., None]  # [..., 1]
        return self.prefactor * torch.sin(self.freq * r / self.r_cut) / r
