"""Every model of airtools.models round-trips through a checkpoint by its config alone: rebuilt as
``cls(config=...)``, same settings, same predictions; writes are atomic."""
import pytest
import torch

from airtools.data import secondary_structure_dataset
from airtools.models import (EGNN, FNO, GFNO, MLP, PINN, TFN, DeepONet, PaiNN, ResidueGNN, SchNet,
                             energy_and_forces, merge_config)
from airtools.testing import make_molecule
from airtools.train import load_checkpoint, save_checkpoint

pytestmark = pytest.mark.usefixtures("one_torch_thread")
z, pos = make_molecule(6, seed=0)
pos = pos.float()


def _energy(model):
    return energy_and_forces(model, z, pos)[1]


CASES = {  # model -> (small settings, a function of the model that must come back identical)
    SchNet: (dict(hidden=8, n_filters=8, n_interactions=1), _energy),
    EGNN: (dict(hidden=8, n_layers=1), _energy),
    PaiNN: (dict(hidden=8, n_layers=1), _energy),
    TFN: (dict(irreps_hidden="4x0e + 2x1o", l_max=1, n_layers=1, radial_hidden=4), _energy),
    MLP: (dict(max_atoms=8, hidden=8), _energy),
    FNO: (dict(modes=4, width=8, n_layers=1, projection=8), lambda m: m(torch.ones(2, 16, 1))),
    GFNO: (dict(modes=3, width=4, n_layers=1, projection=4), lambda m: m(torch.ones(1, 8, 8, 1))),
    DeepONet: (dict(branch_sizes=[5, 8], trunk_sizes=[1, 8], activation="tanh"),
               lambda m: m(torch.ones(2, 5), torch.linspace(0, 1, 3)[:, None])),
    PINN: (dict(hidden=4, n_layers=2, lower=(-1.0, 0.0), upper=(1.0, 2.0)),
           lambda m: m(torch.linspace(-1, 1, 5), torch.ones(5))),
    ResidueGNN: (dict(hidden=8, n_layers=1, residue_type=True),
                 lambda m: m(*m.inputs_of(secondary_structure_dataset("test")[0]))),
}


@pytest.mark.parametrize("cls", list(CASES), ids=lambda c: c.__name__)
def test_every_model_round_trips_through_its_config(cls, tmp_path):
    settings, output = CASES[cls]
    torch.manual_seed(0)
    model = cls(**settings).eval()
    path = save_checkpoint(tmp_path / f"{cls.__name__}.pt", model, extra={"note": "x"})
    again = load_checkpoint(path)
    assert type(again) is cls and again.config == model.config and not again.training
    with torch.no_grad():
        assert torch.equal(output(again), output(model))
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temporary file left behind
    assert torch.load(path, weights_only=True)["extra"] == {"note": "x"}


def test_settings_are_merged_one_way_for_every_model():
    """Keyword settings override the config; an unknown one names the model and lists the known ones."""
    for cls, (settings, _) in CASES.items():
        model = cls(**settings)
        assert model.config == merge_config(type(model.config), None, settings)
        with pytest.raises(ValueError, match=rf"{cls.__name__}: unknown setting\(s\) \['no_such_setting'\]"):
            cls(no_such_setting=1)
