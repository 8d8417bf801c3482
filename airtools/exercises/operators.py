r"""Exercise checkers of lesson 14 (neural operators): a learner's spectral convolution and relative L2 error.

Like ``airtools.testing``'s checkers, each prints one "✅ ..." line and returns the measured error when the
function is right, and raises ``AssertionError`` saying in plain words what is wrong otherwise.

>>> from airtools.nn._spectral import spectral_conv1d
>>> err = check_spectral_conv(spectral_conv1d)
✅ your spectral convolution matches airtools' on 4 grids (largest relative difference ...)
"""
from __future__ import annotations

import torch

from airtools.models import relative_l2
from airtools.nn import spectral_conv1d

__all__ = ["check_spectral_conv", "check_relative_l2"]


def check_spectral_conv(fn, *, tolerance: float = 1e-5) -> float:
    r"""Check ``fn(x [batch, in, n], weight [in, out, modes] complex) -> [batch, out, n]`` against
    :func:`airtools.nn._spectral.spectral_conv1d`, :math:`y = \mathrm{irfft}(R \cdot \mathrm{rfft}(x))`.

    Tried on even and odd ``n``, with ``in != out``, and on a grid coarser than ``2 * modes``.

    Returns:
        the largest relative difference; prints "✅ ..." on success.

    >>> check_spectral_conv(lambda x, w: torch.fft.irfft(torch.fft.rfft(x), n=x.shape[-1]))
    Traceback (most recent call last):
    AssertionError: wrong shape for n = 32, in = 3, out = 2, modes = 6: expected [4, 2, 32], got [4, 3, 32] ...
    """
    g = torch.Generator().manual_seed(0)
    worst = 0.0
    cases = [(32, 3, 2, 6), (33, 2, 2, 5), (64, 1, 4, 16), (8, 2, 3, 12)]  # n, in, out, modes
    for n, n_in, n_out, modes in cases:
        x = torch.randn(4, n_in, n, generator=g, dtype=torch.float64)
        w = torch.randn(n_in, n_out, modes, generator=g, dtype=torch.complex128)
        where = f"n = {n}, in = {n_in}, out = {n_out}, modes = {modes}"
        try:
            y = fn(x, w)
        except Exception as err:  # a learner's code may raise anything; report it plainly
            hint = " (a grid of n points has only n // 2 + 1 rfft modes)" if modes > n // 2 + 1 else ""
            raise AssertionError(f"your function raised {type(err).__name__}: {err} for {where}{hint}") from None
        expected = spectral_conv1d(x, w)
        if not isinstance(y, torch.Tensor) or y.is_complex():
            got = "a complex tensor: use irfft(..., n=n)" if isinstance(y, torch.Tensor) else type(y).__name__
            raise AssertionError(f"expected a real tensor for {where}; got {got}")
        if y.shape != expected.shape:
            raise AssertionError(f"wrong shape for {where}: expected {list(expected.shape)}, got {list(y.shape)} "
                                 f"(output channels come from weight.shape[1]; pass n= to irfft for odd n)")
        err = _rel(y, expected)
        if err > tolerance:
            raise AssertionError(f"your output differs from airtools' by {err:.2g} (relative) for {where}"
                                 + _diagnose(y, x, w))
        worst = max(worst, err)
    print(f"✅ your spectral convolution matches airtools' on {len(cases)} grids (largest relative difference "
          f"{worst:.1e})")
    return worst


def check_relative_l2(fn, *, tolerance: float = 1e-6) -> float:
    r"""Check ``fn(pred [batch, ...], target [batch, ...]) -> scalar``, the mean over samples of
    :math:`\lVert \hat u - u \rVert_2 / \lVert u \rVert_2` (Li et al.'s metric; see :func:`relative_l2`).

    >>> check_relative_l2(lambda p, t: ((p - t) ** 2).mean())
    Traceback (most recent call last):
    AssertionError: expected 0.5 for pred = 1.5 * target, got ...
    """
    g = torch.Generator().manual_seed(1)
    target = torch.randn(3, 16, 1, generator=g, dtype=torch.float64) * torch.tensor([1.0, 10.0, 0.1])[:, None, None]
    pred = target + 0.1 * torch.randn(target.shape, generator=g, dtype=torch.float64)
    checks = [(1.5 * target, target, "pred = 1.5 * target"), (pred, target, "noisy pred, samples of different scale"),
              (pred[..., 0], target[..., 0], "inputs of shape [batch, n]")]
    worst = 0.0
    for p, t, what in checks:
        try:
            value = float(fn(p, t))
        except Exception as err:  # report the learner's exception plainly
            raise AssertionError(f"your function raised {type(err).__name__}: {err} for {what}") from None
        expected = float(relative_l2(p, t))
        err = abs(value - expected) / expected
        if err > tolerance:
            pooled = float(torch.linalg.vector_norm(p - t) / torch.linalg.vector_norm(t))
            hint = ("; you took one norm over the whole batch: divide per sample, then average"
                    if abs(value - pooled) < 1e-9 * pooled else "")
            raise AssertionError(f"expected {expected:.4g} for {what}, got {value:.4g}{hint}")
        worst = max(worst, err)
    print(f"✅ your relative L2 error matches airtools.models.fno.relative_l2 (largest relative difference "
          f"{worst:.1e})")
    return worst


def _rel(a: torch.Tensor, b: torch.Tensor) -> float:
    return float((a - b).norm() / b.norm().clamp_min(1e-300))


def _diagnose(y, x, w) -> str:
    if w.shape[0] == w.shape[1] and _rel(y, spectral_conv1d(x, w.transpose(0, 1))) < 1e-6:
        return ": in and out channels are swapped in the contraction (weight is [in, out, modes])"
    if _rel(y, spectral_conv1d(x, w.conj())) < 1e-6:
        return ": the weights are conjugated"
    ratio = float((y * spectral_conv1d(x, w)).sum() / spectral_conv1d(x, w).square().sum())
    if _rel(y, ratio * spectral_conv1d(x, w)) < 1e-6:
        return f": off by a constant factor {ratio:.3g} (check the FFT normalisation: rfft/irfft defaults)"
    return ": keep wavenumbers k < modes, multiply by weight over the input channels, zero the rest"
