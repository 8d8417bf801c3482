"""PySCF labels: forces are -dE/dpos, dipoles obey the molecule's symmetry, bad input is refused."""
import numpy as np
import pytest
import torch
from ase import units

from airtools.data import compute_labels, equilibrium, get_molecule, molecule_names, sample_conformers
from airtools.so3 import random_rotation


def test_forces_are_minus_finite_difference_of_energy():
    rng = np.random.default_rng(0)
    atoms = get_molecule("water")
    pos = atoms.positions + 0.05 * rng.standard_normal((3, 3))  # off-equilibrium: forces ~ 1 eV/Å
    forces = compute_labels(atoms.numbers, pos, cache=False)["forces"]
    h = 1e-3  # Å
    for i, a in [(0, 2), (1, 0), (1, 1), (2, 2)]:
        plus, minus = pos.copy(), pos.copy()
        plus[i, a] += h
        minus[i, a] -= h
        e_plus = compute_labels(atoms.numbers, plus, cache=False)["energy"]
        e_minus = compute_labels(atoms.numbers, minus, cache=False)["energy"]
        fd = -(e_plus - e_minus) / (2 * h)
        # 1e-5 Hartree/Bohr = 5e-4 eV/Å; the central difference error is O(h^2) ~ 1e-5 eV/Å here
        assert abs(forces[i, a] - fd) < 1e-5 * units.Hartree / units.Bohr, (i, a, forces[i, a], fd)
    assert np.abs(forces).max() > 0.1  # the check is not trivially 0 == 0


def test_methane_has_no_dipole_and_waters_lies_on_its_c2_axis():
    methane = get_molecule("methane")
    mu = compute_labels(methane.numbers, methane.positions, cache=False)["dipole"]
    assert np.abs(mu).max() < 1e-6  # Td symmetry: no polar vector is invariant

    water = get_molecule("water")
    R = random_rotation(dtype=torch.float64, generator=torch.Generator().manual_seed(1)).numpy()
    pos = water.positions @ R.T
    mu = compute_labels(water.numbers, pos, cache=False)["dipole"]
    axis = (pos[1] + pos[2]) / 2 - pos[0]  # C2 axis, from O towards the H's (the positive end)
    cos = mu @ axis / np.linalg.norm(mu) / np.linalg.norm(axis)
    assert cos > 1 - 1e-10
    # RHF/STO-3G water at ASE's geometry: |mu| = 1.714 D = 0.357 e·Å (experiment: 1.85 D)
    assert np.linalg.norm(mu) == pytest.approx(1.7141 * units.Debye, rel=1e-3)


def test_equilibrium_is_a_minimum_and_normal_modes_are_seeded():
    eq = equilibrium("water")
    forces = compute_labels(eq["z"], eq["pos"])["forces"]
    assert np.abs(forces).max() < 2e-3  # eV/Å (BFGS stops at fmax = 1e-3)
    a = sample_conformers("water", 5, seed=3)
    b = sample_conformers("water", 5, seed=3)
    c = sample_conformers("water", 5, seed=4)
    assert a.shape == (5, 3, 3) and np.array_equal(a, b) and not np.allclose(a, c)
    # normal-mode displacements keep the centre of mass and add no rotation (vibrations only)
    m = get_molecule("water").get_masses()
    com_shift = ((a - eq["pos"]) * m[None, :, None]).sum(1) / m.sum()
    assert np.abs(com_shift).max() < 1e-8


def test_unknown_molecule_names_valid_ones():
    with pytest.raises(ValueError, match="unknown molecule 'unobtainium'.*water"):
        get_molecule("unobtainium")
    assert {"water", "ammonia", "methane", "H2O", "C6H6"} <= set(molecule_names())


def test_nan_coordinates_are_refused():
    atoms = get_molecule("water")
    pos = atoms.positions.copy()
    pos[1, 2] = np.nan
    with pytest.raises(ValueError, match="pos: contains NaN"):
        compute_labels(atoms.numbers, pos)
    with pytest.raises(ValueError, match="pos: expected shape"):
        compute_labels(atoms.numbers, pos[:2])


def test_dft_methods_and_bad_method_names():
    atoms = get_molecule("water")
    pbe = compute_labels(atoms.numbers, atoms.positions, "pbe/sto-3g", cache=False)
    rhf = compute_labels(atoms.numbers, atoms.positions, cache=False)
    assert 0.1 < abs(pbe["energy"] - rhf["energy"]) < 50  # eV: another level, the same molecule
    with pytest.raises(ValueError, match="method: expected '<rhf or xc functional>/<basis>'"):
        compute_labels(atoms.numbers, atoms.positions, "rhf", cache=False)
    with pytest.raises(ValueError, match="closed-shell"):
        compute_labels([8, 1], atoms.positions[:2], cache=False)  # OH radical


def test_bad_sampling_is_refused():
    with pytest.raises(ValueError, match="sampling: expected"):
        sample_conformers("water", 2, sampling="md")
