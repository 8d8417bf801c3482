"""The "qm9-energy" recipe: its sets are what their names say (disjoint, in and out of distribution, the test set
fixed), it trains end to end on tiny settings and loads back to the same predictions, with no fluorine reference."""
import numpy as np
import pytest
import torch

from airtools import zoo
from airtools.models import SchNet
from airtools.zoo.qm9 import MAX_TRAIN_HEAVY, N_TEST, qm9_energy_sets, qm9_predictions

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def sets():
    return qm9_energy_sets(200)


def test_sets_are_disjoint_and_in_or_out_of_distribution_as_named(sets):
    data, names = sets.dataset, sets.names
    everything = np.concatenate(list(names.values()))
    assert len(np.unique(everything)) == len(everything), "a molecule is in two sets"
    heavy, fluorine = data.n_heavy, data.element_counts[:, 9]
    for name in ("train", "test"):
        assert heavy[names[name]].max() <= MAX_TRAIN_HEAVY and fluorine[names[name]].sum() == 0
    assert (heavy[sets.size] > MAX_TRAIN_HEAVY).all() and fluorine[sets.size].sum() == 0
    assert (heavy[sets.composition] <= MAX_TRAIN_HEAVY).all() and (fluorine[sets.composition] > 0).all()
    assert (heavy[sets.both] > MAX_TRAIN_HEAVY).all() and (fluorine[sets.both] > 0).all()
    assert len(sets.train) == 200 and len(sets.test) == len(sets.size) == N_TEST
    # the targets are atomization energies: negative, a few eV per atom
    per_atom = data.energy[everything].double() / torch.tensor([len(data.z[i]) for i in everything])
    assert (per_atom < -3).all() and (per_atom > -6).all()


def test_the_test_set_does_not_depend_on_the_training_size(sets):
    other = qm9_energy_sets(300)
    assert np.array_equal(other.test, sets.test) and np.array_equal(other.train[:200], sets.train)
    with pytest.raises(ValueError, match="n_train: expected 1.."):
        qm9_energy_sets(10**6)


def test_qm9_energy_trains_and_loads_to_the_same_predictions(sets):
    recipe = zoo.get("qm9-energy")
    trained = recipe.train(n_train=64, n_epochs=1)
    loaded = recipe.load(train=False, n_train=64, n_epochs=1)
    extra = torch.load(recipe.path(n_train=64, n_epochs=1), weights_only=True)["extra"]
    assert isinstance(loaded, SchNet) and extra["n_train"] == 64 and extra["test_mae"] > 0
    p1, target = qm9_predictions(trained, sets.dataset, sets.test[:20])
    p2, _ = qm9_predictions(loaded, sets.dataset, sets.test[:20])
    assert np.array_equal(p1, p2) and np.all(np.isfinite(p1))
    assert float(loaded.readout.atom_ref[9]) == 0.0 and float(loaded.readout.atom_ref[6]) != 0.0  # no F in training
