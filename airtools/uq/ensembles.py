r"""Predictive uncertainty from several predictions of one input: deep ensembles and Monte Carlo dropout.

- **Deep ensemble** (Lakshminarayanan, Pritzel & Blundell, NeurIPS 2017, arXiv:1612.01474): K models trained
  from different random initialisations (and data orders); where they disagree, the data did not pin the answer
  down. Prediction :math:`\bar y = \frac1K\sum_k y_k`, uncertainty the spread
  :math:`\sigma = \big(\frac1K\sum_k (y_k - \bar y)^2\big)^{1/2}` (the variance of the members' mixture when
  each member predicts a point).
- **MC dropout** (Gal & Ghahramani, ICML 2016, arXiv:1506.02142): one model trained with dropout; keep dropout
  switched on at prediction time and run it T times. Each pass drops other units, as if it were another model
  of an implicit ensemble; mean and spread as above. Cheaper (one training), usually less informative.

Both return a :class:`Prediction` ``(mean, std, samples)``. The spread is an uncertainty *signal*, not yet a
calibrated error bar: :mod:`~airtools.uq.conformal` turns it into intervals with a guaranteed coverage.

>>> import torch
>>> models = [torch.nn.Linear(1, 1) for _ in range(5)]
>>> p = ensemble_predict(models, torch.zeros(3, 1))
>>> p.mean.shape, p.std.shape, p.samples.shape
(torch.Size([3, 1]), torch.Size([3, 1]), torch.Size([5, 3, 1]))
"""
from __future__ import annotations

from typing import NamedTuple

import torch
from torch import Tensor, nn

__all__ = ["Prediction", "ensemble_predict", "mc_dropout_predict"]

_DROPOUT = (nn.Dropout, nn.Dropout1d, nn.Dropout2d, nn.Dropout3d, nn.AlphaDropout, nn.FeatureAlphaDropout)


class Prediction(NamedTuple):
    """``mean`` and ``std`` ``[...]`` over the ``samples`` ``[K, ...]`` (K members or dropout passes)."""

    mean: Tensor
    std: Tensor
    samples: Tensor


def ensemble_predict(models, *inputs, **kwargs) -> Prediction:
    r"""Mean and spread of ``model(*inputs, **kwargs)`` over the ``models`` (each in eval mode, no gradients).

    Args:
        models: K >= 2 trained models that take the same inputs (e.g. energy models: ``z, pos, batch``).

    Returns:
        :class:`Prediction` with ``samples: [K, ...]`` (each model's output), ``mean``, ``std`` (population
        std, :math:`1/K`). Models are put back in the train/eval mode they had.

    >>> import torch
    >>> a, b = torch.nn.Linear(1, 1), torch.nn.Linear(1, 1)
    >>> for m, w in ((a, 1.0), (b, 3.0)):
    ...     _ = torch.nn.init.constant_(m.weight, w), torch.nn.init.zeros_(m.bias)
    >>> p = ensemble_predict([a, b], torch.tensor([[1.0]]))
    >>> p.mean.item(), p.std.item()
    (2.0, 1.0)
    """
    models = list(models)
    if len(models) < 2 or not all(isinstance(m, nn.Module) for m in models):
        raise ValueError(f"models: expected two or more torch models (an ensemble), got {len(models)} "
                         f"({', '.join(sorted({type(m).__name__ for m in models})) or 'nothing'})")
    samples = []
    for model in models:
        with _mode(model, dropout=False), torch.no_grad():
            samples.append(model(*inputs, **kwargs))
    return _summary(torch.stack(samples))


def mc_dropout_predict(model: nn.Module, *inputs, n_samples: int = 32, seed: int | None = 0,
                       **kwargs) -> Prediction:
    r"""Mean and spread of ``n_samples`` forward passes with the model's dropout layers switched on.

    Only the dropout layers (``nn.Dropout``, ``Dropout1d/2d/3d``, ``AlphaDropout``) go to train mode; everything else (e.g. batch norm) stays in
    eval mode, and the model's modes are restored afterwards.

    Args:
        model: a trained model with at least one dropout layer with p > 0.
        n_samples: passes T (>= 2).
        seed: seeds the dropout masks without touching the global random state (None: the global generator).

    Returns:
        :class:`Prediction` with ``samples: [T, ...]``.

    >>> import torch
    >>> model = torch.nn.Sequential(torch.nn.Linear(4, 64), torch.nn.Dropout(0.5), torch.nn.Linear(64, 1))
    >>> p = mc_dropout_predict(model, torch.ones(2, 4), n_samples=10)
    >>> p.samples.shape, bool((p.std > 0).all())
    (torch.Size([10, 2, 1]), True)
    """
    dropouts = [m for m in model.modules() if isinstance(m, _DROPOUT) and m.p > 0]
    if not dropouts:
        raise ValueError(f"model: {type(model).__name__} has no dropout layer with p > 0, so every pass gives the "
                         f"same prediction; build it with dropout (e.g. dropout=0.1 in its config) and train it so")
    if not (isinstance(n_samples, int) and n_samples >= 2):
        raise ValueError(f"n_samples: expected an integer >= 2 (dropout passes), got {n_samples!r}")
    device = next(iter(model.parameters()), torch.empty(0)).device
    with _mode(model, dropout=True), torch.no_grad(), torch.random.fork_rng(
            devices=[device] if device.type == "cuda" else [], enabled=seed is not None):
        if seed is not None:
            torch.manual_seed(seed)
        samples = torch.stack([model(*inputs, **kwargs) for _ in range(n_samples)])
    return _summary(samples)


def _summary(samples: Tensor) -> Prediction:
    return Prediction(samples.mean(0), samples.std(0, correction=0), samples)


class _mode:
    """Eval mode for the whole model (dropout layers in train mode if ``dropout``); restores every module's mode."""

    def __init__(self, model: nn.Module, *, dropout: bool):
        self.model, self.dropout = model, dropout

    def __enter__(self):
        self.saved = [(m, m.training) for m in self.model.modules()]
        self.model.eval()
        if self.dropout:
            for m in self.model.modules():
                if isinstance(m, _DROPOUT):
                    m.train()

    def __exit__(self, *exc):
        for m, training in self.saved:
            m.training = training
