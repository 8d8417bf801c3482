"""The solvers converge to exact solutions at their stated orders (heat, Burgers/Cole–Hopf, Taylor–Green)."""
import math

import numpy as np
import pytest
import torch

from airtools import pde


def orders(hs, errors):
    """Observed orders log(e1/e2)/log(h1/h2) between successive refinements."""
    return [math.log(e1 / e2) / math.log(h1 / h2) for h1, h2, e1, e2 in zip(hs, hs[1:], errors, errors[1:])]


def x_grid(n):
    return np.arange(n) / n


def test_heat_spectral_is_exact():
    x, nu = x_grid(32), 0.07
    u0 = pde.heat_exact(x, 0.0, nu, k=[1, 3, 7], amplitude=[1.0, -0.5, 0.25])
    times = [0.0, 0.1, 0.5]
    u = pde.solve_heat(u0, nu, 0.5, return_times=times)
    exact = pde.heat_exact(x, np.array(times)[:, None], nu, k=[1, 3, 7], amplitude=[1.0, -0.5, 0.25])
    assert u.shape == (3, 32)
    assert np.abs(u - exact).max() < 1e-12


def test_heat_fd_second_order_in_space_first_and_second_in_time():
    nu, t = 0.05, 0.5
    errors = []
    for n in (16, 32, 64, 128):
        x = x_grid(n)
        u = pde.solve_heat_fd(pde.heat_exact(x, 0, nu, k=[1, 3], amplitude=[1, 0.5]), nu, t, scheme="exact")
        errors.append(np.abs(u - pde.heat_exact(x, t, nu, k=[1, 3], amplitude=[1, 0.5])).max())
    assert all(abs(p - 2) < 0.1 for p in orders([1 / 16, 1 / 32, 1 / 64, 1 / 128], errors))
    x = x_grid(64)
    u0 = pde.heat_exact(x, 0, nu, k=[1, 3], amplitude=[1, 0.5])
    ref = pde.solve_heat_fd(u0, nu, t, scheme="exact")
    steps = [200, 400, 800]
    euler = [np.abs(pde.solve_heat_fd(u0, nu, t, scheme="euler", n_steps=m) - ref).max() for m in steps]
    cn = [np.abs(pde.solve_heat_fd(u0, nu, t, scheme="crank_nicolson", n_steps=m // 10) - ref).max() for m in steps]
    hs = [1 / m for m in steps]
    assert all(abs(p - 1) < 0.1 for p in orders(hs, euler))
    assert all(abs(p - 2) < 0.1 for p in orders(hs, cn))


def test_fd_laplacian_second_order():
    errors = [np.abs(pde.fd_laplacian(np.sin(2 * np.pi * x_grid(n))) + 4 * np.pi**2 * np.sin(2 * np.pi * x_grid(n))).max()
              for n in (16, 32, 64)]
    assert all(abs(p - 2) < 0.05 for p in orders([1 / 16, 1 / 32, 1 / 64], errors))


def test_burgers_spectral_converges_exponentially_in_n():
    nu, t, c = 0.05, 0.5, 1.2  # c close to 1: a steep front, Fourier coefficients ~ 0.54^k
    errors = []
    for n in (16, 24, 32, 48, 64):
        x = x_grid(n)
        u = pde.solve_burgers(pde.periodic_burgers_exact(x, 0, nu, c=c), nu, t, n_steps=400)
        errors.append(np.abs(u - pde.periodic_burgers_exact(x, t, nu, c=c)).max())
    # exponential: each +8..16 points gains >= 1.5 decades until the time-stepping floor (~1e-12) is hit
    assert all(e2 < e1 / 30 for e1, e2 in zip(errors[:3], errors[1:4])), errors
    assert errors[-1] < 1e-11


def test_burgers_etdrk4_is_fourth_order_in_time():
    nu, t, c = 0.05, 0.5, 1.2
    x = x_grid(128)
    u0, exact = pde.periodic_burgers_exact(x, 0, nu, c=c), pde.periodic_burgers_exact(x, t, nu, c=c)
    steps = [10, 20, 40]
    errors = [np.abs(pde.solve_burgers(u0, nu, t, n_steps=m) - exact).max() for m in steps]
    assert all(3.5 < p < 4.3 for p in orders([1 / m for m in steps], errors)), errors


def test_burgers_fd_second_order_in_space():
    nu, t = 0.05, 0.3
    ns = (32, 64, 128)
    errors = [np.abs(pde.solve_burgers_fd(pde.periodic_burgers_exact(x_grid(n), 0, nu, c=1.5), nu, t)
                     - pde.periodic_burgers_exact(x_grid(n), t, nu, c=1.5)).max() for n in ns]
    assert all(abs(p - 2) < 0.15 for p in orders([1 / n for n in ns], errors))


def test_burgers_matches_raissi_cole_hopf_on_rescaled_domain():
    """u0 = -sin(πx) on [-1, 1] is 2-periodic: x = 2ξ - 1, u = 2v maps it to v_t + v v_ξ = (ν/4) v_ξξ on [0, 1)."""
    nu, t, n = 0.05 / math.pi, 0.3, 256
    xi = x_grid(n)
    v = pde.solve_burgers(-0.5 * np.sin(np.pi * (2 * xi - 1)), nu / 4, t)
    exact = pde.cole_hopf_burgers(2 * xi - 1, t, nu)
    assert np.abs(2 * v - exact).max() < 1e-6


def test_cole_hopf_quadrature_converged_and_odd():
    x = np.linspace(-1, 1, 41)
    a, b = pde.cole_hopf_burgers(x, 0.75, n_quad=150), pde.cole_hopf_burgers(x, 0.75, n_quad=300)
    assert np.abs(a - b).max() < 1e-8
    assert np.abs(a + a[::-1]).max() < 1e-12


def test_navier_stokes_taylor_green_decay_second_order():
    nu, t, n = 0.01, 1.0, 16
    x = x_grid(n)
    w0 = pde.taylor_green_vorticity(x[:, None], x[None, :], 0.0, nu)
    exact = pde.taylor_green_vorticity(x[:, None], x[None, :], t, nu)
    steps = [0.1, 0.05, 0.025]
    errors = [np.abs(pde.solve_navier_stokes(w0, t, nu=nu, forcing=None, dt=dt) - exact).max() for dt in steps]
    assert errors[-1] / np.abs(exact).max() < 1e-3
    assert all(abs(p - 2) < 0.1 for p in orders(steps, errors))


def test_navier_stokes_li2021_forcing_enters_and_torch_float32_follows_input():
    torch.manual_seed(0)
    w0 = pde.gaussian_random_field(2, 16, alpha=2.5, tau=7, dim=2).float()
    w = pde.solve_navier_stokes(w0, 0.2, dt=0.05, return_times=[0.1, 0.2])
    assert w.shape == (2, 2, 16, 16) and w.dtype == torch.float32 and w.device == w0.device
    unforced = pde.solve_navier_stokes(w0, 0.2, dt=0.05, forcing=None)
    f = pde.li2021_forcing(16, dtype=torch.float32)
    # the difference after a short time is ~ t f (the forcing acts for 0.2 time units)
    assert torch.allclose(w[:, -1] - unforced, 0.2 * f, atol=5e-3)


def test_batched_torch_equals_unbatched_numpy():
    torch.manual_seed(0)
    u0 = pde.gaussian_random_field(3, 32, alpha=2, tau=5, sigma=5)
    batched = pde.solve_burgers(u0.reshape(3, 1, 32), 0.1, 0.3, n_steps=50)
    assert isinstance(batched, torch.Tensor) and batched.shape == (3, 1, 32)
    for i in range(3):
        single = pde.solve_burgers(u0[i].numpy(), 0.1, 0.3, n_steps=50)
        assert isinstance(single, np.ndarray)
        np.testing.assert_allclose(batched[i, 0].numpy(), single, atol=1e-13)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no GPU")
def test_solvers_follow_cuda_device():
    u0 = torch.sin(2 * math.pi * pde.grid(64, device="cuda"))
    assert pde.solve_burgers(u0, 0.1, 0.1).device.type == "cuda"
    assert pde.solve_heat(u0, 0.1, 0.1).device.type == "cuda"
    w0 = torch.zeros(16, 16, device="cuda")
    assert pde.solve_navier_stokes(w0, 0.01, dt=0.01).device.type == "cuda"


@pytest.mark.parametrize("call, match", [
    (lambda: pde.solve_heat(np.zeros(8), -1.0, 1.0), "nu"),
    (lambda: pde.solve_heat(np.zeros(8), 0.1, -1.0), "t"),
    (lambda: pde.solve_burgers(np.array([0.0, np.nan, 0, 0]), 0.1, 1.0), "u0"),
    (lambda: pde.solve_burgers(np.zeros(7), 0.1, 1.0), "u0: expected an even number"),
    (lambda: pde.solve_burgers(np.zeros(8), 0.1, 1.0, n_steps=0), "n_steps"),
    (lambda: pde.solve_burgers(np.zeros(8), 0.1, 1.0, return_times=[0.5, 0.2]), "return_times"),
    (lambda: pde.solve_navier_stokes(np.zeros((8, 6)), 1.0), "w0"),
    (lambda: pde.solve_navier_stokes(np.zeros((8, 8)), 1.0, forcing="kolmogorov"), "forcing"),
    (lambda: pde.solve_heat_fd(np.zeros(8), 0.1, 1.0, scheme="leapfrog"), "scheme"),
    (lambda: pde.periodic_burgers_exact(0.1, 0.0, 0.1, c=0.5), "c"),
    (lambda: pde.cole_hopf_burgers(2.0, 0.5), "x"),
    (lambda: pde.solve_heat("abc", 0.1, 1.0), "u0"),
])
def test_bad_input_raises_value_error_naming_the_argument(call, match):
    with pytest.raises(ValueError, match=match):
        call()
