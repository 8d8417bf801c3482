"""Protein-ligand contacts of a complex, found with gemmi's neighbour search (heavy atoms only).

A contact is a ligand atom and a protein (or cofactor) atom of another residue within ``cutoff`` Å; its kind:
``"hbond"`` (N/O - N/O <= 3.5 Å: a hydrogen-bond donor-acceptor distance), ``"hydrophobic"`` (C - C <= 4.0 Å)
or ``"other"``. Waters and hydrogens are left out; so are symmetry mates in the crystal (only the
coordinates of the file count), which keeps contacts a property of the complex alone: they do not change
when the whole complex is moved rigidly.
"""
from __future__ import annotations

from collections import Counter
from pathlib import Path

import gemmi

from ._shipped import STRUCTURES, shipped_structure

__all__ = ["ligand_contacts", "find_ligand", "contacts_per_residue", "HBOND_CUTOFF", "HYDROPHOBIC_CUTOFF"]

HBOND_CUTOFF = 3.5  # Å, N/O to N/O
HYDROPHOBIC_CUTOFF = 4.0  # Å, C to C


def ligand_contacts(source="1hvr", ligand: str | None = None, cutoff: float = 4.0) -> list[dict]:
    """Every (ligand atom, other atom) pair closer than ``cutoff`` Å in a protein-ligand complex.

    Args:
        source: a shipped structure name (``"1hvr"``), a path to a PDB/mmCIF file, or a ``gemmi.Structure``.
        ligand: residue name of the ligand (e.g. ``"XK2"``); None picks the largest non-water, non-polymer
            residue (``find_ligand``).
        cutoff: largest distance in Å.

    Returns:
        list of dicts sorted by distance, keys ``ligand_atom``, ``chain``, ``residue`` (name), ``number``
        (sequence number), ``atom``, ``distance`` (Å) and ``kind`` (``"hbond"``, ``"hydrophobic"``, ``"other"``).

    >>> contacts = ligand_contacts("1hvr")
    >>> sorted({(c["chain"], c["residue"], c["number"]) for c in contacts if c["number"] == 25})
    [('A', 'ASP', 25), ('B', 'ASP', 25)]
    """
    if not cutoff > 0:
        raise ValueError(f"cutoff: expected a positive distance in Å, got {cutoff}")
    structure = _structure(source)
    model = structure[0]
    chain_name, lig = find_ligand(structure, ligand)
    search = gemmi.NeighborSearch(model, gemmi.UnitCell(), max(cutoff, 1.0)).populate()
    contacts = []
    for atom in lig:
        if atom.element.is_hydrogen:
            continue
        for mark in search.find_atoms(atom.pos, "\0", radius=cutoff):
            cra = mark.to_cra(model)
            other = cra.atom
            if (cra.residue.name == lig.name and cra.chain.name == chain_name and cra.residue.seqid == lig.seqid) \
                    or cra.residue.is_water() or other.element.is_hydrogen:
                continue
            distance = atom.pos.dist(other.pos)
            if distance <= cutoff:
                contacts.append({"ligand_atom": atom.name, "chain": cra.chain.name, "residue": cra.residue.name,
                                 "number": cra.residue.seqid.num, "atom": other.name, "distance": distance,
                                 "kind": _kind(atom.element.name, other.element.name, distance)})
    return sorted(contacts, key=lambda c: (c["distance"], c["chain"], c["number"], c["atom"], c["ligand_atom"]))


def find_ligand(structure: gemmi.Structure, name: str | None = None) -> tuple[str, gemmi.Residue]:
    """The ligand: residue ``name`` or, if None, the largest non-water residue outside the polymer chains.

    Returns:
        ``(chain name, residue)`` of the first model.

    >>> chain, residue = find_ligand(gemmi.read_structure(str(shipped_structure("1hvr"))))
    >>> chain, residue.name, len(residue)
    ('A', 'XK2', 46)
    """
    structure.setup_entities()
    candidates = [(ch.name, res) for ch in structure[0] for res in ch
                  if not res.is_water() and res.entity_type != gemmi.EntityType.Polymer
                  and (name is None or res.name == name)]
    if not candidates:
        found = sorted({res.name for ch in structure[0] for res in ch if res.entity_type != gemmi.EntityType.Polymer
                        and not res.is_water()})
        what = f"no residue named {name!r}" if name else "no non-water hetero residue"
        raise ValueError(f"ligand: {what} in {structure.name!r}; ligands present: {found or 'none'}; "
                         f"pass ligand=<residue name> or a structure with a bound ligand")
    return max(candidates, key=lambda c: len(c[1]))


def contacts_per_residue(contacts: list[dict]) -> dict[str, Counter]:
    """Count contacts per protein residue and kind: ``{"A ASP25": Counter({"hbond": 2, ...}), ...}``,
    residues ordered by chain and number.

    >>> contacts_per_residue([{"chain": "A", "residue": "ASP", "number": 25, "kind": "hbond"}])
    {'A ASP25': Counter({'hbond': 1})}
    """
    counts: dict[tuple, Counter] = {}
    for c in contacts:
        counts.setdefault((c["chain"], c["number"], c["residue"]), Counter())[c["kind"]] += 1
    return {f"{ch} {res}{num}": counts[ch, num, res] for ch, num, res in sorted(counts)}


def _kind(element_a: str, element_b: str, distance: float) -> str:
    if element_a in ("N", "O") and element_b in ("N", "O") and distance <= HBOND_CUTOFF:
        return "hbond"
    if element_a == element_b == "C" and distance <= HYDROPHOBIC_CUTOFF:
        return "hydrophobic"
    return "other"


def _structure(source) -> gemmi.Structure:
    if isinstance(source, gemmi.Structure):
        return source
    if isinstance(source, str) and (source in STRUCTURES or not Path(source).suffix):
        path = shipped_structure(source)
    else:
        path = Path(source)
    if not path.is_file():
        raise ValueError(f"source: no file {str(path)!r}; pass a shipped name such as '1hvr', a PDB/mmCIF path "
                         f"or a gemmi.Structure")
    try:
        structure = gemmi.read_structure(str(path))
    except (RuntimeError, ValueError) as err:
        raise ValueError(f"source: {path.name!r} is not a readable PDB/mmCIF file ({err}); "
                         f"upload a protein-ligand complex in PDB format") from err
    if len(structure) == 0 or structure[0].count_atom_sites() == 0:
        raise ValueError(f"source: no atoms in {path.name!r}; upload a protein-ligand complex in PDB format")
    return structure
