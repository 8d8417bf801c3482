r"""Exercise checkers of lesson 14 (neural operators): a learner's spectral convolution and relative L2 error.

Each prints one "✅ ..." line and returns a ``Passed`` of the measured error when the function is right, and
raises ``AssertionError`` saying in plain words what is wrong otherwise.

>>> from airtools.nn import spectral_conv1d

from ._common import Passed, call, expect_shape, passed, to_float, to_tensor
>>> result = check_spectral_conv(spectral_conv1d)
✅ your spectral convolution matches airtools' on 4 grids (largest relative difference ...)
"""
from __future__ import annotations

import torch

from airtools.models import relative_l2
from airtools.nn import spectral_conv1d

from ._common import Passed, call, expect_shape, passed, to_float, to_tensor

__all__ = ["check_spectral_conv", "check_relative_l2"]


def check_spectral_conv(fn, *, tolerance: float = 1e-5) -> Passed:
    r"""Check ``fn(x [batch, in, n], weight [in, out, modes] complex) -> [batch, out, n]`` against
    :func:`airtools.nn._spectral.spectral_conv1d`, :math:`y = \mathrm{irfft}(R \cdot \mathrm{rfft}(x))`.

    Tried on even and odd ``n``, with ``in != out``, and on a grid coarser than ``2 * modes``.

    Returns:
        ``Passed(max_difference=...)``, the largest relative difference; prints "✅ ..." on success.

    >>> check_spectral_conv(lambda x, w: torch.fft.irfft(torch.fft.rfft(x), n=x.shape[-1]))
    Traceback (most recent call last):
    AssertionError: your function returned shape [4, 3, 32] when called as fn(x, weight) with n = 32, in = 3, ...
    """
    g = torch.Generator().manual_seed(0)
    worst = 0.0
    cases = [(32, 3, 2, 6), (33, 2, 2, 5), (64, 1, 4, 16), (8, 2, 3, 12)]  # n, in, out, modes
    for n, n_in, n_out, modes in cases:
        x = torch.randn(4, n_in, n, generator=g, dtype=torch.float64)
        w = torch.randn(n_in, n_out, modes, generator=g, dtype=torch.complex128)
        where = f"n = {n}, in = {n_in}, out = {n_out}, modes = {modes}"
        how = f"fn(x, weight) with {where}: x of shape {list(x.shape)}, weight of shape {list(w.shape)}"
        hint = " (a grid of n points has only n // 2 + 1 rfft modes: keep min(modes, n // 2 + 1))" \
            if modes > n // 2 + 1 else ""
        y = call(fn, x, w, how=how, hint=hint)
        expected = spectral_conv1d(x, w)
        if not isinstance(y, torch.Tensor) or y.is_complex():
            got = "a complex tensor: use irfft(..., n=n)" if isinstance(y, torch.Tensor) else f"a {type(y).__name__}"
            raise AssertionError(f"your function returned {got} when called as {how}, but a real tensor was "
                                 f"expected")
        y = to_tensor(y, how)  # NaN or inf are named here
        expect_shape(y, expected.shape, how, " (output channels come from weight.shape[1]; pass n= to irfft so "
                                             "that an odd n comes back)")
        err = _rel(y.detach(), expected)
        if not err <= tolerance:
            raise AssertionError(f"your output differs from airtools' by {err:.2g} (relative) for {where}"
                                 + _diagnose(y, x, w))
        worst = max(worst, err)
    return passed(f"your spectral convolution matches airtools' on {len(cases)} grids (largest relative difference "
                  f"{worst:.1e})", max_difference=worst)


def check_relative_l2(fn, *, tolerance: float = 1e-6) -> Passed:
    r"""Check ``fn(pred [batch, ...], target [batch, ...]) -> scalar``, the mean over samples of
    :math:`\lVert \hat u - u \rVert_2 / \lVert u \rVert_2` (Li et al.'s metric; see :func:`relative_l2`).

    Tried on ``pred = 1.5 * target``, on noisy predictions of samples whose scales differ by 100x, and on
    ``[batch, n]`` inputs. One norm over the whole batch, squared norms, no division by the target, dividing
    by the prediction and a sum instead of a mean are named.

    Returns:
        ``Passed(max_difference=...)``, the largest relative difference from :func:`relative_l2`;
        prints "✅ ..." on success.

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
        how = f"fn(pred, target) with {what}, shape {list(p.shape)}"
        value = to_float(call(fn, p, t, how=how), how)
        expected = float(relative_l2(p, t))
        err = abs(value - expected) / expected
        if err > tolerance:
            raise AssertionError(f"expected {expected:.4g} for {what}, got {value:.4g}" + _l2_mistake(value, p, t))
        worst = max(worst, err)
    return passed(f"your relative L2 error matches airtools.models.relative_l2 (largest relative difference "
                  f"{worst:.1e})", max_difference=worst)


def _l2_mistake(value: float, p: torch.Tensor, t: torch.Tensor) -> str:
    """Name the usual mistake that gives ``value`` for ``pred = p``, ``target = t`` ``[batch, ...]``."""
    diff, target = (p - t).flatten(1).norm(dim=1), t.flatten(1).norm(dim=1)  # [batch]
    mistakes = [
        (torch.linalg.vector_norm(p - t) / torch.linalg.vector_norm(t),
         "you took one norm over the whole batch: divide per sample, then average"),
        ((diff**2 / target**2).mean(), "you took squared norms: take the square root of each sum of squares "
                                       "(torch.linalg.vector_norm)"),
        (diff.mean(), "you did not divide by the norm of the target, ||target||"),
        ((diff / p.flatten(1).norm(dim=1)).mean(), "you divided by the norm of the prediction; divide by the target's"),
        ((diff / target).sum(), "you summed over the samples: take the mean"),
    ]
    for candidate, hint in mistakes:
        if abs(value - float(candidate)) < 1e-9 * abs(float(candidate)):
            return "; " + hint
    return "; take ||pred - target|| / ||target|| for each sample (norms over all but the batch axis), then the mean"


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
