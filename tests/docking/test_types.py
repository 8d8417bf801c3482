"""XS atom types: XK263's diol donates and accepts, its urea nitrogens do neither; the protein's backbone N
donates except proline's, Asp25's carboxylate accepts, carbons next to heteroatoms are polar."""
from collections import Counter

import numpy as np
import pytest
from rdkit import Chem

from airtools.docking import XS_TYPES, ligand_xs_types, protein_xs_types


def test_xk263_types(complex_1hvr):
    mol = complex_1hvr["ligand"]
    names = {a.GetPDBResidueInfo().GetName().strip(): XS_TYPES[t] for a, t in zip(mol.GetAtoms(),
                                                                               ligand_xs_types(mol))}
    assert (names["O4"], names["O5"], names["O1"], names["N2"], names["N7"]) == ("O_DA", "O_DA", "O_A", "N_P", "N_P")
    assert names["C1"] == names["C4"] == "C_P" and names["C25"] == "C_H"
    assert Counter(names.values()) == {"C_H": 34, "C_P": 7, "O_DA": 2, "N_P": 2, "O_A": 1}


def test_ligand_nitrogens_and_hydrogens():
    mol = Chem.AddHs(Chem.MolFromSmiles("NCC#N"))
    types = ligand_xs_types(mol)
    assert [XS_TYPES[t] for t in types[:4]] == ["N_D", "C_P", "C_P", "N_A"] and (types[4:] == -1).all()


def test_protein_types_of_1hvr(complex_1hvr):
    cx = complex_1hvr
    types = np.array(XS_TYPES)[protein_xs_types(cx["protein_element"], cx["protein_atom"], cx["protein_residue"],
                                                cx["protein_pos"])]
    key = lambda residue, atom: types[(cx["protein_residue"] == residue) & (cx["protein_atom"] == atom)]  # noqa: E731
    assert set(key("ASP", "OD1")) == {"O_A"} and set(key("THR", "OG1")) == {"O_DA"}
    pro_n = types[(cx["protein_residue"] == "PRO") & (cx["protein_atom"] == "N") & (cx["protein_number"] > 1)]
    assert set(pro_n) == {"N_P"} and set(key("PRO", "N")) == {"N_P", "N_D"}  # Pro1: the N-terminus, NH2+
    assert set(key("GLY", "N")) == {"N_D"} and set(key("HIS", "NE2")) == {"N_DA"}
    assert set(key("ALA", "CA")) == {"C_P"} and set(key("ALA", "CB")) == {"C_H"} and set(key("LEU", "CD1")) == {"C_H"}
    assert set(key("MET", "CE")) == {"C_P"}  # bonded to sulfur: a heteroatom


def test_unknown_elements_and_bad_shapes_are_named():
    with pytest.raises(ValueError, match="element 'Zn' has no XS type"):
        protein_xs_types(["ZN"], ["ZN"], ["ZN"], [[0.0, 0.0, 0.0]])
    with pytest.raises(ValueError, match=r"expected \[m\] names and \[m, 3\] positions of one m, got 2, 2, 2 names"):
        protein_xs_types(["C", "C"], ["CA", "CB"], ["ALA", "ALA"], [[0.0, 0.0, 0.0]])
