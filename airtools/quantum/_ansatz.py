r"""Trial wavefunctions :math:`\psi_\theta` in torch: an envelope with the right asymptotics times a bounded MLP.

Every ansatz maps walkers ``x: [n_walkers, n_particles, dim]`` to :math:`\log|\psi(x)|`: ``[n_walkers]``
(``forward``); ``sign(x)`` and ``psi(x)`` give the signed amplitude. Working with :math:`\log|\psi|` keeps
the numbers finite and is all that Metropolis sampling and the local energy need.

The MLP corrections take bounded, smooth features (:math:`r^2/(1+r^2)`, :math:`x/\sqrt{1+x^2}`), so they
stay bounded: the decay at large distance and the cusps are set by the envelope, the MLP reshapes the middle.

>>> import torch
>>> psi = HydrogenAnsatz(alpha=1.0, hidden=0).double()
>>> x = torch.tensor([[[0.0, 0.0, 2.0]]], dtype=torch.float64)
>>> psi(x)          # log psi = -alpha r
tensor([-2.], dtype=torch.float64, grad_fn=<...>)
"""
from __future__ import annotations

import torch
from torch import nn

from ._systems import System, get_system

__all__ = ["Ansatz", "GaussianAnsatz", "HydrogenAnsatz", "HeliumAnsatz", "DeterminantAnsatz", "make_ansatz",
           "ANSATZ_KINDS"]


def _mlp(n_in: int, hidden: int, n_out: int, zero_last: bool = True) -> nn.Sequential:
    """``n_in -> hidden -> hidden -> n_out`` with tanh; a zero last layer makes the correction start at 0."""
    net = nn.Sequential(nn.Linear(n_in, hidden), nn.Tanh(), nn.Linear(hidden, hidden), nn.Tanh(),
                        nn.Linear(hidden, n_out))
    if zero_last:
        nn.init.zeros_(net[-1].weight)
        nn.init.zeros_(net[-1].bias)
    return net


def _squash(r2: torch.Tensor) -> torch.Tensor:
    """Smooth bounded feature of a squared distance: :math:`r^2/(1+r^2) \\in [0, 1)`."""
    return r2 / (1 + r2)


class Ansatz(nn.Module):
    r"""Base class: ``forward(x) = log|psi(x)|``; ``psi(x) = sign(x) * exp(log|psi(x)|)``."""

    def sign(self, x: torch.Tensor) -> torch.Tensor:
        """Sign of :math:`\\psi`: ``[n_walkers]`` (+1 for the nodeless ansätze)."""
        return torch.ones(x.shape[0], dtype=x.dtype, device=x.device)

    def psi(self, x: torch.Tensor) -> torch.Tensor:
        """The signed, unnormalised amplitude :math:`\\psi(x)`: ``[n_walkers]``."""
        return self.sign(x) * torch.exp(self(x))


class GaussianAnsatz(Ansatz):
    r"""Particles in a harmonic trap: Gaussian envelope times a permutation-symmetric bounded MLP.

    .. math:: \log\psi(x) = -\tfrac{\alpha}{2}\sum_i x_i^2 + \rho\Big(\sum_i \phi(u_i)\Big), \qquad
              u_i = x_i/\sqrt{1 + x_i^2}

    (deep-sets form: symmetric under any exchange of particles, so for two particles it can only describe
    bosons). With ``hidden=0`` it is the Gaussian alone; :math:`\alpha = 1` is the exact ground state of
    :math:`V = \tfrac12 x^2`.

    Args:
        dim: spatial dimensions per particle.
        alpha: initial width parameter (trainable).
        hidden: width of the MLPs (0: no correction).

    >>> import torch
    >>> psi = GaussianAnsatz(hidden=8).double()
    >>> x = torch.randn(5, 2, 1, dtype=torch.float64)
    >>> torch.allclose(psi(x), psi(x.flip(1)))    # symmetric under exchange
    True
    """

    def __init__(self, dim: int = 1, alpha: float = 0.7, hidden: int = 16):
        super().__init__()
        self.alpha = nn.Parameter(torch.tensor(float(alpha)))
        self.phi = _mlp(dim, hidden, hidden, zero_last=False) if hidden else None
        self.rho = _mlp(hidden, hidden, 1) if hidden else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        log_psi = -0.5 * self.alpha * (x**2).sum(dim=(-1, -2))
        if self.phi is not None:
            u = x / torch.sqrt(1 + x**2)
            log_psi = log_psi + self.rho(self.phi(u).sum(-2)).squeeze(-1)  # [n_walkers]
        return log_psi


class HydrogenAnsatz(Ansatz):
    r"""One electron around a nucleus at the origin: Slater envelope times a bounded radial MLP.

    .. math:: \log\psi(r) = -\alpha r + g\big(r^2/(1 + r^2)\big)

    The cusp :math:`\partial_r \log\psi|_{r=0} = -\alpha` comes from the envelope alone (the feature is smooth
    at the nucleus), so Kato's condition :math:`\partial_r \log\psi = -Z` is met when :math:`\alpha = Z = 1`,
    which is also the exact ground state. ``hidden=0`` gives the analytic trial function :math:`e^{-\alpha r}`.

    >>> import torch
    >>> HydrogenAnsatz(alpha=0.5, hidden=0).double()(torch.tensor([[[3.0, 4.0, 0.0]]], dtype=torch.float64))
    tensor([-2.5000], dtype=torch.float64, grad_fn=<...>)
    """

    def __init__(self, alpha: float = 0.7, hidden: int = 16):
        super().__init__()
        self.alpha = nn.Parameter(torch.tensor(float(alpha)))
        self.g = _mlp(1, hidden, 1) if hidden else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        r2 = (x**2).sum(dim=(-1, -2))
        log_psi = -self.alpha * torch.sqrt(r2)
        if self.g is not None:
            log_psi = log_psi + self.g(_squash(r2)[:, None]).squeeze(-1)
        return log_psi


class HeliumAnsatz(Ansatz):
    r"""Two electrons (a spin singlet) around a nucleus of charge 2.

    .. math:: \psi = \big(e^{-a r_1 - b r_2} + e^{-b r_1 - a r_2}\big)\,
              \exp\!\Big(\frac{r_{12}}{2(1 + \beta r_{12})}\Big)\,
              \exp\big(g(s_1 + s_2, (s_1 - s_2)^2, s_{12})\big), \qquad s = r^2/(1 + r^2)

    - the orbital part (Eckart 1930) lets one electron sit close to the nucleus (:math:`a \approx 2`) and
      the other further out (:math:`b \approx 1`, it sees a screened nucleus), symmetrised for the singlet;
    - the Padé–Jastrow factor meets the electron–electron cusp :math:`\partial_{r_{12}}\log\psi = \tfrac12`
      exactly, for any :math:`\beta > 0`, and is bounded at large :math:`r_{12}`;
    - the MLP correction :math:`g` is symmetric under exchange and bounded.

    >>> import torch
    >>> psi = HeliumAnsatz().double()
    >>> x = torch.randn(4, 2, 3, dtype=torch.float64)
    >>> torch.allclose(psi(x), psi(x.flip(1)))     # symmetric spatial part (singlet)
    True
    """

    def __init__(self, a: float = 2.0, b: float = 1.0, beta: float = 0.5, hidden: int = 16):
        super().__init__()
        self.a = nn.Parameter(torch.tensor(float(a)))
        self.b = nn.Parameter(torch.tensor(float(b)))
        self.log_beta = nn.Parameter(torch.tensor(float(beta)).log())
        self.g = _mlp(3, hidden, 1) if hidden else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        r2 = (x**2).sum(-1)                                     # [n_walkers, 2]
        r = torch.sqrt(r2)
        r12_2 = ((x[:, 0] - x[:, 1]) ** 2).sum(-1)              # [n_walkers]
        r12 = torch.sqrt(r12_2)
        orbital = torch.logaddexp(-self.a * r[:, 0] - self.b * r[:, 1], -self.b * r[:, 0] - self.a * r[:, 1])
        jastrow = r12 / (2 * (1 + self.log_beta.exp() * r12))
        log_psi = orbital + jastrow
        if self.g is not None:
            s = _squash(r2)
            features = torch.stack([s.sum(-1), (s[:, 0] - s[:, 1]) ** 2, _squash(r12_2)], -1)  # [n_walkers, 3]
            log_psi = log_psi + self.g(features).squeeze(-1)
        return log_psi


class DeterminantAnsatz(Ansatz):
    r"""Identical spin-aligned fermions in a trap: a Slater determinant of neural orbitals.

    .. math:: \psi(x_1, \dots, x_n) = \det\big[\varphi_k(x_i)\big]_{k,i}, \qquad
              \varphi_k(x) = f_k(x)\, e^{-\alpha x^2/2}

    with :math:`f = (f_1, \dots, f_n)` one MLP. Exchanging two particles swaps two columns, so
    :math:`\psi` changes sign whatever the weights are: antisymmetry is built in, not learned.

    >>> import torch
    >>> psi = DeterminantAnsatz().double()
    >>> x = torch.randn(5, 2, 1, dtype=torch.float64)
    >>> torch.allclose(psi.psi(x.flip(1)), -psi.psi(x))
    True
    """

    def __init__(self, n_particles: int = 2, dim: int = 1, alpha: float = 0.7, hidden: int = 16):
        super().__init__()
        self.alpha = nn.Parameter(torch.tensor(float(alpha)))
        self.f = _mlp(dim, hidden, n_particles, zero_last=False)

    def _slogdet(self, x: torch.Tensor):
        M = self.f(x).transpose(-1, -2)                        # [n_walkers, n_orbitals, n_particles]
        sign, log_abs = torch.linalg.slogdet(M)
        return sign, log_abs - 0.5 * self.alpha * (x**2).sum(dim=(-1, -2))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self._slogdet(x)[1]

    def sign(self, x: torch.Tensor) -> torch.Tensor:
        return self._slogdet(x)[0]


#: (system, kind) -> ansatz class and its defaults; ``make_ansatz`` builds them.
_KINDS = {
    ("harmonic_oscillator", "neural"): (GaussianAnsatz, {"dim": 1}),
    ("hydrogen", "neural"): (HydrogenAnsatz, {}),
    ("helium", "neural"): (HeliumAnsatz, {}),
    ("trap_fermions", "determinant"): (DeterminantAnsatz, {"n_particles": 2, "dim": 1}),
    ("trap_fermions", "symmetric"): (GaussianAnsatz, {"dim": 1}),
}
#: the ansatz kinds each system accepts (the first is the default)
ANSATZ_KINDS = {name: tuple(k for s, k in _KINDS if s == name) for name, _ in _KINDS}


def make_ansatz(system: str | System, kind: str | None = None, *, seed: int = 0, device=None,
                dtype: torch.dtype = torch.float64, **kwargs) -> Ansatz:
    """Build the ansatz of ``kind`` for ``system`` with reproducible initial weights.

    Args:
        system: a name from ``SYSTEMS`` or a ``System``.
        kind: one of ``ANSATZ_KINDS[system]`` (default: the first).
        seed: seeds the weight initialisation.
        device, dtype: where the parameters live (float64 by default: local energies need it).
        **kwargs: passed to the class (e.g. ``hidden=0``, ``alpha=1.0``).

    Returns:
        an ``Ansatz`` (an ``nn.Module``).

    Raises:
        ValueError: unknown system or kind.

    >>> make_ansatz("trap_fermions", "symmetric").__class__.__name__
    'GaussianAnsatz'
    >>> make_ansatz("hydrogen", "determinant")
    Traceback (most recent call last):
    ValueError: kind: expected one of ('neural',) for hydrogen, got 'determinant'
    """
    system = get_system(system)
    kinds = ANSATZ_KINDS[system.name]
    kind = kinds[0] if kind is None else kind
    if kind not in kinds:
        raise ValueError(f"kind: expected one of {kinds} for {system.name}, got {kind!r}")
    cls, defaults = _KINDS[(system.name, kind)]
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = cls(**{**defaults, **kwargs})
    return model.to(device=device, dtype=dtype)
