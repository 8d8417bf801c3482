"""assert_equivariant passes on equivariant functions and modules and fails, naming the transformation, otherwise."""
import re

import pytest
import torch
from e3nn import o3

from airtools.testing import assert_equivariant, equivariance_error, transformation_errors


def _gen(seed=0):
    return torch.Generator().manual_seed(seed)


def triple_product(pos):
    """Signed volume of the first three points: rotation-invariant, flips sign under a mirror.  -> [1]"""
    return torch.linalg.det(pos[:3]).reshape(1)


def radial_features(pos):
    """Per-atom sum of exp(-distance) over the other atoms: invariant, per-atom.  [n, 3] -> [n, 1]"""
    d = torch.cdist(pos, pos)
    return (torch.exp(-d).sum(dim=1, keepdim=True) - 1)


def test_spherical_harmonics_are_equivariant():
    sh = lambda pos: o3.spherical_harmonics([0, 1, 2, 3], pos, normalize=True)  # noqa: E731
    errors = assert_equivariant(sh, "cartesian_points", "0e + 1o + 2e + 3o", generator=_gen())
    assert set(errors) == {"rotation", "reflection"}
    assert max(errors.values()) < 1e-12  # the reference is float64, so the error is round-off


def test_pairwise_distance_features_pass_every_transformation():
    errors = assert_equivariant(radial_features, "cartesian_points", "0e", translation=True, permutation=True,
                                generator=_gen(1))
    assert set(errors) == {"rotation", "reflection", "translation", "permutation"}
    assert max(errors.values()) < 1e-12


def test_scalar_output_of_shape_empty_is_accepted_for_0e():
    energy = lambda pos: torch.pdist(pos).pow(-1).sum()  # noqa: E731
    assert equivariance_error(energy, "cartesian_points", "0e", translation=True, permutation=True,
                              generator=_gen(2)) < 1e-12


@pytest.mark.parametrize("dtype, tolerance", [(torch.float32, 1e-5), (torch.float64, 1e-7)])
def test_e3nn_linear_and_tensor_product_modules_pass(dtype, tolerance):
    torch.manual_seed(0)
    linear = o3.Linear("2x0e + 1o + 2e", "0e + 2x1o + 2e").to(dtype)
    tp = o3.FullyConnectedTensorProduct("0e + 1o", "1o + 2e", "0e + 1o + 1e + 2e").to(dtype)
    assert equivariance_error(linear, "2x0e + 1o + 2e", "0e + 2x1o + 2e", generator=_gen(3)) < tolerance
    errors = assert_equivariant(tp, ["0e + 1o", "1o + 2e"], "0e + 1o + 1e + 2e", generator=_gen(4))
    assert max(errors.values()) < tolerance


def test_squares_fail_and_the_message_carries_the_error():
    square = lambda x: x**2  # noqa: E731
    errors = transformation_errors(square, "1o", "1o", generator=_gen(5))
    assert errors["rotation"] > 0.1
    with pytest.raises(AssertionError, match="not equivariant under rotation and reflection") as info:
        assert_equivariant(square, "1o", "1o", generator=_gen(5))
    measured = float(re.search(r"relative error ([0-9.e+-]+)", str(info.value)).group(1))
    assert measured == pytest.approx(max(errors.values()), rel=1e-2)  # printed with 3 digits


def test_mlp_on_raw_coordinates_fails():
    torch.manual_seed(0)
    mlp = torch.nn.Sequential(torch.nn.Linear(3, 16), torch.nn.SiLU(), torch.nn.Linear(16, 3)).double()
    errors = transformation_errors(mlp, "cartesian_points", "cartesian_vectors", generator=_gen(6))
    assert errors["rotation"] > 0.1
    with pytest.raises(AssertionError, match="rotation"):
        assert_equivariant(mlp, "cartesian_points", "cartesian_vectors", generator=_gen(6))


def test_signed_volume_is_invariant_under_rotation_but_not_reflection():
    errors = transformation_errors(triple_product, "cartesian_points", "0e", generator=_gen(7))
    assert errors["rotation"] < 1e-12
    assert errors["reflection"] == pytest.approx(2.0)  # f(-x) = -f(x): relative error |2f| / |f|
    with pytest.raises(AssertionError, match=r"under reflection: relative error 2 "):
        assert_equivariant(triple_product, "cartesian_points", "0e", generator=_gen(7))
    assert equivariance_error(triple_product, "cartesian_points", "0o", generator=_gen(7)) < 1e-12  # pseudoscalar


def test_translation_of_positions_is_detected():
    distance_to_origin = lambda pos: pos.norm(dim=1, keepdim=True)  # noqa: E731
    errors = transformation_errors(distance_to_origin, "cartesian_points", "0e", translation=True, generator=_gen(8))
    assert errors["rotation"] < 1e-12 and errors["translation"] > 0.1
    with pytest.raises(AssertionError, match="not equivariant under translation: relative error"):
        assert_equivariant(distance_to_origin, "cartesian_points", "0e", translation=True, generator=_gen(8))
    centred = lambda pos: pos - pos.mean(0)  # noqa: E731
    assert equivariance_error(centred, "cartesian_points", "cartesian_vectors", translation=True, permutation=True,
                              generator=_gen(8)) < 1e-12
    # a position output moves with the input
    assert equivariance_error(lambda pos: pos.mean(0), "cartesian_points", "cartesian_points", translation=True,
                              generator=_gen(8)) < 1e-12


def test_permutation_is_detected():
    from_first_atom = lambda pos: (pos - pos[0]).norm(dim=1, keepdim=True)  # noqa: E731
    errors = transformation_errors(from_first_atom, "cartesian_points", "0e", permutation=True, generator=_gen(9))
    assert errors["rotation"] < 1e-12 and errors["permutation"] > 0.1
    with pytest.raises(AssertionError, match="not equivariant under permutation"):
        assert_equivariant(from_first_atom, "cartesian_points", "0e", permutation=True, generator=_gen(9))


def test_several_arguments_explicit_inputs_and_untransformed_atomic_numbers():
    def model(pos, z):  # per-atom vector: sum over neighbours of z_j * (r_j - r_i) * exp(-|r_ij|)
        rij = pos[None, :, :] - pos[:, None, :]  # [n, n, 3]
        w = z[None, :, None] * torch.exp(-rij.norm(dim=-1, keepdim=True))
        return (w * rij).sum(dim=1)

    pos = torch.randn(4, 3, dtype=torch.float64, generator=_gen(10))
    z = torch.tensor([1, 6, 8, 1])
    errors = assert_equivariant(model, ["cartesian_points", None], "cartesian_vectors", inputs=[pos, z],
                                translation=True, permutation=True, generator=_gen(10))
    assert max(errors.values()) < 1e-12
    cross = lambda pos: torch.linalg.cross(pos[0], pos[1])  # noqa: E731
    assert equivariance_error(cross, "cartesian_points", "cartesian_pseudovectors", generator=_gen(11)) < 1e-12
    assert transformation_errors(cross, "cartesian_points", "cartesian_vectors", generator=_gen(11))["reflection"] > 1


def test_generator_makes_it_reproducible():
    square = lambda x: x**2  # noqa: E731
    first = transformation_errors(square, "1o + 2e", "1o + 2e", generator=_gen(12))
    assert transformation_errors(square, "1o + 2e", "1o + 2e", generator=_gen(12)) == first
    assert transformation_errors(square, "1o + 2e", "1o + 2e", generator=_gen(13)) != first


@pytest.mark.parametrize("kwargs, message", [
    (dict(irreps_in="2x1q"), r"irreps_in: expected an irreps like '2x0e \+ 1o'.*got '2x1q'"),
    (dict(irreps_in=["1o", "banana"]), r"irreps_in\[1\]: expected an irreps"),
    (dict(inputs=torch.zeros(5, 4)), r"inputs\[0\]: expected shape \[..., 3\] for 1x1o, got \[5, 4\]"),
    (dict(inputs=[torch.zeros(5, 3)] * 2), r"inputs: expected 1 argument\(s\)"),
    (dict(irreps_out="2e"), r"irreps_out: output 0 has shape \[5, 3\] but 1x2e needs shape \[..., 5\]"),
    (dict(translation=True), r"translation=True: no argument is 'cartesian_points'"),
    (dict(irreps_in=["1o", None]), r"irreps_in: argument 1 is None, so pass inputs="),
    (dict(n_trials=0), r"n_trials: expected a positive int"),
])
def test_bad_arguments_raise_value_error(kwargs, message):
    call = dict(irreps_in="1o", irreps_out="1o", generator=_gen(14)) | kwargs
    with pytest.raises(ValueError, match=message):
        transformation_errors(lambda x, *rest: x, **call)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a GPU")
def test_module_on_gpu_is_tested_on_its_own_device():
    torch.manual_seed(0)
    linear = o3.Linear("0e + 1o", "1o + 2x0e").to("cuda")
    assert equivariance_error(linear, "0e + 1o", "1o + 2x0e", generator=_gen(15)) < 1e-5
