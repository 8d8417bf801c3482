"""Docking RMSD: zero for the same pose, no alignment, symmetric over the ligand's graph automorphisms (so the
order of the atoms does not matter), and the same number RDKit's CalcRMS gives."""
import numpy as np
import pytest
import torch
from rdkit import Chem
from rdkit.Chem import rdMolAlign

from airtools.docking import ligand_symmetries, pose_rmsd, with_pose


def test_xk263_has_eight_symmetries_c2_times_two_phenyl_flips(complex_1hvr):
    symmetries = ligand_symmetries(complex_1hvr["ligand"])
    assert symmetries.shape == (8, 46) and (symmetries[0] == np.arange(46)).all()
    assert len({tuple(s) for s in symmetries}) == 8


def test_identities_and_no_alignment(complex_1hvr):
    ref = complex_1hvr["ligand_pos"]
    sym = ligand_symmetries(complex_1hvr["ligand"])
    assert float(pose_rmsd(ref, ref)) == 0.0 and float(pose_rmsd(ref, ref, sym)) == 0.0
    assert float(pose_rmsd(ref + [1.0, 2.0, 2.0], ref, sym)) == pytest.approx(3.0, abs=1e-12)  # a 3 Å shift stays 3 Å
    two = pose_rmsd(np.stack([ref, ref + [0.0, 0.0, 1.0]]), ref, sym)
    assert two.shape == (2,) and two[1] == pytest.approx(1.0)
    assert float(pose_rmsd(torch.tensor(ref), torch.tensor(ref))) == 0.0  # tensors too


def test_swapping_symmetric_atoms_is_the_same_pose_for_the_symmetric_rmsd_only(complex_1hvr):
    ref = complex_1hvr["ligand_pos"]
    sym = ligand_symmetries(complex_1hvr["ligand"])
    c2 = sym[np.argmax([(s != np.arange(46)).sum() for s in sym])]  # the automorphism that moves the most atoms
    relabelled = ref[c2]  # atom i now sits where atom c2[i] sat: the same pose, other labels
    assert float(pose_rmsd(relabelled, ref, sym)) < 1e-12
    assert float(pose_rmsd(relabelled, ref)) > 5  # symmetry-naive: measured 10.0 Å for the C2 swap


def test_the_symmetric_rmsd_does_not_depend_on_atom_order(complex_1hvr):
    mol, ref = complex_1hvr["ligand"], complex_1hvr["ligand_pos"]
    g = np.random.default_rng(0)
    pose = ref + g.normal(scale=0.7, size=ref.shape)
    order = g.permutation(46)
    renumbered = Chem.RenumberAtoms(mol, order.tolist())  # new atom i is old atom order[i]
    a = float(pose_rmsd(pose, ref, ligand_symmetries(mol)))
    b = float(pose_rmsd(pose[order], ref[order], ligand_symmetries(renumbered)))
    assert a == pytest.approx(b, abs=1e-12)


def test_agrees_with_rdkit_calc_rms_without_alignment(complex_1hvr):
    mol, ref = complex_1hvr["ligand"], complex_1hvr["ligand_pos"]
    sym = ligand_symmetries(mol)
    g = np.random.default_rng(1)
    for pose in (ref[sym[3]] + g.normal(scale=0.3, size=ref.shape), ref + g.normal(scale=1.0, size=ref.shape)):
        expected = rdMolAlign.CalcRMS(with_pose(mol, pose), with_pose(mol, ref))
        assert float(pose_rmsd(pose, ref, sym)) == pytest.approx(expected, abs=1e-6)


def test_bad_input_says_what_is_wrong(complex_1hvr):
    ref = complex_1hvr["ligand_pos"]
    with pytest.raises(ValueError, match=r"pos \[\.\.\., n, 3\], pos_ref \[n, 3\]: got \[45, 3\] and \[46, 3\]"):
        pose_rmsd(ref[:45], ref)
    with pytest.raises(ValueError, match=r"symmetries: expected \[k, 46\] permutations"):
        pose_rmsd(ref, ref, [[0, 1, 2]])
    with pytest.raises(ValueError, match="permutations"):
        pose_rmsd(ref, ref, [np.zeros(46, dtype=int)])
