"""Each registered recipe trains end to end (tiny settings), saves a checkpoint that loads back to the same
predictions, and puts what it measured in the checkpoint."""
import numpy as np
import pytest
import torch

from airtools import pde, zoo
from airtools.data import bulk_crystal, get_molecule, load_chain, secondary_structure_dataset
from airtools.models import FNO, ResidueGNN, SchNet, energy_and_forces, model_energies
from airtools.zoo.protein_design import design_sequence
from airtools.zoo.proteins import predict_secondary_structure

pytestmark = pytest.mark.usefixtures("one_torch_thread")  # tiny models


def _train_then_load(name, **settings):
    recipe = zoo.get(name)
    trained = recipe.train(**settings)
    loaded = recipe.load(train=False, **settings)
    payload = torch.load(recipe.path(**settings), weights_only=True)
    assert payload["extra"]["recipe"] == name and payload["extra"]["version"] == recipe.version
    return trained, loaded, payload["extra"]


def test_molecule_energy_predicts_total_energies_of_its_molecule():
    trained, loaded, extra = _train_then_load("molecule-energy", molecule="water", n_conformers=8, n_epochs=2)
    water = get_molecule("water")
    z, pos = torch.as_tensor(water.numbers), torch.as_tensor(water.positions, dtype=torch.float32)
    e1, f1 = energy_and_forces(trained, z, pos)
    e2, f2 = energy_and_forces(loaded, z, pos)
    assert isinstance(loaded, SchNet) and torch.equal(e1, e2) and torch.equal(f1, f2)
    assert abs(float(e1) / -2041.0 - 1) < 0.01  # total energies in eV (atom references in the readout), not ~0
    assert extra["n_conformers"] == 8 and extra["seconds"] > 0
    assert zoo.molecule_model("water", n_conformers=8, n_epochs=2, train=False) is not None


def test_crystal_energy_loads_to_the_same_energies():
    trained, loaded, extra = _train_then_load("crystal-energy", n_structures=16, n_epochs=2)
    cells = [bulk_crystal("Ni"), bulk_crystal("Cu", "bcc", repeat=(2, 1, 1))]
    assert np.array_equal(model_energies(trained, cells), model_energies(loaded, cells))
    assert loaded.config.r_cut == zoo.crystals.R_CUT and extra["n_structures"] == 16


def test_secondary_structure_loads_to_the_same_predictions():
    trained, loaded, extra = _train_then_load("secondary-structure", n_epochs=1)
    sample = secondary_structure_dataset("test")[0]
    assert isinstance(loaded, ResidueGNN)
    assert predict_secondary_structure(loaded, sample) == predict_secondary_structure(trained, sample)
    assert len(extra["loss"]) == 1 and 0 < extra["test_accuracy"] < 1


def test_inverse_folding_loads_to_the_same_designs():
    trained, loaded, extra = _train_then_load("inverse-folding", n_epochs=1)
    backbone = load_chain("1ahsA").backbone
    assert isinstance(loaded, ResidueGNN) and loaded.config.n_classes == 20
    assert design_sequence(loaded, backbone) == design_sequence(trained, backbone)
    assert len(extra["loss"]) == 1 and 0 < extra["test_recovery"] < 1 and 0 < extra["composition_baseline"] < 1


def test_burgers_heat_fno_loads_to_the_same_operator():
    trained, loaded, extra = _train_then_load("burgers-heat-fno", n_samples=16, n_epochs=1)
    a, _ = pde.operator_training_data(2, seed=5)
    assert isinstance(loaded, FNO) and torch.equal(trained(a), loaded(a))
    assert extra["times"] == pde.OPERATOR_TIMES.tolist() and extra["n_train"] == pde.N_TRAIN
    out = pde.compare_with_operator("burgers", 1.0, 1, 2, 0.05, 64, loaded)
    assert out["operator"].shape == out["solver"].shape == (11, 64) and np.isfinite(out["rel_error"])
