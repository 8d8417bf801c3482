"""The pose search: rigid poses stay rigid, a fixed seed re-docks XK263 under 2 Å (in seconds), and random poses
at the same number of score evaluations do not."""
import time

import numpy as np
import pytest
import torch

from airtools.docking import dock, ligand_symmetries, pose_rmsd, random_search, rigid_pose
from airtools.so3 import random_rotation

from .conftest import crystal


def test_rigid_pose_keeps_the_conformer_and_puts_the_centroid_at_t():
    g = torch.Generator().manual_seed(0)
    x = torch.randn(7, 3, dtype=torch.float64, generator=g)
    x0 = x - x.mean(0)
    q = torch.randn(5, 4, dtype=torch.float64, generator=g) * 3  # not unit: normalised inside
    t = torch.randn(5, 3, dtype=torch.float64, generator=g)
    pos = rigid_pose(x0, q, t)
    assert pos.shape == (5, 7, 3)
    assert torch.allclose(torch.cdist(pos, pos), torch.cdist(x0, x0).expand(5, 7, 7), atol=1e-12)
    assert torch.allclose(pos.mean(1), t, atol=1e-12)
    identity = torch.tensor([1.0, 0, 0, 0], dtype=torch.float64)
    assert torch.allclose(rigid_pose(x0, identity, x.mean(0)), x, atol=1e-12)  # the crystal pose: q = 1, t = centroid
    R = random_rotation(dtype=torch.float64, generator=g)
    assert torch.allclose(rigid_pose(x0, -q, t), pos, atol=1e-12) and not torch.allclose(
        rigid_pose(x0 @ R.T, q, t), pos, atol=1e-3)  # q and -q are one rotation


def test_a_fixed_seed_redocks_xk263_under_2_angstrom_in_seconds(complex_1hvr, score_1hvr):
    ref = crystal(complex_1hvr)
    symmetries = ligand_symmetries(complex_1hvr["ligand"])
    start = time.perf_counter()
    run = dock(score_1hvr, ref, ref.mean(0), n_restarts=16, n_steps=60, seed=0)
    seconds = time.perf_counter() - start
    rmsd = pose_rmsd(run.pos, ref, symmetries)  # [16], best score first
    assert run.pos.shape == (16, 46, 3) and run.n_evaluations == 16 * 61
    assert bool((run.score[1:] >= run.score[:-1]).all())
    assert rmsd[0] < 2.0, rmsd  # measured 0.41 Å
    assert run.best_score < float(score_1hvr(ref))  # measured -21.33 against the crystal pose's -21.25
    assert seconds < 30, seconds  # ~2 s on an idle 2-core CPU
    baseline = random_search(score_1hvr, ref, ref.mean(0), n_poses=run.n_evaluations, seed=0)
    assert pose_rmsd(baseline.best_pos, ref, symmetries) > 2.0 and baseline.best_score > 0  # clashes: measured 5.8 Å


def test_the_search_keeps_the_centroid_in_the_box(complex_1hvr, score_1hvr):
    ref = crystal(complex_1hvr)
    run = dock(score_1hvr, ref, ref.mean(0) + torch.tensor([15.0, 0, 0]), half_width=1.0, n_restarts=4, n_steps=20)
    offset = (run.pos.mean(1) - ref.mean(0) - torch.tensor([15.0, 0, 0])).abs().max()
    assert offset <= 1.0 + 1e-5  # a 1 Å box 15 Å from the pocket: the centroids stay in it


def test_bad_input_says_what_is_wrong(complex_1hvr, score_1hvr):
    ref = crystal(complex_1hvr)
    with pytest.raises(ValueError, match=r"ligand_pos \[n, 3\], centre \[3\]: got \[46, 3\] and \[1, 3\]"):
        dock(score_1hvr, ref, ref.mean(0, keepdim=True))
    with pytest.raises(ValueError, match="half_width: expected a positive"):
        random_search(score_1hvr, ref, ref.mean(0), half_width=0.0)
    with pytest.raises(ValueError, match=r"pos: expected \[\.\.\., 46, 3\]"):
        dock(score_1hvr, ref[:40], ref.mean(0), n_restarts=1, n_steps=1)


def test_search_runs_on_each_device(complex_1hvr, types_1hvr, device):
    from airtools.docking import VinaScore

    ref = crystal(complex_1hvr)
    score = VinaScore(*types_1hvr).to(device)
    run = dock(score, ref, ref.mean(0), n_restarts=2, n_steps=2)
    assert run.pos.device.type == device and np.isfinite(run.best_score)
