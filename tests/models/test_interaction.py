"""InteractionEnergy: invariances, A<->B symmetry, zero beyond the cutoff, Newton's third law, training."""
import pytest
import torch

from airtools.data.interactions import DimerDataset, collate_dimers, water_dimer
from airtools.models import PaiNN, SchNet
from airtools.models.interaction import DistanceBaseline, InteractionEnergy, interaction_loss
from airtools.so3 import random_rotation
from airtools.train import TrainConfig, train

MODELS = {"schnet": lambda: SchNet(hidden=16, n_interactions=2, r_cut=4.0),
          "painn": lambda: PaiNN(hidden=16, n_layers=2, r_cut=4.0)}


def _model(name, seed=0):
    torch.manual_seed(seed)
    return InteractionEnergy(MODELS[name]()).double().eval().requires_grad_(False)  # gradients: pos only


def _dimer():
    d = water_dimer()
    return (torch.as_tensor(d["z"]), torch.as_tensor(d["pos"], dtype=torch.float64),
            torch.as_tensor(d["part"]))


def _rel(a, b):
    return float((a - b).detach().abs().max() / b.detach().abs().max())


@pytest.mark.parametrize("name", MODELS)
def test_moving_both_leaves_e_int_unchanged_moving_one_does_not(name):
    inter, (z, pos, part) = _model(name), _dimer()
    g = torch.Generator().manual_seed(1)
    e0 = inter(z, pos, part)
    assert e0.abs() > 1e-4  # the check is not 0 == 0
    for _ in range(3):
        Q = random_rotation(dtype=torch.float64, generator=g)
        t = torch.randn(3, generator=g, dtype=torch.float64) * 5
        assert _rel(inter(z, pos @ Q.T + t, part), e0) < 1e-8
    Q = random_rotation(dtype=torch.float64, generator=g)
    moved = pos.clone()
    c = pos[3:].mean(0)
    moved[3:] = (pos[3:] - c) @ Q.T + c  # turn B alone about its centre
    assert (inter(z, moved, part) - e0).abs() > 1e-3 * e0.abs()


@pytest.mark.parametrize("name", MODELS)
def test_permutations_within_a_monomer_and_swapping_a_and_b(name):
    inter, (z, pos, part) = _model(name), _dimer()
    e0 = inter(z, pos, part)
    swap_h = torch.tensor([0, 2, 1, 3, 5, 4])  # the two H of A, the two H of B
    assert _rel(inter(z[swap_h], pos[swap_h], part[swap_h]), e0) < 1e-10
    swap_ab = torch.tensor([3, 4, 5, 0, 1, 2])
    assert _rel(inter(z[swap_ab], pos[swap_ab], 1 - part[swap_ab]), e0) < 1e-10  # B first, labelled A
    assert _rel(inter(z, pos, 1 - part), e0) < 1e-10  # same atoms, the labels swapped


@pytest.mark.parametrize("name", MODELS)
def test_zero_beyond_the_cutoff_and_forces_obey_newtons_third_law(name):
    inter, (z, pos, part) = _model(name), _dimer()
    far = pos.clone()
    direction = pos[3] - pos[0]
    far[3:] += direction / direction.norm() * (inter.model.config.r_cut + 0.01)  # min A-B gap > r_cut
    assert torch.cdist(far[:3], far[3:]).min() > inter.model.config.r_cut
    e_far, f_far = inter.energy_and_forces(z, far, part)
    assert e_far.abs() < 1e-12 and f_far.abs().max() < 1e-12
    e, f = inter.energy_and_forces(z, pos, part)
    assert f.abs().max() > 1e-4
    assert torch.allclose(f[:3].sum(0), -f[3:].sum(0), atol=1e-12)  # F on A = -F on B
    torque = torch.cross(pos, f, dim=1).sum(0)
    assert torque.abs().max() < 1e-10  # rotation invariance: no net torque
    h, (i, a) = 1e-5, (4, 1)  # central finite difference of one component
    plus, minus = pos.clone(), pos.clone()
    plus[i, a] += h
    minus[i, a] -= h
    fd = -(inter(z, plus, part) - inter(z, minus, part)) / (2 * h)
    assert float(f[i, a]) == pytest.approx(float(fd), rel=1e-6, abs=1e-9)


def test_a_batch_equals_its_dimers_one_by_one():
    inter, (z, pos, part) = _model("schnet"), _dimer()
    g = torch.Generator().manual_seed(3)
    poses = [pos, pos + torch.randn(6, 3, generator=g, dtype=torch.float64) * 0.1]
    ds = DimerDataset(z, part, torch.stack(poses), [0.0, 0.0], dtype=torch.float64)
    b = collate_dimers([ds[0], ds[1]])
    batched = inter(b["z"], b["pos"], b["part"], b["batch"])
    single = torch.cat([inter(z, p, part) for p in poses])
    assert torch.allclose(batched, single, rtol=1e-12, atol=1e-14)
    interleaved = torch.tensor([0, 3, 1, 4, 2, 5])  # A and B atoms mixed in the input order
    assert _rel(inter(z[interleaved], pos[interleaved], part[interleaved]), single[:1]) < 1e-10


def test_bad_part_labels_say_what_is_wrong():
    inter, (z, pos, part) = _model("schnet"), _dimer()
    with pytest.raises(ValueError, match="both monomers"):
        inter(z, pos, torch.zeros_like(part))
    with pytest.raises(ValueError, match="only 0"):
        inter(z, pos, part + 1)
    with pytest.raises(ValueError, match="shape"):
        inter(z, pos, part[:3])


def test_training_on_a_pair_potential_beats_the_mean_and_a_distance_only_fit():
    """Labels: a sum of O-H and O-O pair terms between the monomers, which depends on orientation."""
    torch.manual_seed(0)
    z, pos, part = _dimer()
    g = torch.Generator().manual_seed(0)
    A, B = pos[:3] - pos[:3].mean(0), pos[3:] - pos[3:].mean(0)
    poses = []
    for _ in range(96):
        Q1, Q2 = random_rotation(2, dtype=torch.float64, generator=g)
        u = torch.randn(3, generator=g, dtype=torch.float64)
        poses.append(torch.cat([A @ Q1.T, B @ Q2.T + u / u.norm() * (2.8 + 1.5 * torch.rand(1, generator=g))]))
    pos_all = torch.stack(poses)  # [96, 6, 3]
    r = torch.cdist(pos_all[:, :3], pos_all[:, 3:])  # [96, 3, 3] A-B distances
    q = torch.tensor([-0.8, 0.4, 0.4], dtype=torch.float64)
    energy = (q[:, None] * q[None, :] * torch.exp(-(r - 2.0))).sum((1, 2))  # screened charges, eV
    ds = DimerDataset(z, part, pos_all.float(), energy.float())
    train_set, test_set = torch.utils.data.Subset(ds, range(80)), [ds[i] for i in range(80, 96)]
    inter = InteractionEnergy(SchNet(hidden=32, n_interactions=2, r_cut=5.0))
    inter.model.set_energy_reference(scale=float(energy.std()))
    train(inter, train_set, TrainConfig(n_epochs=60, lr=3e-3, batch_size=16, patience=None, progress=False,
                                        schedule="cosine"),
          loss_fn=interaction_loss, collate_fn=collate_dimers)
    device = next(inter.parameters()).device
    b = {k: v.to(device) for k, v in collate_dimers(test_set).items()}
    with torch.no_grad():
        mae = (inter(b["z"], b["pos"], b["part"], b["batch"]) - b["energy"]).abs().mean().cpu()
    d = (pos_all[:, 3:].mean(1) - pos_all[:, :3].mean(1)).norm(dim=1)
    baseline = DistanceBaseline().fit(d[:80], energy[:80])
    mae_baseline = (baseline(d[80:]) - energy[80:]).abs().mean()
    mae_mean = (energy[80:] - energy[:80].mean()).abs().mean()
    assert mae < 0.7 * mae_baseline < 0.7 * mae_mean, (float(mae), float(mae_baseline), float(mae_mean))
