"""2-D incompressible Navier–Stokes in vorticity form on the unit torus (the setting of Li et al. 2021).

    ω_t + u·∇ω = ν Δω + f,   u = (∂_y ψ, -∂_x ψ),   -Δψ = ω,   x, y ∈ [0, 1) periodic.

Pseudo-spectral in space (2/3 dealiasing of u·∇ω), Crank–Nicolson for ν Δω and Heun (explicit RK2)
for advection and forcing — second order in time, as Li et al.'s ``ns_2d.py`` but with a corrector step.
Arrays index ``w[..., i, j] = ω(x_i, y_j)`` with ``x_i = i/n``, ``y_j = j/n``.
"""
from __future__ import annotations

import math

import torch

from ._common import as_field, back, check_positive, check_times, segments, wavenumbers

__all__ = ["solve_navier_stokes", "li2021_forcing"]


def li2021_forcing(n: int, *, dtype=torch.float64, device=None) -> torch.Tensor:
    """Li et al. (2021)'s forcing f(x, y) = 0.1 (sin 2π(x+y) + cos 2π(x+y)) on the n × n grid.

    Returns:
        f: ``[n, n]``.

    >>> li2021_forcing(4)[0, 0].item()
    0.1
    """
    x = torch.arange(n, dtype=dtype, device=device) / n
    s = 2 * math.pi * (x[:, None] + x[None, :])
    return 0.1 * (torch.sin(s) + torch.cos(s))


def solve_navier_stokes(w0, t, *, nu=1e-3, forcing="li2021", dt=1e-3, return_times=None):
    """Vorticity ω(t) of 2-D incompressible Navier–Stokes on the unit torus from ω(0) = ``w0``.

    ω_t + u·∇ω = ν Δω + f with u = ∇^⊥ψ, -Δψ = ω. Each step of size h <= dt (IMEX, 2nd order):
    ω* = [(1 + hL/2) ω̂ + h N(ω̂)] / (1 - hL/2),
    ω̂ ← [(1 + hL/2) ω̂ + h/2 (N(ω̂) + N(ω*))] / (1 - hL/2),   L = -ν|2πk|²,  N = -(u·∇ω)^ + f̂.

    Args:
        w0: ``[..., n, n]`` vorticity (numpy or torch), n even >= 4; its mean is kept (forcing has none).
        t: final time >= 0.
        nu: viscosity > 0 (Li et al.: 1e-3, 1e-4, 1e-5).
        forcing: ``"li2021"`` (0.1(sin 2π(x+y) + cos 2π(x+y))), ``None`` (decaying flow) or an ``[n, n]`` array.
        dt: largest time step (CFL: keep max|u| dt n below ~1).
        return_times: optional ascending times in [0, t]; then ``[..., n_times, n, n]`` is returned.

    Returns:
        ω(t): ``[..., n, n]`` or ``[..., n_times, n, n]``; same kind (numpy/torch, device, dtype) as ``w0``.

    >>> import numpy as np
    >>> w = solve_navier_stokes(np.zeros((16, 16)), 0.1, dt=0.05)   # at rest, the forcing spins it up
    >>> w.shape, round(float(w[0, 0]), 4)
    ((16, 16), 0.01)
    """
    w, was_numpy = as_field(w0, "w0", dim=2, even=True, min_n=4)
    nu = check_positive(nu, "nu")
    dt = check_positive(dt, "dt")
    t, times = check_times(t, return_times)
    n = w.shape[-1]
    f_hat = _forcing_hat(forcing, n, w)
    kx = wavenumbers(n, w, real=False)[:, None]  # [n, 1]   (x along axis -2)
    ky = wavenumbers(n, w)[None, :]  # [1, n//2+1]   (y along axis -1, rfft)
    k2 = kx**2 + ky**2
    inv_k2 = torch.where(k2 > 0, 1 / torch.where(k2 > 0, k2, 1), 0)
    keep = (kx.abs() < 2 * math.pi * n / 3) & (ky < 2 * math.pi * n / 3)  # 2/3 dealiasing
    L = -nu * k2
    rfft2 = lambda a: torch.fft.rfft2(a)  # noqa: E731
    irfft2 = lambda a: torch.fft.irfft2(a, s=(n, n))  # noqa: E731

    def N(w_hat):
        psi = w_hat * inv_k2
        u, v = irfft2(1j * ky * psi), irfft2(-1j * kx * psi)
        wx, wy = irfft2(1j * kx * w_hat), irfft2(1j * ky * w_hat)
        return -rfft2(u * wx + v * wy) * keep + f_hat

    w_hat = rfft2(w)
    out = []
    for h, m in segments(times if times is not None else [t], dt):
        plus, minus = 1 + 0.5 * h * L, 1 - 0.5 * h * L
        for _ in range(m):
            N0 = N(w_hat)
            w_star = (plus * w_hat + h * N0) / minus
            w_hat = (plus * w_hat + 0.5 * h * (N0 + N(w_star))) / minus
        out.append(irfft2(w_hat))
    result = out[-1] if times is None else torch.stack(out, dim=-3)
    return back(result, was_numpy)


def _forcing_hat(forcing, n: int, like: torch.Tensor):
    if forcing is None:
        return 0
    if isinstance(forcing, str):
        if forcing != "li2021":
            raise ValueError(f"forcing: expected 'li2021', None or an [n, n] array, got {forcing!r}")
        f = li2021_forcing(n, dtype=like.dtype, device=like.device)
    else:
        f, _ = as_field(forcing, "forcing", dim=2)
        if f.shape != (n, n):
            raise ValueError(f"forcing: expected shape [{n}, {n}] like w0's grid, got {list(f.shape)}")
        f = f.to(device=like.device, dtype=like.dtype)
    return torch.fft.rfft2(f)
