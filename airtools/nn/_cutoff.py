"""Smooth cutoff envelopes f(r): 1 at r = 0, 0 for r >= r_cut, so energies stay smooth when atoms
enter or leave a radius graph."""
import math

import torch
from torch import Tensor, nn


class CosineCutoff(nn.Module):
    r"""Cosine cutoff (Behler; SchNet, PaiNN): :math:`f(r) = \tfrac12\left(\cos(\pi r/r_c) + 1\right)` for :math:`r < r_c`, else 0.

    Continuous with a continuous first derivative at :math:`r_c`.

    Shapes: ``r: [...]`` -> ``[...]``.

    >>> CosineCutoff(2.0)(torch.tensor([0.0, 1.0, 2.0, 3.0]))
    tensor([1.0000, 0.5000, 0.0000, 0.0000])
    """

    def __init__(self, r_cut: float = 5.0):
        super().__init__()
        self.r_cut = r_cut

    def forward(self, r: Tensor) -> Tensor:
        f = 0.5 * (torch.cos(math.pi * r / self.r_cut) + 1.0)
        return f * (r < self.r_cut)


class PolynomialCutoff(nn.Module):
    r"""Polynomial envelope (DimeNet, NequIP), with :math:`x = r/r_c`:

    .. math::
        f(x) = 1 - \frac{(p+1)(p+2)}{2} x^p + p(p+2) x^{p+1} - \frac{p(p+1)}{2} x^{p+2}, \quad x < 1,

    and 0 beyond; f, f' and f'' vanish at :math:`r_c` (twice continuously differentiable).

    Shapes: ``r: [...]`` -> ``[...]``.

    >>> PolynomialCutoff(2.0, p=6)(torch.tensor([0.0, 2.0, 3.0]))
    tensor([1., 0., 0.])
    """

    def __init__(self, r_cut: float = 5.0, p: int = 6):
        super().__init__()
        self.r_cut = r_cut
        self.p = p

    def forward(self, r: Tensor) -> Tensor:
        p, x = self.p, r / self.r_cut
        f = 1.0 - (p + 1) * (p + 2) / 2 * x**p + p * (p + 2) * x ** (p + 1) - p * (p + 1) / 2 * x ** (p + 2)
        return f * (x < 1.0)
