"""The lesson-17 checkers accept right integrated gradients and Spearman's rho and name the usual mistakes."""
import numpy as np
import pytest
import torch
from scipy.stats import rankdata

from airtools.exercises import check_integrated_gradients, check_rank_correlation
from airtools.explain import integrated_gradients as library_ig

from .answers import integrated_gradients, spearman


def test_integrated_gradients_accepts_a_riemann_sum_and_the_library(accepts):
    result = accepts(check_integrated_gradients(integrated_gradients), "exact on a linear function")
    assert result["difference"] < 0.01 and result["completeness"] < 0.01
    exact = accepts(check_integrated_gradients(lambda f, x, b, steps: library_ig(f, x, b, steps=steps).values))
    assert exact["difference"] < 1e-12 and exact["completeness"] < 1e-12


def grad(f, point):
    point = point.clone().requires_grad_(True)
    return torch.autograd.grad(f(point), point)[0]


def ig(f, x, baseline, steps, *, times=None, scale=1.0):
    """``integrated_gradients`` with one of its steps swapped for a typical mistake."""
    total = sum(grad(f, baseline + k / steps * (x - baseline)) for k in range(1, steps + 1))
    return (x - baseline if times is None else times) * total / steps * scale


@pytest.mark.parametrize("fn, message", [
    (lambda f, x, b, steps: (x - b) * grad(f, x), r"x0² x1² .* gradient × input, the gradient at x only"),
    (lambda f, x, b, steps: (x - b) * grad(f, b), r"the gradient at the baseline only"),
    (lambda f, x, b, steps: ig(f, x, b, steps, times=1.0), r"did not multiply by \(x - baseline\)"),
    (lambda f, x, b, steps: ig(f, x, b, steps, times=x), r"not by x"),
    (lambda f, x, b, steps: ig(f, x, b, steps, scale=steps), r"you summed the 256 gradients: divide"),
    (lambda f, x, b, steps: -ig(f, x, b, steps), r"the sign is flipped"),
    (lambda f, x, b, steps: ig(f, x, b, 4), r"x0² x1² .* add up to 6.25, .* take points"),  # too few points
    (lambda f, x, b, steps: ig(f, x, b, steps).sum(), r"returned shape \[\] .*one attribution per component"),
])
def test_integrated_gradients_names_the_mistake(fn, message):
    with pytest.raises(AssertionError, match=message):
        check_integrated_gradients(fn)


def test_rank_correlation_accepts_average_ranks_and_scipy(accepts):
    assert accepts(check_rank_correlation(spearman), "ties included")["difference"] < 1e-12
    from scipy.stats import spearmanr
    accepts(check_rank_correlation(lambda a, b: spearmanr(a, b).statistic))


def ordinal(v):
    return np.argsort(np.argsort(v, kind="stable"), kind="stable")


@pytest.mark.parametrize("fn, message", [
    (lambda a, b: np.corrcoef(a, b)[0, 1], r"b = exp\(a\) .* expected 1 \(the same order\): you correlated the values"),
    (lambda a, b: np.corrcoef(np.argsort(a), np.argsort(b))[0, 1], r"argsort gives the order"),
    (lambda a, b: np.corrcoef(ordinal(a), ordinal(b))[0, 1], r"tied values .* share the average of their ranks"),
    (lambda a, b: 1 - 6 * np.sum((ordinal(a) - ordinal(b)) ** 2) / (len(a) * (len(a) ** 2 - 1)),
     r"tied values .*average of their ranks.* holds only without ties"),
    (lambda a, b: -np.corrcoef(rankdata(a), rankdata(b))[0, 1], r"expected 1 .* the sign is flipped"),
    (lambda a, b: np.array([spearman(a, b)] * 2), r"returned 2 numbers"),
])
def test_rank_correlation_names_the_mistake(fn, message):
    with pytest.raises(AssertionError, match=message):
        check_rank_correlation(fn)
