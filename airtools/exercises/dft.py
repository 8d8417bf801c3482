r"""Exercise checker for lesson 06: the electron density from the AO density matrix.

>>> import numpy as np
>>> result = check_density_from_dm(lambda ao, P: np.einsum("gm,mn,gn->g", ao, P, ao))
✅ your density matches PySCF's eval_rho on 500 points around water (largest difference ...)
"""
from __future__ import annotations

import numpy as np

from airtools.quantum import run_kohn_sham

from ._common import Passed, call, expect_shape, passed, to_array

__all__ = ["check_density_from_dm"]


def check_density_from_dm(fn, *, tolerance: float = 1e-8) -> Passed:
    r"""Check ``fn(ao [n_points, n_ao], P [n_ao, n_ao]) -> rho [n_points]`` against PySCF's ``eval_rho``:
    :math:`\rho(\mathbf r_g) = \sum_{\mu\nu} \chi_\mu(\mathbf r_g) P_{\mu\nu} \chi_\nu(\mathbf r_g)`
    for water, RHF/STO-3G, at 500 random points.

    Returns:
        ``Passed(max_difference=...)``, the largest absolute difference (electrons/bohr³); prints "✅ ..." on
        success, raises AssertionError naming the mistake otherwise (one AO factor, a doubled P, only the
        diagonal of P, the whole matrix instead of its diagonal).

    >>> check_density_from_dm(lambda ao, P: (ao @ P).sum(1))
    Traceback (most recent call last):
    AssertionError: ... Hint: multiply by the AO values a second time ...
    """
    from pyscf.dft import numint  # PySCF loads on first use only

    res = run_kohn_sham("water", "hf", "sto-3g")
    pts = np.random.default_rng(0).normal(scale=1.5, size=(500, 3))
    ao = numint.eval_ao(res.mol, pts)
    P = res.dm
    expected = numint.eval_rho(res.mol, ao, P)
    how = f"fn(ao, P) with ao of shape {list(ao.shape)} and P of shape {list(P.shape)}"
    got = to_array(call(fn, ao.copy(), P.copy(), how=how), how)
    whole = " ao @ P @ ao.T is the whole [points, points] matrix; the density is its diagonal, " \
            "np.einsum('gm,mn,gn->g', ao, P, ao)" if got.shape == (len(pts), len(pts)) else ""
    expect_shape(got, expected.shape, how, " (one density value per point)." + whole)
    err = float(np.abs(got - expected).max())
    if not err <= tolerance:
        raise AssertionError(f"your density differs from PySCF's by up to {err:.3g} electrons/bohr³."
                             + _hint(got, ao, P, expected))
    return passed(f"your density matches PySCF's eval_rho on 500 points around water (largest difference "
                  f"{err:.1e})", max_difference=err)


def _hint(got, ao, P, expected) -> str:
    """Recognise the usual mistakes in ``got`` (the learner's density at the points)."""
    if np.allclose(got, (ao @ P).sum(1)):
        return " Hint: multiply by the AO values a second time (rho = sum_mn ao_m P_mn ao_n)."
    if np.allclose(got, 2 * expected):
        return " Hint: P already holds both spins (occupation 2); do not double it."
    if np.allclose(got, np.einsum("gm,m->g", ao**2, np.diag(P))):
        return (" Hint: you used only the diagonal of P; the off-diagonal terms P_mn ao_m ao_n (m != n) count "
                "too: sum over both indices.")
    if np.allclose(got, -expected):
        return " Hint: the density is positive: check the sign."
    return " Hint: rho_g = sum_mn ao[g, m] P[m, n] ao[g, n], e.g. np.einsum('gm,mn,gn->g', ao, P, ao)."
