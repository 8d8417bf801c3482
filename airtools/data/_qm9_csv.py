"""QM9's CSV files as shipped by the PyPI package ``qm9pack``, parsed into flat arrays (numpy only).

The files are found with ``importlib.metadata`` and read where pip put them; ``qm9pack`` itself is never
imported (its ``__init__`` imports ``pkg_resources``, gone from current setuptools, and pandas).

Layout of ``qm9pack/data/qm9_part{1,2,3}.csv`` (one molecule a line, 130,831 lines in all)::

    "dsgdb9nsd_000001.xyz",1,"C","InChI=1S/CH4/h1H4",5,"[4,1,0,0,0]","['C','H','H','H','H']",
    "[[x,y,z],...]","[q_1,...]","[freq,...]",A,B,C,mu,alpha,homo,lumo,gap,r2,zpve,U0,U,H,G,Cv

Eight quoted fields, none with a quote inside, so splitting the text at ``"`` gives 16 pieces a line; that
is 2-3x faster than ``csv.reader`` here, and every count is checked against ``N_atoms`` and the
stoichiometry, so a changed layout fails loudly instead of shifting numbers. ``qm9_polarizability.csv``
(the 3x3 polarisability tensor) is not read: its components are in another frame than ``XYZ_Ang`` (ammonia's
tensor is diagonal with the C3 axis along z; its coordinates are not), so it cannot go with the positions.
"""
from __future__ import annotations

import importlib.metadata
from pathlib import Path

import numpy as np
from ase import units

__all__ = ["qm9pack_files", "parse_qm9_csv", "COLUMNS", "SCALARS"]

COLUMNS = ("XYZ_file", "Index", "SMILES", "InChi", "N_atoms", "Stoichiometry", "Elements", "XYZ_Ang",
           "Mulliken_pop", "Harmonic_Freq_cmi", "RotA_GHz", "RotB_GHz", "RotC_GHz", "Dipole_debye",
           "Polarizability_bohr3", "HOMO_au", "LUMO_au", "HOMO_LUMO_gap_au", "R2_bohr2", "ZPVE_au",
           "InternalEnergy_0K_au", "InternalEnergy_298K_au", "Enthalphy_298K_au", "GibbsFreeEnergy_298K_au",
           "Heatcapacity_Cv_cal_mol_K")
# the 15 numbers after the quoted fields: QM9 name (Ramakrishnan et al. 2014, Table 3), factor to our unit
SCALARS = {"A": 1.0, "B": 1.0, "C": 1.0, "mu": 1.0, "alpha": 1.0, "homo": units.Hartree,
           "lumo": units.Hartree, "gap": units.Hartree, "r2": 1.0, "zpve": units.Hartree, "U0": units.Hartree,
           "U": units.Hartree, "H": units.Hartree, "G": units.Hartree, "Cv": 1.0}
_PIECES = 16  # pieces per line after splitting at '"'
_Z = np.zeros(128, dtype=np.uint8)
_Z[[ord(s) for s in "HCNOF"]] = [1, 6, 7, 8, 9]  # ASCII element symbol -> atomic number (0: not in QM9)


def qm9pack_files() -> tuple[str, list[Path]]:
    """The installed ``qm9pack`` version and its three QM9 CSV files; a clear error if it is missing.

    >>> version, files = qm9pack_files(); [f.name for f in files]
    ['qm9_part1.csv', 'qm9_part2.csv', 'qm9_part3.csv']
    """
    try:
        dist = importlib.metadata.distribution("qm9pack")
    except importlib.metadata.PackageNotFoundError:
        raise ModuleNotFoundError("QM9 is read from the PyPI package qm9pack, which is not installed; run "
                                  "`make install` (or `pip install qm9pack`)") from None
    files = [Path(dist.locate_file(f"qm9pack/data/qm9_part{k}.csv")) for k in (1, 2, 3)]
    missing = [str(f) for f in files if not f.is_file()]
    if missing:
        raise FileNotFoundError(f"qm9pack {dist.version} lacks its data files {missing}; reinstall it")
    return dist.version, files


def _numbers(pieces: list[str], dtype=np.float64) -> np.ndarray:
    """All numbers in ``pieces`` (comma lists; brackets, end commas and newlines ignored) as one array."""
    return np.fromstring(",".join(s.strip(",\n") for s in pieces).translate(_NO_BRACKETS), dtype, sep=",")


_NO_BRACKETS = str.maketrans("", "", "[]")


def parse_qm9_csv(files: list[Path]) -> dict[str, np.ndarray]:
    """Parse qm9pack's CSV files into flat arrays, energies converted from hartree to eV.

    Returns:
        ``z`` [N] uint8, ``pos`` [N, 3] Å, ``charges`` [N] e (Mulliken) for the N atoms of all molecules in
        file order; ``n_atoms``, ``index`` (QM9 id, 1..133885) and each key of ``SCALARS`` [n_molecules];
        ``smiles``: uint8 bytes of the SMILES joined by newlines.
    """
    pieces = []
    for path in files:
        with open(path, encoding="ascii") as f:
            header = f.readline().strip().split(",")
            text = f.read()
        if tuple(header) != COLUMNS:
            raise RuntimeError(f"{path}: unexpected columns {header}; this parser reads {list(COLUMNS)}")
        p = text.split('"')
        if p[0] or (len(p) - 1) % _PIECES or any(p[k] != "," for k in (4, 8, 10, 12, 14)):
            raise RuntimeError(f"{path}: not {_PIECES // 2} quoted fields a line as in qm9pack 1.0.3")
        pieces.append(p)

    def column(k):  # piece k of every line, all files
        return [s for p in pieces for s in p[k::_PIECES]]

    ints = _numbers(column(2), np.int64)
    n_atoms = _numbers(column(6), np.int64)
    tail = _numbers(column(16)).reshape(-1, len(SCALARS))
    elements = column(9)
    symbols = np.frombuffer("".join(elements).translate(str.maketrans("", "", "[]',")).encode(), np.uint8)
    z = _Z[symbols]
    pos = _numbers(column(11)).reshape(-1, 3)
    charges = _numbers(column(13))
    stoichiometry = _numbers(column(7)).reshape(-1, 5)  # counts of H, C, N, O, F
    n_mol, n = len(n_atoms), int(n_atoms.sum())
    per_line = (np.array([len(s) for s in elements]) - 1) // 4  # "['C','H']": 4 characters an atom, plus 1
    if not (len(ints) == len(tail) == len(stoichiometry) == n_mol and len(z) == len(pos) == len(charges) == n
            and (per_line == n_atoms).all() and (z > 0).all()):
        raise RuntimeError("qm9pack's CSV: the numbers of atoms, coordinates and charges disagree")
    mol = np.repeat(np.arange(n_mol), n_atoms)
    counts = np.zeros((n_mol, 10), dtype=np.int64)
    np.add.at(counts, (mol, z), 1)
    if not (counts[:, [1, 6, 7, 8, 9]] == stoichiometry).all():
        raise RuntimeError("qm9pack's CSV: the elements disagree with the stoichiometry column")
    out = {"z": z, "pos": pos, "charges": charges, "n_atoms": n_atoms, "index": ints}
    out |= {name: tail[:, k] * factor for k, (name, factor) in enumerate(SCALARS.items())}
    out["smiles"] = np.frombuffer("\n".join(column(3)).encode("ascii"), np.uint8)
    return out
