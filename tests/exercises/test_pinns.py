"""The checkers of lessons 15 and 16 accept a right residual and an equivariant operator, and name the usual
mistakes: a missing or mis-signed term, a Burgers term, an operator that is not equivariant or turns backwards."""
import pytest
import torch

from airtools.exercises import check_advection_diffusion_residual, check_rotation_equivariant_operator

from .answers import advection_diffusion_residual, rotation_average, shift_right


def test_residual_accepts_u_t_plus_c_u_x_minus_nu_u_xx(accepts):
    result = accepts(check_advection_diffusion_residual(advection_diffusion_residual), "every term right")
    assert result["u_t"] == pytest.approx(1.0) and result["u_x"] == pytest.approx(0.7)
    assert result["u_xx"] == pytest.approx(-0.05) and result["exact"] < 1e-6


def residual(model, x, t, c, nu, *, a=1.0, b=1.0, d=-1.0, burgers=False):
    """``a u_t + b c u_x + d nu u_xx`` (+ ``u u_x``): the right residual has a = b = 1, d = -1."""
    x, t = x.requires_grad_(True), t.requires_grad_(True)
    u = model(x, t)
    u_x, u_t = torch.autograd.grad(u.sum(), (x, t), create_graph=True)
    (u_xx,) = torch.autograd.grad(u_x.sum(), x, create_graph=True)
    return a * u_t + b * c * u_x + d * nu * u_xx + (u * u_x if burgers else 0)


@pytest.mark.parametrize("kwargs, message", [
    (dict(d=0.0), r"^the viscous term -ν u_xx is missing \(coefficient 0, expected -0.05\): add it"),
    (dict(d=1.0), r"^the viscous term -ν u_xx has the wrong sign \(coefficient 0.05, expected -0.05\)"),
    (dict(b=-1.0), r"^the advection term c u_x has the wrong sign"),
    (dict(b=1 / 0.7), r"^the advection term c u_x has coefficient 1, expected 0.7: multiply by c"),
    (dict(d=-0.5), r"no factor ½ in front of ν"),
    (dict(a=0.0), r"^the time derivative u_t is missing"),
    (dict(burgers=True), r"not a multiple of u_t, u_x or u_xx .* no u u_x term as in Burgers"),
])
def test_residual_names_the_wrong_term(kwargs, message):
    with pytest.raises(AssertionError, match=message):
        check_advection_diffusion_residual(lambda *args: residual(*args, **kwargs))


def test_residual_of_the_wrong_shape_or_detached_is_named():
    with pytest.raises(AssertionError, match=r"returned shape \[\] .* but \[64\] was expected \(one value per"):
        check_advection_diffusion_residual(lambda *args: residual(*args).pow(2).mean())
    with pytest.raises(AssertionError, match=r"raised RuntimeError when called as fn\(model, x, t, c=0.7, nu=0.05\)"):
        check_advection_diffusion_residual(lambda model, x, t, c, nu: torch.autograd.grad(model(x, t).sum(), x)[0])


def test_rotation_average_is_accepted_for_any_operator(accepts):
    result = accepts(check_rotation_equivariant_operator(rotation_average(shift_right)), "90°, 180° and 270°")
    assert set(result) == {"90°", "180°", "270°"} and max(result.values()) < 1e-6
    a = torch.randn(3, 16, 16, 2, generator=torch.Generator().manual_seed(1))
    accepts(check_rotation_equivariant_operator(lambda a: a.mean(dim=-1, keepdim=True) ** 2, a))


def half_average(model):
    return lambda a: (model(a) + torch.rot90(model(torch.rot90(a, 2, dims=(1, 2))), -2, dims=(1, 2))) / 2


def backwards_average(model):
    return lambda a: sum(torch.rot90(model(torch.rot90(a, k, dims=(1, 2))), k, dims=(1, 2)) for k in range(4)) / 4


@pytest.mark.parametrize("fn, message", [
    (shift_right, r"differs from the rotated f\(a\) by .* at 90°, .* at 180°, .* at 270° .* Hint: average"),
    (half_average(shift_right), r"by .* at 90°, .* at 270° \(relative to \|f\(a\)\|\)\. It works for 180° only"),
    (backwards_average(shift_right), r"turns the opposite way .* rotate back with -k"),
    (lambda a: torch.zeros_like(a), "returns zeros: that is equivariant, but it has forgotten the model"),
    (lambda a: a[:, :-1], r"returned shape \[2, 31, 32, 1\] .* \[batch, n, n, channels\]"),
    (lambda a: a / 0, "NaN or inf"),
])
def test_operator_that_is_not_equivariant_is_named(fn, message):
    with pytest.raises(AssertionError, match=message):
        check_rotation_equivariant_operator(fn)
