"""COV / MAT and symmetry-aware RMSD on ensembles with known answers."""
import numpy as np
import pytest
from rdkit import Chem
from rdkit.Chem import AllChem, rdMolAlign

from airtools.generative import best_rmsd, coverage_matching, rmsd_matrix

# "0 Å" for RDKit: the RMSD is the square root of the aligned residual, so float round-off of ~1e-11 Å^2
# in the alignment reads as a few 1e-6 Å (measured up to 4e-6 Å for identical conformers)
ZERO = 1e-5


def _ensemble(smiles="CCCCO", n=4, seed=1):
    """An RDKit molecule with hydrogens and ``n`` ETKDG conformers at least 0.5 Å (heavy-atom RMSD) apart."""
    mol = Chem.AddHs(Chem.MolFromSmiles(smiles))
    ids = list(AllChem.EmbedMultipleConfs(mol, 10 * n, randomSeed=seed, pruneRmsThresh=0.5))
    assert len(ids) >= n
    return mol, np.stack([mol.GetConformer(i).GetPositions() for i in ids[:n]])  # [n, n_atoms, 3]


def _heavy_radius(mol, pos):
    """Root-mean-square distance of the heavy atoms from their centroid, ``[n_conformers]``."""
    heavy = np.array([a.GetAtomicNum() > 1 for a in mol.GetAtoms()])
    x = pos[:, heavy] - pos[:, heavy].mean(1, keepdims=True)
    return np.sqrt((x**2).sum(-1).mean(-1))


def test_an_ensemble_against_itself_has_full_coverage_and_zero_matching():
    mol, pos = _ensemble()
    rmsd = rmsd_matrix(mol, pos, pos)
    assert rmsd.shape == (4, 4) and np.diag(rmsd).max() < ZERO
    assert rmsd[~np.eye(4, dtype=bool)].min() >= 0.5  # pruned: distinct conformers
    result = coverage_matching(rmsd, threshold=0.5)
    assert result["cov_r"] == 1.0 and result["cov_p"] == 1.0
    assert result["mat_r"] < ZERO and result["mat_p"] < ZERO


def test_a_scaled_copy_matches_with_the_known_rmsd():
    # Y = (1 + e) X about the heavy-atom centroid: no rotation or relabelling beats the identity, so the
    # heavy-atom RMSD is exactly e * (rms radius); other conformers are >= 0.5 - 0.03 Å away
    mol, pos = _ensemble()
    heavy = np.array([a.GetAtomicNum() > 1 for a in mol.GetAtoms()])
    e = 0.02
    centre = pos[:, heavy].mean(1, keepdims=True)
    scaled = centre + (1 + e) * (pos - centre)
    expected = e * _heavy_radius(mol, pos)  # [4], each ~0.04 Å
    rmsd = rmsd_matrix(mol, scaled, pos)
    assert np.allclose(np.diag(rmsd), expected, rtol=0, atol=ZERO)
    result = coverage_matching(rmsd, threshold=0.5)
    assert result["cov_r"] == 1.0 and result["mat_r"] == pytest.approx(expected.mean(), abs=ZERO)
    below = coverage_matching(rmsd, threshold=0.5 * expected.min())  # smaller than every perturbation
    assert below["cov_r"] == 0.0 and below["cov_p"] == 0.0


def test_recall_and_precision_see_missing_and_extra_conformers():
    mol, pos = _ensemble()
    rmsd = rmsd_matrix(mol, pos[:2], pos)  # generated: only the first two of four reference conformers
    result = coverage_matching(rmsd, threshold=0.3)
    assert result["cov_r"] == 0.5 and result["cov_p"] == 1.0
    assert result["mat_p"] < ZERO and result["mat_r"] > 0.25  # two references are >= 0.5 Å from both


def test_best_rmsd_is_symmetry_aware():
    # isobutane: swap the coordinates of two methyl groups (carbon and its three hydrogens) -> the same
    # conformer with relabelled atoms; a plain RMSD with the atoms in order sees a large error, GetBestRMS none
    mol, pos = _ensemble("CC(C)C", n=1)
    pos = pos[0]
    methyls = [a.GetIdx() for a in mol.GetAtoms() if a.GetAtomicNum() == 6 and a.GetDegree() == 4
               and sum(n.GetAtomicNum() == 1 for n in a.GetNeighbors()) == 3][:2]
    swapped = pos.copy()
    for a, b in [methyls] + list(zip(*[[n.GetIdx() for n in mol.GetAtomWithIdx(m).GetNeighbors()
                                        if n.GetAtomicNum() == 1] for m in methyls])):
        swapped[[a, b]] = pos[[b, a]]
    assert best_rmsd(mol, swapped, pos) < ZERO
    assert best_rmsd(mol, swapped, pos, heavy_atoms=False) < ZERO
    plain = Chem.Mol(mol)
    plain.RemoveAllConformers()
    for p in (swapped, pos):
        conf = Chem.Conformer(len(p))
        for i, x in enumerate(p):
            conf.SetAtomPosition(i, x.tolist())
        plain.AddConformer(conf, assignId=True)
    assert rdMolAlign.AlignMol(plain, plain, prbCid=0, refCid=1) > 0.5  # no relabelling: the swap shows


def test_bad_input_says_what_is_wrong():
    mol, pos = _ensemble("CCO", n=1)
    with pytest.raises(ValueError, match=r"positions: expected \[n_conformers, 9, 3\]"):
        rmsd_matrix(mol, pos[:, :3], pos)
    with pytest.raises(ValueError, match="non-empty"):
        coverage_matching(np.zeros((0, 3)))
