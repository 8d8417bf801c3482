"""Pseudo-spectral solvers on the periodic unit interval [0, 1), grid x_j = j / n: heat and viscous Burgers.

Both accept ``u0: [..., n]`` as numpy (answer in numpy, float64) or torch (answer on the same device,
same dtype), with any leading batch shape.
"""
from __future__ import annotations

import math

import torch

from ._common import as_field, back, check_positive, check_steps, check_times, segments, wavenumbers

__all__ = ["solve_heat", "solve_burgers", "grid"]

_CFL = 0.5  # default Burgers step: dt = CFL * dx / max|u0| (max|u| never grows for Burgers)


def grid(n: int, *, dtype=torch.float64, device=None) -> torch.Tensor:
    """The periodic grid ``x_j = j / n``, ``j = 0 .. n-1`` of the unit interval.

    Returns:
        x: ``[n]``.

    >>> grid(4)
    tensor([0.0000, 0.2500, 0.5000, 0.7500], dtype=torch.float64)
    """
    if isinstance(n, bool) or int(n) != n or n < 1:
        raise ValueError(f"n: expected an integer >= 1, got {n!r}")
    return torch.arange(int(n), dtype=dtype, device=device) / int(n)


def solve_heat(u0, nu, t, *, return_times=None):
    """Heat equation u_t = ν u_xx on the periodic unit interval, solved exactly in Fourier space.

    Each Fourier mode decays independently: û_k(t) = û_k(0) exp(-ν (2πk)² t), so the answer is exact
    (to round-off) for the trigonometric interpolant of ``u0``.

    Args:
        u0: ``[..., n]`` initial values on ``x_j = j/n`` (numpy or torch).
        nu: diffusivity ν > 0.
        t: final time >= 0.
        return_times: optional ascending times in [0, t]; then every one of them is returned.

    Returns:
        u(t): ``[..., n]``, or ``[..., n_times, n]`` with ``return_times``; same kind as ``u0``.

    >>> import numpy as np
    >>> x = np.arange(8) / 8
    >>> u = solve_heat(np.sin(2 * np.pi * x), nu=0.1, t=0.5)
    >>> bool(np.allclose(u, np.exp(-0.1 * (2 * np.pi) ** 2 * 0.5) * np.sin(2 * np.pi * x)))
    True
    """
    u, was_numpy = as_field(u0, "u0", min_n=1)
    nu = check_positive(nu, "nu")
    t, times = check_times(t, return_times)
    n = u.shape[-1]
    k = wavenumbers(n, u)
    u_hat = torch.fft.rfft(u)
    decay = lambda s: torch.exp(-nu * k**2 * s)  # noqa: E731
    if times is None:
        return back(torch.fft.irfft(u_hat * decay(t), n=n), was_numpy)
    s = torch.tensor(times, dtype=u.dtype, device=u.device)[:, None]  # [n_times, 1]
    out = torch.fft.irfft(u_hat[..., None, :] * torch.exp(-nu * k**2 * s), n=n)  # [..., n_times, n]
    return back(out, was_numpy)


def solve_burgers(u0, nu, t, *, n_steps=None, return_times=None):
    """Viscous Burgers u_t + u u_x = ν u_xx on the periodic unit interval, pseudo-spectral + ETDRK4.

    In Fourier space û_t = L û + N(û) with L = -ν(2πk)² (exact, through exponentials) and
    N(û) = -(i 2πk / 2) FFT(u²) with the 2/3 rule (modes |k| >= n/3 of the product dropped).
    Time stepping: exponential time differencing RK4 (Cox & Matthews 2002) with Kassam & Trefethen's
    (2005) contour-integral coefficients — fourth order in time, spectral in space.

    Args:
        u0: ``[..., n]`` initial values on ``x_j = j/n`` (numpy or torch); ``n`` even, >= 4.
        nu: viscosity ν > 0.
        t: final time >= 0.
        n_steps: number of equal steps over [0, t]; default: dt = 0.5 dx / max|u0| (advective CFL).
        return_times: optional ascending times in [0, t]; then every one of them is returned.

    Returns:
        u(t): ``[..., n]``, or ``[..., n_times, n]`` with ``return_times``; same kind as ``u0``.

    >>> import numpy as np
    >>> x = np.arange(64) / 64
    >>> u = solve_burgers(np.sin(2 * np.pi * x), nu=0.1, t=0.2)
    >>> u.shape, bool(abs(u.mean()) < 1e-12)   # the mean (momentum) is conserved
    ((64,), True)
    """
    u, was_numpy = as_field(u0, "u0", even=True, min_n=4)
    nu = check_positive(nu, "nu")
    t, times = check_times(t, return_times)
    n_steps = check_steps(n_steps)
    n = u.shape[-1]
    if n_steps is not None:
        dt = t / n_steps if t > 0 else 1.0
    else:
        umax = float(u.abs().max()) if u.numel() else 0.0
        dt = _CFL / (n * umax) if umax > 0 else max(t, 1.0)
    k = wavenumbers(n, u)
    L = -nu * k**2
    ik_half = 0.5j * k * (k < 2 * math.pi * n / 3)  # derivative of u²/2, dealiased by the 2/3 rule

    def N(v_hat):
        return -ik_half * torch.fft.rfft(torch.fft.irfft(v_hat, n=n) ** 2)

    v = torch.fft.rfft(u)
    out, coefficients = [], {}
    for h, m in segments(times if times is not None else [t], dt):
        if m:
            key = round(h, 14)
            if key not in coefficients:
                coefficients[key] = _etdrk4_coefficients(L, h)
            E, E2, Q, f1, f2, f3 = coefficients[key]
            for _ in range(m):
                Nv = N(v)
                a = E2 * v + Q * Nv
                Na = N(a)
                b = E2 * v + Q * Na
                Nb = N(b)
                c = E2 * a + Q * (2 * Nb - Nv)
                v = E * v + f1 * Nv + 2 * f2 * (Na + Nb) + f3 * N(c)
        out.append(torch.fft.irfft(v, n=n))
    result = out[-1] if times is None else torch.stack(out, dim=-2)
    return back(result, was_numpy)


def _etdrk4_coefficients(L: torch.Tensor, h: float, M: int = 32):
    """Kassam–Trefethen ETDRK4 factors for the diagonal linear operator ``L`` and step ``h``.

    The φ-functions are averaged over M points of a unit circle around each hL (complex128), which
    avoids the cancellation of their Taylor-singular closed forms near hL = 0.
    """
    hL = (h * L).to(torch.float64)
    r = torch.exp(1j * math.pi * (torch.arange(1, M + 1, dtype=torch.float64, device=L.device) - 0.5) / M)
    LR = hL[:, None] + r[None, :]  # [n_modes, M]
    e = torch.exp(LR)
    Q = h * ((torch.exp(LR / 2) - 1) / LR).mean(-1).real
    f1 = h * ((-4 - LR + e * (4 - 3 * LR + LR**2)) / LR**3).mean(-1).real
    f2 = h * ((2 + LR + e * (LR - 2)) / LR**3).mean(-1).real
    f3 = h * ((-4 - 3 * LR - LR**2 + e * (4 - LR)) / LR**3).mean(-1).real
    cast = lambda a: a.to(L.dtype)  # noqa: E731
    return cast(torch.exp(hL)), cast(torch.exp(hL / 2)), cast(Q), cast(f1), cast(f2), cast(f3)
