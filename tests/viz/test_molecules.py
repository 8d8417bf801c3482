"""Molecule figures: bonds from covalent radii, one trace per element with Jmol colours, arrows."""
import numpy as np
import pytest
import torch
from ase.build import molecule

from airtools.viz import atom_values_figure, bonds, molecule_figure, update_atom_values


def test_bonds_of_benzene():
    atoms = molecule("C6H6")
    pairs = bonds(atoms.get_chemical_symbols(), atoms.positions)
    assert len(pairs) == 12  # 6 C-C + 6 C-H
    assert np.all(pairs[:, 0] < pairs[:, 1])


def test_traces_per_element_and_bond_segments():
    atoms = molecule("CH3CH2OH")
    fig = molecule_figure(atoms.get_chemical_symbols(), torch.tensor(atoms.positions))
    names = [t.name for t in fig.data]
    assert names[0] == "bonds" and sorted(names[1:]) == ["C", "H", "O"]
    n_bonds = len(bonds(atoms.get_chemical_symbols(), atoms.positions))
    assert n_bonds == 8 and len(fig.data[0].x) == 3 * n_bonds  # start, end, gap per bond
    oxygen = fig.data[names.index("O")]
    assert oxygen.marker.color == "rgb(255,13,13)" and len(oxygen.x) == 1
    assert sum(len(t.x) for t in fig.data[1:]) == len(atoms)


def test_arrows_start_at_atoms_and_end_at_pos_plus_vector():
    rng = np.random.default_rng(0)
    pos, forces = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
    fig = molecule_figure(["C", "H", "H", "N"], pos, vectors=forces, vector_scale=0.5, vector_name="forces")
    shafts, heads = fig.data[-2], fig.data[-1]
    assert (shafts.name, heads.name, heads.type) == ("forces", "forces", "cone")
    seg = np.stack([shafts.x, shafts.y, shafts.z], -1)
    np.testing.assert_allclose(seg[0::3], pos)
    np.testing.assert_allclose(seg[1::3], pos + 0.5 * forces)
    np.testing.assert_allclose(np.stack([heads.x, heads.y, heads.z], -1), pos + 0.5 * forces)


@pytest.mark.parametrize("symbols, pos, vectors, message", [
    (["C", "H"], np.zeros((3, 3)), None, "one symbol per position"),
    (["C", "Xx"], np.zeros((2, 3)), None, "unknown element"),
    (["C", "H"], np.zeros((2, 2)), None, r"pos: expected shape \[n_atoms, 3\]"),
    (["C", "H"], np.zeros((2, 3)), np.zeros((3, 3)), "vectors"),
    (["C", "H"], np.array([[0, 0, 0], [np.nan, 0, 0]]), None, "finite"),
])
def test_bad_input_is_a_value_error(symbols, pos, vectors, message):
    with pytest.raises(ValueError, match=message):
        molecule_figure(symbols, pos, vectors=vectors)


def test_atom_values_colour_each_atom_with_a_range_centred_on_zero():
    atoms = molecule("CH3CH2OH")
    values = np.linspace(-0.5, 0.3, len(atoms))
    fig = atom_values_figure(atoms.get_chemical_symbols(), torch.tensor(atoms.positions), torch.tensor(values),
                             label="IG", unit="eV", title="ethanol")
    bond_trace, dots = fig.data
    assert (bond_trace.name, dots.name) == ("bonds", "atoms")
    np.testing.assert_allclose(np.stack([dots.x, dots.y, dots.z], -1), atoms.positions)
    np.testing.assert_allclose(dots.marker.color, values)  # one colour value per atom, in the atoms' order
    assert (dots.marker.cmin, dots.marker.cmax) == (-0.5, 0.5)  # symmetric: zero sits at the middle colour
    assert list(dots.text) == atoms.get_chemical_symbols() and dots.hovertext[1].endswith(" eV")
    assert len(bond_trace.x) == 3 * len(bonds(atoms.get_chemical_symbols(), atoms.positions))
    assert dots.marker.colorbar.title.text == "IG (eV)"
    asymmetric = atom_values_figure(atoms.get_chemical_symbols(), atoms.positions, values + 1, symmetric=False)
    np.testing.assert_allclose((asymmetric.data[1].marker.cmin, asymmetric.data[1].marker.cmax), (0.5, 1.3))


@pytest.mark.parametrize("values, message", [
    (np.zeros(2), r"values: expected shape \[3\]"),
    (np.array([0.0, np.nan, 1.0]), "finite"),
])
def test_atom_values_bad_input_is_a_value_error(values, message):
    with pytest.raises(ValueError, match=message):
        atom_values_figure(["O", "H", "H"], np.eye(3), values)


def test_updating_atom_values_in_place_draws_what_a_new_figure_draws():
    water, ethanol = molecule("H2O"), molecule("CH3CH2OH")
    values = np.linspace(-0.5, 0.3, len(ethanol))
    fig = atom_values_figure(water.get_chemical_symbols(), water.positions, [0.1, -0.2, 0.3], label="a", unit="eV")
    update_atom_values(fig, ethanol.get_chemical_symbols(), ethanol.positions, values, title="ethanol", label="b",
                       unit="eV")
    fresh = atom_values_figure(ethanol.get_chemical_symbols(), ethanol.positions, values, title="ethanol", label="b",
                               unit="eV")
    for key in ("x", "y", "z"):
        bonds_now, bonds_fresh = (np.asarray(f.data[0][key], dtype=float) for f in (fig, fresh))
        np.testing.assert_allclose(bonds_now, bonds_fresh)  # NaN gaps in the same places
        np.testing.assert_allclose(fig.data[1][key], fresh.data[1][key])
    for key in ("color", "size", "cmin", "cmax"):
        np.testing.assert_allclose(fig.data[1].marker[key], fresh.data[1].marker[key])
    assert list(fig.data[1].text) == list(fresh.data[1].text)
    assert list(fig.data[1].hovertext) == list(fresh.data[1].hovertext)
    assert fig.data[1].marker.colorbar.title.text == "b (eV)" and fig.layout.title.text == "ethanol"
    for axis in ("xaxis", "yaxis", "zaxis"):
        np.testing.assert_allclose(fig.layout.scene[axis].range, fresh.layout.scene[axis].range)
    with pytest.raises(ValueError, match="one number per atom"):
        update_atom_values(fig, ["O", "H"], np.eye(2, 3), [1.0])
