"""AutoDock Vina's X-Score atom types (Trott & Olson 2010): what the score needs to know about a heavy atom.

A type says three things: the atom's van der Waals radius (by element), whether it is **hydrophobic** (a
carbon bonded to carbons and hydrogens only, or a halogen), and whether it can **donate** or **accept** a
hydrogen bond. Hydrogens are never atoms of the score: they only decide who donates.

Ligand (an RDKit molecule with bond orders): a carbon bonded to any heteroatom is polar (``C_P``); N donates when
it carries a hydrogen and accepts when it has a free lone pair (fewer than three heavy neighbours, not charged, no
hydrogen: pyridine-like, imine, nitrile); O always accepts and donates when it carries a hydrogen.
Protein (heavy atoms named as in the PDB): bonds from distances (< 1.9 Å); N donates unless it has three heavy
neighbours (proline's backbone N, but not an N-terminal proline's); histidine's ring N may be either tautomer
(``N_DA``); O accepts, and the hydroxyls of Ser, Thr and Tyr also donate.
"""
from __future__ import annotations

import numpy as np
from rdkit import Chem
from scipy.spatial import cKDTree

__all__ = ["XS_TYPES", "XS_RADIUS", "XS_HYDROPHOBIC", "XS_DONOR", "XS_ACCEPTOR", "ligand_xs_types",
           "protein_xs_types"]

#           name    radius (Å)  hydrophobic donor acceptor
_TABLE = [("C_H", 1.9, 1, 0, 0), ("C_P", 1.9, 0, 0, 0), ("N_P", 1.8, 0, 0, 0), ("N_D", 1.8, 0, 1, 0),
          ("N_A", 1.8, 0, 0, 1), ("N_DA", 1.8, 0, 1, 1), ("O_A", 1.7, 0, 0, 1), ("O_DA", 1.7, 0, 1, 1),
          ("S_P", 2.0, 0, 0, 0), ("P_P", 2.1, 0, 0, 0), ("F_H", 1.5, 1, 0, 0), ("Cl_H", 1.8, 1, 0, 0),
          ("Br_H", 2.0, 1, 0, 0), ("I_H", 2.2, 1, 0, 0)]
XS_TYPES = [row[0] for row in _TABLE]
XS_RADIUS, XS_HYDROPHOBIC, XS_DONOR, XS_ACCEPTOR = (np.array(col) for col in list(zip(*_TABLE))[1:])
_INDEX = {name: i for i, name in enumerate(XS_TYPES)}
_HYDROXYL = {("SER", "OG"), ("THR", "OG1"), ("TYR", "OH")}
_BOND = 1.9  # Å: longest covalent bond between protein heavy atoms counted (C-S 1.82)


def ligand_xs_types(mol: Chem.Mol) -> np.ndarray:
    """XS type index (into ``XS_TYPES``) of each heavy atom of an RDKit molecule with bond orders.

    Returns:
        [n_atoms] int array (hydrogens, if ``mol`` has any, get -1: they are not scored).

    >>> [XS_TYPES[t] for t in ligand_xs_types(Chem.MolFromSmiles("CC(=O)NCc1ccncc1O"))]
    ['C_H', 'C_P', 'O_A', 'N_D', 'C_P', 'C_H', 'C_H', 'C_P', 'N_A', 'C_P', 'C_P', 'O_DA']
    """
    out = []
    for atom in mol.GetAtoms():
        element, hydrogens = atom.GetSymbol(), atom.GetTotalNumHs(includeNeighbors=True)
        if element == "H":
            out.append(-1)
        elif element == "C":
            polar = any(n.GetSymbol() not in ("C", "H") for n in atom.GetNeighbors())
            out.append(_INDEX["C_P" if polar else "C_H"])
        elif element == "N":
            acceptor = hydrogens == 0 and atom.GetFormalCharge() <= 0 and atom.GetDegree() < 3
            out.append(_INDEX["N" + ("_D" if hydrogens else "_A" if acceptor else "_P")])
        elif element == "O":
            out.append(_INDEX["O_DA" if hydrogens else "O_A"])
        else:
            out.append(_element_type(element))
    return np.array(out, dtype=np.int64)


def protein_xs_types(element, atom_name, residue_name, pos) -> np.ndarray:
    """XS type index of each protein heavy atom, from its element, PDB atom and residue names and position.

    Args:
        element, atom_name, residue_name: [m] strings (``"C"``, ``"CA"``, ``"ALA"``); pos: [m, 3] in Å. Pass
            the whole protein: a pocket cut out first loses the bonds that cross its edge.

    Returns:
        [m] int array.

    >>> gly = [("N", "N"), ("C", "CA"), ("C", "C"), ("O", "O")]
    >>> pos = [[0, 0, 0], [1.45, 0, 0], [2.0, 1.4, 0], [3.2, 1.6, 0]]
    >>> [XS_TYPES[t] for t in protein_xs_types(*zip(*gly), ["GLY"] * 4, pos)]
    ['N_D', 'C_P', 'C_P', 'O_A']
    """
    element, atom_name, residue_name = (np.asarray(x).astype(str) for x in (element, atom_name, residue_name))
    pos = np.asarray(pos, dtype=float)
    if pos.ndim != 2 or pos.shape[1] != 3 or not len(element) == len(atom_name) == len(residue_name) == len(pos):
        raise ValueError(f"element, atom_name, residue_name, pos: expected [m] names and [m, 3] positions of one m, "
                         f"got {len(element)}, {len(atom_name)}, {len(residue_name)} names and {list(pos.shape)}")
    element = np.char.capitalize(element)
    neighbours = [[] for _ in pos]
    for i, j in cKDTree(pos).query_pairs(_BOND):
        neighbours[i].append(j)
        neighbours[j].append(i)
    out = []
    for i, el in enumerate(element):
        if el == "C":
            out.append(_INDEX["C_P" if any(element[j] != "C" for j in neighbours[i]) else "C_H"])
        elif el == "N":
            ring_his = residue_name[i] == "HIS" and atom_name[i] in ("ND1", "NE2")
            out.append(_INDEX["N_DA" if ring_his else "N_P" if len(neighbours[i]) >= 3 else "N_D"])
        elif el == "O":
            out.append(_INDEX["O_DA" if (residue_name[i], atom_name[i]) in _HYDROXYL else "O_A"])
        else:
            out.append(_element_type(el))
    return np.array(out, dtype=np.int64)


def _element_type(element: str) -> int:
    for name in (f"{element}_P", f"{element}_H"):
        if name in _INDEX:
            return _INDEX[name]
    raise ValueError(f"element {str(element)!r} has no XS type (known: C, N, O, S, P, F, Cl, Br, I); remove metal ions "
                     f"and other hetero atoms from the pocket, or extend XS_TYPES")
