"""The "qm9-energy-ensemble" recipe: its calibration molecules are in distribution and unseen, it stores what it
says (members' predictions per set, a conformal q that reproduces the calibration coverage), and loads back."""
import numpy as np
import pytest

from airtools import zoo
from airtools.uq import EnergyEnsemble, conformal_rank
from airtools.zoo.qm9 import MAX_TRAIN_HEAVY, qm9_energy_sets
from airtools.zoo.qm9_ensemble import SETS, conformal_interval, ensemble_record, qm9_calibration

pytestmark = pytest.mark.usefixtures("one_torch_thread")
TINY = dict(n_members=2, n_cal=60, n_train=64, n_epochs=1)


def test_calibration_molecules_are_in_distribution_and_never_trained_or_tested_on():
    sets = qm9_energy_sets(300)
    cal = qm9_calibration(200, n_train=300)
    data = sets.dataset
    assert len(np.unique(cal)) == 200
    assert data.n_heavy[cal].max() <= MAX_TRAIN_HEAVY and data.element_counts[cal, 9].sum() == 0
    assert len(np.intersect1d(cal, np.concatenate([sets.train, sets.test]))) == 0
    assert np.array_equal(cal, qm9_calibration(200, n_train=300))  # fixed by its seed
    with pytest.raises(ValueError, match="n_cal: expected 1.."):
        qm9_calibration(10**6)


def test_interval_is_the_mean_plus_minus_q_times_the_floored_spread():
    lo, hi = conformal_interval(np.array([-10.0, -20.0]), np.array([0.5, 0.0]), q=2.0, floor=0.01)
    np.testing.assert_allclose(lo, [-11.0, -20.02])
    np.testing.assert_allclose(hi, [-9.0, -19.98])


def test_the_recipe_trains_stores_its_sets_and_loads_back():
    recipe = zoo.get("qm9-energy-ensemble")
    recipe.path(**TINY).unlink(missing_ok=True)  # a reused test cache (AIRTOOLS_TEST_CACHE) starts without it
    with pytest.raises(ValueError, match="not trained yet"):
        ensemble_record(**TINY)
    assert recipe.load(train=False, **TINY) is None
    trained = recipe.train(**TINY)
    loaded = recipe.load(train=False, **TINY)
    assert isinstance(loaded, EnergyEnsemble) and loaded.config.n_members == 2
    record = ensemble_record(**TINY)
    sets = qm9_energy_sets(64)
    assert set(record["sets"]) == {"calibration", *SETS}
    for name in SETS:
        assert np.array_equal(record["sets"][name]["index"].numpy(), sets.names[name])
        assert record["sets"][name]["members"].shape == (2, len(sets.names[name]))
    # the stored members' predictions are the loaded ensemble's
    s = record["sets"]["test"]
    z, pos = sets.dataset.z[int(s["index"][0])], sets.dataset.pos[int(s["index"][0])]
    np.testing.assert_allclose(loaded(z, pos).detach().double().numpy()[:, 0], s["members"][:, 0].numpy(), atol=1e-4)
    np.testing.assert_array_equal(trained(z, pos).detach().numpy(), loaded(z, pos).detach().numpy())
    # q is the k-th smallest calibration score: exactly k of the 60 calibration molecules lie inside
    cal = record["sets"]["calibration"]
    m, y = cal["members"].numpy(), cal["target"].numpy()
    lo, hi = conformal_interval(m.mean(0), m.std(0), record["q"], record["floor"])
    inside = int(((lo <= y) & (y <= hi)).sum())
    assert inside >= conformal_rank(60, record["alpha"]) and record["q"] > 0
