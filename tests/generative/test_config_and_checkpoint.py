"""A diffusion model built from its DiffusionConfig survives a checkpoint: same class, same samples, same p(n)."""
import pytest
import torch

from airtools.generative import (DiffusionConfig, EGNNDenoiser, GNNDenoiser, NoiseSchedule, PointCloudDiffusion,
                                 sample_ddim)
from airtools.train import load_checkpoint, save_checkpoint


@pytest.mark.parametrize("kind, cls", [("egnn", EGNNDenoiser), ("gnn", GNNDenoiser)])
def test_config_builds_the_denoiser_and_schedule_it_names(kind, cls):
    model = PointCloudDiffusion(config=DiffusionConfig(denoiser=kind, hidden=8, n_layers=2, atom_types=(1, 6),
                                                       schedule="cosine", T=20, type_factor=2.0))
    assert isinstance(model.denoiser, cls) and len(model.denoiser.blocks) == 2
    assert model.T == 20 and model.schedule.kind == "cosine" and model.atom_types.tolist() == [1, 6]
    assert model.type_factor == 2.0 and model.n_types == 2


def test_checkpoint_rebuilds_the_model_with_its_size_histogram(tmp_path):
    torch.manual_seed(0)
    model = PointCloudDiffusion(config=DiffusionConfig(hidden=8, n_layers=1, T=10), sizes=[3, 5, 5, 9])
    path = save_checkpoint(tmp_path / "m.pt", model)
    loaded = load_checkpoint(path)
    assert type(loaded) is PointCloudDiffusion and loaded.config == model.config
    assert torch.equal(loaded.size_counts, model.size_counts) and loaded.size_counts.shape == (10,)  # sizes 0..9
    a = sample_ddim(model, n_samples=3, n_steps=5, generator=torch.Generator().manual_seed(1))
    b = sample_ddim(loaded, n_samples=3, n_steps=5, generator=torch.Generator().manual_seed(1))
    assert torch.equal(a.pos, b.pos) and torch.equal(a.z, b.z)  # same sizes drawn, same weights


def test_a_model_without_config_still_works_and_both_ways_at_once_are_refused():
    model = PointCloudDiffusion(EGNNDenoiser(n_types=1, hidden=4, n_layers=1), atom_types=(6,),
                                schedule=NoiseSchedule(T=5))
    assert model.config is None
    with pytest.raises(ValueError, match="either a DiffusionConfig or denoiser/schedule"):
        PointCloudDiffusion(EGNNDenoiser(n_types=5), config=DiffusionConfig())
    with pytest.raises(ValueError, match=r"config.denoiser: expected one of \['egnn', 'gnn'\], got 'mlp'"):
        PointCloudDiffusion(config=DiffusionConfig(denoiser="mlp"))
    with pytest.raises(ValueError, match="denoiser: expected a noise model"):
        PointCloudDiffusion()
