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
