"""The lesson-13 checker accepts a periodic second-order Laplacian and names the usual finite-difference mistakes."""
import numpy as np
import pytest

from airtools.exercises import check_fd_laplacian
from airtools.pde import fd_laplacian as library_laplacian

from .answers import fd_laplacian


def test_checker_accepts_second_order_periodic_stencils(accepts):
    result = accepts(check_fd_laplacian(fd_laplacian), "second order (measured")
    assert 1.9 < result["order"] < 2.1 and result["error"] < 1.0  # |u''| is up to 145: 2nd order leaves ~0.2
    assert accepts(check_fd_laplacian(library_laplacian))["order"] == pytest.approx(result["order"])


def stencil(u, dx):
    return np.roll(u, 1) - 2 * u + np.roll(u, -1)


@pytest.mark.parametrize("fn, message", [
    (lambda u, dx: -stencil(u, dx) / dx**2, r"-0.99\d times the exact u''.*the sign is flipped"),
    (lambda u, dx: stencil(u, dx) / dx, "divide by dx², not dx"),
    (lambda u, dx: stencil(u, dx), r"times the exact u'' .*: divide by dx²$"),
    (lambda u, dx: stencil(u, dx) / (2 * dx**2), "drop the factor ½"),
    (lambda u, dx: np.convolve(u, [1, -2, 1], mode="same") / dx**2, r"at the end points only: the grid is periodic"),
    (lambda u, dx: np.gradient(np.gradient(u, dx), dx), "end points are off"),
    (lambda u, dx: (np.roll(u, -2) - 2 * np.roll(u, -1) + u) / dx**2, r"order 0.99\) \(a one-sided stencil"),
    (lambda u, dx: (np.roll(u, 1) - 3 * u + np.roll(u, -1)) / dx**2, "Laplacian of a constant must be 0"),
    (lambda u, dx: np.diff(u, 2) / dx**2, r"returned shape \[30\] .* but \[32\] was expected"),
])
def test_checker_names_the_mistake(fn, message):
    with pytest.raises(AssertionError, match=message):
        check_fd_laplacian(fn)
