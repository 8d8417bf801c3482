"""Operator-learning datasets, generated locally and cached on disk (nothing is downloaded).

Each generator draws random inputs with a seeded ``torch.Generator``, solves, and stores float32 arrays in
``cache_dir() / "pde" / <name>-<key>.npz`` (``$AIRTOOLS_CACHE`` or ``~/.cache/airtools``) through
``airtools.data``'s cache: SHA-256 checksum appended, atomic write, a corrupt file is detected, deleted
and rebuilt. The key hashes every argument that changes the data, so a changed setting never reads
stale data.
"""
from __future__ import annotations

import math

import numpy as np
import torch
from tqdm.auto import tqdm

from airtools.cache import cache_dir, cache_key, cached

from ._common import check_positive
from ._grf import gaussian_random_field
from ._navier_stokes import solve_navier_stokes
from ._spectral import solve_burgers

__all__ = ["burgers_dataset", "navier_stokes_dataset", "antiderivative_dataset", "dataset_path"]

_VERSION = 1  # bump when a generator changes its output
_CHUNK = 100  # samples solved together (one progress-bar tick)


def dataset_path(name: str, *parts):
    """The cache file of dataset ``name`` for the settings ``parts``."""
    return cache_dir() / "pde" / f"{name}-{cache_key(name, _VERSION, *parts)[:20]}.npz"


def _count(value, name, minimum=1) -> int:
    if isinstance(value, bool) or int(value) != value or value < minimum:
        raise ValueError(f"{name}: expected an integer >= {minimum}, got {value!r}")
    return int(value)


def _load(name, parts, compute, cache):
    arrays = cached(dataset_path(name, *parts), compute) if cache else compute()
    return tuple(torch.from_numpy(np.asarray(arrays[k])) for k in sorted(arrays))


def burgers_dataset(n_samples, n, *, nu=0.1, t=1.0, seed=0, n_solve=256, cache=True, progress=True):
    """Pairs (a, u) = (u0, u(·, t)) of viscous Burgers on the periodic unit interval (Li et al. 2021).

    u_t + u u_x = ν u_xx, u0 ~ N(0, 625 (-Δ + 25 I)^(-2)) (``gaussian_random_field`` with α=2, τ=5, σ=25),
    solved by ``solve_burgers`` on ``n_solve`` points and subsampled to ``n`` (so the same seed gives the
    same functions at every resolution n dividing n_solve: train at 64, test zero-shot at 256).

    Args:
        n_samples: N. n: output grid points, a divisor of ``n_solve``. nu: ν > 0 (Li et al.: 0.1).
        t: final time > 0. seed: seeds the inputs. n_solve: solver grid (even; raised to n if smaller).
        cache: read/write the on-disk cache. progress: tqdm bar.

    Returns:
        a: ``[N, n]`` float32 initial conditions; u: ``[N, n]`` float32 solutions at time t.

    >>> a, u = burgers_dataset(4, 32, n_solve=64, t=0.1, cache=False, progress=False)
    >>> a.shape, u.shape, a.dtype
    (torch.Size([4, 32]), torch.Size([4, 32]), torch.float32)
    """
    n_samples, n = _count(n_samples, "n_samples"), _count(n, "n", 4)
    nu, t = check_positive(nu, "nu"), check_positive(t, "t")
    n_solve = max(_count(n_solve, "n_solve", 4), n)
    if n_solve % n or n_solve % 2:
        raise ValueError(f"n: expected a divisor of n_solve={n_solve} (even), got n = {n}")

    def compute():
        g = torch.Generator().manual_seed(int(seed))
        a = gaussian_random_field(n_samples, n_solve, alpha=2.0, tau=5.0, sigma=25.0, generator=g)
        u = torch.cat([solve_burgers(chunk, nu, t) for chunk in
                       tqdm(a.split(_CHUNK), desc=f"Burgers ν={nu} n={n_solve}", disable=not progress)])
        step = n_solve // n
        return {"a": a[:, ::step].float().numpy(), "u": u[:, ::step].float().numpy()}

    return _load("burgers", (n_samples, n, nu, t, int(seed), n_solve), compute, cache)


def navier_stokes_dataset(n_samples, n=64, *, t=1.0, nu=1e-3, forcing="li2021", dt=5e-3, return_times=None,
                          seed=0, cache=True, progress=True):
    """Pairs (w0, w) of 2-D Navier–Stokes vorticity on the unit torus (Li et al. 2021 setting).

    w0 ~ N(0, σ² (-Δ + 49 I)^(-2.5)) (``gaussian_random_field``, α=2.5, τ=7, dim=2), evolved by
    ``solve_navier_stokes`` with viscosity ν and forcing 0.1(sin 2π(x+y) + cos 2π(x+y)) (or ``None``:
    decaying flow, symmetric under the square's rotations and reflections).

    Args:
        n_samples: N. n: grid points per axis (even). t: final time > 0. nu: ν > 0. forcing: as in the solver.
        dt: time step. return_times: optional ascending times in (0, t] to record. seed, cache, progress: as above.

    Returns:
        w0: ``[N, n, n]`` float32; w: ``[N, n, n]`` float32 (``[N, n_times, n, n]`` with ``return_times``).

    >>> w0, w = navier_stokes_dataset(2, 16, t=0.1, dt=0.05, cache=False, progress=False)
    >>> w0.shape, w.shape
    (torch.Size([2, 16, 16]), torch.Size([2, 16, 16]))
    """
    n_samples, n = _count(n_samples, "n_samples"), _count(n, "n", 4)
    t, dt = check_positive(t, "t"), check_positive(dt, "dt")
    if forcing is not None and not isinstance(forcing, str):
        raise ValueError(f"forcing: expected 'li2021' or None for a cached dataset, got {type(forcing).__name__}")
    times = None if return_times is None else [float(s) for s in np.ravel(return_times)]

    def compute():
        g = torch.Generator().manual_seed(int(seed))
        w0 = gaussian_random_field(n_samples, n, alpha=2.5, tau=7.0, dim=2, generator=g)
        chunks = tqdm(w0.split(_CHUNK // 10), desc=f"Navier–Stokes ν={nu} n={n}", disable=not progress)
        w = torch.cat([solve_navier_stokes(c, t, nu=nu, forcing=forcing, dt=dt, return_times=times)
                       for c in chunks])
        return {"w": w.float().numpy(), "w0": w0.float().numpy()}

    w, w0 = _load("navier_stokes", (n_samples, n, t, nu, forcing, dt, times, int(seed)), compute, cache)
    return w0, w


def antiderivative_dataset(n_samples, m=100, *, length_scale=0.2, seed=0, cache=True, progress=True):
    """Lu et al.'s (2021) DeepONet benchmark: the antiderivative operator G(u)(y) = ∫_0^y u(x) dx.

    u is a Gaussian process on [0, 1] with kernel exp(-|x - x'|² / (2 l²)), sampled on a grid 10× finer
    than the m sensors (Karhunen–Loève from the kernel's eigenpairs), integrated with the cumulative
    trapezoid rule there (relative error ~1e-4 or less) and read at the sensors x_i = i/(m-1).

    Args:
        n_samples: N. m: sensors (= output points), >= 2. length_scale: l > 0 (Lu et al.: 0.2).
        seed, cache, progress: as in ``burgers_dataset``.

    Returns:
        u: ``[N, m]`` float32 inputs at the sensors; y: ``[m, 1]`` float32 points; s: ``[N, m]`` float32, G(u)(y).

    >>> u, y, s = antiderivative_dataset(3, 20, cache=False, progress=False)
    >>> u.shape, y.shape, s.shape, float(s[:, 0].abs().max())
    (torch.Size([3, 20]), torch.Size([20, 1]), torch.Size([3, 20]), 0.0)
    """
    n_samples, m = _count(n_samples, "n_samples"), _count(m, "m", 2)
    length_scale = check_positive(length_scale, "length_scale")

    def compute():
        x = np.linspace(0, 1, 10 * (m - 1) + 1)
        K = np.exp(-((x[:, None] - x[None, :]) ** 2) / (2 * length_scale**2))
        lam, V = np.linalg.eigh(K)
        keep = lam > 1e-12 * lam[-1]
        modes = V[:, keep] * np.sqrt(lam[keep])  # [n_fine, r]
        g = torch.Generator().manual_seed(int(seed))
        xi = torch.randn(n_samples, int(keep.sum()), generator=g, dtype=torch.float64).numpy()
        u, s = [], []
        for chunk in tqdm(np.array_split(xi, max(1, math.ceil(n_samples / 1000))), desc="antiderivative",
                          disable=not progress):
            uf = chunk @ modes.T  # [chunk, n_fine]
            sf = np.concatenate([np.zeros((len(uf), 1)), np.cumsum(0.5 * (uf[:, 1:] + uf[:, :-1]) * np.diff(x), 1)], 1)
            u.append(uf[:, ::10])
            s.append(sf[:, ::10])
        return {"s": np.concatenate(s).astype(np.float32), "u": np.concatenate(u).astype(np.float32),
                "y": x[::10, None].astype(np.float32)}

    s, u, y = _load("antiderivative", (n_samples, m, length_scale, int(seed)), compute, cache)
    return u, y, s
