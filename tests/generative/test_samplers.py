"""Samplers: DDIM from rotated noise gives the rotated sample (EGNN) and not (baseline); zero CoM at every step."""
import copy

import pytest
import torch

from airtools.generative import (GNNDenoiser, NoiseSchedule, PointCloudDiffusion, center_of_mass, sample_ancestral,
                                 sample_ddim)
from airtools.testing import transformation_errors


def _sample_from_noise(model, noise):
    """``pos_T [n_atoms, 3] -> (pos [n_atoms, 3], z [n_atoms])``: DDIM with the type noise and batch held fixed."""
    return lambda pos: (lambda s: (s.pos, s.z))(sample_ddim(model, noise=noise._replace(pos=pos), n_steps=25))


def _noise(model, sizes=(3, 3), seed=0):
    return model.prior(list(sizes), generator=torch.Generator().manual_seed(seed))


def test_ddim_from_rotated_noise_gives_the_rotated_sample_to_float64_precision(toy_model):
    model = copy.deepcopy(toy_model[0]).double()
    noise = _noise(model)
    errors = transformation_errors(_sample_from_noise(model, noise), "cartesian_points", ["cartesian_points", None],
                                   inputs=[noise.pos], generator=torch.Generator().manual_seed(1))
    assert set(errors) == {"rotation", "reflection"}
    assert max(errors.values()) < 1e-10  # relative; float64 round-off accumulated over 25 steps


def test_ddim_of_the_baseline_does_not_rotate_with_its_noise():
    torch.manual_seed(0)
    model = PointCloudDiffusion(GNNDenoiser(n_types=1, hidden=16, n_layers=2).double(), atom_types=(6,),
                                schedule=NoiseSchedule(T=100))
    noise = _noise(model)
    errors = transformation_errors(_sample_from_noise(model, noise), "cartesian_points", ["cartesian_points", None],
                                   inputs=[noise.pos], generator=torch.Generator().manual_seed(1))
    assert errors["rotation"] > 1e-2  # ten orders of magnitude above the EGNN's


def test_translated_noise_gives_the_same_centred_sample(toy_model):
    model = copy.deepcopy(toy_model[0]).double()
    noise = _noise(model)
    a = sample_ddim(model, noise=noise, n_steps=10)
    b = sample_ddim(model, noise=noise._replace(pos=noise.pos + torch.tensor([1.0, -2.0, 3.0], dtype=torch.float64)),
                    n_steps=10)
    assert torch.allclose(a.pos, b.pos, atol=1e-12, rtol=0)


@pytest.mark.parametrize("sampler", [sample_ancestral, sample_ddim])
def test_every_step_of_the_trajectory_has_zero_com(toy_model, sampler):
    model = copy.deepcopy(toy_model[0]).double()
    out = sampler(model, n_atoms=[3, 4, 3], generator=torch.Generator().manual_seed(2), return_trajectory=True)
    traj = out.trajectory
    n_frames = model.T + 2 if sampler is sample_ancestral else 50 + 2
    assert traj.pos.shape == (n_frames, 10, 3) and traj.h.shape == (n_frames, 10, 1) and traj.z.shape == (n_frames, 10)
    assert traj.t[0] == 1 and traj.t[-1] == 0 and bool((traj.t[1:] <= traj.t[:-1]).all())
    for pos in traj.pos:
        assert center_of_mass(pos, out.batch).abs().max() < 1e-12 * max(pos.abs().max().item(), 1.0)
    assert torch.equal(traj.pos[-1], out.pos)


def test_samplers_are_reproducible_with_a_generator(toy_model):
    model = toy_model[0]
    a, b = (sample_ancestral(model, n_samples=2, generator=torch.Generator().manual_seed(3)) for _ in range(2))
    assert torch.equal(a.pos, b.pos) and torch.equal(a.z, b.z)
    c = sample_ancestral(model, n_samples=2, generator=torch.Generator().manual_seed(4))
    assert not torch.equal(a.pos, c.pos)


def test_sizes_come_from_the_histogram_or_the_arguments(toy_model):
    model = toy_model[0]  # trained on triangles: p(n = 3) = 1
    out = sample_ddim(model, n_samples=4, n_steps=5, generator=torch.Generator().manual_seed(5))
    assert torch.bincount(out.batch).tolist() == [3, 3, 3, 3]
    out = sample_ddim(model, n_atoms=[2, 5], n_steps=5)
    assert torch.bincount(out.batch).tolist() == [2, 5]
    assert [len(z) for z, _ in out.molecules()] == [2, 5]
    out = sample_ddim(copy.deepcopy(model).double(), n_samples=2, n_atoms=4, n_steps=5)
    assert out.pos.dtype == torch.float64 and torch.bincount(out.batch).tolist() == [4, 4]


def test_bad_requests_say_what_is_wrong(toy_model):
    model = toy_model[0]
    with pytest.raises(ValueError, match="n_steps: expected an int in 1..100"):
        sample_ddim(model, n_samples=1, n_steps=0)
    with pytest.raises(ValueError, match="n_samples: say how many"):
        sample_ddim(model)
    with pytest.raises(ValueError, match="the noise already fixes the molecules"):
        sample_ddim(model, n_samples=2, noise=_noise(model))
    with pytest.raises(ValueError, match=r"noise: expected h \[n_atoms, 1\]"):
        sample_ddim(model, noise=_noise(model)._replace(h=torch.zeros(6, 2)))
