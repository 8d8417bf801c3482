"""The Gaussian-mixture toy: its exact noise prediction is -sigma times the score of the noised density, and the
ancestral step written out with it turns pure noise back into the mixture."""
import math

import pytest
import torch

from airtools.generative import GaussianMixture, NoiseSchedule


def test_exact_eps_is_minus_sigma_times_the_score_of_the_noised_density():
    toy = GaussianMixture([[1.0, 0.0], [-1.0, 0.5], [0.0, -2.0]], std=0.3, weights=[1, 2, 1])
    z = torch.randn(50, 2, dtype=torch.float64, generator=torch.Generator().manual_seed(0)).requires_grad_(True)
    alpha, sigma = 0.6, 0.8
    (score,) = torch.autograd.grad(toy.log_prob(z, alpha, sigma).sum(), z)
    assert torch.allclose(toy.eps(z.detach(), alpha, sigma), -sigma * score, atol=1e-12, rtol=0)


def test_the_noised_density_is_normalised_and_tends_to_the_standard_normal():
    toy = GaussianMixture.ring(4, radius=1.0, std=0.2)
    x = torch.linspace(-6, 6, 401, dtype=torch.float64)
    grid = torch.stack(torch.meshgrid(x, x, indexing="ij"), -1).reshape(-1, 2)
    dx = (x[1] - x[0]).item()
    assert toy.log_prob(grid, 0.7, math.sqrt(1 - 0.49)).exp().sum().item() * dx**2 == pytest.approx(1, abs=1e-6)
    standard = -0.5 * (grid**2).sum(1) - math.log(2 * math.pi)
    assert torch.allclose(toy.log_prob(grid, 0.0, 1.0), standard, atol=1e-12)


def test_ancestral_sampling_with_the_exact_eps_recovers_the_mixture():
    # each of 8 modes holds 1/8 of 4000 samples: binomial standard error sqrt(p(1-p)/n) = 0.005; 5 of them tolerated
    toy = GaussianMixture.ring(8, radius=2.0, std=0.1)
    schedule = NoiseSchedule("polynomial_2", T=200)
    g = torch.Generator().manual_seed(0)
    z = torch.randn(4000, 2, dtype=torch.float64, generator=g)
    for s in range(schedule.T - 1, -1, -1):
        t = s + 1
        alpha_ts, sigma2_ts = schedule.transition(s, t)
        sigma_t, sigma_s = schedule.sigma(t), schedule.sigma(s)
        eps = toy.eps(z, schedule.alpha(t), sigma_t)
        z = z / alpha_ts - sigma2_ts / (alpha_ts * sigma_t) * eps
        z = z + (sigma2_ts.sqrt() * sigma_s / sigma_t) * torch.randn(z.shape, dtype=z.dtype, generator=g)
    x = (z - schedule.sigma(0) * toy.eps(z, schedule.alpha(0), schedule.sigma(0))) / schedule.alpha(0)
    d = torch.cdist(x, toy.means)  # [4000, 8]
    nearest, mode = d.min(1)
    assert (nearest < 0.4).double().mean() > 0.99  # within 4 std of a centre
    share = torch.bincount(mode, minlength=8).double() / len(x)
    assert (share - 1 / 8).abs().max() < 5 * math.sqrt(1 / 8 * 7 / 8 / 4000)
    assert nearest.pow(2).mean().sqrt().item() == pytest.approx(math.sqrt(2) * 0.1, rel=0.1)  # rms of a 2-D N(0, s^2)


def test_bad_input():
    with pytest.raises(ValueError, match="means: expected"):
        GaussianMixture([1.0, 2.0])
    with pytest.raises(ValueError, match="std: expected a positive"):
        GaussianMixture([[0.0, 0.0]], std=0)
    with pytest.raises(ValueError, match="weights: expected 2 non-negative"):
        GaussianMixture([[0.0, 0.0], [1.0, 1.0]], weights=[1, -1])
    with pytest.raises(ValueError, match=r"z: expected \[n, 2\]"):
        GaussianMixture.ring(3).eps(torch.zeros(4, 3), 1.0, 0.1)
