"""Each symmetry checker passes a right learner function (one "✅" line, a ``Passed``) and says in plain words what
is wrong with a wrong one."""
import re

import numpy as np
import pytest
import torch
from e3nn import o3

from airtools import default_device
from airtools.so3 import clebsch_gordan, random_rotation, spherical_harmonics, wigner_D
from airtools.exercises import (
    check_clebsch_gordan,
    check_device,
    check_equivariant_vector,
    check_invariant,
    check_rotation_matrix,
    check_spherical_harmonics,
    check_wigner_D,
)


def signed_volume(pos):
    return torch.linalg.det(pos[:3] - pos[3])


# --- check_invariant -------------------------------------------------------------------------------------------

def test_invariant_passes_sorted_distances_and_prints_one_line(accepts):
    torch.manual_seed(0)
    errors = accepts(check_invariant(lambda pos: torch.pdist(pos).sort().values),
                     "your feature is invariant under rotation, reflection, translation")
    assert set(errors) == {"rotation", "reflection", "translation", "permutation"}
    assert max(errors.values()) < 1e-12


def test_invariant_under_rotation_but_not_reflection_is_said_so():
    torch.manual_seed(0)
    with pytest.raises(AssertionError) as info:
        check_invariant(signed_volume, permutation=False)
    message = str(info.value)
    assert message.startswith("invariant under rotation and translation but not under reflection: "
                              "mirroring the points changed your feature by 2 (relative to its size).")
    assert "pseudoscalar like a signed volume" in message
    assert check_invariant(signed_volume, permutation=False, reflection=False)["rotation"] < 1e-12


def test_raw_coordinates_fail_everything_with_a_hint():
    torch.manual_seed(0)
    with pytest.raises(AssertionError, match=r"^not invariant under rotation, reflection, translation and "
                                             r"permutation: rotating the points changed your feature by .*raw "):
        check_invariant(lambda pos: pos.sum(dim=1))


def test_per_atom_features_are_told_to_pool_over_atoms():
    torch.manual_seed(0)
    with pytest.raises(AssertionError, match=r"^invariant under rotation, reflection and translation but not under "
                                             r"permutation: reordering the atoms .*rows follow the atoms"):
        check_invariant(lambda pos: torch.cdist(pos, pos).sum(dim=1))
    with pytest.raises(AssertionError, match=r"not under permutation: .*Hint: it depends on the order of the atoms"):
        check_invariant(torch.pdist)


def test_invariant_uses_the_given_positions():
    pos = torch.tensor([[0.0, 0, 0], [1, 0, 0], [0, 1, 0], [0, 0, 1]])
    errors = check_invariant(lambda pos: torch.pdist(pos).sum(), pos)
    assert max(errors.values()) < 1e-5  # float32 points, float32 round-off
    with pytest.raises(ValueError, match=r"pos: expected float points of shape \[n, 3\]"):
        check_invariant(lambda pos: pos, torch.zeros(4, 2))


# --- check_equivariant_vector ----------------------------------------------------------------------------------

def test_vectors_pass_for_centred_positions_and_cross_products_as_pseudovectors(accepts):
    torch.manual_seed(0)
    assert max(accepts(check_equivariant_vector(lambda pos: pos - pos.mean(0))).values()) < 1e-12
    cross = lambda pos: torch.linalg.cross(pos[0] - pos[2], pos[1] - pos[2])  # noqa: E731
    assert max(accepts(check_equivariant_vector(cross, pseudo=True), "your pseudovectors transform correctly")
               .values()) < 1e-12
    with pytest.raises(AssertionError, match=r"under a mirror your vectors should flip.*off by 2; they behave like "
                                             r"pseudovectors: pass pseudo=True"):
        check_equivariant_vector(cross)


def test_vectors_with_the_wrong_shape_are_named():
    torch.manual_seed(0)
    with pytest.raises(AssertionError, match=r"^your function returned shape \[6\] when called as fn\(pos\) with pos "
                                             r"of shape \[6, 3\], but a \[\.\.\., 3\] tensor of 3-vectors"):
        check_equivariant_vector(lambda pos: pos.norm(dim=1))


def test_vectors_that_do_not_turn_or_that_move_with_a_shift_are_explained():
    torch.manual_seed(0)
    fixed = lambda pos: torch.pdist(pos).sum() * torch.ones(3, dtype=pos.dtype)  # noqa: E731
    with pytest.raises(AssertionError, match=r"do not rotate with the points: .* \(they stay the same: your "
                                             r"output is invariant"):
        check_equivariant_vector(fixed)
    with pytest.raises(AssertionError, match=r"^shifting all points changed your vectors by"):
        check_equivariant_vector(lambda pos: pos.mean(0))


# --- check_rotation_matrix -------------------------------------------------------------------------------------

def test_rotation_matrix_passes_a_rotation_in_any_array_form(accepts):
    R = random_rotation(dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    errors = accepts(check_rotation_matrix(R.numpy()), "R is a rotation: R^T R = I to ")
    assert errors["orthogonality"] < 1e-14 and errors["det"] == pytest.approx(1.0)
    accepts(check_rotation_matrix(R.float().tolist()))


@pytest.mark.parametrize("R, message", [
    (2 * np.eye(3), r"your R is not orthogonal: R\^T R differs from the identity by 3.*lengths are 2, 2, 2"),
    (np.diag([1.0, -1.0, 1.0]), r"your R is orthogonal but det R = -1: it is a reflection"),
    (np.ones(3), r"your R has shape \[3\] but a \[3, 3\] matrix was expected"),
    (np.full((3, 3), np.nan), r"NaN"),
    ("a rotation", r"your R is a str"),
])
def test_rotation_matrix_names_what_fails(R, message):
    with pytest.raises(AssertionError, match=message):
        check_rotation_matrix(R)


# --- check_wigner_D --------------------------------------------------------------------------------------------

def test_wigner_D_passes_the_library_one(accepts):
    errors = accepts(check_wigner_D(wigner_D, l_max=3), "your Wigner-D matrices are right for l = 0..3")
    assert errors["homomorphism"] < 1e-12 and errors["reference"] == 0.0


def test_wigner_D_transposed_is_caught():
    with pytest.raises(AssertionError, match=r"^your D reverses the order for l=1: D\(R1 R2\) = D\(R2\) D\(R1\).*D.T"):
        check_wigner_D(lambda l, R: wigner_D(l, R).T)


def test_wigner_D_not_a_homomorphism_is_caught():
    squared = lambda l, R: wigner_D(l, R) ** 2  # noqa: E731  (l=0 is still right)
    with pytest.raises(AssertionError, match=r"^your D is not a homomorphism: D\(R1R2\) != D\(R1\)D\(R2\) by "
                                             r"[0-9.]+ for l=1$"):
        check_wigner_D(squared)


def test_wigner_D_in_another_basis_or_shape_is_caught():
    P = torch.eye(3, dtype=torch.float64)[[1, 2, 0]]
    other_basis = lambda l, R: P @ wigner_D(l, R) @ P.T if l == 1 else wigner_D(l, R)  # noqa: E731
    with pytest.raises(AssertionError, match=r"^your D is a representation .* differs from e3nn's Wigner-D by "
                                             r"[0-9.]+ for l=1"):
        check_wigner_D(other_basis)
    with pytest.raises(AssertionError, match=r"^your function returned shape \[3, 3\] when called as fn\(0, R\), but "
                                             r"\[1, 1\] was expected \(2l\+1 = 1 for l = 0\)$"):
        check_wigner_D(lambda l, R: R)


# --- check_spherical_harmonics ---------------------------------------------------------------------------------

def test_spherical_harmonics_pass_the_library_ones(accepts):
    errors = check_spherical_harmonics(lambda l, xyz: o3.spherical_harmonics(l, xyz, True, normalization="component"))
    assert max(accepts(errors, "your spherical harmonics are right for l = 0..3").values()) < 1e-12


def test_spherical_harmonics_in_the_wrong_order_are_caught():
    yzx = lambda l, xyz: spherical_harmonics(l, xyz)[..., [1, 2, 0]] if l == 1 else spherical_harmonics(l, xyz)  # noqa
    with pytest.raises(AssertionError, match=r"^for l=1 your components are in \(y, z, x\) order but e3nn's are in "
                                             r"\(x, y, z\) order$"):
        check_spherical_harmonics(yzx)


def test_spherical_harmonics_with_another_normalisation_or_not_equivariant_are_caught():
    integral = lambda l, xyz: spherical_harmonics(l, xyz, normalization="integral")  # noqa: E731
    with pytest.raises(AssertionError, match=r"^for l=0 your harmonics point the right way but are 0.282 times"):
        check_spherical_harmonics(integral)
    squares = lambda l, xyz: spherical_harmonics(l, xyz) if l != 2 else spherical_harmonics(2, xyz**2)  # noqa: E731
    not_equivariant = r"^your Y is not equivariant: Y\(R x\) != D\(R\) Y\(x\) by [0-9.]+ for l=2"
    with pytest.raises(AssertionError, match=not_equivariant):
        check_spherical_harmonics(squares)


# --- check_clebsch_gordan --------------------------------------------------------------------------------------

def test_clebsch_gordan_passes_any_normalisation(accepts):
    assert accepts(check_clebsch_gordan(clebsch_gordan))["equivariance"] < 1e-6  # float32 coefficients
    scaled = check_clebsch_gordan(lambda *ls: 2.5 * o3.wigner_3j(*ls, dtype=torch.float64))
    assert accepts(scaled, "for all 19 triples with l1, l2 <= 2")["equivariance"] < 1e-12


def test_clebsch_gordan_in_the_wrong_basis_zero_or_wrong_shape_is_caught():
    def wrong_basis(l1, l2, l3):  # the l2 = 1 index read in another order
        C = o3.wigner_3j(l1, l2, l3, dtype=torch.float64)
        return C[:, [2, 0, 1]] if l2 == 1 else C

    with pytest.raises(AssertionError, match=r"^coupling with your coefficients is not equivariant for "
                                             r"\(l1, l2, l3\) = \(0, 1, 1\): rotating both inputs changes C by"):
        check_clebsch_gordan(wrong_basis)
    with pytest.raises(AssertionError, match=r"\(0, 0, 0\) are all zero"):
        check_clebsch_gordan(lambda l1, l2, l3: torch.zeros(2 * l1 + 1, 2 * l2 + 1, 2 * l3 + 1))
    with pytest.raises(AssertionError, match=r"^your function returned shape \[3, 3, 1\] when called as fn\(0, 1, 1\), "
                                             r"but \[1, 3, 3\] was expected"):
        check_clebsch_gordan(lambda l1, l2, l3: o3.wigner_3j(l1, l2, l3).transpose(0, 2))


# --- check_device ----------------------------------------------------------------------------------------------

def test_device_passes_the_right_choice_and_fails_the_other(accepts):
    right = default_device()
    assert accepts(check_device(right), f"device '{right}' is right")["gpu"] == (right == "cuda")
    assert accepts(check_device(torch.device(right)))["n_gpus"] == torch.cuda.device_count()
    wrong = "cpu" if right == "cuda" else "cuda"
    with pytest.raises(AssertionError, match=f"you chose '{wrong}' but"):
        check_device(wrong)
    with pytest.raises(AssertionError, match="'gpu' is not a device name torch knows"):
        check_device("gpu")


# --- every checker reports the learner's exception -------------------------------------------------------------

def _broken(*args):
    raise KeyError("oops")


@pytest.mark.parametrize("checker, call", [
    (check_invariant, "fn(pos) with pos of shape [6, 3]"),
    (check_equivariant_vector, "fn(pos) with pos of shape [6, 3]"),
    (check_wigner_D, "fn(0, R)"),
    (check_spherical_harmonics, "fn(0, xyz) with xyz of shape [10, 3]"),
    (check_clebsch_gordan, "fn(0, 0, 0)"),
])
def test_checkers_report_the_learners_exception(checker, call):
    expected = re.escape(f"your function raised KeyError when called as {call}: 'oops'")
    with pytest.raises(AssertionError, match=f"^{expected}$"):
        checker(_broken)


def test_mixed_dtypes_get_a_hint():
    with pytest.raises(AssertionError, match=r"raised RuntimeError .* \(it mixes float32 and float64"):
        check_invariant(lambda pos: pos @ torch.eye(3, dtype=torch.float32))
