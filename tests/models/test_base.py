"""The shared parts of the zoo: registry, config handling, energy reference, forces wrapper, dipoles."""
import pytest
import torch

from airtools.graph import batch_molecules
from airtools.data import fit_atom_references
from airtools.models import MODELS, SchNet, SchNetConfig, dipole_moment, energy_and_forces

from airtools.testing import make_molecule


def test_registry_models_construct_with_no_arguments_and_share_the_call():
    z, pos, batch = batch_molecules([make_molecule(5, seed=1), make_molecule(7, seed=2)])
    for name in ("schnet", "egnn", "painn", "mlp"):  # TFN's no-argument build is in its mixin test
        torch.manual_seed(0)
        assert MODELS[name]()(z, pos.float(), batch).shape == (2,)
    assert set(MODELS) == {"schnet", "egnn", "painn", "tfn", "mlp"}


def test_config_dataclass_and_keyword_overrides():
    model = SchNet(SchNetConfig(hidden=8), n_interactions=1)
    assert model.config.hidden == 8 and len(model.interactions) == 1
    with pytest.raises(ValueError, match=r"unknown setting\(s\) \['hiden'\]"):
        SchNet(hiden=8)
    with pytest.raises(ValueError, match="config: expected a SchNetConfig"):
        SchNet({"hidden": 8})


def test_forces_with_create_graph_train_and_work_under_no_grad():
    torch.manual_seed(0)
    model = SchNet(hidden=8).double()
    z, pos = make_molecule(5, seed=3)
    energy, forces = energy_and_forces(model, z, pos, create_graph=True)
    (forces**2).sum().backward()  # a force loss reaches the parameters
    assert model.embedding.embedding.weight.grad.abs().sum() > 0
    with torch.no_grad():
        energy_ng, forces_ng = energy_and_forces(model, z, pos)
    torch.testing.assert_close(forces_ng, forces.detach())
    assert not energy_ng.requires_grad and not pos.requires_grad


def test_fit_atom_references_recovers_per_element_energies():
    g = torch.Generator().manual_seed(4)
    true = {1: -0.5, 6: -37.8, 8: -75.0}
    sizes = torch.randint(2, 9, (20,), generator=g)
    zs = [torch.tensor([1, 6, 8])[torch.randint(3, (int(n),), generator=g)] for n in sizes]
    energies = torch.stack([sum(torch.tensor(true[int(a)], dtype=torch.float64) for a in z) for z in zs])
    table = fit_atom_references(zs, energies, max_z=10)
    torch.testing.assert_close(table[[1, 6, 8]], torch.tensor([-0.5, -37.8, -75.0], dtype=torch.float64))
    assert table[[2, 7, 10]].abs().max() == 0
    model = SchNet(max_z=10).set_energy_reference(table, scale=0.1, shift=0.0)
    assert model.readout.atom_ref[8] == torch.tensor(-75.0) and model.readout.scale == torch.tensor(0.1)
    with pytest.raises(ValueError, match="atom_ref: unknown element 11"):
        model.set_energy_reference({11: 1.0})
    with pytest.raises(ValueError, match=r"energies: expected shape \[20\]"):
        fit_atom_references(zs, energies[:3])


def test_dipole_moment_is_independent_of_the_origin():
    g = torch.Generator().manual_seed(5)
    q, pos = torch.randn(6, generator=g), torch.randn(6, 3, generator=g)
    batch = torch.tensor([0, 0, 0, 1, 1, 1])
    mu = dipole_moment(q, pos, batch)
    torch.testing.assert_close(dipole_moment(q, pos + torch.tensor([5.0, -1.0, 2.0]), batch), mu)
    assert mu.shape == (2, 3)
