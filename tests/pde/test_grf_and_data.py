"""Gaussian random fields have the stated statistics; datasets are reproducible and their cache self-heals."""
import math
import warnings

import numpy as np
import pytest
import torch

from airtools import pde


def test_grf_mean_zero_variance_and_spectrum_slope():
    g = torch.Generator().manual_seed(0)
    alpha, tau, sigma, n, N = 2.0, 1.0, 1.0, 128, 4000
    u = pde.gaussian_random_field(N, n, alpha=alpha, tau=tau, sigma=sigma, generator=g)
    k = np.arange(1, n // 2)
    lam = sigma**2 * ((2 * np.pi * k) ** 2 + tau**2) ** -alpha
    variance = 2 * lam.sum() + lam[-1] * 0  # ± k pairs (the Nyquist term is negligible)
    assert abs(float(u.mean())) < 4 * math.sqrt(variance / N)  # ensemble mean ~ 0 within 4 standard errors
    assert abs(float(u.var()) / variance - 1) < 0.05
    power = (torch.fft.rfft(u).abs() ** 2).mean(0)[1:n // 2].numpy()  # E|û_k|², k = 1 .. n/2-1
    fit = slice(4, 40)
    slope = np.polyfit(np.log(k[fit]), np.log(power[fit]), 1)[0]
    assert abs(slope + 2 * alpha) < 0.15, slope


def test_grf_2d_shape_reproducible_and_mean_free():
    a = pde.gaussian_random_field(3, 16, alpha=2.5, tau=7, dim=2, generator=torch.Generator().manual_seed(1))
    b = pde.gaussian_random_field(3, 16, alpha=2.5, tau=7, dim=2, generator=torch.Generator().manual_seed(1))
    assert a.shape == (3, 16, 16) and torch.equal(a, b)
    assert float(a.mean((-1, -2)).abs().max()) < 1e-12


@pytest.mark.parametrize("kwargs, match", [({"alpha": 0.4}, "alpha"), ({"tau": 0}, "tau"), ({"dim": 3}, "dim")])
def test_grf_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        pde.gaussian_random_field(2, 16, **kwargs)


def test_burgers_dataset_cached_consistent_and_corruption_rebuilt(tmp_path, monkeypatch):
    monkeypatch.setenv("AIRTOOLS_CACHE", str(tmp_path))
    a, u = pde.burgers_dataset(6, 32, n_solve=64, t=0.2, seed=3, progress=False)
    path = pde.dataset_path("burgers", 6, 32, 0.1, 0.2, 3, 64)
    assert path.exists() and a.shape == u.shape == (6, 32)
    # the stored solutions are what the solver gives at the stored resolution
    a64, u64 = pde.burgers_dataset(6, 64, n_solve=64, t=0.2, seed=3, progress=False)
    assert torch.equal(a64[:, ::2], a) and torch.equal(u64[:, ::2], u)
    np.testing.assert_allclose(pde.solve_burgers(a64.double(), 0.1, 0.2)[:, ::2].float(), u, atol=1e-6)
    # a hit returns identical data; a flipped byte is detected, warned about and rebuilt
    assert torch.equal(pde.burgers_dataset(6, 32, n_solve=64, t=0.2, seed=3, progress=False)[1], u)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.warns(UserWarning, match="corrupt"):
        a2, u2 = pde.burgers_dataset(6, 32, n_solve=64, t=0.2, seed=3, progress=False)
    assert torch.equal(u2, u) and path.exists()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the rebuilt file is valid
        pde.burgers_dataset(6, 32, n_solve=64, t=0.2, seed=3, progress=False)
    with pytest.raises(ValueError, match="n: expected a divisor"):
        pde.burgers_dataset(2, 48, n_solve=64, progress=False)


def test_antiderivative_dataset_integrates(tmp_path, monkeypatch):
    monkeypatch.setenv("AIRTOOLS_CACHE", str(tmp_path))
    u, y, s = pde.antiderivative_dataset(50, 51, seed=0, progress=False)
    assert u.shape == s.shape == (50, 51) and y.shape == (51, 1)
    # trapezoid on the coarse sensors agrees with the fine-grid integral to O(h²)
    coarse = np.concatenate([np.zeros((50, 1)), np.cumsum(0.5 * (u[:, 1:] + u[:, :-1]).numpy() * 0.02, 1)], 1)
    assert np.abs(coarse - s.numpy()).max() < 2e-3 * float(u.abs().max())
    assert abs(float(u.std()) - 1) < 0.3  # unit-variance process


def test_navier_stokes_dataset_shapes(tmp_path, monkeypatch):
    monkeypatch.setenv("AIRTOOLS_CACHE", str(tmp_path))
    w0, w = pde.navier_stokes_dataset(2, 16, t=0.2, dt=0.05, return_times=[0.1, 0.2], progress=False)
    assert w0.shape == (2, 16, 16) and w.shape == (2, 2, 16, 16) and w.dtype == torch.float32
