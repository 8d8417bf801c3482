"""Exact solutions the solvers are tested against: heat Fourier modes, Burgers by Cole–Hopf, Taylor–Green.

All functions take numpy arrays (or anything ``np.asarray`` accepts), broadcast ``x`` and ``t`` and
return float64 numpy arrays of the broadcast shape.
"""
from __future__ import annotations

import math

import numpy as np

from ._common import check_positive

__all__ = ["heat_exact", "periodic_burgers_exact", "cole_hopf_burgers", "taylor_green_vorticity"]


def _times(t) -> np.ndarray:
    t = np.asarray(t, dtype=np.float64)
    if not np.all(np.isfinite(t)) or np.any(t < 0):
        raise ValueError(f"t: expected finite times >= 0, got min {t.min() if t.size else t}")
    return t


def heat_exact(x, t, nu, *, k=1, amplitude=1.0):
    """A sum of decaying sine modes, the exact periodic heat solution on [0, 1).

    u(x, t) = Σ_m A_m exp(-ν (2π k_m)² t) sin(2π k_m x)

    Args:
        x, t: positions and times (broadcast against each other).
        nu: diffusivity ν > 0.
        k, amplitude: one wavenumber and amplitude, or equal-length sequences of them.

    Returns:
        u: the broadcast shape of ``x`` and ``t``.

    >>> float(heat_exact(0.25, 0.0, 0.1))
    1.0
    """
    nu = check_positive(nu, "nu")
    x, t = np.asarray(x, dtype=np.float64), _times(t)
    ks, amps = np.atleast_1d(k).astype(np.float64), np.atleast_1d(amplitude).astype(np.float64)
    if ks.shape != amps.shape:
        raise ValueError(f"amplitude: expected one amplitude per wavenumber ({ks.size}), got {amps.size}")
    u = np.zeros(np.broadcast_shapes(x.shape, t.shape))
    for km, a in zip(ks, amps):
        u = u + a * np.exp(-nu * (2 * np.pi * km) ** 2 * t) * np.sin(2 * np.pi * km * x)
    return u


def periodic_burgers_exact(x, t, nu, *, c=2.0, k=1):
    """Periodic Burgers solution on [0, 1) from Cole–Hopf: u = -2ν φ_x / φ with φ a heat solution.

    φ(x, t) = c + exp(-ν (2πk)² t) cos(2πk x),  c > 1, so that
    u(x, t) = 4πkν e^{-ν(2πk)²t} sin(2πk x) / (c + e^{-ν(2πk)²t} cos(2πk x)),
    which solves u_t + u u_x = ν u_xx exactly (smooth, periodic, mean zero).

    Args:
        x, t: positions and times (broadcast). nu: viscosity > 0. c: > 1 (closer to 1: steeper front).
        k: integer wavenumber >= 1.

    Returns:
        u: the broadcast shape of ``x`` and ``t``.

    >>> round(float(periodic_burgers_exact(0.25, 0.0, 0.1, c=2.0)), 6)   # 4π·0.1·1 / 2
    0.628319
    """
    nu = check_positive(nu, "nu")
    if not c > 1:
        raise ValueError(f"c: expected c > 1 (so that φ > 0), got {c}")
    if int(k) != k or k < 1:
        raise ValueError(f"k: expected an integer >= 1, got {k}")
    x, t = np.asarray(x, dtype=np.float64), _times(t)
    q = 2 * np.pi * k
    e = np.exp(-nu * q**2 * t)
    return 2 * nu * q * e * np.sin(q * x) / (c + e * np.cos(q * x))


def cole_hopf_burgers(x, t, nu=0.01 / math.pi, *, n_quad=250):
    """Raissi et al.'s Burgers benchmark: u0 = -sin(πx) on [-1, 1], u(±1, t) = 0, by Cole–Hopf.

    u(x, t) = -∫ sin(π(x-η)) f(x-η) G(η) dη / ∫ f(x-η) G(η) dη,
    f(y) = exp(-cos(πy) / (2πν)),  G(η) = exp(-η² / (4νt)),
    evaluated with ``n_quad``-point Gauss–Hermite quadrature (η = 2√(νt) z) in log space, so that
    f ~ e^{±50} at ν = 0.01/π does not overflow. Accuracy ~1e-7 away from the shock at x = 0 for
    t >= 0.1 with the default ``n_quad`` (more points near t -> 0).

    Args:
        x: positions in [-1, 1]; t: times >= 0 (broadcast with x); nu: viscosity > 0 (default 0.01/π).
        n_quad: Gauss–Hermite nodes.

    Returns:
        u: the broadcast shape of ``x`` and ``t``.

    >>> round(float(cole_hopf_burgers(-0.5, 0.0)), 6)
    1.0
    >>> abs(float(cole_hopf_burgers(0.0, 0.5))) < 1e-12     # the solution is odd in x
    True
    """
    nu = check_positive(nu, "nu")
    x, t = np.asarray(x, dtype=np.float64), _times(t)
    if np.any(np.abs(x) > 1 + 1e-12):
        raise ValueError("x: expected positions in [-1, 1]")
    x, t = np.broadcast_arrays(x, t)
    z, w = np.polynomial.hermite.hermgauss(n_quad)  # ∫ e^{-z²} g(z) dz ≈ Σ w g(z)
    y = x[..., None] - 2 * np.sqrt(nu * t[..., None]) * z  # [..., n_quad]
    log_weight = np.log(w) - np.cos(np.pi * y) / (2 * np.pi * nu)
    log_weight -= log_weight.max(axis=-1, keepdims=True)
    weight = np.exp(log_weight)
    u = -(weight * np.sin(np.pi * y)).sum(-1) / weight.sum(-1)
    return np.where(t == 0, -np.sin(np.pi * x), u)


def taylor_green_vorticity(x, y, t, nu=1e-3, *, k=1, amplitude=1.0):
    """Taylor–Green vortex on the unit torus: an exact unforced Navier–Stokes solution that only decays.

    velocity u = A (sin(2πkx) cos(2πky), -cos(2πkx) sin(2πky)) e^{-2ν(2πk)² t},
    vorticity ω = ∂_x v - ∂_y u = 4πk A sin(2πkx) sin(2πky) e^{-2ν(2πk)² t};
    the advection u·∇ω vanishes identically, so ω_t = ν Δω.

    Args:
        x, y, t: broadcast against each other (e.g. ``x[:, None], y[None, :]``). nu: viscosity > 0.
        k: integer wavenumber >= 1. amplitude: A.

    Returns:
        ω: the broadcast shape.

    >>> round(float(taylor_green_vorticity(0.25, 0.25, 0.0)), 6)   # 4π
    12.566371
    """
    nu = check_positive(nu, "nu")
    if int(k) != k or k < 1:
        raise ValueError(f"k: expected an integer >= 1, got {k}")
    x, y, t = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64), _times(t)
    q = 2 * np.pi * k
    return 2 * q * amplitude * np.sin(q * x) * np.sin(q * y) * np.exp(-2 * nu * q**2 * t)
