r"""Symmetry core: rotations, their irreducible representations, and how irreps couple (thin over ``e3nn.o3``).

Conventions (all e3nn's): Euler angles are Y-X-Y, :math:`R = R_y(\alpha) R_x(\beta) R_y(\gamma)`;
quaternions are :math:`(w, x, y, z)`; Wigner-D matrices and spherical harmonics use e3nn's real basis, in
which :math:`D^1(R) = R` and :math:`Y^1(x) \propto (x, y, z)` (``xyz_to_e3nn`` is the identity);
spherical harmonics default to "component" normalisation, :math:`\lVert Y^l(\hat x) \rVert^2 = 2l + 1`;
coupling coefficients are ``wigner_3j`` with :math:`\lVert C \rVert_F = 1`. Degrees go up to ``L_MAX = 10``.

>>> import torch
>>> from airtools import so3
>>> R = so3.random_rotation(dtype=torch.float64, generator=torch.Generator().manual_seed(0))
>>> x = torch.tensor([0.3, -1.2, 0.5], dtype=torch.float64)
>>> torch.allclose(so3.spherical_harmonics(2, R @ x), so3.wigner_D(2, R) @ so3.spherical_harmonics(2, x))
True
"""
from ._conversions import (
    axis_angle_to_matrix,
    euler_to_matrix,
    matrix_to_axis_angle,
    matrix_to_euler,
    matrix_to_quaternion,
    quaternion_to_matrix,
)
from ._coupling import clebsch_gordan, decompose, tensor_product_blocks
from ._grid import sphere_grid
from ._irreps import L_MAX, spherical_harmonics, vector_to_l1, wigner_D, xyz_to_e3nn
from ._rotations import check_rotation, random_rotation

__all__ = [
    "L_MAX",
    "random_rotation",
    "check_rotation",
    "euler_to_matrix",
    "matrix_to_euler",
    "axis_angle_to_matrix",
    "matrix_to_axis_angle",
    "quaternion_to_matrix",
    "matrix_to_quaternion",
    "wigner_D",
    "spherical_harmonics",
    "xyz_to_e3nn",
    "vector_to_l1",
    "decompose",
    "clebsch_gordan",
    "tensor_product_blocks",
    "sphere_grid",
]
