"""PoseBusters on re-docked poses: the crystal pose passes every check, a pose pushed into the protein fails the
clash check (and the RMSD check when it is far), bad input is named."""
import numpy as np
import pytest

from airtools.docking import posebusters_table, with_pose


def test_crystal_pose_passes_and_a_pose_pushed_into_the_protein_fails(complex_1hvr):
    mol, ref, pdb = complex_1hvr["ligand"], complex_1hvr["ligand_pos"], complex_1hvr["protein_pdb"]
    poses = np.stack([ref, ref + [1.5, 0.0, 0.0], ref + [6.0, 0.0, 0.0]])
    table = posebusters_table(mol, poses, pdb, reference_pos=ref)
    assert len(table) == 3 and table.columns[-1] == "pb_valid" and table.shape[1] > 20
    assert table.iloc[0].all(), table.iloc[0][~table.iloc[0]]
    assert not table.loc[1, "minimum_distance_to_protein"] and table.loc[1, "rmsd_≤_2å"]
    assert not table.loc[2, "rmsd_≤_2å"] and not table.loc[1:, "pb_valid"].any()
    chemistry = ["sanitization", "bond_lengths", "bond_angles", "internal_steric_clash", "aromatic_ring_flatness"]
    assert table[chemistry].all().all()  # a rigid move keeps the molecule itself as it was


def test_without_a_reference_the_dock_checks_run(complex_1hvr):
    table = posebusters_table(complex_1hvr["ligand"], complex_1hvr["ligand_pos"][None], complex_1hvr["protein_pdb"])
    assert "rmsd_≤_2å" not in table.columns and bool(table.loc[0, "pb_valid"])


def test_bad_input_says_what_is_wrong(complex_1hvr):
    mol, ref = complex_1hvr["ligand"], complex_1hvr["ligand_pos"]
    with pytest.raises(ValueError, match=r"poses: expected \[k, 46, 3\] \(k poses of mol\), got \[46, 3\]"):
        posebusters_table(mol, ref, complex_1hvr["protein_pdb"])
    with pytest.raises(ValueError, match=r"pos: expected \[46, 3\]"):
        with_pose(mol, ref[:10])
    with pytest.raises(ValueError, match="protein_pdb: RDKit reads no atoms"):
        posebusters_table(mol, ref[None], "not a pdb file")
