"""Densities of VMC walkers: histograms of sampled positions against the exact densities where they are known."""
from __future__ import annotations

import math

import numpy as np

from ._systems import get_system

__all__ = ["exact_density", "walker_density"]

_EXACT = {  # system -> (label, density)
    "harmonic_oscillator": ("exact e^{-x²}/√π", lambda x: np.exp(-x**2) / math.sqrt(math.pi)),
    "hydrogen": ("exact 4r² e^{-2r}", lambda r: 4 * r**2 * np.exp(-2 * r)),
    "trap_fermions": ("exact (1+2x²) e^{-x²}/(2√π)",
                      lambda x: (1 + 2 * x**2) * np.exp(-x**2) / (2 * math.sqrt(math.pi))),
    # helium has no closed form: the screened hydrogenic orbital (Z = 27/16) is the textbook reference
    "helium": ("hydrogenic Z=27/16", lambda r, Z=27 / 16: 4 * Z**3 * r**2 * np.exp(-2 * Z * r)),
}


def exact_density(system, x):
    r"""The exact one-particle density of ``system`` where one is known: radial :math:`P(r)` in 3-D, :math:`\rho(x)`
    (per particle) in 1-D; helium has no closed form, so its screened hydrogenic orbital (Z = 27/16) stands in.

    Args:
        system: a ``System`` or its name; x: ``[n]`` points (bohr).

    Returns:
        ``(label, p_exact [n] or None)``.

    >>> label, p = exact_density("hydrogen", np.array([1.0]))
    >>> label, round(float(p[0]), 6)
    ('exact 4r² e^{-2r}', 0.541341)
    """
    system = get_system(system)
    label, fn = _EXACT.get(system.name, ("", None))
    return label, (fn(np.asarray(x, dtype=float)) if fn else None)


def walker_density(system, walkers=None, n_bins: int = 60):
    r"""Histogram of walker positions: the radial density :math:`P(r) = 4\pi r^2\rho(r)` in 3-D, :math:`\rho(x)`
    in 1-D (one particle's coordinate, all particles pooled), with the exact curve where one is known.

    Args:
        system: a ``System`` or its name; walkers: ``[n_samples, n_particles, dim]`` (torch or numpy), or None
            for the exact curve alone (no samples yet).

    Returns:
        ``(x [n_bins], p [n_bins] or None, p_exact [n_bins] or None, label)``; ``p`` integrates to 1.

    >>> import numpy as np
    >>> x, p, p_exact, label = walker_density("hydrogen", np.random.default_rng(0).normal(size=(4000, 1, 3)))
    >>> x.shape, round(float(p.sum() * (x[1] - x[0])), 6), label
    ((60,), 1.0, 'exact 4r² e^{-2r}')
    """
    system = get_system(system)
    if walkers is None:
        x = np.linspace(0, 6, 120) if system.dim == 3 else np.linspace(-4, 4, 120)
        return (x, None, *exact_density(system, x)[::-1])
    X = np.asarray(walkers.detach().cpu() if hasattr(walkers, "detach") else walkers, dtype=np.float64)
    if X.ndim != 3 or X.shape[1:] != (system.n_particles, system.dim):
        raise ValueError(f"walkers: expected shape [n, {system.n_particles}, {system.dim}] for {system.name}, "
                         f"got {list(X.shape)}")
    values = np.linalg.norm(X, axis=-1).ravel() if system.dim == 3 else X.ravel()
    lo, hi = (0.0, min(8.0, float(np.quantile(values, 0.995)) * 1.2)) if system.dim == 3 else (-4.0, 4.0)
    p, edges = np.histogram(values, bins=n_bins, range=(lo, hi), density=True)
    x = (edges[1:] + edges[:-1]) / 2
    label, p_exact = exact_density(system, x)
    return x, p, p_exact, label
