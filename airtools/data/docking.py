"""A protein-ligand complex read for re-docking: the ligand in its crystal pose and the protein around it.

The ligand becomes an RDKit molecule of its heavy atoms. Its **connectivity comes from distances** (RDKit's
``rdDetermineBonds.DetermineConnectivity``, covalent radii; for 1hvr it equals the file's CONECT records, a
test checks) and its **bond orders from a template SMILES** (``LIGAND_SMILES``, or ``smiles=``; RDKit's
``AssignBondOrdersFromTemplate``): a PDB file has no bond orders, and aromaticity, hydrogen counts (which
atoms can donate a hydrogen bond) and the plausibility checks need them. The protein is every heavy atom of
the polymer chains (no waters, no hydrogens, no other hetero residues); the **pocket** is the protein atoms
within ``pocket_radius`` of any crystal ligand atom.
"""
from __future__ import annotations

import gemmi
import numpy as np
from rdkit import Chem, RDLogger
from rdkit.Chem import AllChem, rdDetermineBonds

from ._contacts import _structure, find_ligand

__all__ = ["LIGAND_SMILES", "load_complex"]

LIGAND_SMILES = {  # residue name -> SMILES without stereo (the crystal pose fixes it)
    # XK263 (1hvr): a C2-symmetric cyclic urea, two benzyl and two 2-naphthylmethyl groups, a diol
    "XK2": "O=C1N(Cc2ccc3ccccc3c2)C(Cc2ccccc2)C(O)C(O)C(Cc2ccccc2)N1Cc1ccc2ccccc2c1",
}


def load_complex(source="1hvr", ligand: str | None = None, *, smiles: str | None = None,
                 pocket_radius: float = 10.0) -> dict:
    """Read a protein-ligand complex: the ligand as an RDKit molecule in its crystal pose, the protein's heavy atoms.

    Args:
        source: a shipped structure name (``"1hvr"``), a PDB/mmCIF path or a ``gemmi.Structure``.
        ligand: residue name of the ligand; None picks the largest non-water hetero residue.
        smiles: the ligand's SMILES for its bond orders; None looks the residue name up in ``LIGAND_SMILES``.
        pocket_radius: protein atoms closer than this (Å) to a crystal ligand atom form the pocket.

    Returns:
        dict with ``name`` (the ligand's residue name), ``ligand`` (``Chem.Mol``, heavy atoms, one conformer: the
        crystal pose), ``ligand_pos`` [n, 3] Å, and for the m protein heavy atoms: ``protein_pos`` [m, 3],
        ``protein_element``, ``protein_atom``, ``protein_residue``, ``protein_chain`` [m] (str arrays),
        ``protein_number`` [m] (residue numbers), ``pocket`` [m] (bool), ``protein_pdb`` (PDB text of the
        protein alone, for plausibility checks and views).

    >>> cx = load_complex("1hvr")
    >>> cx["name"], cx["ligand"].GetNumAtoms(), cx["protein_pos"].shape, int(cx["pocket"].sum())
    ('XK2', 46, (1514, 3), 463)
    """
    if not pocket_radius > 0:
        raise ValueError(f"pocket_radius: expected a positive distance in Å, got {pocket_radius}")
    structure = _structure(source)
    structure.remove_hydrogens()
    _, residue = find_ligand(structure, ligand)
    mol = _ligand_mol(residue, smiles if smiles is not None else LIGAND_SMILES.get(residue.name))
    ligand_pos = mol.GetConformer().GetPositions()
    rows = [(a.pos.tolist(), a.element.name, a.name, res.name, ch.name, res.seqid.num)
            for ch in structure[0] for res in ch if res.entity_type == gemmi.EntityType.Polymer and not res.is_water()
            for a in res]
    if not rows:
        raise ValueError(f"source: no protein atoms beside the ligand {residue.name}; expected a protein-ligand "
                         f"complex")
    pos, element, atom, res_name, chain, number = zip(*rows)
    protein_pos = np.array(pos)
    gap = np.sqrt(((protein_pos[:, None] - ligand_pos[None]) ** 2).sum(-1)).min(1)  # [m]
    return {"name": residue.name, "ligand": mol, "ligand_pos": ligand_pos, "protein_pos": protein_pos,
            "protein_element": np.array(element), "protein_atom": np.array(atom),
            "protein_residue": np.array(res_name), "protein_chain": np.array(chain), "protein_number": np.array(number),
            "pocket": gap < pocket_radius, "protein_pdb": _protein_pdb(structure)}


def _ligand_mol(residue, smiles: str | None) -> Chem.Mol:
    """Heavy atoms of ``residue`` as an RDKit molecule: bonds from distances, bond orders from ``smiles``."""
    heavy = [a for a in residue if not a.element.is_hydrogen]
    rw = Chem.RWMol()
    conf = Chem.Conformer(len(heavy))
    for i, a in enumerate(heavy):
        atom = Chem.Atom(a.element.name.capitalize())
        info = Chem.AtomPDBResidueInfo(a.name, residueName=residue.name, residueNumber=residue.seqid.num,
                                       isHeteroAtom=True)
        atom.SetMonomerInfo(info)
        rw.AddAtom(atom)
        conf.SetAtomPosition(i, a.pos.tolist())
    rw.AddConformer(conf, assignId=True)
    mol = rw.GetMol()
    rdDetermineBonds.DetermineConnectivity(mol)
    for atom in mol.GetAtoms():  # heavy atoms only: hydrogens are implicit, not radicals
        atom.SetNoImplicit(False)
        atom.SetNumRadicalElectrons(0)
    if smiles is None:
        raise ValueError(f"smiles: no template SMILES for ligand {residue.name!r} (known: {sorted(LIGAND_SMILES)}); "
                         f"pass smiles=<the ligand's SMILES> so that its bond orders can be assigned")
    template = Chem.MolFromSmiles(smiles)
    if template is None:
        raise ValueError(f"smiles: RDKit cannot parse {smiles!r}; pass a valid SMILES of ligand {residue.name}")
    mismatch = ValueError(f"smiles: {smiles!r} does not match the {len(heavy)} heavy atoms of ligand {residue.name} "
                          f"bonded by distance; pass the SMILES of this ligand")
    RDLogger.DisableLog("rdApp.warning")  # "more than one matching pattern": a symmetric ligand, either is right
    try:
        mol = AllChem.AssignBondOrdersFromTemplate(template, mol)
    except ValueError as err:
        raise mismatch from err
    finally:
        RDLogger.EnableLog("rdApp.warning")
    if Chem.MolToSmiles(mol, isomericSmiles=False) != Chem.MolToSmiles(template, isomericSmiles=False):
        raise mismatch  # the template matched only part of the ligand
    Chem.AssignStereochemistryFrom3D(mol)
    return mol


def _protein_pdb(structure) -> str:
    """PDB text of the polymer chains alone (ligands, waters and other hetero residues removed)."""
    protein = structure.clone()
    protein.remove_ligands_and_waters()
    protein.remove_empty_chains()
    return protein.make_pdb_string(gemmi.PdbWriteOptions(minimal=True))
