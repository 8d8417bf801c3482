"""The lesson-18 checkers accept a right batch rotation and nearest-neighbour score and name the usual mistakes."""
import numpy as np
import pytest
import torch
from scipy.spatial import cKDTree

from airtools.exercises import check_ood_score, check_rotate_batch

from .answers import nearest_distance, rotate_batch


def test_rotate_batch_accepts_one_rotation_per_molecule(accepts):
    assert accepts(check_rotate_batch(rotate_batch), "its own R")["difference"] < 1e-12
    accepts(check_rotate_batch(lambda pos, batch, R: (R[batch] @ pos[:, :, None])[..., 0]))


def centred(pos, batch, R):
    centre = torch.stack([pos[batch == g].mean(0) for g in range(len(R))])
    return rotate_batch(pos - centre[batch], batch, R) + centre[batch]


@pytest.mark.parametrize("fn, message", [
    (lambda pos, batch, R: torch.einsum("nji,nj->ni", R[batch], pos), r"you applied R\^T"),
    (lambda pos, batch, R: pos @ R[0].T, r"molecule 1.*every molecule has its own rotation"),
    (centred, r"about its centroid"),
    (lambda pos, batch, R: pos, r"differ from R_b r_i .* turn atom i by the rotation of its molecule"),
    (lambda pos, batch, R: rotate_batch(pos, batch, R)[:4],
     r"returned shape \[4, 3\] .*\(one rotated position per atom\)"),
])
def test_rotate_batch_names_the_mistake(fn, message):
    with pytest.raises(AssertionError, match=message):
        check_rotate_batch(fn)


def test_ood_score_accepts_the_nearest_neighbour_distance(accepts):
    result = accepts(check_ood_score(nearest_distance), "nearest-neighbour distance")
    assert result["difference"] < 1e-12 and result["auroc"] > 0.95
    accepts(check_ood_score(lambda train, query: cKDTree(train).query(query)[0]))


def distances(train, query):
    return np.linalg.norm(query[:, None] - train[None], axis=-1)


@pytest.mark.parametrize("fn, message", [
    (lambda t, q: np.linalg.norm(q - t.mean(0), axis=1), r"training points themselves .* distance to the mean"),
    (lambda t, q: distances(t, q).min(1) ** 2, r"squared distances"),
    (lambda t, q: distances(t, q).max(1), r"the farthest training point"),
    (lambda t, q: -distances(t, q).min(1), r"the sign is flipped"),
    (lambda t, q: distances(t, q).mean(1), r"averaged the distances"),
    (lambda t, q: distances(t, q), r"returned shape \[120, 120\] .* reduce over the training points"),
])
def test_ood_score_names_the_mistake(fn, message):
    with pytest.raises(AssertionError, match=message):
        check_ood_score(fn)
