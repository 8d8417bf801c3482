r"""Exercise checker of lesson 19 (uncertainty): the split-conformal quantile. Prints a "✅ ..." line and returns a
``Passed`` on success, raises ``AssertionError`` saying in plain words what is wrong otherwise.

>>> import math
>>> import numpy as np
>>> def quantile(scores, alpha):
...     k = math.ceil((len(scores) + 1) * (1 - alpha))
...     return math.inf if k > len(scores) else float(np.sort(scores)[k - 1])
>>> result = check_conformal_quantile(quantile)
✅ conformal quantile: the ⌈(n+1)(1−α)⌉-th smallest score in all 4 cases (n = 20, α = 0.1: k = 19), and ∞ ...
"""
from __future__ import annotations

import math

import numpy as np

from airtools.uq import conformal_rank

from ._common import Passed, call, passed, to_float

__all__ = ["check_conformal_quantile"]

CASES = ((20, 0.1), (99, 0.2), (9, 0.05), (19, 0.05))  # (n, alpha); k = 19, 80, 10 > n (q = inf), 19 = n


def check_conformal_quantile(fn) -> Passed:
    r"""Check ``fn(scores, alpha) -> q``, the split-conformal quantile :math:`\hat q = s_{(k)}`,
    :math:`k = \lceil (n+1)(1-\alpha) \rceil` (the k-th smallest of the n calibration scores; ``inf`` if k > n).

    The scores come as a float64 numpy array in random order (a fresh copy each call). The usual mistakes are
    named: the plain :math:`(1-\alpha)` quantile (``np.quantile(scores, 1 - alpha)``), :math:`\lceil n(1-\alpha)
    \rceil` without the test point's +1, one position too far (``np.sort(scores)[k]``, or numpy's
    ``method="higher"`` at level k/n), unsorted scores, interpolating between scores, and a finite answer when n
    scores cannot certify the level.

    Returns:
        ``Passed(q=q̂ for n = 20, α = 0.1, k=19)``; prints "✅ ..." on success.

    >>> check_conformal_quantile(lambda scores, alpha: float(np.quantile(scores, 1 - alpha)))
    Traceback (most recent call last):
    AssertionError: for n = 20 scores and α = 0.1 you returned 3.318, which is np.quantile(scores, 1 − α): the ...
    """
    rng = np.random.default_rng(0)
    cases = [(n, alpha, rng.permutation(np.round(rng.exponential(size=n), 6) + 0.01 * np.arange(n)))
             for n, alpha in CASES]  # distinct scores, shuffled
    got = []
    for n, alpha, scores in cases:
        q = call(fn, scores.copy(), alpha, how=f"fn(scores, alpha={alpha}) with {n} scores")
        got.append(math.inf if _is_inf(q) else to_float(q, f"fn(scores, alpha={alpha}) with {n} scores"))
    for (n, alpha, scores), q in zip(cases, got):
        expected = _right(scores, alpha)
        if q == expected or (math.isfinite(expected) and math.isclose(q, expected, rel_tol=1e-12)):
            continue
        raise AssertionError(_diagnose(n, alpha, scores, q, expected))
    n, alpha, _ = cases[0]
    k = conformal_rank(n, alpha)
    return passed(f"conformal quantile: the ⌈(n+1)(1−α)⌉-th smallest score in all {len(cases)} cases (n = {n}, "
                  f"α = {alpha}: k = {k}), and ∞ when k > n (n = 9, α = 0.05)", q=got[0], k=k)


def _right(scores: np.ndarray, alpha: float) -> float:
    k = conformal_rank(len(scores), alpha)
    return math.inf if k > len(scores) else float(np.sort(scores)[k - 1])


def _is_inf(q) -> bool:
    try:
        return math.isinf(float(q))
    except (TypeError, ValueError):
        return False


def _diagnose(n: int, alpha: float, scores: np.ndarray, q: float, expected: float) -> str:
    """The plain-words message for a wrong ``q``: which known mistake gives it, and what to do instead."""
    s = np.sort(scores)
    k = conformal_rank(n, alpha)
    said = f"for n = {n} scores and α = {alpha} you returned {q:.4g}"
    right = (f"the k-th smallest score with k = ⌈(n+1)(1−α)⌉ = ⌈{(n + 1) * (1 - alpha):.4g}⌉ = {k}, "
             f"i.e. np.sort(scores)[k - 1] = {expected:.4g}")
    if math.isinf(expected):
        return (f"{said}, but k = ⌈(n+1)(1−α)⌉ = {k} is larger than n = {n}: {n} calibration scores cannot certify "
                f"{1 - alpha:.0%} coverage, so the interval must be infinite; return math.inf when k > n")
    if math.isinf(q):
        return f"{said} (infinite), but k = {k} <= n, so q̂ is a finite score: {right}"
    index = np.flatnonzero(np.isclose(s, q, rtol=1e-12, atol=0))
    if math.isclose(q, float(np.quantile(s, 1 - alpha)), rel_tol=1e-12):
        return (f"{said}, which is np.quantile(scores, 1 − α): the quantile of the n calibration scores "
                f"interpolates between them and leaves out the test point, so intervals undercover; use {right}")
    if math.isclose(q, float(np.quantile(s, k / n)), rel_tol=1e-12):
        return (f"{said}, which is np.quantile(scores, k / n) with its default linear interpolation between two "
                f"scores; q̂ is one of the scores: {right}")
    if len(index) == 0:
        return f"{said}, which is none of the scores; q̂ is one of them: {right}"
    position = int(index[0]) + 1  # q is the position-th smallest score
    if position == k - 1:
        return (f"{said}, the {position}-th smallest score: one too small. Either k = ⌈n(1−α)⌉, which leaves out the "
                f"+1 of the test point among n + 1 exchangeable scores (coverage then falls below 1 − α), or "
                f"(n+1)(1−α) rounded down instead of up; use {right}")
    if position == k + 1:
        return (f"{said}, the {position}-th smallest score: one position too far. Either np.sort(scores)[k], but "
                f"Python counts from 0, so the k-th smallest is [k - 1]; or np.quantile(scores, k / n, "
                f"method='higher'), whose default positions put level k/n at index k − k/n, which 'higher' rounds "
                f"up to the (k+1)-th (valid, but wider than needed; method='inverted_cdf' gives the k-th). Use {right}")
    if math.isclose(q, scores[k - 1], rel_tol=1e-12):
        return f"{said}, which is scores[k - 1] of the scores as given: sort them first; use {right}"
    return f"{said}, the {position}-th smallest score; expected {right}"
