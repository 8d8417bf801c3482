r"""Exercise checker of lesson 13 (PDE solvers): print one "✅ ..." line and return a ``Passed``, or raise
``AssertionError`` saying what is wrong.

>>> from airtools.pde import fd_laplacian
>>> result = check_fd_laplacian(fd_laplacian)
✅ periodic FD Laplacian: second order (measured 1.99), boundaries wrap around
>>> result["order"] > 1.8
True
"""
from __future__ import annotations

import math

import numpy as np

from ._common import Passed, call, expect_shape, passed, to_array

__all__ = ["check_fd_laplacian"]

PERIODIC = "the grid is periodic, so u[-1] is the left neighbour of u[0] and u[0] the right neighbour of u[-1] " \
           "(np.roll does this)"


def check_fd_laplacian(fn, ns=(32, 64, 128)) -> Passed:
    r"""Check a learner's periodic finite-difference Laplacian ``fn(u [n], dx) -> [n]``,
    :math:`(u_{i-1} - 2u_i + u_{i+1}) / \Delta x^2` with :math:`u_{-1} = u_{n-1}`, :math:`u_n = u_0`.

    Checks, in this order: the shape; a constant has Laplacian 0; the first and last points use their
    periodic neighbours; on :math:`u = \sin 2\pi x + 0.3 \cos 6\pi x` the error against the exact
    :math:`u''` is small and falls at order 2 as n doubles (measured between the last two of ``ns``).
    A wrong sign, a missing or extra factor of :math:`\Delta x`, a one-sided stencil and a grid that does not
    wrap around are named.

    Returns:
        ``Passed(order=..., error=...)``: the measured order and the largest error at ``n = ns[-1]``;
        prints "✅ ..." on success.

    >>> check_fd_laplacian(lambda u, dx: (np.roll(u, 1) - 2 * u + np.roll(u, -1)) / dx)
    Traceback (most recent call last):
    AssertionError: at n = 128 your Laplacian is 0.0078 times the exact u'' (dx = 0.00781): divide by dx², not dx
    """
    n = ns[0]
    const = np.abs(_laplacian(fn, np.full(n, 3.0), 1.0 / n))
    if const.max() > 1e-8:
        raise AssertionError(f"the Laplacian of a constant must be 0, yours gives up to {const.max():.3g}"
                             + (" at the end points only: " + PERIODIC if const[2:-2].max() <= 1e-8 else
                                ": do the stencil weights (1, -2, 1) sum to zero?"))
    errors = []
    for n in ns:
        x = np.arange(n) / n
        u = np.sin(2 * np.pi * x) + 0.3 * np.cos(6 * np.pi * x)
        exact = -(2 * np.pi) ** 2 * np.sin(2 * np.pi * x) - 0.3 * (6 * np.pi) ** 2 * np.cos(6 * np.pi * x)
        got = _laplacian(fn, u, 1.0 / n)
        err = np.abs(got - exact)
        ends, interior = max(err[:2].max(), err[-2:].max()), err[2:-2].max()
        if ends > 10 * interior + 1e-8:
            raise AssertionError(f"the end points are off by {ends:.3g} while the interior is off by "
                                 f"{interior:.3g}: {PERIODIC}")
        errors.append(err.max())
    if errors[-1] > 0.3 * np.abs(exact).max():  # second order is off by ~0.1% at n = 128, a wrong factor by 50%+
        raise AssertionError(_scale_mistake(got, exact, n))
    order = math.log(errors[-2] / errors[-1]) / math.log(ns[-1] / ns[-2])
    if not 1.8 < order < 2.3:
        one_sided = " (a one-sided stencil such as u[i], u[i+1], u[i+2] is first order: centre it on u[i])" \
            if 0.7 < order < 1.3 else ""
        raise AssertionError(f"the error should shrink 4× when n doubles (order 2); yours shrinks "
                             f"{errors[-2] / errors[-1]:.2f}× (order {order:.2f}){one_sided}")
    return passed(f"periodic FD Laplacian: second order (measured {order:.2f}), boundaries wrap around",
                  order=order, error=errors[-1])


def _laplacian(fn, u, dx):
    """The learner's Laplacian of ``u`` as a float64 array ``[n]``."""
    how = f"fn(u, dx) with u of shape [{len(u)}] and dx = 1/{len(u)}"
    return expect_shape(to_array(call(fn, u.copy(), dx, how=how), how), u.shape, how, " (one value per grid point)")


def _scale_mistake(got, exact, n) -> str:
    """Say how ``got`` is off from ``exact`` when it is far off: sign, powers of dx, or something else."""
    scale = float(got @ exact / (exact @ exact))  # least-squares factor: got ≈ scale * exact
    dx = 1.0 / n
    head = f"at n = {n} your Laplacian is {scale:.3g} times the exact u'' (dx = {dx:.3g})"
    if np.abs(got - scale * exact).max() > 0.1 * np.abs(exact).max():
        return (f"at n = {n} your Laplacian is off by {np.abs(got - exact).max():.3g} (|u''| up to "
                f"{np.abs(exact).max():.3g}): use (u[i-1] - 2 u[i] + u[i+1]) / dx²")
    for factor, what in [(-1.0, "the sign is flipped: u'' of sin(kx) is -k² sin(kx); use (u[i-1] - 2 u[i] + u[i+1])"),
                         (dx, "divide by dx², not dx"), (dx**2, "divide by dx²"),
                         (0.5, "drop the factor ½: the weights are (1, -2, 1) / dx²"),
                         (2.0, "the weights are (1, -2, 1) / dx², not twice that"),
                         (1 / dx, "divide by dx² once (you divided by dx³)")]:
        if abs(scale / factor - 1) < 0.05:
            return f"{head}: {what}"
    return f"{head}: use (u[i-1] - 2 u[i] + u[i+1]) / dx²"
