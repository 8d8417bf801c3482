"""Vina's score: a function of distances only (moving the complex changes nothing, moving the ligand does), the
crystal pose far better than random poses, its terms as the formula says, bad input named."""
import numpy as np
import pytest
import torch

from airtools.docking import VINA_WEIGHTS, VinaScore, XS_TYPES, random_poses, rigid_pose
from airtools.so3 import random_rotation

from .conftest import crystal


def test_moving_protein_and_ligand_together_changes_no_score(complex_1hvr, types_1hvr):
    lig_types, pocket, pocket_types = types_1hvr
    g = torch.Generator().manual_seed(0)
    pocket = torch.tensor(pocket, dtype=torch.float64)
    pos = crystal(complex_1hvr, torch.float64) + 0.3 * torch.randn(46, 3, dtype=torch.float64, generator=g)
    score = VinaScore(lig_types, pocket, pocket_types)
    for _ in range(3):
        R = random_rotation(dtype=torch.float64, generator=g)
        t = 20 * torch.randn(3, dtype=torch.float64, generator=g)
        moved = VinaScore(lig_types, pocket @ R.T + t, pocket_types)
        assert moved.pocket_pos.dtype == torch.float64
        assert abs(float(moved(pos @ R.T + t) - score(pos))) < 1e-10
        assert (moved.terms(pos @ R.T + t) - score.terms(pos)).abs().max() < 1e-10


def test_turning_the_ligand_alone_changes_the_score(complex_1hvr, types_1hvr):
    score = VinaScore(*types_1hvr).double()
    pos = crystal(complex_1hvr, torch.float64)
    R = random_rotation(dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    c = pos.mean(0)
    turned = (pos - c) @ R.T + c
    assert float(score(turned) - score(pos)) > 10  # the crystal pose is a deep minimum: turning it clashes
    shifted = pos + torch.tensor([1.0, 0.0, 0.0], dtype=torch.float64)
    assert abs(float(score(shifted) - score(pos))) > 1


def test_crystal_pose_scores_far_better_than_random_poses(complex_1hvr, score_1hvr):
    pos = crystal(complex_1hvr)
    q, t = random_poses(500, pos.mean(0), 4.0, torch.Generator().manual_seed(2))
    random_scores = score_1hvr(rigid_pose(pos - pos.mean(0), q, t))
    native = float(score_1hvr(pos))
    assert native < -20  # measured -21.25
    assert float(random_scores.min()) > native + 20  # measured: the best of 500 random poses scores +43.5


def test_score_is_weights_times_terms_and_each_term_follows_its_formula():
    # one ligand atom against one pocket atom on the z axis, at chosen surface distances d
    for lig, pocket, r in [("C_H", "C_H", 3.3), ("O_DA", "O_A", 2.6), ("N_P", "O_A", 5.0), ("C_P", "C_H", 9.0)]:
        score = VinaScore([XS_TYPES.index(lig)], torch.tensor([[0.0, 0.0, r]], dtype=torch.float64),
                          [XS_TYPES.index(pocket)])
        x = torch.zeros(1, 3, dtype=torch.float64)
        d = r - float(score.radius_sum)
        hydrophobic = lig.endswith("_H") and pocket.endswith("_H")
        hbond = lig == "O_DA" and pocket == "O_A"
        expected = np.array([np.exp(-(d / 0.5) ** 2), np.exp(-((d - 3) / 2) ** 2), min(d, 0) ** 2,
                             hydrophobic * np.clip((1.5 - d), 0, 1), hbond * np.clip(-d / 0.7, 0, 1)]) * (r < 8)
        assert np.allclose(score.terms(x).numpy(), expected, atol=1e-12), (lig, pocket, r)
        assert float(score(x)) == pytest.approx(expected @ list(VINA_WEIGHTS.values()), abs=1e-12)


def test_scores_are_batched_over_leading_dimensions(complex_1hvr, score_1hvr):
    pos = crystal(complex_1hvr)
    batch = torch.stack([pos, pos + 1.0, pos - 1.0]).reshape(3, 1, 46, 3)
    out = score_1hvr(batch)
    assert out.shape == (3, 1) and torch.allclose(out[:, 0], torch.stack([score_1hvr(p) for p in batch[:, 0]]))


def test_bad_input_says_what_is_wrong(types_1hvr):
    lig_types, pocket, pocket_types = types_1hvr
    score = VinaScore(*types_1hvr)
    with pytest.raises(ValueError, match=r"pos: expected \[\.\.\., 46, 3\].*got \[45, 3\]"):
        score(torch.zeros(45, 3))
    with pytest.raises(ValueError, match=r"pocket_types \[m\]: got shapes \[46\], \[463, 3\], \[462\]"):
        VinaScore(lig_types, pocket, pocket_types[:-1])
    with pytest.raises(ValueError, match=r"hydrogens \(-1\) are not scored"):
        VinaScore([-1, 0], pocket, pocket_types)
