r"""Protein chains as data: backbone, sequence, DSSP labels and the secondary-structure dataset.

Structures are parsed with gemmi from the PDB files that the PyPI package ``MDAnalysisTests`` ships
(``airtools.data._shipped``), from a path, or from PDB text (an upload). The DSSP set holds 50 chains, each
``<id>.pdb.gz`` beside ``<id>.pdb.dssp``: one line with a 3-state string, ``H`` helix, ``E`` strand, ``-`` coil,
one character per residue of the chain in file order (for all 50 chains every residue has N, CA, C, O, so
character k labels ``Chain.backbone[k]``; :func:`secondary_structure_dataset` checks the lengths agree).

>>> chain = load_chain("1ahsA")
>>> chain.backbone.shape, len(chain.sequence), len(dssp_labels("1ahsA"))
((126, 4, 3), 126, 126)
"""
from __future__ import annotations

import functools
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import gemmi
import numpy as np
import torch

from ._protein_geometry import (BREAK_DISTANCE, EDGE_FEATURES, N_EDGE_FEATURES, backbone_frames, ca_distances,
                                ca_window, contact_map, dihedral, residue_graph, torsion_features, torsions)
from ._shipped import STRUCTURES, shipped_data_dir, shipped_structure

__all__ = ["Chain", "load_chain", "dssp_chains", "dssp_labels", "dssp_split", "secondary_structure_dataset",
           "residue_features", "collate_chains",
           "SS_CLASSES", "MAX_RESIDUES", "dihedral", "torsions", "backbone_frames", "ca_distances", "contact_map",
           "residue_graph", "torsion_features", "ca_window", "EDGE_FEATURES", "N_EDGE_FEATURES", "BREAK_DISTANCE"]

SS_CLASSES = ("H", "E", "-")  # helix, strand, coil: class index = position in this tuple
MAX_RESIDUES = 5000  # larger chains are refused (an upload that would stall a dashboard)
_BACKBONE = ("N", "CA", "C", "O")
_CARBONYL_O = ("O", "OT1", "OXT")  # the C-terminal residue may name its carbonyl O "OT1" (CHARMM) or "OXT"
_N_TEST = 12
# residue names of MD force fields (CHARMM, AMBER) that are not in the PDB dictionary -> the standard residue
_FORCE_FIELD_NAMES = {"HSD": "HIS", "HSE": "HIS", "HSP": "HIS", "HID": "HIS", "HIE": "HIS", "HIP": "HIS",
                      "CYX": "CYS", "CYM": "CYS", "ASH": "ASP", "GLH": "GLU", "LYN": "LYS"}
_AMINO = {c: k for k, c in enumerate("ACDEFGHIKLMNPQRSTVWY")}  # one-letter code -> index; others 20


@dataclass
class Chain:
    """One protein chain: ``backbone: [n_res, 4, 3]`` float64 Å (N, CA, C, O), one-letter ``sequence``,
    ``resnames``/``resids`` per residue, ``pdb_text`` of the chain alone (for py3Dmol) and ``dropped``: the
    residues left out because an atom of the backbone was missing (``"GLY 12"``)."""

    name: str
    sequence: str
    resnames: list[str]
    resids: np.ndarray
    backbone: np.ndarray
    pdb_text: str
    dropped: list[str] = field(default_factory=list)


def load_chain(source, chain: str | None = None) -> Chain:
    """Load one protein chain with gemmi: its residues with a full backbone (N, CA, C, O), first model only.

    Waters, ligands and other non-amino-acid residues are skipped, hydrogens and alternative conformations
    removed; residues missing a backbone atom are dropped (listed in ``Chain.dropped``, with a warning).
    Force-field residue names such as CHARMM's ``HSD`` become the standard ``HIS`` in ``resnames`` and ``pdb_text``;
    a C-terminal carbonyl O named ``OT1`` or ``OXT`` counts as O.

    Args:
        source: a shipped name (``"adk_open"``, ``"1ahsA"``, see ``dssp_chains()``), a path to a PDB/mmCIF
            file (``.gz`` too), or PDB text (``str`` with newlines or ``bytes``, e.g. an upload).
        chain: chain id; ``None`` takes the first chain that has protein residues.

    Returns:
        a :class:`Chain`.

    Raises:
        ValueError: empty or non-PDB input, no protein residues, unknown chain id, more than ``MAX_RESIDUES``.

    >>> load_chain("adk_open").sequence[:5]
    'MRIIL'
    >>> load_chain("HETATM    1  O   HOH A   1       0.000   0.000   0.000  1.00  0.00           O")
    Traceback (most recent call last):
    ...
    ValueError: pdb: no protein residues with backbone atoms N, CA, C, O found in 'uploaded text'; ...
    """
    st, label = _read(source)
    st.setup_entities()
    st.remove_alternative_conformations()
    st.remove_hydrogens()
    if len(st) > 1:
        del st[1:]
    model = st[0] if len(st) else None
    names = [ch.name for ch in model] if model is not None else []
    if chain is not None and chain not in names:
        raise ValueError(f"chain: {chain!r} is not in {label}; its chains are {names}")
    for ch in model or []:
        if chain is not None and ch.name != chain:
            continue
        residues = [r for r in ch if _is_amino_acid(r.name)]
        if not residues:
            continue
        if len(residues) > MAX_RESIDUES:
            raise ValueError(f"pdb: chain {ch.name!r} of {label} has {len(residues)} residues, more than "
                             f"{MAX_RESIDUES}; upload a single smaller protein chain")
        return _chain(st, ch.name, residues, label)
    raise ValueError(f"pdb: no protein residues with backbone atoms {', '.join(_BACKBONE)} found in {label}; "
                     f"upload a protein structure in PDB format")


@functools.lru_cache(maxsize=1)
def dssp_chains() -> tuple[str, ...]:
    """The 50 chains of the shipped DSSP set that have a reference string, sorted.

    >>> len(dssp_chains()), dssp_chains()[0]
    (50, '1ahsA')
    """
    return tuple(sorted(p.name.removesuffix(".pdb.dssp") for p in (shipped_data_dir() / "dssp").glob("*.pdb.dssp")))


def dssp_labels(name: str) -> str:
    """The shipped 3-state DSSP string of a chain: one of ``SS_CLASSES`` per residue of ``load_chain(name)``.

    >>> set(dssp_labels("1ahsA")) <= set(SS_CLASSES)
    True
    """
    if name not in dssp_chains():
        raise ValueError(f"dssp_labels: no DSSP reference for {name!r}; expected one of dssp_chains(), "
                         f"e.g. {list(dssp_chains()[:3])}")
    return (shipped_data_dir() / "dssp" / f"{name}.pdb.dssp").read_text().split()[0]


def dssp_split(seed: int = 0) -> tuple[list[str], list[str]]:
    """The fixed split by chain: ``(train, test)`` names, 38 training and 12 held-out chains.

    ``dssp_chains()`` permuted by ``numpy.random.default_rng(seed)``; the first 12 are held out. No residue of
    a held-out chain is ever used for training.

    >>> train, test = dssp_split(); len(train), len(test), set(train) & set(test)
    (38, 12, set())
    """
    names = dssp_chains()
    order = np.random.default_rng(seed).permutation(len(names))
    return sorted(names[k] for k in order[_N_TEST:]), sorted(names[k] for k in order[:_N_TEST])


def secondary_structure_dataset(split: str = "train", *, k: int = 12, seed: int = 0) -> list[dict]:
    """Per-chain samples of the secondary-structure task (helix / strand / coil from backbone geometry).

    Each sample is :func:`residue_features` (``torsions: [n, 9]`` from :func:`torsion_features`, ``phi_psi: [n, 6]``
    its φ and ψ columns, ``ca_window: [n, 21]``, ``residue_type: [n]`` (0-19 in the order ``ACDEFGHIKLMNPQRSTVWY``,
    20 for any other), ``edge_index: [2, E]``, ``edge_attr: [E, 54]``, ``backbone: [n, 4, 3]``) plus ``name`` and
    ``y: [n]`` (index into ``SS_CLASSES``); tensors float32 / long on the CPU, cached in memory per process.

    Args:
        split: ``"train"`` (38 chains), ``"test"`` (12 held-out chains) or ``"all"``; see :func:`dssp_split`.
        k: neighbours per residue in the graph.
        seed: seed of the split.

    >>> data = secondary_structure_dataset("test")
    >>> len(data), data[0]["y"].shape == data[0]["torsions"].shape[:1]
    (12, True)
    """
    train, test = dssp_split(seed)
    names = {"train": train, "test": test, "all": sorted(train + test)}.get(split)
    if names is None:
        raise ValueError(f"split: expected 'train', 'test' or 'all', got {split!r}")
    return [_sample(name, k) for name in names]


def residue_features(backbone, sequence: str | None = None, *, k: int = 12) -> dict:
    """The model inputs of one chain (any chain, e.g. an upload): the keys of a dataset sample except ``y``/``name``.

    Args:
        backbone: ``[n, 4, 3]`` (N, CA, C, O), Å.
        sequence: one-letter sequence for ``residue_type`` (None: all 20, "unknown").
        k: neighbours per residue in the graph.

    Returns:
        ``{"torsions": [n, 9], "phi_psi": [n, 6], "ca_window": [n, 21], "residue_type": [n], "edge_index": [2, E],
        "edge_attr": [E, 54], "backbone": [n, 4, 3]}``, float32 / long tensors on the CPU.

    >>> f = residue_features(load_chain("1ahsA").backbone, k=8)
    >>> f["torsions"].shape, f["edge_index"].shape
    (torch.Size([126, 9]), torch.Size([2, 1008]))
    """
    tors = torch.from_numpy(torsion_features(backbone)).float()
    edge_index, edge_attr = residue_graph(backbone, k=k)
    n = len(tors)
    return {"torsions": tors, "phi_psi": tors[:, :6], "ca_window": torch.from_numpy(ca_window(backbone)).float(),
            "residue_type": torch.tensor([_AMINO.get(c, 20) for c in (sequence or "X" * n)]),
            "edge_index": edge_index, "edge_attr": edge_attr.float(),
            "backbone": torch.as_tensor(np.asarray(backbone), dtype=torch.float32)}


_NODE_KEYS = ("torsions", "phi_psi", "ca_window", "residue_type", "torsions_burial", "y")


def collate_chains(samples: list[dict]) -> dict:
    """Several chains as one disjoint residue graph: node tensors concatenated, edge indices offset.

    Returns:
        the node keys of the samples (``torsions [N, 9]``, ``phi_psi``, ``ca_window``, ``residue_type``, the
        ``torsions_burial [N, 13]`` of inverse folding, and ``y`` when labelled) over all N residues, ``edge_attr
        [E, 54]`` (254 for inverse folding), ``edge_index [2, E]`` and ``batch [N]`` (the chain of each residue).

    >>> b = collate_chains(secondary_structure_dataset("test")[:2])
    >>> b["torsions"].shape[0] == len(b["y"]) == len(b["batch"]), int(b["edge_index"].max()) < len(b["y"])
    (True, True)
    """
    sizes = [len(next(s[key] for key in _NODE_KEYS if key in s)) for s in samples]  # residues per chain
    offsets = torch.tensor([0] + sizes[:-1]).cumsum(0).tolist()
    out = {key: torch.cat([s[key] for s in samples]) for key in _NODE_KEYS + ("edge_attr",) if key in samples[0]}
    out["edge_index"] = torch.cat([s["edge_index"] + o for s, o in zip(samples, offsets)], dim=1)
    out["batch"] = torch.repeat_interleave(torch.arange(len(samples)), torch.tensor(sizes))
    return out


@functools.lru_cache(maxsize=256)
def _sample(name: str, k: int) -> dict:
    chain, labels = load_chain(name), dssp_labels(name)
    if len(labels) != len(chain.backbone):
        raise ValueError(f"dssp_labels: {name} has {len(labels)} labels but {len(chain.backbone)} residues "
                         f"with a backbone")
    return {"name": name, **residue_features(chain.backbone, chain.sequence, k=k),
            "y": torch.tensor([SS_CLASSES.index(c) for c in labels])}


def _read(source) -> tuple[gemmi.Structure, str]:
    """(structure, a label for messages) from a shipped name, a path or PDB text."""
    if isinstance(source, bytes):
        source = source.decode("utf-8", errors="replace")
    if isinstance(source, str) and ("\n" in source or source.startswith(("ATOM", "HETATM", "HEADER"))
                                    or source.strip() == ""):
        label = "'uploaded text'"
        if not source.strip():
            raise ValueError("pdb: the input is empty; upload a protein structure in PDB format")
        if not any(line.startswith(("ATOM", "HETATM")) for line in source.splitlines()):
            raise ValueError(f"pdb: no ATOM or HETATM records in {label}; this does not look like a PDB file, "
                             f"upload a protein structure in PDB format")
        try:
            return gemmi.read_pdb_string(source), label
        except (RuntimeError, ValueError) as err:
            raise ValueError(f"pdb: cannot parse {label} ({err}); upload a protein structure in PDB format") from None
    if isinstance(source, str) and (source in STRUCTURES or source in dssp_chains()):
        path = shipped_structure(source)
    elif isinstance(source, (str, Path)) and Path(source).is_file():
        path = Path(source)
    else:
        raise ValueError(f"source: {source!r} is neither a shipped structure ({sorted(STRUCTURES)} or a DSSP chain "
                         f"such as {dssp_chains()[0]!r}), nor an existing file, nor PDB text")
    try:
        return gemmi.read_structure(str(path)), f"'{path.name}'"
    except (RuntimeError, ValueError) as err:
        raise ValueError(f"pdb: cannot parse '{path.name}' ({err}); expected a PDB or mmCIF file") from None


def _is_amino_acid(resname: str) -> bool:
    info = gemmi.find_tabulated_residue(_FORCE_FIELD_NAMES.get(resname, resname))
    return info is not None and info.is_amino_acid()


def _chain(st: gemmi.Structure, name: str, residues, label: str) -> Chain:
    kept, dropped = [], []
    for r in residues:
        atoms = [r.find_atom(a, "*") for a in _BACKBONE[:3]]
        atoms.append(next((a for a in (r.find_atom(o, "*") for o in _CARBONYL_O) if a), None))
        if all(atoms):
            kept.append((r, [[a.pos.x, a.pos.y, a.pos.z] for a in atoms]))
        else:
            dropped.append(f"{r.name} {r.seqid.num}")
    if not kept:
        raise ValueError(f"pdb: no protein residues with backbone atoms {', '.join(_BACKBONE)} found in {label}; "
                         f"upload a protein structure in PDB format")
    if dropped:
        warnings.warn(f"{label} chain {name!r}: dropped {len(dropped)} residue(s) missing a backbone atom: "
                      f"{', '.join(dropped[:5])}{' ...' if len(dropped) > 5 else ''}", stacklevel=3)
    one = [gemmi.find_tabulated_residue(_FORCE_FIELD_NAMES.get(r.name, r.name)).one_letter_code.upper()
           for r, _ in kept]
    view = st.clone()
    for ch in [c.name for c in view[0] if c.name != name]:
        view[0].remove_chain(ch)
    view.remove_ligands_and_waters()
    for r in view[0][name] if view[0].find_chain(name) else []:
        r.name = _FORCE_FIELD_NAMES.get(r.name, r.name)
    return Chain(name=name or label.strip("'"), sequence="".join(c if c.isalpha() else "X" for c in one),
                 resnames=[_FORCE_FIELD_NAMES.get(r.name, r.name) for r, _ in kept],
                 resids=np.array([r.seqid.num for r, _ in kept]),
                 backbone=np.array([xyz for _, xyz in kept], dtype=np.float64), pdb_text=view.make_pdb_string(),
                 dropped=dropped)
