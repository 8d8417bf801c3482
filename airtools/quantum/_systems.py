r"""The quantum systems of lesson 05: Hamiltonians :math:`H = -\tfrac12 \sum_i \nabla_i^2 + V(x)` in atomic units.

Walker positions are ``x: [n_walkers, n_particles, dim]``; a potential maps them to ``[n_walkers]``.

>>> import torch
>>> he = get_system("helium")
>>> he.n_particles, he.dim, he.exact_energy
(2, 3, -2.903724377034)
>>> x = torch.tensor([[[1.0, 0.0, 0.0], [-1.0, 0.0, 0.0]]], dtype=torch.float64)
>>> he.potential(x)   # -2/1 - 2/1 + 1/2
tensor([-3.5000], dtype=torch.float64)
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import torch

from ._references import E_HARMONIC_OSCILLATOR, E_HELIUM, E_HYDROGEN, E_TRAP_FERMIONS

__all__ = ["System", "get_system", "SYSTEMS", "check_positions"]


@dataclass(frozen=True)
class System:
    r"""A few particles in a potential: :math:`H = -\tfrac12\sum_i \nabla_i^2 + V(x_1, \dots, x_n)`.

    Attributes:
        name: key used by ``get_system``.
        n_particles, dim: walkers are ``x: [n_walkers, n_particles, dim]``.
        potential: ``V(x) -> [n_walkers]``.
        exact_energy: the exact ground-state energy in hartree (see ``airtools.quantum._references``).
        fermions: True when the particles are identical spin-aligned fermions, so the wavefunction must be
            antisymmetric under exchange, :math:`\psi(x_2, x_1) = -\psi(x_1, x_2)`.
        title: a readable name for plots.
    """

    name: str
    n_particles: int
    dim: int
    potential: Callable[[torch.Tensor], torch.Tensor]
    exact_energy: float
    fermions: bool = False
    title: str = ""


def _trap(x: torch.Tensor) -> torch.Tensor:
    return 0.5 * (x**2).sum(dim=(-1, -2))


def _coulomb_atom(Z: float):
    def V(x: torch.Tensor) -> torch.Tensor:
        r = x.norm(dim=-1)  # [n_walkers, n_particles]
        v = -Z * (1.0 / r).sum(-1)
        n = x.shape[-2]
        for i in range(n):
            for j in range(i + 1, n):
                v = v + 1.0 / (x[..., i, :] - x[..., j, :]).norm(dim=-1)
        return v

    return V


_SYSTEMS = {
    "harmonic_oscillator": System("harmonic_oscillator", 1, 1, _trap, E_HARMONIC_OSCILLATOR,
                                  title="1-D harmonic oscillator"),
    "hydrogen": System("hydrogen", 1, 3, _coulomb_atom(1.0), E_HYDROGEN, title="hydrogen atom"),
    "helium": System("helium", 2, 3, _coulomb_atom(2.0), E_HELIUM, title="helium atom"),
    "trap_fermions": System("trap_fermions", 2, 1, _trap, E_TRAP_FERMIONS, fermions=True,
                            title="two spin-aligned fermions in a 1-D trap"),
}
#: names accepted by ``get_system``
SYSTEMS = tuple(_SYSTEMS)


def get_system(name: str | System) -> System:
    """The ``System`` called ``name`` (one of ``SYSTEMS``); a ``System`` is returned as it is.

    Raises:
        ValueError: for an unknown name.

    >>> get_system("hydrogen").exact_energy
    -0.5
    >>> get_system("lithium")
    Traceback (most recent call last):
    ValueError: system: expected one of 'harmonic_oscillator', 'hydrogen', 'helium', 'trap_fermions', got 'lithium'
    """
    if isinstance(name, System):
        return name
    if name not in _SYSTEMS:
        known = ", ".join(repr(s) for s in SYSTEMS)
        raise ValueError(f"system: expected one of {known}, got {name!r}")
    return _SYSTEMS[name]


def check_positions(x: torch.Tensor, system: System, name: str = "x") -> None:
    """Raise ``ValueError`` unless ``x`` has shape ``[n_walkers, n_particles, dim]`` for ``system``.

    >>> check_positions(torch.zeros(4, 1, 3), get_system("hydrogen"))
    >>> check_positions(torch.zeros(4, 3), get_system("hydrogen"))
    Traceback (most recent call last):
    ValueError: x: expected shape [n_walkers, 1, 3] for hydrogen, got [4, 3]
    """
    if x.dim() != 3 or tuple(x.shape[1:]) != (system.n_particles, system.dim):
        raise ValueError(f"{name}: expected shape [n_walkers, {system.n_particles}, {system.dim}] "
                         f"for {system.name}, got {list(x.shape)}")
