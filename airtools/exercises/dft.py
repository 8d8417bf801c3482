r"""Exercise checker for lesson 06: the density from the AO density matrix.

>>> import numpy as np
>>> err = check_density_from_dm(lambda ao, P: np.einsum("gm,mn,gn->g", ao, P, ao))
✅ your density matches PySCF's eval_rho on 500 points around water (largest difference ...)
"""
from __future__ import annotations

import numpy as np

__all__ = ["check_density_from_dm"]


def check_density_from_dm(fn, *, tolerance: float = 1e-8) -> float:
    r"""Check ``fn(ao [n_points, n_ao], P [n_ao, n_ao]) -> rho [n_points]`` against PySCF's ``eval_rho``:
    :math:`\rho(\mathbf r_g) = \sum_{\mu\nu} \chi_\mu(\mathbf r_g) P_{\mu\nu} \chi_\nu(\mathbf r_g)`
    for water, RHF/STO-3G, at 500 random points.

    Returns:
        the largest absolute difference; prints "✅ ..." on success, raises AssertionError otherwise.

    >>> check_density_from_dm(lambda ao, P: (ao @ P).sum(1))
    Traceback (most recent call last):
    AssertionError: ... Hint: multiply by the AO values a second time ...
    """
    from pyscf.dft import numint

    from airtools.quantum import run_kohn_sham

    res = run_kohn_sham("water", "hf", "sto-3g")
    pts = np.random.default_rng(0).normal(scale=1.5, size=(500, 3))
    ao = numint.eval_ao(res.mol, pts)
    expected = numint.eval_rho(res.mol, ao, res.dm)
    try:
        got = np.asarray(fn(ao.copy(), res.dm.copy()), dtype=np.float64)
    except Exception as err:  # the learner's code: report it in words
        raise AssertionError(f"fn(ao, P) raised {type(err).__name__}: {err}") from None
    if got.shape != expected.shape:
        raise AssertionError(f"fn(ao, P) should return one density value per point, shape {list(expected.shape)}; "
                             f"got {list(got.shape)}")
    err = float(np.abs(got - expected).max())
    if not err <= tolerance:
        hint = (" Hint: multiply by the AO values a second time (rho = sum_mn ao_m P_mn ao_n)."
                if np.allclose(got, (ao @ res.dm).sum(1)) else
                " Hint: P already holds both spins (occupation 2); do not double it." if np.allclose(got, 2 * expected)
                else "")
        raise AssertionError(f"your density differs from PySCF's by up to {err:.3g} electrons/bohr³.{hint}")
    print(f"✅ your density matches PySCF's eval_rho on 500 points around water (largest difference {err:.1e})")
    return err
