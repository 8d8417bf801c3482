"""Small seeded models for the rotations dashboard and lesson demos: one per architecture, *not trained*.

Symmetry is a property of the architecture, not of the weights, so untrained models already show that
SchNet, PaiNN and TFN are invariant/equivariant and the MLP is not. (Trained models: ``airtools.zoo``.)
"""
from __future__ import annotations

import torch

from .mlp import MLP
from .painn import PaiNN
from .schnet import SchNet
from .tfn import TFN

__all__ = ["demo_models"]

_DEMO = {  # energy + forces of all four: ~7 ms for ethanol on one core (rotations dashboard, every rotation)
    "schnet": (SchNet, dict(hidden=16, n_filters=16, n_interactions=2)),
    "painn": (PaiNN, dict(hidden=16, n_layers=2)),
    "tfn": (TFN, dict(irreps_hidden="8x0e + 4x1o", l_max=1, n_layers=1, radial_hidden=8)),
    "mlp": (MLP, dict(max_atoms=32)),
}


def demo_models(names=("schnet", "painn", "tfn", "mlp"), *, seed: int = 0) -> dict:
    """Small untrained models with reproducible weights (``torch.manual_seed(seed)`` before each).

    Args:
        names: keys of ``airtools.models.MODELS`` among ``schnet, painn, tfn, mlp``.
        seed: the same seed gives the same weights.

    Returns:
        ``{name: model}`` in eval mode, float32 on the CPU.

    >>> models = demo_models(("schnet", "mlp"))
    >>> sorted(models), type(models["schnet"]).__name__
    (['mlp', 'schnet'], 'SchNet')
    """
    unknown = sorted(set(names) - set(_DEMO))
    if unknown:
        raise ValueError(f"names: unknown model(s) {unknown}; expected some of {sorted(_DEMO)}")
    out = {}
    for name in names:
        cls, kwargs = _DEMO[name]
        torch.manual_seed(seed)
        out[name] = cls(**kwargs).eval()
    return out
