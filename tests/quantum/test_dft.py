"""DFT helpers over PySCF: reference energies, density normalisation, AO rotation mapping (PySCF <-> e3nn)."""
import numpy as np
import pytest
import torch
from pyscf import gto

from airtools.quantum import (M_D, ao_matrices, ao_wigner_D, density_slice, integrate_density, pyscf_to_e3nn,
                              rotate_mol, run_kohn_sham)
from airtools.quantum.dft_rotation import _fit
from airtools.so3 import random_rotation

H2 = [("H", (0, 0, 0)), ("H", (0, 0, 1.4))]


def _R(seed):
    return random_rotation(dtype=torch.float64, generator=torch.Generator().manual_seed(seed)).numpy()


def _atoms(mol):
    return [(mol.atom_symbol(i), tuple(x)) for i, x in enumerate(mol.atom_coords())]  # Bohr


def test_h2_rhf_sto3g_reference():
    # Szabo & Ostlund, table 3.x: H2 RHF/STO-3G at R = 1.4 bohr, E = -1.1167 Ha
    res = run_kohn_sham(H2, "hf", "sto-3g", unit="Bohr")
    assert res.energy == pytest.approx(-1.1167, abs=1e-4)


@pytest.mark.parametrize("xc", ["lda", "pbe"])
def test_water_density_integrates_to_n(xc):
    res = run_kohn_sham("water", xc, "sto-3g", grid_level=1)
    assert res.n_electrons == 10
    assert integrate_density(res) == pytest.approx(10.0, abs=1e-3)


def test_density_slice_is_positive_and_peaks_at_oxygen():
    res = run_kohn_sham("water", "hf", "sto-3g")
    u, v, rho = density_slice(res, "yz", n=41, extent=3.0)
    assert (rho >= 0).all()
    j, i = np.unravel_index(rho.argmax(), rho.shape)
    o = res.mol.atom_coords()[0]
    assert abs(u[i] - o[1]) < 0.2 and abs(v[j] - o[2]) < 0.2


def test_d_mapping_matches_pyscf_aos():
    # the explicit M_D equals the map fitted from PySCF's AO values; M_l is orthogonal for l <= 4
    assert np.allclose(_fit(2), M_D, atol=1e-10)
    assert np.allclose(_fit(1), np.eye(3), atol=1e-10)
    for l in range(5):
        M = pyscf_to_e3nn(l)
        assert np.allclose(M @ M.T, np.eye(2 * l + 1), atol=1e-10)
    with pytest.raises(ValueError, match="l: expected"):
        pyscf_to_e3nn(-1)


@pytest.mark.parametrize("basis", ["sto-3g", "cc-pvdz", "cc-pvtz"])  # s, p; + d; + f shells
def test_one_electron_matrices_rotate_with_wigner_D(basis):
    mol = gto.M(atom="O 0.1 0.0 0.05; H 0.1 0.8 0.6; H -0.1 -0.8 0.6", basis=basis, verbose=0)
    for seed in range(2):
        R = _R(seed)
        mol_R, D = rotate_mol(mol, R), ao_wigner_D(mol, R)
        for integral in ("int1e_ovlp", "int1e_kin", "int1e_nuc"):
            err = np.abs(mol_R.intor(integral) - D @ mol.intor(integral) @ D.T).max()
            assert err < 1e-10, (basis, integral, err)


def test_fock_of_rotated_molecule_against_pyscf():
    # RHF has no grid: the converged Fock matrix of the rotated molecule equals D F D^T to SCF precision,
    # and the Fock matrix built from the rotated density equals it to machine precision (no phase issue).
    mol = gto.M(atom="O 0.1 0.0 0.05; H 0.1 0.8 0.6; H -0.1 -0.8 0.6", basis="6-31g*", verbose=0)
    R = _R(3)
    D = ao_wigner_D(mol, R)
    res = run_kohn_sham(_atoms(mol), "hf", "6-31g*", unit="Bohr")
    res_R = run_kohn_sham(_atoms(rotate_mol(mol, R)), "hf", "6-31g*", unit="Bohr")
    F, F_R = ao_matrices(res)["fock"], ao_matrices(res_R)["fock"]
    assert np.abs(F_R - D @ F @ D.T).max() < 1e-6
    assert np.abs(res_R.mf.get_fock(dm=D @ res.dm @ D.T) - D @ F @ D.T).max() < 1e-10
    assert res_R.energy == pytest.approx(res.energy, abs=1e-9)


def test_ao_wigner_D_rejects_bad_input():
    mol = gto.M(atom="H 0 0 0; H 0 0 1.4", basis="sto-3g", unit="Bohr", verbose=0)
    with pytest.raises(ValueError, match="R"):
        ao_wigner_D(mol, -np.eye(3))
    with pytest.raises(ValueError, match="plane"):
        density_slice(run_kohn_sham(H2, "hf", "sto-3g", unit="Bohr"), "ab")
