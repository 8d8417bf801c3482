"""The exercise checkers of lessons 21-23: each accepts the right answer and names each typical mistake."""
import numpy as np
import pytest
import torch

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


def test_wrapped_normal_score_checker_accepts_the_score_and_names_each_mistake(accepts):
    from airtools.exercises import check_wrapped_normal_score

    from .answers import wrapped_score

    result = accepts(check_wrapped_normal_score(wrapped_score), "is periodic")
    assert result["max_difference"] < 1e-9 and result["periodicity"] < 1e-9
    # right answers that start from the nearest image, whichever way they round the half-periods d = ±0.5
    for nearest in (lambda d: d - torch.round(d), lambda d: d - torch.floor(d + 0.5),
                    lambda d: d - torch.ceil(d - 0.5)):
        check_wrapped_normal_score(lambda d, s, nearest=nearest: wrapped_score(nearest(d), s))
    mistakes = [("not periodic", lambda d, s: -d / s**2),
                ("nearest image", lambda d, s: -(d - torch.round(d)) / s**2),  # half-periods to the even side
                ("nearest image", lambda d, s: -(d - torch.floor(d + 0.5)) / s**2),  # half-periods rounded up
                ("images up to", lambda d, s: _few_images(d - torch.round(d), s)),
                ("wrong sign", lambda d, s: -wrapped_score(d, s)),
                ("divided by sigma instead of sigma\\^2", lambda d, s: wrapped_score(d, s) * s),
                (r"returned shape \[\]", lambda d, s: wrapped_score(d, s).sum())]
    for message, fn in mistakes:
        with pytest.raises(AssertionError, match=message):
            check_wrapped_normal_score(fn)


def _few_images(d, sigma):
    """The wrapped-normal score summed over the images k = -1, 0, 1 only: too few at sigma = 0.5."""
    y = d[:, None] + torch.tensor([-1.0, 0.0, 1.0], dtype=d.dtype)
    return -(torch.softmax(-(y**2) / (2 * sigma**2), dim=1) * y).sum(1) / sigma**2
