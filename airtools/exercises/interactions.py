r"""Exercise checker of lesson 12 (molecular interactions): prints "✅ ..." and returns a ``Passed`` on success,
raises ``AssertionError`` saying in plain words what is wrong otherwise.

>>> def e_int(energy, z, pos, part):
...     a, b = part == 0, part == 1
...     return energy(z, pos) - energy(z[a], pos[a]) - energy(z[b], pos[b])
>>> result = check_interaction_energy(e_int)
✅ interaction energy: matches the exact A–B pair sum (error ...), 0 far apart, ...
"""
from __future__ import annotations

import torch

from ._common import Passed, call, passed, to_float

__all__ = ["check_interaction_energy"]


def check_interaction_energy(fn, *, tolerance: float = 1e-9) -> Passed:
    r"""Check ``fn(energy, z, pos, part) -> E_int``, the supermolecular interaction energy

    .. math:: E_\text{int} = E(A \cup B) - E(A) - E(B),

    where ``energy(z [n], pos [n, 3]) -> []`` is any energy function and ``part: [n]`` marks A (0) and B (1).
    The test energy is a sum of per-element terms and a screened pair potential, float64, so the exact answer
    is the sum of the pair terms between A and B. Also checked: it vanishes far apart, is unchanged when the
    whole dimer is rotated and translated, and is symmetric when A and B swap labels.

    Returns:
        ``Passed(exact=|error| vs the A-B pair sum, far=|E_int| at 100 Å, rigid=change under a rigid
        motion, swap=change when A and B swap)``; prints "✅ ..." on success.

    >>> check_interaction_energy(lambda energy, z, pos, part: energy(z, pos) - energy(z[part == 0], pos[part == 0]))
    Traceback (most recent call last):
    AssertionError: with A and B 100 Å apart your E_int is ...; you subtracted only one monomer: ...
    """
    z = torch.tensor([8, 1, 1, 8, 1, 1])
    part = torch.tensor([0, 0, 0, 1, 1, 1])
    g = torch.Generator().manual_seed(0)
    pos = torch.randn(6, 3, dtype=torch.float64, generator=g)
    pos[3:] += torch.tensor([2.8, 0.0, 0.0], dtype=torch.float64)
    exact = _pair_energy(z, pos, part)
    value = _call(fn, z, pos, part)
    errors = {"exact": abs(value - exact)}
    far = pos.clone()
    far[3:] += torch.tensor([100.0, 0.0, 0.0], dtype=torch.float64)
    errors["far"] = abs(_call(fn, z, far, part))
    Q, _ = torch.linalg.qr(torch.randn(3, 3, dtype=torch.float64, generator=g))
    errors["rigid"] = abs(_call(fn, z, pos @ Q.T + 3.0, part) - value)
    errors["swap"] = abs(_call(fn, z, pos, 1 - part) - value)
    if errors["far"] > tolerance:
        hint = _far_mistake(_call(fn, z, far, part), z, far, part)
        raise AssertionError(f"with A and B 100 Å apart your E_int is {errors['far']:.4g}, it should be 0 "
                             f"(no interaction); {hint}")
    if abs(value + exact) < tolerance and abs(exact) > 1e-6:
        raise AssertionError(f"your E_int is {value:.6f}, the opposite of the right {exact:.6f}: "
                             f"E_int = E(A ∪ B) - E(A) - E(B), negative when the dimer binds")
    if errors["exact"] > tolerance:
        hint = (f"it is the right E_int divided by the {len(z)} atoms: return the total, not a per-atom energy"
                if abs(value * len(z) - exact) < tolerance else
                "compute E(A) from A's atoms only (part == 0) and E(B) from B's (part == 1)")
        raise AssertionError(f"your E_int is {value:.6f}, expected {exact:.6f} (the pair terms between A and B); "
                             + hint)
    if errors["rigid"] > tolerance or errors["swap"] > tolerance:
        raise AssertionError(f"your E_int changes by {errors['rigid']:.2g} when the dimer moves rigidly and by "
                             f"{errors['swap']:.2g} when A and B swap labels; it should depend on the pose only")
    return passed(f"interaction energy: matches the exact A–B pair sum (error {errors['exact']:.1e}), 0 far apart, "
                  f"unchanged when both move, symmetric in A and B", **errors)


def _energy(z: torch.Tensor, pos: torch.Tensor) -> torch.Tensor:
    """A toy molecular energy: per-element terms plus a screened Coulomb pair sum (eV, Å)."""
    eps = {1: -13.6, 8: -2040.0}
    q = torch.where(z == 8, -0.8, 0.4).to(pos)
    r = torch.cdist(pos, pos)
    i, j = torch.triu_indices(len(z), len(z), 1)
    pair = (q[i] * q[j] * 14.4 * torch.exp(-r[i, j] / 2.0) / r[i, j]).sum()
    return sum(eps[int(Z)] for Z in z) + pair


def _pair_energy(z, pos, part) -> float:
    a, b = part == 0, part == 1
    q = torch.where(z == 8, -0.8, 0.4).to(pos)
    r = torch.cdist(pos[a], pos[b])
    return float((q[a][:, None] * q[b][None, :] * 14.4 * torch.exp(-r / 2.0) / r).sum())


def _call(fn, z, pos, part) -> float:
    how = "fn(energy, z [6], pos [6, 3], part [6]) with energy(z, pos) -> a number"
    return to_float(call(fn, _energy, z.clone(), pos.clone(), part.clone(), how=how), how)


def _far_mistake(value, z, pos, part) -> str:
    """What the learner's ``value`` of E_int for A and B far apart (``pos``) is instead of 0."""
    E = {k: float(_energy(z[part == k], pos[part == k])) for k in (0, 1)}
    total = float(_energy(z, pos))
    if abs(value - total) < 1e-6:
        return "it equals E(A ∪ B): subtract E(A) and E(B)"
    if min(abs(value - E[0]), abs(value - E[1])) < 1e-6:
        return "you subtracted only one monomer: subtract both, E(A) and E(B)"
    if min(abs(value - (total - 2 * E[0])), abs(value - (total - 2 * E[1]))) < 1e-6:
        return "you subtracted the same monomer twice: E(A) from part == 0, E(B) from part == 1"
    return "subtract both monomers, each computed from its own atoms (z[part == k], pos[part == k])"
