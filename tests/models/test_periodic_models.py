"""Energy models on periodic crystals: invariance to origin, rotation, cell choice and atom order; extensive
under supercells; forces and stress equal finite differences; batches equal separate calls."""
import numpy as np
import pytest
import torch

from airtools.models import EGNN, MLP, TFN, PaiNN, SchNet, energy_and_forces
from airtools.models._base import energy_forces_stress
from airtools.so3 import random_rotation
from airtools.testing import random_cell

R_CUT = 3.2
CASES = {
    "schnet": (SchNet, dict(hidden=16, n_filters=16, n_interactions=2, r_cut=R_CUT)),
    "painn": (PaiNN, dict(hidden=8, n_layers=2, r_cut=R_CUT)),
    "tfn": (TFN, dict(irreps_hidden="4x0e + 2x1o", l_max=1, n_layers=2, radial_hidden=8, r_cut=R_CUT)),
    "egnn": (EGNN, dict(hidden=8, n_layers=2, r_cut=R_CUT)),
}


@pytest.fixture(scope="module", params=sorted(CASES))
def model(request):
    cls, config = CASES[request.param]
    torch.manual_seed(0)
    return cls(**config).double()


def crystal(seed, n_atoms=3):
    """A random skewed cell (heights ~2.3-3.5 Å, so several images per axis within R_CUT) with atoms
    no closer than 1.2 Å, float64."""
    rng = np.random.default_rng(seed)
    cell = random_cell(rng, diagonal=(2.6, 3.4), shear=0.6)
    while True:
        frac = rng.uniform(0, 1, (n_atoms, 3))
        d = frac[:, None] - frac[None] - np.round(frac[:, None] - frac[None])
        dist = np.linalg.norm(d @ cell, axis=-1) + 10 * np.eye(n_atoms)
        if dist.min() > 1.2:
            break
    z = torch.tensor(rng.choice([13, 29, 79], n_atoms))
    return z, torch.tensor(frac @ cell), torch.tensor(cell)


def efs(model, z, pos, cell, batch=None, pbc=None):
    return energy_forces_stress(model, z, pos, batch, cell=cell, pbc=pbc)


def rel(a, b):
    return float((a - b).detach().norm() / b.detach().norm().clamp_min(1e-300))


def test_origin_rotation_and_permutation_invariance(model):
    z, pos, cell = crystal(1)
    e, f, s = efs(model, z, pos, cell)
    assert rel(efs(model, z, pos + torch.tensor([0.7, -2.1, 5.3], dtype=pos.dtype), cell)[0], e) < 1e-12
    R = random_rotation(generator=torch.Generator().manual_seed(2), dtype=pos.dtype)  # [3, 3]
    e_r, f_r, s_r = efs(model, z, pos @ R.T, cell @ R.T)  # rotate positions AND lattice vectors
    assert rel(e_r, e) < 1e-12 and rel(f_r, f @ R.T) < 1e-10 and rel(s_r, R @ s @ R.T) < 1e-10
    perm = torch.randperm(len(z), generator=torch.Generator().manual_seed(3))
    e_p, f_p, _ = efs(model, z[perm], pos[perm], cell)
    assert rel(e_p, e) < 1e-12 and rel(f_p, f[perm]) < 1e-10


def test_invariant_to_the_choice_of_unit_cell(model):
    """cell' = U cell (integer, det 1) with positions wrapped into it: the same crystal, the same energy."""
    z, pos, cell = crystal(4)
    U = torch.tensor([[1, 1, 0], [0, 1, -1], [1, 1, 1]], dtype=pos.dtype)  # det = 1
    new_cell = U @ cell
    frac = torch.remainder(pos @ torch.linalg.inv(new_cell), 1.0)
    e, f, s = efs(model, z, pos, cell)
    e_u, f_u, s_u = efs(model, z, frac @ new_cell, new_cell)
    assert rel(e_u, e) < 1e-12 and rel(f_u, f) < 1e-10 and rel(s_u, s) < 1e-10


def test_energy_is_extensive_under_supercells(model):
    z, pos, cell = crystal(5)
    e, f, _ = efs(model, z, pos, cell)
    images = torch.cartesian_prod(*[torch.arange(2)] * 3).to(pos.dtype) @ cell  # [8, 3]
    big_pos = (pos[None] + images[:, None]).reshape(-1, 3)
    e8, f8, _ = efs(model, z.repeat(8), big_pos, 2 * cell)
    assert abs(float(e8) - 8 * float(e)) < 1e-10 * abs(8 * float(e)), f"E(2x2x2) = {float(e8)}, 8 E = {8 * float(e)}"
    assert rel(f8, f.repeat(8, 1)) < 1e-10


def test_forces_and_stress_equal_finite_differences(model):
    z, pos, cell = crystal(6)
    _, forces, stress = efs(model, z, pos, cell)
    h = 1e-5
    numeric = torch.zeros_like(pos)
    strain_fd = torch.zeros(3, 3, dtype=pos.dtype)
    with torch.no_grad():
        for i in range(len(z)):
            for k in range(3):
                step = torch.zeros_like(pos)
                step[i, k] = h
                numeric[i, k] = -(model(z, pos + step, cell=cell) - model(z, pos - step, cell=cell)) / (2 * h)
        for k in range(3):
            for l in range(3):
                eps = torch.zeros(3, 3, dtype=pos.dtype)
                eps[k, l] = eps[l, k] = h / 2 if k != l else h
                up, down = torch.eye(3, dtype=pos.dtype) + eps, torch.eye(3, dtype=pos.dtype) - eps
                diff = model(z, pos @ up, cell=cell @ up) - model(z, pos @ down, cell=cell @ down)
                strain_fd[k, l] = diff / (2 * h) / torch.linalg.det(cell)
    assert rel(forces, numeric) < 1e-7, f"forces vs finite differences: {rel(forces, numeric):.2g}"
    assert rel(stress[0], strain_fd) < 1e-7, f"stress vs finite differences: {rel(stress[0], strain_fd):.2g}"


def test_batch_of_two_crystals_equals_separate_calls(model):
    (z1, p1, c1), (z2, p2, c2) = crystal(7, 2), crystal(8, 4)
    pbc = torch.tensor([[True, True, True], [True, True, False]])
    batch = torch.tensor([0, 0, 1, 1, 1, 1])
    e, f, s = efs(model, torch.cat([z1, z2]), torch.cat([p1, p2]), torch.stack([c1, c2]), batch, pbc)
    singles = [efs(model, z1, p1, c1, pbc=pbc[0]), efs(model, z2, p2, c2, pbc=pbc[1])]
    assert rel(e, torch.cat([x[0] for x in singles])) < 1e-12
    assert rel(f, torch.cat([x[1] for x in singles])) < 1e-12
    assert rel(s, torch.cat([x[2] for x in singles])) < 1e-12


def test_huge_cell_equals_the_molecule(model):
    """No image within the cutoff: a crystal with a 40 Å cell has the energy of the isolated cluster."""
    z, pos, _ = crystal(9)
    cell = 40.0 * torch.eye(3, dtype=pos.dtype)
    e_mol, f_mol = energy_and_forces(model, z, pos)
    e_pbc, f_pbc = energy_and_forces(model, z, pos, cell=cell, pbc=torch.tensor([True, True, True]))
    assert rel(e_pbc, e_mol) < 1e-12 and rel(f_pbc, f_mol) < 1e-12


def test_slab_is_periodic_only_in_plane(model):
    """pbc=(T, T, F): moving one atom by a lattice vector a_3 changes the energy; by a_1 it does not."""
    z, pos, cell = crystal(10)
    pbc = torch.tensor([True, True, False])
    e = model(z, pos, cell=cell, pbc=pbc)
    for k, same in ((0, True), (2, False)):
        moved = pos.clone()
        moved[0] += cell[k]
        err = rel(model(z, moved, cell=cell, pbc=pbc), e)
        assert (err < 1e-12) if same else (err > 1e-6), f"axis {k}: relative change {err:.2g}"


def test_bad_periodic_input():
    z, pos, cell = crystal(11)
    with pytest.raises(ValueError, match="pbc: given without a cell"):
        SchNet()(z, pos.float(), pbc=torch.tensor([True, True, True]))
    with pytest.raises(ValueError, match="cell: crystal 0 has a singular cell"):
        SchNet()(z, pos.float(), cell=torch.zeros(3, 3))
    with pytest.raises(ValueError, match="cell: the MLP baseline has no notion of periodic images"):
        MLP()(z, pos.float(), cell=cell.float())
