r"""Metropolis sampling of :math:`|\psi(x)|^2` with a batch of independent walkers.

One step proposes :math:`x' = x + \sigma\,\xi` (:math:`\xi` standard normal, all particles at once) for every
walker and accepts it with probability :math:`\min\big(1, |\psi(x')|^2 / |\psi(x)|^2\big)`. The proposal is
symmetric, so this is Metropolis–Hastings with a Gaussian kernel, and :math:`|\psi|^2` (normalised or not) is
the stationary distribution. During burn-in the step size :math:`\sigma` is tuned toward a target acceptance.

>>> import torch
>>> from airtools.quantum import HydrogenAnsatz
>>> psi = HydrogenAnsatz(alpha=1.0, hidden=0).double()
>>> sampler = MetropolisSampler(psi, torch.ones(4000, 1, 3, dtype=torch.float64), seed=0)
>>> _ = sampler.burn_in(100)
>>> 0.3 < sampler.acceptance < 0.7
True
>>> abs(sampler.x.norm(dim=-1).mean().item() - 1.5) < 0.1     # <r> = 3/2 bohr
True
"""
from __future__ import annotations

import math
from contextlib import contextmanager

import torch

__all__ = ["MetropolisSampler"]


@contextmanager
def one_cpu_thread(device: torch.device):
    """VMC batches are small: on a CPU, intra-op threads cost more than they give (and stall badly when the
    cores are shared), so the loops run on one thread; the previous setting is restored afterwards."""
    if device.type != "cpu":
        yield
        return
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(n)


class MetropolisSampler:
    r"""Batched random-walk Metropolis for :math:`p(x) \propto |\psi(x)|^2 = e^{2\log|\psi(x)|}`.

    Args:
        log_psi: callable ``x [n_walkers, n_particles, dim] -> log|psi| [n_walkers]`` (an ``Ansatz``).
        x0: initial walkers ``[n_walkers, n_particles, dim]``; their device and dtype are used throughout.
        step_size: initial proposal width :math:`\sigma` (bohr).
        target_acceptance: the acceptance rate that ``adapt=True`` steers toward.
        seed: seeds the sampler's own ``torch.Generator`` (on the walkers' device).

    Attributes:
        x: current walkers; ``log_psi_x``: their :math:`\log|\psi|`; ``acceptance``: fraction of proposals
        accepted in the last call of ``step``/``burn_in``; ``step_size``: current :math:`\sigma`.

    Raises:
        ValueError: ``x0`` without walkers, or a non-positive ``step_size``.
    """

    def __init__(self, log_psi, x0: torch.Tensor, *, step_size: float = 0.5, target_acceptance: float = 0.5,
                 seed: int = 0):
        if x0.dim() != 3 or x0.shape[0] <= 0:
            raise ValueError(f"x0: expected walkers of shape [n_walkers > 0, n_particles, dim], got {list(x0.shape)}")
        if not step_size > 0:
            raise ValueError(f"step_size: expected a positive number, got {step_size}")
        if not 0 < target_acceptance < 1:
            raise ValueError(f"target_acceptance: expected a number in (0, 1), got {target_acceptance}")
        self.log_psi = log_psi
        self.step_size = float(step_size)
        self.target_acceptance = target_acceptance
        self.generator = torch.Generator(device=x0.device).manual_seed(seed)
        self.x = x0.detach().clone()
        self.log_psi_x = self._evaluate(self.x)
        self.acceptance = float("nan")

    @torch.no_grad()
    def _evaluate(self, x: torch.Tensor) -> torch.Tensor:
        return self.log_psi(x)

    @torch.no_grad()
    def step(self, n_steps: int = 1, *, adapt: bool = False) -> torch.Tensor:
        """Advance every walker ``n_steps`` Metropolis steps; returns the walkers ``[n_walkers, n_particles, dim]``.

        With ``adapt=True`` the step size is multiplied by :math:`e^{\\,\\text{acc} - \\text{target}}` after each
        step (only do this in burn-in or training: it breaks detailed balance while it changes).
        """
        accepted = 0.0
        with one_cpu_thread(self.x.device):
            for _ in range(n_steps):
                proposal = self.x + self.step_size * torch.randn(self.x.shape, generator=self.generator,
                                                                 dtype=self.x.dtype, device=self.x.device)
                log_psi_new = self._evaluate(proposal)
                u = torch.rand(self.x.shape[0], generator=self.generator, dtype=self.x.dtype, device=self.x.device)
                accept = torch.log(u) < 2 * (log_psi_new - self.log_psi_x)   # [n_walkers]
                self.x = torch.where(accept[:, None, None], proposal, self.x)
                self.log_psi_x = torch.where(accept, log_psi_new, self.log_psi_x)
                rate = accept.double().mean().item()
                accepted += rate
                if adapt:
                    self.step_size *= math.exp(rate - self.target_acceptance)
        self.acceptance = accepted / max(n_steps, 1)
        return self.x

    def burn_in(self, n_steps: int) -> torch.Tensor:
        """``n_steps`` adaptive steps to forget the starting point and tune the step size."""
        return self.step(n_steps, adapt=True)

    def refresh(self) -> None:
        """Recompute :math:`\\log|\\psi|` of the current walkers (call after the parameters of ``log_psi`` change)."""
        self.log_psi_x = self._evaluate(self.x)
