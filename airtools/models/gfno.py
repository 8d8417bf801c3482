r"""Group-equivariant Fourier neural operator for the rotation group p4 (Helwig et al., ICML 2023,
"Group Equivariant Fourier Neural Operators for Partial Differential Equations", arXiv:2306.05697).

**Construction: a regular-representation group convolution in Fourier space.** Hidden features carry one
copy per rotation, :math:`v: [\text{batch}, C, 4, n, n]` (copy :math:`r` "looks at" the field rotated by
:math:`r \cdot 90°`). A rotation :math:`\rho` of the grid acts on them by rotating every copy and cyclically
shifting the copies, :math:`(\rho v)_r = \mathrm{rot90}(v_{r-1})`. Every layer commutes with that action:

- a **group spectral convolution** whose kernel for output copy :math:`s` is the base kernel rotated by
  :math:`s \cdot 90°` with its input copies shifted by :math:`s`,

  .. math:: \hat v^{\text{out}}_{o,s}(k) = \sum_{c,r} \hat R_{o,c,r-s}(\mathrm{rot}_s^{-1} k)\, \hat v_{c,r}(k),
      \qquad k \in \{-m+1, \dots, m-1\}^2;

  rotating the *weights* on a centred, rotation-closed square of wavenumbers is exact, because a 90°
  rotation of an :math:`n \times n` periodic grid permutes its wavenumbers (up to a phase that multiplies
  input and output alike);
- a pointwise group convolution (a 1x1 convolution whose weight matrix is circulant over the copies),
  pointwise GELU, a pointwise lifting (a 1x1 kernel is its own rotation, so the four copies start equal),
  the average over the copies (invariant pooling: it turns rotate-and-shift into rotate) and a pointwise
  projection.

Why this and not the alternatives: *weight symmetrisation* of a plain FNO on scalar channels forces every
kernel to be isotropic (:math:`\hat R(k) = \hat R(\mathrm{rot}\,k)`), which cannot, for instance, transport
along a direction; *augmentation* (training on rotated copies) is only approximately equivariant; *frame
averaging* (:math:`\tfrac14 \sum_s \rho_s^{-1} f(\rho_s a)`) is exact but costs four forward passes and is
the exercise of lesson 16. The regular representation keeps anisotropic kernels and is exact by design.

Not :class:`~airtools.nn._spectral.SpectralConv2d`: its retained wavenumbers (half plane :math:`k_y \ge 0`,
:math:`-m \le k_x < m`) are not closed under 90° rotations, so this layer uses a full ``fft2`` on the
symmetric square :math:`|k_x|, |k_y| < m` (read off ``rfft2`` with :math:`\hat v(-k) = \overline{\hat v(k)}`)
and keeps the real part of the inverse transform, i.e. the Hermitian part of the product, which commutes
with rotations too. No coordinate grid is
appended: coordinates would single out an orientation. Reflections (p4m) are left out on purpose: the
lesson's field, the vorticity, is a *pseudo*-scalar that changes sign under a mirror, which needs the sign
representation at input and output; rotations alone treat it as a plain scalar.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import torch
from torch import Tensor, nn

from ._config import merge_config

__all__ = ["GFNO", "GFNOConfig", "GroupSpectralConv2d", "GroupPointwise2d", "rotation_equivariance_error"]

ORDER = 4  # |p4|: rotations by 0, 90, 180, 270 degrees


@dataclass
class GFNOConfig:
    """Settings of :class:`GFNO`; ``width`` counts channels *per rotation* (4 x width numbers per point)."""

    modes: int = 8  # wavenumbers |k_x|, |k_y| < modes are kept (a (2 modes - 1)^2 square)
    width: int = 8  # channels per group element
    n_layers: int = 4
    in_channels: int = 1
    out_channels: int = 1
    projection: int = 64  # hidden width of the pointwise projection Q


class GFNO(nn.Module):
    r"""p4-equivariant FNO: :math:`\mathcal G(\mathrm{rot90}^k a) = \mathrm{rot90}^k\, \mathcal G(a)` exactly.

    .. math::
        v_0 &= (P a, P a, P a, P a) \\
        v_{t+1} &= \sigma\big(W_t * v_t + \mathcal K_t v_t\big) \quad\text{(group pointwise + group spectral)} \\
        u &= Q\, \tfrac14 \textstyle\sum_{r} v_{T, r}

    Args:
        config: a :class:`GFNOConfig`; keyword arguments override its fields.

    Call ``model(a) -> u`` with ``a: [batch, n, n, in_channels]`` (square periodic grid, any ``n``, no
    coordinates appended) -> ``u: [batch, n, n, out_channels]``. Rotate with
    ``torch.rot90(a, k, dims=(1, 2))``.

    >>> model = GFNO(modes=4, width=4, n_layers=2)
    >>> a = torch.randn(2, 16, 16, 1)
    >>> model(a).shape
    torch.Size([2, 16, 16, 1])
    >>> rotation_equivariance_error(model, a) < 1e-5
    True
    """

    def __init__(self, config: GFNOConfig | None = None, **kwargs):
        super().__init__()
        self.config = c = _merge(config, kwargs)
        self.lift = nn.Linear(c.in_channels, c.width)
        self.spectral = nn.ModuleList(GroupSpectralConv2d(c.width, c.width, c.modes) for _ in range(c.n_layers))
        self.pointwise = nn.ModuleList(GroupPointwise2d(c.width, c.width) for _ in range(c.n_layers))
        self.project = nn.Sequential(nn.Linear(c.width, c.projection), nn.GELU(),
                                     nn.Linear(c.projection, c.out_channels))

    def forward(self, a: Tensor) -> Tensor:
        c = self.config
        if not isinstance(a, Tensor) or a.ndim != 4 or a.shape[-1] != c.in_channels or a.shape[1] != a.shape[2]:
            got = tuple(a.shape) if isinstance(a, Tensor) else type(a).__name__
            raise ValueError(f"a: expected [batch, n, n, in_channels] (a square grid) with in_channels = "
                             f"{c.in_channels}, got {got}")
        v = self.lift(a).movedim(-1, 1)  # [batch, width, n, n]
        v = v.unsqueeze(2).expand(-1, -1, ORDER, -1, -1)  # [batch, width, 4, n, n]
        for t, (K, W) in enumerate(zip(self.spectral, self.pointwise)):
            v = K(v) + W(v)
            if t < c.n_layers - 1:
                v = nn.functional.gelu(v)
        return self.project(v.mean(dim=2).movedim(1, -1))  # pool over rotations -> [batch, n, n, out_channels]


class GroupSpectralConv2d(nn.Module):
    r"""Group spectral convolution on p4 regular features (see the module docstring for the rule).

    The base kernel :math:`\hat R_{o,c,r}(k)`, complex ``[out, in, 4, 2m-1, 2m-1]`` on centred wavenumbers
    :math:`k \in \{-m+1..m-1\}^2`, is stored as a real parameter ``[..., 2]``; its four rotated, shifted
    copies are built in ``forward``. A grid with ``n // 2 < modes`` uses the central wavenumbers it has.

    Call ``layer(v [batch, in, 4, n, n]) -> [batch, out, 4, n, n]``.

    >>> layer = GroupSpectralConv2d(2, 3, modes=4)
    >>> v = torch.randn(1, 2, 4, 8, 8)
    >>> rot = lambda v: torch.rot90(v, 1, dims=(-2, -1)).roll(1, dims=2)   # the p4 action on features
    >>> bool(torch.allclose(layer(rot(v)), rot(layer(v)), atol=1e-5))
    True
    """

    def __init__(self, in_channels: int, out_channels: int, modes: int):
        super().__init__()
        _check_positive(in_channels=in_channels, out_channels=out_channels, modes=modes)
        self.in_channels, self.out_channels, self.modes = in_channels, out_channels, modes
        K = 2 * modes - 1
        scale = 1.0 / (in_channels * ORDER * out_channels)
        self.weight = nn.Parameter(scale * torch.rand(out_channels, in_channels, ORDER, K, K, 2))

    def full_weight(self, m: int) -> Tensor:
        """Rotated copies: ``[out, 4 (s), in, 4 (r), 2m-1, 2m-1]`` complex, entry s = rot_s(R[:, :, r - s])."""
        c = self.modes - 1
        R = torch.view_as_complex(self.weight)[..., c - m + 1:c + m, c - m + 1:c + m]  # central (2m-1)^2
        return torch.stack([torch.rot90(R.roll(s, dims=2), s, dims=(-2, -1)) for s in range(ORDER)], dim=1)

    def forward(self, v: Tensor) -> Tensor:
        _check_features(v, self.in_channels)
        n = v.shape[-1]
        m = min(self.modes, n // 2)
        kx = torch.arange(-m + 1, m, device=v.device) % n  # centred wavenumbers as FFT indices
        half = torch.fft.rfft2(v)[..., kx, :m]  # [batch, in, 4, 2m-1, m]: k_y = 0 .. m-1
        v_ft = torch.cat([half[..., 1:].flip(-2, -1).conj(), half], dim=-1)  # [.., 2m-1, 2m-1], v(-k) = conj v(k)
        out = torch.einsum("bcrxy,oscrxy->bosxy", v_ft, self.full_weight(m))  # [batch, out, 4, 2m-1, 2m-1]
        out = 0.5 * (out + out.flip(-2, -1).conj())  # Hermitian part: the real part of the inverse transform
        out_ft = v_ft.new_zeros(v.shape[0], self.out_channels, ORDER, n, n // 2 + 1)
        out_ft[..., kx, :m] = out[..., m - 1:]
        return torch.fft.irfft2(out_ft, s=(n, n))  # [batch, out, 4, n, n]

    def extra_repr(self) -> str:
        return f"{self.in_channels}, {self.out_channels}, modes={self.modes}, group=p4"


class GroupPointwise2d(nn.Module):
    r"""1x1 group convolution on p4 regular features, circulant over the copies.

    .. math:: v^{\text{out}}_{o,s} = \sum_{c,r} w_{o,c,r-s}\, v_{c,r} + b_o

    Call ``layer(v [batch, in, 4, n, n]) -> [batch, out, 4, n, n]``.

    >>> GroupPointwise2d(2, 3)(torch.randn(1, 2, 4, 5, 5)).shape
    torch.Size([1, 3, 4, 5, 5])
    """

    def __init__(self, in_channels: int, out_channels: int):
        super().__init__()
        _check_positive(in_channels=in_channels, out_channels=out_channels)
        self.in_channels = in_channels
        bound = (in_channels * ORDER) ** -0.5
        self.weight = nn.Parameter(torch.empty(out_channels, in_channels, ORDER).uniform_(-bound, bound))
        self.bias = nn.Parameter(torch.empty(out_channels).uniform_(-bound, bound))

    def forward(self, v: Tensor) -> Tensor:
        _check_features(v, self.in_channels)
        W = torch.stack([self.weight.roll(s, dims=2) for s in range(ORDER)], dim=1)  # [out, 4, in, 4], circulant
        b, _, _, nx, ny = v.shape
        out = nn.functional.conv2d(v.reshape(b, -1, nx, ny), W.flatten(2, 3).flatten(0, 1)[..., None, None],
                                   self.bias.repeat_interleave(ORDER))  # [batch, out * 4, n, n]
        return out.unflatten(1, (-1, ORDER))


def rotation_equivariance_error(fn: Callable[[Tensor], Tensor], a: Tensor, ks=(1, 2, 3)) -> float:
    r"""Largest relative equivariance error under 90° rotations of a 2-D field operator.

    .. math:: \max_k \lVert f(\rho^k a) - \rho^k f(a)\rVert / \lVert f(a)\rVert

    Args:
        fn: an operator on channels-last fields, ``[batch, n, n, c] -> [batch, n, n, c']``.
        a: the input fields ``[batch, n, n, c]``; ``rho = torch.rot90(., 1, dims=(1, 2))``.
        ks: which rotations to test.

    Returns:
        a float (0 for an exactly equivariant operator, of order 1 for one that ignores the symmetry).

    >>> a = torch.randn(2, 8, 8, 1)
    >>> rotation_equivariance_error(lambda a: a**2, a), rotation_equivariance_error(lambda a: a.roll(1, 1), a) > 0.5
    (0.0, True)
    """
    with torch.no_grad():
        out = fn(a)
        errors = [torch.linalg.vector_norm(fn(torch.rot90(a, k, dims=(1, 2))) - torch.rot90(out, k, dims=(1, 2)))
                  / torch.linalg.vector_norm(out) for k in ks]
    return float(max(errors))


def _check_features(v: Tensor, channels: int) -> None:
    if not isinstance(v, Tensor) or v.ndim != 5 or v.shape[1] != channels or v.shape[2] != ORDER \
            or v.shape[-1] != v.shape[-2] or v.is_complex():
        got = tuple(v.shape) if isinstance(v, Tensor) else type(v).__name__
        raise ValueError(f"v: expected real p4 features [batch, {channels}, {ORDER}, n, n] (square grid), got {got}")


def _check_positive(**sizes: int) -> None:
    for name, value in sizes.items():
        if not isinstance(value, int) or value < 1:
            raise ValueError(f"{name}: expected a positive integer, got {value!r}")


def _merge(config: GFNOConfig | None, kwargs: dict) -> GFNOConfig:
    c = merge_config(GFNOConfig, config, kwargs)
    for name in ("modes", "width", "n_layers", "in_channels", "out_channels", "projection"):
        if not isinstance(getattr(c, name), int) or getattr(c, name) < 1:
            raise ValueError(f"{name}: expected a positive integer, got {getattr(c, name)!r}")
    return c
