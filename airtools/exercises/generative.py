r"""Checkers for the exercises of lessons 21-23 (generative models): the forward noising formula, the
zero-centre-of-mass projection, Kabsch RMSD, coverage / matching of conformer ensembles, and the score of the
wrapped normal distribution on the torus (crystals).

Each prints one "✅ ..." line and returns a ``Passed`` of what it measured, or raises ``AssertionError`` saying in
plain words what is wrong (variances for scales, the batch's centre for each molecule's, a mirror image
aligned, the wrong axis of the RMSD matrix, ...).

>>> from airtools.generative import NoiseSchedule
>>> schedule = NoiseSchedule("polynomial_2", T=100)
>>> result = check_forward_noising(lambda x, t, eps: schedule.alpha(t) * x + schedule.sigma(t) * eps, schedule)
✅ your z_t = alpha_t x + sigma_t eps matches at 5 times (largest difference 0.0e+00) ...
"""
from __future__ import annotations

import numpy as np
import torch

from airtools.generative import NoiseSchedule, coverage_matching, kabsch_rmsd, remove_mean, wrapped_normal_score
from airtools.so3 import random_rotation

from ._common import Passed, call, expect_shape, passed, to_float, to_tensor

__all__ = ["check_forward_noising", "check_zero_com", "check_kabsch_rmsd", "check_coverage_matching",
           "check_wrapped_normal_score"]


def check_forward_noising(fn, schedule: NoiseSchedule | None = None, *, tolerance: float = 1e-10) -> Passed:
    r"""Check ``fn(x [n, d], t, eps [n, d]) -> z_t [n, d]``, the forward process
    :math:`z_t = \alpha_t x + \sigma_t \epsilon` of ``schedule`` (default ``NoiseSchedule("polynomial_2", T=100)``,
    lesson 21's) at integer steps t.

    Tried at t = 0, T/4, T/2, 3T/4, T on float64 points; then the variance of :math:`z_t` for unit-variance
    data must stay 1 (a variance-preserving process). Variances for scales, :math:`\sigma = 1 - \alpha`, the
    two scales swapped and a forgotten noise term are named.

    Returns:
        ``Passed(max_difference=..., variance_at_T=...)``; prints "✅ ..." on success.

    >>> check_forward_noising(lambda x, t, eps: x + eps, NoiseSchedule(T=10))
    Traceback (most recent call last):
    AssertionError: at t = 0 your z_t differs from alpha_t x + sigma_t eps by ...
    """
    schedule = NoiseSchedule("polynomial_2", T=100) if schedule is None else schedule
    g = torch.Generator().manual_seed(0)
    x = 2.0 * torch.randn(256, 2, dtype=torch.float64, generator=g)
    eps = torch.randn(256, 2, dtype=torch.float64, generator=g)
    worst = 0.0
    for t in sorted({0, schedule.T // 4, schedule.T // 2, 3 * schedule.T // 4, schedule.T}):
        how = f"fn(x, t, eps) with x and eps of shape [256, 2] and t = {t}"
        z = to_tensor(call(fn, x.clone(), t, eps.clone(), how=how), how)
        expect_shape(z, x.shape, how, " (one noisy point per data point)")
        alpha, sigma = schedule.alpha(t).item(), schedule.sigma(t).item()
        err = (z.double() - (alpha * x + sigma * eps)).abs().max().item()
        if not err <= tolerance:
            raise AssertionError(f"at t = {t} your z_t differs from alpha_t x + sigma_t eps by {err:.3g}"
                                 + _noising_hint(z.double(), x, eps, alpha, sigma))
        worst = max(worst, err)
    unit = torch.randn(20000, 2, dtype=torch.float64, generator=g)
    variance = to_tensor(call(fn, unit, schedule.T, torch.randn(20000, 2, dtype=torch.float64, generator=g),
                              how="fn(x, T, eps)"), "fn(x, T, eps)").double().var().item()
    return passed(f"your z_t = alpha_t x + sigma_t eps matches at 5 times (largest difference {worst:.1e}) and keeps "
                  f"unit variance (Var z_T = {variance:.3f})", max_difference=worst, variance_at_T=variance)


def check_zero_com(fn, *, tolerance: float = 1e-12) -> Passed:
    r"""Check ``fn(pos [n_atoms, 3], batch [n_atoms]) -> [n_atoms, 3]``, the projection onto the zero-centre-of-mass
    subspace of each molecule, :math:`x_i - \frac{1}{n_m}\sum_{j \in m} x_j`.

    Tried on three molecules of 3, 5 and 2 atoms (float64); the result must be idempotent and commute with
    rotations. Subtracting the batch's mean, averaging over x, y, z instead of the atoms and rescaling are named.

    Returns:
        ``Passed(max_difference=..., rotation=...)``; prints "✅ ..." on success.

    >>> check_zero_com(lambda pos, batch: pos - pos.mean(0))
    Traceback (most recent call last):
    AssertionError: your function subtracted the mean of the whole batch; each molecule has its own centre: ...
    """
    g = torch.Generator().manual_seed(1)
    batch = torch.tensor([0, 0, 0, 1, 1, 1, 1, 1, 2, 2])
    centres = 3 * torch.randn(3, 3, dtype=torch.float64, generator=g)  # [3 molecules, 3]
    pos = torch.randn(10, 3, dtype=torch.float64, generator=g) + centres[batch]
    how = "fn(pos, batch) with pos of shape [10, 3] and batch = [0, 0, 0, 1, 1, 1, 1, 1, 2, 2]"
    out = expect_shape(to_tensor(call(fn, pos.clone(), batch.clone(), how=how), how).double(), pos.shape, how,
                       " (one position per atom)")
    ref = remove_mean(pos, batch)
    err = (out - ref).abs().max().item()
    if not err <= tolerance:
        raise AssertionError(_zero_com_hint(out, pos, batch, err))
    twice = to_tensor(call(fn, out.clone(), batch.clone(), how=how), how).double()
    R = random_rotation(dtype=torch.float64, generator=g)
    rotated = to_tensor(call(fn, pos @ R.T, batch.clone(), how=how), how).double()
    rotation = (rotated - out @ R.T).abs().max().item()
    if not ((twice - out).abs().max().item() <= tolerance and rotation <= tolerance):
        raise AssertionError("your projection is right once but not when applied again or to a rotated molecule; "
                             "make it depend only on pos and batch, without state kept between calls")
    return passed(f"your projection gives every molecule zero centre of mass (largest difference {err:.1e}), is "
                  f"idempotent and commutes with rotations", max_difference=err, rotation=rotation)


def check_kabsch_rmsd(fn, *, tolerance: float = 1e-8) -> Passed:
    r"""Check ``fn(P [n, 3], Q [n, 3]) -> float``, the RMSD after the best proper rotation and translation of P
    onto Q (atoms matched in order), against :func:`airtools.generative.kabsch_rmsd`.

    Tried on a rotated, shifted and perturbed copy, on two unrelated point sets, and on a mirror image (a
    proper rotation cannot align it: the RMSD stays above 0). Missing centring, no rotation, a reflection
    allowed and the mean square instead of its root are named.

    Returns:
        ``Passed(max_difference=..., mirror_rmsd=...)``; prints "✅ ..." on success.

    >>> check_kabsch_rmsd(lambda P, Q: float(np.sqrt(((P - Q) ** 2).sum(-1).mean())))
    Traceback (most recent call last):
    AssertionError: your RMSD of a rotated and shifted copy is ... but Kabsch gives ...: align first ...
    """
    rng = np.random.default_rng(2)
    P = rng.normal(size=(7, 3)) * [2.0, 1.0, 0.5]
    R = random_rotation(dtype=torch.float64, generator=torch.Generator().manual_seed(2)).numpy()
    cases = {"a rotated and shifted copy": P @ R.T + [3.0, -1.0, 2.0] + 0.05 * rng.normal(size=P.shape),
             "an unrelated point set": rng.normal(size=(7, 3)),
             "a mirror image": P * [1.0, 1.0, -1.0]}
    worst, mirror = 0.0, 0.0
    for name, Q in cases.items():
        how = f"fn(P, Q) with P, Q of shape [7, 3] ({name})"
        got = to_float(call(fn, P.copy(), Q.copy(), how=how), how)
        ref = kabsch_rmsd(P, Q)
        if not abs(got - ref) <= tolerance:
            raise AssertionError(f"your RMSD of {name} is {got:.4g} but Kabsch gives {ref:.4g}"
                                 + _kabsch_hint(got, P, Q, ref, name))
        worst = max(worst, abs(got - ref))
        mirror = ref if name == "a mirror image" else mirror
    return passed(f"your Kabsch RMSD matches on 3 cases (largest difference {worst:.1e}); a mirror image stays "
                  f"{mirror:.2f} Å away", max_difference=worst, mirror_rmsd=mirror)


def check_coverage_matching(fn, *, tolerance: float = 1e-12) -> Passed:
    r"""Check ``fn(rmsd [n_ref, n_gen], delta) -> (cov_r, mat_r)``: the fraction of reference conformers with a
    generated one within ``delta`` (coverage, recall) and the mean over references of the closest generated
    RMSD (matching), as :func:`airtools.generative.coverage_matching`.

    Tried on a 4 x 6 matrix (rows: reference) at two thresholds. The precision versions (the axes swapped),
    the mean instead of the minimum and percentages instead of fractions are named.

    Returns:
        ``Passed(cov_r=..., mat_r=...)`` at delta = 0.5; prints "✅ ..." on success.

    >>> check_coverage_matching(lambda rmsd, delta: ((rmsd.min(0) <= delta).mean(), rmsd.min(0).mean()))
    Traceback (most recent call last):
    AssertionError: your (cov_r, mat_r) = (0.33, 0.53) are the precision metrics COV-P and MAT-P: rows are ...
    """
    rmsd = np.array([[0.2, 0.9, 1.1, 0.6, 0.8, 1.0],
                     [0.7, 0.3, 0.9, 1.2, 0.6, 0.9],
                     [1.3, 1.2, 0.8, 0.9, 1.4, 0.7],
                     [0.9, 0.4, 1.0, 1.1, 0.6, 0.8]])
    out = None
    for delta in (0.5, 0.75):
        how = f"fn(rmsd, {delta}) with rmsd of shape [4, 6] (rows: reference conformers, columns: generated)"
        got = call(fn, rmsd.copy(), delta, how=how)
        if not (isinstance(got, (tuple, list)) and len(got) == 2):
            raise AssertionError(f"your function returned {type(got).__name__} when called as {how}; expected two "
                                 f"numbers (cov_r, mat_r)")
        cov, mat = (to_float(v, how) for v in got)
        ref = coverage_matching(rmsd, delta)
        if not (abs(cov - ref["cov_r"]) <= tolerance and abs(mat - ref["mat_r"]) <= tolerance):
            raise AssertionError(_coverage_hint(cov, mat, ref, rmsd, delta))
        out = out or (cov, mat)
    return passed(f"your COV-R and MAT-R match at two thresholds (COV-R {out[0]:.2f}, MAT-R {out[1]:.3f} Å at 0.5 Å)",
                  cov_r=out[0], mat_r=out[1])


def _noising_hint(z, x, eps, alpha, sigma) -> str:
    def close(candidate):
        return bool((z - candidate).abs().max() < 1e-8)

    if close(alpha**2 * x + sigma**2 * eps):
        return ": you used the variances alpha_t^2 and sigma_t^2; the scales are alpha_t and sigma_t (their roots)"
    if close(alpha * x + (1 - alpha) * eps):
        return ": sigma_t is not 1 - alpha_t but sqrt(1 - alpha_t^2) (schedule.sigma(t)): the variance is preserved"
    if close(sigma * x + alpha * eps):
        return ": alpha_t and sigma_t are swapped (alpha_t scales the data, sigma_t the noise)"
    if close(alpha * x):
        return ": the noise term sigma_t * eps is missing"
    return ""


def _zero_com_hint(out, pos, batch, err) -> str:
    if bool((out - (pos - pos.mean(0))).abs().max() < 1e-10):
        return ("your function subtracted the mean of the whole batch; each molecule has its own centre: subtract "
                "the mean of the atoms with the same batch index (e.g. index_add / scatter, or a loop over molecules)")
    if bool((out - (pos - pos.mean(1, keepdim=True))).abs().max() < 1e-10):
        return "your function averaged x, y and z of each atom; average over the atoms of each molecule instead"
    if bool((out - pos).abs().max() < 1e-12):
        return "your function returned the positions unchanged; subtract each molecule's centre of mass"
    centred = remove_mean(out, batch)
    if bool((centred - out).abs().max() < 1e-10):
        return (f"every molecule of your output has zero centre of mass, but the positions also changed otherwise "
                f"(by up to {err:.3g}): only subtract the mean, do not rescale or rotate")
    return f"your positions differ from pos minus each molecule's centre of mass by up to {err:.3g}"


def _kabsch_hint(got, P, Q, ref, name) -> str:
    plain = float(np.sqrt(((P - Q) ** 2).sum(-1).mean()))
    centred = float(np.sqrt(((P - P.mean(0) - (Q - Q.mean(0))) ** 2).sum(-1).mean()))
    if abs(got - plain) < 1e-8:
        return ": align first (subtract both centroids, then rotate P by the Kabsch rotation)"
    if abs(got - centred) < 1e-8:
        return ": you centred both sets but did not rotate; find R from the SVD of P^T Q"
    if abs(got - ref**2) < 1e-8:
        return ": that is the mean squared deviation; take its square root"
    if name == "a mirror image" and got < ref:
        return (": your 'rotation' is a reflection (det R = -1): flip the sign of the last singular direction, "
                "D = diag(1, 1, sign det(V U^T))")
    return ": centre both sets, then R = V D U^T from the SVD P^T Q = U S V^T"


def _coverage_hint(cov, mat, ref, rmsd, delta) -> str:
    prec = coverage_matching(rmsd.T, delta)
    if abs(cov - prec["cov_r"]) < 1e-9 and abs(mat - prec["mat_r"]) < 1e-9:
        return (f"your (cov_r, mat_r) = ({cov:.2g}, {mat:.2g}) are the precision metrics COV-P and MAT-P: rows are "
                f"the reference conformers, take the minimum over the generated ones (axis 1)")
    if abs(mat - rmsd.mean(axis=1).mean()) < 1e-9 or abs(mat - rmsd.mean()) < 1e-9:
        return "your MAT-R averages every RMSD; each reference counts with its closest generated conformer (min)"
    if abs(cov - 100 * ref["cov_r"]) < 1e-9:
        return "your COV-R is in percent; return a fraction in [0, 1]"
    return (f"at delta = {delta} expected COV-R {ref['cov_r']:.3g} and MAT-R {ref['mat_r']:.3g}, got {cov:.3g} and "
            f"{mat:.3g}")


def check_wrapped_normal_score(fn, *, tolerance: float = 1e-6) -> Passed:
    r"""Check ``fn(d [n], sigma) -> [n]``, the score of the wrapped normal distribution of period 1 (lesson 23):

    .. math:: s(d) = \frac{\partial}{\partial d} \log \sum_{k} e^{-(d + k)^2 / 2\sigma^2}
                   = -\frac{1}{\sigma^2}\,\frac{\sum_k (d + k)\, e^{-(d + k)^2 / 2\sigma^2}}
                                              {\sum_k e^{-(d + k)^2 / 2\sigma^2}}

    Tried at :math:`\sigma` = 0.05, 0.2 and 0.5 on float64 displacements in [-1.5, 1.5], the half-periods
    :math:`d = \pm 0.5, \pm 1.5` included (two images equally near: the score is 0 there, whichever image a
    right answer starts from). A plain Gaussian score (not periodic), only the nearest image (wrong at large
    :math:`\sigma` and at the half-periods, whichever way it rounds them), the sign and a :math:`1/\sigma`
    instead of :math:`1/\sigma^2` are named.

    Returns:
        ``Passed(max_difference=..., periodicity=...)``; prints "✅ ..." on success.

    >>> check_wrapped_normal_score(lambda d, sigma: -d / sigma**2)
    Traceback (most recent call last):
    AssertionError: your score is not periodic: s(d + 1) differs from s(d) by ...
    """
    d = torch.linspace(-1.5, 1.5, 121, dtype=torch.float64)  # the half-periods d = ±0.5, ±1.5 included
    ambiguous = (d - torch.round(d)).abs() > 0.5 - 1e-9  # two nearest images: the right score is 0 there
    worst, periodicity = 0.0, 0.0
    for sigma in (0.05, 0.2, 0.5):
        how = f"fn(d, sigma) with d of shape [121] (float64, -1.5..1.5) and sigma = {sigma}"
        s = expect_shape(to_tensor(call(fn, d.clone(), sigma, how=how), how), d.shape, how,
                         " (one score per displacement)").double()
        shifted = to_tensor(call(fn, d + 1, sigma, how=how), how).double().reshape(d.shape)
        gaps = (shifted - s).abs() * sigma**2  # in units of the displacement
        gap = gaps.max().item()
        right = wrapped_normal_score(d, sigma, n_images=8)
        err = ((s - right).abs() * sigma**2).max().item()
        if err <= tolerance and gap <= tolerance:
            worst, periodicity = max(worst, err), max(periodicity, gap)
            continue
        # periodic away from the half-periods? (a score that is only wrong there rounds them one way or the other)
        raise AssertionError(_wrapped_score_hint(d, s, right, sigma, gaps[~ambiguous].max().item(), ambiguous,
                                                 tolerance))
    return passed(f"your wrapped-normal score matches at sigma = 0.05, 0.2, 0.5 (largest difference {worst:.1e} in "
                  f"units of d) and is periodic", max_difference=worst, periodicity=periodicity)


def _wrapped_score_hint(d, s, right, sigma, gap, ambiguous, tolerance) -> str:
    """What is wrong with a wrapped-normal score ``s`` that differs from ``right`` at this ``sigma``."""
    atol = tolerance / sigma**2
    # only the nearest image: either sign is "nearest" at the half-periods, so those points are left out
    nearest = -(d - torch.round(d)) / sigma**2
    if torch.allclose(s[~ambiguous], nearest[~ambiguous], atol=atol):
        return (f"at sigma = {sigma} your score keeps only the nearest image (-min_image(d)/sigma^2): right for "
                f"small sigma, but when sigma is a sizeable part of the period the other images k = ±1, ±2 count too "
                f"(and at d = ±0.5 the two nearest images cancel: s = 0); weight each (d + k) by "
                f"softmax_k(-(d + k)^2 / 2 sigma^2)")
    if gap > tolerance:
        return (f"your score is not periodic: s(d + 1) differs from s(d) by {gap / sigma**2:.3g} at sigma = {sigma}; "
                f"the density on the torus sums the Gaussian over all images d + k, k = ..., -1, 0, 1, ...")
    if torch.allclose(s, -right, atol=atol):
        return ("your score has the wrong sign: it must point back towards d = 0 (the clean position), "
                "s(d) = -(d + k)/sigma^2 averaged over the images")
    if torch.allclose(s * sigma, right * sigma**2, atol=tolerance):
        return ("your score is divided by sigma instead of sigma^2: the derivative of -(d + k)^2 / (2 sigma^2) is "
                "-(d + k) / sigma^2")
    k = int((s - right).abs().argmax())
    return (f"at sigma = {sigma} and d = {d[k].item():.3f} your score is {s[k].item():.4g}, expected "
            f"{right[k].item():.4g} (-1/sigma^2 times the softmax-weighted mean of d + k over images k; at sigma = 0.5 "
            f"images up to |k| = 4 around the nearest one matter)")
