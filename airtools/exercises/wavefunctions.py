r"""Exercise checkers for lesson 05: print one "✅ ..." line, or raise ``AssertionError`` saying what is wrong.

>>> import torch
>>> err = check_hydrogen_local_energy(lambda r, alpha: -alpha**2 / 2 + (alpha - 1) / r)
✅ your local energy matches autograd's for alpha = 0.5, 1.0, 1.5 (largest difference ...)
"""
from __future__ import annotations

import torch

from airtools.quantum import HydrogenAnsatz, get_system, local_energy

__all__ = ["check_hydrogen_local_energy"]


def check_hydrogen_local_energy(fn, *, tolerance: float = 1e-6) -> float:
    r"""Check a learner's local energy for hydrogen with the trial function :math:`\psi = e^{-\alpha r}`.

    The answer is :math:`E_L(r) = -\tfrac12\nabla^2\psi/\psi - 1/r = -\alpha^2/2 + (\alpha - 1)/r`; it is
    compared with ``local_energy`` (autograd) at 40 radii in [0.1, 8] bohr for three values of :math:`\alpha`.

    Args:
        fn: ``fn(r [n], alpha: float) -> E_L [n]`` (float64 tensors in, a tensor out).
        tolerance: largest accepted absolute difference (hartree).

    Returns:
        the largest absolute difference; prints "✅ ..." on success.

    Raises:
        AssertionError: naming the mistake (missing potential, a 1-D Laplacian, a sign) where it can tell.

    >>> check_hydrogen_local_energy(lambda r, alpha: -alpha**2 / 2 + alpha / r)
    Traceback (most recent call last):
    AssertionError: wrong at alpha = 0.5, r = 0.10 bohr: ... Hint: add the potential energy V = -1/r ...
    """
    r = torch.linspace(0.1, 8.0, 40, dtype=torch.float64)
    x = torch.stack([torch.zeros_like(r), torch.zeros_like(r), r], -1)[:, None, :]  # [40, 1, 3], on the z axis
    V = get_system("hydrogen").potential
    worst = 0.0
    for alpha in (0.5, 1.0, 1.5):
        expected = local_energy(HydrogenAnsatz(alpha=alpha, hidden=0).double(), x, V)
        try:
            got = torch.as_tensor(fn(r.clone(), alpha), dtype=torch.float64)
        except Exception as err:  # the learner's code: report it in words, not a traceback
            raise AssertionError(f"fn(r, alpha={alpha}) raised {type(err).__name__}: {err}") from None
        if got.shape != expected.shape:
            raise AssertionError(f"fn(r, alpha) should return one energy per radius, shape {list(expected.shape)}; "
                                 f"got shape {list(got.shape)}")
        diff = got - expected
        err = diff.abs().max().item()
        if not err <= tolerance:
            i = diff.abs().argmax().item()
            raise AssertionError(f"wrong at alpha = {alpha}, r = {r[i].item():.2f} bohr: you return "
                                 f"{got[i].item():.4f} Ha, the local energy is {expected[i].item():.4f} Ha."
                                 + _hint(diff, r, alpha))
        worst = max(worst, err)
    print(f"✅ your local energy matches autograd's for alpha = 0.5, 1.0, 1.5 (largest difference {worst:.1e} Ha)")
    return worst


def _hint(diff: torch.Tensor, r: torch.Tensor, alpha: float) -> str:
    """Recognise the usual mistakes from the shape of ``fn - E_L`` as a function of r."""
    def close(d):
        return torch.allclose(diff, d, atol=1e-6)

    if close(1 / r):
        return " Hint: add the potential energy V = -1/r of the electron at distance r."
    if close(-alpha / r):
        return (" Hint: the Laplacian is 3-D: for a function of r, ∇²f = f'' + (2/r) f', "
                "so ∇²(-alpha r) = -2 alpha / r.")
    if close(alpha**2 - 2 * alpha / r):
        return " Hint: check the sign of the kinetic term, -½ ∇²ψ/ψ."
    if close(torch.full_like(r, -alpha**2)) or close(torch.full_like(r, alpha**2)):
        return " Hint: |∇ log ψ|² = alpha² enters with a factor -½."
    return " Hint: E_L = -½ (∇² log ψ + |∇ log ψ|²) + V with log ψ = -alpha r."
