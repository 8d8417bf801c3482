r"""Gradient attributions of a scalar function: gradient × input and integrated gradients, each with its
completeness error.

Integrated gradients (Sundararajan, Taly, Yan, ICML 2017, arXiv:1703.01365) attribute the change of a
scalar :math:`f` between a baseline :math:`x'` and the input :math:`x` to the components of :math:`x`,

.. math:: \mathrm{IG}_k(x) = (x_k - x'_k) \int_0^1 \partial_k f\big(x' + \alpha (x - x')\big)\, d\alpha ,

and by the fundamental theorem of calculus (the path integral of a gradient) they are **complete**:

.. math:: \sum_k \mathrm{IG}_k(x) = f(x) - f(x').

The integral is a quadrature over ``steps`` points of the straight path. Sundararajan et al. use a Riemann
sum (error :math:`O(1/m)`); Gauss–Legendre nodes converge much faster on a smooth :math:`f` (to round-off
with a few dozen points for an analytic one), so they are the default. Gradient × input,
:math:`(x_k - x'_k)\, \partial_k f(x)`, is the one-point rule: cheap, exact for a linear :math:`f`, and
not complete otherwise. The completeness error is how far the attributions are from adding up: report it.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor

__all__ = ["Attribution", "integrated_gradients", "gradient_x_input", "path_quadrature", "RULES"]

RULES = ("gauss-legendre", "riemann", "midpoint", "trapezoid")


@dataclass
class Attribution:
    """Attributions of :math:`f(x) - f(x')` to the components of :math:`x`.

    Attributes:
        values: ``[*x.shape]``, one number per input component (detached).
        output: :math:`f(x)`; baseline_output: :math:`f(x')`.
        completeness_error: ``values.sum() - (output - baseline_output)``, in the unit of :math:`f`
            (zero for a complete method, up to quadrature and round-off error).
    """

    values: Tensor
    output: float
    baseline_output: float

    @property
    def completeness_error(self) -> float:
        return float(self.values.double().sum()) - (self.output - self.baseline_output)


def path_quadrature(steps: int, rule: str = "gauss-legendre") -> tuple[np.ndarray, np.ndarray]:
    r"""Nodes :math:`\alpha_k \in [0, 1]` and weights :math:`w_k` with
    :math:`\int_0^1 g(\alpha)\,d\alpha \approx \sum_k w_k\, g(\alpha_k)`.

    ``rule``: ``"riemann"`` (Sundararajan et al.'s right sum, :math:`\alpha_k = k/m`), ``"midpoint"``,
    ``"trapezoid"`` (both ends, ``steps >= 2``) or ``"gauss-legendre"``.

    Returns:
        ``(alpha [steps], weights [steps])``, float64; the weights add up to 1.

    >>> alpha, w = path_quadrature(4, "riemann"); alpha.tolist(), w.tolist()
    ([0.25, 0.5, 0.75, 1.0], [0.25, 0.25, 0.25, 0.25])
    >>> alpha, w = path_quadrature(3); round(float(w @ alpha**5), 12)   # exact to degree 2m - 1 = 5: 1/6
    0.166666666667
    """
    if isinstance(steps, bool) or int(steps) != steps or steps < 1:
        raise ValueError(f"steps: expected a positive integer, got {steps!r}")
    m = int(steps)
    if rule == "riemann":
        return np.arange(1, m + 1) / m, np.full(m, 1.0 / m)
    if rule == "midpoint":
        return (np.arange(m) + 0.5) / m, np.full(m, 1.0 / m)
    if rule == "trapezoid":
        if m < 2:
            raise ValueError("steps: the trapezoid rule needs at least 2 points (both ends of the path)")
        w = np.full(m, 1.0 / (m - 1))
        w[[0, -1]] /= 2
        return np.linspace(0.0, 1.0, m), w
    if rule == "gauss-legendre":
        t, w = np.polynomial.legendre.leggauss(m)
        return (t + 1) / 2, w / 2
    raise ValueError(f"rule: expected one of {', '.join(RULES)}, got {rule!r}")


def integrated_gradients(f, x: Tensor, baseline: Tensor | None = None, *, steps: int = 64,
                         rule: str = "gauss-legendre", vectorized: bool = False,
                         chunk: int | None = None) -> Attribution:
    r"""Integrated gradients of a scalar function ``f`` at ``x`` from ``baseline`` (see the module docstring).

    Args:
        f: ``f(x) -> scalar`` (a 0-d or one-element tensor), differentiable in ``x``; with
            ``vectorized=True``, ``f(X [m, *x.shape]) -> [m]`` evaluates ``m`` path points at once (a batch
            of molecules, a batch of images) and each output must depend on its own point only.
        x: ``[*shape]`` float tensor; baseline: the same shape (default zeros).
        steps, rule: the quadrature of :func:`path_quadrature`.
        chunk: with ``vectorized``, at most this many path points per call (memory); default all.

    Returns:
        :class:`Attribution` with ``values [*shape]`` and the completeness error.

    >>> x = torch.tensor([1.0, 2.0], dtype=torch.float64)
    >>> ig = integrated_gradients(lambda v: (v[0] * v[1]) ** 2, x, steps=8)
    >>> ig.values, abs(ig.completeness_error) < 1e-12      # both factors share f(x) - f(0) = 4 equally
    (tensor([2., 2.], dtype=torch.float64), True)
    """
    x, baseline = _check(x, baseline)
    alpha, weights = path_quadrature(steps, rule)
    delta = x - baseline
    grad_sum = torch.zeros_like(x)
    if vectorized:
        size = len(alpha) if chunk is None else max(1, int(chunk))
        for start in range(0, len(alpha), size):
            a = torch.as_tensor(alpha[start:start + size], dtype=x.dtype, device=x.device)
            w = torch.as_tensor(weights[start:start + size], dtype=x.dtype, device=x.device)
            shape = (-1,) + (1,) * x.ndim
            points = (baseline + a.view(shape) * delta).requires_grad_(True)  # [m, *shape]
            with torch.enable_grad():
                out = f(points)
                _expect(out, (len(a),), "f(X) with X of shape " + str(list(points.shape)), vectorized=True)
                (grad,) = torch.autograd.grad(out.sum(), points)
            grad_sum += torch.einsum("m,m...->...", w, grad)
    else:
        for a, w in zip(alpha, weights):
            grad_sum += float(w) * _gradient(f, baseline + float(a) * delta)
    values = (delta * grad_sum).detach()
    return Attribution(values, _value(f, x, vectorized), _value(f, baseline, vectorized))


def gradient_x_input(f, x: Tensor, baseline: Tensor | None = None, *, vectorized: bool = False) -> Attribution:
    r"""Gradient × input, :math:`(x_k - x'_k)\,\partial_k f(x)`: integrated gradients with one point at
    :math:`\alpha = 1` (``steps=1, rule="riemann"``). Exact (complete) for a linear ``f`` only.

    Args and returns: as :func:`integrated_gradients`.

    >>> x = torch.tensor([1.0, 2.0], dtype=torch.float64)
    >>> gxi = gradient_x_input(lambda v: (v[0] * v[1]) ** 2, x)
    >>> gxi.values, gxi.completeness_error                 # 8 + 8 = 16, but f(x) - f(0) = 4
    (tensor([8., 8.], dtype=torch.float64), 12.0)
    """
    return integrated_gradients(f, x, baseline, steps=1, rule="riemann", vectorized=vectorized)


def _check(x, baseline) -> tuple[Tensor, Tensor]:
    if not isinstance(x, Tensor) or not x.is_floating_point():
        raise ValueError(f"x: expected a float tensor, got {x.dtype if isinstance(x, Tensor) else type(x).__name__}")
    x = x.detach()
    if baseline is None:
        return x, torch.zeros_like(x)
    baseline = torch.as_tensor(baseline).detach().to(x)
    if baseline.shape != x.shape:
        raise ValueError(f"baseline: expected the shape of x {list(x.shape)}, got {list(baseline.shape)}")
    return x, baseline


def _expect(out, shape, how: str, vectorized: bool) -> None:
    if not isinstance(out, Tensor) or (out.shape != shape and not (not vectorized and out.numel() == 1)):
        got = list(out.shape) if isinstance(out, Tensor) else type(out).__name__
        want = f"shape {list(shape)} (one number per path point)" if vectorized else "one number (a scalar)"
        raise ValueError(f"f: {how} returned {got}; expected {want}; sum or pick one output first")


def _gradient(f, point: Tensor) -> Tensor:
    point = point.clone().requires_grad_(True)
    with torch.enable_grad():
        out = f(point)
        _expect(out, (), "f(x)", vectorized=False)
        (grad,) = torch.autograd.grad(out.sum(), point)
    return grad


def _value(f, point: Tensor, vectorized: bool) -> float:
    with torch.no_grad():
        out = f(point[None]) if vectorized else f(point)
    return float(out.double().sum())
