"""random_rotation is Haar-uniform on SO(3); check_rotation rejects what is not a rotation, naming the argument."""
import pytest
import torch

from airtools.so3 import check_rotation, random_rotation

TOL = {torch.float32: 1e-5, torch.float64: 1e-12}


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("n", [None, 7])
def test_random_rotation_is_proper_rotation(dtype, n):
    R = random_rotation(n, dtype=dtype, generator=torch.Generator().manual_seed(0))
    assert R.shape == ((3, 3) if n is None else (n, 3, 3)) and R.dtype == dtype
    I = torch.eye(3, dtype=dtype)
    assert (R @ R.transpose(-1, -2) - I).abs().max() < TOL[dtype]
    assert (torch.linalg.det(R) - 1).abs().max() < TOL[dtype]
    assert check_rotation(R) is R


def test_random_rotation_reproducible_with_generator():
    R1 = random_rotation(5, generator=torch.Generator().manual_seed(3))
    R2 = random_rotation(5, generator=torch.Generator().manual_seed(3))
    R3 = random_rotation(5, generator=torch.Generator().manual_seed(4))
    assert torch.equal(R1, R2)
    assert (R1 - R3).abs().max() > 0.1


def test_random_rotation_follows_dtype_and_device():
    torch.manual_seed(0)
    assert random_rotation(dtype=torch.float64).dtype == torch.float64
    R = random_rotation(2, device="meta")  # a device other than the default, without needing a GPU
    assert R.device.type == "meta" and R.shape == (2, 3, 3)


def test_random_rotation_is_haar_uniform():
    R = random_rotation(2000, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    # Haar: E[R] = 0 and E[R_ij^2] = 1/3 (std of the sample means ~ 0.013 and ~ 0.007)
    assert R.mean(0).abs().max() < 0.06
    assert (R.pow(2).mean(0) - 1 / 3).abs().max() < 0.04
    # tr R = 1 + 2 cos(angle), angle density (1 - cos)/pi: E[tr R] = 0, E[(tr R)^2] = 1.
    # Uniform Euler angles or a uniform angle would fail the second moment.
    tr = R.diagonal(dim1=-2, dim2=-1).sum(-1)
    assert abs(tr.mean().item()) < 0.07
    assert abs(tr.pow(2).mean().item() - 1) < 0.1


@pytest.mark.parametrize(
    "R, match",
    [
        (-torch.eye(3), r"R: expected a rotation matrix \(orthogonal, det \+1\).*got det = -1"),
        (torch.diag(torch.tensor([1.0, 1.0, -1.0])), r"R: .*det = -1"),
        (2 * torch.eye(3), r"R: expected an orthogonal matrix.*R R\^T - I"),
        (torch.full((3, 3), float("nan")), r"R: expected an orthogonal matrix"),
        (torch.eye(4), r"R: .*shape \[\.\.\., 3, 3\], got shape \[4, 4\]"),
        (torch.ones(3), r"R: .*got shape \[3\]"),
        (torch.eye(3, dtype=torch.int64), r"R: expected a float32 or float64 tensor"),
    ],
)
def test_check_rotation_rejects_non_rotations(R, match):
    with pytest.raises(ValueError, match=match):
        check_rotation(R)


def test_check_rotation_names_the_argument_and_checks_every_batch_entry():
    R = random_rotation(4, dtype=torch.float64, generator=torch.Generator().manual_seed(2))
    R[2] = -R[2]
    with pytest.raises(ValueError, match=r"my_matrix: .*det = -1"):
        check_rotation(R, name="my_matrix")
    check_rotation(torch.eye(3) + 1e-7)  # within atol


def test_random_rotation_bad_arguments():
    with pytest.raises(ValueError, match="n: expected None or a non-negative int"):
        random_rotation(-1)
    with pytest.raises(ValueError, match="dtype: expected torch.float32 or torch.float64"):
        random_rotation(dtype=torch.int32)
