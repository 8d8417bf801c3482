"""Crystal diffusion: wrapped-normal score, rotation-invariant lattice, and a denoiser invariant to the choice of
origin and to rotations of the cell and equivariant to permutations of the atoms (float64, to round-off); the
sampler's trajectory (noise first, wrapped coordinates, the samples last) and generate_crystals."""
import math

import numpy as np
import pytest
import torch

from airtools.generative import (CrystalDiffusion, cell_to_lattice, generate_crystals, lattice_to_cell, min_image,
                                 random_crystals, sample_crystals, wrap, wrapped_normal_score)
from airtools.so3 import random_rotation
from airtools.testing import random_cell


def _model(seed=0):
    torch.manual_seed(seed)
    model = CrystalDiffusion(hidden=16, n_layers=2, T=20).double()
    model.set_lattice_stats(torch.tensor(np.stack([random_cell(np.random.default_rng(s)) for s in range(5)])))
    return model


def _crystals(seed=0):
    """Two crystals of 3 and 4 atoms: ``z [7]``, ``frac [7, 3]``, ``cell [2, 3, 3]``, ``batch [7]``, ``t [2]``."""
    g = torch.Generator().manual_seed(seed)
    rng = np.random.default_rng(seed)
    cell = torch.tensor(np.stack([random_cell(rng), random_cell(rng)]))
    z = torch.tensor([29, 29, 79, 13, 28, 28, 28])
    return z, torch.rand(7, 3, dtype=torch.float64, generator=g), cell, torch.tensor([0, 0, 0, 1, 1, 1, 1]), \
        torch.tensor([5, 17])


def test_wrapped_normal_score_is_the_derivative_of_the_log_density_and_periodic():
    d = torch.linspace(-1.3, 1.3, 53, dtype=torch.float64, requires_grad=True)
    for sigma in (0.05, 0.3, 0.8):
        k = torch.arange(-10, 11, dtype=torch.float64)
        log_p = torch.logsumexp(-((d[:, None] + k) ** 2) / (2 * sigma**2), dim=-1)
        (grad,) = torch.autograd.grad(log_p.sum(), d)
        assert torch.allclose(wrapped_normal_score(d.detach(), sigma), grad, atol=1e-9)
    x = torch.tensor([0.1, 0.37], dtype=torch.float64)
    assert torch.allclose(wrapped_normal_score(x + 3, 0.2), wrapped_normal_score(x, 0.2), atol=1e-12)
    assert torch.allclose(wrapped_normal_score(x, 0.01), -x / 0.01**2)  # small sigma: the Gaussian score
    assert wrapped_normal_score(torch.tensor([0.5], dtype=torch.float64), 0.2).abs().item() < 1e-12  # antipode


def test_wrap_and_min_image():
    f = torch.tensor([-2.25, -0.0, 0.999, 3.5], dtype=torch.float64)
    assert wrap(f).tolist() == [0.75, 0.0, 0.999, 0.5]
    assert bool(((min_image(f) >= -0.5) & (min_image(f) <= 0.5)).all())
    assert torch.allclose(min_image(f) - f, torch.round(min_image(f) - f))  # whole periods only


def test_lattice_is_unchanged_by_rotations_and_rebuilds_the_same_metric():
    rng = np.random.default_rng(3)
    cell = torch.tensor(np.stack([random_cell(rng) for _ in range(4)]))
    R = random_rotation(dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    assert torch.allclose(cell_to_lattice(cell @ R.T), cell_to_lattice(cell), atol=1e-12)
    rebuilt = lattice_to_cell(cell_to_lattice(cell))
    assert torch.allclose(rebuilt @ rebuilt.transpose(1, 2), cell @ cell.transpose(1, 2), atol=1e-10)
    assert torch.allclose(torch.triu(rebuilt, 1), torch.zeros_like(rebuilt))  # lower-triangular form
    model = _model()
    assert torch.allclose(model.u_to_cell(model.cell_to_u(cell)), rebuilt, atol=1e-10)


def test_denoiser_is_invariant_to_the_origin_and_to_rotations_of_the_cell():
    model = _model()
    z, frac, cell, batch, t = _crystals()
    eps_f, eps_l = model(z, frac, cell, t, batch)
    shift = torch.tensor([[0.3, -0.7, 0.45], [0.9, 0.1, -0.2]], dtype=torch.float64)[batch]
    moved = model(z, wrap(frac + shift), cell, t, batch)  # another origin, same crystal
    R = random_rotation(dtype=torch.float64, generator=torch.Generator().manual_seed(2))
    turned = model(z, frac, cell @ R.T, t, batch)  # the cell rotated (Cartesian positions turn with it)
    for f, lat in (moved, turned):
        assert (f - eps_f).abs().max() < 1e-10 and (lat - eps_l).abs().max() < 1e-10
    assert eps_f.abs().max() > 1e-3  # not trivially zero


def test_denoiser_is_permutation_equivariant():
    model = _model()
    z, frac, cell, batch, t = _crystals(1)
    eps_f, eps_l = model(z, frac, cell, t, batch)
    perm = torch.tensor([2, 0, 1, 6, 3, 5, 4])  # within each crystal
    p_f, p_l = model(z[perm], frac[perm], cell, t, batch)
    assert (p_f - eps_f[perm]).abs().max() < 1e-10 and (p_l - eps_l).abs().max() < 1e-10


def test_loss_decreases_on_one_crystal_and_samples_have_the_given_compositions():
    torch.manual_seed(0)
    model = CrystalDiffusion(hidden=32, n_layers=2, T=20)
    cell = torch.eye(3)[None] * 3.0
    model.set_lattice_stats(torch.cat([cell, cell * 1.1]))
    z, frac, batch = torch.tensor([29, 29]), torch.tensor([[0.0, 0, 0], [0.5, 0.5, 0.5]]), torch.zeros(2).long()
    g = torch.Generator().manual_seed(0)
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    losses = []
    for _ in range(300):
        loss = model.loss(z.repeat(8), frac.repeat(8, 1), cell.repeat(8, 1, 1), torch.arange(8).repeat_interleave(2),
                          generator=g)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert np.mean(losses[-50:]) < 0.5 * np.mean(losses[:20])
    s = sample_crystals(model.eval(), [[29, 29]] * 20, generator=torch.Generator().manual_seed(1))
    assert s.z.tolist() == [29, 29] * 20 and s.cell.shape == (20, 3, 3)
    assert bool(((s.frac >= 0) & (s.frac < 1)).all())
    lengths = cell_to_lattice(s.cell)[:, :3]
    assert (lengths.median() - 3.15).abs() < 0.3 and not math.isnan(lengths.sum().item())


def test_random_crystals_start_where_the_sampler_starts():
    model = _model()
    compositions = [[29, 29, 79]] * 400
    out = random_crystals(model, compositions, generator=torch.Generator().manual_seed(0))
    assert out.frac.shape == (1200, 3) and bool(((out.frac >= 0) & (out.frac < 1)).all())
    u = model.cell_to_u(out.cell)  # lengths and angles from the Gaussian fit of the training lattices
    assert u.mean(0).abs().max() < 0.2 and (u.std(0) - 1).abs().max() < 0.2, (u.mean(0), u.std(0))


def _trained_on_two_cubes(n_steps=150):
    """A small crystal diffusion fitted briefly to Cu2 in a 3 Å cube and its 10 % larger copy (finite lattices)."""
    torch.manual_seed(0)
    model = CrystalDiffusion(hidden=16, n_layers=2, T=20)
    cell = torch.eye(3)[None] * 3.0
    model.set_lattice_stats(torch.cat([cell, cell * 1.1]))
    z, frac = torch.tensor([29, 29]), torch.tensor([[0.0, 0, 0], [0.5, 0.5, 0.5]])
    g = torch.Generator().manual_seed(0)
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    for k in range(n_steps):
        cells = torch.cat([cell, cell * 1.1]).repeat(4, 1, 1)
        loss = model.loss(z.repeat(8), frac.repeat(8, 1), cells, torch.arange(8).repeat_interleave(2), generator=g)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return model.eval()


def test_trajectory_starts_at_the_noise_wraps_and_ends_at_the_samples():
    model = _trained_on_two_cubes()
    compositions = [[29, 29], [29, 29, 29]]
    plain = sample_crystals(model, compositions, generator=torch.Generator().manual_seed(4))
    steps = []
    traced = sample_crystals(model, compositions, generator=torch.Generator().manual_seed(4), return_trajectory=True,
                             callback=lambda k, n: steps.append((k, n)))
    traj = traced.trajectory
    assert plain.trajectory is None and steps == [(k, 20) for k in range(1, 21)]
    assert traj.t.shape == (22,) and traj.frac.shape == (22, 5, 3) and traj.cell.shape == (22, 2, 3, 3)
    assert traj.t[0] == 1.0 and traj.t[-1] == 0.0 and bool((traj.t.diff() <= 0).all())
    assert bool(((traj.frac >= 0) & (traj.frac < 1)).all())  # wrapped into the cell at every frame
    # the trajectory draws no random numbers of its own: the same seed gives the same crystals
    assert torch.equal(traced.frac, plain.frac) and torch.equal(traced.cell, plain.cell)
    assert torch.equal(traj.frac[-1], traced.frac) and torch.equal(traj.cell[-1], traced.cell)
    start = torch.rand(5, 3, generator=torch.Generator().manual_seed(4))  # the sampler's first draw: F_T
    assert torch.equal(traj.frac[0], start)
    assert (traj.frac[0] - traj.frac[-1]).abs().max() > 0.1  # the coordinates moved
    assert torch.isfinite(traj.cell).all() and (traj.cell[0] - traj.cell[-1]).abs().max() > 0.01  # the lattice too
    atoms = traced.to_atoms(frame=0)
    assert np.allclose(atoms[1].get_scaled_positions(wrap=False), traj.frac[0, 2:].numpy(), atol=1e-6)
    assert np.allclose(traced.to_atoms(frame=-1)[0].cell[:], traced.to_atoms()[0].cell[:])
    with pytest.raises(ValueError, match="frame: expected 0..21"):
        traced.to_atoms(frame=22)
    with pytest.raises(ValueError, match="no trajectory"):
        plain.to_atoms(frame=0)


def test_generate_crystals_is_the_seeded_sampler_with_corners_that_hold_every_frame():
    model = _trained_on_two_cubes()
    out = generate_crystals(model, [29, 29], 3, seed=7)
    ref = sample_crystals(model, [[29, 29]] * 3, generator=torch.Generator().manual_seed(7))
    assert torch.equal(out.samples.frac, ref.frac) and torch.equal(out.samples.cell, ref.cell)
    assert out.n_frames == 22 and out.seconds > 0 and out.composition == [29, 29] and out.seed == 7
    last, first = out.crystal(2), out.crystal(2, frame=0)
    assert np.allclose(last.cell[:], ref.cell[2].double().numpy()) and len(first) == 2
    corners = out.corners(2, (2, 2, 2))  # [22 frames * 8, 3]
    assert corners.shape == (176, 3) and np.allclose(corners[-8:].max(0), 2 * last.cell[:].clip(0).sum(0))
    with pytest.raises(ValueError, match="k: expected a crystal index in 0..2"):
        out.crystal(3)
    with pytest.raises(ValueError, match="composition: expected 1 to 64 atomic numbers"):
        generate_crystals(model, [], 2)
    with pytest.raises(ValueError, match="composition: expected"):
        generate_crystals(model, [29, 0], 2)
    with pytest.raises(ValueError, match="n_samples: expected 1..1000"):
        generate_crystals(model, [29], 0)
