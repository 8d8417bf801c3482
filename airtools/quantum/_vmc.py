r"""Variational Monte Carlo: local energies by autograd, honest error bars, and an energy-minimising trainer.

The variational principle: for any trial :math:`\psi_\theta`,

.. math:: E(\theta) = \frac{\langle\psi_\theta|H|\psi_\theta\rangle}{\langle\psi_\theta|\psi_\theta\rangle}
          = \mathbb E_{x\sim|\psi_\theta|^2}\big[E_L(x)\big] \;\ge\; E_0, \qquad
          E_L = \frac{H\psi}{\psi} = -\tfrac12\big(\nabla^2\log|\psi| + |\nabla\log|\psi||^2\big) + V,

with equality, and :math:`E_L \equiv E_0` everywhere (zero variance), only at the exact ground state. The
gradient is an expectation too (the covariance or "REINFORCE" form, no derivative of the sampler needed):

.. math:: \nabla_\theta E = 2\,\mathbb E\big[(E_L - E)\,\nabla_\theta\log|\psi_\theta|\big].
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np
import torch

from ._ansatz import Ansatz, make_ansatz
from ._sampler import MetropolisSampler, one_cpu_thread
from ._systems import System, check_positions, get_system

__all__ = ["local_energy", "blocking_error", "walker_error", "EnergyEstimate", "VMC", "VMCResult", "run_vmc"]


def local_energy(log_psi, x: torch.Tensor, potential) -> torch.Tensor:
    r"""Local energy :math:`E_L = -\tfrac12\big(\nabla^2\log|\psi| + |\nabla\log|\psi||^2\big) + V` by autograd.

    The Laplacian is the trace of the Hessian of :math:`\log|\psi|`, one backward pass per coordinate.

    Args:
        log_psi: callable ``x -> log|psi| [n_walkers]`` (an ``Ansatz``).
        x: walkers ``[n_walkers, n_particles, dim]``.
        potential: callable ``x -> V [n_walkers]`` (``System.potential``).

    Returns:
        ``[n_walkers]``, detached.

    >>> import torch
    >>> from airtools.quantum import HydrogenAnsatz, get_system
    >>> x = torch.randn(6, 1, 3, dtype=torch.float64)
    >>> E_L = local_energy(HydrogenAnsatz(alpha=1.0, hidden=0).double(), x, get_system("hydrogen").potential)
    >>> torch.allclose(E_L, torch.full_like(E_L, -0.5))      # exact eigenstate: E_L constant
    True
    """
    n_walkers = x.shape[0]
    with torch.enable_grad():
        x = x.detach().requires_grad_(True)
        grad = torch.autograd.grad(log_psi(x).sum(), x, create_graph=True)[0].reshape(n_walkers, -1)
        laplacian = torch.zeros(n_walkers, dtype=x.dtype, device=x.device)
        for i in range(grad.shape[1]):
            second = torch.autograd.grad(grad[:, i].sum(), x, retain_graph=True)[0]
            laplacian = laplacian + second.reshape(n_walkers, -1)[:, i]
    return (-0.5 * (laplacian + (grad.detach() ** 2).sum(-1)) + potential(x.detach())).detach()


def blocking_error(series) -> float:
    r"""Standard error of the mean of a correlated series, by automatic blocking (Jonsson, PRE 98, 043304, 2018).

    Neighbours are averaged pairwise, level after level; the naive error :math:`\sqrt{s_k^2/n_k}` grows until
    the blocks are longer than the correlation time. The first level whose remaining lag-1 autocorrelations
    pass a :math:`\chi^2` test at 99 % (:math:`M_k = \sum_{j\ge k} n_j(\gamma_j/s_j^2)^2`) is used.

    Args:
        series: 1-D sequence (e.g. the walker-averaged local energy at each Metropolis step), length ≥ 4.

    Returns:
        the standard error of ``mean(series)``.

    >>> rng = np.random.default_rng(0)
    >>> white = rng.standard_normal(4096)
    >>> round(blocking_error(white) * 64, 1)          # independent: 1/sqrt(4096) = 1/64
    1.0
    >>> ar = np.zeros(4096)
    >>> for t in range(1, 4096): ar[t] = 0.9 * ar[t - 1] + white[t]
    >>> bool(blocking_error(ar) > 3 * ar.std() / 64)   # correlated: the naive error is far too small
    True
    """
    x = np.asarray(series, dtype=np.float64).ravel()
    if x.size < 4:
        raise ValueError(f"series: expected at least 4 values, got {x.size}")
    mu = x.mean()
    n, s2, gamma = [], [], []
    while x.size >= 2:
        n.append(x.size)
        s2.append(x.var())
        gamma.append(((x[:-1] - mu) * (x[1:] - mu)).sum() / x.size)
        x = 0.5 * (x[0:x.size - x.size % 2:2] + x[1::2])
    n, s2, gamma = map(np.asarray, (n, s2, gamma))
    if np.all(s2 == 0):
        return 0.0
    ratio = np.divide(gamma, s2, out=np.zeros_like(gamma), where=s2 > 0)
    M = np.cumsum((n * ratio**2)[::-1])[::-1]
    for k in range(len(n)):
        if M[k] < _chi2_99(k + 1):
            break
    return float(math.sqrt(s2[k] / n[k]))


def _chi2_99(dof: int) -> float:
    """99 % quantile of chi-squared with ``dof`` degrees of freedom (Wilson–Hilferty; 6.59 vs 6.63 at dof 1)."""
    z, h = 2.3263478740, 2.0 / (9.0 * dof)
    return dof * (1.0 - h + z * math.sqrt(h)) ** 3


def walker_error(values: torch.Tensor) -> tuple[float, float]:
    r"""Mean and its standard error from independent walkers: ``values: [n_steps, n_walkers]``.

    Each walker is its own Markov chain; its time average :math:`\bar E_w` carries that chain's
    autocorrelation, and different walkers are independent, so

    .. math:: \bar E = \frac1W\sum_w \bar E_w, \qquad \mathrm{SE} = \mathrm{std}_w(\bar E_w)/\sqrt{W}

    needs no correlation time (unlike ``blocking_error``, which needs long series).

    >>> values = torch.randn(50, 400, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    >>> mean, error = walker_error(values)
    >>> round(error * (50 * 400) ** 0.5, 1)                 # independent samples: std / sqrt(N)
    1.0
    """
    if values.dim() != 2 or values.shape[1] < 2:
        raise ValueError(f"values: expected [n_steps, n_walkers >= 2], got {list(values.shape)}")
    per_walker = values.double().mean(0)
    return per_walker.mean().item(), (per_walker.std() / math.sqrt(per_walker.numel())).item()


@dataclass
class EnergyEstimate:
    """A VMC energy: ``energy ± error`` (standard error), ``variance`` of E_L, acceptance and samples used."""

    energy: float
    error: float
    variance: float
    acceptance: float
    n_samples: int

    def __str__(self) -> str:
        return f"{self.energy:.5f} ± {self.error:.5f} Ha (var E_L {self.variance:.2e}, {self.n_samples} samples)"


class VMC:
    r"""Variational Monte Carlo for one ``System`` and ``Ansatz``: sample :math:`|\psi|^2`, minimise :math:`E`.

    Args:
        system: a ``System`` or a name from ``SYSTEMS``.
        ansatz: an ``Ansatz`` (default: ``make_ansatz(system, seed=seed)``); moved to ``device``.
        n_walkers: independent Metropolis walkers (> 0).
        lr: Adam learning rate.
        seed: seeds the walkers and the sampler.
        device: where everything runs (default: the ansatz's device); pass ``airtools.default_device()``.
        burn_in: adaptive Metropolis steps before the first energy.
        clip: local energies are clipped to median ± ``clip`` × mean absolute deviation in the gradient
            (not in the reported energies), which tames the rare huge :math:`E_L` near a nucleus.

    Attributes:
        history: ``{"energy", "error", "variance", "acceptance"}`` lists, one entry per training iteration;
        ``error`` is the standard error over the independent walkers.

    >>> vmc = VMC("hydrogen", n_walkers=256, lr=0.05, seed=0)
    >>> history = vmc.train(30, progress=False)
    >>> len(history["energy"]), history["energy"][-1] < history["energy"][0]
    (30, True)
    """

    def __init__(self, system: str | System, ansatz: Ansatz | None = None, *, n_walkers: int = 1024,
                 lr: float = 0.01, seed: int = 0, device=None, burn_in: int = 100, clip: float = 5.0):
        self.system = get_system(system)
        if not isinstance(n_walkers, int) or n_walkers <= 0:
            raise ValueError(f"n_walkers: expected a positive integer, got {n_walkers!r}")
        if not lr > 0:
            raise ValueError(f"lr: expected a positive learning rate, got {lr}")
        self.ansatz = make_ansatz(self.system, seed=seed) if ansatz is None else ansatz
        if device is not None:
            self.ansatz = self.ansatz.to(device)
        p = next(self.ansatz.parameters())
        g = torch.Generator(device=p.device).manual_seed(seed)
        x0 = torch.randn(n_walkers, self.system.n_particles, self.system.dim, generator=g, dtype=p.dtype,
                         device=p.device)
        check_positions(x0, self.system, "x0")
        self.sampler = MetropolisSampler(self.ansatz, x0, seed=seed)
        with one_cpu_thread(p.device):
            self.sampler.burn_in(burn_in)
        self.optimizer = torch.optim.Adam(self.ansatz.parameters(), lr=lr)
        self.clip = clip
        self.history: dict[str, list[float]] = {"energy": [], "error": [], "variance": [], "acceptance": []}

    def train(self, n_iterations: int, *, n_steps: int = 5, callback=None, progress: bool = True) -> dict:
        r"""Minimise :math:`E(\theta)` with Adam for ``n_iterations`` steps; returns ``history``.

        Each iteration: ``n_steps`` Metropolis steps (step size adapted), local energies at the new walkers,
        and one Adam step on :math:`2\,\overline{(E_L - \bar E_L)\log|\psi|}`, whose gradient is the covariance
        estimator of :math:`\nabla_\theta E`. ``callback(iteration, history)`` runs after each iteration
        (a dashboard redraws there).
        """
        from tqdm.auto import trange

        with one_cpu_thread(self.sampler.x.device):
            for it in trange(n_iterations, desc=f"VMC {self.system.name}", disable=not progress, leave=False):
                x = self.sampler.step(n_steps, adapt=True)
                E_L = local_energy(self.ansatz, x, self.system.potential)
                self.optimizer.zero_grad()
                self.surrogate_loss(x, E_L).backward()
                self.optimizer.step()
                self.sampler.refresh()
                self._record(E_L)
                if callback is not None:
                    callback(it, self.history)
        return self.history

    def surrogate_loss(self, x: torch.Tensor, E_L: torch.Tensor) -> torch.Tensor:
        r"""A scalar whose parameter gradient is the VMC energy gradient on the walkers ``x``:

        .. math:: \nabla_\theta\, 2\,\overline{(E_L - \bar E_L)\log|\psi_\theta(x)|}
                  = 2\,\overline{(E_L - \bar E_L)\,\nabla_\theta\log|\psi_\theta|} \approx \nabla_\theta E

        (``E_L`` held fixed, clipped to median ± ``clip`` × mean absolute deviation). Its value is not the energy.
        """
        median = E_L.median()
        spread = (E_L - median).abs().mean()
        E_clipped = E_L.clamp(median - self.clip * spread, median + self.clip * spread)
        return 2 * ((E_clipped - E_clipped.mean()) * self.ansatz(x)).mean()

    def _record(self, E_L: torch.Tensor) -> None:
        E = E_L.double()
        self.history["energy"].append(E.mean().item())
        self.history["error"].append((E.std() / math.sqrt(E.numel())).item())
        self.history["variance"].append(E.var().item())
        self.history["acceptance"].append(self.sampler.acceptance)

    def estimate(self, n_steps: int = 200, *, thin: int = 2, burn_in: int = 20) -> EnergyEstimate:
        r"""Energy of the current ansatz, parameters fixed: :math:`\bar E_L` over ``n_steps`` × walkers samples.

        The sampler's step size is frozen (exact Metropolis); the error bar is ``walker_error``: the walkers are
        independent chains, so the spread of their time averages accounts for the correlation along each chain.
        """
        if n_steps < 1:
            raise ValueError(f"n_steps: expected a positive number of steps, got {n_steps}")
        E_L, acc = [], []
        with one_cpu_thread(self.sampler.x.device):
            self.sampler.step(burn_in)
            for _ in range(n_steps):
                x = self.sampler.step(thin)
                acc.append(self.sampler.acceptance)
                E_L.append(local_energy(self.ansatz, x, self.system.potential).double())
        E_L = torch.stack(E_L)                                          # [n_steps, n_walkers]
        energy, error = walker_error(E_L)
        return EnergyEstimate(energy, error, E_L.var().item(), float(np.mean(acc)), E_L.numel())


@dataclass
class VMCResult:
    r"""What ``run_vmc`` returns: the final estimate, the training history, the trained ansatz, its walkers
    (``[n_walkers, n_particles, dim]``, samples of :math:`|\psi|^2`) and the wall-clock seconds."""

    system: System
    estimate: EnergyEstimate
    history: dict
    ansatz: Ansatz = field(repr=False)
    walkers: torch.Tensor = field(repr=False)
    seconds: float

    @property
    def energy(self) -> float:
        return self.estimate.energy

    @property
    def error(self) -> float:
        return self.estimate.error

    @property
    def deviation(self) -> float:
        """``energy - exact_energy`` (hartree)."""
        return self.estimate.energy - self.system.exact_energy


def run_vmc(system: str | System, kind: str | None = None, *, n_iterations: int = 300, n_walkers: int = 1024,
            lr: float = 0.01, n_steps: int = 5, n_eval_steps: int = 200, seed: int = 0, device=None,
            progress: bool = True, callback=None, **ansatz_kwargs) -> VMCResult:
    """Train the ``kind`` ansatz for ``system`` and estimate its energy: ``VMC(...).train`` then ``.estimate``.

    Returns:
        ``VMCResult`` with ``energy``, ``error`` (standard error, ``walker_error``), ``history``, ``ansatz``,
        ``walkers``, ``seconds``.

    >>> result = run_vmc("harmonic_oscillator", n_iterations=60, n_walkers=256, lr=0.05, n_eval_steps=20,
    ...                  progress=False)
    >>> abs(result.energy - 0.5) < 0.01
    True
    """
    start = time.perf_counter()
    system = get_system(system)
    ansatz = make_ansatz(system, kind, seed=seed, device=device, **ansatz_kwargs)
    vmc = VMC(system, ansatz, n_walkers=n_walkers, lr=lr, seed=seed)
    vmc.train(n_iterations, n_steps=n_steps, callback=callback, progress=progress)
    estimate = vmc.estimate(n_eval_steps)
    return VMCResult(system, estimate, vmc.history, vmc.ansatz, vmc.sampler.x, time.perf_counter() - start)
