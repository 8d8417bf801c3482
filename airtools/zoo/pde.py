r"""``"burgers-heat-fno"``: the pde dashboard's FNO, u0 -> u(t) at ``OPERATOR_TIMES`` for heat and Burgers.

Data: ``airtools.pde.operator_training_data`` (spectral-solver trajectories at n = 64). Loss: the error relative
to the whole batch, :math:`\lVert \hat u - u\rVert / \lVert u \rVert` (not per sample: fast-decaying heat
trajectories have norms near 0). AdamW, cosine schedule, < 60 s on 2 cores.
"""
from __future__ import annotations

import torch

from airtools.models import FNO
from airtools.pde import N_TRAIN, OPERATOR_TIMES, operator_training_data
from airtools.train import TrainConfig, seed_everything, train

from ._registry import Recipe, register

__all__ = ["BURGERS_HEAT_FNO"]


def _batch_relative_l2(model, batch):
    a, u = batch
    return torch.linalg.vector_norm(model(a) - u) / torch.linalg.vector_norm(u)


def _fit(progress, *, n_samples, n_epochs, seed):
    a, u = operator_training_data(n_samples, seed, progress)
    seed_everything(seed)
    model = FNO(modes=16, width=32, n_layers=4, in_channels=3, out_channels=len(OPERATOR_TIMES), projection=64)
    config = TrainConfig(n_epochs=n_epochs, lr=3e-3, batch_size=32, val_fraction=0.1, patience=None,
                         schedule="cosine", seed=seed, device="cpu", progress=progress)
    history = train(model, torch.utils.data.TensorDataset(a, u), config, loss_fn=_batch_relative_l2)
    return model, config, {"val_batch_relative_l2": history.best_loss, "seconds": history.seconds,
                           "times": OPERATOR_TIMES.tolist(), "n_train": N_TRAIN}


BURGERS_HEAT_FNO = register(Recipe(
    "burgers-heat-fno", version=2, fit=_fit, tag=lambda n_samples, n_epochs, seed: f"{n_samples}x{n_epochs}-s{seed}",
    summary="FNO from u0 and ν to u(t) for heat and Burgers (the pde dashboard's operator)",
    defaults=dict(n_samples=800, n_epochs=30, seed=0)))
