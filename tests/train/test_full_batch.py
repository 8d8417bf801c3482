"""fit_full_batch: Adam then L-BFGS on a loss without data, here a physics-informed network's."""
import math

import torch

from airtools.models import PINN, boundary_loss, heat_residual, initial_loss, sample_collocation
from airtools.train import fit_full_batch


def test_adam_then_lbfgs_reduces_a_pinn_heat_loss():
    torch.manual_seed(0)
    nu = 0.1
    model = PINN(hidden=16, n_layers=2, lower=(-1, 0), upper=(1, 1))
    pts = sample_collocation(128, (-1, 0), (1, 1), seed=0)
    x0, tb = torch.linspace(-1, 1, 32), torch.linspace(0, 1, 16)

    def loss_fn():
        return (heat_residual(model, pts[:, 0], pts[:, 1], nu).pow(2).mean()
                + initial_loss(model, x0, torch.sin(math.pi * x0)) + boundary_loss(model, tb))

    history = fit_full_batch(model, loss_fn, n_adam=100, lr=3e-3, n_lbfgs=100, progress=False)
    assert 100 < len(history.train_loss) <= 100 + 100 + 25  # L-BFGS may finish its last line search
    assert history.train_loss[-1] < 0.05 * history.train_loss[0], (history.train_loss[0], history.train_loss[-1])
    assert history.best_loss == history.train_loss[-1] and history.seconds > 0
    assert not model.training
