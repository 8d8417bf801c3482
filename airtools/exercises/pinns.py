r"""Exercise checkers of lessons 15 (PINNs) and 16 (symmetry in PDEs): print a "✅ ..." line on success,
raise ``AssertionError`` saying in plain words what is wrong otherwise.

>>> def residual(model, x, t, c, nu):
...     x, t = x.requires_grad_(True), t.requires_grad_(True)
...     u = model(x, t)
...     u_x, u_t = torch.autograd.grad(u.sum(), (x, t), create_graph=True)
...     (u_xx,) = torch.autograd.grad(u_x.sum(), x, create_graph=True)
...     return u_t + c * u_x - nu * u_xx
>>> errors = check_advection_diffusion_residual(residual)
✅ advection–diffusion residual: every term right (u_t, c u_x, -ν u_xx), exact solution gives ...
"""
from __future__ import annotations

import math

import torch

__all__ = ["check_advection_diffusion_residual", "check_rotation_equivariant_operator"]


def _call_residual(fn, u, x, t, c, nu):
    try:
        r = fn(u, x.clone(), t.clone(), c, nu)
    except Exception as err:  # the learner's code: report what it raised, in the checker's words
        raise AssertionError(f"your residual raised {type(err).__name__}: {err}") from err
    if not isinstance(r, torch.Tensor) or r.shape != x.shape:
        got = list(r.shape) if isinstance(r, torch.Tensor) else type(r).__name__
        raise AssertionError(f"your residual returned {got}, expected a tensor of shape {list(x.shape)} "
                             "(one value per collocation point)")
    return r.detach()


def check_advection_diffusion_residual(fn, *, tolerance=1e-6) -> dict:
    r"""Check ``fn(model, x, t, c, nu) -> r``, the residual :math:`r = u_t + c\,u_x - \nu\,u_{xx}`.

    Two tests, float64: (1) on a smooth function of both variables the learner's residual is fitted as
    :math:`\alpha\,u_t + \beta\,u_x + \gamma\,u_{xx}` (least squares over 64 points, derivatives by
    autograd); each coefficient must match :math:`(1, c, -\nu)`, and a wrong one is named; (2) the exact
    solution :math:`u = e^{-\nu k^2 t}\sin k(x - ct)` gives :math:`r \approx 0`.

    Returns:
        ``{"coefficients": [alpha, beta, gamma], "exact": max |r| on the exact solution}``.
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
    names, expected = ["u_t", "u_x", "u_xx"], [1.0, c, -nu]
    wrong = [f"the {n} term has coefficient {a:.3g}, expected {e:.3g}"
             for n, a, e in zip(names, coef.tolist(), expected) if abs(a - e) > 1e-6]
    if wrong:
        raise AssertionError("; ".join(wrong) + f" (r = u_t + c u_x - ν u_xx with c = {c}, ν = {nu})")
    exact = lambda x, t: torch.exp(-nu * k**2 * t) * torch.sin(k * (x - c * t))  # noqa: E731
    err_exact = _call_residual(fn, exact, x, t, c, nu).abs().max().item()
    if err_exact > tolerance:
        raise AssertionError(f"on the exact solution e^(-ν k² t) sin k(x - ct) your residual is up to "
                             f"{err_exact:.2g}, it should vanish")
    print(f"✅ advection–diffusion residual: every term right (u_t, c u_x, -ν u_xx), exact solution gives "
          f"{err_exact:.1e}")
    return {"coefficients": coef.tolist(), "exact": err_exact}


def check_rotation_equivariant_operator(fn, a=None, *, tolerance=1e-4) -> dict:
    r"""Check that an operator on 2-D fields turns with its input: :math:`f(\rho^k a) = \rho^k f(a)`, k = 1, 2, 3.

    Args:
        fn: ``fn(a [batch, n, n, c]) -> [batch, n, n, c']``; ``rho = torch.rot90(., 1, dims=(1, 2))``.
        a: test fields (default: 2 random 32 x 32 one-channel fields).
        tolerance: largest accepted relative error.

    Returns:
        ``{k: relative error}`` for k = 1, 2, 3.

    >>> errors = check_rotation_equivariant_operator(lambda a: a - a.mean(dim=(1, 2), keepdim=True))
    ✅ your operator commutes with rotations by 90°, 180° and 270° (largest relative error 0.0e+00)
    """
    if a is None:
        a = torch.randn(2, 32, 32, 1, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        try:
            out = fn(a)
        except Exception as err:
            raise AssertionError(f"your operator raised {type(err).__name__}: {err}") from err
        if not isinstance(out, torch.Tensor) or out.ndim != 4 or out.shape[:3] != a.shape[:3]:
            got = list(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
            raise AssertionError(f"your operator returned {got}, expected [batch, n, n, channels] = "
                                 f"{list(a.shape[:3])} + [channels]")
        scale = torch.linalg.vector_norm(out)
        if scale == 0:
            raise AssertionError("your operator returns zeros: that is equivariant, but it has forgotten the model")
        errors = {k: (torch.linalg.vector_norm(fn(torch.rot90(a, k, dims=(1, 2))) - torch.rot90(out, k, dims=(1, 2)))
                      / scale).item() for k in (1, 2, 3)}
    bad = {k: e for k, e in errors.items() if not e <= tolerance}
    if bad:
        only_180 = set(bad) == {1, 3}
        raise AssertionError("f(rotated a) differs from the rotated f(a) by " + ", ".join(
            f"{e:.2g} at {90 * k}°" for k, e in bad.items()) + " (relative to |f(a)|)."
            + (" It works for 180° only: average over all four rotations, not two." if only_180
               else " Hint: average ρ^(-k) f(ρ^k a) over k = 0, 1, 2, 3 (torch.rot90 with k, then with -k)."))
    print(f"✅ your operator commutes with rotations by 90°, 180° and 270° "
          f"(largest relative error {max(errors.values()):.1e})")
    return errors
