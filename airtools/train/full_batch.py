r"""Full-batch training for a loss with no data loader: Adam first (robust far from a minimum), then L-BFGS
(fast local convergence on a smooth, deterministic loss), as Raissi et al. train physics-informed networks.
"""
from __future__ import annotations

import time
from typing import Callable

import torch
from torch import Tensor, nn
from tqdm.auto import tqdm

from .loop import History

__all__ = ["fit_full_batch"]


def fit_full_batch(model: nn.Module, loss_fn: Callable[[], Tensor], *, n_adam: int = 1000, lr: float = 1e-3,
                   n_lbfgs: int = 500, progress: bool = True) -> History:
    r"""Full-batch training: ``n_adam`` Adam steps, then L-BFGS (strong-Wolfe line search) for ``n_lbfgs``
    loss evaluations.

    Args:
        model: trained in place (its parameters are what the optimisers move).
        loss_fn: ``loss_fn() -> scalar``, the whole loss (e.g. a PINN's: collocation, initial and boundary
            points fixed).
        n_adam, lr: Adam steps and learning rate; n_lbfgs: L-BFGS loss evaluations (line-search ones count;
            the last line search may add a few).

    Returns:
        :class:`airtools.train.History` with ``train_loss`` per Adam step / L-BFGS evaluation, ``best_loss``
        (the final loss, ``best_epoch`` its index) and ``seconds``.

    >>> from airtools.models import PINN, initial_loss
    >>> _ = torch.manual_seed(0); model = PINN(hidden=8, n_layers=2)
    >>> x = torch.linspace(-1, 1, 16)
    >>> loss_fn = lambda: initial_loss(model, x, torch.sin(x))   # fit u(x, 0) = sin x
    >>> h = fit_full_batch(model, loss_fn, n_adam=50, lr=1e-2, n_lbfgs=50, progress=False)
    >>> h.train_loss[-1] < 1e-2 * h.train_loss[0]
    True
    """
    history, t0 = History(), time.perf_counter()
    params = [p for p in model.parameters() if p.requires_grad]
    model.train()
    adam = torch.optim.Adam(params, lr=lr)
    bar = tqdm(total=n_adam + n_lbfgs, desc="Adam → L-BFGS", disable=not progress)
    for _ in range(n_adam):
        adam.zero_grad(set_to_none=True)
        loss = loss_fn()
        loss.backward()
        adam.step()
        history.train_loss.append(loss.item())
        bar.update()
        bar.set_postfix(loss=f"{history.train_loss[-1]:.2e}", refresh=False)
    if n_lbfgs > 0:
        lbfgs = torch.optim.LBFGS(params, lr=1.0, max_iter=n_lbfgs, max_eval=n_lbfgs, history_size=50,
                                  tolerance_grad=1e-9, tolerance_change=1e-12, line_search_fn="strong_wolfe")

        def closure():
            lbfgs.zero_grad(set_to_none=True)
            loss = loss_fn()
            loss.backward()
            history.train_loss.append(loss.item())
            bar.update()
            bar.set_postfix(loss=f"{history.train_loss[-1]:.2e}", refresh=False)
            return loss

        lbfgs.step(closure)
    bar.close()
    model.eval()
    history.best_epoch = len(history.train_loss) - 1
    history.best_loss = history.train_loss[-1] if history.train_loss else float("nan")
    history.lr = [lr] * n_adam + [1.0] * (len(history.train_loss) - n_adam)
    history.seconds = time.perf_counter() - t0
    return history
