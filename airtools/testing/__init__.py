"""Equivariance tests and exercise checkers, shared by the test suite, the lessons and the dashboards.

``assert_equivariant`` is the one helper every model test calls; the ``check_*`` functions are what a lesson's
exercise cell calls: they print one "✅ ..." line or raise ``AssertionError`` saying in plain words what is wrong.

>>> import torch, airtools.testing as T
>>> T.equivariance_error(lambda pos: pos - pos.mean(0), "cartesian_points", "cartesian_points",
...                      generator=torch.Generator().manual_seed(0)) < 1e-12
True
"""
from ._equivariance import assert_equivariant, equivariance_error, transformation_errors
from ._exercises import (
    check_clebsch_gordan,
    check_device,
    check_equivariant_vector,
    check_invariant,
    check_rotation_matrix,
    check_spherical_harmonics,
    check_wigner_D,
)

__all__ = [
    "assert_equivariant",
    "equivariance_error",
    "transformation_errors",
    "check_invariant",
    "check_equivariant_vector",
    "check_rotation_matrix",
    "check_wigner_D",
    "check_spherical_harmonics",
    "check_clebsch_gordan",
    "check_device",
]
