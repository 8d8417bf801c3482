"""Calibration curve, Spearman's rho and AUROC on inputs with known answers."""
import numpy as np
import pytest
from scipy import stats

from airtools.uq import auroc, calibration_curve, roc_curve, spearman


def test_calibration_curve_is_the_diagonal_for_true_sigmas_and_below_it_for_too_small_ones():
    rng = np.random.default_rng(0)
    sigma = rng.uniform(0.1, 3.0, size=20000)
    y = sigma * rng.normal(size=sigma.size)
    p, observed = calibration_curve(y, np.zeros_like(y), sigma)
    se = np.sqrt(p * (1 - p) / y.size)  # binomial standard error of each observed fraction
    assert np.all(np.abs(observed - p) < 4 * se)
    _, narrow = calibration_curve(y, np.zeros_like(y), 0.5 * sigma)
    assert np.all(narrow < p - 4 * se)  # overconfident: below the diagonal at every level


def test_spearman_of_a_monotone_transform_is_one_and_agrees_with_scipy_with_ties():
    rng = np.random.default_rng(1)
    a = rng.normal(size=200)
    assert spearman(a, np.exp(3 * a)) == 1.0 and spearman(a, -a ** 3) == -1.0
    b = np.round(a + rng.normal(size=200), 1)  # ties
    c = np.round(a, 0)
    assert spearman(b, c) == pytest.approx(stats.spearmanr(b, c).statistic, abs=1e-12)


@pytest.mark.parametrize("shift, expected", [(10.0, 1.0), (-10.0, 0.0)])
def test_auroc_of_a_perfect_and_an_inverted_detector(shift, expected):
    rng = np.random.default_rng(2)
    assert auroc(rng.normal(size=100), shift + rng.normal(size=50)) == expected


def test_auroc_of_a_random_detector_is_one_half_within_its_standard_error():
    rng = np.random.default_rng(3)
    n_in, n_out = 2000, 1000
    se = np.sqrt((n_in + n_out + 1) / (12 * n_in * n_out))  # under the null (Mann-Whitney)
    assert abs(auroc(rng.random(n_in), rng.random(n_out)) - 0.5) < 4 * se


def test_auroc_is_the_pairwise_probability_and_the_area_under_roc_curve():
    rng = np.random.default_rng(4)
    s_in, s_out = rng.integers(0, 5, 40).astype(float), rng.integers(1, 7, 30).astype(float)  # many ties
    pairs = (s_out[None, :] > s_in[:, None]) + 0.5 * (s_out[None, :] == s_in[:, None])
    assert auroc(s_in, s_out) == pytest.approx(pairs.mean(), abs=1e-12)
    fpr, tpr = roc_curve(s_in, s_out)
    assert fpr[0] == tpr[0] == 0 and fpr[-1] == tpr[-1] == 1
    assert np.trapezoid(tpr, fpr) == pytest.approx(pairs.mean(), abs=1e-12)


@pytest.mark.parametrize("call, match", [
    (lambda: calibration_curve([1.0], [0.0], [0.0]), "std: expected standard deviations > 0"),
    (lambda: calibration_curve([1.0], [0.0], [1.0], levels=[1.0]), "levels: expected nominal coverages"),
    (lambda: spearman([1.0, 1.0], [1.0, 2.0]), "one of them is constant"),
    (lambda: auroc([], [1.0]), "scores_in: expected at least one number"),
])
def test_bad_input_says_what_is_wrong(call, match):
    with pytest.raises(ValueError, match=match):
        call()
