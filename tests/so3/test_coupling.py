"""Coupling coefficients are invariant, couple two irreps into D^l3, and together form an orthogonal basis change."""
import pytest
import torch

from airtools.so3 import clebsch_gordan, decompose, random_rotation, tensor_product_blocks, wigner_D

PAIRS = [(l1, l2) for l1 in range(3) for l2 in range(3)]


def test_decompose_follows_the_triangle_rule():
    assert decompose(1, 1) == [0, 1, 2]
    assert decompose(2, 0) == [2] and decompose(1, 3) == [2, 3, 4]
    for l1, l2 in PAIRS:
        assert sum(2 * l3 + 1 for l3 in decompose(l1, l2)) == (2 * l1 + 1) * (2 * l2 + 1)


@pytest.mark.parametrize("l1, l2", PAIRS)
def test_clebsch_gordan_is_invariant(l1, l2):
    R = random_rotation(dtype=torch.float64, generator=torch.Generator().manual_seed(10 * l1 + l2))
    for l3 in decompose(l1, l2):
        C = clebsch_gordan(l1, l2, l3, dtype=torch.float64)
        assert C.shape == (2 * l1 + 1, 2 * l2 + 1, 2 * l3 + 1)
        CDDD = torch.einsum("ijk,il,jm,kn->lmn", C, wigner_D(l1, R), wigner_D(l2, R), wigner_D(l3, R))
        assert (CDDD - C).abs().max() < 1e-10
        assert abs(C.norm().item() - 1) < 1e-12  # e3nn's normalisation


@pytest.mark.parametrize("dtype, tol", [(torch.float32, 1e-4), (torch.float64, 1e-10)])
@pytest.mark.parametrize("l1, l2", PAIRS)
def test_coupled_product_transforms_as_D_l3(l1, l2, dtype, tol):
    g = torch.Generator().manual_seed(100 + 10 * l1 + l2)
    R = random_rotation(dtype=dtype, generator=g)
    x, y = torch.randn(2 * l1 + 1, dtype=dtype, generator=g), torch.randn(2 * l2 + 1, dtype=dtype, generator=g)
    for l3, C in tensor_product_blocks(l1, l2, dtype=dtype).items():
        assert C.dtype == dtype

        def z(a, b):
            return torch.einsum("ijk,i,j->k", C, a, b)

        assert (z(wigner_D(l1, R) @ x, wigner_D(l2, R) @ y) - wigner_D(l3, R) @ z(x, y)).abs().max() < tol


@pytest.mark.parametrize("l1, l2", PAIRS)
def test_blocks_form_an_orthogonal_change_of_basis(l1, l2):
    # stacking sqrt(2 l3 + 1) C^(l3) over l3 gives an orthogonal [(2l1+1)(2l2+1)]^2 matrix:
    # the blocks lose nothing and repeat nothing
    blocks = tensor_product_blocks(l1, l2, dtype=torch.float64)
    assert list(blocks) == decompose(l1, l2)
    Q = torch.cat([(2 * l3 + 1) ** 0.5 * C.flatten(0, 1) for l3, C in blocks.items()], dim=1)
    assert (Q.T @ Q - torch.eye(Q.shape[1], dtype=torch.float64)).abs().max() < 1e-10


def test_bad_degrees_raise_naming_the_argument():
    triangle = r"l3: expected \|l1 - l2\| <= l3 <= l1 \+ l2 \(triangle rule, here 0\.\.2\), got 3"
    with pytest.raises(ValueError, match=triangle):
        clebsch_gordan(1, 1, 3)
    with pytest.raises(ValueError, match=r"l1: expected an integer 0 <= l1 <= 10, got -1"):
        clebsch_gordan(-1, 1, 1)
    with pytest.raises(ValueError, match=r"l2: expected an integer 0 <= l2 <= 10, got 0\.5"):
        decompose(1, 0.5)
    with pytest.raises(ValueError, match=r"l2: expected an integer 0 <= l2 <= 10, got 11"):
        tensor_product_blocks(0, 11)
