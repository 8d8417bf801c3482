r"""Explaining energy models: per-atom contributions, gradient attributions, and a sanity check.

- ``atom_contributions`` (``_contributions``): the per-atom energies of a sum-readout model, an exact
  decomposition of its prediction (:math:`\sum_i E_i = E`), and ``sum_rule_error``;
- ``integrated_gradients``, ``gradient_x_input`` (``_gradients``): attributions of any scalar function
  with their completeness error :math:`\sum_k A_k - (f(x) - f(x'))` (Sundararajan et al. 2017);
  ``position_attributions`` (``_positions``) applies them to a molecule's energy and its geometry, from a
  ``dissociated`` baseline;
- ``randomisation_check`` (``_sanity``): Adebayo et al.'s (2018) model-randomisation test, attributions of a
  trained and a re-initialised model compared by Spearman's rank correlation.

Layer: imports ``models``, ``graph`` (and torch, numpy, scipy); never ``data``, ``train``, ``zoo``,
``exercises`` or ``viz`` (``viz.atom_values_figure`` draws the numbers on the molecule).

>>> import torch
>>> from airtools.explain import atom_contributions
>>> from airtools.models import SchNet
>>> atom_contributions(SchNet(hidden=8), torch.tensor([8, 1, 1]), torch.randn(3, 3)).shape
torch.Size([3])
"""
from ._contributions import atom_contributions, sum_rule_error
from ._gradients import RULES, Attribution, gradient_x_input, integrated_gradients, path_quadrature
from ._positions import dissociated_baseline, position_attributions
from ._sanity import RandomisationResult, randomisation_check, randomise_model, rank_correlation

__all__ = ["atom_contributions", "sum_rule_error", "Attribution", "integrated_gradients", "gradient_x_input",
           "path_quadrature", "RULES", "position_attributions", "dissociated_baseline", "randomise_model",
           "rank_correlation", "randomisation_check", "RandomisationResult"]
