"""Gaussian random fields on the periodic unit interval / torus: the random inputs of operator learning."""
from __future__ import annotations

import math

import torch

from ._common import check_positive

__all__ = ["gaussian_random_field"]


def gaussian_random_field(n_samples, n, *, alpha=2.0, tau=3.0, sigma=None, dim=1, generator=None,
                          dtype=torch.float64, device=None):
    """Samples of the mean-zero Gaussian field N(0, σ² (-Δ + τ² I)^(-α)) on [0, 1)^dim (Li et al. 2021).

    In the Fourier basis e^{2πi k·x} the covariance is diagonal with eigenvalues
    λ_k = σ² ((2π|k|)² + τ²)^(-α) for k ≠ 0 and λ_0 = 0 (every sample has mean exactly 0), so the
    power spectrum E|û_k|² ∝ λ_k falls like |k|^(-2α) once 2π|k| >> τ: larger α -> smoother fields,
    larger τ -> shorter correlation length. Sampled by colouring white noise with an FFT.

    Args:
        n_samples: number of fields N. n: grid points per axis (x_j = j/n).
        alpha: smoothness α > dim/2. tau: inverse length scale τ > 0.
        sigma: amplitude σ; default τ^(α - dim/2) (Li et al.'s choice, keeps the variance O(1)).
            Li et al.'s Burgers inputs: alpha=2, tau=5, sigma=25; Navier–Stokes: alpha=2.5, tau=7.
        dim: 1 or 2. generator: a ``torch.Generator`` for reproducible samples (its device is used).

    Returns:
        u: ``[n_samples, n]`` (dim=1) or ``[n_samples, n, n]`` (dim=2).

    >>> g = torch.Generator().manual_seed(0)
    >>> u = gaussian_random_field(3, 64, alpha=2, tau=5, sigma=25, generator=g)
    >>> u.shape, bool(u.mean(-1).abs().max() < 1e-12)
    (torch.Size([3, 64]), True)
    """
    if isinstance(n_samples, bool) or int(n_samples) != n_samples or n_samples < 0:
        raise ValueError(f"n_samples: expected an integer >= 0, got {n_samples!r}")
    if isinstance(n, bool) or int(n) != n or n < 2:
        raise ValueError(f"n: expected an integer >= 2 grid points, got {n!r}")
    if dim not in (1, 2):
        raise ValueError(f"dim: expected 1 or 2, got {dim!r}")
    alpha, tau = check_positive(alpha, "alpha"), check_positive(tau, "tau")
    if alpha <= dim / 2:
        raise ValueError(f"alpha: expected alpha > dim/2 = {dim / 2} (finite variance), got {alpha}")
    sigma = tau ** (alpha - dim / 2) if sigma is None else check_positive(sigma, "sigma")
    n_samples, n = int(n_samples), int(n)
    if generator is not None:
        device = generator.device
    k = torch.fft.fftfreq(n, 1.0 / n, dtype=torch.float64, device=device)
    kr = torch.fft.rfftfreq(n, 1.0 / n, dtype=torch.float64, device=device)
    k2 = kr**2 if dim == 1 else k[:, None] ** 2 + kr[None, :] ** 2
    lam = sigma**2 * ((2 * math.pi) ** 2 * k2 + tau**2) ** (-alpha)
    lam.view(-1)[0] = 0.0  # mean-zero field
    shape = (n_samples,) + (n,) * dim
    xi = torch.randn(shape, generator=generator, dtype=torch.float64, device=device)  # white noise
    # E|FFT(xi)_k|^2 = n^dim, and u_j = ifft(.) divides by n^dim: scale by sqrt(n^dim λ_k)
    scale = torch.sqrt(n**dim * lam)
    if dim == 1:
        u = torch.fft.irfft(torch.fft.rfft(xi) * scale, n=n)
    else:
        u = torch.fft.irfft2(torch.fft.rfft2(xi) * scale, s=(n, n))
    return u.to(dtype)
