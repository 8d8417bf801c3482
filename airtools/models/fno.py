r"""Fourier neural operator (1-D and 2-D) and the relative L2 error it is trained and judged with."""
from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import Tensor, nn

from airtools.nn._spectral import SpectralConv1d, SpectralConv2d

from ._config import merge_config

__all__ = ["FNO", "FNOConfig", "relative_l2", "grid_features"]

GRIDS = (None, "periodic", "linear")


@dataclass
class FNOConfig:
    """Settings of :class:`FNO`; the defaults are Li et al.'s 1-D Burgers model (modes 16, width 64, 4 layers)."""

    modes: int = 16  # retained wavenumbers k = 0 .. modes - 1 (per direction in 2-D)
    width: int = 64  # channels of the hidden function v(x)
    n_layers: int = 4  # Fourier layers
    dim: int = 1  # 1: fields on [0, 1), 2: fields on the unit torus
    in_channels: int = 1  # input function channels (the grid features are appended to these)
    out_channels: int = 1
    grid: str | None = "periodic"  # appended coordinates: "periodic" (sin, cos 2πx), "linear" (x), None
    projection: int = 128  # hidden width of the pointwise projection Q


class FNO(nn.Module):
    r"""Fourier neural operator (Li et al., ICLR 2021, arXiv:2010.08895): learns a map between functions.

    On a periodic grid :math:`x_j` the input function :math:`a(x)` (plus coordinate features) is lifted to
    ``width`` channels, updated by ``n_layers`` Fourier layers and projected back pointwise:

    .. math::
        v_0(x) &= P\,[a(x), \phi(x)] \\
        v_{t+1}(x) &= \sigma\big(W_t\, v_t(x) + (\mathcal K_t v_t)(x)\big), \qquad
            (\mathcal K_t v)(x) = \mathcal F^{-1}\big(R_t \cdot (\mathcal F v)|_{|k| < \text{modes}}\big)(x) \\
        u(x) &= Q\, v_T(x)

    with :math:`\sigma` = GELU (not applied after the last layer, as in Li et al.), :math:`W_t` a pointwise
    linear map (1x1 convolution), :math:`\mathcal K_t` a :class:`~airtools.nn._spectral.SpectralConv1d` /
    ``2d`` and :math:`Q` a two-layer pointwise MLP. Every operation is pointwise or acts on wavenumbers, so
    the same weights run on any grid size: train at ``n``, evaluate at ``4n`` (zero-shot super-resolution).

    Coordinate features :math:`\phi(x)` (``config.grid``): ``"periodic"`` appends :math:`\sin 2\pi x,
    \cos 2\pi x` per direction (smooth on the torus, band-limited, so they keep the layer
    resolution-independent); ``"linear"`` appends :math:`x_j = j/n` as in Li et al. and neuraloperator;
    ``None`` appends nothing, which makes the operator exactly equivariant to circular shifts of the grid.

    Args:
        config: an :class:`FNOConfig`; keyword arguments override its fields.

    Call ``model(a) -> u`` with ``a: [batch, n, in_channels]`` (``dim=1``) or ``[batch, nx, ny, in_channels]``
    (``dim=2``), on the grid :math:`x_j = j/n`; returns ``[batch, n, out_channels]`` (resp. ``[..., nx, ny, ...]``).

    >>> model = FNO(modes=8, width=16, n_layers=2)
    >>> [tuple(model(torch.randn(2, n, 1)).shape) for n in (32, 128)]
    [(2, 32, 1), (2, 128, 1)]
    >>> FNO(dim=2, modes=4, width=8)(torch.randn(1, 16, 16, 1)).shape
    torch.Size([1, 16, 16, 1])
    """

    def __init__(self, config: FNOConfig | None = None, **kwargs):
        super().__init__()
        self.config = c = _merge(config, kwargs)
        n_grid = {None: 0, "periodic": 2, "linear": 1}[c.grid] * c.dim
        self.lift = nn.Linear(c.in_channels + n_grid, c.width)
        Spectral, Pointwise = (SpectralConv1d, nn.Conv1d) if c.dim == 1 else (SpectralConv2d, nn.Conv2d)
        self.spectral = nn.ModuleList(Spectral(c.width, c.width, c.modes) for _ in range(c.n_layers))
        self.pointwise = nn.ModuleList(Pointwise(c.width, c.width, 1) for _ in range(c.n_layers))
        self.project = nn.Sequential(nn.Linear(c.width, c.projection), nn.GELU(),
                                     nn.Linear(c.projection, c.out_channels))

    def forward(self, a: Tensor) -> Tensor:
        c = self.config
        if not isinstance(a, Tensor) or a.ndim != c.dim + 2 or a.shape[-1] != c.in_channels:
            layout = "[batch, n, in_channels]" if c.dim == 1 else "[batch, nx, ny, in_channels]"
            got = tuple(a.shape) if isinstance(a, Tensor) else type(a).__name__
            raise ValueError(f"a: expected {layout} with in_channels = {c.in_channels}, got {got}")
        if c.grid is not None:
            a = torch.cat([a, grid_features(a.shape[1:-1], c.grid, dtype=a.dtype, device=a.device)
                           .expand(*a.shape[:-1], -1)], dim=-1)  # [batch, *grid, in + n_grid]
        v = self.lift(a).movedim(-1, 1)  # [batch, width, *grid]
        for t, (K, W) in enumerate(zip(self.spectral, self.pointwise)):
            v = K(v) + W(v)
            if t < c.n_layers - 1:
                v = nn.functional.gelu(v)
        return self.project(v.movedim(1, -1))  # [batch, *grid, out_channels]


def grid_features(shape: tuple[int, ...], kind: str = "periodic", *, dtype=None, device=None) -> Tensor:
    r"""Coordinate features on the periodic grid :math:`x_j = j / n` of each direction.

    ``"periodic"``: :math:`(\sin 2\pi x, \cos 2\pi x)` per direction; ``"linear"``: :math:`x` per direction.

    Returns:
        ``[*shape, n_features]`` with ``n_features = 2 * len(shape)`` (periodic) or ``len(shape)`` (linear).

    >>> grid_features((4,), "linear").squeeze(-1)
    tensor([0.0000, 0.2500, 0.5000, 0.7500])
    """
    if kind not in ("periodic", "linear"):
        raise ValueError(f"kind: expected 'periodic' or 'linear', got {kind!r}")
    axes = [torch.arange(n, dtype=dtype, device=device) / n for n in shape]
    x = torch.stack(torch.meshgrid(*axes, indexing="ij"), dim=-1)  # [*shape, len(shape)]
    if kind == "linear":
        return x
    return torch.cat([torch.sin(2 * math.pi * x), torch.cos(2 * math.pi * x)], dim=-1)


def relative_l2(pred: Tensor, target: Tensor, *, reduction: str = "mean") -> Tensor:
    r"""Relative L2 error per sample, :math:`\lVert \hat u - u \rVert_2 / \lVert u \rVert_2`, averaged.

    The metric (and training loss) of Li et al. 2021; the norms run over every axis but the first, so the
    number does not depend on the grid size.

    Args:
        pred, target: ``[batch, ...]`` of the same shape.
        reduction: ``"mean"`` (a scalar) or ``"none"`` (``[batch]``).

    >>> u = torch.ones(2, 8)
    >>> float(relative_l2(1.1 * u, u))
    0.1...
    """
    if pred.shape != target.shape:
        raise ValueError(f"pred: expected the shape of target {tuple(target.shape)}, got {tuple(pred.shape)}")
    if reduction not in ("mean", "none"):
        raise ValueError(f"reduction: expected 'mean' or 'none', got {reduction!r}")
    err = torch.linalg.vector_norm((pred - target).flatten(1), dim=1) / torch.linalg.vector_norm(
        target.flatten(1), dim=1)  # [batch]
    return err.mean() if reduction == "mean" else err


def _merge(config: FNOConfig | None, kwargs: dict) -> FNOConfig:
    c = merge_config(FNOConfig, config, kwargs)
    if c.dim not in (1, 2):
        raise ValueError(f"dim: expected 1 or 2, got {c.dim!r}")
    if c.grid not in GRIDS:
        raise ValueError(f"grid: expected one of {GRIDS}, got {c.grid!r}")
    for name in ("modes", "width", "n_layers", "in_channels", "out_channels", "projection"):
        if not isinstance(getattr(c, name), int) or getattr(c, name) < 1:
            raise ValueError(f"{name}: expected a positive integer, got {getattr(c, name)!r}")
    return c
