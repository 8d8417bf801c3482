"""Zero-CoM noise, the forward process q(z_t | x) at both ends, type encoding, sizes, the loss, bad input."""
import math

import pytest
import torch

from airtools.generative import (EGNNDenoiser, NoiseSchedule, PointCloudDiffusion, assert_zero_com, center_of_mass,
                                 remove_mean, subspace_dim, zero_com_noise)
from airtools.so3 import random_rotation


def _model(T=100, **kwargs):
    torch.manual_seed(0)
    return PointCloudDiffusion(EGNNDenoiser(n_types=3, hidden=8, n_layers=1).double(), atom_types=(1, 6, 8),
                               schedule=NoiseSchedule(T=T), **kwargs)


def test_projection_is_idempotent_and_commutes_with_rotations():
    g = torch.Generator().manual_seed(0)
    batch = torch.tensor([0, 0, 0, 1, 1, 2, 2, 2, 2])
    pos = torch.randn(9, 3, dtype=torch.float64, generator=g)
    R = random_rotation(dtype=torch.float64, generator=g)
    P = remove_mean(pos, batch)
    assert center_of_mass(P, batch).abs().max() < 1e-15
    assert torch.allclose(remove_mean(P, batch), P, atol=1e-15, rtol=0)
    assert torch.allclose(remove_mean(pos @ R.T, batch), P @ R.T, atol=1e-14, rtol=0)


def test_zero_com_noise_has_zero_mean_per_molecule_and_3_n_minus_1_degrees_of_freedom():
    # |P eps|^2 is chi^2 with 3(n - 1) degrees of freedom: mean 3(n-1), standard error sqrt(2 * 3(n-1) / M)
    M, n = 4000, 4
    batch = torch.arange(M).repeat_interleave(n)
    eps = zero_com_noise(batch, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    assert center_of_mass(eps, batch).abs().max() < 1e-15
    dof = subspace_dim(batch)[0].item()
    assert dof == 9
    sq = torch.zeros(M, dtype=torch.float64).index_add(0, batch, (eps**2).sum(-1))
    assert abs(sq.mean().item() - dof) < 5 * math.sqrt(2 * dof / M)


def test_forward_process_at_t0_returns_the_data():
    # z_0 = alpha_0 x + sigma_0 eps with sigma_0^2 = s = 1e-5: the data up to ~6 sigma_0 (0.02 Å)
    model = _model()
    g = torch.Generator().manual_seed(2)
    batch = torch.tensor([0, 0, 0, 1, 1])
    pos = remove_mean(torch.randn(5, 3, dtype=torch.float64, generator=g), batch)
    h = model.z_to_h(torch.tensor([8, 1, 1, 6, 8]))
    z0, _ = model.q_sample(h, pos, torch.zeros(2, dtype=torch.long), batch, generator=g)
    sigma_0 = model.schedule.sigma(0).item()
    assert sigma_0 == pytest.approx(math.sqrt(1e-5))
    assert (z0.pos - pos).abs().max() < 6 * sigma_0 + (1 - model.schedule.alpha(0).item()) * pos.abs().max()
    assert torch.equal(model.h_to_z(z0.h), torch.tensor([8, 1, 1, 6, 8]))


def test_forward_process_at_T_is_standard_normal_on_the_subspace():
    # M molecules of n = 4 atoms: the 12 flattened coordinates of z_T must have mean 0 and covariance P (x) I_3,
    # P = I_n - 1/n (the projection); entries of a sample covariance have standard error ~1/sqrt(M): tolerance 5/sqrt(M)
    model = _model()
    M, n = 4000, 4
    g = torch.Generator().manual_seed(3)
    batch = torch.arange(M).repeat_interleave(n)
    pos = torch.randn(M * n, 3, dtype=torch.float64, generator=g) * 2.0 + 5.0  # far from noise, not centred
    h = model.z_to_h(torch.tensor([1, 6, 8])[torch.randint(0, 3, (M * n,), generator=g)])
    zT, _ = model.q_sample(h, pos, torch.full((M,), model.T), batch, generator=g)
    assert_zero_com(zT.pos, batch, rtol=1e-12)
    x = zT.pos.reshape(M, n * 3)  # [M, 12]
    cov = x.T @ x / M
    expected = torch.kron(torch.eye(n) - 1 / n, torch.eye(3)).double()
    tol = 5 / math.sqrt(M)
    assert x.mean(0).abs().max() < tol
    assert (cov - expected).abs().max() < tol
    assert zT.h.mean().abs() < tol and abs(zT.h.var().item() - 1) < 5 * math.sqrt(2 / zT.h.numel())


def test_types_are_scaled_one_hot_and_unknown_elements_are_rejected():
    model = _model()
    h = model.z_to_h(torch.tensor([1, 8]))
    assert torch.equal(h, torch.tensor([[0.25, 0, 0], [0, 0, 0.25]], dtype=torch.float64))  # EDM's factor 1/4
    assert torch.equal(model.h_to_z(h), torch.tensor([1, 8]))
    with pytest.raises(ValueError, match=r"element 7 is not one of the model's atom_types \[1, 6, 8\]"):
        model.z_to_h(torch.tensor([1, 7]))


def test_sizes_are_drawn_from_the_training_histogram():
    model = _model(sizes=[3] * 30 + [5] * 10)  # p(3) = 0.75, p(5) = 0.25
    sizes = model.sample_sizes(4000, generator=torch.Generator().manual_seed(4))
    assert set(sizes.tolist()) == {3, 5}
    assert abs((sizes == 3).double().mean().item() - 0.75) < 5 * math.sqrt(0.75 * 0.25 / 4000)
    with pytest.raises(ValueError, match="no size histogram"):
        _model().sample_sizes(2)


def test_loss_is_a_per_molecule_mean_and_reproducible():
    model = _model()
    g = torch.Generator().manual_seed(5)
    z = torch.tensor([8, 1, 1, 6, 8])
    pos = torch.randn(5, 3, dtype=torch.float64, generator=g)
    batch = torch.tensor([0, 0, 0, 1, 1])
    a = model.loss(z, pos, batch, generator=torch.Generator().manual_seed(6))
    b = model.loss(z, pos + 10.0, batch, generator=torch.Generator().manual_seed(6))  # translation: same loss
    assert a.shape == () and a.item() > 0
    assert torch.allclose(a, b, rtol=1e-12, atol=0)
    a.backward()
    assert all(p.grad is not None for p in model.parameters())


def test_bad_input_says_what_is_wrong():
    model = _model()
    with pytest.raises(ValueError, match="atom_types: expected distinct"):
        PointCloudDiffusion(EGNNDenoiser(2), atom_types=(1, 1))
    with pytest.raises(ValueError, match="n_atoms: expected a list of atom counts"):
        model.prior([3, 0])
    with pytest.raises(ValueError, match="centre of mass of molecule 1"):
        assert_zero_com(torch.tensor([[1.0, 0, 0], [-1, 0, 0], [2, 0, 0]]), torch.tensor([0, 0, 1]))
