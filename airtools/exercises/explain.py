r"""Exercise checkers of lesson 17 (explainability): a learner's integrated gradients and Spearman's rank
correlation. Each prints one "✅ ..." line and returns a ``Passed`` when the function is right, and raises
``AssertionError`` saying in plain words what is wrong otherwise.

>>> def ig(f, x, baseline, steps):
...     total = torch.zeros_like(x)
...     for k in range(1, steps + 1):
...         point = (baseline + k / steps * (x - baseline)).requires_grad_(True)
...         total += torch.autograd.grad(f(point), point)[0]
...     return (x - baseline) * total / steps
>>> result = check_integrated_gradients(ig)
✅ integrated gradients: exact on a linear function, the known answer ... (completeness error ...)
"""
from __future__ import annotations

import numpy as np
import torch
from scipy import stats

from airtools.explain import gradient_x_input, integrated_gradients, rank_correlation

from ._common import Passed, call, expect_shape, passed, to_float, to_tensor

__all__ = ["check_integrated_gradients", "check_rank_correlation"]

STEPS = 256


def check_integrated_gradients(fn, *, tolerance: float = 0.01) -> Passed:
    r"""Check ``fn(f, x, baseline, steps) -> attributions`` (shape of ``x``), integrated gradients

    .. math:: \mathrm{IG}_k = (x_k - x'_k)\, \frac1m \sum_{s=1}^{m} \partial_k f\big(x' + \tfrac{s}{m}(x - x')\big)

    (any rule that converges will do), where ``f(x) -> scalar`` is differentiable (float64 tensors). Tried on a
    linear function (exact), on :math:`f = x_0^2 x_1^2` from 0 to (1, 2) (each factor gets 2 by symmetry) and
    on a smooth function of a ``[4, 3]`` input from a non-zero baseline, with ``steps = 256``: the answer must
    be within ``tolerance`` (relative) of the exact integral and add up to :math:`f(x) - f(x')`.

    Returns:
        ``Passed(difference=largest relative difference from the exact attributions, completeness=relative
        completeness error on the smooth function)``; prints "✅ ..." on success.

    >>> check_integrated_gradients(lambda f, x, baseline, steps: x * 0)
    Traceback (most recent call last):
    AssertionError: on f(x) = w · x your attributions add up to 0, but f(x) - f(baseline) = ...
    """
    g = torch.Generator().manual_seed(0)
    w = torch.tensor([1.0, -2.0, 0.5], dtype=torch.float64)
    smooth_x = torch.randn(4, 3, dtype=torch.float64, generator=g)
    cases = [  # name, f, x, baseline
        ("f(x) = w · x", lambda v: w @ v, torch.tensor([3.0, 1.0, 4.0], dtype=torch.float64),
         torch.tensor([1.0, 2.0, -1.0], dtype=torch.float64)),
        ("f(x) = x0² x1² from 0 to (1, 2)", lambda v: (v[0] * v[1]) ** 2,
         torch.tensor([1.0, 2.0], dtype=torch.float64), torch.zeros(2, dtype=torch.float64)),
        ("a smooth f of a [4, 3] input", _smooth, smooth_x, 0.3 * torch.randn(4, 3, dtype=torch.float64, generator=g)),
    ]
    worst, completeness = 0.0, 0.0
    for name, f, x, baseline in cases:
        how = f"fn(f, x, baseline, steps={STEPS}) with {name}, x of shape {list(x.shape)}"
        out = to_tensor(call(fn, f, x.clone(), baseline.clone(), STEPS, how=how), how).detach()
        expect_shape(out, x.shape, how, " (one attribution per component of x)")
        out = out.to(torch.float64)
        exact = integrated_gradients(f, x, baseline, steps=64).values  # Gauss-Legendre: exact to round-off here
        change = float(f(x) - f(baseline))
        total = float(out.sum())
        scale = float(exact.abs().max())
        difference = float((out - exact).abs().max()) / scale
        if abs(total - change) > tolerance * abs(change) or difference > tolerance:
            differ = " and they differ from the exact ones" if difference > tolerance else ""
            raise AssertionError(f"on {name} your attributions add up to {total:.4g}, but f(x) - f(baseline) = "
                                 f"{change:.4g}{differ}; {_ig_mistake(out, f, x, baseline)}")
        worst = max(worst, difference)
        completeness = abs(total - change) / abs(change)
    return passed(f"integrated gradients: exact on a linear function, the known answer (2, 2) on x0² x1², and "
                  f"within {worst:.1e} of the exact integral on a smooth function (completeness error "
                  f"{completeness:.1e} of f(x) - f(x'))", difference=worst, completeness=completeness)


def check_rank_correlation(fn, *, tolerance: float = 1e-9) -> Passed:
    r"""Check ``fn(a, b) -> rho``, Spearman's rank correlation of two arrays of ``n`` numbers: the Pearson
    correlation of their ranks, tied values sharing the average of their ranks (``scipy.stats.spearmanr``).

    Tried on an increasing and a decreasing transformation (1 and -1), on random numbers and on numbers with
    ties (numpy float64 arrays).

    Returns:
        ``Passed(difference=largest difference from scipy.stats.spearmanr)``; prints "✅ ..." on success.

    >>> check_rank_correlation(lambda a, b: np.corrcoef(a, b)[0, 1])
    Traceback (most recent call last):
    AssertionError: for b = exp(a) your rho is 0..., expected 1 (the same order): you correlated the values, ...
    """
    rng = np.random.default_rng(0)
    a = rng.normal(size=40)
    ties_a = np.round(rng.normal(size=40), 0)  # few distinct values: many ties
    ties_b = ties_a + np.round(rng.normal(size=40), 0)
    cases = [("b = exp(a)", a, np.exp(3 * a)), ("b = -a³", a, -a**3), ("random a and b", a, rng.normal(size=40)),
             ("a and b with tied values", ties_a, ties_b)]
    worst = 0.0
    for name, x, y in cases:
        how = f"fn(a, b) with {name}, {len(x)} numbers each"
        value = to_float(call(fn, x.copy(), y.copy(), how=how), how)
        expected = float(stats.spearmanr(x, y).statistic)
        if abs(value - expected) > tolerance:
            known = {"b = exp(a)": "1 (the same order)", "b = -a³": "-1 (the reverse order)"}
            want = known.get(name, f"{expected:.6f}")
            raise AssertionError(f"for {name} your rho is {value:.6f}, expected {want}: {_rho_mistake(value, x, y)}")
        worst = max(worst, abs(value - expected))
    return passed(f"Spearman's rho matches scipy.stats.spearmanr on {len(cases)} cases, ties included (largest "
                  f"difference {worst:.1e})", difference=worst)


def _smooth(x: torch.Tensor) -> torch.Tensor:
    return (torch.sin(x) * x**2).sum() + torch.tanh(x[0] @ x[1])


def _ig_mistake(out: torch.Tensor, f, x: torch.Tensor, baseline: torch.Tensor) -> str:
    """Name the usual integrated-gradients mistake whose answer is ``out``."""
    ig = integrated_gradients(f, x, baseline, steps=64).values
    delta = x - baseline
    average = torch.where(delta != 0, ig / delta, torch.zeros_like(ig))  # the path-averaged gradient
    at_x = gradient_x_input(f, x, baseline).values
    at_baseline = delta * _grad(f, baseline)
    mistakes = [
        (at_x, "that is gradient × input, the gradient at x only: average the gradients at points along the path "
               "from the baseline to x"),
        (at_baseline, "you took the gradient at the baseline only: average the gradients at points along the path"),
        (average, "you averaged the gradients but did not multiply by (x - baseline)"),
        (x * average, "multiply the averaged gradient by (x - baseline), not by x"),
        (STEPS * ig, f"you summed the {STEPS} gradients: divide by the number of steps (take the mean)"),
        (-ig, "the sign is flipped: the attributions must add up to f(x) - f(baseline), not f(baseline) - f(x)"),
    ]
    for candidate, hint in mistakes:
        if torch.allclose(out, candidate, rtol=0.02, atol=1e-9 * float(candidate.abs().max() + 1)):
            return hint
    return ("take points x' + (s/m)(x - x') for s = 1..m on the straight path, average the gradient of f at them, "
            "and multiply by (x - x') component by component")


def _grad(f, point: torch.Tensor) -> torch.Tensor:
    point = point.clone().requires_grad_(True)
    (g,) = torch.autograd.grad(f(point), point)
    return g


def _rho_mistake(value: float, a: np.ndarray, b: np.ndarray) -> str:
    """Name the usual Spearman mistake whose answer is ``value``."""
    ordinal = lambda v: np.argsort(np.argsort(v, kind="stable"), kind="stable").astype(float)  # noqa: E731
    mistakes = [
        (np.corrcoef(a, b)[0, 1], "you correlated the values, not their ranks: rank both first"),
        (np.corrcoef(np.argsort(a), np.argsort(b))[0, 1], "np.argsort gives the order (which element is smallest), "
                                                          "not the ranks: apply it twice, or use scipy.stats.rankdata"),
        (np.corrcoef(ordinal(a), ordinal(b))[0, 1], "tied values must share the average of their ranks "
                                                    "(scipy.stats.rankdata does that); 1 - 6 Σd² / (n(n² - 1)) "
                                                    "holds only without ties"),
        (-rank_correlation(a, b), "the sign is flipped"),
    ]
    for candidate, hint in mistakes:
        if abs(value - float(candidate)) < 1e-9:
            return hint
    return "rank both arrays (ties share the average rank), then take the Pearson correlation of the ranks"
