r"""Measure how far a function is from equivariant: rotation, reflection, translation, permutation.

A function :math:`f` is equivariant when transforming its input transforms its output the same way,

.. math:: f(g \cdot x) = g \cdot f(x) \qquad \text{for every } g \text{ in the group.}

For each transformation :math:`g` we compare both sides in float64 and report the relative error

.. math:: \varepsilon = \frac{\lVert f(g x) - g f(x) \rVert}{\max(\lVert f(g x) \rVert, \lVert g f(x) \rVert)}

(0 when both sides are 0). How :math:`g` acts on each argument is said by its *kind*, as in
``e3nn.util.test``: an irreps (``"2x0e + 1o"``, acted on by ``Irreps.D_from_matrix``), ``"cartesian_points"``
(positions ``[n, 3]`` in x, y, z: rotated and translated), ``"cartesian_vectors"`` (xyz vectors such as forces:
rotated, flipped by a mirror, not translated), ``"cartesian_pseudovectors"`` (cross products: rotated, not
flipped), or ``None`` (left alone: atomic numbers on the way in, an invariant of any shape on the way out).

>>> import torch
>>> g = torch.Generator().manual_seed(0)
>>> errors = transformation_errors(lambda pos: pos.norm(dim=-1, keepdim=True), "cartesian_points", "0e", generator=g)
>>> {name: round(err, 12) for name, err in errors.items()}
{'rotation': 0.0, 'reflection': 0.0}
"""
from __future__ import annotations

import torch
from e3nn import o3

from airtools.so3 import random_rotation, wigner_D

__all__ = ["assert_equivariant", "equivariance_error", "transformation_errors", "relative_error", "random_permutation"]

SPECIAL_KINDS = ("cartesian_points", "cartesian_vectors", "cartesian_pseudovectors")
N_POINTS = 5  # rows of each random input: [N_POINTS, dim]
# Default tolerances on the relative error, by the function's output dtype. float32 is e3nn's FLOAT_TOLERANCE;
# float64 allows 1e-7 because an e3nn module cast with .double() keeps float32-accurate coupling coefficients.
TOLERANCE = {torch.float64: 1e-7, torch.float32: 1e-3, torch.float16: 1e-2, torch.bfloat16: 1e-2}


def transformation_errors(fn, irreps_in, irreps_out, *, n_trials=3, parity=True, translation=False,
                          permutation=False, inputs=None, generator=None) -> dict:
    r"""Relative equivariance error of ``fn`` for each kind of transformation, largest over ``n_trials``.

    .. math:: \varepsilon_g = \lVert f(g x) - g f(x) \rVert / \max(\lVert f(g x) \rVert, \lVert g f(x) \rVert)

    Transformations: ``"rotation"`` (a Haar-random :math:`R`), ``"reflection"`` (:math:`-R`, if ``parity``),
    ``"translation"`` (a random shift of every ``"cartesian_points"`` argument, if ``translation``),
    ``"permutation"`` (the same random reordering of the rows of every argument with ``n`` rows, if
    ``permutation``; an output of shape ``[n, ...]`` with two or more dims is per-atom and must follow the
    rows, any other output must stay unchanged).

    Args:
        fn: the function, called as ``fn(*args)``; returns a tensor, or a tuple for several outputs.
        irreps_in: the kind of each argument: one irreps (str or ``o3.Irreps``), ``"cartesian_points"``, ...,
            or a list of them for several arguments (see the module docstring).
        irreps_out: the kind of each output, same forms; an irreps output has shape ``[..., irreps.dim]``.
        n_trials: how many random transformations (and random inputs) to try.
        parity, translation, permutation: which transformations besides rotation to test.
        inputs: the arguments to use (a tensor or a list of them) instead of random ones
            (``[5, irreps.dim]`` per irreps, ``[5, 3]`` per point set; float64, or the module's own dtype).
        generator: a ``torch.Generator`` that makes inputs and transformations reproducible.

    Returns:
        ``{"rotation": float, "reflection": float, ...}``, one entry per tested transformation.

    >>> from e3nn import o3
    >>> g = torch.Generator().manual_seed(0)
    >>> errors = transformation_errors(lambda x: x**2, "1o", "1o", generator=g)  # squares break rotations
    >>> sorted(errors), errors["rotation"] > 0.1
    (['reflection', 'rotation'], True)
    """
    return _measure(fn, irreps_in, irreps_out, n_trials, parity, translation, permutation, inputs, generator)[0]


def equivariance_error(fn, irreps_in, irreps_out, **kwargs) -> float:
    r"""The largest relative error :math:`\max_g \varepsilon_g` over all tested transformations.

    Args:
        fn, irreps_in, irreps_out, **kwargs: as in :func:`transformation_errors` (``n_trials=3``,
            ``parity=True``, ``translation=False``, ``permutation=False``, ``inputs=None``, ``generator=None``).

    Returns:
        one float (0 for an exactly equivariant function, order 1 for a non-equivariant one).

    >>> from e3nn import o3
    >>> g = torch.Generator().manual_seed(0)
    >>> sh = lambda pos: o3.spherical_harmonics(2, pos, normalize=True)
    >>> equivariance_error(sh, "cartesian_points", "2e", generator=g) < 1e-12
    True
    """
    return max(transformation_errors(fn, irreps_in, irreps_out, **kwargs).values())


def assert_equivariant(fn, irreps_in, irreps_out, *, tolerance=None, **kwargs) -> dict:
    r"""Raise ``AssertionError`` unless :math:`f(g x) = g f(x)` for every tested transformation.

    Args:
        fn, irreps_in, irreps_out, **kwargs: as in :func:`transformation_errors`.
        tolerance: largest accepted relative error; default by the output dtype: 1e-3 for float32
            (as ``e3nn.util.test``), 1e-7 for float64 (an e3nn module cast with ``.double()`` keeps
            float32-accurate coupling coefficients, errors ~1e-9; build it under
            ``torch.set_default_dtype(torch.float64)`` to reach round-off, ~1e-15).

    Returns:
        the dict of :func:`transformation_errors`.

    Raises:
        AssertionError: naming each transformation that broke equivariance and its measured error.

    >>> g = torch.Generator().manual_seed(0)
    >>> assert_equivariant(lambda x: 2 * x, "1o", "1o", generator=g)
    {'rotation': 0.0, 'reflection': 0.0}
    >>> assert_equivariant(lambda x: 2 * x, "1o", "1e", generator=g)
    Traceback (most recent call last):
    AssertionError: <lambda> is not equivariant under reflection: relative error 2 > tolerance 1e-07 ...
    """
    __tracebackhide__ = True
    errors, dtype = _measure(fn, irreps_in, irreps_out, **kwargs)
    tolerance = TOLERANCE[dtype] if tolerance is None else tolerance
    broken = {name: err for name, err in errors.items() if not err <= tolerance}
    if broken:
        every = ", ".join(f"{name} {err:.2g}" for name, err in errors.items())
        raise AssertionError(f"{getattr(fn, '__name__', type(fn).__name__)} is not equivariant under "
                             f"{' and '.join(broken)}: relative error {max(broken.values()):.3g} > tolerance "
                             f"{tolerance:.0e} (all errors: {every})")
    return errors


def _measure(fn, irreps_in, irreps_out, n_trials=3, parity=True, translation=False, permutation=False,
             inputs=None, generator=None):
    """(errors dict, lowest-precision output dtype)."""
    kinds_in, kinds_out = _kinds(irreps_in, "irreps_in"), _kinds(irreps_out, "irreps_out")
    if translation and "cartesian_points" not in kinds_in:
        raise ValueError("translation=True: no argument is 'cartesian_points', so there is nothing to translate")
    if not (isinstance(n_trials, int) and n_trials >= 1):
        raise ValueError(f"n_trials: expected a positive int, got {n_trials!r}")
    if inputs is not None:
        inputs = _check_inputs(inputs, kinds_in)
    dtype, device = _dtype_device(fn)
    names = ["rotation"] + ["reflection"] * bool(parity) + ["translation"] * bool(translation)
    names += ["permutation"] * bool(permutation)
    errors, out_dtypes = dict.fromkeys(names, 0.0), set()
    for _ in range(n_trials):
        x = inputs if inputs is not None else _random_inputs(kinds_in, dtype, device, generator)
        y = _outputs(fn(*x), kinds_out)
        out_dtypes |= {t.dtype for t in y}
        n = next((a.shape[0] for a in x if torch.is_tensor(a) and a.dim() > 0), 1)
        R = random_rotation(dtype=torch.float64, generator=generator)
        I = torch.eye(3, dtype=torch.float64)
        shift = 3 * torch.randn(3, dtype=torch.float64, generator=generator)
        perm = random_permutation(n, generator)
        transforms = {"rotation": (R, None, None), "reflection": (-R, None, None),
                      "translation": (I, shift, None), "permutation": (I, None, perm)}
        for name in names:
            Q, t, p = transforms[name]
            gx = [_act(a, k, Q, t, p, n, per_row=True).to(a.dtype) if torch.is_tensor(a) else a
                  for a, k in zip(x, kinds_in)]
            f_gx = _outputs(fn(*gx), kinds_out)
            g_fx = [_act(b, k, Q, t, p, n, per_row=b.dim() >= 2) for b, k in zip(y, kinds_out)]
            for i, (a, b) in enumerate(zip(f_gx, g_fx)):
                if a.shape != b.shape:
                    raise ValueError(f"fn: output {i} has shape {list(a.shape)} after the {name} but "
                                     f"{list(b.shape)} before it")
                errors[name] = max(errors[name], relative_error(a, b))
    floats = [d for d in out_dtypes if d.is_floating_point]
    return errors, max(floats, key=lambda d: torch.finfo(d).eps, default=torch.float64)


def _kinds(irreps, name) -> list:
    """One kind per argument: ``o3.Irreps``, a special string, or ``None``."""
    several = isinstance(irreps, (list, tuple)) and not isinstance(irreps, o3.Irreps)
    kinds = []
    for i, item in enumerate(irreps if several else [irreps]):
        where = f"{name}[{i}]" if several else name
        if item is None or item in SPECIAL_KINDS:
            kinds.append(item)
            continue
        try:
            kinds.append(o3.Irreps(item))
        except (ValueError, TypeError, AssertionError):
            raise ValueError(f"{where}: expected an irreps like '2x0e + 1o', one of {SPECIAL_KINDS} or None, "
                             f"got {item!r}") from None
    if not kinds:
        raise ValueError(f"{name}: expected at least one irreps, got an empty list")
    return kinds


def _dim(kind):
    return 3 if isinstance(kind, str) else kind.dim


def _check_inputs(inputs, kinds) -> list:
    inputs = [inputs] if torch.is_tensor(inputs) else list(inputs)
    if len(inputs) != len(kinds):
        raise ValueError(f"inputs: expected {len(kinds)} argument(s), one per entry of irreps_in, got {len(inputs)}")
    for i, (a, kind) in enumerate(zip(inputs, kinds)):
        if kind is None:
            continue
        if not torch.is_tensor(a) or not a.is_floating_point():
            raise ValueError(f"inputs[{i}]: expected a float tensor for {kind!s}, got {type(a).__name__}")
        if a.dim() == 0 or a.shape[-1] != _dim(kind):
            raise ValueError(f"inputs[{i}]: expected shape [..., {_dim(kind)}] for {kind!s}, "
                             f"got {list(a.shape)}")
    return inputs


def _dtype_device(fn):
    """float64 on the default device, or the dtype/device of a module's first float parameter or buffer."""
    if isinstance(fn, torch.nn.Module):
        for t in list(fn.parameters()) + list(fn.buffers()):
            if t.is_floating_point():
                return t.dtype, t.device
    return torch.float64, torch.get_default_device()


def _random_inputs(kinds, dtype, device, generator) -> list:
    if None in kinds:
        raise ValueError(f"irreps_in: argument {kinds.index(None)} is None, so pass inputs= to say what to feed it")
    return [torch.randn(N_POINTS, _dim(k), dtype=torch.float64, generator=generator).to(device, dtype)
            for k in kinds]


def _outputs(out, kinds) -> list:
    """``fn``'s output(s) as a list of tensors, shapes checked against the kinds."""
    out = list(out) if isinstance(out, (list, tuple)) else [out]
    if len(out) != len(kinds):
        raise ValueError(f"irreps_out: fn returned {len(out)} output(s) but irreps_out describes {len(kinds)}")
    tensors = []
    for i, (b, kind) in enumerate(zip(out, kinds)):
        b = torch.as_tensor(b).detach()
        if kind is not None and b.dim() == 0 and _dim(kind) == 1:
            b = b.reshape(1)
        if kind is not None and (b.dim() == 0 or b.shape[-1] != _dim(kind)):
            raise ValueError(f"irreps_out: output {i} has shape {list(b.shape)} but {kind!s} needs "
                             f"shape [..., {_dim(kind)}]")
        tensors.append(b)
    return tensors


def _act(a, kind, Q, t, perm, n, per_row):
    """Apply the element (orthogonal ``Q``, shift ``t``, row permutation ``perm``) to ``a``; float64 result."""
    a = a.detach().to(torch.float64) if a.is_floating_point() else a
    if perm is not None and per_row and a.dim() > 0 and a.shape[0] == n:
        a = a[perm.to(a.device)]
    Q = Q.to(a.device)  # [3, 3], float64
    if kind == "cartesian_points":
        a = a @ Q.T + (0 if t is None else t.to(a.device))
    elif kind == "cartesian_vectors":
        a = a @ Q.T
    elif kind == "cartesian_pseudovectors":
        a = torch.linalg.det(Q) * a @ Q.T
    elif kind is not None:
        a = a @ _irreps_D(kind, Q).T
    return a


def _irreps_D(irreps, Q):
    """Block-diagonal ``D`` of ``irreps`` for the orthogonal ``Q`` (``Irreps.D_from_matrix``, but in Q's dtype)."""
    blocks = {ir: wigner_D(ir.l, Q, ir.p) for _, ir in irreps}
    return torch.block_diag(*[blocks[ir] for mul, ir in irreps for _ in range(mul)])


def random_permutation(n, generator):
    """A random permutation of ``n`` rows that is not the identity (when ``n > 1``)."""
    perm = torch.randperm(n, generator=generator)
    return perm.flip(0) if n > 1 and bool((perm == torch.arange(n)).all()) else perm


def relative_error(a, b) -> float:
    a, b = a.to(torch.float64), b.to(torch.float64)
    scale = max(a.norm().item(), b.norm().item())
    return 0.0 if scale == 0 else (a - b).norm().item() / scale
