"""Every conversion round-trips, agrees with the others, and rejects non-rotations by name."""
import math

import pytest
import torch

from airtools.so3 import (
    axis_angle_to_matrix,
    euler_to_matrix,
    matrix_to_axis_angle,
    matrix_to_euler,
    matrix_to_quaternion,
    quaternion_to_matrix,
    random_rotation,
)

TOL = {torch.float32: 1e-4, torch.float64: 1e-9}
DTYPES = [torch.float32, torch.float64]


def _rotations(dtype, seed, n=50):
    return random_rotation(n, dtype=dtype, generator=torch.Generator().manual_seed(seed))


@pytest.mark.parametrize("dtype", DTYPES)
def test_euler_round_trips(dtype):
    R = _rotations(dtype, 0)
    assert (euler_to_matrix(*matrix_to_euler(R)) - R).abs().max() < TOL[dtype]
    g = torch.Generator().manual_seed(1)
    alpha, gamma = (torch.rand(2, 50, dtype=dtype, generator=g) * 2 - 1) * 3.0  # inside (-pi, pi)
    beta = torch.rand(50, dtype=dtype, generator=g) * 2.8 + 0.2  # inside (0, pi), away from gimbal lock
    for a, b in zip(matrix_to_euler(euler_to_matrix(alpha, beta, gamma)), (alpha, beta, gamma)):
        assert (a - b).abs().max() < 10 * TOL[dtype]


def test_euler_is_yxy_composition():
    torch.manual_seed(0)
    a, b, c = torch.rand(3, dtype=torch.float64) * 3
    ex, ey = torch.eye(3, dtype=torch.float64)[:2]
    R = axis_angle_to_matrix(ey, a) @ axis_angle_to_matrix(ex, b) @ axis_angle_to_matrix(ey, c)
    assert (euler_to_matrix(a, b, c) - R).abs().max() < 1e-12


@pytest.mark.parametrize("dtype", DTYPES)
def test_axis_angle_round_trips(dtype):
    R = _rotations(dtype, 2)
    assert (axis_angle_to_matrix(*matrix_to_axis_angle(R)) - R).abs().max() < TOL[dtype]
    g = torch.Generator().manual_seed(3)
    axis = torch.nn.functional.normalize(torch.randn(50, 3, dtype=dtype, generator=g), dim=-1)
    angle = torch.rand(50, dtype=dtype, generator=g) * 2.8 + 0.2  # inside (0, pi)
    axis2, angle2 = matrix_to_axis_angle(axis_angle_to_matrix(axis, angle))
    assert (axis2 - axis).abs().max() < TOL[dtype] and (angle2 - angle).abs().max() < TOL[dtype]


def test_axis_angle_is_right_handed_and_normalises_the_axis():
    ex, ey, ez = torch.eye(3, dtype=torch.float64)
    R = axis_angle_to_matrix(5 * ez, torch.tensor(math.pi / 2, dtype=torch.float64))
    assert (R @ ex - ey).abs().max() < 1e-12


@pytest.mark.parametrize("dtype", DTYPES)
def test_quaternion_round_trips(dtype):
    R = _rotations(dtype, 4)
    q = matrix_to_quaternion(R)
    assert q.shape == (50, 4) and (q[:, 0] >= 0).all()
    assert (quaternion_to_matrix(q) - R).abs().max() < TOL[dtype]
    assert (quaternion_to_matrix(-q) - R).abs().max() < TOL[dtype]  # q and -q: same rotation
    q = torch.randn(50, 4, dtype=dtype, generator=torch.Generator().manual_seed(5))
    q = q / q.norm(dim=-1, keepdim=True)
    q = q * q[:, :1].sign()
    assert (matrix_to_quaternion(quaternion_to_matrix(q)) - q).abs().max() < TOL[dtype]


def test_quaternion_matches_axis_angle():
    torch.manual_seed(6)
    axis = torch.nn.functional.normalize(torch.randn(3, dtype=torch.float64), dim=0)
    theta = torch.tensor(1.1, dtype=torch.float64)
    q = torch.cat([(theta / 2).cos()[None], axis * (theta / 2).sin()])
    assert (quaternion_to_matrix(q) - axis_angle_to_matrix(axis, theta)).abs().max() < 1e-12


def test_conversions_reject_bad_inputs():
    with pytest.raises(ValueError, match=r"R: expected a rotation matrix .*det = -1"):
        matrix_to_euler(-torch.eye(3))
    with pytest.raises(ValueError, match=r"R: expected an orthogonal matrix"):
        matrix_to_quaternion(torch.ones(3, 3))
    with pytest.raises(ValueError, match=r"R: .*shape"):
        matrix_to_axis_angle(torch.eye(2))
    with pytest.raises(ValueError, match=r"q: expected a unit quaternion .*\| \|q\| - 1 \| = 1"):
        quaternion_to_matrix(torch.tensor([2.0, 0.0, 0.0, 0.0]))
    with pytest.raises(ValueError, match=r"q: .*shape \[\.\.\., 4\], got shape \[3\]"):
        quaternion_to_matrix(torch.tensor([1.0, 0.0, 0.0]))
    with pytest.raises(ValueError, match=r"axis: expected a nonzero vector"):
        axis_angle_to_matrix(torch.zeros(3), torch.tensor(1.0))
    with pytest.raises(ValueError, match=r"axis: .*shape \[\.\.\., 3\]"):
        axis_angle_to_matrix(torch.ones(2), torch.tensor(1.0))
    with pytest.raises(ValueError, match=r"angle: expected a shape broadcastable to \[4\]"):
        axis_angle_to_matrix(torch.ones(4, 3), torch.ones(5))
    with pytest.raises(ValueError, match=r"alpha, beta, gamma: expected broadcastable shapes"):
        euler_to_matrix(torch.zeros(2), torch.zeros(3), 0.0)
    with pytest.raises(ValueError, match=r"beta: expected a float32 or float64 tensor"):
        euler_to_matrix(0.0, torch.tensor(1), 0.0)
