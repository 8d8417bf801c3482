"""Inputs as float64 vectors: numbers from numpy, torch (any device, with or without grad) or lists."""
from __future__ import annotations

import numpy as np


def as_vector(x, name: str) -> np.ndarray:
    """``x`` as a 1-D float64 numpy array of finite numbers, or a ``ValueError`` naming ``name``.

    >>> import torch
    >>> as_vector(torch.tensor([1.0, 2.0], requires_grad=True), "y")
    array([1., 2.])
    >>> as_vector([[1.0, 2.0]], "y")
    Traceback (most recent call last):
    ValueError: y: expected a 1-D sequence of numbers, got shape [1, 2]
    """
    if hasattr(x, "detach"):
        x = x.detach().cpu().numpy()
    try:
        a = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{name}: expected a 1-D sequence of numbers, got {type(x).__name__}") from None
    if a.ndim != 1:
        raise ValueError(f"{name}: expected a 1-D sequence of numbers, got shape {list(a.shape)}")
    if not len(a):
        raise ValueError(f"{name}: expected at least one number, got none")
    if not np.isfinite(a).all():
        raise ValueError(f"{name}: contains NaN or inf (at position {int(np.flatnonzero(~np.isfinite(a))[0])})")
    return a
