"""Exercise checkers: a lesson's exercise cell calls one on the learner's answer.

Every checker has one convention: when the answer is right it prints one short "✅ ..." line and returns a
:class:`Passed` (a dict of what it measured); when it is wrong it raises ``AssertionError`` whose text says in
plain words what is wrong (which symmetry breaks, by how much, which shape or sign was expected, what the
learner's function raised) and, where it can tell, what to change.

One module per topic: ``symmetry`` (lessons 00–04), ``wavefunctions`` (05), ``dft`` (06), ``proteins`` (10, 24),
``crystals`` (11), ``interactions`` (12), ``pde_solvers`` (13), ``operators`` (14), ``pinns`` (15, 16),
``explain`` (17), ``ood`` (18), ``uq`` (19), ``language_models`` (20), ``generative`` (21-23), ``docking`` (24).

What they share (calling the learner's function, reading its output, passing) is in ``_common``; ``__all__``
lists the checkers only, and a test holds each of them to this convention.

>>> from airtools.exercises import check_rotation_matrix
>>> result = check_rotation_matrix([[0, -1, 0], [1, 0, 0], [0, 0, 1]])
✅ R is a rotation: R^T R = I to 0.0e+00 and det R = 1.000000
>>> result["orthogonality"], type(result).__name__
(0.0, 'Passed')
"""
from ._common import Passed
from .crystals import check_images_per_axis, check_wrap_positions
from .dft import check_density_from_dm
from .docking import check_docking_rmsd
from .explain import check_integrated_gradients, check_rank_correlation
from .generative import (check_coverage_matching, check_forward_noising, check_kabsch_rmsd,
                         check_wrapped_normal_score, check_zero_com)
from .interactions import check_interaction_energy
from .language_models import check_next_token_loss
from .ood import check_ood_score, check_rotate_batch
from .operators import check_relative_l2, check_spectral_conv
from .pde_solvers import check_fd_laplacian
from .pinns import check_advection_diffusion_residual, check_rotation_equivariant_operator
from .proteins import check_dihedral, check_invariant_edge_feature, check_sequence_recovery
from .symmetry import (check_clebsch_gordan, check_device, check_equivariant_vector, check_invariant,
                       check_rotation_matrix, check_spherical_harmonics, check_wigner_D)
from .uq import check_conformal_quantile
from .wavefunctions import check_hydrogen_local_energy

__all__ = ["check_invariant", "check_equivariant_vector", "check_rotation_matrix", "check_wigner_D",
           "check_spherical_harmonics", "check_clebsch_gordan", "check_device", "check_hydrogen_local_energy",
           "check_density_from_dm", "check_dihedral", "check_invariant_edge_feature", "check_sequence_recovery",
           "check_wrap_positions",
           "check_images_per_axis", "check_interaction_energy", "check_fd_laplacian", "check_spectral_conv",
           "check_relative_l2", "check_advection_diffusion_residual", "check_rotation_equivariant_operator",
           "check_integrated_gradients", "check_rank_correlation", "check_rotate_batch", "check_ood_score",
           "check_conformal_quantile", "check_next_token_loss",
           "check_forward_noising", "check_zero_com", "check_kabsch_rmsd", "check_coverage_matching",
           "check_wrapped_normal_score", "check_docking_rmsd"]
