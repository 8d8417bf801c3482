"""generate: reproducible per seed, its per-molecule and per-frame scores agree with the metrics; rotated_noise:
float64 round-off for the EGNN, a different molecule for the baseline; bad input is refused."""
import numpy as np
import pytest
import torch

from airtools.generative import GNNDenoiser, NoiseSchedule, PointCloudDiffusion, generate, rotated_noise, to_smiles
from airtools.so3 import random_rotation


@pytest.mark.parametrize("sampler", ["ancestral", "ddim"])
def test_generate_is_reproducible_and_its_scores_agree(toy_model, sampler):
    model = toy_model[0]
    a = generate(model, 4, sampler=sampler, n_steps=20, seed=5, training_smiles=["CCC"])
    b = generate(model, 4, sampler=sampler, n_steps=20, seed=5)
    assert torch.equal(a.samples.pos, b.samples.pos) and torch.equal(a.noise.pos, b.noise.pos)
    assert torch.allclose(a.samples.trajectory.pos[0], a.noise.pos, atol=1e-6)  # the first frame: the noise
    z, pos = a.molecule(2)
    assert a.smiles[2] == to_smiles(z, pos) and len(a.stable) == 4
    assert a.frames["validity"][-1] == pytest.approx(a.metrics["validity"]) and a.metrics["novelty"] is not None
    assert a.frames["atom_stability"][-1] == pytest.approx(a.metrics["atom_stability"])
    assert a.seconds > 0 and b.metrics["novelty"] is None
    with pytest.raises(ValueError, match="k: expected a molecule index in 0..3"):
        a.molecule(4)


def test_rotated_noise_is_round_off_for_the_egnn_and_not_for_the_baseline(toy_model):
    R = random_rotation(dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    noise = toy_model[0].prior([3, 3], generator=torch.Generator().manual_seed(1))
    out = rotated_noise(toy_model[0], noise, R, n_steps=20)
    assert out["error"] < 1e-12 and np.array_equal(out["z"], out["z_rotated"])
    assert np.allclose(out["expected"], out["pos"] @ R.numpy().T, atol=1e-12)
    torch.manual_seed(0)
    baseline = PointCloudDiffusion(GNNDenoiser(n_types=1, hidden=16, n_layers=2), atom_types=(6,),
                                   schedule=NoiseSchedule(T=100))
    assert rotated_noise(baseline, noise, R, n_steps=20)["error"] > 1e-2
    steps = []
    rotated_noise(toy_model[0], noise, R, n_steps=5, callback=lambda k, n: steps.append((k, n)))
    assert steps == [(k, 10) for k in range(1, 11)]  # one progress bar over both runs


def test_bad_input(toy_model):
    with pytest.raises(ValueError, match="sampler: expected one of"):
        generate(toy_model[0], 2, sampler="euler")
    with pytest.raises(ValueError, match="n_samples: expected 1..1000"):
        generate(toy_model[0], 0)
    with pytest.raises(ValueError, match="R: expected a 3 x 3 orthogonal matrix"):
        rotated_noise(toy_model[0], toy_model[0].prior([3]), 2 * torch.eye(3))
