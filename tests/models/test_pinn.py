"""PINN helpers: residuals by autograd vanish on exact solutions and match finite differences on a network;
losses, collocation sampling, shapes and devices (the Adam -> L-BFGS loop: tests/train/test_full_batch.py)."""
import math

import pytest
import torch

from airtools.models.pinn import (PINN, boundary_loss, burgers_residual, heat_residual, initial_loss,
                                  sample_collocation)


def heat_solution(nu):
    return lambda x, t: torch.exp(-nu * math.pi**2 * t) * torch.sin(math.pi * x)


def burgers_solution(nu, c=2.0):
    """Periodic Cole–Hopf solution u = -2ν φ_x/φ, φ = c + e^{-ν q² t} cos(q x), q = 2π."""
    q = 2 * math.pi

    def u(x, t):
        e = torch.exp(-nu * q**2 * t)
        return 2 * nu * q * e * torch.sin(q * x) / (c + e * torch.cos(q * x))

    return u


def points(n=200, dtype=torch.float64, seed=0):
    g = torch.Generator().manual_seed(seed)
    return 2 * torch.rand(n, dtype=dtype, generator=g) - 1, torch.rand(n, dtype=dtype, generator=g)


def test_heat_residual_of_the_exact_solution_vanishes():
    x, t = points()
    nu = 0.1
    r = heat_residual(heat_solution(nu), x, t, nu)
    assert r.shape == x.shape
    assert r.abs().max() < 1e-12
    r32 = heat_residual(heat_solution(nu), x.float(), t.float(), nu)
    assert r32.abs().max() < 1e-6, r32.abs().max()
    # the same function with the wrong diffusivity leaves a residual (nu - 0.2) pi^2 u
    assert heat_residual(heat_solution(nu), x, t, 0.2).abs().max() > 0.1


def test_burgers_residual_of_the_exact_solution_vanishes():
    x, t = points()
    nu = 0.05
    assert burgers_residual(burgers_solution(nu), x, t, nu).abs().max() < 1e-12
    # a heat solution is not a Burgers solution: the residual is the missing u u_x
    u = heat_solution(nu)
    r = burgers_residual(u, x, t, nu)
    x_ = x.clone().requires_grad_(True)
    (u_x,) = torch.autograd.grad(u(x_, t).sum(), x_)
    assert torch.allclose(r, u(x, t) * u_x, atol=1e-12)


def test_residuals_match_finite_differences_on_a_network():
    torch.manual_seed(0)
    model = PINN(hidden=16, n_layers=3, lower=(-1, 0), upper=(1, 1)).double()
    x, t = points(50)
    nu, h = 0.03, 1e-4
    with torch.no_grad():
        u = model(x, t)
        u_t = (model(x, t + h) - model(x, t - h)) / (2 * h)
        u_x = (model(x + h, t) - model(x - h, t)) / (2 * h)
        u_xx = (model(x + h, t) - 2 * u + model(x - h, t)) / h**2
    assert torch.allclose(burgers_residual(model, x, t, nu), u_t + u * u_x - nu * u_xx, atol=1e-6)
    assert torch.allclose(heat_residual(model, x, t, nu), u_t - nu * u_xx, atol=1e-6)


def test_residual_is_differentiable_in_the_parameters():
    torch.manual_seed(0)
    model = PINN(hidden=8, n_layers=2)
    x, t = points(32, torch.float32)
    burgers_residual(model, x, t, 0.01).pow(2).mean().backward()
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in model.parameters())
    assert x.grad is None and not x.requires_grad  # the caller's tensors are left alone


def test_initial_and_boundary_losses():
    x = torch.linspace(-1, 1, 11, dtype=torch.float64)
    u = heat_solution(0.1)
    assert initial_loss(u, x, torch.sin(math.pi * x)) < 1e-30
    assert torch.isclose(initial_loss(u, x, torch.sin(math.pi * x) + 0.5), torch.tensor(0.25, dtype=torch.float64))
    t = torch.rand(7, dtype=torch.float64)
    assert boundary_loss(u, t, (-1.0, 1.0)) < 1e-30
    # u = x + t on x_b = 1 with g = 1: misfit t, loss mean t^2
    assert torch.isclose(boundary_loss(lambda x, t: x + t, t, (1.0,), value=1.0), (t**2).mean())
    with pytest.raises(ValueError, match="u0"):
        initial_loss(u, x, torch.zeros(3))


@pytest.mark.parametrize("method", ["lhs", "sobol"])
def test_collocation_is_seeded_and_fills_the_box(method):
    p = sample_collocation(64, (-1.0, 0.0), (1.0, 2.0), method=method, seed=3)
    assert p.shape == (64, 2) and p.dtype == torch.get_default_dtype()
    assert (p[:, 0] >= -1).all() and (p[:, 0] <= 1).all() and (p[:, 1] >= 0).all() and (p[:, 1] <= 2).all()
    assert torch.equal(p, sample_collocation(64, (-1.0, 0.0), (1.0, 2.0), method=method, seed=3))
    assert not torch.equal(p, sample_collocation(64, (-1.0, 0.0), (1.0, 2.0), method=method, seed=4))
    # space filling: every one of 8 slabs along each axis receives exactly 8 of the 64 points
    for axis, (lo, hi) in enumerate([(-1.0, 1.0), (0.0, 2.0)]):
        slab = ((p[:, axis] - lo) / (hi - lo) * 8).long().clamp(max=7)
        assert torch.bincount(slab, minlength=8).tolist() == [8] * 8


def test_shapes_dtype_and_device_follow_the_input(device):
    model = PINN(hidden=8, n_layers=2, lower=(0, 0), upper=(2, 1)).to(device=device, dtype=torch.float64)
    x = torch.rand(3, 5, dtype=torch.float64, device=device)
    u = model(x, torch.zeros((), dtype=torch.float64, device=device))  # t broadcast
    assert u.shape == (3, 5) and u.dtype == torch.float64 and u.device.type == device
    r = heat_residual(model, x.flatten(), x.flatten(), 0.1)
    assert r.shape == (15,) and r.device.type == device
    p = sample_collocation(10, (0, 0), (1, 1), dtype=torch.float64, device=device)
    assert p.device.type == device and p.dtype == torch.float64


def test_bad_input_names_the_argument():
    model = PINN(hidden=4, n_layers=1)
    x = torch.rand(4)
    with pytest.raises(ValueError, match="nu"):
        burgers_residual(model, x, x, 0.0)
    with pytest.raises(ValueError, match="x, t"):
        heat_residual(model, x, torch.rand(5), 0.1)
    with pytest.raises(ValueError, match="model"):
        heat_residual(lambda x, t: x.sum(), x, x, 0.1)
    with pytest.raises(ValueError, match="lower, upper"):
        PINN(lower=(0, 0), upper=(1, 0))
    with pytest.raises(ValueError, match="lower, upper"):
        PINN(lower=(0, 0))
    with pytest.raises(ValueError, match="method"):
        sample_collocation(4, (0, 0), (1, 1), method="grid")
    with pytest.raises(ValueError, match="n"):
        sample_collocation(0, (0, 0), (1, 1))
