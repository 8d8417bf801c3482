"""The model-randomisation test: re-initialised copies, Spearman's rho, and the check telling a trained model
from a random one (and failing an 'explanation' that ignores the learned weights)."""
import numpy as np
import pytest
import torch
from scipy import stats

from airtools.explain import atom_contributions, randomisation_check, randomise_model, rank_correlation
from airtools.graph import batch_molecules, radius_graph, scatter_sum
from airtools.models import SchNet
from airtools.testing import make_molecule


def test_randomise_model_redraws_parameters_keeps_buffers_and_the_original():
    torch.manual_seed(0)
    model = SchNet(hidden=8).set_energy_reference({1: -13.6, 6: -1030.0}, scale=0.3)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    state = torch.get_rng_state()
    new = randomise_model(model, seed=1)
    assert torch.equal(state, torch.get_rng_state())  # global random state untouched
    assert all(torch.equal(v, model.state_dict()[k]) for k, v in before.items())  # original untouched
    params = dict(model.named_parameters())
    assert all(not torch.equal(p, params[k]) for k, p in new.named_parameters()), "every parameter re-drawn"
    assert all(torch.equal(b, dict(model.named_buffers())[k]) for k, b in new.named_buffers())
    again, other = randomise_model(model, seed=1), randomise_model(model, seed=2)
    assert all(torch.equal(p, q) for p, q in zip(new.parameters(), again.parameters()))
    assert not any(torch.equal(p, q) for p, q in zip(new.parameters(), other.parameters()))


def test_randomise_model_can_redraw_chosen_layers_only():
    model = SchNet(hidden=8)
    new = randomise_model(model, modules=["interactions.2", "head"])
    changed = {k.split(".")[0] + ("." + k.split(".")[1] if k.startswith("interactions") else "")
               for k, p in new.named_parameters() if not torch.equal(p, model.get_parameter(k))}
    assert changed == {"interactions.2", "head"}
    with pytest.raises(ValueError, match=r"modules: \['decoder'\] not in the model"):
        randomise_model(model, modules=["decoder"])


def test_rank_correlation_matches_scipy_and_known_values():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=50), rng.normal(size=50)
    assert rank_correlation(a, b) == pytest.approx(stats.spearmanr(a, b).statistic, abs=1e-15)
    assert rank_correlation(a, np.exp(a)) == pytest.approx(1.0, abs=1e-15)
    assert rank_correlation(a, -a**3) == pytest.approx(-1.0, abs=1e-15)
    assert rank_correlation([1, 2, 2, 3], [1, 2, 3, 4]) == pytest.approx(0.9486832980505138)  # a tie: average ranks
    with pytest.raises(ValueError, match="constant"):
        rank_correlation([1.0, 1.0, 1.0], [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="the same number"):
        rank_correlation([1.0, 2.0], [1.0, 2.0, 3.0])


def _local_energy(z, pos, batch):
    """A toy target whose per-atom split is known: E = sum_i c_{z_i} * (neighbours of i within 1.7 Å)."""
    c = torch.zeros(10, dtype=pos.dtype)
    c[[1, 6, 7, 8]] = torch.tensor([-0.3, -1.0, -0.6, 0.8], dtype=pos.dtype)
    j, i = radius_graph(pos, 1.7, batch)
    e_i = c[z] * torch.bincount(i, minlength=len(z)).to(pos)
    return e_i, scatter_sum(e_i, batch, int(batch.max()) + 1)


@pytest.fixture(scope="module")
def trained():
    """SchNet fitted to the toy target (energies only, ~1 s of CPU on one thread; module fixtures run before
    the function-scoped one-thread fixture, so it sets the thread count itself)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    z, pos, batch = batch_molecules([make_molecule(n, seed=100 + s) for s, n in enumerate([6, 8, 10, 12] * 6)])
    _, energy = _local_energy(z, pos, batch)
    torch.manual_seed(0)
    model = SchNet(hidden=16, n_filters=16, r_cut=3.0).double()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    for _ in range(150):
        optimizer.zero_grad()
        loss = torch.mean((model(z, pos, batch) - energy) ** 2)
        loss.backward()
        optimizer.step()
    torch.set_num_threads(threads)
    test = batch_molecules([make_molecule(n, seed=500 + n) for n in (7, 9, 11, 13)])
    return model, test, loss.item() / energy.var().item()


def test_the_sanity_check_tells_a_trained_model_from_random_ones(trained):
    """Learned per-atom contributions of the trained model against 4 re-initialised copies: rho 0.09-0.13 on
    average (-0.26 to 0.55 one by one) over 4 training seeds; with the fixed element table left in, rho ~ 1."""
    model, (z, pos, batch), relative_mse = trained
    assert relative_mse < 0.05  # the model did learn the energies
    result = randomisation_check(lambda m: atom_contributions(m, z, pos, batch, reference=False), model,
                                 seeds=(0, 1, 2, 3))
    assert result.mean < 0.4 and max(result.correlations) < 0.7, result.correlations
    # an 'explanation' dominated by what is not learned (the per-element table, the same in every copy) stays
    # highly correlated, 0.92-0.93: the order between elements (most pairs) is the table's, only the order
    # within an element changes; the check flags it
    model.set_energy_reference({1: -13.6, 6: -1029.9, 7: -1485.3, 8: -2042.6})
    try:
        dominated = randomisation_check(lambda m: atom_contributions(m, z, pos, batch), model, seeds=(0, 1))
    finally:
        model.set_energy_reference(torch.zeros_like(model.readout.atom_ref))
    assert min(dominated.correlations) > 0.9, dominated.correlations


def test_rank_correlation_within_groups_ignores_offsets_between_them():
    rng = np.random.default_rng(1)
    groups = np.repeat([1, 6, 8], 20)
    a = rng.normal(size=60)
    offsets = np.repeat([5.0, -3.0, 0.0], 20)
    assert rank_correlation(a + offsets, a - offsets, groups=groups) == pytest.approx(1.0)  # same order inside
    assert rank_correlation(a + offsets, a - offsets) < 0  # the offsets dominate the plain ranks
    with pytest.raises(ValueError, match="one label per value"):
        rank_correlation(a, a, groups=groups[:10])
