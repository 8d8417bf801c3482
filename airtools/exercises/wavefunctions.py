r"""Exercise checker for lesson 05: print one "✅ ..." line and return a ``Passed``, or raise ``AssertionError``
saying what is wrong.

>>> import torch
>>> result = check_hydrogen_local_energy(lambda r, alpha: -alpha**2 / 2 + (alpha - 1) / r)
✅ your local energy matches autograd's for alpha = 0.5, 1.0, 1.5 (largest difference ...)
"""
from __future__ import annotations

import torch

from airtools.quantum import HydrogenAnsatz, get_system, local_energy

from ._common import Passed, call, expect_shape, passed, to_tensor

__all__ = ["check_hydrogen_local_energy"]


def check_hydrogen_local_energy(fn, *, tolerance: float = 1e-6) -> Passed:
    r"""Check a learner's local energy for hydrogen with the trial function :math:`\psi = e^{-\alpha r}`.

    The answer is :math:`E_L(r) = -\tfrac12\nabla^2\psi/\psi - 1/r = -\alpha^2/2 + (\alpha - 1)/r`; it is
    compared with ``local_energy`` (autograd) at 40 radii in [0.1, 8] bohr for three values of :math:`\alpha`.

    Args:
        fn: ``fn(r [n], alpha: float) -> E_L [n]`` (float64 tensors in, a tensor out).
        tolerance: largest accepted absolute difference (hartree).

    Returns:
        ``Passed(max_difference=...)``, the largest absolute difference (hartree); prints "✅ ..." on success.

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
        how = f"fn(r, alpha={alpha}) with r of shape [40]"
        got = to_tensor(call(fn, r.clone(), alpha, how=how), how).to(torch.float64)
        expect_shape(got, expected.shape, how, " (one local energy per radius)")
        diff = got - expected
        err = diff.abs().max().item()
        if not err <= tolerance:
            i = diff.abs().argmax().item()
            raise AssertionError(f"wrong at alpha = {alpha}, r = {r[i].item():.2f} bohr: you return "
                                 f"{got[i].item():.4f} Ha, the local energy is {expected[i].item():.4f} Ha."
                                 + _hint(diff, r, alpha))
        worst = max(worst, err)
    return passed(f"your local energy matches autograd's for alpha = 0.5, 1.0, 1.5 (largest difference "
                  f"{worst:.1e} Ha)", max_difference=worst)


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
    if close(torch.full_like(r, alpha**2 / 2)):
        return " Hint: you left out |∇ log ψ|² = alpha²: E_L = -½ (∇² log ψ + |∇ log ψ|²) + V."
    if close(torch.full_like(r, -alpha**2)) or close(torch.full_like(r, alpha**2)):
        return " Hint: |∇ log ψ|² = alpha² enters with a factor -½."
    return " Hint: E_L = -½ (∇² log ψ + |∇ log ψ|²) + V with log ψ = -alpha r."
