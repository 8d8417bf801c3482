r"""AutoDock Vina's intermolecular score (Trott & Olson, *J. Comput. Chem.* 2010): an empirical, physics-shaped
function of ligand-pocket distances only, so it is unchanged when the complex moves as a whole.

For every ligand heavy atom i and pocket heavy atom j closer than 8 Å, with the **surface distance**
:math:`d_{ij} = r_{ij} - R_i - R_j` (van der Waals radii of their XS types):

.. math:: E = \sum_{ij} \Big[ w_1 e^{-(d/0.5)^2} + w_2 e^{-((d - 3)/2)^2} + w_3\, d^2\,[d < 0]
          + w_4\, h(d)\,[i, j \text{ hydrophobic}] + w_5\, b(d)\,[\text{donor-acceptor pair}] \Big]

with :math:`h = 1` below 0.5 Å, 0 above 1.5 Å, linear between; :math:`b = 1` below -0.7 Å, 0 above 0, linear
between; and Vina's weights :math:`w = (-0.0356, -0.00516, 0.840, -0.0351, -0.587)`: two attractive Gaussians
(steric fit), a repulsion when surfaces overlap, a hydrophobic contact term and a hydrogen-bond term. Lower is
better. What is left out of Vina's final number: the ligand's internal terms (a rigid ligand never changes them)
and the division by :math:`1 + 0.0585 N_\text{rot}` (one constant for one ligand), so the ranking of poses is
Vina's but the value is not its kcal/mol estimate.

Why this score and not a learned one: it needs no training data (a learned score worth the name is fitted
on thousands of complexes, e.g. PDBbind, which nothing installed ships), it has five numbers a student can read,
and it is what docking programs still use as the baseline that DiffDock and friends are compared with.
"""
from __future__ import annotations

import numpy as np
import torch

from .types import XS_ACCEPTOR, XS_DONOR, XS_HYDROPHOBIC, XS_RADIUS, XS_TYPES

__all__ = ["VINA_WEIGHTS", "VINA_CUTOFF", "VinaScore"]

VINA_WEIGHTS = {"gauss1": -0.0356, "gauss2": -0.00516, "repulsion": 0.840, "hydrophobic": -0.0351, "hbond": -0.587}
VINA_CUTOFF = 8.0  # Å


class VinaScore(torch.nn.Module):
    r"""Vina's intermolecular score of ligand poses in one pocket: ``score(pos [..., n, 3]) -> [...]``.

    The pocket is fixed (buffers: ``.to(device)`` and ``.double()`` move it with the module); every pose of the
    ligand is scored against it, batched over the leading dimensions.

    Args:
        ligand_types: [n] XS type indices (``ligand_xs_types``).
        pocket_pos: [m, 3] pocket heavy atoms in Å (a float tensor keeps its dtype and device; anything else
            becomes torch's default dtype).
        pocket_types: [m] XS type indices (``protein_xs_types``).

    >>> score = VinaScore([0], [[0.0, 0.0, 4.0]], [0])          # two hydrophobic carbons, 4 Å apart
    >>> round(float(score(torch.zeros(1, 3))), 4)      # d = 0.2 Å: -0.0356 e^-0.16 - 0.00516 e^-1.96 - 0.0351
    -0.0662
    """

    def __init__(self, ligand_types, pocket_pos, pocket_types):
        super().__init__()
        lt, pt = (np.asarray(x, dtype=np.int64) for x in (ligand_types, pocket_types))
        if not (isinstance(pocket_pos, torch.Tensor) and pocket_pos.is_floating_point()):  # a tensor keeps its dtype
            pocket_pos = torch.as_tensor(np.asarray(pocket_pos, dtype=float), dtype=torch.get_default_dtype())
        if lt.ndim != 1 or pt.ndim != 1 or pocket_pos.shape != (len(pt), 3):
            raise ValueError(f"ligand_types [n], pocket_pos [m, 3], pocket_types [m]: got shapes {list(lt.shape)}, "
                             f"{list(pocket_pos.shape)}, {list(pt.shape)}; pass one XS type per atom")
        for name, t in (("ligand_types", lt), ("pocket_types", pt)):
            if len(t) == 0 or t.min() < 0 or t.max() >= len(XS_TYPES):
                raise ValueError(f"{name}: expected XS type indices in 0..{len(XS_TYPES) - 1} (at least one atom), "
                                 f"got {t.tolist()[:10]}; hydrogens (-1) are not scored: remove them")
        table = lambda x: torch.as_tensor(x, dtype=pocket_pos.dtype)  # noqa: E731
        self.n_atoms = len(lt)
        self.register_buffer("pocket_pos", pocket_pos)  # [m, 3]
        self.register_buffer("radius_sum", table(XS_RADIUS[lt][:, None] + XS_RADIUS[pt][None]))  # [n, m]
        self.register_buffer("hydrophobic", table(XS_HYDROPHOBIC[lt][:, None] * XS_HYDROPHOBIC[pt][None]))
        hbond = XS_DONOR[lt][:, None] * XS_ACCEPTOR[pt][None] + XS_ACCEPTOR[lt][:, None] * XS_DONOR[pt][None]
        self.register_buffer("hbond", table(np.minimum(hbond, 1)))  # [n, m]
        self.register_buffer("weights", table(list(VINA_WEIGHTS.values())))  # [5]

    def forward(self, pos: torch.Tensor) -> torch.Tensor:
        """Scores ``[...]`` of poses ``pos [..., n, 3]`` (Å)."""
        r, d, batch = self._distances(pos)
        w = self.weights
        e = (w[0] * _gauss(d, 0.0, 0.5) + w[1] * _gauss(d, 3.0, 2.0) + w[2] * d.clamp(max=0) ** 2
             + w[3] * self.hydrophobic * (1.5 - d).clamp(0, 1) + w[4] * self.hbond * (-d / 0.7).clamp(0, 1))
        return e.masked_fill(r >= VINA_CUTOFF, 0).sum((1, 2)).reshape(batch)

    def terms(self, pos: torch.Tensor) -> torch.Tensor:
        """The five unweighted sums ``[..., 5]`` (gauss1, gauss2, repulsion, hydrophobic, hbond) of poses ``pos``:
        ``score(pos) = terms(pos) @ weights``."""
        r, d, batch = self._distances(pos)
        out = torch.stack([_gauss(d, 0.0, 0.5), _gauss(d, 3.0, 2.0), d.clamp(max=0) ** 2,
                           (1.5 - d).clamp(0, 1) * self.hydrophobic, (-d / 0.7).clamp(0, 1) * self.hbond], -1)
        return out.masked_fill((r >= VINA_CUTOFF)[..., None], 0).sum((1, 2)).reshape(*batch, 5)

    def _distances(self, pos):
        """Distances r and surface distances d, both [B, n, m], of poses [..., n, 3] flattened to B; and [...]."""
        pos = torch.as_tensor(pos, dtype=self.pocket_pos.dtype, device=self.pocket_pos.device)
        if pos.ndim < 2 or pos.shape[-2:] != (self.n_atoms, 3):
            raise ValueError(f"pos: expected [..., {self.n_atoms}, 3] (one position per ligand atom), got "
                             f"{list(pos.shape)}")
        x = pos.reshape(-1, self.n_atoms, 3)  # [B, n, 3]
        r = torch.cdist(x, self.pocket_pos.expand(len(x), -1, -1), compute_mode="donot_use_mm_for_euclid_dist")
        return r, r - self.radius_sum, pos.shape[:-2]


def _gauss(d: torch.Tensor, centre: float, width: float) -> torch.Tensor:
    """exp(-((d - centre) / width)^2), its exponent floored at -80: exp(-80) = 2e-35 is still a normal float32,
    while exp of a larger negative number goes through the underflow path, measured 20x slower on this CPU."""
    return torch.exp(-(((d - centre) / width) ** 2).clamp(max=80.0))
