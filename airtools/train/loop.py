"""One training loop for every lesson: seeding, device, train/val split, progress bar, LR schedule,
early stopping, best-epoch restore; data-parallel under ``torchrun`` (``airtools.train.distributed``).

The loop knows nothing of molecules, crystals or fields: the task comes in as ``loss_fn(model, batch) ->
scalar`` (``airtools.train.losses`` has the usual ones) and the batching as ``collate_fn`` (default: the
dataset's own ``collate`` attribute, e.g. ``MoleculeDataset.collate``, else torch's ``default_collate``).
"""
from __future__ import annotations

import copy
import math
import random
import time
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import torch
from tqdm.auto import tqdm

from airtools import default_device

from . import distributed

__all__ = ["TrainConfig", "History", "train", "seed_everything"]


@dataclass
class TrainConfig:
    """Settings of :func:`train` (``n_epochs``, ``lr``, ``batch_size`` as in every lesson).

    ``batch_size``: the global batch; under ``torchrun`` each of N processes takes ``batch_size / N`` of it.
    ``patience``: stop after this many epochs without a better validation loss (None: never).
    ``schedule``: ``"plateau"`` (halve ``lr`` after ``lr_patience`` flat epochs), ``"cosine"`` (over
    ``n_epochs``, stepped once per epoch) or ``"none"``. ``device``: None -> ``airtools.default_device()``.
    """

    n_epochs: int = 100
    lr: float = 1e-3
    batch_size: int = 16
    val_fraction: float = 0.1
    patience: int | None = 20
    schedule: str = "plateau"
    lr_patience: int = 5
    weight_decay: float = 0.0
    seed: int = 0
    device: str | None = None
    progress: bool = True


@dataclass
class History:
    """Per-epoch ``train_loss``, ``val_loss`` and ``lr``; the ``best_epoch`` (0-based) whose weights were
    restored, its ``best_loss``, ``stopped_early`` and the wall-clock ``seconds``. Losses are means over the
    epoch's batches (and over the processes under ``torchrun``)."""

    train_loss: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    lr: list[float] = field(default_factory=list)
    best_epoch: int = -1
    best_loss: float = math.inf
    stopped_early: bool = False
    seconds: float = 0.0


def seed_everything(seed: int) -> None:
    """Seed Python's ``random``, NumPy and torch (CPU and every GPU).

    >>> seed_everything(0); a = torch.rand(1); seed_everything(0); bool(a == torch.rand(1))
    True
    """
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)  # also seeds every CUDA device


def train(model: torch.nn.Module, dataset, config: TrainConfig | None = None, *, loss_fn: Callable,
          collate_fn: Callable | None = None, val_dataset=None) -> History:
    """Fit ``model`` on ``dataset`` with AdamW; restore the weights of the best validation epoch.

    Args:
        model: moved to ``config.device``; trained in place.
        dataset: a torch Dataset (or a list of samples); split (seeded) into train/val by
            ``config.val_fraction`` unless ``val_dataset`` is given. With no validation data the training
            loss picks the best epoch.
        loss_fn: ``loss_fn(model, batch) -> scalar tensor``, e.g. ``airtools.train.energy_force_loss``.
            Validation calls it in eval mode under ``torch.no_grad``.
        collate_fn: ``[samples] -> batch``; default ``dataset.collate`` when the dataset (or the dataset a
            ``Subset`` selects from) has one (``MoleculeDataset``, ``CrystalDataset``, ``DimerDataset``), else
            torch's ``default_collate``.

    Returns:
        History (per-epoch losses, best epoch, seconds).

    >>> x = torch.linspace(-1, 1, 32)[:, None]
    >>> h = train(torch.nn.Linear(1, 1), torch.utils.data.TensorDataset(x, 3 * x),
    ...           TrainConfig(n_epochs=60, lr=0.1, progress=False, device="cpu"),
    ...           loss_fn=lambda m, b: torch.mean((m(b[0]) - b[1]) ** 2))
    >>> h.train_loss[-1] < 1e-2 * h.train_loss[0]
    True
    """
    config = config or TrainConfig()
    if config.schedule not in ("plateau", "cosine", "none"):
        raise ValueError(f"config.schedule: expected 'plateau', 'cosine' or 'none', got {config.schedule!r}")
    n_ranks = distributed.world_size()
    if config.batch_size % n_ranks:
        raise ValueError(f"config.batch_size: {config.batch_size} does not split over {n_ranks} processes; "
                         f"use a multiple of {n_ranks}")
    device = distributed.device_for_rank(config.device or default_device())
    collate_fn = collate_fn or _own_collate(dataset) or torch.utils.data.default_collate
    seed_everything(config.seed)
    dataset, val_dataset = _split(dataset, val_dataset, config)
    sampler = distributed.epoch_sampler(dataset, shuffle=True, seed=config.seed)
    loader = torch.utils.data.DataLoader(dataset, config.batch_size // n_ranks, sampler=sampler,
                                         collate_fn=collate_fn)
    val_loader = None if val_dataset is None else \
        torch.utils.data.DataLoader(val_dataset, config.batch_size, collate_fn=collate_fn)

    model.to(device)
    net = distributed.wrap(model)  # DistributedDataParallel under torchrun: averages the gradients
    optimizer = torch.optim.AdamW(model.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    scheduler = {"plateau": lambda: torch.optim.lr_scheduler.ReduceLROnPlateau(
                     optimizer, factor=0.5, patience=config.lr_patience),
                 "cosine": lambda: torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, config.n_epochs),
                 "none": lambda: None}[config.schedule]()
    history, best_state, t0 = History(), None, time.perf_counter()
    bar = tqdm(range(config.n_epochs), desc="train", disable=not (config.progress and distributed.is_main_process()))
    for epoch in bar:
        sampler.set_epoch(epoch)
        net.train()
        losses = []
        for batch in loader:
            optimizer.zero_grad(set_to_none=True)
            loss = loss_fn(net, _to(batch, device))
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
        history.train_loss.append(distributed.all_reduce_mean(float(np.mean(losses))))
        history.lr.append(optimizer.param_groups[0]["lr"])
        if not math.isfinite(history.train_loss[-1]):
            raise FloatingPointError(f"train loss is {history.train_loss[-1]} at epoch {epoch}; "
                                     f"try a smaller config.lr (now {history.lr[-1]:g})")
        if val_loader is not None:  # every rank sees the whole validation set: the same number everywhere
            model.eval()
            with torch.no_grad():  # energy_and_forces switches autograd back on for the forces
                history.val_loss.append(float(np.mean([loss_fn(model, _to(b, device)).item() for b in val_loader])))
        current = (history.val_loss or history.train_loss)[-1]
        if scheduler is not None:
            scheduler.step(current) if config.schedule == "plateau" else scheduler.step()
        if current < history.best_loss:
            history.best_epoch, history.best_loss = epoch, current
            best_state = copy.deepcopy(model.state_dict())  # also copies non-tensor entries (e.g. _metadata)
        bar.set_postfix(train=f"{history.train_loss[-1]:.3g}", val=f"{current:.3g}", best=history.best_epoch)
        if config.patience is not None and epoch - history.best_epoch >= config.patience:
            history.stopped_early = True
            break
    if best_state is not None:
        model.load_state_dict(best_state)
    model.eval()
    history.seconds = time.perf_counter() - t0
    return history


def _own_collate(dataset):
    """The ``collate`` a dataset declares (looked for through ``Subset`` wrappers), or None."""
    while isinstance(dataset, torch.utils.data.Subset):
        dataset = dataset.dataset
    return getattr(dataset, "collate", None)


def _split(dataset, val_dataset, config: TrainConfig):
    """(train, val) datasets: ``val_dataset`` as given, or a seeded ``val_fraction`` of ``dataset``."""
    if val_dataset is not None or config.val_fraction <= 0:
        return dataset, val_dataset
    n_val = max(1, round(config.val_fraction * len(dataset)))
    if n_val >= len(dataset):
        raise ValueError(f"dataset: {len(dataset)} samples leave none to train on after a "
                         f"val_fraction={config.val_fraction} split; add data or lower val_fraction")
    generator = torch.Generator().manual_seed(config.seed)
    train_set, val_set = torch.utils.data.random_split(dataset, [len(dataset) - n_val, n_val], generator)
    return train_set, val_set


def _to(batch, device):
    if isinstance(batch, torch.Tensor):
        return batch.to(device)
    if isinstance(batch, dict):
        return {k: _to(v, device) for k, v in batch.items()}
    if isinstance(batch, (list, tuple)):
        return type(batch)(_to(v, device) for v in batch)
    return batch
