"""MLCalculator follows ASE's calculator conventions, checked with ASE's own finite-difference tools.

ASE's ``FiniteDifferenceCalculator`` and ``calculate_numerical_forces``/``calculate_numerical_stress`` ask a
calculator for its ``free_energy`` ("force-consistent" energies) and strain the cell through ``Atoms``; a
calculator that follows the conventions passes them unchanged. Float64 models, central differences with
step h: truncation O(h^2) ~ 1e-10 and rounding ~ 1e-16 / h ~ 1e-11, so 1e-7 leaves a wide margin while
a wrong sign, a missing 1/V or a transposed Voigt order is off by O(1).
"""
import numpy as np
import pytest
import torch
from ase.build import molecule
from ase.calculators.calculator import PropertyNotImplementedError
from ase.calculators.fd import FiniteDifferenceCalculator, calculate_numerical_forces, calculate_numerical_stress

from airtools.data.crystals import bulk_crystal, strained
from airtools.models import MLCalculator, SchNet

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def _model(seed=0, **kwargs):
    torch.manual_seed(seed)
    return SchNet(hidden=8, n_filters=8, n_interactions=2, **kwargs).double()


def _crystal():
    """A sheared, rattled 4-atom Al cell: every stress component and every force is non-zero."""
    rng = np.random.default_rng(0)
    atoms = strained(bulk_crystal("Al", cubic=True), 0.02 * rng.standard_normal((3, 3)))
    atoms.positions += 0.05 * rng.standard_normal(atoms.positions.shape)
    return atoms


def test_free_energy_is_the_energy_and_properties_follow_ase():
    atoms = molecule("CH3OH")
    atoms.calc = MLCalculator(_model())
    assert {"energy", "free_energy", "forces", "stress"} <= set(MLCalculator.implemented_properties)
    energy = atoms.get_potential_energy()
    assert atoms.get_potential_energy(force_consistent=True) == energy
    assert set(atoms.calc.results) == {"energy", "free_energy", "forces"}  # one call fills every property
    with pytest.raises(PropertyNotImplementedError, match="not periodic"):
        atoms.get_stress()


def test_molecule_forces_match_ase_finite_differences():
    atoms = molecule("CH3OH")
    atoms.positions += 0.05 * np.random.default_rng(1).standard_normal(atoms.positions.shape)
    atoms.calc = MLCalculator(_model(r_cut=4.0))
    forces = atoms.get_forces()
    assert np.abs(forces).max() > 1e-3  # an untrained model away from any symmetry: real forces to compare
    numeric = calculate_numerical_forces(atoms, eps=1e-5, force_consistent=True)
    np.testing.assert_allclose(forces, numeric, rtol=0, atol=1e-7)

    # ASE's wrapper also strains the cell for a numerical stress, so the molecule gets a box (pbc stays False)
    fd = atoms.copy()
    fd.center(vacuum=4.0)
    fd.calc = FiniteDifferenceCalculator(MLCalculator(_model(r_cut=4.0)), eps_disp=1e-5, eps_strain=1e-5)
    assert fd.get_potential_energy() == pytest.approx(atoms.get_potential_energy(), abs=1e-12)
    np.testing.assert_allclose(fd.get_forces(), forces, rtol=0, atol=1e-7)


def test_crystal_stress_and_forces_match_ase_finite_differences():
    atoms = _crystal()
    atoms.calc = MLCalculator(_model(r_cut=4.0))
    stress, forces = atoms.get_stress(), atoms.get_forces()
    assert stress.shape == (6,) and np.abs(stress[3:]).max() > 1e-5  # shear components present
    np.testing.assert_allclose(calculate_numerical_stress(atoms, eps=1e-5), stress, rtol=0, atol=1e-7)

    fd = _crystal()
    fd.calc = FiniteDifferenceCalculator(MLCalculator(_model(r_cut=4.0)), eps_disp=1e-5, eps_strain=1e-5)
    np.testing.assert_allclose(fd.get_stress(), stress, rtol=0, atol=1e-7)
    np.testing.assert_allclose(fd.get_forces(), forces, rtol=0, atol=1e-7)
