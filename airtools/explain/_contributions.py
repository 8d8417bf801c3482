r"""Per-atom energy contributions of a sum-readout energy model, and what they are (and are not).

Every energy model of ``airtools.models`` ends with the extensive readout
:math:`E = \sum_i E_i`, :math:`E_i = \sigma\,\varepsilon_i + \mu + E^\text{ref}_{z_i}`: its per-atom
energies are an *exact* decomposition of its prediction (the sum rule holds to round-off, with no
approximation, no baseline and no path). They are the model's own split, though: the data (total energies)
fix only the sum, so two models that predict the same totals may split them differently, and the fixed
per-element table :math:`E^\text{ref}` (fitted before training, not learned) is most of each number. Pass
``reference=False`` to see only what the network adds, :math:`\sigma\,\varepsilon_i + \mu`.
"""
from __future__ import annotations

import torch
from torch import Tensor

from airtools.graph import check_batch, num_graphs, scatter_sum
from airtools.models import EnergyModel

__all__ = ["atom_contributions", "sum_rule_error"]


def atom_contributions(model, z: Tensor, pos: Tensor, batch: Tensor | None = None, *, reference: bool = True,
                       cell: Tensor | None = None, pbc=None) -> Tensor:
    r"""Per-atom energies :math:`E_i` of an energy model (``EnergyModel.atom_energies``), detached.

    Args:
        model: an ``airtools.models.EnergyModel`` (SchNet, PaiNN, EGNN, TFN, MLP, ...).
        z: ``[n_atoms]``; pos: ``[n_atoms, 3]``; batch: ``[n_atoms]`` or None (one molecule);
            cell, pbc: for crystals, as the model takes them.
        reference: keep the per-element reference :math:`E^\text{ref}_{z_i}` (then
            :math:`\sum_{i\in G} E_i = E_G`); False subtracts it, leaving :math:`\sigma\varepsilon_i + \mu`.

    Returns:
        ``[n_atoms]`` in the model's energy unit.

    >>> from airtools.models import SchNet
    >>> model = SchNet(hidden=8).set_energy_reference({1: -13.6, 8: -2042.6})
    >>> z, pos = torch.tensor([8, 1, 1]), torch.tensor([[0.0, 0, 0], [0.96, 0, 0], [-0.24, 0.93, 0]])
    >>> e_i = atom_contributions(model, z, pos)
    >>> e_i.shape, abs(float(e_i.sum() - model(z, pos).detach())) < 1e-3, bool(e_i[0] < -2000)
    (torch.Size([3]), True, True)
    """
    if not isinstance(model, EnergyModel):
        raise ValueError(f"model: expected an airtools.models.EnergyModel with a sum readout (SchNet, PaiNN, "
                         f"EGNN, TFN, MLP), got {type(model).__name__}; other models have no per-atom energies")
    with torch.no_grad():
        e_i = model.atom_energies(z, pos, batch, cell=cell, pbc=pbc)  # [n_atoms]
        if not reference:
            e_i = e_i - model.readout.atom_ref[torch.as_tensor(z, device=e_i.device).long()]
    return e_i


def sum_rule_error(model, z: Tensor, pos: Tensor, batch: Tensor | None = None, *, cell: Tensor | None = None,
                   pbc=None) -> float:
    r"""Largest :math:`|\sum_{i\in G} E_i - E_G|` over the molecules of the batch (the model's energy unit).

    Summed the readout's way (``scatter_sum``) the two are the same numbers, so this is 0.0 exactly; a
    different summation order may leave float round-off.

    >>> from airtools.models import PaiNN
    >>> sum_rule_error(PaiNN(hidden=8), torch.tensor([6, 1, 1, 1, 1]), torch.randn(5, 3))
    0.0
    """
    e_i = atom_contributions(model, z, pos, batch, cell=cell, pbc=pbc)
    batch = check_batch(batch, e_i.shape[0], device=e_i.device)
    with torch.no_grad():
        energy = model(z, pos, batch) if cell is None else model(z, pos, batch, cell=cell, pbc=pbc)
    return float((scatter_sum(e_i, batch, num_graphs(batch)) - energy).abs().max())
