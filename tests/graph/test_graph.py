import itertools

import pytest
import torch

from airtools.graph import batch_molecules, check_batch, edge_vectors, num_graphs, radius_graph, scatter_sum
from airtools.so3 import random_rotation


def _brute_force_edges(pos, r_cut, batch):
    return {(j, i) for i, j in itertools.permutations(range(len(pos)), 2)
            if batch[i] == batch[j] and (pos[i] - pos[j]).norm() < r_cut}


def _random_batch(seed, sizes=(4, 7, 5)):
    g = torch.Generator().manual_seed(seed)
    pos = 2.0 * torch.randn(sum(sizes), 3, dtype=torch.float64, generator=g)
    batch = torch.repeat_interleave(torch.arange(len(sizes)), torch.tensor(sizes))
    return pos, batch


def test_radius_graph_equals_brute_force_within_each_molecule():
    pos, batch = _random_batch(0)
    edge_index = radius_graph(pos, 2.5, batch)
    edges = set(map(tuple, edge_index.T.tolist()))
    assert edges == _brute_force_edges(pos, 2.5, batch)
    assert len(edges) == edge_index.shape[1] > 0  # no duplicates
    assert (edge_index[0] != edge_index[1]).all()  # no self loops
    assert (edge_index[1][1:] >= edge_index[1][:-1]).all()  # sorted by target


def test_radius_graph_is_unchanged_by_rotation_and_translation():
    pos, batch = _random_batch(1)
    R = random_rotation(dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    moved = pos @ R.T + torch.tensor([1.0, -2.0, 3.0], dtype=torch.float64)
    assert torch.equal(radius_graph(pos, 3.0, batch), radius_graph(moved, 3.0, batch))


def test_max_neighbors_keeps_the_nearest():
    pos = torch.tensor([[0.0, 0, 0], [1.0, 0, 0], [0, 2.0, 0], [0, 0, 3.0]])
    edge_index = radius_graph(pos, 10.0, max_neighbors=2)
    sources_of_0 = edge_index[0][edge_index[1] == 0].tolist()
    assert sorted(sources_of_0) == [1, 2]
    assert torch.bincount(edge_index[1]).max() == 2


@pytest.mark.parametrize("pos, r_cut, match", [
    (torch.zeros(3, 2), 1.0, r"pos: expected shape \[n_atoms, 3\]"),
    (torch.zeros(3, 3), 0.0, "r_cut: expected a positive"),
])
def test_radius_graph_rejects_bad_input(pos, r_cut, match):
    with pytest.raises(ValueError, match=match):
        radius_graph(pos, r_cut)


def test_edge_vectors_point_from_target_to_source_and_lengths_are_invariant():
    pos, batch = _random_batch(2)
    edge_index = radius_graph(pos, 3.0, batch)
    vec, length = edge_vectors(pos, edge_index)
    src, dst = edge_index
    torch.testing.assert_close(vec, pos[src] - pos[dst])
    R = random_rotation(dtype=torch.float64, generator=torch.Generator().manual_seed(2))
    vec_R, length_R = edge_vectors(pos @ R.T, edge_index)
    torch.testing.assert_close(vec_R, vec @ R.T, rtol=0, atol=1e-12)
    torch.testing.assert_close(length_R, length, rtol=0, atol=1e-12)


def test_batch_molecules_and_num_graphs():
    mols = [(torch.tensor([8, 1, 1]), torch.randn(3, 3)), (torch.tensor([6]), torch.randn(1, 3)),
            (torch.tensor([1, 1]), torch.randn(2, 3))]
    z, pos, batch = batch_molecules(mols)
    assert z.tolist() == [8, 1, 1, 6, 1, 1] and pos.shape == (6, 3)
    assert batch.tolist() == [0, 0, 0, 1, 2, 2] and num_graphs(batch) == 3
    assert num_graphs(torch.zeros(0, dtype=torch.long)) == 0
    with pytest.raises(ValueError, match=r"molecules\[1\]: expected z \[n\] and pos \[n, 3\]"):
        batch_molecules([mols[0], (torch.tensor([6, 1]), torch.randn(1, 3))])
    with pytest.raises(ValueError, match="at least one"):
        batch_molecules([])


@pytest.mark.parametrize("batch, match", [
    (torch.tensor([0, 0]), r"batch: expected shape \[3\]"),
    (torch.tensor([0.0, 0.0, 1.0]), "batch: expected an integer tensor"),
    (torch.tensor([0, 1, 0]), "batch: expected a sorted"),
    (torch.tensor([-1, 0, 0]), "batch: graph indices must be >= 0"),
])
def test_check_batch_rejects_bad_batches(batch, match):
    with pytest.raises(ValueError, match=match):
        check_batch(batch, 3)


def test_scatter_sum_equals_a_loop_and_is_differentiable():
    g = torch.Generator().manual_seed(3)
    src = torch.randn(10, 4, 3, dtype=torch.float64, generator=g, requires_grad=True)
    index = torch.randint(0, 5, (10,), generator=g)
    out = scatter_sum(src, index, 6)
    expected = torch.stack([src[index == k].sum(0) for k in range(6)])
    torch.testing.assert_close(out, expected)
    # index draws from 0..4, so node 5 receives nothing: its sum is exactly zero (a sum of no terms)
    assert not (index == 5).any() and torch.equal(out[5], torch.zeros_like(out[5]))
    assert torch.autograd.gradcheck(lambda s: scatter_sum(s, index, 6), (src,))


def test_radius_graph_matches_a_dense_distance_matrix_with_and_without_max_neighbors():
    """The pairs are searched within each molecule only; the edges (and their order) are those of the dense
    all-pairs search, also when only the nearest ``max_neighbors`` are kept."""
    pos, batch = _random_batch(3, sizes=(1, 6, 9, 2, 12))
    dist = torch.cdist(pos, pos)
    mask = (batch[:, None] == batch[None, :]) & (dist < 3.0)
    mask.fill_diagonal_(False)
    dst, src = mask.nonzero(as_tuple=True)
    assert torch.equal(radius_graph(pos, 3.0, batch), torch.stack([src, dst]))
    nearest = radius_graph(pos, 3.0, batch, max_neighbors=3)
    for i in range(len(pos)):
        mine = nearest[0][nearest[1] == i]
        theirs = src[dst == i]
        expected = theirs[dist[i, theirs].argsort()[:3]].sort().values
        assert torch.equal(mine, expected), i
