"""load_complex: the 1hvr ligand's bonds from distances are the file's CONECT records, its bond orders come from
the template, the pocket is what its radius says, and a ligand the template does not fit is named."""
import numpy as np
import pytest
from rdkit import Chem

from airtools.data import LIGAND_SMILES, load_complex, shipped_structure


def test_1hvr_ligand_bonds_from_distances_equal_the_conect_records():
    cx = load_complex("1hvr")
    mol = cx["ligand"]
    serial = {}  # PDB serial number -> atom name, for the ligand's HETATM lines
    conect = set()
    for line in shipped_structure("1hvr").read_text().splitlines():
        if line.startswith("HETATM") and line[17:20] == "XK2":
            serial[int(line[6:11])] = line[12:16].strip()
        elif line.startswith("CONECT"):
            a, *others = (int(line[i:i + 5]) for i in range(6, len(line.rstrip()), 5))
            conect |= {frozenset((a, b)) for b in others if a in serial and b in serial}
    from_file = {frozenset(serial[s] for s in pair) for pair in conect}
    names = [a.GetPDBResidueInfo().GetName().strip() for a in mol.GetAtoms()]
    from_distances = {frozenset((names[b.GetBeginAtomIdx()], names[b.GetEndAtomIdx()])) for b in mol.GetBonds()}
    assert len(from_file) == 52  # 46 atoms in 7 rings: 46 - 1 + 7 bonds
    assert from_distances == from_file


def test_1hvr_ligand_is_xk263_with_bond_orders_and_the_pocket_surrounds_it():
    cx = load_complex("1hvr", pocket_radius=6.0)
    mol = cx["ligand"]
    assert Chem.MolToSmiles(mol, isomericSmiles=False) == Chem.MolToSmiles(Chem.MolFromSmiles(LIGAND_SMILES["XK2"]))
    assert sum(a.GetIsAromatic() for a in mol.GetAtoms()) == 32  # two naphthalenes, two phenyls
    assert mol.GetNumAtoms() == 46 and cx["ligand_pos"].shape == (46, 3)
    gap = np.sqrt(((cx["protein_pos"][:, None] - cx["ligand_pos"][None]) ** 2).sum(-1)).min(1)
    assert (cx["pocket"] == (gap < 6.0)).all() and 50 < cx["pocket"].sum() < load_complex("1hvr")["pocket"].sum()
    asp25 = (cx["protein_residue"] == "ASP") & (cx["protein_number"] == 25) & cx["pocket"]
    assert set(cx["protein_chain"][asp25]) == {"A", "B"}  # both catalytic aspartates line the pocket
    pdb = cx["protein_pdb"]
    assert "XK2" not in pdb and "HOH" not in pdb and pdb.count("\nATOM") > 1000


def test_a_ligand_without_a_fitting_template_is_named():
    with pytest.raises(ValueError, match=r"smiles: 'c1ccccc1' does not match the 46 heavy atoms of ligand XK2"):
        load_complex("1hvr", smiles="c1ccccc1")
    with pytest.raises(ValueError, match="smiles: RDKit cannot parse"):
        load_complex("1hvr", smiles="C1CC(")
    with pytest.raises(ValueError, match="pocket_radius: expected a positive distance"):
        load_complex("1hvr", pocket_radius=0)
