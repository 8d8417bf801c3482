r"""Conformer metrics: symmetry-aware RMSD, coverage and matching (COV / MAT, as GeoDiff and torsional diffusion).

For one molecular graph, a generated ensemble :math:`\{C_i\}` (n_gen conformers) is compared with a reference
ensemble :math:`\{R_j\}` (n_ref) through the heavy-atom RMSD after the best rigid alignment *and* the best
relabelling of symmetry-equivalent atoms (RDKit ``rdMolAlign.GetBestRMS``; the two methyl groups of propane,
the ring atoms of benzene):

.. math::
    \mathrm{COV\text{-}R}(\delta) = \frac{1}{n_\text{ref}}
        \Big|\big\{j : \min_i \mathrm{RMSD}(C_i, R_j) \le \delta\big\}\Big|, \qquad
    \mathrm{MAT\text{-}R} = \frac{1}{n_\text{ref}} \sum_j \min_i \mathrm{RMSD}(C_i, R_j)

(recall: is every reference conformer found?), and COV-P / MAT-P with the roles swapped (precision: is every
generated conformer close to a real one?). GeoDiff (Xu et al. 2022) and torsional diffusion (Jing et al. 2022)
use δ = 0.5 Å on QM9 and 0.75 Å (torsional diffusion) or 1.25 Å (GeoDiff) on GEOM-DRUGS.
"""
import numpy as np
from rdkit import Chem
from rdkit.Chem import rdMolAlign
from rdkit.Geometry import Point3D


def best_rmsd(mol: Chem.Mol, pos_probe, pos_ref, *, heavy_atoms: bool = True) -> float:
    """Symmetry-aware RMSD (Å) between two conformers of ``mol`` after the best alignment (``GetBestRMS``).

    Args:
        mol: the molecule (its atoms in the order of the positions; its conformers are ignored).
        pos_probe, pos_ref: ``[n_atoms, 3]`` positions in Å.
        heavy_atoms: compare heavy atoms only (hydrogens removed), as GeoDiff and torsional diffusion.

    >>> from rdkit.Chem import AllChem
    >>> mol = Chem.AddHs(Chem.MolFromSmiles("CCO"))
    >>> AllChem.EmbedMolecule(mol, randomSeed=0)
    0
    >>> pos = mol.GetConformer().GetPositions()
    >>> best_rmsd(mol, pos @ np.array([[0, -1, 0], [1, 0, 0], [0, 0, 1.0]]) + 3.0, pos) < 1e-5  # rotated, moved
    True
    """
    return float(rmsd_matrix(mol, np.asarray(pos_probe)[None], np.asarray(pos_ref)[None],
                             heavy_atoms=heavy_atoms)[0, 0])


def rmsd_matrix(mol: Chem.Mol, pos_gen, pos_ref, *, heavy_atoms: bool = True) -> np.ndarray:
    """All symmetry-aware RMSDs between a generated and a reference ensemble of conformers of ``mol``.

    Args:
        mol: the molecule; pos_gen: ``[n_gen, n_atoms, 3]``; pos_ref: ``[n_ref, n_atoms, 3]`` (Å).
        heavy_atoms: as in :func:`best_rmsd`.

    Returns:
        ``[n_ref, n_gen]`` RMSDs in Å (GeoDiff's "confusion matrix": rows reference, columns generated).

    >>> from rdkit.Chem import AllChem
    >>> mol = Chem.AddHs(Chem.MolFromSmiles("CCCO"))
    >>> list(AllChem.EmbedMultipleConfs(mol, 3, randomSeed=1))  # (randomSeed=0 repeats one conformer)
    [0, 1, 2]
    >>> pos = np.stack([c.GetPositions() for c in mol.GetConformers()])
    >>> bool(np.diag(rmsd_matrix(mol, pos, pos)).max() < 1e-5)  # 0 up to RDKit's alignment round-off
    True
    """
    probe, ref = _with_conformers(mol, pos_gen, heavy_atoms), _with_conformers(mol, pos_ref, heavy_atoms)
    rmsd = np.empty((ref.GetNumConformers(), probe.GetNumConformers()))
    for i in range(rmsd.shape[1]):
        for j in range(rmsd.shape[0]):
            rmsd[j, i] = rdMolAlign.GetBestRMS(probe, ref, prbId=i, refId=j)  # aligns probe conformer i in place
    return rmsd


def kabsch_rmsd(pos_probe, pos_ref) -> float:
    r"""RMSD (Å) after the best rotation and translation, atoms matched in order (Kabsch 1976):

    .. math:: \mathrm{RMSD} = \min_{R \in SO(3),\, t} \sqrt{\tfrac1n \textstyle\sum_i
              \lVert R p_i + t - q_i \rVert^2}

    with centred :math:`P, Q` and the SVD :math:`P^\top Q = U S V^\top`: :math:`R = V D U^\top`,
    :math:`D = \mathrm{diag}(1, 1, \det V U^\top)` (a proper rotation: a mirror image is not aligned onto
    its original). :func:`best_rmsd` also tries relabelling symmetry-equivalent atoms.

    >>> P = np.array([[0.0, 0, 0], [1.5, 0, 0], [2.0, 1.4, 0], [3.5, 1.4, 0.5]])
    >>> R = np.array([[0.0, -1, 0], [1, 0, 0], [0, 0, 1]])
    >>> round(kabsch_rmsd(P @ R.T + 2.0, P), 12), round(kabsch_rmsd(P * [1, 1, -1], P), 3) > 0  # mirror: not 0
    (0.0, True)
    """
    P, Q = (np.asarray(x, dtype=float) for x in (pos_probe, pos_ref))
    if P.ndim != 2 or P.shape != Q.shape or P.shape[1] != 3:
        raise ValueError(f"pos_probe, pos_ref: expected two [n_atoms, 3] arrays of one shape, got {list(P.shape)} "
                         f"and {list(Q.shape)}")
    P, Q = P - P.mean(0), Q - Q.mean(0)
    U, _, Vt = np.linalg.svd(P.T @ Q)
    D = np.diag([1.0, 1.0, np.sign(np.linalg.det(Vt.T @ U.T))])
    R = Vt.T @ D @ U.T
    return float(np.sqrt(((P @ R.T - Q) ** 2).sum(-1).mean()))


def coverage_matching(rmsd, threshold: float = 0.5) -> dict:
    r"""COV-R, MAT-R, COV-P, MAT-P of an RMSD matrix ``[n_ref, n_gen]`` (:func:`rmsd_matrix`).

    Args:
        rmsd: ``[n_ref, n_gen]`` RMSDs in Å.
        threshold: :math:`\delta` in Å (0.5 for QM9-sized molecules).

    Returns:
        ``{"cov_r", "mat_r", "cov_p", "mat_p"}``: coverages as fractions in [0, 1], matching RMSDs in Å.

    >>> coverage_matching(np.array([[0.1, 0.9], [0.7, 0.6]]), threshold=0.5)  # ref 1 is not covered
    {'cov_r': 0.5, 'mat_r': 0.35, 'cov_p': 0.5, 'mat_p': 0.35}
    """
    rmsd = np.asarray(rmsd, dtype=float)
    if rmsd.ndim != 2 or 0 in rmsd.shape:
        raise ValueError(f"rmsd: expected a non-empty [n_ref, n_gen] matrix, got shape {list(rmsd.shape)}")
    if not threshold > 0:
        raise ValueError(f"threshold: expected a positive RMSD in Å, got {threshold}")
    ref_min, gen_min = rmsd.min(axis=1), rmsd.min(axis=0)  # [n_ref], [n_gen]
    return {"cov_r": float((ref_min <= threshold).mean()), "mat_r": float(ref_min.mean()),
            "cov_p": float((gen_min <= threshold).mean()), "mat_p": float(gen_min.mean())}


def _with_conformers(mol: Chem.Mol, positions, heavy_atoms: bool) -> Chem.Mol:
    """A copy of ``mol`` whose conformers are ``positions [n_conf, n_atoms, 3]`` (hydrogens removed if asked)."""
    positions = np.asarray(positions, dtype=float)
    n = mol.GetNumAtoms()
    if positions.ndim != 3 or positions.shape[1:] != (n, 3) or positions.shape[0] == 0:
        raise ValueError(f"positions: expected [n_conformers, {n}, 3] for this molecule of {n} atoms "
                         f"(hydrogens included if mol has them), got {list(positions.shape)}")
    out = Chem.Mol(mol)
    out.RemoveAllConformers()
    for pos in positions:
        out.AddConformer(conformer(pos), assignId=True)  # ids 0, 1, ...
    return Chem.RemoveHs(out) if heavy_atoms else out


def conformer(pos) -> Chem.Conformer:
    """An RDKit conformer with positions ``[n_atoms, 3]`` (Å).

    >>> conformer([[0, 0, 0], [1.5, 0, 0]]).GetAtomPosition(1).x
    1.5
    """
    pos = np.asarray(pos, dtype=float)
    out = Chem.Conformer(len(pos))
    for i, p in enumerate(pos):
        out.SetAtomPosition(i, Point3D(*map(float, p)))
    return out
