"""Inverse-folding data: held-out chains stay out of training, labels follow AMINO_ACIDS with non-standard residues
masked, the residue type is never an input, and the extra geometry (virtual Cβ, burial, atom pairs) is invariant."""
import numpy as np
import pytest
import torch

from airtools.data import (AMINO_ACIDS, IGNORE_INDEX, N_DESIGN_EDGE_FEATURES, THREE_LETTER, amino_acid_labels,
                           atom_pair_rbf, burial_counts, design_features, dssp_split, inverse_folding_dataset,
                           load_chain, virtual_cb)
from airtools.so3 import random_rotation


@pytest.fixture(scope="module")
def backbone():
    return load_chain("1ahsA").backbone[:50]  # [50, 4, 3] float64


def test_no_held_out_chain_or_backbone_is_in_training():
    train, test = inverse_folding_dataset("train"), inverse_folding_dataset("test")
    assert [s["name"] for s in test] == dssp_split()[1] and len(train) == 38 and len(test) == 12
    assert not {s["name"] for s in train} & {s["name"] for s in test}
    seen = {s["backbone"].numpy().tobytes() for s in train}  # the same coordinates under another name count too
    assert not any(s["backbone"].numpy().tobytes() in seen for s in test)
    assert {s["name"] for s in inverse_folding_dataset("train", seed=1)} != {s["name"] for s in train}


def test_labels_are_the_native_sequence_and_the_residue_type_is_not_an_input():
    sample = inverse_folding_dataset("test")[0]
    native = load_chain(sample["name"]).sequence
    assert "".join(AMINO_ACIDS[int(a)] for a in sample["y"]) == sample["sequence"] == native
    assert "residue_type" not in sample and sample["torsions_burial"].shape == (len(sample["y"]), 13)
    assert sample["edge_attr"].shape[1] == N_DESIGN_EDGE_FEATURES and sample["y"].dtype == torch.long
    assert [THREE_LETTER[AMINO_ACIDS.index(c)] for c in "AGWY"] == ["ALA", "GLY", "TRP", "TYR"]


def test_a_non_standard_residue_gets_the_ignore_label():
    chain = load_chain("1ahsA")
    resid = chain.resids[3]
    lines = [line[:17] + "MSE" + line[20:] if line.startswith(("ATOM", "HETATM")) and int(line[22:26]) == resid
             else line for line in chain.pdb_text.splitlines()]
    modified = load_chain("\n".join(lines))  # selenomethionine: an amino acid, not one of the 20
    assert modified.resnames[3] == "MSE" and len(modified.resnames) == len(chain.resnames)
    y, native = amino_acid_labels(modified.resnames), amino_acid_labels(chain.resnames)
    assert int(y[3]) == IGNORE_INDEX and native[3] != IGNORE_INDEX
    assert torch.equal(y[torch.arange(len(y)) != 3], native[torch.arange(len(y)) != 3])
    assert amino_acid_labels(["UNK", "HOH", "DAL"]).tolist() == [IGNORE_INDEX] * 3


def test_virtual_cb_turns_with_the_backbone_and_the_other_features_do_not_move(backbone):
    R = random_rotation(dtype=torch.float64, generator=torch.Generator().manual_seed(1)).numpy()
    moved = backbone @ R.T + np.array([3.0, -7.0, 11.0])
    np.testing.assert_allclose(virtual_cb(moved), virtual_cb(backbone) @ R.T + np.array([3.0, -7.0, 11.0]),
                               atol=1e-12)
    np.testing.assert_allclose(burial_counts(moved), burial_counts(backbone), atol=0)
    edge_index = np.array([np.arange(49), np.arange(1, 50)])
    np.testing.assert_allclose(atom_pair_rbf(moved, edge_index), atom_pair_rbf(backbone, edge_index), atol=1e-12)
    a, b = design_features(backbone, k=8, dtype=torch.float64), design_features(moved, k=8, dtype=torch.float64)
    assert torch.equal(a["edge_index"], b["edge_index"])
    torch.testing.assert_close(b["edge_attr"], a["edge_attr"], atol=1e-12, rtol=0)
    # the mirror image puts Cβ on the other side: the features tell L- from D-amino acids
    assert np.abs(atom_pair_rbf(-backbone, edge_index) - atom_pair_rbf(backbone, edge_index)).max() > 1e-2


def test_burial_counts_neighbours_within_each_radius(backbone):
    cb = virtual_cb(backbone)
    d = np.linalg.norm(cb[:, None] - cb[None], axis=-1)
    assert burial_counts(backbone)[7, 1] * 20 == ((d[7] < 8.0).sum() - 1)  # itself not counted
    assert (np.diff(burial_counts(backbone), axis=1) >= 0).all()  # larger spheres hold more


def test_a_wrong_backbone_shape_says_what_is_expected():
    with pytest.raises(ValueError, match=r"backbone: expected shape \[n_res, 4, 3\] .*got \[20, 3, 3\]"):
        design_features(np.zeros((20, 3, 3)))
    with pytest.raises(ValueError, match="split: expected"):
        inverse_folding_dataset("validation")
