"""SMILES tokens: every QM9 SMILES splits into tokens and comes back unchanged; RDKit's verdict on strings."""
import numpy as np
import pytest
import torch

from airtools.data import SmilesTokenizer, parse_smiles, qm9_arrays, tokenize_smiles


def test_qm9_smiles_round_trip_through_the_tokenizer():
    smiles = bytes(qm9_arrays()["smiles"]).decode("ascii").split("\n")
    sample = [smiles[i] for i in np.random.default_rng(0).permutation(len(smiles))[:3000]]
    tok = SmilesTokenizer.from_smiles(sample)
    ids = tok.encode_batch(sample)
    assert [tok.decode(row) for row in ids] == sample
    assert all(len(t) == 1 or t in ("Cl", "Br") or t.startswith("[") for t in tok.tokens[3:])
    assert (ids[:, 0] == tok.bos_id).all() and ((ids == tok.eos_id).sum(1) == 1).all()


def test_bracket_atoms_and_two_letter_elements_are_one_token():
    assert tokenize_smiles("C[C@@H](Cl)Br") == ["C", "[C@@H]", "(", "Cl", ")", "Br"]
    assert tokenize_smiles("c1ccccc1%10") == ["c", "1", "c", "c", "c", "c", "c", "1", "%10"]


def test_padding_length_and_unknown_tokens_are_explained():
    tok = SmilesTokenizer.from_smiles(["CCO"])
    assert tok.encode_batch(["CCO", "C"], length=7).tolist() == [[1, 3, 3, 4, 2, 0, 0], [1, 3, 2, 0, 0, 0, 0]]
    with pytest.raises(ValueError, match=r"length: 4 tokens, but the longest SMILES needs 5"):
        tok.encode_batch(["CCO"], length=4)
    with pytest.raises(ValueError, match=r"token\(s\) \['N'\] outside the vocabulary \['C', 'O'\]"):
        tok.encode("CN")
    with pytest.raises(ValueError, match=r"no SMILES token covers at position 1 \('x'\)"):
        tokenize_smiles("Cx")
    with pytest.raises(ValueError, match="expected distinct SMILES tokens"):
        SmilesTokenizer(["C", "C"])
    assert tok.decode(torch.tensor([1, 3, 4, 2, 3, 3])) == "CO"  # stops at the first <eos>


@pytest.mark.parametrize("smiles, canonical", [
    ("OCC", "CCO"), ("C1=CC=CC=C1", "c1ccccc1"), ("C[NH3+]", "C[NH3+]"),
    ("", None), ("C1CC", None), ("C(C)(C)(C)(C)C", None), ("CC(", None), ("c1cccc1", None),
])
def test_parse_smiles_is_rdkit_sanitisation(smiles, canonical):
    assert parse_smiles(smiles) == canonical
