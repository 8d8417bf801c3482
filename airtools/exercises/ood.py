r"""Exercise checkers of lesson 18 (out-of-distribution generalisation): rotating a batch of molecules, one
rotation each, and an out-of-distribution score (the distance to the nearest training example). Each prints one
"✅ ..." line and returns a ``Passed`` when the function is right, and raises ``AssertionError`` saying in plain
words what is wrong otherwise.

>>> result = check_rotate_batch(lambda pos, batch, R: torch.einsum("nij,nj->ni", R[batch], pos))
✅ rotate_batch: each molecule turned by its own R (largest difference 0.0e+00), distances kept
"""
from __future__ import annotations

import numpy as np
import torch
from scipy.spatial import cKDTree

from airtools.so3 import random_rotation

from ._common import Passed, call, expect_shape, passed, to_array, to_tensor

__all__ = ["check_rotate_batch", "check_ood_score"]


def check_rotate_batch(fn, *, tolerance: float = 1e-10) -> Passed:
    r"""Check ``fn(pos [n_atoms, 3], batch [n_atoms], R [n_graphs, 3, 3]) -> [n_atoms, 3]``: every atom of
    molecule :math:`g` turned by that molecule's rotation, :math:`r_i \mapsto R_{b_i} r_i` (about the origin).

    Tried on three molecules of 2, 4 and 3 atoms (float64). Applying :math:`R^\top`, one rotation for all
    molecules and rotating about each molecule's centroid are named.

    Returns:
        ``Passed(difference=largest |your r_i - R r_i|)``; prints "✅ ..." on success.

    >>> check_rotate_batch(lambda pos, batch, R: pos @ R[0].T)
    Traceback (most recent call last):
    AssertionError: your rotated positions differ from R_b r_i by ... (molecule 1); every molecule has its own ...
    """
    g = torch.Generator().manual_seed(0)
    batch = torch.tensor([0, 0, 1, 1, 1, 1, 2, 2, 2])
    pos = torch.randn(9, 3, dtype=torch.float64, generator=g) + 2.0
    R = random_rotation(3, dtype=torch.float64, generator=g)
    how = "fn(pos, batch, R) with 3 molecules (2, 4 and 3 atoms), pos of shape [9, 3], R of shape [3, 3, 3]"
    out = to_tensor(call(fn, pos.clone(), batch.clone(), R.clone(), how=how), how).detach()
    expect_shape(out, pos.shape, how, " (one rotated position per atom)")
    expected = torch.einsum("nij,nj->ni", R[batch], pos)  # [n_atoms, 3]
    error = (out.double() - expected).norm(dim=1)  # [n_atoms]
    if error.max() > tolerance:
        worst = int(batch[error.argmax()])
        raise AssertionError(f"your rotated positions differ from R_b r_i by {float(error.max()):.3g} (molecule "
                             f"{worst}); {_rotation_mistake(out.double(), pos, batch, R)}")
    return passed(f"rotate_batch: each molecule turned by its own R (largest difference {float(error.max()):.1e}), "
                  f"distances kept", difference=float(error.max()))


def check_ood_score(fn, *, tolerance: float = 1e-9) -> Passed:
    r"""Check ``fn(train [n, d], query [m, d]) -> [m]``, the distance from each query point to its nearest
    training point, :math:`s(q) = \min_j \lVert q - x_j \rVert_2`: 0 on the training data, large far from it.

    Tried (float64 numpy arrays) on the training points themselves (scores 0), on queries from two training
    clusters and from the empty middle between them (the middle must score higher than the clusters), and on
    random queries against ``scipy.spatial.cKDTree``. The distance to the training mean, squared distances,
    the farthest instead of the nearest point, a flipped sign and a matrix of all distances are named.

    Returns:
        ``Passed(difference=largest difference from the nearest-neighbour distance, auroc=how often a middle
        point scores above a cluster point)``; prints "✅ ..." on success.

    >>> check_ood_score(lambda train, query: np.linalg.norm(query - train.mean(0), axis=1))
    Traceback (most recent call last):
    AssertionError: on the training points themselves your scores are up to ...; you measured the distance to the ...
    """
    rng = np.random.default_rng(0)
    train = np.concatenate([rng.normal(-3.0, 0.5, size=(60, 2)), rng.normal(3.0, 0.5, size=(60, 2))])
    clusters = np.concatenate([rng.normal(-3.0, 0.5, size=(20, 2)), rng.normal(3.0, 0.5, size=(20, 2))])
    middle = rng.normal(0.0, 0.5, size=(20, 2))
    random = rng.normal(0.0, 3.0, size=(30, 2))
    tree = cKDTree(train)
    worst = 0.0
    for name, query in [("the training points themselves", train), ("points from the two clusters", clusters),
                        ("points between the clusters", middle), ("random points", random)]:
        how = f"fn(train, query) with train of shape {list(train.shape)} and {name}, query of shape {list(query.shape)}"
        out = to_array(call(fn, train.copy(), query.copy(), how=how), how)
        if out.shape != (len(query),):
            raise AssertionError(f"your function returned shape {list(out.shape)} when called as {how}, but "
                                 f"[{len(query)}] was expected (one score per query point"
                                 f"{': reduce over the training points with .min(axis=1)' if out.ndim == 2 else ''})")
        expected = tree.query(query)[0]
        difference = float(np.abs(out - expected).max())
        if difference > tolerance:
            label = "on the training points themselves" if query is train else f"on {name}"
            raise AssertionError(f"{label} your scores are up to {float(np.abs(out).max()):.3g}, expected the distance "
                                 f"to the nearest training point ({float(expected.max()):.3g} at most); "
                                 f"{_score_mistake(out, train, query)}")
        worst = max(worst, difference)
    inside, outside = fn(train, clusters), fn(train, middle)
    auroc = float(np.mean(np.asarray(outside)[:, None] > np.asarray(inside)[None, :]))
    return passed(f"OOD score: the nearest-neighbour distance (largest difference {worst:.1e}); the empty middle "
                  f"between two clusters scores above the clusters in {100 * auroc:.0f} % of pairs",
                  difference=worst, auroc=auroc)


def _rotation_mistake(out, pos, batch, R) -> str:
    mistakes = [
        (torch.einsum("nji,nj->ni", R[batch], pos), "you applied R^T: r' = R r is pos @ R.T for each row "
                                                    "(einsum 'nij,nj->ni')"),
        (pos @ R[0].T, "every molecule has its own rotation: pick R[batch] for each atom, not R[0]"),
    ]
    centre = torch.zeros(int(batch.max()) + 1, 3, dtype=pos.dtype).index_add_(0, batch, pos) / \
        torch.bincount(batch)[:, None]
    mistakes.append((torch.einsum("nij,nj->ni", R[batch], pos - centre[batch]) + centre[batch],
                     "you rotated each molecule about its centroid; here rotate about the origin, r' = R r"))
    for candidate, hint in mistakes:
        if torch.allclose(out, candidate, atol=1e-9):
            return hint
    return "turn atom i by the rotation of its molecule: R[batch[i]] @ pos[i]"


def _score_mistake(out, train, query) -> str:
    d = np.linalg.norm(query[:, None] - train[None], axis=-1)  # [m, n]
    mistakes = [
        (np.linalg.norm(query - train.mean(0), axis=1), "you measured the distance to the mean of the training "
         "set: a point between two clusters sits at the mean, yet no training point is near it"),
        (d.min(1) ** 2, "these are squared distances: take the square root"),
        (d.max(1), "you took the farthest training point: take the nearest (.min)"),
        (-d.min(1), "the sign is flipped: larger must mean further from the training data"),
        (d.mean(1), "you averaged the distances to all training points: take the nearest one (.min)"),
    ]
    for candidate, hint in mistakes:
        if candidate.shape == out.shape and np.allclose(out, candidate, atol=1e-9):
            return hint
    return "for each query row take the Euclidean distance to every training row and keep the smallest"
