"""Denoisers: the EGNN is E(3)- and permutation-equivariant to round-off, the baseline only permutation-equivariant."""
import pytest
import torch

from airtools.generative import EGNNDenoiser, GNNDenoiser, center_of_mass
from airtools.testing import assert_equivariant, transformation_errors

N_TYPES = 5  # QM9: H, C, N, O, F


def _inputs(n=6, seed=0):
    g = torch.Generator().manual_seed(seed)
    h = torch.randn(n, N_TYPES, dtype=torch.float64, generator=g)
    return h, 2 * torch.randn(n, 3, dtype=torch.float64, generator=g)


def _one_molecule(denoiser, t=0.4):
    """``(h, pos) -> (eps_h, eps_pos)`` for one molecule at time t, the form assert_equivariant calls."""
    return lambda h, pos: denoiser(h, pos, torch.tensor([t], dtype=torch.float64), None)


def _denoiser(cls, **kwargs):
    torch.manual_seed(0)
    return cls(N_TYPES, n_layers=3, **kwargs).double()


def test_egnn_denoiser_is_e3_and_permutation_equivariant_to_round_off():
    errors = assert_equivariant(_one_molecule(_denoiser(EGNNDenoiser)), [None, "cartesian_points"],
                                [None, "cartesian_vectors"], inputs=list(_inputs()), translation=True,
                                permutation=True, generator=torch.Generator().manual_seed(1))
    assert set(errors) == {"rotation", "reflection", "translation", "permutation"}
    assert max(errors.values()) < 1e-12  # float64 round-off


def test_baseline_is_permutation_equivariant_but_not_rotation_equivariant():
    errors = transformation_errors(_one_molecule(_denoiser(GNNDenoiser)), [None, "cartesian_points"],
                                   [None, "cartesian_vectors"], inputs=list(_inputs()), permutation=True,
                                   generator=torch.Generator().manual_seed(1))
    assert errors["permutation"] < 1e-12
    assert errors["rotation"] > 0.1 and errors["reflection"] > 0.1  # order one: the symmetry is not built in


@pytest.mark.parametrize("cls", [EGNNDenoiser, GNNDenoiser])
def test_a_batch_equals_its_molecules_one_by_one_and_eps_pos_has_zero_com(cls):
    denoiser = _denoiser(cls)
    (h1, pos1), (h2, pos2) = _inputs(4, seed=2), _inputs(7, seed=3)
    t = torch.tensor([0.2, 0.9], dtype=torch.float64)
    batch = torch.tensor([0] * 4 + [1] * 7)
    eps_h, eps_pos = denoiser(torch.cat([h1, h2]), torch.cat([pos1, pos2]), t, batch)
    one_h, one_pos = denoiser(h1, pos1, t[:1], None)
    two_h, two_pos = denoiser(h2, pos2, t[1:], None)
    assert torch.allclose(eps_h, torch.cat([one_h, two_h]), atol=1e-12, rtol=0)
    assert torch.allclose(eps_pos, torch.cat([one_pos, two_pos]), atol=1e-12, rtol=0)
    assert center_of_mass(eps_pos, batch).abs().max() < 1e-14


@pytest.mark.parametrize("cls", [EGNNDenoiser, GNNDenoiser])
def test_the_time_is_an_input(cls):
    denoiser = _denoiser(cls)
    h, pos = _inputs()
    a, b = denoiser(h, pos, 0.1, None), denoiser(h, pos, 0.9, None)
    assert (a[0] - b[0]).abs().max() > 1e-6 and (a[1] - b[1]).abs().max() > 1e-9


def test_default_sizes_have_similar_parameter_counts():
    n_egnn = sum(p.numel() for p in EGNNDenoiser(N_TYPES).parameters())
    n_gnn = sum(p.numel() for p in GNNDenoiser(N_TYPES).parameters())
    assert abs(n_gnn - n_egnn) / n_egnn < 0.05, (n_egnn, n_gnn)


@pytest.mark.parametrize("cls", [EGNNDenoiser, GNNDenoiser])
def test_bad_input_says_what_is_wrong(cls):
    denoiser = cls(N_TYPES, hidden=8, n_layers=1)
    h, pos = torch.zeros(3, N_TYPES), torch.randn(3, 3)
    with pytest.raises(ValueError, match=r"h: expected shape \[3, 5\]"):
        denoiser(h[:, :2], pos, 0.5, None)
    with pytest.raises(ValueError, match=r"t: expected one time per molecule, shape \[2\]"):
        denoiser(h, pos, torch.ones(3), torch.tensor([0, 0, 1]))
    with pytest.raises(ValueError, match="n_layers: expected a positive int"):
        cls(N_TYPES, n_layers=0)
