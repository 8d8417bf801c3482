r"""Irreducible representations of SO(3)/O(3): Wigner-D matrices and real spherical harmonics (thin over e3nn.o3).

Everything is in e3nn's real basis. For :math:`l = 1` that basis is plain :math:`(x, y, z)` in e3nn >= 0.2
(``xyz_to_e3nn`` is the identity, read off e3nn at import): :math:`D^1(R) = R` and
:math:`Y^1(x) \propto x`. Textbook real harmonics order :math:`m = -1, 0, 1` as :math:`(y, z, x)`; e3nn's
Y-X-Y Euler convention relabels the axes so that its :math:`m = -1, 0, 1` come out as :math:`(x, y, z)`.
"""
import contextlib
import operator

import torch
from e3nn import o3

from ._rotations import as_float, check_last_dim, check_orthogonal

L_MAX = 10  # largest l accepted (e3nn's spherical harmonics stop at 11; matrices beyond are no use in a lesson)

# P with Y^1(x) = P x for "norm" normalisation, so D^1(R) = P R P^T.  [3, 3], float64, a permutation matrix.
xyz_to_e3nn = o3.spherical_harmonics(1, torch.eye(3, dtype=torch.float64), False, normalization="norm").T.round() + 0.0


def check_l(l, name: str = "l", l_max: int = L_MAX) -> int:
    """``l`` as an ``int``; ``ValueError`` unless it is an integer in ``[0, l_max]``."""
    try:
        value = operator.index(l)
    except TypeError:
        value = None
    if isinstance(l, bool) or value is None or not 0 <= value <= l_max:
        raise ValueError(f"{name}: expected an integer 0 <= {name} <= {l_max}, got {l!r}")
    return value


@contextlib.contextmanager
def _e3nn_defaults(like: torch.Tensor):
    """e3nn's wigner_D builds its generators in torch's *default* dtype and device: make those ``like``'s.

    Without this a float64 ``R`` gets float32 generators (D accurate to only ~1e-7), and a CUDA ``R`` would be
    multiplied by generators built on the CPU.
    """
    old = torch.get_default_dtype()
    torch.set_default_dtype(like.dtype)
    try:
        with like.device:
            yield
    finally:
        torch.set_default_dtype(old)


def wigner_D(l: int, R, parity: int = 1) -> torch.Tensor:
    r"""Wigner-D matrix of degree ``l`` (e3nn's real basis) for rotations, or reflections given a parity.

    .. math:: D(R_1 R_2) = D(R_1) D(R_2), \quad D(R)^T D(R) = I, \quad
              D(R) = p^{k} D(\det(R)\, R),\ k = \tfrac12 (1 - \det R)

    This is ``e3nn.o3.Irrep(l, parity).D_from_matrix(R)``, computed in ``R``'s dtype and on ``R``'s device.
    For :math:`\det R = -1` the result depends on the parity :math:`p`: a polar vector is ``(l=1, parity=-1)``,
    spherical harmonics :math:`Y^l` have ``parity=(-1)**l``. ``wigner_D(1, R) == R`` for rotations.

    Args:
        l: degree, ``0 <= l <= 10``.
        R: orthogonal matrices (rotations, or reflections when ``det R = -1``), ``[..., 3, 3]``.
        parity: ``+1`` or ``-1``, the sign :math:`D` picks up under the inversion :math:`-I`.

    Returns:
        ``D``: ``[..., 2l+1, 2l+1]``.

    >>> from airtools.so3 import random_rotation
    >>> R = random_rotation(dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    >>> torch.allclose(wigner_D(1, R), R), wigner_D(2, R).shape
    (True, torch.Size([5, 5]))
    >>> wigner_D(1, -torch.eye(3), parity=-1)
    tensor([[-1., 0., 0.],
            [0., -1., 0.],
            [0., 0., -1.]])
    """
    l = check_l(l)
    if parity not in (1, -1):
        raise ValueError(f"parity: expected +1 or -1, got {parity!r}")
    R = as_float(R, "R")
    check_orthogonal(R, "R")
    with _e3nn_defaults(R):
        return o3.Irrep(l, parity).D_from_matrix(R)


def spherical_harmonics(l: int, xyz, normalize: bool = True, normalization: str = "component") -> torch.Tensor:
    r"""Real spherical harmonics :math:`Y^l(x)` in e3nn's basis; they rotate with `wigner_D`.

    .. math:: Y^l(R x) = D^l(R)\, Y^l(x), \qquad \lVert Y^l(\hat x) \rVert^2 = 2l + 1 \ \text{("component")}

    Under inversion :math:`Y^l(-x) = (-1)^l Y^l(x)`, so for any :math:`R \in O(3)` use
    ``wigner_D(l, R, parity=(-1)**l)``. This is ``e3nn.o3.spherical_harmonics``.

    Args:
        l: degree, ``0 <= l <= 10``.
        xyz: points, ``[..., 3]`` (nonzero when ``normalize=True``).
        normalize: project ``xyz`` onto the unit sphere first.
        normalization: ``"component"`` (default, :math:`\lVert Y^l \rVert^2 = 2l+1`), ``"norm"``
            (:math:`\lVert Y^l \rVert = 1`) or ``"integral"`` (:math:`\int_{S^2} (Y^l_m)^2 = 1`).

    Returns:
        ``Y``: ``[..., 2l+1]``.

    >>> spherical_harmonics(1, torch.tensor([0.0, 0.0, 2.0]), normalization="norm")
    tensor([0., 0., 1.])
    """
    l = check_l(l)
    xyz = as_float(xyz, "xyz")
    check_last_dim(xyz, "xyz", 3, "points")
    if normalization not in ("component", "norm", "integral"):
        raise ValueError(f"normalization: expected 'component', 'norm' or 'integral', got {normalization!r}")
    if normalize and xyz.numel() and not (xyz.norm(dim=-1) > 0).all():
        raise ValueError("xyz: expected nonzero vectors when normalize=True, got a zero-length vector")
    return o3.spherical_harmonics(l, xyz, normalize, normalization=normalization)


def vector_to_l1(v) -> torch.Tensor:
    r"""A Cartesian vector in e3nn's :math:`l = 1` basis, so that it rotates with ``wigner_D(1, R)``.

    .. math:: v^{(1)} = P v, \quad D^1(R) = P R P^T, \quad P = \texttt{xyz\_to\_e3nn}\ (= I \text{ in e3nn} \ge 0.2)

    Args:
        v: vectors, ``[..., 3]``.

    Returns:
        ``[..., 3]``, same dtype and device as ``v``.

    >>> vector_to_l1(torch.tensor([1.0, 2.0, 3.0]))
    tensor([1., 2., 3.])
    """
    v = as_float(v, "v")
    check_last_dim(v, "v", 3, "vectors")
    return v @ xyz_to_e3nn.to(v).T

