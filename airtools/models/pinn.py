r"""Physics-informed neural networks (Raissi, Perdikaris & Karniadakis 2019, J. Comput. Phys. 378, 686).

A PINN is a plain MLP :math:`u_\theta(x, t)` trained so that the PDE residual vanishes at collocation points
and the initial and boundary conditions hold, all derivatives taken by autograd:

.. math::
    L(\theta) = \frac{1}{N_r}\sum_i r_\theta(x_i, t_i)^2
              + \frac{1}{N_0}\sum_j \big(u_\theta(x_j, 0) - u_0(x_j)\big)^2
              + \frac{1}{N_b}\sum_k \big(u_\theta(x_b, t_k) - g\big)^2,
    \qquad r_\theta = \partial_t u + u\,\partial_x u - \nu\,\partial_x^2 u \ \text{(Burgers)}.

No solution data enter the loss: the equation is the label. Training is full batch, Adam first (robust far
from a minimum), then L-BFGS (fast local convergence on this smooth, deterministic loss), as in the paper:
``airtools.train.fit_full_batch``.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Callable, Sequence

import torch
from torch import Tensor, nn

from airtools.nn import mlp

from ._config import merge_config

__all__ = ["PINN", "PINNConfig", "burgers_residual", "heat_residual", "initial_loss", "boundary_loss",
           "sample_collocation"]


@dataclass
class PINNConfig:
    """Settings of :class:`PINN`: Raissi et al.'s Burgers network has 8 hidden layers of 20."""

    hidden: int = 20
    n_layers: int = 8
    lower: tuple[float, float] | None = None  # (x_min, t_min); None: no scaling
    upper: tuple[float, float] | None = None  # (x_max, t_max)


class PINN(nn.Module):
    r"""A tanh MLP :math:`u_\theta(x, t)` with inputs scaled from the box ``[lower, upper]`` to :math:`[-1, 1]^2`.

    .. math::
        u_\theta(x, t) = \mathrm{MLP}\Big(2\,\frac{(x, t) - \text{lower}}{\text{upper} - \text{lower}} - 1\Big)

    tanh (smooth, every derivative non-zero) because the loss contains second derivatives; Xavier-normal
    weights and zero biases as in Raissi et al.

    Args (fields of :class:`PINNConfig`; keyword arguments override ``config``):
        hidden: width of each hidden layer (Raissi et al.: 20).
        n_layers: number of hidden layers (Raissi et al.: 8 for Burgers).
        lower, upper: ``(x_min, t_min)``, ``(x_max, t_max)`` of the domain; None: no scaling.

    Shapes: ``x, t: [...]`` (broadcast together) -> ``u: [...]``.

    >>> model = PINN(hidden=8, n_layers=2, lower=(-1, 0), upper=(1, 1))
    >>> model(torch.zeros(5), torch.rand(5)).shape
    torch.Size([5])
    """

    def __init__(self, config: PINNConfig | None = None, **kwargs):
        super().__init__()
        self.config = c = merge_config(PINNConfig, config, kwargs)
        lower, upper, hidden, n_layers = c.lower, c.upper, c.hidden, c.n_layers
        if (lower is None) != (upper is None):
            raise ValueError("lower, upper: give both box corners or neither")
        if lower is not None and (len(lower) != 2 or len(upper) != 2 or not all(b > a for a, b in zip(lower, upper))):
            raise ValueError(f"lower, upper: expected (x_min, t_min) < (x_max, t_max), got {lower}, {upper}")
        self.register_buffer("lower", torch.tensor(lower if lower is not None else (-1.0, -1.0)))
        self.register_buffer("upper", torch.tensor(upper if upper is not None else (1.0, 1.0)))
        self.net = mlp([2] + [hidden] * n_layers + [1], nn.Tanh)
        for layer in self.net:
            if isinstance(layer, nn.Linear):
                nn.init.xavier_normal_(layer.weight)
                nn.init.zeros_(layer.bias)

    def forward(self, x: Tensor, t: Tensor) -> Tensor:
        x, t = torch.broadcast_tensors(x, t)
        z = torch.stack([x, t], dim=-1)  # [..., 2]
        z = 2 * (z - self.lower) / (self.upper - self.lower) - 1
        return self.net(z).squeeze(-1)  # [...]


def _derivatives(model: Callable, x: Tensor, t: Tensor) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """u, u_t, u_x, u_xx at the points, by autograd (graph kept, so a loss built on them trains)."""
    if x.shape != t.shape:
        raise ValueError(f"x, t: expected the same shape, got {list(x.shape)} and {list(t.shape)}")
    x = x.detach().requires_grad_(True)
    t = t.detach().requires_grad_(True)
    u = model(x, t)
    if u.shape != x.shape:
        raise ValueError(f"model: expected u of shape {list(x.shape)} (one value per point), got {list(u.shape)}")
    u_x, u_t = torch.autograd.grad(u, (x, t), torch.ones_like(u), create_graph=True,
                                   materialize_grads=True)
    if not u_x.requires_grad:  # u is at most linear in x (e.g. an exact solution in a test): u_xx = 0
        return u, u_t, u_x, torch.zeros_like(u_x)
    (u_xx,) = torch.autograd.grad(u_x, x, torch.ones_like(u_x), create_graph=True, materialize_grads=True)
    return u, u_t, u_x, u_xx


def _check_nu(nu: float) -> None:
    if not nu > 0:
        raise ValueError(f"nu: expected a positive viscosity/diffusivity, got {nu}")


def burgers_residual(model: Callable, x: Tensor, t: Tensor, nu: float) -> Tensor:
    r"""Residual of viscous Burgers, :math:`r = u_t + u\,u_x - \nu\,u_{xx}`, by autograd.

    Args:
        model: any callable ``(x, t) -> u`` of the same shape (a :class:`PINN`, or an exact solution).
        x, t: collocation points ``[n]`` (any equal shapes); they need not require grad.
        nu: viscosity > 0.

    Returns:
        r: ``[n]``, differentiable with respect to the model's parameters.

    >>> x, t = torch.rand(4), torch.rand(4)
    >>> burgers_residual(lambda x, t: x / (1 + t), x, t, nu=0.1).abs().max() < 1e-6  # u = x/(1+t) solves it
    tensor(True)
    """
    _check_nu(nu)
    u, u_t, u_x, u_xx = _derivatives(model, x, t)
    return u_t + u * u_x - nu * u_xx


def heat_residual(model: Callable, x: Tensor, t: Tensor, nu: float) -> Tensor:
    r"""Residual of the heat equation, :math:`r = u_t - \nu\,u_{xx}`, by autograd.

    Same arguments and return as :func:`burgers_residual`.

    >>> import math
    >>> x, t = torch.rand(4, dtype=torch.float64), torch.rand(4, dtype=torch.float64)
    >>> u = lambda x, t: torch.exp(-0.1 * math.pi**2 * t) * torch.sin(math.pi * x)
    >>> heat_residual(u, x, t, nu=0.1).abs().max() < 1e-12
    tensor(True)
    """
    _check_nu(nu)
    _, u_t, _, u_xx = _derivatives(model, x, t)
    return u_t - nu * u_xx


def initial_loss(model: Callable, x: Tensor, u0: Tensor, t0: float = 0.0) -> Tensor:
    r"""Mean squared misfit of the initial condition, :math:`\frac1N\sum_j (u_\theta(x_j, t_0) - u_0(x_j))^2`.

    Args:
        x: ``[n]`` points; u0: ``[n]`` target values there; t0: the initial time.

    >>> initial_loss(lambda x, t: x + t, torch.zeros(3), torch.ones(3), t0=1.0)
    tensor(0.)
    """
    if x.shape != u0.shape:
        raise ValueError(f"u0: expected shape {list(x.shape)} like x, got {list(u0.shape)}")
    return torch.mean((model(x, torch.full_like(x, t0)) - u0) ** 2)


def boundary_loss(model: Callable, t: Tensor, x_boundary: Sequence[float] = (-1.0, 1.0),
                  value: float = 0.0) -> Tensor:
    r"""Mean squared misfit of the Dirichlet condition :math:`u(x_b, t) = g` on every boundary point :math:`x_b`.

    Args:
        t: ``[n]`` times; x_boundary: the boundary abscissae; value: g.

    >>> boundary_loss(lambda x, t: x * t, torch.rand(4), x_boundary=(0.0,))
    tensor(0.)
    """
    losses = [torch.mean((model(torch.full_like(t, xb), t) - value) ** 2) for xb in x_boundary]
    return torch.stack(losses).mean()


def sample_collocation(n: int, lower: Sequence[float], upper: Sequence[float], *, method: str = "lhs",
                       seed: int = 0, dtype: torch.dtype | None = None, device=None) -> Tensor:
    r"""``n`` space-filling points in the box ``[lower, upper]`` (Latin hypercube or scrambled Sobol, seeded).

    Latin hypercube (Raissi et al.'s choice) puts exactly one point in each of ``n`` slabs along every axis;
    Sobol is a low-discrepancy sequence (best balanced when ``n`` is a power of 2; other ``n`` are accepted).

    Args:
        lower, upper: box corners, ``d`` numbers each.
        method: ``"lhs"`` or ``"sobol"`` (``scipy.stats.qmc``).

    Returns:
        points ``[n, d]`` (default dtype unless ``dtype``), on ``device``.

    >>> p = sample_collocation(16, (-1, 0), (1, 1), method="sobol")
    >>> p.shape, bool((p[:, 0] >= -1).all() and (p[:, 1] <= 1).all())
    (torch.Size([16, 2]), True)
    """
    from scipy.stats import qmc

    if len(lower) != len(upper) or not all(b > a for a, b in zip(lower, upper)):
        raise ValueError(f"lower, upper: expected two corners with lower < upper, got {lower}, {upper}")
    if n < 1:
        raise ValueError(f"n: expected a positive number of points, got {n}")
    d = len(lower)
    if method == "lhs":
        sampler = qmc.LatinHypercube(d, seed=seed)
    elif method == "sobol":
        sampler = qmc.Sobol(d, scramble=True, seed=seed)
    else:
        raise ValueError(f"method: expected 'lhs' or 'sobol', got {method!r}")
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*balance properties of Sobol", category=UserWarning)
        unit = sampler.random(n)
    points = qmc.scale(unit, lower, upper)
    return torch.as_tensor(points, dtype=dtype or torch.get_default_dtype(), device=device)
