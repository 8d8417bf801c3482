"""The lesson-06 checker accepts the density rho = sum_mn ao_m P_mn ao_n and names the usual mistakes."""
import numpy as np
import pytest

from airtools.exercises import check_density_from_dm

from .answers import density


def test_checker_accepts_the_density(accepts):
    assert accepts(check_density_from_dm(density), "matches PySCF's eval_rho")["max_difference"] < 1e-10


@pytest.mark.parametrize("fn, message", [
    (lambda ao, P: (ao @ P).sum(1), "multiply by the AO values a second time"),
    (lambda ao, P: 2 * np.einsum("gm,mn,gn->g", ao, P, ao), "P already holds both spins"),
    (lambda ao, P: np.einsum("gm,mm,gm->g", ao, P, ao), "only the diagonal of P; the off-diagonal terms"),
    (lambda ao, P: ao @ P @ ao.T, r"returned shape \[500, 500\] .* but \[500\] was expected .* is its diagonal"),
    (lambda ao, P: np.einsum("gm,mn,gn->g", ao, P, ao[:, ::-1]), r"differs from PySCF's by up to .* Hint: rho_g ="),
    (lambda ao, P: np.einsum("gm,mn,gn->g", ao, P), r"raised ValueError when called as fn\(ao, P\) with ao of shape"),
])
def test_checker_names_the_mistake(fn, message):
    with pytest.raises(AssertionError, match=message):
        check_density_from_dm(fn)
