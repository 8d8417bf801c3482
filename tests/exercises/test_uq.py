"""The conformal-quantile checker of lesson 19 accepts the k-th smallest score, k = ceil((n+1)(1-alpha)), and names
the usual mistakes, the classic off-by-one first."""
import math

import numpy as np
import pytest

from airtools.exercises import check_conformal_quantile

from .answers import conformal_quantile


def test_accepts_the_kth_smallest_score_written_in_several_ways(accepts):
    result = accepts(check_conformal_quantile(conformal_quantile), "k = 19")
    assert result["k"] == 19
    inverted_cdf = lambda s, a: (math.inf if math.ceil((len(s) + 1) * (1 - a)) > len(s) else  # noqa: E731
                                 np.quantile(s, math.ceil((len(s) + 1) * (1 - a)) / len(s), method="inverted_cdf"))
    accepts(check_conformal_quantile(inverted_cdf))


def _kth(shift=0, plus_one=True, sort=True, infinite=True):
    def fn(scores, alpha):
        n = len(scores)
        k = math.ceil((n + plus_one) * (1 - alpha)) + shift
        if k > n and infinite:
            return math.inf
        s = np.sort(scores) if sort else scores
        return float(s[min(k, n) - 1])
    return fn


@pytest.mark.parametrize("fn, message", [
    (_kth(plus_one=False), r"^for n = 20 scores and α = 0.1 you returned .*, the 18-th smallest score: one too small. "
                           r"Either k = ⌈n\(1−α\)⌉, which leaves out the \+1 of the test point"),
    (lambda s, a: float(np.quantile(s, 1 - a)),
     r"which is np.quantile\(scores, 1 − α\): .* leaves out the test point"),
    (_kth(shift=1),
     r"the 20-th smallest score: one position too far. Either np.sort\(scores\)\[k\], but Python counts"),
    (lambda s, a: float(np.quantile(s, min(math.ceil((len(s) + 1) * (1 - a)) / len(s), 1), method="higher")),
     r"one position too far.*method='higher'"),
    (lambda s, a: float(np.quantile(s, min(math.ceil((len(s) + 1) * (1 - a)) / len(s), 1))),
     r"np.quantile\(scores, k / n\) with its default linear interpolation"),
    (_kth(sort=False), r"which is scores\[k - 1\] of the scores as given: sort them first"),
    (_kth(infinite=False), r"^for n = 9 scores and α = 0.05 you returned .*, but k = ⌈\(n\+1\)\(1−α\)⌉ = 10 is larger "
                           r"than n = 9: .* return math.inf when k > n"),
    (lambda s, a: math.inf, r"you returned inf \(infinite\), but k = 19 <= n"),
    (lambda s, a: float(np.mean(s)), r"which is none of the scores; q̂ is one of them"),
])
def test_names_the_mistake(fn, message):
    with pytest.raises(AssertionError, match=message):
        check_conformal_quantile(fn)


def test_scores_are_a_fresh_copy_each_call():
    """A learner's in-place sort must not change what the checker compares against."""
    def sorts_in_place(scores, alpha):
        scores.sort()
        return conformal_quantile(scores, alpha)
    check_conformal_quantile(sorts_in_place)
