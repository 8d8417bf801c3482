"""Second-order finite differences on the periodic grid x_j = j/n: the classical baseline of lesson 13.

The periodic FD Laplacian is a circulant matrix, so it is diagonal in Fourier space with symbol
λ_k = -(4/dx²) sin²(πk/n) instead of the spectral -(2πk)²; that is where its O(dx²) error comes from.
"""
from __future__ import annotations

import math

import torch

from ._common import as_field, back, check_positive, check_steps, check_times, segments

__all__ = ["fd_laplacian", "solve_heat_fd", "solve_burgers_fd"]

HEAT_SCHEMES = ("exact", "euler", "crank_nicolson")


def fd_laplacian(u, dx=None):
    """Periodic second-order Laplacian (u_{j+1} - 2u_j + u_{j-1}) / dx², error O(dx²).

    Args:
        u: ``[..., n]`` (numpy or torch). dx: grid spacing, default 1/n (the unit interval).

    Returns:
        ``[..., n]``, same kind as ``u``.

    >>> import numpy as np
    >>> x = np.arange(64) / 64
    >>> err = fd_laplacian(np.sin(2 * np.pi * x)) + (2 * np.pi) ** 2 * np.sin(2 * np.pi * x)
    >>> round(float(abs(err).max()), 4), round((2 * np.pi) ** 4 / (12 * 64**2), 4)   # ≈ q⁴ dx² / 12
    (0.0317, 0.0317)
    """
    v, was_numpy = as_field(u, "u", min_n=3)
    dx = 1.0 / v.shape[-1] if dx is None else check_positive(dx, "dx")
    return back((torch.roll(v, 1, -1) - 2 * v + torch.roll(v, -1, -1)) / dx**2, was_numpy)


def solve_heat_fd(u0, nu, t, *, n_steps=None, scheme="crank_nicolson", return_times=None):
    """Heat equation u_t = ν u_xx with the FD Laplacian (method of lines) and a chosen time integrator.

    Semi-discrete system u' = ν A u, A the periodic FD Laplacian (diagonal in Fourier, symbol λ_k):
    ``"exact"``: u(t) = exp(ν A t) u0 (no time error, isolates the O(dx²) space error);
    ``"euler"``: u ← (I + h ν A) u, first order, stable only for ν h / dx² <= 1/2;
    ``"crank_nicolson"``: u ← (I - hνA/2)^(-1) (I + hνA/2) u, second order, unconditionally stable.

    Args:
        u0: ``[..., n]`` (numpy or torch). nu: ν > 0. t: final time >= 0.
        n_steps: steps over [0, t]; default: 1 for "exact", the stability limit for "euler"
            (ν h / dx² = 0.4), n for "crank_nicolson".
        scheme: one of ``"exact"``, ``"euler"``, ``"crank_nicolson"``.
        return_times: optional ascending times in [0, t] (output ``[..., n_times, n]``).

    Returns:
        u(t): ``[..., n]`` or ``[..., n_times, n]``, same kind as ``u0``.

    >>> import numpy as np
    >>> x = np.arange(32) / 32; u0 = np.sin(2 * np.pi * x)
    >>> a = solve_heat_fd(u0, 0.1, 0.5, scheme="exact"); b = solve_heat_fd(u0, 0.1, 0.5, n_steps=400)
    >>> bool(abs(a - b).max() < 1e-6)
    True
    """
    u, was_numpy = as_field(u0, "u0", min_n=3)
    nu = check_positive(nu, "nu")
    t, times = check_times(t, return_times)
    n_steps = check_steps(n_steps)
    if scheme not in HEAT_SCHEMES:
        raise ValueError(f"scheme: expected one of {HEAT_SCHEMES}, got {scheme!r}")
    n = u.shape[-1]
    k = torch.fft.rfftfreq(n, 1.0 / n, dtype=torch.float64, device=u.device)
    lam = (-4 * n**2 * torch.sin(math.pi * k / n) ** 2).to(u.dtype)  # symbol of A, dx = 1/n
    if n_steps is None:
        n_steps = {"exact": 1, "euler": max(1, math.ceil(t * nu * n**2 / 0.4)), "crank_nicolson": n}[scheme]
    dt = t / n_steps if t > 0 else 1.0
    u_hat, out = torch.fft.rfft(u), []
    for h, m in segments(times if times is not None else [t], dt):
        if scheme == "exact":
            factor = torch.exp(nu * lam * h * m)
            m = 1
        elif scheme == "euler":
            factor = 1 + h * nu * lam
        else:
            factor = (1 + 0.5 * h * nu * lam) / (1 - 0.5 * h * nu * lam)
        u_hat = u_hat * factor**m
        out.append(torch.fft.irfft(u_hat, n=n))
    return back(out[-1] if times is None else torch.stack(out, dim=-2), was_numpy)


def solve_burgers_fd(u0, nu, t, *, n_steps=None):
    """Burgers u_t + (u²/2)_x = ν u_xx with second-order central differences and classical RK4.

    du_j/dt = -(u_{j+1}² - u_{j-1}²) / (4 dx) + ν (u_{j+1} - 2u_j + u_{j-1}) / dx²
    (conservative flux form: the mean is conserved exactly); O(dx²) in space, O(dt⁴) in time.

    Args:
        u0: ``[..., n]`` (numpy or torch), n >= 3. nu: ν > 0. t: final time >= 0.
        n_steps: RK4 steps; default from the advective and diffusive limits
            dt = min(0.5 dx / max|u0|, 0.4 dx² / ν).

    Returns:
        u(t): ``[..., n]``, same kind as ``u0``.

    >>> import numpy as np
    >>> x = np.arange(32) / 32
    >>> u = solve_burgers_fd(np.sin(2 * np.pi * x), 0.1, 0.1)
    >>> u.shape, bool(abs(u.mean()) < 1e-12)
    ((32,), True)
    """
    u, was_numpy = as_field(u0, "u0", min_n=3)
    nu = check_positive(nu, "nu")
    t, _ = check_times(t, None)
    n_steps = check_steps(n_steps)
    n = u.shape[-1]
    dx = 1.0 / n
    if n_steps is None:
        umax = float(u.abs().max()) if u.numel() else 0.0
        dt = min(0.5 * dx / umax if umax > 0 else math.inf, 0.4 * dx**2 / nu)
        n_steps = max(1, math.ceil(t / dt))
    h = t / n_steps

    def rhs(v):
        up, um = torch.roll(v, -1, -1), torch.roll(v, 1, -1)
        return -(up**2 - um**2) / (4 * dx) + nu * (up - 2 * v + um) / dx**2

    for _ in range(n_steps if t > 0 else 0):
        k1 = rhs(u)
        k2 = rhs(u + 0.5 * h * k1)
        k3 = rhs(u + 0.5 * h * k2)
        k4 = rhs(u + h * k3)
        u = u + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
    return back(u, was_numpy)
