"""Deep ensembles and MC dropout: mean and spread over members or dropout passes, modes and random state left
as they were."""
import pytest
import torch

from airtools.uq import ensemble_predict, mc_dropout_predict


def test_ensemble_mean_and_population_std_of_known_members():
    models = []
    for w in (1.0, 2.0, 6.0):
        m = torch.nn.Linear(1, 1)
        torch.nn.init.constant_(m.weight, w), torch.nn.init.zeros_(m.bias)
        models.append(m)
    p = ensemble_predict(models, torch.tensor([[1.0], [2.0]]))
    torch.testing.assert_close(p.mean, torch.tensor([[3.0], [6.0]]))
    torch.testing.assert_close(p.std, torch.tensor([[14 / 3], [4 * 14 / 3]]).sqrt())  # var of (1, 2, 6) = 14/3
    assert p.samples.shape == (3, 2, 1)


def test_ensemble_members_run_in_eval_mode_and_keep_their_mode():
    torch.manual_seed(0)
    models = [torch.nn.Sequential(torch.nn.Linear(3, 8), torch.nn.Dropout(0.5), torch.nn.Linear(8, 1))
              for _ in range(2)]
    models[0].train(), models[1].eval()
    x = torch.randn(4, 3)
    a, b = ensemble_predict(models, x), ensemble_predict(models, x)
    torch.testing.assert_close(a.samples, b.samples)  # no dropout at prediction: deterministic
    assert models[0].training and not models[1].training


def test_mc_dropout_mean_converges_to_the_eval_output_of_a_linear_readout():
    """Inverted dropout keeps E[dropout(h)] = h, so Linear(Dropout(h)) averages to the eval-mode output; the
    mean of 4000 passes is within 4 standard errors of it."""
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(5, 32), torch.nn.Tanh(), torch.nn.Dropout(0.3), torch.nn.Linear(32, 1))
    x = torch.randn(6, 5)
    p = mc_dropout_predict(model, x, n_samples=4000)
    with torch.no_grad():
        exact = model.eval()(x)
    assert ((p.mean - exact).abs() < 4 * p.std / 4000 ** 0.5).all()
    assert (p.std > 0).all()


def test_mc_dropout_is_seeded_without_touching_the_global_generator_and_keeps_batch_norm_frozen():
    model = torch.nn.Sequential(torch.nn.Linear(3, 8), torch.nn.BatchNorm1d(8), torch.nn.Dropout(0.2),
                                torch.nn.Linear(8, 1))
    model.train()
    stats = model[1].running_mean.clone()
    x = torch.randn(5, 3)
    torch.manual_seed(7)
    before = torch.rand(1)
    torch.manual_seed(7)
    a = mc_dropout_predict(model, x, n_samples=5, seed=1)
    after = torch.rand(1)
    assert torch.equal(before, after)  # the global random stream is where it was
    torch.testing.assert_close(a.samples, mc_dropout_predict(model, x, n_samples=5, seed=1).samples)
    assert not torch.equal(a.samples, mc_dropout_predict(model, x, n_samples=5, seed=2).samples)
    assert torch.equal(model[1].running_mean, stats)  # batch norm in eval mode: statistics untouched
    assert all(m.training for m in model.modules())  # modes restored


def test_bad_input_says_what_is_wrong():
    with pytest.raises(ValueError, match="models: expected two or more torch models"):
        ensemble_predict([torch.nn.Linear(1, 1)], torch.zeros(1, 1))
    with pytest.raises(ValueError, match="has no dropout layer with p > 0"):
        mc_dropout_predict(torch.nn.Linear(1, 1), torch.zeros(1, 1))
    with pytest.raises(ValueError, match="n_samples: expected an integer >= 2"):
        mc_dropout_predict(torch.nn.Sequential(torch.nn.Dropout(0.5)), torch.zeros(1, 1), n_samples=1)
