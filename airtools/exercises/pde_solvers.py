"""Exercise checkers of lesson 13: print a ✅ line on success, raise AssertionError saying what is wrong."""
from __future__ import annotations

import math

import numpy as np

__all__ = ["check_fd_laplacian"]


def _call(fn, u, dx):
    out = np.asarray(fn(u.copy(), dx), dtype=np.float64)
    if out.shape != u.shape:
        raise AssertionError(f"your Laplacian returned shape {list(out.shape)}, expected {list(u.shape)} "
                             "(one value per grid point)")
    return out


def check_fd_laplacian(fn, ns=(32, 64, 128)) -> float:
    """Check a learner's periodic finite-difference Laplacian ``fn(u [n], dx) -> [n]``.

    Checks, in this order: the shape; a constant has Laplacian 0; the first and last points use their
    periodic neighbours (x_{-1} = x_{n-1}); on u = sin 2πx + 0.3 cos 6πx the error against the exact
    u'' falls at order 2 as n doubles (measured between n = 32, 64, 128).

    Returns:
        the measured order.

    >>> from airtools.pde import fd_laplacian
    >>> order = check_fd_laplacian(fd_laplacian)
    ✅ periodic FD Laplacian: second order (measured 1.99), boundaries wrap around
    """
    n = ns[0]
    const = _call(fn, np.full(n, 3.0), 1.0 / n)
    if np.abs(const).max() > 1e-8:
        raise AssertionError(f"the Laplacian of a constant must be 0, yours gives up to {np.abs(const).max():.3g}: "
                             "do the stencil weights (1, -2, 1) sum to zero?")
    errors = []
    for n in ns:
        x = np.arange(n) / n
        u = np.sin(2 * np.pi * x) + 0.3 * np.cos(6 * np.pi * x)
        exact = -(2 * np.pi) ** 2 * np.sin(2 * np.pi * x) - 0.3 * (6 * np.pi) ** 2 * np.cos(6 * np.pi * x)
        err = np.abs(_call(fn, u, 1.0 / n) - exact)
        interior = err[1:-1].max()
        if max(err[0], err[-1]) > 10 * interior + 1e-8:
            raise AssertionError(f"the end points are off by {max(err[0], err[-1]):.3g} while the interior is off "
                                 f"by {interior:.3g}: the grid is periodic, so u[-1] is the left neighbour of "
                                 "u[0] (np.roll does this)")
        errors.append(err.max())
    if errors[-1] > 0.1 * abs(exact).max():
        raise AssertionError(f"at n = {ns[-1]} your Laplacian is off by {errors[-1]:.3g} (|u''| ~ "
                             f"{abs(exact).max():.3g}): did you divide by dx²?")
    order = math.log(errors[-2] / errors[-1]) / math.log(ns[-1] / ns[-2])
    if not 1.8 < order < 2.3:
        raise AssertionError(f"the error should shrink 4× when n doubles (order 2); yours shrinks "
                             f"{errors[-2] / errors[-1]:.2f}× (order {order:.2f})")
    print(f"✅ periodic FD Laplacian: second order (measured {order:.2f}), boundaries wrap around")
    return order
