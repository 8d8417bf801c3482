"""Crystals data: space groups, primitive cells, EMT labels and their stress convention, strained cells,
alloys, the cached dataset and its collate, and equations of state (EMT and any energy function)."""
import numpy as np
import pytest
import torch
from ase.calculators.fd import calculate_numerical_stress
from ase.eos import EquationOfState

from airtools.data.crystals import (ELEMENTS, STRUCTURES, CrystalDataset, build_crystal_dataset, bulk_crystal,
                                    collate_crystals, emt_labels, equation_of_state, primitive_cell, random_alloy,
                                    spacegroup, strained)
from airtools.models import MLCalculator, SchNet, model_energies


pytestmark = pytest.mark.usefixtures("one_torch_thread")  # tiny graphs: one torch thread is much faster


@pytest.mark.parametrize("structure, expected", [
    ("fcc", ("Fm-3m", 225)), ("bcc", ("Im-3m", 229)), ("sc", ("Pm-3m", 221)), ("hcp", ("P6_3/mmc", 194))])
def test_space_groups_of_ideal_structures(structure, expected):
    for element in ("Cu", "Al"):
        assert spacegroup(bulk_crystal(element, structure)) == expected
        assert spacegroup(bulk_crystal(element, structure, repeat=(2, 1, 1))) == expected  # supercell: same group


def test_rattled_crystal_is_p1_until_the_tolerance_forgives_it():
    atoms = bulk_crystal("Cu", cubic=True, repeat=(2, 2, 2))
    atoms.positions += 0.02 * np.random.default_rng(0).standard_normal(atoms.positions.shape)
    assert spacegroup(atoms, symprec=1e-3) == ("P1", 1)
    assert spacegroup(atoms, symprec=0.2) == ("Fm-3m", 225)


def test_primitive_cell_keeps_volume_per_atom_and_group():
    for structure in STRUCTURES:
        big = bulk_crystal("Ni", structure, repeat=(2, 2, 1))
        prim = primitive_cell(big)
        assert len(prim) == len(bulk_crystal("Ni", structure))
        assert prim.get_volume() / len(prim) == pytest.approx(big.get_volume() / len(big), rel=1e-10)
        assert spacegroup(prim) == spacegroup(big)


def test_emt_stress_is_the_strain_derivative_of_the_energy():
    r"""EMT's stress equals (1/V) dE/dε by central differences through ``strained`` (ASE's sign convention)."""
    rng = np.random.default_rng(1)
    atoms = strained(bulk_crystal("Cu", "hcp"), 0.01 * rng.standard_normal((3, 3)))
    atoms.positions += 0.03 * rng.standard_normal(atoms.positions.shape)
    h, stress = 1e-5, emt_labels(atoms)["stress"]
    for k, l in [(0, 0), (1, 2), (2, 2), (0, 1)]:
        eps = np.zeros((3, 3))
        eps[k, l] = eps[l, k] = h if k == l else h / 2
        diff = float(emt_labels(strained(atoms, eps))["energy"] - emt_labels(strained(atoms, -eps))["energy"])
        assert diff / (2 * h) / atoms.get_volume() == pytest.approx(stress[k, l], abs=1e-7)


def test_model_stress_follows_ase_convention():
    """MLCalculator's autograd stress equals ASE's own numerical stress of the same model (float64)."""
    torch.manual_seed(0)
    calc = MLCalculator(SchNet(hidden=8, n_filters=8, n_interactions=2, r_cut=4.0).double())
    atoms = strained(bulk_crystal("Al", cubic=True), np.diag([0.02, -0.01, 0.0]) + 0.01)
    atoms.positions += 0.05 * np.random.default_rng(2).standard_normal(atoms.positions.shape)
    atoms.calc = calc
    stress = atoms.get_stress()
    probe = atoms.copy()
    probe.calc = calc
    numeric = calculate_numerical_stress(probe, eps=1e-5, force_consistent=False)
    np.testing.assert_allclose(stress, numeric, atol=1e-8, rtol=1e-5)


def test_strained_and_alloy():
    base = bulk_crystal("Pt")
    assert strained(base, 0.03).get_volume() == pytest.approx(base.get_volume() * 1.03**3)
    shear = np.array([[0, 0.02, 0], [0.02, 0, 0], [0, 0, 0]])
    assert strained(base, shear).get_volume() == pytest.approx(base.get_volume() * (1 - 0.02**2))
    alloy = random_alloy(("Cu", "Au"), 0.5, repeat=(2, 2, 2), seed=3)
    n_au = alloy.get_chemical_symbols().count("Au")
    a_cu, a_au = bulk_crystal("Cu").cell.cellpar()[0], bulk_crystal("Au").cell.cellpar()[0]
    expected = a_cu + n_au / 8 * (a_au - a_cu)  # Vegard's law
    assert len(alloy) == 8 and alloy.cell.cellpar()[0] / 2 == pytest.approx(expected)  # 2x2x2 primitive cells


def test_dataset_is_cached_and_labels_are_real():
    ds = build_crystal_dataset(24, seed=5)
    again = build_crystal_dataset(24, seed=5)  # a cache hit: identical arrays
    assert torch.equal(ds.pos, again.pos) and torch.equal(ds.energy, again.energy)
    assert 1 <= int(ds.n_atoms.min()) and int(ds.n_atoms.max()) <= 8
    assert set(ds.z.tolist()) <= {29, 79, 28} | {int(z) for z in bulk_crystal("Al").numbers} | {46, 47, 78}
    for i in range(len(ds)):
        item = ds[i]
        assert item["forces"].sum(0).abs().max() < 1e-5, "EMT forces of a periodic cell sum to zero"
        torch.testing.assert_close(item["stress"], item["stress"].T)
    from ase import Atoms

    item = ds[3]
    atoms = Atoms(numbers=item["z"].numpy(), positions=item["pos"].double().numpy(),
                  cell=item["cell"].double().numpy(), pbc=True)
    labels = emt_labels(atoms)
    assert float(labels["energy"]) == pytest.approx(float(item["energy"]), abs=1e-5)
    np.testing.assert_allclose(labels["forces"], item["forces"].numpy(), atol=1e-5)


def test_collate_crystals_batches_items():
    ds = CrystalDataset.from_atoms([bulk_crystal("Cu", cubic=True), bulk_crystal("Au", "hcp")])
    b = collate_crystals([ds[0], ds[1]])
    assert b["batch"].tolist() == [0] * 4 + [1] * 2 and b["n_atoms"].tolist() == [4, 2]
    assert b["cell"].shape == (2, 3, 3) and b["pbc"].shape == (2, 3) and b["stress"].shape == (2, 3, 3)
    assert b["forces"].shape == b["pos"].shape == (6, 3) and b["energy"].shape == (2,)


@pytest.mark.parametrize("element", ["Cu", "Al", "Au"])
def test_emt_equation_of_state_has_a_minimum_near_the_reference(element):
    v, e = equation_of_state(element, "fcc", np.linspace(-0.04, 0.04, 9))
    v0, _, _ = EquationOfState(v, e).fit()
    a_fit, a_ref = (4 * v0) ** (1 / 3), bulk_crystal(element).cell.cellpar()[0] * np.sqrt(2)
    assert abs(a_fit / a_ref - 1) < 0.02, f"{element}: EMT a = {a_fit:.3f} Å vs ASE's {a_ref:.3f} Å"


def test_model_equation_of_state_equals_single_cells():
    """``energy_fn=model_energies`` of a model: one batched call gives each strained cell's own energy per atom."""
    torch.manual_seed(0)
    model = SchNet(hidden=8, n_filters=8, n_interactions=1, r_cut=4.0).double()
    strains = [-0.02, 0.0, 0.03]
    v, e = equation_of_state("Ag", "bcc", strains, energy_fn=lambda cells: model_energies(model, cells))
    for s, e_s in zip(strains, e):
        item = CrystalDataset.from_atoms([strained(bulk_crystal("Ag", "bcc"), s)], dtype=torch.float64)[0]
        with torch.no_grad():
            assert float(model(item["z"], item["pos"], cell=item["cell"])) == pytest.approx(e_s, abs=1e-12)


@pytest.mark.parametrize("call, match", [
    (lambda: bulk_crystal("Fe"), "element: EMT knows"),
    (lambda: bulk_crystal("Cu", "diamond"), "structure: expected one of"),
    (lambda: emt_labels(bulk_crystal("Cu").copy().__class__("Cu", cell=np.eye(3) * 3, pbc=False)),
     "atoms: expected a bulk crystal periodic"),
])
def test_bad_input_raises_value_error(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_every_element_and_structure_builds_and_labels():
    for element in ELEMENTS:
        for structure in STRUCTURES:
            energy = float(emt_labels(bulk_crystal(element, structure))["energy"])
            assert -1.0 < energy / len(bulk_crystal(element, structure)) < 2.0
