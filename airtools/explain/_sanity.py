r"""The model-randomisation sanity check (Adebayo et al., "Sanity Checks for Saliency Maps", NeurIPS 2018,
arXiv:1810.03292).

An explanation that is meant to tell us what the *trained* model does must change when the model's learned
weights are replaced by random ones. Adebayo et al. re-initialise the weights (all at once, or layer by
layer from the output down: "cascading") and compare the attributions of the trained and the randomised
model by Spearman's rank correlation: a method whose attributions stay highly correlated explains the input
(or the architecture), not what was learned. Buffers that are not learned (here: the per-element
reference energies, scale and shift of the readout) are kept.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, field

import numpy as np
import torch
from scipy import stats
from torch import nn

__all__ = ["randomise_model", "rank_correlation", "randomisation_check", "RandomisationResult"]


def randomise_model(model: nn.Module, *, seed: int = 0, modules=None) -> nn.Module:
    """A copy of ``model`` whose learned parameters are drawn again from their initialisation.

    Every chosen submodule with a ``reset_parameters`` method (``Linear``, ``Embedding``, ``Conv``, ...)
    calls it; a parameter that no such method covers has its entries shuffled (same values, learned
    arrangement gone). Buffers are kept. Torch's global random state is left as it was.

    Args:
        model: any ``nn.Module`` (not changed).
        seed: seeds the new weights.
        modules: None for every parameter, or names from ``model.named_modules()`` (e.g. ``["head"]``,
            ``["head", "interactions.2"]``): only those submodules and their children are re-drawn.

    Returns:
        the copy, in the mode (train/eval) of ``model``.

    >>> from airtools.models import SchNet
    >>> model = SchNet(hidden=8)
    >>> new = randomise_model(model, modules=["head"])
    >>> sorted({name.split(".")[0] for name, p in new.named_parameters()
    ...         if not torch.equal(p, model.get_parameter(name))})
    ['head']
    """
    names = dict(model.named_modules())
    if modules is not None:
        modules = [modules] if isinstance(modules, str) else list(modules)
        unknown = [m for m in modules if m not in names]
        if unknown:
            raise ValueError(f"modules: {unknown} not in the model; it has {sorted(n for n in names if n)}")
    new = copy.deepcopy(model)
    chosen = [m for name, m in new.named_modules()
              if modules is None or any(name == p or name.startswith(p + ".") for p in modules)]
    devices = sorted({p.device.index or 0 for p in new.parameters() if p.device.type == "cuda"})
    with torch.random.fork_rng(devices=devices), torch.no_grad():
        torch.manual_seed(seed)
        done = set()
        for m in chosen:
            if hasattr(m, "reset_parameters") and callable(m.reset_parameters):
                m.reset_parameters()
                done.update(id(p) for p in m.parameters(recurse=False))
        for m in chosen:
            for p in m.parameters(recurse=False):
                if id(p) not in done:
                    p.copy_(p.flatten()[torch.randperm(p.numel(), device=p.device)].view_as(p))
                    done.add(id(p))
    return new


def rank_correlation(a, b, *, groups=None) -> float:
    r"""Spearman's rank correlation :math:`\rho` of two equally long sets of numbers (ties get average ranks):
    1 for the same order, -1 for the reverse, about 0 for unrelated orders.

    Args:
        a, b: arrays or tensors of the same number of elements (flattened).
        groups: optional labels of the same length (e.g. the element of each atom): each group's mean is
            subtracted from ``a`` and ``b`` first, so that only the order *within* groups counts, not offsets
            between them (a random network gives each element its own random offset).

    >>> rank_correlation([1.0, 2.0, 3.0, 4.0], [10.0, 20.0, 30.0, 400.0])
    1.0
    >>> rank_correlation([1.0, 2.0, 3.0], [3.0, 1.0, 2.0])
    -0.5
    >>> a, b, element = [1.0, 2.0, 10.0, 11.0], [1.0, 2.0, -5.0, -6.0], [1, 1, 6, 6]
    >>> round(rank_correlation(a, b), 2), rank_correlation(a, b, groups=element)   # offsets vs within groups
    (-0.8, 0.0)
    """
    a, b = _flat(a, "a"), _flat(b, "b")
    if a.shape != b.shape or a.size < 2:
        raise ValueError(f"a, b: expected the same number (>= 2) of values, got {a.size} and {b.size}")
    if groups is not None:
        a, b = _centre(a, groups), _centre(b, groups)
    if np.ptp(a) == 0 or np.ptp(b) == 0:
        raise ValueError("a, b: one of them is constant; a rank correlation needs values that differ")
    return float(stats.spearmanr(a, b).statistic)


def _centre(x: np.ndarray, groups) -> np.ndarray:
    """``x`` minus the mean of its group, element by element."""
    labels = np.asarray(groups.detach().cpu() if isinstance(groups, torch.Tensor) else groups).ravel()
    if labels.shape != x.shape:
        raise ValueError(f"groups: expected one label per value ({x.size}), got {labels.size}")
    _, inverse = np.unique(labels, return_inverse=True)
    means = np.bincount(inverse, weights=x) / np.bincount(inverse)
    return x - means[inverse]


@dataclass
class RandomisationResult:
    """Attributions of the trained model and of each randomised copy, and their rank correlations.

    Attributes:
        trained: ``[n]`` float64; randomised: one ``[n]`` array per seed; correlations: one
        :math:`\rho` per seed (of absolute values when ``absolute``); mean: their mean.
    """

    trained: np.ndarray
    randomised: list = field(default_factory=list)
    correlations: list = field(default_factory=list)

    @property
    def mean(self) -> float:
        return float(np.mean(self.correlations))


def randomisation_check(attribute, model: nn.Module, *, seeds=(0, 1, 2), modules=None, absolute: bool = False,
                        groups=None) -> RandomisationResult:
    r"""Adebayo et al.'s model-randomisation test: attributions of ``model`` against those of re-initialised
    copies (:func:`randomise_model`, one per seed), compared by :func:`rank_correlation`.

    A method that explains what was learned gives :math:`|\rho|` well below 1; :math:`\rho \approx 1` means
    the attributions do not depend on the learned weights.

    Args:
        attribute: ``attribute(model) -> attributions`` (tensor or array of any shape, e.g. per-atom values
            of a set of molecules concatenated).
        model: the trained model; seeds: one randomised copy each; modules: as in :func:`randomise_model`.
        absolute: compare :math:`|a|` (Adebayo et al. report both).
        groups: compare within groups only (labels, one per attribution; see :func:`rank_correlation`).

    Returns:
        :class:`RandomisationResult`.

    >>> from airtools.models import SchNet
    >>> from airtools.explain import atom_contributions
    >>> _ = torch.manual_seed(0); model = SchNet(hidden=8)
    >>> z, pos = torch.tensor([6, 1, 1, 1, 8, 1]), 1.2 * torch.randn(6, 3)
    >>> result = randomisation_check(lambda m: atom_contributions(m, z, pos), model, seeds=(0, 1))
    >>> len(result.correlations), -1 <= result.mean <= 1
    (2, True)
    """
    def values(m):
        v = _flat(attribute(m), "attribute(model)")
        return np.abs(v) if absolute else v

    result = RandomisationResult(trained=values(model))
    for seed in seeds:
        randomised = values(randomise_model(model, seed=seed, modules=modules))
        result.randomised.append(randomised)
        result.correlations.append(rank_correlation(result.trained, randomised, groups=groups))
    if not result.correlations:
        raise ValueError("seeds: expected at least one seed")
    return result


def _flat(x, name: str) -> np.ndarray:
    if isinstance(x, torch.Tensor):
        x = x.detach().cpu().double().numpy()
    x = np.asarray(x, dtype=np.float64).ravel()
    if not np.all(np.isfinite(x)):
        raise ValueError(f"{name}: contains NaN or inf")
    return x
