"""EnergyEnsemble: the members' energies as gathered, their per-atom energies adding up member by member and on
average, one checkpoint that loads back to the same predictions, and clear errors for what is not an ensemble."""
import pytest
import torch

from airtools.graph import batch_molecules
from airtools.models import PaiNN, SchNet
from airtools.train import load_checkpoint, save_checkpoint
from airtools.uq import EnergyEnsemble, ensemble_predict

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def _members(k=3):
    models = []
    for seed in range(k):
        torch.manual_seed(seed)
        models.append(SchNet(hidden=8, n_interactions=2).set_energy_reference({1: -1.0, 6: -5.0, 8: -4.0}, scale=0.3))
    return models


def _molecules():
    g = torch.Generator().manual_seed(0)
    return batch_molecules([(torch.tensor([6, 1, 1, 1, 1]), torch.randn(5, 3, generator=g)),
                            (torch.tensor([8, 1, 1]), torch.randn(3, 3, generator=g))])


def test_prediction_is_the_members_mean_and_spread():
    models = _members()
    ens = EnergyEnsemble.from_models(models)
    z, pos, batch = _molecules()
    p, q = ens.predict(z, pos, batch), ensemble_predict(models, z, pos, batch)
    torch.testing.assert_close(p.samples, q.samples)
    torch.testing.assert_close(p.mean, q.mean)
    torch.testing.assert_close(p.std, q.std)
    assert p.mean.shape == (2,) and bool((p.std > 0).all())


def test_per_atom_energies_add_up_to_each_member_and_to_the_mean():
    ens = EnergyEnsemble.from_models(_members())
    z, pos, batch = _molecules()
    e_i = ens.atom_energies(z, pos, batch).detach()  # [3, 8]
    energies = ens(z, pos, batch).detach()  # [3, 2]
    sums = torch.stack([torch.zeros(2).index_add(0, batch, row) for row in e_i])
    torch.testing.assert_close(sums, energies, atol=1e-5, rtol=0)
    mean = e_i.mean(0)
    torch.testing.assert_close(torch.zeros(2).index_add(0, batch, mean), ens.predict(z, pos, batch).mean,
                               atol=1e-5, rtol=0)


def test_one_checkpoint_loads_back_to_the_same_predictions(tmp_path):
    ens = EnergyEnsemble.from_models(_members())
    z, pos, batch = _molecules()
    path = save_checkpoint(tmp_path / "ensemble.pt", ens)
    again = load_checkpoint(path)
    assert type(again) is EnergyEnsemble and again.config.n_members == 3
    torch.testing.assert_close(again(z, pos, batch), ens(z, pos, batch), atol=0, rtol=0)


def test_what_is_not_an_ensemble_is_refused():
    with pytest.raises(ValueError, match="two or more energy models"):
        EnergyEnsemble.from_models(_members(1))
    with pytest.raises(ValueError, match="one class and config"):
        EnergyEnsemble.from_models([SchNet(hidden=8), PaiNN(hidden=8)])
    with pytest.raises(ValueError, match="energy model of airtools.models"):
        EnergyEnsemble(EnergyEnsemble.from_models(_members()).config.__class__(model="FNO"))
