import math

import pytest
import torch
from torch import nn

from airtools.nn import (
    AtomEmbedding,
    BesselBasis,
    CosineCutoff,
    GaussianBasis,
    PolynomialCutoff,
    RadialEmbedding,
    ShiftedSoftplus,
    mlp,
)


def test_gaussian_basis_peaks_at_its_centres():
    basis = GaussianBasis(6, 5.0).double()
    e = basis(basis.mu)  # [6, 6]: Gaussian k evaluated at centre l
    torch.testing.assert_close(torch.diagonal(e), torch.ones(6, dtype=torch.float64))
    assert (e.argmax(dim=1) == torch.arange(6)).all()
    assert e.dtype == torch.float64


def test_bessel_basis_is_orthonormal_on_the_ball():
    """int_0^rc e_k(r) e_l(r) r^2 dr = delta_kl (trapezoid rule on a fine grid)."""
    r_cut = 4.0
    r = torch.linspace(1e-6, r_cut, 20001, dtype=torch.float64)
    e = BesselBasis(5, r_cut).double()(r)  # [n_r, 5]
    gram = torch.trapezoid(e[:, :, None] * e[:, None, :] * r[:, None, None] ** 2, r, dim=0)
    torch.testing.assert_close(gram, torch.eye(5, dtype=torch.float64), rtol=0, atol=1e-6)


def test_bessel_basis_trainable_frequencies_are_parameters():
    assert [name for name, _ in BesselBasis(4, 5.0, trainable=True).named_parameters()] == ["freq"]
    assert list(BesselBasis(4, 5.0).parameters()) == []


@pytest.mark.parametrize("cutoff, smooth_derivatives", [(CosineCutoff(3.0), 1), (PolynomialCutoff(3.0, p=6), 2)])
def test_cutoffs_are_one_at_zero_zero_beyond_and_smooth_at_r_cut(cutoff, smooth_derivatives):
    r = torch.tensor([0.0, 3.0, 3.5, 10.0], dtype=torch.float64)
    torch.testing.assert_close(cutoff(r), torch.tensor([1.0, 0, 0, 0], dtype=torch.float64))
    grid = torch.linspace(0, 3.0, 50, dtype=torch.float64)
    assert (cutoff(grid).diff() <= 1e-15).all()  # decreasing
    x = torch.tensor(3.0 - 1e-9, dtype=torch.float64, requires_grad=True)  # just inside r_cut
    y = cutoff(x)
    for order in range(1, smooth_derivatives + 1):
        (y,) = torch.autograd.grad(y, x, create_graph=True)
        assert abs(y.item()) < 1e-6, f"derivative {order} at r_cut is {y.item()}"


def test_radial_embedding_vanishes_at_cutoff_and_validates_names():
    e = RadialEmbedding(8, 5.0)(torch.tensor([0.5, 4.999999, 5.0, 7.0]))
    assert e.shape == (4, 8) and e[2:].abs().max() == 0 and e[1].abs().max() < 1e-6
    assert RadialEmbedding(8, 5.0, basis="gaussian", cutoff="cosine")(torch.tensor([1.0])).shape == (1, 8)
    with pytest.raises(ValueError, match="basis: expected one of"):
        RadialEmbedding(8, 5.0, basis="fourier")
    with pytest.raises(ValueError, match="cutoff: expected one of"):
        RadialEmbedding(8, 5.0, cutoff="hard")


def test_atom_embedding_accepts_known_elements_and_names_unknown_ones():
    emb = AtomEmbedding(max_z=10, dim=3)
    assert emb(torch.tensor([1, 10])).shape == (2, 3)
    for z in (0, 11, -1):
        with pytest.raises(ValueError, match=f"z: unknown element {z} "):
            emb(torch.tensor([1, z]))


def test_mlp_and_shifted_softplus():
    net = mlp([3, 5, 2], nn.Tanh, last_act=True)
    assert [type(m) for m in net] == [nn.Linear, nn.Tanh, nn.Linear, nn.Tanh]
    assert net(torch.zeros(4, 3)).shape == (4, 2)
    with pytest.raises(ValueError, match="sizes"):
        mlp([3])
    x = torch.tensor([0.0, 1.0, -2.0])
    torch.testing.assert_close(ShiftedSoftplus()(x), torch.log(1 + torch.exp(x)) - math.log(2))
