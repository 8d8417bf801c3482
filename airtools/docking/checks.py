"""Is a docked pose physically plausible? PoseBusters' checks (Buttenschoen, Morris, Deane, *Chem. Sci.* 2024).

A low RMSD is not enough, and a good score is not either: PoseBusters found that many deep-learning poses
within 2 Å of the crystal still clash with the protein or have impossible bonds. Its ``redock`` checks, on each pose:
chemistry (RDKit sanitisation, InChI, connectivity, radicals, the same formula, bonds and stereochemistry as the
crystal ligand), geometry (bond lengths, angles, internal clashes within distance-geometry bounds; flat aromatic
rings and double bonds), the protein (no ligand heavy atom closer to a protein heavy atom than 0.75 times the sum
of their van der Waals radii; at most 7.5 % of the ligand's volume inside the protein; some atom within 5 Å of it)
and the RMSD to the crystal ligand (≤ 2 Å). A pose that passes them all is "PB-valid".

Left out here (PoseBusters' ``redock_fast``): the internal-energy check, which embeds 50 conformers of the
ligand to compare energies (≈ 15 s for XK263) and cannot fail a rigid ligand: every pose has the crystal
conformer's energy.
"""
from __future__ import annotations

import numpy as np
from posebusters import PoseBusters
from rdkit import Chem
from rdkit.Geometry import Point3D

__all__ = ["with_pose", "posebusters_table"]


def with_pose(mol: Chem.Mol, pos) -> Chem.Mol:
    """A copy of ``mol`` whose only conformer is ``pos`` [n_atoms, 3] (Å).

    >>> m = with_pose(Chem.MolFromSmiles("CO"), [[0, 0, 0], [1.4, 0, 0]])
    >>> m.GetNumConformers(), m.GetConformer().GetAtomPosition(1).x
    (1, 1.4)
    """
    pos = np.asarray(pos.detach().cpu() if hasattr(pos, "detach") else pos, dtype=float)
    if pos.shape != (mol.GetNumAtoms(), 3):
        raise ValueError(f"pos: expected [{mol.GetNumAtoms()}, 3] (one position per atom of mol), got "
                         f"{list(pos.shape)}")
    out = Chem.Mol(mol)
    out.RemoveAllConformers()
    conf = Chem.Conformer(len(pos))
    for i, p in enumerate(pos):
        conf.SetAtomPosition(i, Point3D(*map(float, p)))
    out.AddConformer(conf, assignId=True)
    return out


def posebusters_table(mol: Chem.Mol, poses, protein_pdb: str, reference_pos=None):
    """PoseBusters' checks of ``poses`` [k, n_atoms, 3] of ``mol`` in the protein of ``protein_pdb`` (PDB text).

    With ``reference_pos`` [n_atoms, 3] (the crystal pose) the ``redock_fast`` checks run, RMSD ≤ 2 Å included;
    without, ``dock_fast``. Single process, offline; about 0.2 s a pose after ~0.5 s reading the protein.

    Returns:
        pandas DataFrame, one row per pose: a True/False column per check and ``pb_valid`` (all of them) last.
    """
    poses = np.asarray(poses.detach().cpu() if hasattr(poses, "detach") else poses, dtype=float)
    if poses.ndim != 3:
        raise ValueError(f"poses: expected [k, {mol.GetNumAtoms()}, 3] (k poses of mol), got {list(poses.shape)}")
    protein = Chem.MolFromPDBBlock(protein_pdb, sanitize=False, removeHs=False, proximityBonding=False)
    if protein is None or protein.GetNumAtoms() == 0:
        raise ValueError("protein_pdb: RDKit reads no atoms from it; pass the PDB text of the protein")
    true = None if reference_pos is None else with_pose(mol, reference_pos)
    buster = PoseBusters(config="redock_fast" if true is not None else "dock_fast", max_workers=0)
    table = buster.bust([with_pose(mol, p) for p in poses], true, protein).reset_index(drop=True)
    checks = table.select_dtypes(bool)
    checks = checks.assign(pb_valid=checks.all(axis=1))
    return checks
