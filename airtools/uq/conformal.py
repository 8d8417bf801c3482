r"""Split-conformal prediction intervals (Vovk et al. 2005; Angelopoulos & Bates 2021, "A gentle introduction
to conformal prediction and distribution-free uncertainty quantification", arXiv:2107.07511, §1-2).

Given any trained model :math:`\hat y(x)`, a *calibration set* of n examples it never trained on, and the score
:math:`s_i = |y_i - \hat y(x_i)| / u(x_i)` (the absolute residual; divided by an uncertainty :math:`u`, e.g. an
ensemble's spread, if one is given), take

.. math::
    \hat q = s_{(k)}, \qquad k = \lceil (n + 1)(1 - \alpha) \rceil

the k-th smallest score (the :math:`k/n` empirical quantile; :math:`\hat q = \infty` when :math:`k > n`), and
predict :math:`C(x) = [\hat y(x) - \hat q\,u(x),\; \hat y(x) + \hat q\,u(x)]`. If the calibration and test
examples are exchangeable (e.g. drawn at random from one pool), then for a new test point

.. math:: 1 - \alpha \;\le\; P\big(y \in C(x)\big) \;\le\; 1 - \alpha + \frac{1}{n + 1},

the upper bound when the scores have no ties. The probability is over the calibration set *and* the test point:
the coverage of one calibration split is itself random, Beta-distributed,
:math:`\mathrm{Beta}(k,\, n + 1 - k)` (Angelopoulos & Bates §3.2), so the bound is checked on the average
over many splits (:func:`split_coverages`). The "+1" counts the test point: with :math:`\lceil n(1-\alpha)\rceil`
instead, coverage falls below :math:`1 - \alpha` for small n.

>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> y, pred = rng.normal(size=1000), np.zeros(1000)          # a "model" that predicts 0 for N(0, 1) data
>>> cp = SplitConformal(alpha=0.1).fit(y[:204], pred[:204])    # calibrate on 204 points
>>> lo, hi = cp.interval(pred[204:])                           # intervals 0 -/+ q for the other 796
>>> round(cp.q, 3), round(coverage(y[204:], lo, hi), 3)         # one split: q near 1.645, coverage near 0.9
(1.574, 0.905)
>>> c = split_coverages(y, pred, n_cal=204, alpha=0.1)         # 1000 random splits of the 1000 points
>>> [round(b, 4) for b in coverage_bounds(204, 0.1)], round(float(c.mean()), 4), round(185 / 205, 4)  # k/(n+1)
([0.9, 0.9049], 0.9023, 0.9024)
"""
from __future__ import annotations

import math

import numpy as np

from ._arrays import as_vector

__all__ = ["conformal_rank", "conformal_quantile", "coverage_bounds", "coverage", "SplitConformal",
           "split_coverages"]


def conformal_rank(n: int, alpha: float) -> int:
    r""":math:`k = \lceil (n + 1)(1 - \alpha) \rceil`: which smallest calibration score is :math:`\hat q`.

    >>> conformal_rank(200, 0.1), conformal_rank(9, 0.1), conformal_rank(5, 0.1)   # k > n: q is infinite
    (181, 9, 6)
    """
    if not (isinstance(n, (int, np.integer)) and n >= 1):
        raise ValueError(f"n: expected the number of calibration scores (an integer >= 1), got {n!r}")
    if not 0 < alpha < 1:
        raise ValueError(f"alpha: expected a miscoverage level between 0 and 1 (e.g. 0.1 for 90 %), got {alpha}")
    # (n+1)(1-alpha) is an integer for e.g. n = 9, alpha = 0.1; floating point may put it a hair above
    return math.ceil((n + 1) * (1 - alpha) - 1e-9)


def conformal_quantile(scores, alpha: float) -> float:
    r""":math:`\hat q`, the :math:`\lceil (n+1)(1-\alpha) \rceil`-th smallest of the n calibration ``scores``.

    Args:
        scores: ``[n]`` nonconformity scores (e.g. absolute residuals) of the calibration set.
        alpha: miscoverage level; intervals cover with probability at least :math:`1 - \alpha`.

    Returns:
        :math:`\hat q` (``inf`` when :math:`\alpha < 1/(n + 1)`: n scores cannot certify that level).

    >>> conformal_quantile([0.3, 0.1, 0.2, 0.5, 0.4, 0.9, 0.8, 0.7, 0.6], alpha=0.2)   # k = ceil(10 * 0.8) = 8
    0.8
    >>> conformal_quantile([0.3, 0.1, 0.2], alpha=0.1)
    inf
    """
    s = np.sort(as_vector(scores, "scores"))
    k = conformal_rank(len(s), alpha)
    return math.inf if k > len(s) else float(s[k - 1])


def coverage_bounds(n: int, alpha: float) -> tuple[float, float]:
    r"""``(1 - alpha, 1 - alpha + 1/(n + 1))``: the expected coverage of split conformal with n calibration
    points lies in between (the upper bound for scores without ties); exactly :math:`k/(n+1)` without ties.

    >>> coverage_bounds(99, 0.1)
    (0.9, 0.91)
    """
    conformal_rank(n, alpha)  # checks n and alpha
    return 1 - alpha, 1 - alpha + 1 / (n + 1)


def coverage(y, lo, hi) -> float:
    """Fraction of ``y`` inside ``[lo, hi]`` (all ``[m]``, or ``lo``/``hi`` scalars).

    >>> coverage([0.0, 1.0, 5.0], -1.0, [2.0, 2.0, 2.0])
    0.6666666666666666
    """
    y = as_vector(y, "y")
    lo, hi = (np.broadcast_to(np.asarray(v, dtype=np.float64), y.shape) for v in (lo, hi))
    return float(np.mean((lo <= y) & (y <= hi)))


class SplitConformal:
    r"""Split-conformal intervals around any model's predictions (module docstring).

    ``fit(y, pred, scale=None)`` on the calibration set: scores :math:`|y - \hat y| / u`, then :math:`\hat q`;
    ``interval(pred, scale=None) -> (lo, hi)``: :math:`\hat y \mp \hat q\,u` for new predictions. Pass the same
    kind of ``scale`` :math:`u` (e.g. an ensemble's std, all > 0) to both, or none: constant-width intervals.

    Attributes: ``alpha``, ``q`` (:math:`\hat q`), ``n`` (calibration size), ``scores`` (sorted), ``bounds``
    (:func:`coverage_bounds`).

    >>> cp = SplitConformal(alpha=0.5).fit([1.0, 2.0, 3.0], [1.5, 2.0, 2.0])   # scores 0.5, 0, 1
    >>> cp.q, cp.interval([10.0])
    (0.5, (array([9.5]), array([10.5])))
    """

    def __init__(self, alpha: float = 0.1):
        conformal_rank(1, alpha)  # checks alpha
        self.alpha = alpha
        self.q = None

    def fit(self, y, pred, scale=None) -> "SplitConformal":
        """Calibrate on held-out ``y`` and ``pred`` (``[n]`` each, optional ``scale`` [n] > 0); returns self."""
        self.scores = np.sort(_scores(y, pred, scale))
        self.n = len(self.scores)
        self.q = conformal_quantile(self.scores, self.alpha)
        self.bounds = coverage_bounds(self.n, self.alpha)
        return self

    def interval(self, pred, scale=None) -> tuple[np.ndarray, np.ndarray]:
        """``(lo, hi)``, each ``[m]``: the prediction :math:`\\mp \\hat q\\,u` (:math:`u` = 1 without a scale)."""
        if self.q is None:
            raise ValueError("SplitConformal: call fit(y_cal, pred_cal) on a calibration set before interval()")
        pred = as_vector(pred, "pred")
        width = self.q * (1.0 if scale is None else _positive(scale, len(pred)))
        return pred - width, pred + width

    def __repr__(self) -> str:
        return f"SplitConformal(alpha={self.alpha}, n={getattr(self, 'n', 0)}, q={self.q})"


def split_coverages(y, pred, n_cal: int, alpha: float = 0.1, *, scale=None, n_splits: int = 1000,
                    seed: int = 0) -> np.ndarray:
    r"""Coverage of split conformal over ``n_splits`` random calibration/test splits of one held-out pool.

    Each split draws ``n_cal`` of the m pool points for calibration (:class:`SplitConformal`) and measures the
    coverage on the other m - n_cal. Over random splits the pool is exchangeable, so the mean coverage lies
    within :func:`coverage_bounds` up to Monte Carlo error (its standard error is ``std / sqrt(n_splits)``), and
    each split's coverage scatters around it (Beta(k, n + 1 - k) plus the test set's binomial noise).

    Args:
        y, pred: ``[m]`` targets and predictions of the pool (never trained on); ``scale``: optional ``[m]`` > 0.

    Returns:
        ``[n_splits]`` coverages.

    >>> rng = np.random.default_rng(1)
    >>> c = split_coverages(rng.normal(size=500), np.zeros(500), n_cal=99, alpha=0.1, n_splits=400)
    >>> lo, hi = coverage_bounds(99, 0.1); bool(lo - 3 * c.std() / 20 < c.mean() < hi + 3 * c.std() / 20)
    True
    """
    s = _scores(y, pred, scale)
    m = len(s)
    if not (isinstance(n_cal, (int, np.integer)) and 1 <= n_cal < m):
        raise ValueError(f"n_cal: expected 1..{m - 1} calibration points out of the pool of {m}, got {n_cal!r}")
    k = conformal_rank(n_cal, alpha)
    rng = np.random.default_rng(seed)
    order = np.argsort(rng.random((n_splits, m)), axis=1)  # [n_splits, m]: one random permutation per split
    cal, test = s[order[:, :n_cal]], s[order[:, n_cal:]]
    q = np.full(n_splits, np.inf) if k > n_cal else np.partition(cal, k - 1, axis=1)[:, k - 1]  # [n_splits]
    return np.mean(test <= q[:, None], axis=1)  # |y - pred| <= q u  <=>  y in the interval


def _scores(y, pred, scale) -> np.ndarray:
    y, pred = as_vector(y, "y"), as_vector(pred, "pred")
    if y.shape != pred.shape:
        raise ValueError(f"y, pred: expected the same length, got {len(y)} and {len(pred)}")
    residual = np.abs(y - pred)
    return residual if scale is None else residual / _positive(scale, len(y))


def _positive(scale, n: int) -> np.ndarray:
    u = as_vector(scale, "scale")
    if u.shape != (n,):
        raise ValueError(f"scale: expected one uncertainty per prediction ({n}), got {len(u)}")
    if not (u > 0).all():
        raise ValueError(f"scale: expected uncertainties > 0, got a minimum of {u.min():g}; add a small floor "
                         f"(e.g. np.maximum(std, 1e-6)) or calibrate without a scale")
    return u
