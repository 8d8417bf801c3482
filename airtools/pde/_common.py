"""Input checks and the numpy <-> torch round trip shared by the PDE solvers.

Every solver works in torch (``torch.fft``) on the input's device and dtype; a numpy input is wrapped
(float64, CPU) and the answer handed back as numpy.
"""
from __future__ import annotations

import math

import numpy as np
import torch


def as_field(u, name: str, dim: int = 1, *, even: bool = False, min_n: int = 2):
    """``(u as a floating torch tensor, was_numpy)``; checks shape ``[..., n]`` (``[..., n, n]`` in 2-D),
    finiteness and the grid size."""
    was_numpy = not isinstance(u, torch.Tensor)
    if was_numpy:
        try:
            u = torch.from_numpy(np.asarray(u, dtype=np.float64))
        except (TypeError, ValueError) as err:
            raise ValueError(f"{name}: expected a numeric array or tensor, got {type(u).__name__}") from err
    elif not u.is_floating_point():
        u = u.to(torch.get_default_dtype())
    shape = "[..., n]" if dim == 1 else "[..., n, n]"
    if u.ndim < dim:
        raise ValueError(f"{name}: expected shape {shape}, got shape {list(u.shape)}")
    n = u.shape[-1]
    if dim == 2 and u.shape[-2] != n:
        raise ValueError(f"{name}: expected a square grid {shape}, got shape {list(u.shape)}")
    if n < min_n or (even and n % 2):
        what = "an even number" if even else "a number"
        raise ValueError(f"{name}: expected {what} n >= {min_n} of grid points, got n = {n}")
    if not bool(torch.isfinite(u).all()):
        raise ValueError(f"{name}: expected finite values, got NaN or inf")
    return u, was_numpy


def back(u: torch.Tensor, was_numpy: bool):
    """Hand a result back in the kind it came in."""
    return u.cpu().numpy() if was_numpy else u


def check_positive(value, name: str) -> float:
    """``float(value)`` if it is a finite number > 0, else ValueError."""
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name}: expected a positive number, got {value!r}") from None
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"{name}: expected a positive number, got {value}")
    return value


def check_times(t, return_times) -> tuple[float, list[float] | None]:
    """Validate the final time ``t >= 0`` and optional output times, ascending in ``[0, t]``."""
    try:
        t = float(t)
    except (TypeError, ValueError):
        raise ValueError(f"t: expected a time >= 0, got {t!r}") from None
    if not (math.isfinite(t) and t >= 0):
        raise ValueError(f"t: expected a time >= 0, got {t}")
    if return_times is None:
        return t, None
    times = [float(s) for s in np.asarray(return_times, dtype=np.float64).ravel()]
    if not times:
        raise ValueError("return_times: expected at least one time, got none")
    if any(not (0 <= s <= t * (1 + 1e-12)) for s in times) or any(b < a for a, b in zip(times, times[1:])):
        raise ValueError(f"return_times: expected ascending times in [0, t={t}], got {times}")
    return t, times


def check_steps(n_steps, name: str = "n_steps") -> int | None:
    """``None`` or an int >= 1."""
    if n_steps is None:
        return None
    if isinstance(n_steps, bool) or int(n_steps) != n_steps or n_steps < 1:
        raise ValueError(f"{name}: expected an integer >= 1, got {n_steps!r}")
    return int(n_steps)


def wavenumbers(n: int, like: torch.Tensor, *, real: bool = True) -> torch.Tensor:
    """Angular wavenumbers ``2π k`` of the unit-period grid (``rfft`` layout when ``real``), dtype of ``like``."""
    freq = torch.fft.rfftfreq if real else torch.fft.fftfreq
    k = freq(n, 1.0 / n, dtype=torch.float64, device=like.device)
    return (2 * math.pi * k).to(like.dtype)


def segments(times: list[float], dt: float) -> list[tuple[float, int]]:
    """Split ``[0, t1], [t1, t2], ...`` into ``(h, m)``: ``m`` equal steps of size ``h <= dt`` each."""
    out, prev = [], 0.0
    for s in times:
        span = s - prev
        m = max(1, math.ceil(span / dt - 1e-9)) if span > 0 else 0
        out.append((span / m if m else 0.0, m))
        prev = s
    return out
