r"""Spectral convolutions: the global, resolution-free layer of the Fourier neural operator.

A spectral convolution is a circular convolution :math:`(\kappa * v)(x) = \int \kappa(x - y)\, v(y)\, dy`
whose kernel is parametrised by its lowest Fourier coefficients only (Li et al., "Fourier Neural Operator
for Parametric Partial Differential Equations", ICLR 2021, arXiv:2010.08895):

.. math::
    (\mathcal K v)_o = \mathcal F^{-1}\Big[\, k \mapsto \sum_i R_{i o}(k)\, (\mathcal F v_i)(k)
        \ \text{ for } |k| < \text{modes},\ \ 0 \text{ otherwise} \Big]

:math:`R` is a learned complex tensor ``[in_channels, out_channels, modes]``. Because it lives on wavenumbers,
not grid points, the same weights act on a grid of any size ``n``: the layer maps a band-limited function
sampled at ``n`` or ``2n`` points to the same function at the shared points. ``torch.fft.rfft`` keeps the
non-negative wavenumbers of a real signal (the negative ones are their complex conjugates) and ``irfft``'s
``1/n`` normalisation makes the output independent of ``n``.
"""
from __future__ import annotations

import torch
from torch import Tensor, nn

__all__ = ["SpectralConv1d", "SpectralConv2d", "spectral_conv1d"]


def spectral_conv1d(x: Tensor, weight: Tensor) -> Tensor:
    r"""One spectral convolution, functional form: :math:`y = \mathrm{irfft}\big(R \cdot \mathrm{rfft}(x)\big)`.

    Wavenumbers ``k >= weight.shape[-1]`` are set to zero; on a grid too coarse to hold all of them
    (``n // 2 + 1 < modes``) the available ones are used.

    Args:
        x: real ``[batch, in_channels, n]``.
        weight: complex ``[in_channels, out_channels, modes]``, :math:`R_{io}(k)`.

    Returns:
        real ``[batch, out_channels, n]``.

    >>> x = torch.randn(2, 3, 16)
    >>> spectral_conv1d(x, torch.randn(3, 5, 4, dtype=torch.cfloat)).shape
    torch.Size([2, 5, 16])
    """
    n = x.shape[-1]
    modes = min(weight.shape[-1], n // 2 + 1)
    x_ft = torch.fft.rfft(x)  # [batch, in, n // 2 + 1]
    out_ft = x_ft.new_zeros(x.shape[0], weight.shape[1], n // 2 + 1)
    out_ft[..., :modes] = torch.einsum("bik,iok->bok", x_ft[..., :modes], weight[..., :modes])
    return torch.fft.irfft(out_ft, n=n)  # [batch, out, n]


class SpectralConv1d(nn.Module):
    r"""Spectral convolution on a periodic 1-D grid (Li et al. 2021, eq. 4), see the module docstring.

    The complex weights :math:`R_{io}(k)`, ``k = 0 .. modes - 1``, are stored as a real parameter
    ``weight: [in_channels, out_channels, modes, 2]`` (real, imaginary), so ``.to(torch.float64)`` and
    ``.to("cuda")`` work like for any other layer; initialised uniform in ``[0, 1/(in·out))`` as in Li et al.

    Args:
        in_channels, out_channels: channel counts.
        modes: number of retained wavenumbers ``k = 0 .. modes - 1`` (at most ``n // 2 + 1`` are used).

    Call ``layer(x [batch, in_channels, n]) -> [batch, out_channels, n]`` for any ``n``.

    >>> layer = SpectralConv1d(2, 4, modes=8)
    >>> [tuple(layer(torch.randn(3, 2, n)).shape) for n in (16, 64)]
    [(3, 4, 16), (3, 4, 64)]
    """

    def __init__(self, in_channels: int, out_channels: int, modes: int):
        super().__init__()
        _check_positive(in_channels=in_channels, out_channels=out_channels, modes=modes)
        self.in_channels, self.out_channels, self.modes = in_channels, out_channels, modes
        scale = 1.0 / (in_channels * out_channels)
        self.weight = nn.Parameter(scale * torch.rand(in_channels, out_channels, modes, 2))

    def forward(self, x: Tensor) -> Tensor:
        _check_input(x, 3, self.in_channels, "[batch, in_channels, n]")
        return spectral_conv1d(x, torch.view_as_complex(self.weight))

    def extra_repr(self) -> str:
        return f"{self.in_channels}, {self.out_channels}, modes={self.modes}"


class SpectralConv2d(nn.Module):
    r"""Spectral convolution on a periodic 2-D grid (Li et al. 2021).

    ``rfft2`` keeps wavenumbers :math:`k_y \ge 0`; both signs of :math:`k_x` are needed, so two weight blocks
    act on :math:`0 \le k_x < m_1` and :math:`-m_1 \le k_x < 0` (each with :math:`0 \le k_y < m_2`); a grid
    too coarse for them uses the wavenumbers it has (the same weights, so coarse and fine grids agree):

    .. math:: \widehat{(\mathcal K v)}_o(k_x, k_y) = \sum_i R_{io}(k_x, k_y)\, \hat v_i(k_x, k_y),
        \quad |k_x| \le m_1,\ 0 \le k_y < m_2.

    Args:
        in_channels, out_channels: channel counts.
        modes1, modes2: retained wavenumbers along x (each sign) and y (``modes2`` defaults to ``modes1``).

    Call ``layer(x [batch, in_channels, nx, ny]) -> [batch, out_channels, nx, ny]``.

    >>> SpectralConv2d(1, 2, modes1=4)(torch.randn(3, 1, 16, 12)).shape
    torch.Size([3, 2, 16, 12])
    """

    def __init__(self, in_channels: int, out_channels: int, modes1: int, modes2: int | None = None):
        super().__init__()
        modes2 = modes1 if modes2 is None else modes2
        _check_positive(in_channels=in_channels, out_channels=out_channels, modes1=modes1, modes2=modes2)
        self.in_channels, self.out_channels, self.modes1, self.modes2 = in_channels, out_channels, modes1, modes2
        scale = 1.0 / (in_channels * out_channels)
        # [2 (k_x >= 0, k_x < 0), in, out, modes1, modes2, 2 (re, im)]
        self.weight = nn.Parameter(scale * torch.rand(2, in_channels, out_channels, modes1, modes2, 2))

    def forward(self, x: Tensor) -> Tensor:
        _check_input(x, 4, self.in_channels, "[batch, in_channels, nx, ny]")
        nx, ny = x.shape[-2:]
        m1, m2 = min(self.modes1, nx // 2), min(self.modes2, ny // 2 + 1)
        R = torch.view_as_complex(self.weight)  # [2, in, out, modes1, modes2]
        x_ft = torch.fft.rfft2(x)  # [batch, in, nx, ny // 2 + 1]
        out_ft = x_ft.new_zeros(x.shape[0], self.out_channels, nx, ny // 2 + 1)
        out_ft[:, :, :m1, :m2] = torch.einsum("bixy,ioxy->boxy", x_ft[:, :, :m1, :m2], R[0, :, :, :m1, :m2])
        out_ft[:, :, nx - m1:, :m2] = torch.einsum("bixy,ioxy->boxy", x_ft[:, :, nx - m1:, :m2],
                                                   R[1, :, :, self.modes1 - m1:, :m2])  # k_x = -m1 .. -1
        return torch.fft.irfft2(out_ft, s=(nx, ny))  # [batch, out, nx, ny]

    def extra_repr(self) -> str:
        return f"{self.in_channels}, {self.out_channels}, modes1={self.modes1}, modes2={self.modes2}"


def _check_positive(**sizes: int) -> None:
    for name, value in sizes.items():
        if not isinstance(value, int) or value < 1:
            raise ValueError(f"{name}: expected a positive integer, got {value!r}")


def _check_input(x: Tensor, ndim: int, channels: int, layout: str) -> None:
    if not isinstance(x, Tensor) or x.ndim != ndim or x.shape[1] != channels or x.is_complex():
        got = tuple(x.shape) if isinstance(x, Tensor) else type(x).__name__
        raise ValueError(f"x: expected a real tensor {layout} with in_channels = {channels}, got {got}")
