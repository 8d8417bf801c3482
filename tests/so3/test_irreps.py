"""Wigner-D is a real orthogonal representation, D^1 = R, spherical harmonics rotate with it; O(3) via parity."""
import pytest
import torch
from e3nn import o3

from airtools.so3 import L_MAX, random_rotation, spherical_harmonics, vector_to_l1, wigner_D, xyz_to_e3nn

TOL = {torch.float32: 1e-4, torch.float64: 1e-6}
DTYPES = [torch.float32, torch.float64]


def _rotations(n, dtype, seed):
    return random_rotation(n, dtype=dtype, generator=torch.Generator().manual_seed(seed))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("l", range(5))
def test_wigner_D_is_an_orthogonal_homomorphism(l, dtype):
    R1, R2 = _rotations(2, dtype, l)
    D1, D2 = wigner_D(l, R1), wigner_D(l, R2)
    assert D1.shape == (2 * l + 1, 2 * l + 1) and D1.dtype == dtype
    assert (wigner_D(l, R1 @ R2) - D1 @ D2).abs().max() < TOL[dtype]
    assert (D1 @ D1.T - torch.eye(2 * l + 1, dtype=dtype)).abs().max() < TOL[dtype]
    assert (wigner_D(l, torch.eye(3, dtype=dtype)) - torch.eye(2 * l + 1, dtype=dtype)).abs().max() < TOL[dtype]


def test_wigner_D_float64_is_accurate_to_machine_precision():
    # e3nn alone builds its generators in the default dtype (float32): that would give errors ~ 1e-7 here
    default = torch.get_default_dtype()
    R1, R2 = _rotations(2, torch.float64, 10)
    for l in (3, L_MAX):
        assert (wigner_D(l, R1 @ R2) - wigner_D(l, R1) @ wigner_D(l, R2)).abs().max() < 1e-12
    assert torch.get_default_dtype() == default  # wigner_D's temporary default dtype was restored


@pytest.mark.parametrize("dtype", DTYPES)
def test_wigner_D_l1_is_R_in_e3nn_basis(dtype):
    R = _rotations(6, dtype, 11)
    D = wigner_D(1, R)
    P = xyz_to_e3nn.to(dtype)
    assert D.shape == (6, 3, 3)
    assert (D - P @ R @ P.T).abs().max() < TOL[dtype]
    assert (D - R).abs().max() < TOL[dtype]  # e3nn >= 0.2: P is the identity
    assert (D - o3.Irrep("1o").D_from_matrix(R)).abs().max() < 1e-5


def test_xyz_to_e3nn_is_the_l1_harmonic_basis():
    P = xyz_to_e3nn
    assert torch.equal(P @ P.T, torch.eye(3, dtype=P.dtype)) and set(P.flatten().tolist()) == {0.0, 1.0}
    v = torch.randn(5, 3, dtype=torch.float64, generator=torch.Generator().manual_seed(12))
    Y1 = spherical_harmonics(1, v, normalize=False, normalization="norm")
    assert (vector_to_l1(v) - Y1).abs().max() < 1e-12


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("l", range(5))
def test_spherical_harmonics_rotate_with_wigner_D(l, dtype):
    R = _rotations(1, dtype, 20 + l)[0]
    x = torch.randn(10, 3, dtype=dtype, generator=torch.Generator().manual_seed(l))
    Y = spherical_harmonics(l, x)
    assert Y.shape == (10, 2 * l + 1) and Y.dtype == dtype
    assert (spherical_harmonics(l, x @ R.T) - Y @ wigner_D(l, R).T).abs().max() < TOL[dtype]


def test_spherical_harmonics_normalisations():
    x = torch.randn(7, 3, dtype=torch.float64, generator=torch.Generator().manual_seed(30))
    for l in range(5):
        expected = torch.full((7,), 2.0 * l + 1, dtype=torch.float64)
        assert torch.allclose(spherical_harmonics(l, x).pow(2).sum(-1), expected)
        unit = spherical_harmonics(l, x, normalization="norm").norm(dim=-1)
        assert torch.allclose(unit, torch.ones(7, dtype=torch.float64))


@pytest.mark.parametrize("l", range(5))
def test_parity_under_inversion_and_reflection(l):
    minus_I = -torch.eye(3, dtype=torch.float64)
    I_l = torch.eye(2 * l + 1, dtype=torch.float64)
    assert torch.allclose(wigner_D(l, minus_I, parity=-1), -I_l)
    assert torch.allclose(wigner_D(l, minus_I, parity=1), I_l)
    # a mirror M (det -1): Y^l has parity (-1)^l, so Y(M x) = D(M, parity=(-1)^l) Y(x)
    M = _rotations(1, torch.float64, 40 + l)[0] @ torch.diag(torch.tensor([1.0, 1.0, -1.0], dtype=torch.float64))
    x = torch.randn(10, 3, dtype=torch.float64, generator=torch.Generator().manual_seed(41))
    D = wigner_D(l, M, parity=(-1) ** l)
    assert (spherical_harmonics(l, x @ M.T) - spherical_harmonics(l, x) @ D.T).abs().max() < 1e-10
    assert torch.allclose(wigner_D(1, M, parity=-1), M)  # a polar vector is (l=1, parity=-1)


@pytest.mark.parametrize("l", [-1, 1.5, 2.0, L_MAX + 1, "2", True, None])
def test_bad_degree_raises(l):
    with pytest.raises(ValueError, match=r"l: expected an integer 0 <= l <= 10"):
        wigner_D(l, torch.eye(3))
    with pytest.raises(ValueError, match=r"l: expected an integer 0 <= l <= 10"):
        spherical_harmonics(l, torch.ones(3))


def test_bad_inputs_raise_naming_the_argument():
    with pytest.raises(ValueError, match=r"R: expected an orthogonal matrix of shape \[\.\.\., 3, 3\], got shape \[2"):
        wigner_D(1, torch.eye(2))
    with pytest.raises(ValueError, match=r"R: expected an orthogonal matrix.*R R\^T - I"):
        wigner_D(1, 2 * torch.eye(3))
    with pytest.raises(ValueError, match=r"parity: expected \+1 or -1, got 0"):
        wigner_D(1, torch.eye(3), parity=0)
    with pytest.raises(ValueError, match=r"xyz: expected nonzero vectors when normalize=True"):
        spherical_harmonics(2, torch.tensor([[1.0, 0.0, 0.0], [0.0, 0.0, 0.0]]))
    assert spherical_harmonics(2, torch.zeros(3), normalize=False).abs().max() == 0  # fine without normalising
    with pytest.raises(ValueError, match=r"xyz: expected points of shape \[\.\.\., 3\], got shape \[4\]"):
        spherical_harmonics(1, torch.ones(4))
    with pytest.raises(ValueError, match=r"normalization: expected 'component', 'norm' or 'integral'"):
        spherical_harmonics(1, torch.ones(3), normalization="unit")
    with pytest.raises(ValueError, match=r"v: expected vectors of shape \[\.\.\., 3\]"):
        vector_to_l1(torch.ones(2))
