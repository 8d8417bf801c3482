r"""Exercise checkers of lessons 15 (PINNs) and 16 (symmetry in PDEs): print a "✅ ..." line and return a
``Passed`` on success, raise ``AssertionError`` saying in plain words what is wrong otherwise.

>>> def residual(model, x, t, c, nu):
...     x, t = x.requires_grad_(True), t.requires_grad_(True)
...     u = model(x, t)
...     u_x, u_t = torch.autograd.grad(u.sum(), (x, t), create_graph=True)
...     (u_xx,) = torch.autograd.grad(u_x.sum(), x, create_graph=True)
...     return u_t + c * u_x - nu * u_xx
>>> result = check_advection_diffusion_residual(residual)
✅ advection–diffusion residual: every term right (u_t, c u_x, -ν u_xx), exact solution gives ...
"""
from __future__ import annotations

import math

import torch

from ._common import Passed, call, expect_shape, passed, to_tensor

__all__ = ["check_advection_diffusion_residual", "check_rotation_equivariant_operator"]

TERMS = {"u_t": "the time derivative u_t", "u_x": "the advection term c u_x", "u_xx": "the viscous term -ν u_xx"}


def check_advection_diffusion_residual(fn, *, tolerance=1e-6) -> Passed:
    r"""Check ``fn(model, x, t, c, nu) -> r``, the residual :math:`r = u_t + c\,u_x - \nu\,u_{xx}`.

    Two tests, float64: (1) on a smooth function of both variables the learner's residual is fitted as
    :math:`\alpha\,u_t + \beta\,u_x + \gamma\,u_{xx}` (least squares over 64 points, derivatives by
    autograd); each coefficient must match :math:`(1, c, -\nu)`, and a wrong one is named; (2) the exact
    solution :math:`u = e^{-\nu k^2 t}\sin k(x - ct)` gives :math:`r \approx 0`.

    Returns:
        ``Passed(u_t=alpha, u_x=beta, u_xx=gamma, exact=max |r| on the exact solution)``; prints "✅ ..." on
        success.

    >>> def no_viscosity(model, x, t, c, nu):
    ...     x, t = x.requires_grad_(True), t.requires_grad_(True)
    ...     u = model(x, t)
    ...     u_x, u_t = torch.autograd.grad(u.sum(), (x, t))
    ...     return u_t + c * u_x
    >>> check_advection_diffusion_residual(no_viscosity)
    Traceback (most recent call last):
    AssertionError: the viscous term -ν u_xx is missing (coefficient 0, expected -0.05): ...
    """
    g = torch.Generator().manual_seed(0)
    x = 2 * torch.rand(64, dtype=torch.float64, generator=g) - 1
    t = torch.rand(64, dtype=torch.float64, generator=g)
    c, nu, k = 0.7, 0.05, 2 * math.pi
    smooth = lambda x, t: torch.sin(3 * x + t) * torch.exp(-t * x) + x**3 * t  # noqa: E731
    x_, t_ = x.clone().requires_grad_(True), t.clone().requires_grad_(True)
    u = smooth(x_, t_)
    u_x, u_t = torch.autograd.grad(u.sum(), (x_, t_), create_graph=True)
    (u_xx,) = torch.autograd.grad(u_x.sum(), x_)
    terms = torch.stack([u_t, u_x, u_xx], dim=1).detach()  # [64, 3]
    r = _call_residual(fn, smooth, x, t, c, nu)
    coef = torch.linalg.lstsq(terms, r[:, None]).solution[:, 0]
    leftover = (r - terms @ coef).abs().max().item()
    if leftover > 1e-6 * (1 + r.abs().max().item()):
        raise AssertionError(f"your residual contains something that is not a multiple of u_t, u_x or u_xx (left "
                             f"over {leftover:.2g}): advection–diffusion is linear, no u u_x term as in Burgers")
    found = dict(zip(TERMS, coef.tolist()))
    expected = dict(zip(TERMS, [1.0, c, -nu]))
    wrong = [_term_problem(name, a, expected[name], nu) for name, a in found.items() if abs(a - expected[name]) > 1e-6]
    if wrong:
        raise AssertionError("; ".join(wrong) + f" (r = u_t + c u_x - ν u_xx with c = {c}, ν = {nu})")
    exact = lambda x, t: torch.exp(-nu * k**2 * t) * torch.sin(k * (x - c * t))  # noqa: E731
    err_exact = _call_residual(fn, exact, x, t, c, nu).abs().max().item()
    if err_exact > tolerance:
        raise AssertionError(f"on the exact solution e^(-ν k² t) sin k(x - ct) your residual is up to "
                             f"{err_exact:.2g}, it should vanish")
    return passed(f"advection–diffusion residual: every term right (u_t, c u_x, -ν u_xx), exact solution gives "
                  f"{err_exact:.1e}", **found, exact=err_exact)


def check_rotation_equivariant_operator(fn, a=None, *, tolerance=1e-4) -> Passed:
    r"""Check that an operator on 2-D fields turns with its input: :math:`f(\rho^k a) = \rho^k f(a)`, k = 1, 2, 3.

    Args:
        fn: ``fn(a [batch, n, n, c]) -> [batch, n, n, c']``; ``rho = torch.rot90(., 1, dims=(1, 2))``.
        a: test fields (default: 2 random 32 x 32 one-channel fields).
        tolerance: largest accepted relative error.

    Returns:
        ``Passed({"90°": ..., "180°": ..., "270°": ...})``, the relative errors; prints "✅ ..." on success.

    >>> errors = check_rotation_equivariant_operator(lambda a: a - a.mean(dim=(1, 2), keepdim=True))
    ✅ your operator commutes with rotations by 90°, 180° and 270° (largest relative error 0.0e+00)
    """
    if a is None:
        a = torch.randn(2, 32, 32, 1, generator=torch.Generator().manual_seed(0))
    how = f"fn(a) with a of shape {list(a.shape)} ([batch, n, n, channels])"
    with torch.no_grad():
        def f(a):
            return to_tensor(call(fn, a, how=how), how)

        out = f(a)
        if out.ndim != 4 or out.shape[:3] != a.shape[:3]:
            raise AssertionError(f"your operator returned shape {list(out.shape)} when called as {how}, but "
                                 f"[batch, n, n, channels] = {list(a.shape[:3])} + [channels] was expected")
        scale = torch.linalg.vector_norm(out)
        if scale == 0:
            raise AssertionError("your operator returns zeros: that is equivariant, but it has forgotten the model")
        rotated = {k: f(torch.rot90(a, k, dims=(1, 2))) for k in (1, 2, 3)}
        errors = {k: (torch.linalg.vector_norm(rotated[k] - torch.rot90(out, k, dims=(1, 2))) / scale).item()
                  for k in (1, 2, 3)}
        backwards = max((torch.linalg.vector_norm(rotated[k] - torch.rot90(out, -k, dims=(1, 2))) / scale).item()
                        for k in (1, 2, 3))
    bad = {k: e for k, e in errors.items() if not e <= tolerance}
    if bad:
        if backwards <= tolerance:
            hint = (" Your output turns the opposite way (f(ρa) = ρ^(-1) f(a)): rotate back with -k, "
                    "ρ^(-k) f(ρ^k a), not with k.")
        elif set(bad) == {1, 3}:
            hint = " It works for 180° only: average over all four rotations, not two."
        else:
            hint = " Hint: average ρ^(-k) f(ρ^k a) over k = 0, 1, 2, 3 (torch.rot90 with k, then with -k)."
        raise AssertionError("f(rotated a) differs from the rotated f(a) by " + ", ".join(
            f"{e:.2g} at {90 * k}°" for k, e in bad.items()) + " (relative to |f(a)|)." + hint)
    return passed(f"your operator commutes with rotations by 90°, 180° and 270° (largest relative error "
                  f"{max(errors.values()):.1e})", **{f"{90 * k}°": e for k, e in errors.items()})


def _call_residual(fn, u, x, t, c, nu) -> torch.Tensor:
    """The learner's residual ``[n]`` of the function ``u(x, t)`` at the points ``x, t`` ``[n]``."""
    how = f"fn(model, x, t, c={c}, nu={nu}) with x, t of shape {list(x.shape)}"
    r = to_tensor(call(fn, u, x.clone(), t.clone(), c, nu, how=how), how)
    return expect_shape(r, x.shape, how, " (one value per collocation point)").detach().to(x.dtype)


def _term_problem(name: str, found: float, expected: float, nu: float) -> str:
    """Say what is wrong with the coefficient ``found`` of the term ``name`` (expected ``expected``)."""
    term = TERMS[name]
    if abs(found) <= 1e-6:
        return f"{term} is missing (coefficient 0, expected {expected:.3g}): add it"
    if abs(found + expected) <= 1e-6:
        return f"{term} has the wrong sign (coefficient {found:.3g}, expected {expected:.3g})"
    if name != "u_t" and abs(abs(found) - 1) <= 1e-6:
        factor = "c" if name == "u_x" else "ν"
        return f"{term} has coefficient {found:.3g}, expected {expected:.3g}: multiply by {factor}"
    if name == "u_xx" and abs(found + nu / 2) <= 1e-6:
        return f"{term} has coefficient {found:.3g}, expected {expected:.3g}: no factor ½ in front of ν"
    return f"{term} has coefficient {found:.3g}, expected {expected:.3g}"
