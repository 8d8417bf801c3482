"""Uncertainty quantification for any model: how sure is a prediction, and can that be trusted?

- ``ensembles``: :func:`ensemble_predict` (deep ensembles) and :func:`mc_dropout_predict` (MC dropout), each
  a :class:`Prediction` ``(mean, std, samples)``; :class:`EnergyEnsemble`, K energy models as one module (one
  checkpoint; energies and per-atom energies of every member);
- ``conformal``: :class:`SplitConformal` intervals with a finite-sample coverage guarantee,
  :func:`conformal_quantile`, :func:`coverage`, :func:`coverage_bounds`, :func:`split_coverages`;
- ``metrics``: :func:`calibration_curve` (Gaussian error bars), :func:`spearman` (uncertainty vs error),
  :func:`auroc` and :func:`roc_curve` (uncertainty as an out-of-distribution detector).

Inputs are torch tensors or numpy arrays; predictions stay tensors, statistics come back as numpy/floats.

Layer: may import ``models``, ``so3``, ``graph``, ``nn``; never ``data``, ``train``, ``zoo``, ``exercises`` or
``viz`` (the model is trained elsewhere and passed in).

>>> from airtools.uq import SplitConformal, auroc
>>> SplitConformal(alpha=0.1).fit([0.0] * 9, [0.1 * i for i in range(9)]).q   # k = ceil(10 * 0.9) = 9
0.8
"""
from .conformal import (SplitConformal, conformal_quantile, conformal_rank, coverage, coverage_bounds,
                        split_coverages)
from .energy_ensemble import EnergyEnsemble, EnsembleConfig
from .ensembles import Prediction, ensemble_predict, mc_dropout_predict
from .metrics import auroc, calibration_curve, roc_curve, spearman

__all__ = ["Prediction", "ensemble_predict", "mc_dropout_predict", "EnergyEnsemble", "EnsembleConfig",
           "SplitConformal", "conformal_quantile", "conformal_rank", "coverage", "coverage_bounds", "split_coverages",
           "calibration_curve", "spearman", "auroc", "roc_curve"]
