"""Integrated gradients: the quadrature rules, completeness to float64 round-off on smooth functions, the
axioms of Sundararajan et al. (linearity, symmetry), and gradient x input as the one-point rule."""
import math

import numpy as np
import pytest
import torch

from airtools.explain import RULES, gradient_x_input, integrated_gradients, path_quadrature


@pytest.mark.parametrize("rule", RULES)
def test_quadrature_weights_add_up_to_one_and_nodes_lie_on_the_path(rule):
    alpha, w = path_quadrature(7, rule)
    assert alpha.shape == w.shape == (7,) and abs(w.sum() - 1) < 1e-14
    assert alpha.min() >= 0 and alpha.max() <= 1 and np.all(np.diff(alpha) > 0)


def test_gauss_legendre_is_exact_to_degree_2m_minus_1_and_riemann_is_first_order():
    alpha, w = path_quadrature(5)
    for k in range(10):  # degree <= 9 = 2 * 5 - 1
        assert abs(w @ alpha**k - 1 / (k + 1)) < 1e-14
    errors = [abs(np.sum(path_quadrature(m, "riemann")[1] * np.exp(path_quadrature(m, "riemann")[0])) - (math.e - 1))
              for m in (50, 100, 200)]
    assert 1.9 < errors[0] / errors[1] < 2.1 and 1.9 < errors[1] / errors[2] < 2.1  # O(1/m)


def smooth(x):
    """An analytic, non-linear scalar function of a [4, 3] input."""
    return (torch.sin(x) * x**2).sum() + torch.tanh(x[0] @ x[1]) + x.pow(2).sum().sqrt()


def test_completeness_to_round_off_on_a_smooth_function():
    g = torch.Generator().manual_seed(0)
    x = torch.randn(4, 3, dtype=torch.float64, generator=g)
    baseline = 0.1 * torch.randn(4, 3, dtype=torch.float64, generator=g)
    ig = integrated_gradients(smooth, x, baseline, steps=48)
    change = ig.output - ig.baseline_output
    assert abs(change) > 0.05 and ig.values.shape == x.shape and ig.values.abs().max() > 0.05
    assert abs(ig.completeness_error) < 1e-14, ig.completeness_error  # ~ a few ulp of the O(1) attributions
    # the first-order rule is far from complete on the same function, and converges only as 1/m
    riemann = [abs(integrated_gradients(smooth, x, baseline, steps=m, rule="riemann").completeness_error)
               for m in (64, 128)]
    assert riemann[0] > 1e-4 and 1.8 < riemann[0] / riemann[1] < 2.2


def test_vectorized_path_points_give_the_same_attributions():
    x = torch.randn(4, 3, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    one = integrated_gradients(smooth, x, steps=16)
    many = integrated_gradients(lambda X: torch.stack([smooth(p) for p in X]), x, steps=16, vectorized=True, chunk=5)
    assert torch.allclose(one.values, many.values, rtol=0, atol=1e-14)
    assert one.output == many.output and one.baseline_output == many.baseline_output


@pytest.mark.parametrize("rule", RULES)
def test_linear_functions_are_attributed_exactly_by_every_rule_and_by_gradient_x_input(rule):
    w = torch.tensor([1.0, -2.0, 0.5], dtype=torch.float64)
    x = torch.tensor([3.0, 1.0, 4.0], dtype=torch.float64)
    baseline = torch.tensor([1.0, 1.0, -1.0], dtype=torch.float64)
    expected = w * (x - baseline)
    for attribution in (integrated_gradients(lambda v: w @ v, x, baseline, steps=3, rule=rule),
                        gradient_x_input(lambda v: w @ v, x, baseline)):
        assert torch.allclose(attribution.values, expected, rtol=0, atol=1e-14)
        assert abs(attribution.completeness_error) < 1e-14


def test_symmetric_inputs_get_equal_shares_and_a_known_answer():
    """f = x0^2 x1^2 from 0 to (1, 2): by symmetry of the path integral each factor gets half of f = 4."""
    x = torch.tensor([1.0, 2.0], dtype=torch.float64)
    ig = integrated_gradients(lambda v: (v[0] * v[1]) ** 2, x, steps=8)
    assert torch.allclose(ig.values, torch.tensor([2.0, 2.0], dtype=torch.float64), rtol=0, atol=1e-14)
    gxi = gradient_x_input(lambda v: (v[0] * v[1]) ** 2, x)
    assert torch.allclose(gxi.values, torch.tensor([8.0, 8.0], dtype=torch.float64)) and gxi.completeness_error == 12.0


@pytest.mark.parametrize("call, message", [
    (lambda: integrated_gradients(lambda v: v.sum(), torch.zeros(3), torch.zeros(2)), r"baseline: expected the shape"),
    (lambda: integrated_gradients(lambda v: v * 2, torch.ones(3)), r"f: f\(x\) returned \[3\]; expected one number"),
    (lambda: integrated_gradients(lambda v: v.sum(), torch.ones(3), vectorized=True), r"one number per path point"),
    (lambda: integrated_gradients(lambda v: v.sum(), torch.ones(3), rule="simpson"), r"rule: expected one of"),
    (lambda: integrated_gradients(lambda v: v.sum(), torch.ones(3), steps=0), r"steps: expected a positive integer"),
    (lambda: integrated_gradients(lambda v: v.sum(), torch.ones(3), steps=1, rule="trapezoid"), r"at least 2 points"),
    (lambda: integrated_gradients(lambda v: v.sum(), torch.ones(3, dtype=torch.long)), r"x: expected a float tensor"),
])
def test_bad_input_is_a_value_error(call, message):
    with pytest.raises(ValueError, match=message):
        call()
