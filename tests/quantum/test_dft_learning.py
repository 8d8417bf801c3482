"""Equivariant Fock-matrix model of water: irreps bookkeeping, equivariance against PySCF's AO rotation, learning."""
import torch

from airtools.quantum import ao_wigner_D, make_mol
from airtools.quantum.dft_learning import (FOCK_IRREPS, FockModel, MLPBaseline, fit, fock_to_irreps,
                                           irreps_to_fock, water_dft_dataset)
from airtools.so3 import random_rotation
from airtools.testing import assert_equivariant, equivariance_error


def _R(seed):
    return random_rotation(dtype=torch.float64, generator=torch.Generator().manual_seed(seed))


def test_fock_irreps_round_trip_and_transform():
    torch.manual_seed(0)
    F = torch.randn(7, 7, dtype=torch.float64)
    F = F + F.T
    assert torch.allclose(irreps_to_fock(fock_to_irreps(F)), F)
    # an AO matrix rotated with PySCF-order Wigner-D has irreps coefficients rotated by FOCK_IRREPS' D
    R = _R(1)
    D = torch.from_numpy(ao_wigner_D(make_mol("water", "sto-3g"), R.numpy()))
    assert torch.allclose(fock_to_irreps(D @ F @ D.T), FOCK_IRREPS.D_from_matrix(R) @ fock_to_irreps(F), atol=1e-12)


def test_fock_model_is_equivariant():
    torch.manual_seed(0)
    model = FockModel().double()
    model.std.fill_(1.7)
    pos = torch.tensor([[0.0, 0.0, 0.12], [0.0, 0.76, -0.48], [0.05, -0.77, -0.46]], dtype=torch.float64)
    assert_equivariant(model, "cartesian_points", str(FOCK_IRREPS), inputs=(pos,), tolerance=1e-10)
    R = _R(2)
    D = torch.from_numpy(ao_wigner_D(make_mol("water", "sto-3g"), R.numpy()))
    F, F_R = irreps_to_fock(model(pos)), irreps_to_fock(model(pos @ R.T))
    assert (F_R - D @ F @ D.T).abs().max() < 1e-12
    # the plain MLP is not
    assert equivariance_error(MLPBaseline().double(), "cartesian_points", str(FOCK_IRREPS), inputs=(pos,)) > 1e-2


def test_fock_model_learns_and_keeps_error_under_rotation():
    data = water_dft_dataset(80)  # the lesson-07 set: shares its cache
    pos, c = data["pos"], fock_to_irreps(data["fock"])
    model = FockModel().double()
    fit(model, pos[:30], c[:30], n_epochs=400, lr=1e-2)
    R = random_rotation(10, dtype=torch.float64, generator=torch.Generator().manual_seed(3))
    with torch.no_grad():
        rmse = (model(pos[30:40]) - c[30:40]).pow(2).mean().sqrt()
        rmse_R = (model(pos[30:40] @ R.transpose(-1, -2))
                  - (FOCK_IRREPS.D_from_matrix(R) @ c[30:40, :, None])[..., 0]).pow(2).mean().sqrt()
    spread = (c[30:40] - c[:30].mean(0)).pow(2).mean().sqrt()
    assert rmse < 0.2 * spread, (rmse, spread)
    assert abs(rmse_R - rmse) < 1e-5, (rmse, rmse_R)
