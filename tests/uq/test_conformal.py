"""Split conformal: the k-th smallest score with k = ceil((n+1)(1-alpha)), and the coverage guarantee
1 - alpha <= E[coverage] <= 1 - alpha + 1/(n+1), checked on exchangeable data drawn many times."""
import math

import numpy as np
import pytest
from scipy import stats

from airtools.uq import (SplitConformal, conformal_quantile, conformal_rank, coverage, coverage_bounds,
                         split_coverages)


@pytest.mark.parametrize("n, alpha, k", [(9, 0.1, 9), (19, 0.1, 18), (100, 0.1, 91), (204, 0.1, 185),
                                         (89, 0.3, 63), (10, 0.05, 11), (1, 0.5, 1)])
def test_rank_is_ceil_of_n_plus_one_times_one_minus_alpha(n, alpha, k):
    assert conformal_rank(n, alpha) == k  # (89+1)(0.7) = 63 exactly, though floating point gives 62.99999999999999


def test_quantile_is_the_kth_smallest_score_or_infinite():
    scores = np.random.default_rng(0).permutation(np.arange(1.0, 20.0))  # 1..19, shuffled
    assert conformal_quantile(scores, 0.1) == 18.0  # k = ceil(20 * 0.9) = 18
    assert conformal_quantile(scores, 0.25) == 15.0  # k = ceil(20 * 0.75) = 15
    assert conformal_quantile(scores, 0.04) == math.inf  # k = ceil(19.2) = 20 > 19
    assert conformal_quantile(scores, 0.05) == 19.0  # k = 19 = n: the largest score


def _mean_coverage(q_of, n, alpha, trials=4000, m=50, seed=0):
    """Mean coverage over ``trials`` fresh calibration (n) + test (m) sets of heavy-tailed exchangeable data."""
    rng = np.random.default_rng(seed)
    y = stats.t(df=2).rvs(size=(trials, n + m), random_state=rng)  # Student t, 2 dof: infinite variance
    pred = np.zeros_like(y)
    covered = [coverage(yi[n:], -(q := q_of(np.abs(yi[:n] - pi[:n]), alpha)), q) for yi, pi in zip(y, pred)]
    return np.mean(covered), np.std(covered) / np.sqrt(trials)


@pytest.mark.parametrize("n", [9, 19, 49])
def test_coverage_over_many_exchangeable_draws_is_within_the_finite_sample_bound(n):
    """The mean over 4000 draws is k/(n+1) (exact for continuous scores) within 4 standard errors, and k/(n+1)
    lies in the bound."""
    alpha = 0.1
    mean, se = _mean_coverage(conformal_quantile, n, alpha)
    lo, hi = coverage_bounds(n, alpha)
    exact = conformal_rank(n, alpha) / (n + 1)
    assert lo <= exact <= hi
    assert abs(mean - exact) < 4 * se, (mean, exact, se)


def test_the_plain_one_minus_alpha_quantile_undercovers():
    """np.quantile(scores, 1 - alpha) ignores the test point: with n = 9 it covers ~0.82 < 0.9, far outside."""
    mean, se = _mean_coverage(lambda s, a: np.quantile(s, 1 - a), 9, 0.1)
    assert mean < 0.9 - 10 * se, (mean, se)


def test_one_calibration_set_covers_a_beta_distributed_fraction():
    """Uniform scores: the coverage given the calibration set is q itself, and q = U_(k) ~ Beta(k, n + 1 - k)."""
    n, alpha = 30, 0.1
    k = conformal_rank(n, alpha)
    rng = np.random.default_rng(1)
    q = np.array([conformal_quantile(rng.random(n), alpha) for _ in range(3000)])
    assert stats.kstest(q, stats.beta(k, n + 1 - k).cdf).pvalue > 1e-3


def test_split_coverages_of_one_pool_average_to_k_over_n_plus_one():
    rng = np.random.default_rng(2)
    y = rng.exponential(size=600)
    c = split_coverages(y, np.full(600, 0.7), n_cal=204, alpha=0.1, n_splits=3000, seed=3)
    assert c.shape == (3000,)
    assert abs(c.mean() - 185 / 205) < 4 * c.std() / np.sqrt(3000)
    assert c.std() > 0.005  # one split's coverage is random: that is why the lesson averages many


def test_scaled_scores_adapt_the_width_to_the_uncertainty():
    """y ~ N(0, u^2) with u in {0.2, 2}: dividing by u makes both groups covered ~90 %; without it the wide
    group is undercovered and the narrow one overcovered."""
    rng = np.random.default_rng(4)
    u = np.where(rng.random(20000) < 0.5, 0.2, 2.0)
    y = u * rng.normal(size=u.size)
    cal, test = slice(0, 2000), slice(2000, None)
    scaled = SplitConformal(0.1).fit(y[cal], 0 * y[cal], scale=u[cal])
    plain = SplitConformal(0.1).fit(y[cal], 0 * y[cal])
    assert abs(scaled.q - stats.norm.ppf(0.95)) < 0.1
    for group in (0.2, 2.0):  # +-0.02 is ~3 sd: calibration (Beta, n = 2000) 0.0067, test (~9000 points) 0.003
        mask = u[test] == group
        lo, hi = scaled.interval(0 * y[test][mask], scale=u[test][mask])
        assert abs(coverage(y[test][mask], lo, hi) - 0.9) < 0.02, group
    wide = u[test] == 2.0
    lo, hi = plain.interval(0 * y[test][wide])
    assert coverage(y[test][wide], lo, hi) < 0.8
    lo, hi = plain.interval(0 * y[test][~wide])
    assert coverage(y[test][~wide], lo, hi) > 0.99


@pytest.mark.parametrize("call, match", [
    (lambda: conformal_quantile([1.0, 2.0], 1.5), "alpha: expected a miscoverage level between 0 and 1"),
    (lambda: conformal_quantile([], 0.1), "scores: expected at least one number"),
    (lambda: conformal_quantile([1.0, float("nan")], 0.1), r"scores: contains NaN or inf \(at position 1\)"),
    (lambda: SplitConformal(0.1).interval([1.0]), "call fit"),
    (lambda: SplitConformal(0.1).fit([1.0, 2.0], [1.0]), "y, pred: expected the same length"),
    (lambda: SplitConformal(0.1).fit([1.0, 2.0], [1.0, 2.0], scale=[1.0, 0.0]), "scale: expected uncertainties > 0"),
    (lambda: split_coverages([1.0, 2.0], [1.0, 2.0], n_cal=2), r"n_cal: expected 1..1 calibration points"),
])
def test_bad_input_says_what_is_wrong(call, match):
    with pytest.raises(ValueError, match=match):
        call()
