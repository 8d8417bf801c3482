r"""A deep ensemble of energy models as one module: saved and loaded as one checkpoint, predicting the members'
energies and per-atom energies together.

For K members of one architecture (``airtools.models``), each a sum-readout energy model,

.. math::
    \bar E = \frac1K \sum_k E^{(k)}, \qquad \sigma = \Big(\frac1K \sum_k (E^{(k)} - \bar E)^2\Big)^{1/2},
    \qquad \bar E_i = \frac1K \sum_k E^{(k)}_i, \quad \sum_i \bar E_i = \bar E

(the mean of exact decompositions is an exact decomposition of the mean: the per-atom energies of the ensemble
add up to its prediction). The settings live in :class:`EnsembleConfig` (plain values), so
``airtools.train.save_checkpoint`` / ``load_checkpoint`` rebuild it like any other model.

>>> import torch
>>> from airtools.models import SchNet
>>> ens = EnergyEnsemble.from_models([SchNet(hidden=8), SchNet(hidden=8)])
>>> z, pos = torch.tensor([8, 1, 1]), torch.randn(3, 3)
>>> ens(z, pos).shape, ens.atom_energies(z, pos).shape
(torch.Size([2, 1]), torch.Size([2, 3]))
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

import torch
from torch import Tensor, nn

from airtools import models as _models

from .ensembles import Prediction, _summary

__all__ = ["EnsembleConfig", "EnergyEnsemble"]


@dataclass
class EnsembleConfig:
    """Settings of :class:`EnergyEnsemble`: the members' class (a name in ``airtools.models``), their
    settings (``asdict`` of their config) and how many there are."""

    model: str = "SchNet"
    model_config: dict = field(default_factory=dict)
    n_members: int = 2


class EnergyEnsemble(nn.Module):
    """K energy models of one architecture (``self.members``), called together.

    ``ensemble(z [n_atoms], pos [n_atoms, 3], batch=None) -> [K, n_graphs]``: each member's energy;
    :meth:`predict` gives the :class:`~airtools.uq.Prediction` (mean, spread, samples), :meth:`atom_energies` the
    members' per-atom energies ``[K, n_atoms]``. Use :meth:`from_models` to gather trained models.
    """

    def __init__(self, config: EnsembleConfig | None = None):
        super().__init__()
        self.config = config or EnsembleConfig()
        cls = getattr(_models, self.config.model, None)
        if not (isinstance(cls, type) and issubclass(cls, _models.EnergyModel)):
            raise ValueError(f"model: expected an energy model of airtools.models (SchNet, PaiNN, ...), got "
                             f"{self.config.model!r}")
        if not (isinstance(self.config.n_members, int) and self.config.n_members >= 2):
            raise ValueError(f"n_members: expected an integer >= 2 (an ensemble), got {self.config.n_members!r}")
        self.members = nn.ModuleList(cls(**self.config.model_config) for _ in range(self.config.n_members))

    @classmethod
    def from_models(cls, models) -> "EnergyEnsemble":
        """An ensemble holding copies of the trained ``models`` (two or more of one class and one config)."""
        models = list(models)
        kinds = {(type(m).__name__, repr(getattr(m, "config", None))) for m in models}
        if len(models) < 2 or len(kinds) != 1 or not isinstance(models[0], _models.EnergyModel):
            raise ValueError(f"models: expected two or more energy models of one class and config, got {len(models)} "
                             f"of {len(kinds)} kind(s)")
        ensemble = cls(EnsembleConfig(type(models[0]).__name__, asdict(models[0].config), len(models)))
        for member, model in zip(ensemble.members, models):
            member.load_state_dict(model.state_dict())
        ref = next(models[0].parameters())
        return ensemble.to(ref.device).eval()

    def forward(self, z: Tensor, pos: Tensor, batch: Tensor | None = None) -> Tensor:
        return torch.stack([member(z, pos, batch) for member in self.members])  # [K, n_graphs]

    def atom_energies(self, z: Tensor, pos: Tensor, batch: Tensor | None = None) -> Tensor:
        """The members' per-atom energies ``[K, n_atoms]`` (each member's row sums to its energy)."""
        return torch.stack([member.atom_energies(z, pos, batch) for member in self.members])

    def predict(self, z: Tensor, pos: Tensor, batch: Tensor | None = None) -> Prediction:
        """Mean and population spread over the members, ``[n_graphs]`` each (no gradients, eval mode)."""
        training = self.training
        self.eval()
        try:
            with torch.no_grad():
                return _summary(self(z, pos, batch))
        finally:
            self.train(training)
