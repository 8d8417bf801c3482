"""build_dataset, MoleculeDataset and collate_molecules: shapes, units, energy references, caching, bad input."""
import numpy as np
import pytest
import torch

import airtools.data.molecules as molecules
from airtools.data import MoleculeDataset, build_dataset, collate_molecules


def test_build_dataset_shapes_units_and_references():
    ds = build_dataset(["water", "methane"], 4, progress=False)
    assert len(ds) == 8
    item = ds[0]
    assert item["z"].tolist() == [8, 1, 1] and item["z"].dtype == torch.long
    assert item["pos"].shape == item["forces"].shape == (3, 3) and item["dipole"].shape == (3,)
    # totals are in eV (water RHF/STO-3G ~ -74.96 Hartree); items carry energies minus fitted atom energies
    assert ds.energies[0] == pytest.approx(-74.96 * 27.2114, rel=1e-3)
    assert set(ds.atom_energies) == {1, 6, 8}
    reference = torch.tensor([sum(ds.atom_energies[int(Z)] for Z in ds[i]["z"]) for i in range(len(ds))])
    assert torch.allclose(ds.energy.double() + reference.double(), ds.energies, atol=1e-3)
    assert ds.energy.abs().max() < 1.0  # eV: conformer spread, not -2000 eV totals


def test_build_dataset_is_reproducible_and_cached(monkeypatch):
    a = build_dataset("ammonia", 5, seed=7, progress=False)
    calls = []
    real = molecules._pyscf_labels
    monkeypatch.setattr(molecules, "_pyscf_labels", lambda *args: calls.append(1) or real(*args))
    b = build_dataset("ammonia", 5, seed=7, progress=False)
    assert calls == []  # every label came from the cache
    for i in range(5):
        assert torch.equal(a[i]["pos"], b[i]["pos"]) and torch.equal(a[i]["forces"], b[i]["forces"])
    c = build_dataset("ammonia", 2, seed=8, progress=False)
    assert len(calls) == 2 and not torch.equal(a[0]["pos"], c[0]["pos"])


def test_collate_concatenates_atoms_and_stacks_molecules():
    ds = build_dataset(["water", "methane"], 2, progress=False)
    batch = collate_molecules([ds[0], ds[2], ds[1]])
    assert MoleculeDataset.collate is not None and ds.collate([ds[0]])["z"].tolist() == [8, 1, 1]  # train's default
    assert batch["z"].shape == (11,) and batch["pos"].shape == (11, 3) and batch["forces"].shape == (11, 3)
    assert batch["batch"].tolist() == [0] * 3 + [1] * 5 + [2] * 3
    assert batch["energy"].shape == (3,) and batch["dipole"].shape == (3, 3)
    assert torch.equal(batch["pos"][3:8], ds[2]["pos"])


def test_dataset_refuses_bad_input():
    with pytest.raises(ValueError, match=r"pos\[0\]: contains NaN"):
        MoleculeDataset([[1, 1]], [np.full((2, 3), np.nan)], energy=[0.0], forces=[np.zeros((2, 3))])
    with pytest.raises(ValueError, match=r"pos\[0\], forces\[0\]: expected shape \[2, 3\]"):
        MoleculeDataset([[1, 1]], [np.zeros((3, 3))], energy=[0.0], forces=[np.zeros((3, 3))])
    with pytest.raises(ValueError, match="expected 1 molecules each"):
        MoleculeDataset([[1, 1]], [np.zeros((2, 3))], energy=[0.0, 1.0], forces=[np.zeros((2, 3))])
    with pytest.raises(ValueError, match="unknown molecule"):
        build_dataset("kryptonite", 2, progress=False)


def test_energy_only_data_says_it_has_no_forces_per_molecule():
    rng = np.random.default_rng(0)
    with_forces = MoleculeDataset([[8, 1, 1]], [rng.normal(size=(3, 3))], energy=[1.0], forces=[np.ones((3, 3))])
    energy_only = MoleculeDataset([[6, 1, 1, 1, 1], [1, 1]], [rng.normal(size=(5, 3)), rng.normal(size=(2, 3))],
                                  energy=[2.0, 3.0])
    assert energy_only.has_forces is False and with_forces.has_forces is True
    assert energy_only[0]["forces"].shape == (5, 3) and not energy_only[0]["forces"].any()
    mixed = torch.utils.data.ConcatDataset([with_forces, energy_only])
    batch = collate_molecules([mixed[i] for i in range(3)])
    assert batch["has_forces"].tolist() == [True, False, False] and batch["forces"].shape == (10, 3)
    assert batch["forces"][:3].eq(1).all() and not batch["forces"][3:].any()


def test_collate_carries_extra_keys_per_molecule_and_per_atom():
    ds = MoleculeDataset([[1, 1], [8, 1, 1]], [np.zeros((2, 3)), np.ones((3, 3))], energy=[0.0, 1.0])
    items = [dict(ds[i], gap=torch.tensor(float(i)), charges=torch.full((len(ds[i]["z"]),), float(i)),
                  name=f"m{i}") for i in range(2)]
    batch = collate_molecules(items)
    assert batch["gap"].tolist() == [0.0, 1.0] and batch["charges"].tolist() == [0, 0, 1, 1, 1]
    assert batch["name"] == ["m0", "m1"]


def test_references_are_the_sum_over_each_molecules_atoms():
    rng = np.random.default_rng(1)
    zs = [rng.choice([1, 6, 7, 8, 9], size=rng.integers(1, 12)) for _ in range(40)]
    pos = [rng.normal(size=(len(z), 3)) for z in zs]
    energy = rng.normal(size=40) * 100
    refs = {1: -13.6, 6: -1030.0, 8: -2040.0, 17: -12500.0}  # no N or F entry: they count zero
    ds = MoleculeDataset(zs, pos, energy, atom_energies=refs, dtype=torch.float64)
    expected = [e - sum(refs.get(int(Z), 0.0) for Z in z) for z, e in zip(zs, energy)]
    assert torch.allclose(ds.energy, torch.tensor(expected, dtype=torch.float64), rtol=0, atol=1e-9)
    fitted = MoleculeDataset(zs, pos, energy, dtype=torch.float64)  # least squares: residuals orthogonal
    counts = torch.tensor(np.array([[np.sum(z == Z) for Z in (1, 6, 7, 8, 9)] for z in zs]), dtype=torch.float64)
    assert torch.allclose(counts.T @ fitted.energy, torch.zeros(5, dtype=torch.float64), atol=1e-8)
