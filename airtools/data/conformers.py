r"""Conformer ensembles of small molecules with RDKit: ETKDG embeddings, MMFF94 minima, torsion angles.

A conformer is one 3-D geometry of a fixed molecular graph. Three ways to get ensembles, all from a SMILES:

- :func:`etkdg_conformers`: RDKit's ETKDG v3 (Riniker and Landrum 2015, Wang et al. 2020): distance geometry
  with torsion preferences from crystal structures, the classical conformer generator; with ``mmff=True``
  every embedding is then minimised with the MMFF94 force field (Halgren 1996), the usual "RDKit + MMFF"
  protocol.
- :func:`torsion_scan_minima`: a systematic search on the MMFF94 surface: every combination of the staggered
  values (60°, 180°, 300°) of the rotatable heavy-atom torsions is set on one embedded geometry, minimised with
  MMFF94, and the distinct minima are kept (heavy-atom RMSD after the best alignment and atom relabelling above
  ``rmsd_threshold``). No random embedding decides which basins it finds.
- :func:`torsion_angles`: the rotatable torsions (:func:`rotatable_torsions`) of any ensemble, in degrees.

Ensembles are of **heavy atoms** (hydrogens are used while embedding and minimising, then removed): positions
``[n_conformers, n_heavy, 3]`` in Å, atoms in the order of :func:`heavy_atom_graph` (the SMILES order).
Results are cached with ``airtools.cache`` (a few 0.1 s per molecule the first time).

RDKit's ``randomSeed=0`` gives n copies of one conformer (RDKit 2026.09), so ``seed`` k embeds with
``randomSeed = k + 1``.

>>> pos = etkdg_conformers("CCCO", 4, seed=0)
>>> pos.shape, len(rotatable_torsions(heavy_atom_graph("CCCO")))
((4, 4, 3), 1)
"""
from __future__ import annotations

import itertools

import numpy as np
from rdkit import Chem
from rdkit.Chem import AllChem, rdMolAlign, rdMolTransforms
from rdkit.Geometry import Point3D

from airtools.cache import cache_dir, cache_key, cached

__all__ = ["heavy_atom_graph", "etkdg_conformers", "torsion_scan_minima", "rotatable_torsions", "torsion_angles",
           "STAGGERED"]

STAGGERED = (60.0, 180.0, 300.0)  # degrees: the torsion grid of the systematic search
_VERSION = 1  # part of the cache keys: bump when a procedure changes


def heavy_atom_graph(smiles: str) -> Chem.Mol:
    """The molecular graph without hydrogens (sanitised), atoms in the order of the SMILES.

    >>> [a.GetSymbol() for a in heavy_atom_graph("OCC").GetAtoms()]
    ['O', 'C', 'C']
    """
    mol = Chem.MolFromSmiles(smiles) if isinstance(smiles, str) else None
    if mol is None:
        raise ValueError(f"smiles: RDKit cannot parse {smiles!r}; expected a SMILES such as 'CCCO'")
    if mol.GetNumAtoms() < 2:
        raise ValueError(f"smiles: {smiles!r} has {mol.GetNumAtoms()} heavy atom; a conformer needs at least 2")
    return mol


def etkdg_conformers(smiles: str, n: int, *, seed: int = 0, mmff: bool = False) -> np.ndarray:
    """``n`` ETKDG v3 conformers (heavy atoms), optionally MMFF94-minimised: ``[n, n_heavy, 3]`` in Å.

    Args:
        smiles: the molecule; n: number of conformers (1..1000).
        seed: embeds with RDKit ``randomSeed = seed + 1`` (see the module docstring).
        mmff: minimise each embedding with MMFF94 (up to 2000 iterations).

    >>> a, b = etkdg_conformers("CCCC", 3, seed=1), etkdg_conformers("CCCC", 3, seed=1)
    >>> bool((a == b).all()), a.shape
    (True, (3, 4, 3))
    """
    heavy = heavy_atom_graph(smiles)
    if not (isinstance(n, (int, np.integer)) and 1 <= n <= 1000):
        raise ValueError(f"n: expected a number of conformers in 1..1000, got {n!r}")
    key = cache_key("etkdg", _VERSION, Chem.MolToSmiles(heavy), int(n), int(seed), bool(mmff))
    return cached(cache_dir() / "conformers" / f"{key}.npz",
                  lambda: {"pos": _embed(heavy, n, seed, mmff)})["pos"]


def torsion_scan_minima(smiles: str, *, rmsd_threshold: float = 0.1, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    r"""The distinct MMFF94 minima reached from every staggered combination of the rotatable torsions.

    One ETKDG geometry (``seed``) gets each of the :math:`3^k` combinations of :data:`STAGGERED` on its k
    rotatable heavy-atom torsions (:func:`rotatable_torsions`; hydrogens follow their atoms), is minimised with
    MMFF94 (all atoms free, hydrogens included) and compared with the minima kept so far: it is new when its
    heavy-atom RMSD to each (best alignment and atom relabelling, ``GetBestRMS``) exceeds ``rmsd_threshold``.

    Returns:
        ``(pos [m, n_heavy, 3] in Å, energies [m] in kcal/mol above the lowest)``, lowest energy first.

    >>> pos, energy = torsion_scan_minima("CCCC")  # butane: anti and the two gauche mirror images
    >>> pos.shape, float(energy[0]), bool(0.5 < energy[1] < 1.5)
    ((3, 4, 3), 0.0, True)
    """
    heavy = heavy_atom_graph(smiles)
    if not rmsd_threshold > 0:
        raise ValueError(f"rmsd_threshold: expected a positive RMSD in Å, got {rmsd_threshold}")
    key = cache_key("torsion-scan", _VERSION, Chem.MolToSmiles(heavy), float(rmsd_threshold), int(seed))
    out = cached(cache_dir() / "conformers" / f"{key}.npz", lambda: _scan(heavy, rmsd_threshold, seed))
    return out["pos"], out["energy"]


def rotatable_torsions(mol: Chem.Mol) -> list[tuple[int, int, int, int]]:
    """One heavy-atom torsion ``(a, b, c, d)`` per rotatable bond b–c: single, not in a ring, with a heavy
    neighbour on both sides (a of b, d of c; the lowest-index ones). Indices are those of ``mol`` without H.

    >>> rotatable_torsions(heavy_atom_graph("CCCCO"))
    [(0, 1, 2, 3), (1, 2, 3, 4)]
    >>> rotatable_torsions(heavy_atom_graph("C1CCCC1"))  # ring bonds do not rotate
    []
    """
    out = []
    for bond in mol.GetBonds():
        if bond.GetBondType() != Chem.BondType.SINGLE or bond.IsInRing():
            continue
        b, c = bond.GetBeginAtom(), bond.GetEndAtom()
        left = sorted(n.GetIdx() for n in b.GetNeighbors() if n.GetIdx() != c.GetIdx() and n.GetAtomicNum() > 1)
        right = sorted(n.GetIdx() for n in c.GetNeighbors() if n.GetIdx() != b.GetIdx() and n.GetAtomicNum() > 1)
        if left and right:
            out.append((left[0], b.GetIdx(), c.GetIdx(), right[0]))
    return out


def torsion_angles(mol: Chem.Mol, pos) -> np.ndarray:
    r"""The rotatable torsions of each conformer, in degrees in (-180°, 180°]: ``[n_conformers, k]``.

    Args:
        mol: the heavy-atom graph (:func:`heavy_atom_graph`); pos: ``[n_conformers, n_heavy, 3]`` (or one
            conformer ``[n_heavy, 3]``).

    >>> pos = np.array([[0.0, 1, 0], [0, 0, 0], [1.5, 0, 0], [1.5, 0, 1]])  # a quarter turn about C1-C2
    >>> torsion_angles(heavy_atom_graph("CCCC"), pos).tolist()
    [[90.0]]
    """
    pos = np.asarray(pos, dtype=float)
    pos = pos[None] if pos.ndim == 2 else pos
    n = mol.GetNumAtoms()
    if pos.ndim != 3 or pos.shape[1:] != (n, 3):
        raise ValueError(f"pos: expected [n_conformers, {n}, 3] for this molecule of {n} heavy atoms, got "
                         f"{list(pos.shape)}")
    torsions = rotatable_torsions(mol)
    if not torsions:
        return np.zeros((len(pos), 0))
    idx = np.array(torsions)  # [k, 4]
    p0, p1, p2, p3 = (pos[:, idx[:, j]] for j in range(4))  # each [n_conformers, k, 3]
    b0, b1, b2 = p0 - p1, p2 - p1, p3 - p2
    b1 = b1 / np.linalg.norm(b1, axis=-1, keepdims=True)
    v = b0 - (b0 * b1).sum(-1, keepdims=True) * b1  # components perpendicular to the axis b1
    w = b2 - (b2 * b1).sum(-1, keepdims=True) * b1
    x = (v * w).sum(-1)
    y = (np.cross(b1, v) * w).sum(-1)
    return np.degrees(np.arctan2(y, x))


def _embed(heavy: Chem.Mol, n: int, seed: int, mmff: bool) -> np.ndarray:
    mol = Chem.AddHs(heavy)
    params = AllChem.ETKDGv3()
    params.randomSeed = int(seed) + 1
    ids = list(AllChem.EmbedMultipleConfs(mol, int(n), params))
    if len(ids) != n:
        raise ValueError(f"smiles: ETKDG embedded {len(ids)} of {n} conformers of {Chem.MolToSmiles(heavy)}")
    if mmff:
        AllChem.MMFFOptimizeMoleculeConfs(mol, maxIters=2000)
    k = heavy.GetNumAtoms()  # AddHs appends the hydrogens: heavy atoms keep indices 0..k-1
    return np.stack([mol.GetConformer(i).GetPositions()[:k] for i in ids])


def _scan(heavy: Chem.Mol, rmsd_threshold: float, seed: int) -> dict:
    mol = Chem.AddHs(heavy)
    params = AllChem.ETKDGv3()
    params.randomSeed = int(seed) + 1
    if AllChem.EmbedMolecule(mol, params) != 0:
        raise ValueError(f"smiles: ETKDG could not embed {Chem.MolToSmiles(heavy)}")
    props = AllChem.MMFFGetMoleculeProperties(mol)
    start = Chem.Conformer(mol.GetConformer())
    torsions = rotatable_torsions(heavy)  # heavy-atom indices are the same in mol
    found, energies = [], []
    for angles in itertools.product(STAGGERED, repeat=len(torsions)):
        conf = Chem.Conformer(start)
        for (a, b, c, d), angle in zip(torsions, angles):
            rdMolTransforms.SetDihedralDeg(conf, a, b, c, d, angle)
        mol.RemoveAllConformers()
        mol.AddConformer(conf, assignId=True)
        ff = AllChem.MMFFGetMoleculeForceField(mol, props)
        ff.Minimize(maxIts=5000)
        pos = np.array(ff.Positions()).reshape(-1, 3)[: heavy.GetNumAtoms()]
        if all(_best_rms(heavy, pos, other) > rmsd_threshold for other in found):
            found.append(pos)
            energies.append(ff.CalcEnergy())
    order = np.argsort(energies)
    energies = np.array(energies)[order]
    return {"pos": np.stack(found)[order], "energy": energies - energies[0]}


def _best_rms(heavy: Chem.Mol, pos_a, pos_b) -> float:
    a, b = Chem.Mol(heavy), Chem.Mol(heavy)
    for mol, pos in ((a, pos_a), (b, pos_b)):
        conf = Chem.Conformer(len(pos))
        for i, p in enumerate(pos):
            conf.SetAtomPosition(i, Point3D(*map(float, p)))
        mol.AddConformer(conf, assignId=True)
    return rdMolAlign.GetBestRMS(a, b)
