r"""Rigid-ligand pose search: random restarts in the pocket box, then gradient descent on the rigid-body pose.

A pose of a rigid ligand is a rotation about its centroid and the centroid's position: with the crystal
conformer centred, :math:`x^0_i = x_i - \bar x`,

.. math:: x_i(q, t) = R(q)\, x^0_i + t, \qquad R(q) = \text{rotation of the unit quaternion } q / \lVert q \rVert,

seven numbers per pose (:func:`rigid_pose`). The search (:func:`dock`) draws ``n_restarts`` poses at random (a
Haar-uniform rotation, the centroid uniform in a cube of half-width ``half_width`` about the box centre), then
follows the gradient of the score with respect to :math:`(q, t)`, by autograd through the score, with Adam, all
restarts in one batch; a centroid that steps out of the box is put back on its wall (projected gradient
descent). The best final pose by score is the answer.
:func:`random_search` is the baseline: as many random poses as the search scores, the best of them by score.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch

from airtools.so3 import quaternion_to_matrix

__all__ = ["rigid_pose", "random_poses", "dock", "random_search", "DockingRun"]


@dataclass
class DockingRun:
    """Poses found by a search, best first: ``pos`` [k, n_atoms, 3] (Å), ``score`` [k] ascending, and
    ``n_evaluations``, how many poses the search scored to find them."""

    pos: torch.Tensor
    score: torch.Tensor
    n_evaluations: int

    @property
    def best_pos(self) -> torch.Tensor:
        """[n_atoms, 3], the pose of lowest score."""
        return self.pos[0]

    @property
    def best_score(self) -> float:
        return float(self.score[0])


def rigid_pose(x0: torch.Tensor, q: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    """Positions ``[..., n, 3]`` of the centred conformer ``x0`` [n, 3] turned by quaternions ``q`` [..., 4]
    (any length: normalised here) and moved to centroids ``t`` [..., 3]: :math:`R(q) x^0_i + t`.

    >>> x0 = torch.tensor([[1.0, 0.0, 0.0], [-1.0, 0.0, 0.0]])
    >>> pos = rigid_pose(x0, torch.tensor([1.0, 0.0, 0.0, 1.0]), torch.tensor([0.0, 0.0, 5.0]))  # 90 deg about z
    >>> pos.round(decimals=6) + 0.0
    tensor([[ 0.,  1.,  5.],
            [ 0., -1.,  5.]])
    """
    R = quaternion_to_matrix(q / q.norm(dim=-1, keepdim=True))  # [..., 3, 3]
    return x0 @ R.transpose(-1, -2) + t[..., None, :]


def random_poses(n: int, centre, half_width: float, generator: torch.Generator):
    """``n`` random poses ``(q [n, 4], t [n, 3])``: Haar-uniform rotations (normalised Gaussian quaternions) and
    centroids uniform in the cube ``centre ± half_width`` (Å). Drawn on the CPU, in ``centre``'s dtype.

    >>> q, t = random_poses(3, torch.zeros(3), 4.0, torch.Generator().manual_seed(0))
    >>> q.shape, t.shape, bool(t.abs().max() <= 4.0)
    (torch.Size([3, 4]), torch.Size([3, 3]), True)
    """
    centre = torch.as_tensor(centre)
    q = torch.randn(n, 4, generator=generator, dtype=centre.dtype)
    t = centre.cpu() + half_width * (2 * torch.rand(n, 3, generator=generator, dtype=centre.dtype) - 1)
    return q / q.norm(dim=-1, keepdim=True), t


def dock(score: torch.nn.Module, ligand_pos, centre, *, half_width: float = 4.0, n_restarts: int = 16,
         n_steps: int = 60, lr: float = 0.2, seed: int = 0) -> DockingRun:
    r"""Random restarts + gradient refinement of a rigid ligand's pose; every restart's final pose, best first.

    Args:
        score: ``score(pos [B, n, 3]) -> [B]``, lower is better (a :class:`~airtools.docking.VinaScore`); its
            device and dtype are used.
        ligand_pos: [n, 3] the ligand's conformer (only its shape matters: it is centred and turned at random).
        centre: [3] the box centre (Å); half_width: the centroid stays within ``centre ± half_width``.
        n_restarts, n_steps, lr: random starting poses, Adam steps for each (all in one batch), step size.
        seed: the starting poses come from ``torch.Generator().manual_seed(seed)``.

    Returns:
        :class:`DockingRun` of the ``n_restarts`` final poses; ``n_evaluations = n_restarts * (n_steps + 1)``.
    """
    x0, centre = _centred(score, ligand_pos, centre, half_width)
    q, t = random_poses(n_restarts, centre, half_width, torch.Generator().manual_seed(seed))
    q, t = q.to(x0.device).requires_grad_(), t.to(x0.device).requires_grad_()
    optimizer = torch.optim.Adam([q, t], lr=lr)
    for _ in range(n_steps):
        loss = score(rigid_pose(x0, q, t)).sum()  # poses are independent: one sum, one backward
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        with torch.no_grad():  # projected gradient descent: a centroid that left the box goes back to its wall
            t.copy_(torch.minimum(torch.maximum(t, centre - half_width), centre + half_width))
    with torch.no_grad():
        pos = rigid_pose(x0, q, t)
        return _ranked(pos, score(pos), n_restarts * (n_steps + 1))


@torch.no_grad()
def random_search(score: torch.nn.Module, ligand_pos, centre, *, half_width: float = 4.0, n_poses: int = 976,
                  seed: int = 0, chunk: int = 16) -> DockingRun:
    """The baseline: ``n_poses`` random poses (:func:`random_poses`), scored in chunks, all returned best first.

    Give it the search's ``n_evaluations`` to compare at equal numbers of scored poses.
    """
    x0, centre = _centred(score, ligand_pos, centre, half_width)
    q, t = random_poses(n_poses, centre, half_width, torch.Generator().manual_seed(seed))
    pos = rigid_pose(x0, q.to(x0.device), t.to(x0.device))  # [n_poses, n, 3]
    return _ranked(pos, torch.cat([score(p) for p in pos.split(chunk)]), n_poses)


def _centred(score, ligand_pos, centre, half_width):
    like = next(score.buffers())
    ligand_pos = torch.as_tensor(ligand_pos, dtype=like.dtype, device=like.device)
    centre = torch.as_tensor(centre, dtype=like.dtype, device=like.device)
    if ligand_pos.ndim != 2 or ligand_pos.shape[1] != 3 or centre.shape != (3,):
        raise ValueError(f"ligand_pos [n, 3], centre [3]: got {list(ligand_pos.shape)} and {list(centre.shape)}")
    if not half_width > 0:
        raise ValueError(f"half_width: expected a positive box half-width in Å, got {half_width}")
    return ligand_pos - ligand_pos.mean(0), centre


def _ranked(pos: torch.Tensor, score: torch.Tensor, n_evaluations: int) -> DockingRun:
    order = score.argsort()
    return DockingRun(pos[order].detach(), score[order].detach(), n_evaluations)
