"""RDKit conformer ensembles: ETKDG is reproducible per seed and differs between seeds, MMFF94 minimisation lowers
the energy, the torsion scan finds butane's anti and gauche minima, torsion angles agree with RDKit's."""
import numpy as np
import pytest
from rdkit import Chem
from rdkit.Chem import AllChem, rdMolTransforms  # noqa: F401 (AllChem registers EmbedMultipleConfs)

from airtools.data import etkdg_conformers, heavy_atom_graph, rotatable_torsions, torsion_angles, torsion_scan_minima
from airtools.generative import rmsd_matrix


def test_etkdg_is_reproducible_per_seed_and_seeds_differ():
    a, b = etkdg_conformers("CCCCO", 5, seed=3), etkdg_conformers("CCCCO", 5, seed=3)
    c = etkdg_conformers("CCCCO", 5, seed=4)
    assert a.shape == (5, 5, 3) and np.array_equal(a, b) and not np.allclose(a, c)
    spread = rmsd_matrix(heavy_atom_graph("CCCCO"), a, a)[~np.eye(5, dtype=bool)]
    assert spread.max() > 0.1  # seed 0 included: not n copies of one conformer (RDKit's randomSeed=0)
    assert etkdg_conformers("CCCCO", 5, seed=0).std(0).max() > 0.1


def test_mmff_minimised_conformers_sit_on_the_minima_of_the_torsion_scan():
    # measured: 9 of 10 relaxed conformers within 0.02 Å of a scan minimum (heavy-atom RMSD), the tenth 0.15 Å (a
    # minimum the staggered starting grid does not reach: the scan is a reference, not a proof of completeness)
    mol = heavy_atom_graph("CCCCN")
    minima, _ = torsion_scan_minima("CCCCN")
    raw, relaxed = etkdg_conformers("CCCCN", 10, seed=1), etkdg_conformers("CCCCN", 10, seed=1, mmff=True)
    to_minimum = {name: rmsd_matrix(mol, pos, minima).min(axis=0) for name, pos in (("raw", raw), ("relaxed", relaxed))}
    assert (to_minimum["relaxed"] < 0.05).mean() >= 0.8, to_minimum
    assert to_minimum["raw"].mean() > 2 * to_minimum["relaxed"].mean(), to_minimum


def test_torsion_scan_finds_butane_anti_and_two_gauche_minima():
    pos, energy = torsion_scan_minima("CCCC")
    tors = torsion_angles(heavy_atom_graph("CCCC"), pos)[:, 0]
    assert len(pos) == 3 and energy[0] == 0 and bool(np.all(np.diff(energy) >= 0))
    assert abs(abs(tors[0]) - 180) < 5  # anti lowest
    assert sorted(np.round(np.abs(tors[1:]))) == pytest.approx([65, 65], abs=10)  # gauche +-, mirror images
    assert energy[1] == pytest.approx(energy[2], abs=1e-3) and 0.5 < energy[1] < 1.5  # kcal/mol (MMFF94 ~0.8)


def test_torsion_angles_agree_with_rdkit_and_rotatable_torsions_skip_rings_and_ends():
    mol = Chem.AddHs(Chem.MolFromSmiles("OCCCCN"))
    AllChem.EmbedMultipleConfs(mol, 3, randomSeed=2)
    heavy = heavy_atom_graph("OCCCCN")
    pos = np.stack([c.GetPositions()[:6] for c in mol.GetConformers()])
    ours = torsion_angles(heavy, pos)
    theirs = np.array([[rdMolTransforms.GetDihedralDeg(c, *t) for t in rotatable_torsions(heavy)]
                       for c in mol.GetConformers()])
    assert ours.shape == (3, 3) and np.abs(((ours - theirs) + 180) % 360 - 180).max() < 1e-8
    assert rotatable_torsions(heavy_atom_graph("CC1CCC1")) == []  # the exocyclic bond has no heavy atom beyond
    assert torsion_angles(heavy_atom_graph("CO"), np.zeros((2, 2, 3))).shape == (2, 0)


def test_bad_input_says_what_is_wrong():
    with pytest.raises(ValueError, match="RDKit cannot parse"):
        etkdg_conformers("C(C", 2)
    with pytest.raises(ValueError, match="needs at least 2"):
        heavy_atom_graph("C")
    with pytest.raises(ValueError, match="n: expected a number of conformers"):
        etkdg_conformers("CCO", 0)
    with pytest.raises(ValueError, match=r"pos: expected \[n_conformers, 3, 3\]"):
        torsion_angles(heavy_atom_graph("CCO"), np.zeros((2, 4, 3)))
