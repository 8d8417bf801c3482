"""QM9 from qm9pack's CSVs: the set's size, a molecule checked against the published file, unit identities
that hold across all 130,831 molecules, the cache, the dataset and collate path, the teaching splits, bad
arguments, and a SchNet that learns from a QM9 batch.

The first ``qm9_arrays()`` of a test session converts the CSVs into the session's temporary cache
(tests/data/conftest.py); every later call loads that file.
"""
import numpy as np
import pytest
import torch
from ase import units

import airtools.data.qm9 as qm9
from airtools.cache import load_arrays
from airtools.data import (
    QM9_PROPERTIES,
    MoleculeDataset,
    collate_molecules,
    load_qm9,
    qm9_arrays,
    qm9_split,
)
from airtools.models import SchNet

HARTREE = units.Hartree
# dsgdb9nsd_000001.xyz, the first record of QM9 (Ramakrishnan et al. 2014, figshare archive): methane.
# Its line 2 is "gdb 1  A B C mu alpha homo lumo gap r2 zpve U0 U H G Cv" in GHz, D, bohr^3, Ha, bohr^2, cal/mol/K
METHANE = dict(A=157.7118, B=157.70997, C=157.70699, mu=0.0, alpha=13.21, homo=-0.3877 * HARTREE,
               lumo=0.1171 * HARTREE, gap=0.5048 * HARTREE, r2=35.3641, zpve=0.044749 * HARTREE,
               U0=-40.47893 * HARTREE, U=-40.476062 * HARTREE, H=-40.475117 * HARTREE,
               G=-40.498597 * HARTREE, Cv=6.469)


@pytest.fixture(scope="module")
def arrays():
    return qm9_arrays()  # converted once per test run, into the run's cache (tests/conftest.py)


@pytest.fixture(scope="module")
def sample():
    """1,000 molecules (seed 0) with a few properties, shared by the split tests."""
    return load_qm9(1000, properties=("U0", "gap", "charges"))


def _molecule_of_atom(a):
    return np.repeat(np.arange(len(a["n_atoms"])), a["n_atoms"])


def test_the_package_ships_130831_molecules_of_c_h_n_o_f_with_at_most_nine_heavy_atoms(arrays):
    n_atoms = arrays["n_atoms"]
    assert len(n_atoms) == 130_831  # the 133,885 of QM9 less the 3,054 that failed its consistency check
    index = arrays["index"]
    assert index[0] == 1 and index[-1] == 133_885 and (np.diff(index) > 0).all()
    assert len(arrays["z"]) == len(arrays["pos"]) == len(arrays["charges"]) == n_atoms.sum()
    assert set(np.unique(arrays["z"]).tolist()) == {1, 6, 7, 8, 9}
    heavy = np.bincount(_molecule_of_atom(arrays), weights=arrays["z"] > 1)
    assert heavy.min() >= 1 and heavy.max() == 9
    assert n_atoms.max() == 29  # QM9's largest molecules, e.g. C9H20
    for name in QM9_PROPERTIES:
        assert name in arrays and np.isfinite(arrays[name]).all()


def test_methane_is_the_first_molecule_with_its_published_values(arrays):
    z, pos = arrays["z"][:5], arrays["pos"][:5]
    assert z.tolist() == [6, 1, 1, 1, 1]
    ch = np.linalg.norm(pos[1:] - pos[0], axis=1)
    assert np.allclose(ch, 1.0919, atol=1e-3)  # B3LYP C-H bond, equal for all four (Td symmetry)
    u = (pos[1:] - pos[0]) / ch[:, None]
    angles = np.degrees(np.arccos((u @ u.T)[np.triu_indices(4, 1)]))
    assert np.allclose(angles, np.degrees(np.arccos(-1 / 3)), atol=0.05)  # tetrahedral, 109.47 degrees
    for name, value in METHANE.items():
        assert arrays[name][0] == pytest.approx(value, abs=1e-9), name
    assert arrays["U0"][0] == pytest.approx(-1101.488, abs=1e-3)  # eV
    assert bytes(arrays["smiles"][:2]).decode() == "C\n"


def test_units_identities_hold_for_every_molecule(arrays):
    # the CSV rounds orbital energies to 1e-4 Ha and thermochemistry to 1e-6 Ha: the bounds below are
    # those roundings, in eV; a wrong factor (Ha left in, or kcal/mol) breaks them by orders of magnitude
    assert np.abs(arrays["gap"] - (arrays["lumo"] - arrays["homo"])).max() <= 1.5e-4 * HARTREE
    kT = units.kB * 298.15  # H = U + pV = U + kT for an ideal gas at 298.15 K
    assert np.abs(arrays["H"] - arrays["U"] - kT).max() <= 1e-6 * HARTREE + 1e-9
    assert (arrays["U0"] < arrays["U"]).all() and (arrays["G"] < arrays["H"]).all()
    # U0 holds the zero-point energy; U(298 K) adds translation 3/2 kT, rotation kT (linear) or 3/2 kT, and
    # thermal vibration >= 0: U - U0 >= 5/2 kT (HCN, linear, is the lowest at 2.67 kT)
    assert (arrays["zpve"] > 0).all() and (arrays["U"] - arrays["U0"] >= 2.5 * kT - 1e-6 * HARTREE).all()
    # neutral molecules: Mulliken charges sum to zero, up to their 1e-6 e rounding per atom
    total = np.bincount(_molecule_of_atom(arrays), weights=arrays["charges"])
    assert (np.abs(total) <= 5e-7 * arrays["n_atoms"] + 1e-12).all()


def test_smiles_agree_with_the_geometry(arrays):
    from rdkit import Chem

    smiles = bytes(arrays["smiles"]).decode().split("\n")
    start = np.concatenate([[0], np.cumsum(arrays["n_atoms"])])
    for i in np.random.default_rng(0).choice(len(smiles), 200, replace=False):
        mol = Chem.AddHs(Chem.MolFromSmiles(smiles[i]))
        from_smiles = sorted(atom.GetAtomicNum() for atom in mol.GetAtoms())
        assert from_smiles == sorted(arrays["z"][start[i]:start[i + 1]].tolist()), smiles[i]


def test_the_cache_is_reused_and_a_corrupt_file_is_rebuilt(monkeypatch, tmp_path):
    monkeypatch.setenv("AIRTOOLS_CACHE", str(tmp_path))
    calls = []
    fake = {"z": np.array([6, 1], dtype=np.uint8), "n_atoms": np.array([2])}
    monkeypatch.setattr(qm9, "parse_qm9_csv", lambda files: calls.append(files) or fake)
    assert qm9_arrays()["z"].tolist() == [6, 1] and len(calls) == 1
    (path,) = (tmp_path / "qm9").glob("*.npz")
    assert qm9_arrays()["n_atoms"].tolist() == [2] and len(calls) == 1  # a hit: nothing parsed
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    with pytest.warns(UserWarning, match="corrupt"):
        assert qm9_arrays()["z"].tolist() == [6, 1]
    assert len(calls) == 2 and load_arrays(path) is not None  # valid again
    monkeypatch.setattr(qm9, "QM9_VERSION", qm9.QM9_VERSION + 1)  # a new conversion is a new file
    qm9_arrays()
    assert len(calls) == 3 and len(list((tmp_path / "qm9").glob("*.npz"))) == 2


def test_load_qm9_gives_molecule_items_in_ev_with_fitted_references(arrays):
    ds = load_qm9(50, properties=("U0", "gap", "charges"), seed=3, dtype=torch.float64)
    rows = np.searchsorted(arrays["index"], ds.qm9_index)  # QM9 id -> row of the shipped set
    assert (arrays["index"][rows] == ds.qm9_index).all()
    assert torch.allclose(ds.energies, torch.from_numpy(arrays["U0"][rows]))
    assert set(ds.atom_energies) <= {1, 6, 7, 8, 9}
    reference = torch.tensor([sum(ds.atom_energies[int(Z)] for Z in ds[i]["z"]) for i in range(len(ds))])
    assert torch.allclose(ds.energy + reference, ds.energies, atol=1e-9)
    assert ds.energy.std() < 0.01 * ds.energies.std()  # U0 is nearly additive in the atoms
    start = np.concatenate([[0], np.cumsum(arrays["n_atoms"])])
    item = ds[7]
    r = rows[7]
    assert torch.equal(item["z"], torch.from_numpy(arrays["z"][start[r]:start[r + 1]]).long())
    assert torch.equal(item["pos"], torch.from_numpy(arrays["pos"][start[r]:start[r + 1]]))
    assert item["gap"] == arrays["gap"][r] and item["U0"] == arrays["U0"][r]
    assert torch.equal(item["charges"], torch.from_numpy(arrays["charges"][start[r]:start[r + 1]]))
    assert not item["has_forces"] and not ds.has_forces and not item["forces"].any()
    assert ds.smiles[7] == bytes(arrays["smiles"]).decode().split("\n")[r]

    batch = collate_molecules([ds[i] for i in range(4)])
    n = sum(len(ds[i]["z"]) for i in range(4))
    assert batch["pos"].shape == (n, 3) and batch["charges"].shape == (n,) and batch["gap"].shape == (4,)
    assert batch["has_forces"].tolist() == [False] * 4 and batch["energy"].shape == (4,)


def test_subsets_are_seeded_and_nested():
    small, large = load_qm9(20, seed=5), load_qm9(60, seed=5)
    assert (large.qm9_index[:20] == small.qm9_index).all()
    assert not (load_qm9(20, seed=6).qm9_index == small.qm9_index).all()
    assert len(np.unique(large.qm9_index)) == 60


def test_max_heavy_keeps_the_small_molecules_in_qm9_order_or_a_seeded_subset_of_them(arrays):
    starts = np.cumsum(arrays["n_atoms"]) - arrays["n_atoms"]
    heavy = np.add.reduceat((arrays["z"] > 1).astype(int), starts)
    small = load_qm9(max_heavy=4, atom_energies=None)
    assert len(small) == int((heavy <= 4).sum()) == 48 and int(small.n_heavy.max()) == 4
    assert np.array_equal(small.qm9_index, arrays["index"][heavy <= 4])  # QM9 order
    some = load_qm9(10, max_heavy=4, seed=2, atom_energies=None)
    assert set(some.qm9_index) <= set(small.qm9_index) and len(set(some.qm9_index)) == 10
    with pytest.raises(ValueError, match="with at most 4 heavy atoms"):
        load_qm9(49, max_heavy=4)
    with pytest.raises(ValueError, match="max_heavy: expected a number of heavy atoms >= 1"):
        load_qm9(max_heavy=0)


def test_bad_arguments_say_what_exists():
    with pytest.raises(ValueError, match=r"130,831 molecules"):
        load_qm9(130_832)
    with pytest.raises(ValueError, match=r"expected 1\.\.130831"):
        load_qm9(0)
    with pytest.raises(ValueError, match=r"unknown \['homo_lumo'\]; QM9 has A, B, C, mu, alpha, homo, lumo, "
                                         r"gap, r2, zpve, U0, U, H, G, Cv, charges"):
        load_qm9(5, properties=("U0", "homo_lumo"))
    with pytest.raises(ValueError, match="per-molecule target"):
        load_qm9(5, properties="charges")
    ds = load_qm9(40)
    with pytest.raises(ValueError, match="random, size, composition, scaffold"):
        qm9_split(ds, "temporal")
    with pytest.raises(ValueError, match="H, C, N, O, F"):
        qm9_split(ds, "composition", element="Cl")
    with pytest.raises(ValueError, match=r"leaves the test side empty.*heavy-atom counts"):
        qm9_split(ds, "size", max_train_heavy=9)
    with pytest.raises(ValueError, match="expected a QM9Dataset"):
        qm9_split(MoleculeDataset([[1, 1]], [np.eye(2, 3)], energy=[0.0]), "random")
    with pytest.raises(ValueError, match="test_fraction"):
        qm9_split(ds, "random", test_fraction=1.0)


def _check_partition(train, test, n):
    assert len(np.intersect1d(train, test)) == 0
    assert np.array_equal(np.sort(np.concatenate([train, test])), np.arange(n))


def test_random_split_is_seeded_and_sized(sample):
    train, test = qm9_split(sample, "random", test_fraction=0.25, seed=1)
    _check_partition(train, test, len(sample))
    assert len(test) == 250
    again, other = qm9_split(sample, "random", test_fraction=0.25, seed=1), qm9_split(sample, "random", seed=2)
    assert np.array_equal(again[1], test) and not np.array_equal(np.sort(other[1]), np.sort(test))


def test_size_split_separates_heavy_atom_counts(sample):
    train, test = qm9_split(sample, "size")
    _check_partition(train, test, len(sample))
    assert set(sample.n_heavy[test].tolist()) == {9} and sample.n_heavy[train].max() == 8
    train, test = qm9_split(sample, "size", max_train_heavy=6)
    assert sample.n_heavy[train].max() <= 6 < sample.n_heavy[test].min()


def test_composition_split_keeps_fluorine_out_of_training(sample):
    train, test = qm9_split(sample, "composition")
    _check_partition(train, test, len(sample))
    assert (sample.element_counts[train, 9] == 0).all() and (sample.element_counts[test, 9] > 0).all()
    assert all("F" not in sample.smiles[i] for i in train) and all("F" in sample.smiles[i] for i in test)
    train, test = qm9_split(sample, "composition", element=7)
    assert (sample.element_counts[train, 7] == 0).all() and (sample.element_counts[test, 7] > 0).all()


def test_scaffold_split_keeps_each_scaffold_on_one_side(sample):
    from rdkit.Chem.Scaffolds import MurckoScaffold

    train, test = qm9_split(sample, "scaffold", test_fraction=0.2, seed=0)
    _check_partition(train, test, len(sample))
    scaffold = [MurckoScaffold.MurckoScaffoldSmiles(s) for s in sample.smiles]
    assert not {scaffold[i] for i in train} & {scaffold[i] for i in test}
    assert "" not in {scaffold[i] for i in test}  # the acyclic molecules, one large group, train
    assert 180 <= len(test) <= 200  # whole groups fill up to the 200 asked for (greedy, may fall short)
    assert not np.array_equal(np.sort(qm9_split(sample, "scaffold", seed=1)[1]), np.sort(test))


def test_split_of_a_subset_gives_positions_in_the_subset(sample):
    subset = torch.utils.data.Subset(sample, list(range(100, 400)))
    train, test = qm9_split(subset, "composition")
    _check_partition(train, test, 300)
    assert all(subset[i]["z"].eq(9).any() for i in test) and not any(subset[i]["z"].eq(9).any() for i in train)


def test_schnet_learns_u0_from_a_qm9_batch():
    torch.manual_seed(0)
    torch.set_num_threads(1)
    ds = load_qm9(32, seed=11)
    batch = collate_molecules([ds[i] for i in range(len(ds))])
    model = SchNet(hidden=32, n_interactions=2)
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    losses = []
    for _ in range(100):
        optimizer.zero_grad()
        loss = torch.mean((model(batch["z"], batch["pos"], batch["batch"]) - batch["energy"]) ** 2)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    # the best constant prediction leaves the variance; the model does better: it reads the geometry
    assert losses[-1] < 0.5 * batch["energy"].var().item() and losses[-1] < 0.3 * losses[0], losses[::10]
