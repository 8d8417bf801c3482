r"""DeepONet: a branch net reads the input function at sensors, a trunk net reads the query point."""
from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor, nn

from airtools.nn import mlp

from ._config import merge_config

__all__ = ["DeepONet", "DeepONetConfig"]

ACTIVATIONS = {"relu": nn.ReLU, "tanh": nn.Tanh, "gelu": nn.GELU, "silu": nn.SiLU}


@dataclass
class DeepONetConfig:
    """Settings of :class:`DeepONet` (Lu et al.'s antiderivative example: 100 sensors, p = 40)."""

    branch_sizes: tuple[int, ...] = (100, 40, 40)  # [m_sensors, hidden..., p]
    trunk_sizes: tuple[int, ...] = (1, 40, 40)  # [d, hidden..., p]
    activation: str = "relu"


class DeepONet(nn.Module):
    r"""Deep operator network (Lu et al., Nature Machine Intelligence 3, 218 (2021), arXiv:1910.03193).

    The input function :math:`u` is seen through its values at ``m`` fixed sensors
    :math:`u(x_1), \dots, u(x_m)`; the operator's output :math:`G(u)` is evaluated at any point
    :math:`y \in \mathbb R^d` by a dot product of ``p`` learned coefficients and ``p`` learned basis
    functions (the universal approximation theorem for operators of Chen & Chen 1995):

    .. math::
        G(u)(y) \approx \sum_{k=1}^{p} b_k\big(u(x_1), \dots, u(x_m)\big)\, t_k(y) + b_0

    The branch net :math:`b` is an MLP ``branch_sizes = [m, ..., p]`` with a linear last layer; the trunk
    net :math:`t` is an MLP ``trunk_sizes = [d, ..., p]`` with the activation applied to its last layer too
    (as in Lu et al.); :math:`b_0` is a learned scalar bias.

    Args (fields of :class:`DeepONetConfig`; keyword arguments override ``config``):
        branch_sizes: widths of the branch net, ``[m_sensors, hidden..., p]``.
        trunk_sizes: widths of the trunk net, ``[d, hidden..., p]`` (same ``p``).
        activation: ``"relu"``, ``"tanh"``, ``"gelu"`` or ``"silu"``.

    Call ``model(u, y)`` with ``u: [batch, m_sensors]`` and

    - ``y: [n_points, d]``, the same points for every function (Lu et al.'s "Cartesian product" format)
      -> ``[batch, n_points]``;
    - ``y: [batch, n_points, d]``, points per function -> ``[batch, n_points]`` (one point per function, the
      "triplet" format: pass ``y[:, None, :]`` and take ``[:, 0]``).

    >>> model = DeepONet(branch_sizes=[100, 40, 40], trunk_sizes=[1, 40, 40])
    >>> model(torch.randn(8, 100), torch.rand(50, 1)).shape
    torch.Size([8, 50])
    >>> model(torch.randn(8, 100), torch.rand(8, 3, 1)).shape
    torch.Size([8, 3])
    """

    def __init__(self, config: DeepONetConfig | None = None, **kwargs):
        super().__init__()
        self.config = c = merge_config(DeepONetConfig, config, kwargs)
        branch_sizes, trunk_sizes, activation = list(c.branch_sizes), list(c.trunk_sizes), c.activation
        for name, sizes in (("branch_sizes", branch_sizes), ("trunk_sizes", trunk_sizes)):
            if len(sizes) < 2 or not all(isinstance(s, int) and s > 0 for s in sizes):
                raise ValueError(f"{name}: expected at least two positive widths [n_in, ..., p], got {sizes!r}")
        if branch_sizes[-1] != trunk_sizes[-1]:
            raise ValueError(f"trunk_sizes: must end with the branch's p = {branch_sizes[-1]}, "
                             f"got {trunk_sizes[-1]}")
        if activation not in ACTIVATIONS:
            raise ValueError(f"activation: expected one of {sorted(ACTIVATIONS)}, got {activation!r}")
        self.branch_sizes, self.trunk_sizes = branch_sizes, trunk_sizes
        self.branch = mlp(branch_sizes, ACTIVATIONS[activation])
        self.trunk = mlp(trunk_sizes, ACTIVATIONS[activation], last_act=True)
        self.bias = nn.Parameter(torch.zeros(()))

    def forward(self, u: Tensor, y: Tensor) -> Tensor:
        m, d = self.branch_sizes[0], self.trunk_sizes[0]
        if not isinstance(u, Tensor) or u.ndim != 2 or u.shape[1] != m:
            raise ValueError(f"u: expected [batch, m_sensors = {m}], got {_shape(u)}")
        if not isinstance(y, Tensor) or y.ndim not in (2, 3) or y.shape[-1] != d or (
                y.ndim == 3 and y.shape[0] != u.shape[0]):
            raise ValueError(f"y: expected [n_points, d = {d}] or [batch = {u.shape[0]}, n_points, {d}], "
                             f"got {_shape(y)}")
        b = self.branch(u)  # [batch, p]
        t = self.trunk(y)  # [n_points, p] or [batch, n_points, p]
        if y.ndim == 2:
            return b @ t.T + self.bias  # [batch, n_points]
        return torch.einsum("bp,bnp->bn", b, t) + self.bias  # [batch, n_points]


def _shape(x) -> str:
    return str(tuple(x.shape)) if isinstance(x, Tensor) else type(x).__name__
