"""Periodic radius graphs against a brute-force supercell search and against ASE's neighbour list."""
import itertools

import numpy as np
import pytest
import torch
from ase import Atoms
from ase.neighborlist import neighbor_list

from airtools.graph import check_cell, periodic_edge_vectors, periodic_radius_graph
from airtools.testing import random_cell


def random_crystal(rng, n_atoms, wrapped=True):
    """A random triclinic cell (rows a_k, skewed) with random fractional positions, float64."""
    cell = random_cell(rng, diagonal=(2.0, 4.0), shear=1.2)
    frac = rng.uniform(0, 1, (n_atoms, 3)) if wrapped else rng.uniform(-1.5, 2.5, (n_atoms, 3))
    return frac @ cell, cell


def heights(cell):
    volume = abs(np.linalg.det(cell))
    return np.array([volume / np.linalg.norm(np.cross(cell[(k + 1) % 3], cell[(k + 2) % 3])) for k in range(3)])


def brute_force(pos, cell, pbc, r_cut):
    """Every (i, j, n) found by explicitly building a large block of images around the cell."""
    frac = pos @ np.linalg.inv(cell)
    reach = [int(np.ceil(r_cut / h + np.ptp(frac[:, k]))) + 2 if p else 0
             for k, (h, p) in enumerate(zip(heights(cell), pbc))]
    found = set()
    for n in itertools.product(*[range(-m, m + 1) for m in reach]):
        d = pos[None, :, :] + np.array(n) @ cell - pos[:, None, :]  # [i, j, 3]
        dist = np.linalg.norm(d, axis=-1)
        for i, j in zip(*np.nonzero((dist < r_cut) & (dist > 0))):
            found.add((int(i), int(j), *n))
    return found


def as_set(edge_index, shifts):
    src, dst = edge_index.tolist()
    return {(i, j, *s) for i, j, s in zip(dst, src, shifts.tolist())}


@pytest.mark.parametrize("seed", range(8))
def test_equals_brute_force_and_ase(seed):
    rng = np.random.default_rng(seed)
    pos, cell = random_crystal(rng, int(rng.integers(1, 6)))
    pbc = rng.random(3) < 0.7
    for factor in (0.3, 1.0, 3.0):
        r_cut = factor * heights(cell).min()
        edge_index, shifts = periodic_radius_graph(torch.tensor(pos), r_cut, torch.tensor(cell), torch.tensor(pbc))
        ours = as_set(edge_index, shifts)
        assert len(ours) == edge_index.shape[1], "an edge (i, j, n) appears twice"
        assert ours == brute_force(pos, cell, pbc, r_cut), f"seed {seed}, r_cut {r_cut:.2f}, pbc {pbc}"
        i, j, S = neighbor_list("ijS", Atoms("H" * len(pos), positions=pos, cell=cell, pbc=pbc), r_cut)
        assert ours == {(a, b, *s) for a, b, s in zip(i.tolist(), j.tolist(), S.tolist())}


@pytest.mark.parametrize("seed", range(3))
def test_unwrapped_positions_need_no_wrapping(seed):
    """Atoms far outside the cell: the graph is still complete and the edge vectors are correct."""
    rng = np.random.default_rng(100 + seed)
    pos, cell = random_crystal(rng, 4, wrapped=False)
    pbc = np.array([True, True, rng.random() < 0.5])
    r_cut = 1.7 * heights(cell).min()
    edge_index, shifts = periodic_radius_graph(torch.tensor(pos), r_cut, torch.tensor(cell), torch.tensor(pbc))
    assert as_set(edge_index, shifts) == brute_force(pos, cell, pbc, r_cut)
    _, length = periodic_edge_vectors(torch.tensor(pos), edge_index, shifts, torch.tensor(cell))
    assert float(length.max()) < r_cut and float(length.min()) > 0


def test_batch_of_different_crystals_equals_separate_calls():
    rng = np.random.default_rng(7)
    crystals = [random_crystal(rng, n) for n in (3, 1, 5)]
    pbcs = [np.array([True, True, True]), np.array([True, False, True]), np.array([True, True, False])]
    pos = torch.tensor(np.concatenate([p for p, _ in crystals]))
    cell = torch.tensor(np.stack([c for _, c in crystals]))
    batch = torch.repeat_interleave(torch.arange(3), torch.tensor([3, 1, 5]))
    edge_index, shifts = periodic_radius_graph(pos, 3.0, cell, torch.tensor(np.stack(pbcs)), batch)
    assert bool((edge_index[1][1:] >= edge_index[1][:-1]).all()), "edges must be sorted by target"
    expected, offset = set(), 0
    for (p, c), pbc in zip(crystals, pbcs):
        e, s = periodic_radius_graph(torch.tensor(p), 3.0, torch.tensor(c), torch.tensor(pbc))
        expected |= {(i + offset, j + offset, *n) for i, j, *n in as_set(e, s)}
        offset += len(p)
    assert as_set(edge_index, shifts) == expected


def test_fcc_shells_and_self_images():
    """fcc primitive cell (one atom): 12 nearest neighbours, all of them images of the atom itself."""
    a = 3.6
    cell = torch.tensor([[0, a / 2, a / 2], [a / 2, 0, a / 2], [a / 2, a / 2, 0]], dtype=torch.float64)
    for r_cut, count in ((0.8 * a, 12), (1.1 * a, 18), (1.3 * a, 42)):  # shells at a/sqrt2, a, a*sqrt(3/2)
        edge_index, shifts = periodic_radius_graph(torch.zeros(1, 3, dtype=torch.float64), r_cut, cell)
        assert edge_index.shape[1] == count and bool((edge_index == 0).all())
        assert bool((shifts.abs().sum(1) > 0).all())


def test_edge_vectors_differentiable_in_pos_and_cell():
    """d|r_ij|/d cell = n ⊗ r̂_ij and d|r_ij|/d pos_j = r̂_ij, checked against autograd."""
    rng = np.random.default_rng(3)
    pos, cell = random_crystal(rng, 3)
    pos, cell = torch.tensor(pos, requires_grad=True), torch.tensor(cell, requires_grad=True)
    edge_index, shifts = periodic_radius_graph(pos, 2.5, cell)
    vec, length = periodic_edge_vectors(pos, edge_index, shifts, cell)
    weights = torch.randn(len(length), dtype=torch.float64)
    g_pos, g_cell = torch.autograd.grad((weights * length).sum(), [pos, cell])
    unit = (vec / length[:, None]).detach()
    expected_cell = torch.einsum("e,ek,el->kl", weights, shifts.double(), unit)
    expected_pos = torch.zeros_like(pos).index_add(0, edge_index[0], weights[:, None] * unit)
    expected_pos = expected_pos.index_add(0, edge_index[1], -weights[:, None] * unit)
    torch.testing.assert_close(g_cell, expected_cell)
    torch.testing.assert_close(g_pos, expected_pos)


@pytest.mark.parametrize("cell, pbc, match", [
    (torch.zeros(3, 3), True, "cell: crystal 0 has a singular cell"),
    (torch.eye(2), True, r"cell: expected a float tensor \[3, 3\]"),
    (torch.eye(3), [1, 0, 1], "pbc: expected bools"),
    (torch.full((3, 3), float("nan")), True, "cell: contains NaN"),
])
def test_bad_cell_raises_value_error(cell, pbc, match):
    with pytest.raises(ValueError, match=match):
        periodic_radius_graph(torch.zeros(2, 3), 2.0, cell, pbc)


def test_non_periodic_singular_cell_is_fine():
    """A molecule in a zero cell with pbc False everywhere: the ordinary radius graph."""
    cell, pbc = check_cell(torch.zeros(3, 3), False, 1)
    pos = torch.tensor([[0.0, 0, 0], [1.0, 0, 0], [4.0, 0, 0]])
    edge_index, shifts = periodic_radius_graph(pos, 2.0, cell, pbc)
    assert edge_index.tolist() == [[1, 0], [0, 1]] and bool((shifts == 0).all())
