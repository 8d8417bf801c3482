"""Stability (EDM's bond tables) and RDKit validity / uniqueness / novelty on molecules with known answers."""
import math

import numpy as np
import pytest
from ase.build import molecule
from rdkit import Chem
from rdkit.Chem import AllChem

from airtools.generative import (atom_stability, bond_orders, canonical_smiles, molecule_metrics, molecule_stability,
                                 novelty, stability, to_smiles, uniqueness, validity)


def _mmff(smiles, seed=0):
    """``(z, pos)`` of an RDKit ETKDG conformer relaxed with MMFF94 (realistic bond lengths)."""
    mol = Chem.AddHs(Chem.MolFromSmiles(smiles))
    AllChem.EmbedMolecule(mol, randomSeed=seed)
    AllChem.MMFFOptimizeMolecule(mol)
    return np.array([a.GetAtomicNum() for a in mol.GetAtoms()]), mol.GetConformer().GetPositions()


def _ase(name):
    atoms = molecule(name)
    return atoms.numbers, atoms.positions


def _kekule_benzene(double=1.34, single=1.46, ch=1.09):
    """Benzene with alternating bonds: an equiangular hexagon (sides double, single, ...) and radial C-H bonds."""
    steps = [double, single] * 3
    C = np.cumsum([[0.0, 0.0, 0.0]] + [[d * math.cos(k * math.pi / 3), d * math.sin(k * math.pi / 3), 0.0]
                                        for k, d in enumerate(steps[:-1])], axis=0)
    C -= C.mean(0)
    H = C + ch * C / np.linalg.norm(C, axis=1, keepdims=True)
    return np.array([6] * 6 + [1] * 6), np.concatenate([C, H])


KNOWN = {"O": _mmff("O"), "CCO": _mmff("CCO"), "CC#N": _mmff("CC#N"), "C=O": _mmff("C=O"),
         "CC(=O)O": _mmff("CC(=O)O"), "FC(F)F": _mmff("FC(F)F")}


@pytest.mark.parametrize("smiles", sorted(KNOWN))
def test_relaxed_rdkit_molecules_are_stable_valid_and_keep_their_smiles(smiles):
    z, pos = KNOWN[smiles]
    assert atom_stability(z, pos).all() and molecule_stability(z, pos)
    assert to_smiles(z, pos) == canonical_smiles(smiles)


@pytest.mark.parametrize("name, smiles", [("H2O", "O"), ("CH3CH2OH", "CCO"), ("CH3CN", "CC#N")])
def test_ase_g2_molecules_are_stable_and_valid(name, smiles):
    z, pos = _ase(name)
    assert molecule_stability(z, pos) and to_smiles(z, pos) == smiles


def test_bond_orders_of_acetonitrile_and_formaldehyde_are_triple_and_double():
    z, pos = KNOWN["CC#N"]
    order = bond_orders(z, pos)
    N = int(np.nonzero(z == 7)[0][0])
    C = min(np.nonzero(z == 6)[0], key=lambda i: np.linalg.norm(pos[i] - pos[N]))  # the nitrile carbon
    assert order[C, N] == 3 and (order == order.T).all() and (np.diag(order) == 0).all()
    z, pos = KNOWN["C=O"]
    assert bond_orders(z, pos)[z == 6][:, z == 8].item() == 2


def test_benzene_is_unstable_by_edm_tables_but_its_kekule_geometry_is_stable():
    # aromatic C-C of 1.39-1.40 Å is longer than the double-bond threshold 1.34 + 0.05 Å: each C counts 3 bonds
    z, pos = _ase("C6H6")
    stable = atom_stability(z, pos)
    assert not stable[z == 6].any() and stable[z == 1].all()
    z, pos = _kekule_benzene()
    assert molecule_stability(z, pos)
    assert to_smiles(z, pos) == "c1ccccc1"  # RDKit aromatises the Kekulé structure


def test_a_wrong_valence_is_unstable_and_invalid():
    z, pos = _mmff("C")  # methane, then a fifth H opposite the first one, 1.09 Å from C (>= 1.26 Å from the others)
    C, H = int(np.nonzero(z == 6)[0][0]), np.nonzero(z == 1)[0]
    extra = pos[C] - 1.09 * (pos[H[0]] - pos[C]) / np.linalg.norm(pos[H[0]] - pos[C])
    z5, pos5 = np.append(z, 1), np.vstack([pos, extra])
    assert bond_orders(z5, pos5)[C].sum() == 5 and molecule_stability(z, pos)
    assert not atom_stability(z5, pos5)[C] and atom_stability(z5, pos5)[z5 == 1].all()
    assert to_smiles(z5, pos5) is None  # RDKit refuses a pentavalent neutral carbon


def test_atoms_on_top_of_each_other_are_unstable_and_invalid():
    z, pos = KNOWN["CCO"]
    H = np.nonzero(z == 1)[0]
    pos = pos.copy()
    pos[H[1]] = pos[H[0]]  # two hydrogens at one place: an H-H bond, each H has two bonds
    stable = atom_stability(z, pos)
    assert not stable[H[0]] and not stable[H[1]]
    assert to_smiles(z, pos) is None
    z2, pos2 = KNOWN["CCO"]
    C = np.nonzero(z2 == 6)[0]
    pos2 = pos2.copy()
    pos2[C[1]] = pos2[C[0]]  # two carbons at one place: a "triple bond" at 0 Å, too many bonds
    assert not molecule_stability(z2, pos2)


def test_stability_counts_atoms_and_molecules():
    water, ethanol = KNOWN["O"], KNOWN["CCO"]
    z, pos = water
    broken = (z, pos.copy())
    broken[1][2] = broken[1][1]  # both H of water at one place: O keeps two bonds, each H has two (H-O, H-H)
    result = stability([water, ethanol, broken])
    assert result == {"atom_stability": (3 + 9 + 1) / 15, "molecule_stability": 2 / 3}


def test_validity_uniqueness_novelty_on_hand_made_lists():
    water, ethanol = KNOWN["O"], KNOWN["CCO"]
    z, pos = ethanol
    invalid = (np.append(z, [1, 1]), np.vstack([pos, pos[:2] + 0.05]))  # H stuck onto C and C
    assert validity([water, ethanol, invalid, ethanol]) == 0.75
    assert uniqueness(["CCO", "OCC", "[H]OC([H])([H])C([H])([H])[H]", "C", "c1ccccc1", "C1=CC=CC=C1"]) == 3 / 6
    assert novelty(["CCO", "C", "CC"], training_smiles=["OCC", "N"]) == 2 / 3
    assert uniqueness([]) == 0.0 and novelty([], ["C"]) == 0.0
    with pytest.raises(ValueError, match="RDKit cannot parse 'C1CC'"):
        uniqueness(["C1CC"])


def test_molecule_metrics_table():
    water, ethanol = KNOWN["O"], KNOWN["CCO"]
    z, pos = ethanol
    broken = (z, pos.copy())
    broken[1][3] = broken[1][4]  # two atoms at one place
    metrics = molecule_metrics([water, ethanol, ethanol, broken], training_smiles=["O", "CC"])
    assert metrics["validity"] == 0.75 and metrics["uniqueness"] == 2 / 3 and metrics["novelty"] == 0.5
    assert metrics["molecule_stability"] == 0.75
    assert molecule_metrics([water])["novelty"] is None


def test_unknown_elements_are_rejected():
    with pytest.raises(ValueError, match=r"no bond table for element\(s\) \[16\]"):
        bond_orders([16, 1], [[0, 0, 0], [1.3, 0, 0]])
