"""The lesson-14 checkers accept a right spectral convolution and relative L2 error and name the usual mistakes."""
import pytest
import torch

from airtools.exercises import check_relative_l2, check_spectral_conv
from airtools.models import relative_l2

from .answers import relative_l2_per_sample, spectral_conv


def test_spectral_conv_accepts_a_truncated_fourier_multiplier(accepts):
    result = accepts(check_spectral_conv(spectral_conv), "matches airtools' on 4 grids")
    assert result["max_difference"] < 1e-12


def conv(x, weight, *, rfft=torch.fft.rfft, irfft=torch.fft.irfft, clip=True, n_out=True):
    """``spectral_conv`` with one of its steps swapped for a typical mistake."""
    n = x.shape[-1]
    modes = min(weight.shape[-1], n // 2 + 1) if clip else weight.shape[-1]
    x_ft = rfft(x)
    out_ft = torch.zeros(x.shape[0], weight.shape[1], n // 2 + 1, dtype=x_ft.dtype)
    out_ft[..., :modes] = torch.einsum("bik,iok->bok", x_ft[..., :modes], weight[..., :modes])
    return irfft(out_ft, n=n) if n_out else irfft(out_ft)


@pytest.mark.parametrize("fn, message", [
    (lambda x, w: conv(x, w, n_out=False), r"returned shape \[4, 2, 32\] .* n = 33.* pass n= to irfft"),
    (lambda x, w: conv(x, w, clip=False), r"raised RuntimeError .* n = 8.* only n // 2 \+ 1 rfft modes"),
    (lambda x, w: conv(x, w, rfft=lambda x: torch.fft.rfft(x, norm="forward")), "off by a constant factor 0.03"),
    (lambda x, w: conv(x, w.conj()), "the weights are conjugated"),
    (lambda x, w: torch.fft.rfft(spectral_conv(x, w)), "a complex tensor: use irfft"),
    (lambda x, w: spectral_conv(x, w.real.to(w.dtype)), "keep wavenumbers k < modes"),
])
def test_spectral_conv_names_the_mistake(fn, message):
    with pytest.raises(AssertionError, match=message):
        check_spectral_conv(fn)


def test_relative_l2_accepts_the_per_sample_mean(accepts):
    assert accepts(check_relative_l2(relative_l2_per_sample), "matches")["max_difference"] < 1e-12
    accepts(check_relative_l2(relative_l2))


def norms(pred, target):
    return (pred - target).flatten(1).norm(dim=1), target.flatten(1).norm(dim=1)


@pytest.mark.parametrize("fn, message", [
    (lambda p, t: ((p - t) ** 2).mean(), r"expected 0.5 for pred = 1.5 \* target, got"),
    (lambda p, t: torch.linalg.vector_norm(p - t) / torch.linalg.vector_norm(t), "one norm over the whole batch"),
    (lambda p, t: (norms(p, t)[0] ** 2 / norms(p, t)[1] ** 2).mean(), "you took squared norms"),
    (lambda p, t: norms(p, t)[0].mean(), r"did not divide by the norm of the target"),
    (lambda p, t: (norms(p, t)[0] / p.flatten(1).norm(dim=1)).mean(), "divided by the norm of the prediction"),
    (lambda p, t: (norms(p, t)[0] / norms(p, t)[1]).sum(), "you summed over the samples: take the mean"),
    (lambda p, t: norms(p, t)[0] / norms(p, t)[1], r"returned 3 numbers \(shape \[3\]\) .* one number"),
])
def test_relative_l2_names_the_mistake(fn, message):
    with pytest.raises(AssertionError, match=message):
        check_relative_l2(fn)
