"""The exercise checkers of lessons 21 and 22: each accepts the right answer and names each typical mistake."""
import numpy as np
import pytest

from airtools.exercises import check_coverage_matching, check_forward_noising, check_kabsch_rmsd, check_zero_com
from airtools.generative import NoiseSchedule

from .answers import coverage_and_matching, forward_noising, kabsch, zero_com


def test_forward_noising_checker_accepts_the_formula_and_names_each_mistake(accepts):
    result = accepts(check_forward_noising(forward_noising), "keeps unit variance")
    assert result["max_difference"] < 1e-12 and abs(result["variance_at_T"] - 1) < 0.05
    s = NoiseSchedule("polynomial_2", T=100)
    mistakes = {"variances": lambda x, t, e: s.alpha(t) ** 2 * x + s.sigma(t) ** 2 * e,
                r"not 1 - alpha_t but sqrt\(1 - alpha_t\^2\)": lambda x, t, e: s.alpha(t) * x + (1 - s.alpha(t)) * e,
                "swapped": lambda x, t, e: s.sigma(t) * x + s.alpha(t) * e,
                "noise term sigma_t \\* eps is missing": lambda x, t, e: s.alpha(t) * x,
                r"returned shape \[256\]": lambda x, t, e: (s.alpha(t) * x + s.sigma(t) * e).sum(1)}
    for message, fn in mistakes.items():
        with pytest.raises(AssertionError, match=message):
            check_forward_noising(fn)
    other = NoiseSchedule("cosine", T=50)  # the learner's schedule is the one checked
    accepts(check_forward_noising(lambda x, t, e: other.alpha(t) * x + other.sigma(t) * e, other))


def test_zero_com_checker_accepts_the_projection_and_names_each_mistake(accepts):
    result = accepts(check_zero_com(zero_com), "idempotent and commutes with rotations")
    assert result["max_difference"] < 1e-12
    mistakes = {"mean of the whole batch": lambda pos, batch: pos - pos.mean(0),
                "averaged x, y and z of each atom": lambda pos, batch: pos - pos.mean(1, keepdim=True),
                "unchanged": lambda pos, batch: pos,
                "do not rescale": lambda pos, batch: 2 * zero_com(pos, batch)}
    for message, fn in mistakes.items():
        with pytest.raises(AssertionError, match=message):
            check_zero_com(fn)
    calls = []

    def stateful(pos, batch):  # right the first time only
        calls.append(1)
        return zero_com(pos, batch) + (len(calls) > 1)

    with pytest.raises(AssertionError, match="without state kept between calls"):
        check_zero_com(stateful)


def test_kabsch_checker_accepts_a_proper_rotation_and_names_each_mistake(accepts):
    result = accepts(check_kabsch_rmsd(kabsch), "mirror image stays")
    assert result["max_difference"] < 1e-10 and result["mirror_rmsd"] > 0.1

    def no_reflection_fix(P, Q):
        P, Q = P - P.mean(0), Q - Q.mean(0)
        U, _, Vt = np.linalg.svd(P.T @ Q)
        return float(np.sqrt(((P @ (Vt.T @ U.T).T - Q) ** 2).sum(-1).mean()))

    mistakes = {"align first": lambda P, Q: float(np.sqrt(((P - Q) ** 2).sum(-1).mean())),
                "did not rotate": lambda P, Q: float(np.sqrt(((P - P.mean(0) - Q + Q.mean(0)) ** 2).sum(-1).mean())),
                "mean squared deviation": lambda P, Q: kabsch(P, Q) ** 2,
                r"reflection \(det R = -1\)": no_reflection_fix,
                "one number was expected": lambda P, Q: np.zeros(3)}
    for message, fn in mistakes.items():
        with pytest.raises(AssertionError, match=message):
            check_kabsch_rmsd(fn)


def test_coverage_checker_accepts_recall_and_names_each_mistake(accepts):
    result = accepts(check_coverage_matching(coverage_and_matching), "COV-R and MAT-R match")
    assert result["cov_r"] == 0.75 and result["mat_r"] == pytest.approx(0.4)  # row minima 0.2, 0.3, 0.7, 0.4
    mistakes = {"precision metrics COV-P and MAT-P": lambda r, d: ((r.min(0) <= d).mean(), r.min(0).mean()),
                "averages every RMSD": lambda r, d: ((r.min(1) <= d).mean(), r.mean()),
                "in percent": lambda r, d: (100 * (r.min(1) <= d).mean(), r.min(1).mean()),
                r"expected two numbers \(cov_r, mat_r\)": lambda r, d: (r.min(1) <= d).mean()}
    for message, fn in mistakes.items():
        with pytest.raises(AssertionError, match=message):
            check_coverage_matching(fn)
