"""Interaction energy of two molecules from any energy model of the zoo, and a pose-blind baseline."""
from __future__ import annotations

import torch
from torch import Tensor, nn

from airtools.graph import num_graphs

from ._base import check_inputs, energy_and_forces

__all__ = ["InteractionEnergy", "interaction_loss", "DistanceBaseline"]


class InteractionEnergy(nn.Module):
    r"""Supermolecular interaction energy from an energy model :math:`E_\theta` (SchNet, PaiNN, ...):

    .. math:: E_\text{int}(A, B) = E_\theta(A \cup B) - E_\theta(A) - E_\theta(B)

    It inherits the model's invariances (rotations, translations, permutations of like atoms within a
    monomer), is symmetric in A and B, and is zero (to rounding) once every A-B distance exceeds the model's
    cutoff: the graph of A ∪ B then falls into A's and B's, whose atoms see exactly what they see alone.
    Per-element reference energies and the readout shift cancel in the difference (leave them at zero:
    large references only add float32 rounding). Forces :math:`-\partial E_\text{int}/\partial r` sum to
    zero over the dimer (Newton's third law between A and B).

    Args:
        model: an energy model called as ``model(z, pos, batch) -> [n_graphs]``.

    Call ``inter(z [n_atoms], pos [n_atoms, 3], part [n_atoms] (0 = A, 1 = B), batch=None) -> [n_dimers]``.

    >>> from airtools.models import SchNet
    >>> inter = InteractionEnergy(SchNet(r_cut=4.0))
    >>> z, part = torch.tensor([8, 1, 1, 8, 1, 1]), torch.tensor([0, 0, 0, 1, 1, 1])
    >>> pos = torch.randn(6, 3); pos[3:] += 20.0              # B far beyond the cutoff
    >>> inter(z, pos, part).abs().item() < 1e-5
    True
    """

    def __init__(self, model: nn.Module):
        super().__init__()
        self.model = model

    def forward(self, z: Tensor, pos: Tensor, part: Tensor, batch: Tensor | None = None) -> Tensor:
        z, pos, batch = check_inputs(z, pos, batch)
        part = _check_part(part, z, batch)
        G = num_graphs(batch)
        mono = G + 2 * batch + part  # graph ids of the monomers: A of dimer g -> G + 2g, B -> G + 2g + 1
        order = torch.argsort(mono, stable=True)  # batch vectors must be sorted
        E = self.model(torch.cat([z, z[order]]), torch.cat([pos, pos[order]]), torch.cat([batch, mono[order]]))
        E_mono = E[G:].view(G, 2)  # [n_dimers, 2]: E(A), E(B)
        return E[:G] - E_mono[:, 0] - E_mono[:, 1]  # [n_dimers]

    def energy_and_forces(self, z: Tensor, pos: Tensor, part: Tensor, batch: Tensor | None = None, *,
                          create_graph: bool = False) -> tuple[Tensor, Tensor]:
        """``E_int: [n_dimers]`` and forces ``-dE_int/dpos: [n_atoms, 3]`` by autograd."""
        return energy_and_forces(lambda z_, pos_, batch_: self(z_, pos_, part, batch_), z, pos, batch,
                                 create_graph=create_graph)


def interaction_loss(model: nn.Module, batch: dict) -> Tensor:
    """Mean squared error of ``model(z, pos, part, batch)`` against ``batch["energy"]`` (an E_int batch from
    ``airtools.data.collate_dimers``); pass it as ``loss_fn`` to ``airtools.train.train``.

    >>> from airtools.models import SchNet
    >>> from airtools.data.interactions import DimerDataset, collate_dimers
    >>> ds = DimerDataset([8, 8], [0, 1], torch.randn(2, 2, 3), [0.1, 0.2])
    >>> interaction_loss(InteractionEnergy(SchNet()), collate_dimers([ds[0], ds[1]])).ndim
    0
    """
    energy = model(batch["z"], batch["pos"], batch["part"], batch["batch"])
    return torch.mean((energy - batch["energy"]) ** 2)


class DistanceBaseline(nn.Module):
    r"""A pose-blind baseline: E_int as a function of one distance only, by ridge regression on Gaussians.

    .. math:: \hat E(d) = \sum_k w_k\, e^{-(d - \mu_k)^2 / 2\sigma^2} + b,\qquad
              w = \arg\min \lVert \Phi w - E \rVert^2 + \lambda \lVert w \rVert^2

    It sees how far apart the monomers are, not how they are turned, so its error measures what the
    orientation is worth.

    Args:
        d_range: (d_min, d_max) of the Gaussian centres; n_basis: how many; ridge: :math:`\lambda`.

    Call ``baseline(d [n]) -> [n]`` after ``baseline.fit(d [n], energy [n])``.

    >>> d = torch.linspace(2.5, 6.0, 50)
    >>> f = DistanceBaseline().fit(d, 1 / d**3)
    >>> float((f(d) - 1 / d**3).abs().max()) < 1e-3
    True
    """

    def __init__(self, d_range=(2.0, 7.0), n_basis: int = 12, ridge: float = 1e-4):
        super().__init__()
        self.register_buffer("centres", torch.linspace(*d_range, n_basis, dtype=torch.float64))
        self.register_buffer("weights", torch.zeros(n_basis + 1, dtype=torch.float64))
        self.width, self.ridge = (d_range[1] - d_range[0]) / (n_basis - 1), ridge

    def fit(self, d: Tensor, energy: Tensor) -> "DistanceBaseline":
        """Least squares with a ridge penalty on ``d: [n]`` and ``energy: [n]``; returns ``self``."""
        Phi = self._features(d)  # [n, n_basis + 1]
        A = Phi.T @ Phi + self.ridge * torch.eye(Phi.shape[1], dtype=Phi.dtype, device=Phi.device)
        self.weights.copy_(torch.linalg.solve(A, Phi.T @ energy.to(Phi)))
        return self

    def forward(self, d: Tensor) -> Tensor:
        return (self._features(d) @ self.weights).to(d.dtype)

    def _features(self, d: Tensor) -> Tensor:
        d = d.to(self.centres)[:, None]  # [n, 1]
        gauss = torch.exp(-0.5 * ((d - self.centres) / self.width) ** 2)  # [n, n_basis]
        return torch.cat([gauss, torch.ones_like(d)], dim=1)


def _check_part(part: Tensor, z: Tensor, batch: Tensor) -> Tensor:
    if not isinstance(part, Tensor) or part.shape != z.shape:
        raise ValueError(f"part: expected a tensor of shape [{z.shape[0]}] (0 for monomer A, 1 for B), "
                         f"got {type(part).__name__} of shape {list(getattr(part, 'shape', []))}")
    part = part.long().to(z.device)
    if ((part != 0) & (part != 1)).any():
        raise ValueError(f"part: expected only 0 (monomer A) and 1 (monomer B), got {torch.unique(part).tolist()}")
    G = num_graphs(batch)
    counts = torch.zeros(G, 2, dtype=torch.long, device=z.device).index_put_((batch, part), torch.ones_like(part),
                                                                              accumulate=True)
    if (counts == 0).any():
        g = int((counts == 0).any(1).nonzero()[0])
        raise ValueError(f"part: dimer {g} has {counts[g, 0]} atoms in A and {counts[g, 1]} in B; "
                         f"each dimer needs atoms in both monomers")
    return part
