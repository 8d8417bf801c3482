"""One training loop for every lesson: seeding, device, train/val split, progress bar, LR schedule,
early stopping, best-epoch restore, and checkpoints that reproduce the model exactly.

Molecules (the default loss) minimise

    L = mean_G (E_G - E_G^ref)^2 + w_F mean_{i,a} (F_ia - F_ia^ref)^2,   F = -dE/dpos (autograd),

on batches from ``airtools.data.collate_molecules``. Any other task passes ``loss_fn(model, batch) -> loss``
and a dataset whose default collate fits (e.g. ``TensorDataset(x, y)`` for a neural operator).
"""
from __future__ import annotations

import copy

import importlib
import math
import random
import time
import warnings
from dataclasses import asdict, dataclass, field, is_dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import torch
from tqdm.auto import tqdm

__all__ = ["TrainConfig", "History", "train", "energy_force_loss", "seed_everything", "save_checkpoint",
           "load_checkpoint"]


@dataclass
class TrainConfig:
    """Settings of :func:`train` (``n_epochs``, ``lr``, ``batch_size`` as in every lesson).

    ``patience``: stop after this many epochs without a better validation loss (None: never).
    ``schedule``: ``"plateau"`` (halve ``lr`` after ``lr_patience`` flat epochs), ``"cosine"`` or ``"none"``.
    ``device``: None -> ``airtools.default_device()``. ``force_weight``: w_F of the default loss (0: energy only).
    """

    n_epochs: int = 100
    lr: float = 1e-3
    batch_size: int = 16
    val_fraction: float = 0.1
    patience: int | None = 20
    schedule: str = "plateau"
    lr_patience: int = 5
    weight_decay: float = 0.0
    force_weight: float = 1.0
    seed: int = 0
    device: str | None = None
    progress: bool = True


@dataclass
class History:
    """Per-epoch ``train_loss``, ``val_loss`` and ``lr``; the ``best_epoch`` (0-based) whose weights were
    restored, its ``best_loss``, ``stopped_early`` and the wall-clock ``seconds``."""

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


def energy_force_loss(model, batch: dict, force_weight: float = 1.0) -> torch.Tensor:
    """L = mean (E - E_ref)^2 + w_F mean (F - F_ref)^2 on a ``collate_molecules`` batch, F = -dE/dpos.

    Forces keep their graph (``create_graph``) only when ``model.training``, so validation stays cheap.
    Crystal batches (``airtools.data.crystals.collate_crystals``) carry ``cell`` and ``pbc``, passed on
    to the model as keywords.

    >>> from airtools.models import SchNet
    >>> from airtools.data import MoleculeDataset, collate_molecules
    >>> ds = MoleculeDataset([[8, 1, 1]], [torch.randn(3, 3)], energy=[0.0], forces=[torch.zeros(3, 3)])
    >>> energy_force_loss(SchNet(), collate_molecules([ds[0]])).ndim
    0
    """
    periodic = {"cell": batch["cell"], "pbc": batch.get("pbc")} if "cell" in batch else {}
    if force_weight == 0:
        energy = model(batch["z"], batch["pos"], batch["batch"], **periodic)
        return torch.mean((energy - batch["energy"]) ** 2)
    from airtools.models import energy_and_forces

    energy, forces = energy_and_forces(model, batch["z"], batch["pos"], batch["batch"],
                                       create_graph=model.training, **periodic)
    return torch.mean((energy - batch["energy"]) ** 2) + force_weight * torch.mean((forces - batch["forces"]) ** 2)


def _to(batch, device):
    if isinstance(batch, torch.Tensor):
        return batch.to(device)
    if isinstance(batch, dict):
        return {k: _to(v, device) for k, v in batch.items()}
    if isinstance(batch, (list, tuple)):
        return type(batch)(_to(v, device) for v in batch)
    return batch


def _default_collate(dataset):
    item = dataset[0]
    if isinstance(item, dict) and "z" in item and "pos" in item and "cell" in item:
        from airtools.data.crystals import collate_crystals

        return collate_crystals
    if isinstance(item, dict) and "z" in item and "pos" in item:
        from airtools.data import collate_molecules

        return collate_molecules
    return torch.utils.data.default_collate


def train(model: torch.nn.Module, dataset, config: TrainConfig | None = None, *,
          loss_fn: Callable | None = None, val_dataset=None, collate_fn: Callable | None = None) -> History:
    """Fit ``model`` on ``dataset`` with Adam(W); restore the weights of the best validation epoch.

    Args:
        model: moved to ``config.device``; trained in place.
        dataset: a torch Dataset; split (seeded) into train/val by ``config.val_fraction`` unless
            ``val_dataset`` is given. With no validation data the training loss picks the best epoch.
        loss_fn: ``loss_fn(model, batch) -> scalar tensor``; default :func:`energy_force_loss`. Validation
            calls it in eval mode under ``torch.no_grad``; an epoch's loss is the mean over its batches.
        collate_fn: default ``collate_molecules`` for molecule dicts, ``collate_crystals`` for crystal dicts
            (with a ``cell``), else torch's ``default_collate``.

    Returns:
        History (per-epoch losses, best epoch, seconds).

    >>> x = torch.linspace(-1, 1, 32)[:, None]
    >>> h = train(torch.nn.Linear(1, 1), torch.utils.data.TensorDataset(x, 3 * x),
    ...           TrainConfig(n_epochs=60, lr=0.1, progress=False, device="cpu"),
    ...           loss_fn=lambda m, b: torch.mean((m(b[0]) - b[1]) ** 2))
    >>> h.train_loss[-1] < 1e-2 * h.train_loss[0]
    True
    """
    import airtools

    config = config or TrainConfig()
    if config.schedule not in ("plateau", "cosine", "none"):
        raise ValueError(f"config.schedule: expected 'plateau', 'cosine' or 'none', got {config.schedule!r}")
    device = config.device or airtools.default_device()
    seed_everything(config.seed)
    generator = torch.Generator().manual_seed(config.seed)
    if val_dataset is None and config.val_fraction > 0:
        n_val = max(1, round(config.val_fraction * len(dataset)))
        if n_val >= len(dataset):
            raise ValueError(f"dataset: {len(dataset)} samples leave none to train on after a "
                             f"val_fraction={config.val_fraction} split; add data or lower val_fraction")
        dataset, val_dataset = torch.utils.data.random_split(dataset, [len(dataset) - n_val, n_val], generator)
    collate_fn = collate_fn or _default_collate(dataset)
    loader = torch.utils.data.DataLoader(dataset, config.batch_size, shuffle=True, collate_fn=collate_fn,
                                         generator=generator)
    val_loader = None
    if val_dataset is not None:
        val_loader = torch.utils.data.DataLoader(val_dataset, config.batch_size, collate_fn=collate_fn)
    loss_fn = loss_fn or (lambda m, b: energy_force_loss(m, b, config.force_weight))

    model.to(device)
    optimizer = torch.optim.AdamW(model.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    scheduler = {"plateau": lambda: torch.optim.lr_scheduler.ReduceLROnPlateau(
                     optimizer, factor=0.5, patience=config.lr_patience),
                 "cosine": lambda: torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, config.n_epochs),
                 "none": lambda: None}[config.schedule]()
    history, best_state, t0 = History(), None, time.perf_counter()
    bar = tqdm(range(config.n_epochs), desc="train", disable=not config.progress)
    for epoch in bar:
        model.train()
        losses = []
        for batch in loader:
            optimizer.zero_grad(set_to_none=True)
            loss = loss_fn(model, _to(batch, device))
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
        history.train_loss.append(float(np.mean(losses)))
        history.lr.append(optimizer.param_groups[0]["lr"])
        if not math.isfinite(history.train_loss[-1]):
            raise FloatingPointError(f"train loss is {history.train_loss[-1]} at epoch {epoch}; "
                                     f"try a smaller config.lr (now {history.lr[-1]:g})")
        if val_loader is not None:
            model.eval()
            with torch.no_grad():  # energy_and_forces switches autograd back on for the forces
                history.val_loss.append(float(np.mean([loss_fn(model, _to(b, device)).item()
                                                       for b in val_loader])))
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


def _qualname(obj) -> str:
    return f"{type(obj).__module__}.{type(obj).__qualname__}"


def _import(path: str):
    module, _, name = path.rpartition(".")
    return getattr(importlib.import_module(module), name)


def save_checkpoint(path: str | Path, model: torch.nn.Module, config: TrainConfig | None = None,
                    extra: dict | None = None) -> Path:
    """Save weights, the model's class and ``model.config`` dataclass, ``config`` and ``extra`` (atomically:
    a temporary file in the same folder, then ``os.replace``).

    ``extra`` holds plain values (numbers, strings, lists, dicts, tensors), e.g. the ``History`` as a dict.
    """
    from airtools.data import atomic_write

    model_config = getattr(model, "config", None)
    payload = {"model_class": _qualname(model), "state_dict": model.state_dict(),
               "model_config": asdict(model_config) if is_dataclass(model_config) else None,
               "model_config_class": _qualname(model_config) if is_dataclass(model_config) else None,
               "train_config": asdict(config) if config is not None else None, "extra": extra or {}}
    with atomic_write(path) as f:
        torch.save(payload, f)
    return Path(path)


def load_checkpoint(path: str | Path, model: torch.nn.Module | None = None, *, map_location="cpu"):
    """Restore a model saved by :func:`save_checkpoint`, in eval mode; predictions match exactly.

    Args:
        model: load into this instance; None rebuilds it as ``cls(config_cls(**model_config))`` (or ``cls()``).

    Returns:
        the model. (``torch.load(path, weights_only=True)`` gives the whole payload: ``train_config``, ``extra``.)

    >>> import tempfile; from airtools.models import SchNet
    >>> p = save_checkpoint(Path(tempfile.mkdtemp()) / "m.pt", SchNet(hidden=8))
    >>> load_checkpoint(p).config.hidden
    8
    """
    payload = torch.load(path, map_location=map_location, weights_only=True)
    if model is None:
        cls = _import(payload["model_class"])
        cfg = payload["model_config"]
        model = cls(_import(payload["model_config_class"])(**cfg)) if cfg is not None else cls()
    model.load_state_dict(payload["state_dict"])
    return model.eval()


def load_or_train(path: str | Path, fit, *, train: bool = True, what: str = "model"):
    """The cached model at ``path``, or ``fit()`` (which trains and saves it there) when none is readable.

    A truncated or foreign file is reported with a warning, deleted and retrained, so a killed run never
    leaves a model that cannot load. ``fit`` is called with no arguments and returns the trained model.

    Args:
        path: the checkpoint written by :func:`save_checkpoint`.
        fit: ``() -> model``; trains, saves to ``path``, returns the model.
        train: when nothing valid is cached, call ``fit`` (True) or return None (False: a fast page).
        what: the word used in the warning ("model", "operator", ...).

    >>> import tempfile; from airtools.models import SchNet
    >>> p = Path(tempfile.mkdtemp()) / "m.pt"
    >>> load_or_train(p, lambda: SchNet(hidden=8), train=False) is None
    True
    >>> _ = save_checkpoint(p, SchNet(hidden=8)); load_or_train(p, None).config.hidden
    8
    """
    path = Path(path)
    if path.exists():
        try:
            return load_checkpoint(path)
        except Exception as err:  # truncated or foreign file: retrain
            warnings.warn(f"cached {what} {path} is unreadable ({type(err).__name__}); retraining", stacklevel=3)
            path.unlink(missing_ok=True)
    return fit() if train else None
