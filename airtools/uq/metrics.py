r"""Is an uncertainty any good? Calibration of Gaussian error bars, rank correlation with the error, and the
uncertainty as an out-of-distribution detector.

- :func:`calibration_curve`: for each nominal level p, the fraction of targets inside the central Gaussian
  interval :math:`\mu \pm z_{(1+p)/2}\,\sigma`. Calibrated: the curve is the diagonal; below it the error bars
  are too narrow (overconfident). (Kuleshov, Fenner & Ermon, ICML 2018, for regression.)
- :func:`spearman`: Spearman's rank correlation, e.g. of uncertainty with absolute error: do the molecules
  the model is least sure of have the largest errors? 1 for a perfect ranking, 0 for none.
- :func:`auroc`, :func:`roc_curve`: the uncertainty as a score that separates in-distribution from
  out-of-distribution inputs. AUROC is the probability that a random OOD input scores higher than a random
  in-distribution one (ties count half; the Mann-Whitney U statistic over :math:`n_\text{in} n_\text{out}`):
  1 perfect, 0.5 chance, 0 inverted.

>>> auroc(scores_in=[0.1, 0.2, 0.3], scores_out=[0.4, 0.5])
1.0
"""
from __future__ import annotations

import numpy as np
from scipy.special import ndtri
from scipy.stats import rankdata

from ._arrays import as_vector

__all__ = ["calibration_curve", "spearman", "auroc", "roc_curve"]


def calibration_curve(y, mean, std, levels=None) -> tuple[np.ndarray, np.ndarray]:
    r"""Expected vs observed coverage of the Gaussian intervals :math:`\mu \pm z_{(1+p)/2}\,\sigma`.

    Args:
        y, mean, std: ``[m]`` targets, predicted means and standard deviations (> 0).
        levels: nominal coverages p in (0, 1); default 0.05, 0.10, ..., 0.95.

    Returns:
        ``(expected, observed)``, each ``[n_levels]``: p, and the fraction of ``y`` inside each interval.

    >>> rng = np.random.default_rng(0)
    >>> y = rng.normal(size=20000)                               # the truth is N(0, 1)
    >>> p, observed = calibration_curve(y, np.zeros_like(y), np.ones_like(y), levels=[0.5, 0.9])
    >>> observed.round(2)                                         # sigma = 1 is calibrated
    array([0.5, 0.9])
    >>> calibration_curve(y, np.zeros_like(y), 0.5 * np.ones_like(y), levels=[0.9])[1].round(2)   # too narrow
    array([0.59])
    """
    y, mean, std = as_vector(y, "y"), as_vector(mean, "mean"), as_vector(std, "std")
    if not y.shape == mean.shape == std.shape:
        raise ValueError(f"y, mean, std: expected the same length, got {len(y)}, {len(mean)}, {len(std)}")
    if not (std > 0).all():
        raise ValueError(f"std: expected standard deviations > 0, got a minimum of {std.min():g}")
    p = np.arange(0.05, 0.951, 0.05) if levels is None else as_vector(levels, "levels")
    if not ((p > 0) & (p < 1)).all():
        raise ValueError(f"levels: expected nominal coverages strictly between 0 and 1, got {p.tolist()}")
    z = ndtri((1 + p) / 2)  # [n_levels]: half-width in standard deviations
    inside = np.abs(y - mean)[None, :] <= z[:, None] * std[None, :]  # [n_levels, m]
    return p, inside.mean(axis=1)


def spearman(a, b) -> float:
    r"""Spearman's rank correlation: Pearson's correlation of the ranks (ties get their average rank).

    .. math:: \rho = \frac{\mathrm{cov}(R_a, R_b)}{\sigma_{R_a}\,\sigma_{R_b}}

    >>> spearman([1, 2, 3, 4], [10, 20, 30, 40]), spearman([1, 2, 3, 4], [1, 8, 27, 64])  # any monotone map: 1
    (1.0, 1.0)
    >>> spearman([1, 2, 3, 4], [4, 3, 2, 1])
    -1.0
    """
    a, b = as_vector(a, "a"), as_vector(b, "b")
    if a.shape != b.shape or len(a) < 2:
        raise ValueError(f"a, b: expected two sequences of the same length >= 2, got {len(a)} and {len(b)}")
    ra, rb = rankdata(a) - (len(a) + 1) / 2, rankdata(b) - (len(b) + 1) / 2  # centred ranks
    denominator = np.sqrt((ra ** 2).sum() * (rb ** 2).sum())
    if denominator == 0:
        raise ValueError("a, b: one of them is constant, so no ranking exists (Spearman's rho is undefined)")
    return float(np.clip((ra * rb).sum() / denominator, -1.0, 1.0))


def auroc(scores_in, scores_out) -> float:
    r"""Area under the ROC curve of a score that should be higher out of distribution.

    .. math:: \mathrm{AUROC} = \frac{1}{n_\text{in} n_\text{out}} \sum_{i \in \text{in}} \sum_{o \in \text{out}}
        \big( [s_o > s_i] + \tfrac12 [s_o = s_i] \big)

    computed from ranks (Mann-Whitney U) in :math:`O(n \log n)`.

    >>> auroc([0.1, 0.2], [0.3, 0.4]), auroc([0.3, 0.4], [0.1, 0.2]), auroc([1.0, 1.0], [1.0])
    (1.0, 0.0, 0.5)
    """
    s_in, s_out = as_vector(scores_in, "scores_in"), as_vector(scores_out, "scores_out")
    ranks = rankdata(np.concatenate([s_in, s_out]))  # 1-based, ties averaged
    n_in, n_out = len(s_in), len(s_out)
    u = ranks[n_in:].sum() - n_out * (n_out + 1) / 2  # pairs (in, out) with s_out > s_in, ties half
    return float(u / (n_in * n_out))


def roc_curve(scores_in, scores_out) -> tuple[np.ndarray, np.ndarray]:
    """``(fpr, tpr)`` of the detector "OOD if score > t" for every threshold t, from (0, 0) to (1, 1).

    ``fpr``: fraction of in-distribution inputs flagged; ``tpr``: fraction of OOD inputs flagged. The trapezoid
    area under it equals :func:`auroc`.

    >>> fpr, tpr = roc_curve([0.1, 0.3], [0.2, 0.4])
    >>> fpr.tolist(), tpr.tolist()
    ([0.0, 0.0, 0.5, 0.5, 1.0], [0.0, 0.5, 0.5, 1.0, 1.0])
    """
    s_in, s_out = as_vector(scores_in, "scores_in"), as_vector(scores_out, "scores_out")
    thresholds = np.unique(np.concatenate([s_in, s_out]))[::-1]  # high to low: one point per distinct score
    fpr = (s_in[None, :] >= thresholds[:, None]).mean(axis=1)
    tpr = (s_out[None, :] >= thresholds[:, None]).mean(axis=1)
    return np.concatenate([[0.0], fpr]), np.concatenate([[0.0], tpr])
