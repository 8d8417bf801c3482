"""QM9's free-atom energies (its atomref table) turn U0 into atomization energies: every one of the 130,831
molecules is bound, by 3-6 eV per atom, and methane's is close to experiment."""
import numpy as np
from ase import units

from airtools.data import QM9_FREE_ATOM_U0, qm9_arrays


def test_every_qm9_molecule_is_bound_by_3_to_6_ev_per_atom():
    a = qm9_arrays()
    table = np.zeros(10)
    table[list(QM9_FREE_ATOM_U0)] = list(QM9_FREE_ATOM_U0.values())
    molecule = np.repeat(np.arange(len(a["n_atoms"])), a["n_atoms"])
    per_atom = (a["U0"] - np.bincount(molecule, weights=table[a["z"]])) / a["n_atoms"]  # eV per atom
    # single bonds (C-H ~4.3 eV, C-C ~3.6 eV) to double and triple bonds: 3-6 eV per atom, never unbound
    assert per_atom.max() < -3.0 and per_atom.min() > -6.0, (per_atom.min(), per_atom.max())


def test_methane_atomization_energy_is_near_experiment():
    """CH4: D0 = 392.5 kcal/mol = 17.02 eV (experiment, at 0 K with zero-point energy, like U0); B3LYP within 0.3 eV."""
    a = qm9_arrays()
    e = a["U0"][0] - QM9_FREE_ATOM_U0[6] - 4 * QM9_FREE_ATOM_U0[1]
    assert abs(-e - 392.5 * units.kcal / units.mol) < 0.3, e
