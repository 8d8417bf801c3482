"""Equivariance tests and exercise checkers, shared by the test suite, the lessons and the dashboards.

``assert_equivariant`` is the one helper every model test calls; the ``check_*`` functions are what a lesson's
exercise cell calls: they print one "✅ ..." line or raise ``AssertionError`` saying in plain words what is wrong.
The symmetry checkers live here; the checkers of the other tracks live beside the code they exercise and are
re-exported here (loaded on first use, so importing this module does not import PySCF).

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

# track checkers: name -> module that defines it
_TRACK_CHECKERS = {
    "check_hydrogen_local_energy": "airtools.quantum._exercises",
    "check_density_from_dm": "airtools.quantum.dft_exercises",
    "check_fd_laplacian": "airtools.pde._exercises",
    "check_spectral_conv": "airtools.models._operator_exercises",
    "check_relative_l2": "airtools.models._operator_exercises",
    "check_advection_diffusion_residual": "airtools.models._pde_exercises",
    "check_rotation_equivariant_operator": "airtools.models._pde_exercises",
    "check_interaction_energy": "airtools.data._interaction_exercises",
    "check_dihedral": "airtools.data._protein_exercises",
    "check_invariant_edge_feature": "airtools.data._protein_exercises",
    "check_wrap_positions": "airtools.data._crystal_exercises",
    "check_images_per_axis": "airtools.data._crystal_exercises",
}

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
__all__ += list(_TRACK_CHECKERS)


def __getattr__(name):
    if name in _TRACK_CHECKERS:
        from importlib import import_module

        return getattr(import_module(_TRACK_CHECKERS[name]), name)
    raise AttributeError(f"module 'airtools.testing' has no attribute {name!r}")
