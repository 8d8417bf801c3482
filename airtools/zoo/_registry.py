"""The registry of pretrained recipes: name -> how to train a model once, where it is cached, how to load it.

A :class:`Recipe` composes the layers below it (a dataset from ``airtools.data`` or ``airtools.pde``, a model
from ``airtools.models``, the loop of ``airtools.train``) into one trained, cached model. ``load`` returns the
cached checkpoint when it is readable and trains (then saves, atomically) when it is not; ``train=False``
returns None instead, so that a dashboard page never blocks on training.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import torch

from airtools.cache import cache_dir
from airtools.train import load_or_train, save_checkpoint

__all__ = ["Recipe", "REGISTRY", "register", "get", "load"]

REGISTRY: dict[str, "Recipe"] = {}


@dataclass(frozen=True)
class Recipe:
    """One pretrained model: its ``name``, ``version`` and how to ``fit`` it.

    Args:
        name: the registry key, e.g. ``"crystal-energy"``.
        version: bump it when the recipe changes; checkpoints of other versions are then ignored.
        summary: one line for ``airtools zoo build``.
        fit: ``fit(progress, **settings) -> (model, train_config, extra)``: trains a model (not saved).
        tag: ``tag(**settings) -> str``, the part of the file name that tells settings apart.
        defaults: the settings ``airtools zoo build`` uses (and ``load`` fills in).
    """

    name: str
    version: int
    summary: str
    fit: Callable
    tag: Callable[..., str] = lambda **settings: "default"
    defaults: dict = field(default_factory=dict)

    def settings(self, **overrides) -> dict:
        unknown = sorted(set(overrides) - set(self.defaults))
        if unknown:
            raise ValueError(f"{self.name}: unknown setting(s) {unknown}; expected some of {sorted(self.defaults)}")
        return {**self.defaults, **overrides}

    def path(self, **settings) -> Path:
        """``cache_dir()/zoo/<name>-<tag>-v<version>.pt`` for these settings."""
        return cache_dir() / "zoo" / f"{self.name}-{self.tag(**self.settings(**settings))}-v{self.version}.pt"

    def train(self, *, progress: bool = False, **settings) -> torch.nn.Module:
        """Train now (whatever is cached), save the checkpoint to :meth:`path`, return the model (CPU, eval)."""
        settings = self.settings(**settings)
        model, config, extra = self.fit(progress, **settings)
        model = model.cpu().eval()
        save_checkpoint(self.path(**settings), model, config, extra={**extra, "recipe": self.name,
                                                                      "version": self.version})
        return model

    def load(self, *, train: bool = True, progress: bool = False, **settings):
        """The cached model, or a new one trained now (``train=True``) or None (``train=False``)."""
        return load_or_train(self.path(**settings), lambda: self.train(progress=progress, **settings), train=train,
                             what=f"{self.name} model")

    def is_cached(self, **settings) -> bool:
        return self.path(**settings).exists()


def register(recipe: Recipe) -> Recipe:
    """Add ``recipe`` to :data:`REGISTRY` (a name may be registered once)."""
    if recipe.name in REGISTRY:
        raise ValueError(f"recipe {recipe.name!r} is already registered")
    REGISTRY[recipe.name] = recipe
    return recipe


def get(name: str) -> Recipe:
    """The recipe called ``name``; a ``ValueError`` lists the known ones."""
    if name not in REGISTRY:
        raise ValueError(f"zoo: no recipe {name!r}; known: {sorted(REGISTRY)}")
    return REGISTRY[name]


def load(name: str, *, train: bool = True, progress: bool = False, **settings):
    """``get(name).load(...)``: the cached model or one trained now (None with ``train=False``)."""
    return get(name).load(train=train, progress=progress, **settings)
