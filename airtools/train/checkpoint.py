"""Checkpoints that rebuild a model exactly: weights, the model's class and its config dataclass.

Every model of ``airtools.models`` keeps its settings in ``model.config`` (a dataclass) and is built as
``cls(config=...)``, so :func:`load_checkpoint` needs no code of the model's own. Writes are atomic
(``airtools.cache.atomic_write``) and, under ``torchrun``, done by rank 0 only.
"""
from __future__ import annotations

import importlib
import warnings
from dataclasses import asdict, is_dataclass
from pathlib import Path

import torch

from airtools.cache import atomic_write

from . import distributed

__all__ = ["save_checkpoint", "load_checkpoint", "load_or_train"]


def save_checkpoint(path: str | Path, model: torch.nn.Module, config=None, extra: dict | None = None) -> Path:
    """Save weights, the model's class and ``model.config`` dataclass, a training ``config`` and ``extra``.

    Args:
        path: the ``.pt`` file (written atomically: a temporary file in the same folder, then ``os.replace``).
        model: a model with a dataclass ``config`` (or none: rebuilt as ``cls()``).
        config: the training settings (a dataclass, e.g. ``TrainConfig``), stored as a dict.
        extra: plain values (numbers, strings, lists, dicts, tensors), e.g. the ``History`` as a dict.

    Returns:
        ``path`` (under ``torchrun`` only rank 0 writes; the others return at once).
    """
    if not distributed.is_main_process():
        return Path(path)
    model_config = getattr(model, "config", None)
    payload = {"model_class": _qualname(model), "state_dict": model.state_dict(),
               "model_config": asdict(model_config) if is_dataclass(model_config) else None,
               "model_config_class": _qualname(model_config) if is_dataclass(model_config) else None,
               "train_config": asdict(config) if is_dataclass(config) else config, "extra": extra or {}}
    with atomic_write(path) as f:
        torch.save(payload, f)
    return Path(path)


def load_checkpoint(path: str | Path, model: torch.nn.Module | None = None, *, map_location="cpu"):
    """Restore a model saved by :func:`save_checkpoint`, in eval mode; predictions match exactly.

    Args:
        model: load into this instance; None rebuilds it as ``cls(config=config_cls(**model_config))``.

    Returns:
        the model. (``torch.load(path, weights_only=True)`` gives the whole payload: ``train_config``, ``extra``.)

    >>> import tempfile; from airtools.models import DeepONet
    >>> p = save_checkpoint(Path(tempfile.mkdtemp()) / "m.pt", DeepONet(branch_sizes=[4, 8], trunk_sizes=[1, 8]))
    >>> load_checkpoint(p).config.branch_sizes
    [4, 8]
    """
    payload = torch.load(path, map_location=map_location, weights_only=True)
    if model is None:
        cls = _import(payload["model_class"])
        cfg = payload["model_config"]
        model = cls(config=_import(payload["model_config_class"])(**cfg)) if cfg is not None else cls()
    model.load_state_dict(payload["state_dict"])
    return model.eval()


def load_or_train(path: str | Path, fit, *, train: bool = True, what: str = "model"):
    """The cached model at ``path``, or ``fit()`` (which trains and saves it there) when none is readable.

    A truncated or foreign file is reported with a warning, deleted and retrained, so a killed run never
    leaves a model that cannot load.

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


def _qualname(obj) -> str:
    return f"{type(obj).__module__}.{type(obj).__qualname__}"


def _import(path: str):
    module, _, name = path.rpartition(".")
    return getattr(importlib.import_module(module), name)
