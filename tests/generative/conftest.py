"""Generative tests run torch on one thread, and share one diffusion model trained briefly on toy triangles."""
import math

import pytest
import torch

from airtools.generative import EGNNDenoiser, NoiseSchedule, PointCloudDiffusion
from airtools.so3 import random_rotation

SIDE = 1.5  # Å, side of the toy equilateral triangles: every pairwise distance of the data is 1.5 ± jitter
JITTER = 0.02  # Å, Gaussian noise on each coordinate of the toy data


@pytest.fixture(autouse=True)
def _one_thread(one_torch_thread):
    yield


def toy_triangles(n: int, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """``n`` randomly rotated equilateral carbon triangles of side SIDE: ``z [3n]``, ``pos [3n, 3]``, ``batch [3n]``."""
    r = SIDE / math.sqrt(3)  # circumradius
    angle = torch.arange(3, dtype=torch.float64) * 2 * math.pi / 3
    triangle = torch.stack([r * angle.cos(), r * angle.sin(), torch.zeros(3, dtype=torch.float64)], dim=-1)  # [3, 3]
    R = random_rotation(n, dtype=torch.float64, generator=generator)  # [n, 3, 3]
    pos = torch.einsum("nij,kj->nki", R, triangle) + JITTER * torch.randn(n, 3, 3, dtype=torch.float64,
                                                                          generator=generator)
    return torch.full((3 * n,), 6), pos.reshape(-1, 3).float(), torch.arange(n).repeat_interleave(3)


@pytest.fixture(scope="session")
def toy_model():
    """A small EGNN diffusion trained for 250 Adam steps on toy triangles (~3 s on one thread); and its losses."""
    torch.manual_seed(0)
    generator = torch.Generator().manual_seed(0)
    model = PointCloudDiffusion(EGNNDenoiser(n_types=1, hidden=16, n_layers=2), atom_types=(6,),
                                schedule=NoiseSchedule("polynomial_2", T=100), sizes=[3])
    optimizer = torch.optim.Adam(model.parameters(), lr=5e-3)
    losses = []
    n_threads = torch.get_num_threads()
    torch.set_num_threads(1)  # a session fixture runs outside the function-scoped one-thread fixture
    for _ in range(250):
        z, pos, batch = toy_triangles(32, generator)
        loss = model.loss(z, pos, batch, generator=generator)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    torch.set_num_threads(n_threads)
    return model, losses
