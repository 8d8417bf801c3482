"""Protein chains: parsing (good and bad input), torsions, frames, contact maps, residue graphs, DSSP rules."""
import gemmi
import numpy as np
import pytest
import torch

from airtools.data._dssp_rules import amide_hydrogens, dssp_rules, hbond_energy
from airtools.data.proteins import (EDGE_FEATURES, MAX_RESIDUES, N_EDGE_FEATURES, SS_CLASSES, backbone_frames,
                                    ca_distances, contact_map, dihedral, dssp_chains, dssp_labels, dssp_split,
                                    load_chain, residue_graph, secondary_structure_dataset, torsions)
from airtools.so3 import random_rotation


def _rigid_motion(seed):
    g = torch.Generator().manual_seed(seed)
    Q = random_rotation(dtype=torch.float64, generator=g).numpy()
    s = 10 * torch.randn(3, dtype=torch.float64, generator=g).numpy()
    return Q, s


def _move(backbone, Q, s):
    return backbone @ Q.T + s


@pytest.fixture(scope="module")
def chains():
    return {name: load_chain(name) for name in dssp_chains()}


# --- the shipped data ------------------------------------------------------------------------------------------

def test_dssp_set_has_one_label_per_residue(chains):
    assert len(chains) == 50
    for name, chain in chains.items():
        labels = dssp_labels(name)
        assert len(labels) == len(chain.backbone) == len(chain.sequence), name
        assert set(labels) <= set(SS_CLASSES)
        assert chain.dropped == []


def test_split_is_fixed_disjoint_and_covers_every_chain():
    train, test = dssp_split()
    assert (len(train), len(test)) == (38, 12)
    assert not set(train) & set(test) and set(train) | set(test) == set(dssp_chains())
    assert dssp_split() == (train, test) and dssp_split(seed=1) != (train, test)
    assert [s["name"] for s in secondary_structure_dataset("test")] == test


def test_helix_strand_and_peptide_torsions_match_textbook_values(chains):
    phi, psi, omega, labels = [], [], [], []
    for name, chain in chains.items():
        for a, b in zip((phi, psi, omega), torsions(chain.backbone)):
            a.append(b)
        labels.append(np.array(list(dssp_labels(name))))
    phi, psi, omega, labels = (np.concatenate(x) for x in (phi, psi, omega, labels))
    helix, strand = labels == "H", labels == "E"
    assert abs(np.nanmedian(phi[helix]) + 63) < 10 and abs(np.nanmedian(psi[helix]) + 42) < 10
    assert abs(np.nanmedian(phi[strand]) + 120) < 25 and abs(np.nanmedian(psi[strand]) - 130) < 25
    ok = ~np.isnan(omega)
    assert np.mean(np.abs(omega[ok]) > 150) > 0.95  # trans peptides; the rest are cis (mostly before Pro)


# --- geometry --------------------------------------------------------------------------------------------------

def test_dihedral_agrees_with_gemmi_and_flips_under_a_mirror():
    rng = np.random.default_rng(0)
    p = rng.normal(size=(200, 4, 3))
    ours = dihedral(p[:, 0], p[:, 1], p[:, 2], p[:, 3])
    ref = [np.degrees(gemmi.calculate_dihedral(*(gemmi.Position(*x) for x in q))) for q in p]
    np.testing.assert_allclose(ours, ref, atol=1e-9)
    mirrored = dihedral(*(p[:, k] * [-1, 1, 1] for k in range(4)))
    np.testing.assert_allclose(mirrored, -ours, atol=1e-9)


def test_torsions_are_nan_at_ends_and_across_breaks():
    X = load_chain("1ahsA").backbone.copy()
    X[60:] += [0.0, 0.0, 5.0]  # pull the chain apart between residues 59 and 60
    phi, psi, omega = torsions(X)
    assert np.isnan(phi[0]) and np.isnan(psi[-1]) and np.isnan(omega[-1])
    assert np.isnan(phi[60]) and np.isnan(psi[59]) and np.isnan(omega[59])
    assert np.isfinite(phi[1:60]).all() and np.isfinite(phi[61:]).all()


@pytest.mark.parametrize("seed", [0, 1])
def test_invariant_features_do_not_change_under_rotation_and_translation(seed):
    X = load_chain("1bvyF").backbone
    Q, s = _rigid_motion(seed)
    Y = _move(X, Q, s)
    for a, b in zip(torsions(X), torsions(Y)):
        np.testing.assert_allclose(a, b, atol=1e-6)
    np.testing.assert_allclose(ca_distances(X), ca_distances(Y), atol=1e-6)
    (ei, ea), (ei2, ea2) = residue_graph(X, k=10), residue_graph(Y, k=10)
    assert torch.equal(ei, ei2) and ea.shape[1] == N_EDGE_FEATURES
    np.testing.assert_allclose(ea.numpy(), ea2.numpy(), atol=1e-6)
    (R, _), (R2, _) = backbone_frames(X), backbone_frames(Y)
    rel, rel2 = np.einsum("iab,jac->ijbc", R[:20], R[:20]), np.einsum("iab,jac->ijbc", R2[:20], R2[:20])
    np.testing.assert_allclose(rel, rel2, atol=1e-6)


def test_frames_are_rotations_that_turn_with_the_protein():
    X = load_chain("1ahsA").backbone
    Q, s = _rigid_motion(3)
    R, t = backbone_frames(X)
    R2, t2 = backbone_frames(_move(X, Q, s))
    np.testing.assert_allclose(R @ R.transpose(0, 2, 1), np.broadcast_to(np.eye(3), R.shape), atol=1e-12)
    np.testing.assert_allclose(np.linalg.det(R), 1.0, atol=1e-12)
    np.testing.assert_allclose(R2, Q @ R, atol=1e-9)
    np.testing.assert_allclose(t2, t @ Q.T + s, atol=1e-9)
    # the first axis points from CA to C, the N atom lies in the (e1, e2) half-plane with e2 > 0
    local_n = np.einsum("nab,na->nb", R, X[:, 0] - X[:, 1])
    assert np.all(np.abs(local_n[:, 2]) < 1e-9) and np.all(local_n[:, 1] > 0)


def test_contact_map_is_symmetric_with_true_diagonal_and_grows_with_cutoff():
    X = load_chain("adk_open").backbone
    C8, C12 = contact_map(X, 8.0), contact_map(X, 12.0)
    assert (C8 == C8.T).all() and C8.diagonal().all()
    assert (C8 <= C12).all() and C12.sum() > C8.sum()
    D = ca_distances(X)
    step = np.diag(D, 1)  # consecutive CA atoms: 3.8 Å across a trans peptide, ~2.9 Å across a cis one
    assert abs(np.median(step) - 3.8) < 0.05 and np.all((step > 2.7) & (step < 4.0))


def test_residue_graph_links_each_residue_to_its_k_nearest_by_ca_distance():
    X = load_chain("1ahsA").backbone
    k = 8
    edge_index, edge_attr = residue_graph(X, k=k)
    j, i = edge_index.numpy()
    assert np.all(np.bincount(i, minlength=len(X)) == k) and np.all(i != j)
    D = ca_distances(X) + np.diag(np.full(len(X), np.inf))
    expected = np.sort(np.argsort(D, axis=1)[:, :k], axis=1)
    got = np.sort(j.reshape(len(X), k), axis=1)  # edges are sorted by target
    assert (got == expected).all()
    offset = j - i
    seq = edge_attr[:, EDGE_FEATURES["sequence_offset"]].numpy()
    assert np.all(seq.sum(1) == 1) and np.all(seq[offset == 1, 4] == 1)
    within = residue_graph(X, k=k, r_cut=6.0)[0]
    assert within.shape[1] < edge_index.shape[1]
    assert np.all(np.linalg.norm(X[within[0], 1] - X[within[1], 1], axis=1) < 6.0)


def test_adenylate_kinase_open_and_closed_differ_in_contacts_not_in_torsions():
    open_, closed = load_chain("adk_open"), load_chain("adk_closed")
    assert open_.sequence == closed.sequence and len(open_.sequence) == 214
    d = [np.abs((a - b + 180) % 360 - 180) for a, b in zip(torsions(open_.backbone), torsions(closed.backbone))]
    assert np.nanmean(d[0] < 30) > 0.8 and np.nanmean(d[1] < 30) > 0.8  # backbone conformation mostly kept
    resid = open_.resids
    lid, nmp = (resid >= 122) & (resid <= 159), (resid >= 30) & (resid <= 59)
    core = ~lid & ~nmp
    counts = {}
    for name, chain in (("open", open_), ("closed", closed)):
        C = contact_map(chain.backbone)
        counts[name] = (int(C[lid][:, nmp].sum()), int(C[lid][:, core].sum()) + int(C[nmp][:, core].sum()))
    assert counts["open"][0] == 0 < counts["closed"][0]  # LID and NMP touch only when the enzyme is closed
    assert counts["closed"][1] > counts["open"][1]


# --- loading and bad input -------------------------------------------------------------------------------------

def test_load_from_text_bytes_and_path_give_the_same_chain(tmp_path):
    chain = load_chain("1ahsA")
    again = load_chain(chain.pdb_text)
    np.testing.assert_allclose(again.backbone, chain.backbone, atol=1e-3)  # PDB keeps 3 decimals
    assert again.sequence == chain.sequence
    assert load_chain(chain.pdb_text.encode()).sequence == chain.sequence
    path = tmp_path / "x.pdb"
    path.write_text(chain.pdb_text)
    assert load_chain(path).sequence == chain.sequence == load_chain(str(path)).sequence


def test_chain_choice_skips_ligands_and_waters():
    a, b = load_chain("1hvr"), load_chain("1hvr", chain="B")
    assert (a.name, b.name) == ("A", "B") and len(a.sequence) == len(b.sequence) == 99
    assert a.sequence == b.sequence  # the HIV protease is a homodimer
    assert "HETATM" not in b.pdb_text or "HOH" not in b.pdb_text


def test_missing_backbone_atom_drops_the_residue_with_a_warning():
    lines = load_chain("1ahsA").pdb_text.splitlines()
    ca = [k for k, line in enumerate(lines) if line.startswith("ATOM") and line[12:16] == " CA "]
    del lines[ca[10]]
    with pytest.warns(UserWarning, match="dropped 1 residue"):
        chain = load_chain("\n".join(lines))
    assert len(chain.backbone) == 125 and len(chain.dropped) == 1


@pytest.mark.parametrize("text, message", [
    ("", "empty"),
    ("   \n\n", "empty"),
    ("hello world\nthis is not a protein\n", "no ATOM or HETATM records"),
    ("HETATM    1  O   HOH A   1      10.000  10.000  10.000  1.00  0.00           O\n", "no protein residues"),
    ("ATOM      1  N   GLY A   1      10.000\nATOM      2  CA  GLY A   1\n", "cannot parse"),
    ("ATOM      1  N   GLY A   1      10.000  10.000  10.000  1.00  0.00           N\n", "no protein residues"),
])
def test_bad_pdb_text_raises_a_clear_error(text, message):
    with pytest.raises(ValueError, match=message) as info:
        load_chain(text)
    assert "PDB" in str(info.value)


def test_unknown_names_chains_and_oversized_inputs_are_refused():
    with pytest.raises(ValueError, match="neither a shipped structure"):
        load_chain("no_such_protein")
    with pytest.raises(ValueError, match=r"chain: 'Z' is not in '1hvr.pdb'; its chains are \['A', 'B'"):
        load_chain("1hvr", chain="Z")
    with pytest.raises(ValueError, match="no DSSP reference"):
        dssp_labels("adk_open")
    atoms = []
    for k in range(MAX_RESIDUES + 1):
        for name in ("N", "CA", "C", "O"):
            atoms.append(f"ATOM  {len(atoms) + 1:5d}  {name:<3s} GLY A{k % 9999 + 1:4d}    "
                         f"{k * 0.1:8.3f}{0:8.3f}{0:8.3f}  1.00  0.00           {name[0]}")
    with pytest.raises(ValueError, match=f"more than {MAX_RESIDUES}"):
        load_chain("\n".join(atoms))


# --- DSSP's own rules ------------------------------------------------------------------------------------------

def test_dssp_rules_agree_with_the_shipped_reference(chains):
    agree, total = 0, 0
    for name, chain in chains.items():
        ours, ref = dssp_rules(chain.backbone, chain.sequence), dssp_labels(name)
        same = sum(a == b for a, b in zip(ours, ref))
        assert same / len(ref) > 0.8, name
        agree, total = agree + same, total + len(ref)
    assert agree / total > 0.95


def test_hbond_energy_and_hydrogens_are_geometric_invariants():
    chain = load_chain("1ahsA")
    X = chain.backbone
    H = amide_hydrogens(X, chain.sequence)
    ok = ~np.isnan(H[:, 0])
    np.testing.assert_allclose(np.linalg.norm(H[ok] - X[ok, 0], axis=1), 1.01)
    assert np.isnan(H[[k for k, c in enumerate(chain.sequence) if c == "P"]]).all()
    Q, s = _rigid_motion(5)
    E = hbond_energy(X, chain.sequence)
    np.testing.assert_allclose(hbond_energy(_move(X, Q, s), chain.sequence), E, atol=1e-6)
    assert E.min() < -2.0 and (E < -0.5).sum() > 0.5 * len(X)  # most residues make a backbone H-bond
