r"""Conversions between rotation matrices, Euler angles, axis-angle and quaternions (thin over e3nn.o3).

Euler angles follow e3nn: :math:`R(\alpha, \beta, \gamma) = R_y(\alpha) R_x(\beta) R_y(\gamma)` (Y-X-Y,
:math:`\gamma` applied first). Quaternions are :math:`q = (w, x, y, z)`. All functions are batched over ``[...]``.
"""
import torch
from e3nn import o3

from ._rotations import as_float, check_last_dim, check_rotation


def euler_to_matrix(alpha, beta, gamma) -> torch.Tensor:
    r"""Rotation matrix from e3nn's Y-X-Y Euler angles.

    .. math:: R(\alpha, \beta, \gamma) = R_y(\alpha)\, R_x(\beta)\, R_y(\gamma)

    Args:
        alpha, beta, gamma: angles in radians, broadcastable tensors ``[...]`` (or numbers).

    Returns:
        ``R``: ``[..., 3, 3]``.

    >>> euler_to_matrix(0.0, 0.0, 0.0)
    tensor([[1., 0., 0.],
            [0., 1., 0.],
            [0., 0., 1.]])
    """
    like = next((a for a in (alpha, beta, gamma) if isinstance(a, torch.Tensor)), None)
    alpha, beta, gamma = (as_float(a, n, like) for a, n in zip((alpha, beta, gamma), ("alpha", "beta", "gamma")))
    try:
        torch.broadcast_shapes(alpha.shape, beta.shape, gamma.shape)
    except RuntimeError:
        shapes = [list(a.shape) for a in (alpha, beta, gamma)]
        raise ValueError(f"alpha, beta, gamma: expected broadcastable shapes, got {shapes}") from None
    dtype = torch.promote_types(torch.promote_types(alpha.dtype, beta.dtype), gamma.dtype)
    return o3.angles_to_matrix(alpha.to(dtype), beta.to(dtype), gamma.to(dtype))


def matrix_to_euler(R) -> tuple:
    r"""e3nn's Y-X-Y Euler angles of a rotation, the inverse of `euler_to_matrix`.

    .. math:: R = R_y(\alpha)\, R_x(\beta)\, R_y(\gamma), \quad \beta \in [0, \pi]

    Args:
        R: rotation matrices, ``[..., 3, 3]``.

    Returns:
        ``(alpha, beta, gamma)``, each ``[...]``.

    >>> a, b, c = matrix_to_euler(euler_to_matrix(0.1, 0.2, 0.3))
    >>> round(a.item(), 4), round(b.item(), 4), round(c.item(), 4)
    (0.1, 0.2, 0.3)
    """
    return o3.matrix_to_angles(check_rotation(R, "R"))


def axis_angle_to_matrix(axis, angle) -> torch.Tensor:
    r"""Rotation by ``angle`` (right-handed) about ``axis`` (normalised here).

    .. math:: R(\hat n, \theta)\, x = x \cos\theta + (\hat n \times x) \sin\theta
              + \hat n (\hat n \cdot x)(1 - \cos\theta)

    Args:
        axis: nonzero vectors, ``[..., 3]``.
        angle: radians, ``[...]`` (broadcast against ``axis[..., 0]``).

    Returns:
        ``R``: ``[..., 3, 3]``.

    >>> R = axis_angle_to_matrix(torch.tensor([0.0, 0.0, 1.0]), torch.tensor(torch.pi / 2))
    >>> (R @ torch.tensor([1.0, 0.0, 0.0])).round(decimals=6) + 0.0
    tensor([0., 1., 0.])
    """
    axis = as_float(axis, "axis")
    angle = as_float(angle, "angle", axis)
    check_last_dim(axis, "axis", 3, "a nonzero vector")
    if axis.numel() and not (axis.norm(dim=-1) > 0).all():
        raise ValueError("axis: expected a nonzero vector of shape [..., 3], got a zero-length axis")
    try:
        torch.broadcast_shapes(axis.shape[:-1], angle.shape)
    except RuntimeError:
        expected = list(axis.shape[:-1])
        raise ValueError(f"angle: expected a shape broadcastable to {expected}, got {list(angle.shape)}") from None
    dtype = torch.promote_types(axis.dtype, angle.dtype)
    return o3.axis_angle_to_matrix(axis.to(dtype), angle.to(dtype))


def matrix_to_axis_angle(R) -> tuple:
    r"""Unit axis and angle of a rotation, the inverse of `axis_angle_to_matrix`.

    .. math:: \cos\theta = \tfrac12(\operatorname{tr} R - 1), \quad \theta \in [0, \pi]

    The axis is ill-defined at :math:`\theta = 0` and loses its sign at :math:`\theta = \pi`.

    Args:
        R: rotation matrices, ``[..., 3, 3]``.

    Returns:
        ``(axis [..., 3], angle [...])``.

    >>> axis, angle = matrix_to_axis_angle(axis_angle_to_matrix(torch.tensor([0.0, 0.0, 2.0]), torch.tensor(0.5)))
    >>> torch.allclose(axis, torch.tensor([0.0, 0.0, 1.0]), atol=1e-6), round(angle.item(), 4)
    (True, 0.5)
    """
    return o3.matrix_to_axis_angle(check_rotation(R, "R"))


def quaternion_to_matrix(q) -> torch.Tensor:
    r"""Rotation matrix of a unit quaternion :math:`q = (w, x, y, z)`; ``q`` and ``-q`` give the same ``R``.

    .. math:: q = \left(\cos\tfrac\theta2,\ \hat n \sin\tfrac\theta2\right) \mapsto R(\hat n, \theta)

    Args:
        q: unit quaternions, ``[..., 4]`` (raises if :math:`\lvert\, \lVert q \rVert - 1 \rvert > 10^{-5}`).

    Returns:
        ``R``: ``[..., 3, 3]``.

    >>> quaternion_to_matrix(torch.tensor([1.0, 0.0, 0.0, 0.0]))
    tensor([[1., 0., 0.],
            [0., 1., 0.],
            [0., 0., 1.]])
    """
    q = as_float(q, "q")
    check_last_dim(q, "q", 4, "a unit quaternion (w, x, y, z)")
    if q.numel():
        err = (q.norm(dim=-1) - 1).abs().amax().item()
        if not err <= 1e-5:
            raise ValueError(
                f"q: expected a unit quaternion (w, x, y, z) of shape [..., 4], got | |q| - 1 | = {err:.3g}"
            )
    return o3.quaternion_to_matrix(q)


def matrix_to_quaternion(R) -> torch.Tensor:
    r"""Unit quaternion :math:`q = (w, x, y, z)` of a rotation, with :math:`w \ge 0`.

    .. math:: w = \cos\tfrac\theta2, \quad (x, y, z) = \hat n \sin\tfrac\theta2

    Args:
        R: rotation matrices, ``[..., 3, 3]``.

    Returns:
        ``q``: ``[..., 4]``.

    >>> matrix_to_quaternion(torch.eye(3))
    tensor([1., 0., 0., 0.])
    """
    return o3.matrix_to_quaternion(check_rotation(R, "R"))
