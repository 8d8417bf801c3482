r"""A diffusion toy with exact answers: a mixture of Gaussians, whose noised distributions are known in closed form.

For data :math:`p_0(x) = \sum_k w_k\, \mathcal N(x;\ \mu_k,\ s^2 I)` the forward process
:math:`z_t = \alpha_t x + \sigma_t \epsilon` keeps it a mixture,

.. math:: q_t(z) = \sum_k w_k\, \mathcal N\big(z;\ \alpha_t \mu_k,\ v_t I\big), \qquad
          v_t = \alpha_t^2 s^2 + \sigma_t^2,

so the best noise prediction (the one a network trained with the L2 loss tends to) is known exactly:

.. math:: \epsilon^*(z, t) = \mathbb E[\epsilon \mid z_t = z] = -\sigma_t \nabla_z \log q_t(z)
          = \sigma_t \sum_k r_k(z)\, \frac{z - \alpha_t \mu_k}{v_t}

with the responsibilities :math:`r_k(z) \propto w_k \mathcal N(z; \alpha_t\mu_k, v_t I)`. Plugging
:math:`\epsilon^*` into a sampler shows what diffusion does without any training.

>>> toy = GaussianMixture([[1.0, 0.0], [-1.0, 0.0]], std=0.1)
>>> toy.eps(torch.tensor([[0.5, 0.0]]), alpha=1.0, sigma=1e-3)  # near the mode at +1: points away from it
tensor([[-0.0500,  0.0000]])
"""
import math

import torch
from torch import Tensor


class GaussianMixture:
    r"""A mixture of isotropic Gaussians :math:`\sum_k w_k \mathcal N(\mu_k, s^2 I)` in d dimensions.

    Args:
        means: ``[K, d]`` centres :math:`\mu_k`.
        std: the standard deviation :math:`s` of every component.
        weights: ``[K]`` mixture weights (normalised; default equal).

    >>> ring = GaussianMixture.ring(8, radius=2.0, std=0.1)
    >>> ring.means.shape, ring.sample(5, generator=torch.Generator().manual_seed(0)).shape
    (torch.Size([8, 2]), torch.Size([5, 2]))
    """

    def __init__(self, means, std: float = 0.1, weights=None):
        self.means = torch.as_tensor(means, dtype=torch.float64)
        if self.means.ndim != 2 or self.means.shape[0] < 1:
            raise ValueError(f"means: expected [n_components, dim], got shape {list(self.means.shape)}")
        if not std > 0:
            raise ValueError(f"std: expected a positive standard deviation, got {std}")
        w = torch.ones(len(self.means)) if weights is None else torch.as_tensor(weights)
        w = w.to(torch.float64)
        if w.shape != (len(self.means),) or bool((w < 0).any()) or not w.sum() > 0:
            raise ValueError(f"weights: expected {len(self.means)} non-negative numbers, got {w.tolist()}")
        self.std, self.weights = float(std), w / w.sum()

    @classmethod
    def ring(cls, n: int = 8, radius: float = 2.0, std: float = 0.1) -> "GaussianMixture":
        """``n`` equal components on a circle of ``radius`` in the plane."""
        angle = 2 * math.pi * torch.arange(n, dtype=torch.float64) / n
        return cls(radius * torch.stack([angle.cos(), angle.sin()], dim=1), std)

    def sample(self, n: int, *, generator: torch.Generator | None = None) -> Tensor:
        """``n`` draws from :math:`p_0`: ``[n, d]`` float64."""
        k = torch.multinomial(self.weights, n, replacement=True, generator=generator)
        return self.means[k] + self.std * torch.randn(n, self.means.shape[1], dtype=torch.float64, generator=generator)

    def log_prob(self, z: Tensor, alpha=1.0, sigma=0.0) -> Tensor:
        r""":math:`\log q_t(z)` for the scale :math:`\alpha_t` and noise :math:`\sigma_t` (default: the data):
        ``z [n, d]`` -> ``[n]``."""
        log_r, v = self._log_joint(z, alpha, sigma)
        return torch.logsumexp(log_r, dim=1)

    def eps(self, z: Tensor, alpha, sigma) -> Tensor:
        r"""The exact noise prediction :math:`\epsilon^*(z, t) = -\sigma_t \nabla \log q_t(z)`: ``[n, d]``."""
        log_joint, v = self._log_joint(z, alpha, sigma)
        r = torch.softmax(log_joint, dim=1)  # [n, K] responsibilities
        alpha = torch.as_tensor(alpha, dtype=torch.float64)
        diff = z.to(torch.float64)[:, None, :] - alpha * self.means[None]  # [n, K, d]
        return (torch.as_tensor(sigma, dtype=torch.float64) * (r[..., None] * diff).sum(1) / v).to(z.dtype)

    def _log_joint(self, z, alpha, sigma):
        """``log w_k N(z; alpha mu_k, v I)`` ``[n, K]`` and the variance ``v``."""
        z = torch.as_tensor(z).to(torch.float64)
        if z.ndim != 2 or z.shape[1] != self.means.shape[1]:
            raise ValueError(f"z: expected [n, {self.means.shape[1]}], got shape {list(z.shape)}")
        alpha, sigma = torch.as_tensor(alpha, dtype=torch.float64), torch.as_tensor(sigma, dtype=torch.float64)
        v = alpha**2 * self.std**2 + sigma**2
        d = z.shape[1]
        sq = ((z[:, None, :] - alpha * self.means[None]) ** 2).sum(-1)  # [n, K]
        return self.weights.log()[None] - 0.5 * sq / v - 0.5 * d * torch.log(2 * math.pi * v), v
