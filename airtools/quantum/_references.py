r"""Exact (or numerically exact) reference energies, in hartree, each with its source.

Atomic units throughout: :math:`\hbar = m_e = e = 4\pi\varepsilon_0 = 1`, lengths in bohr, energies in
hartree (1 Ha = 27.211 eV); the nucleus is infinitely heavy.

>>> E_HELIUM
-2.903724377034
>>> E_TRAP_FERMIONS - E_TRAP_BOSONS
1.0
"""
__all__ = [
    "E_HARMONIC_OSCILLATOR",
    "E_HYDROGEN",
    "R_MEAN_HYDROGEN",
    "E_HELIUM",
    "E_HELIUM_HARTREE_FOCK",
    "E_HELIUM_HYDROGENIC",
    "E_TRAP_FERMIONS",
    "E_TRAP_BOSONS",
]

#: 1-D harmonic oscillator :math:`H = -\tfrac12 \partial_x^2 + \tfrac12 x^2`: :math:`E_n = n + \tfrac12`,
#: ground state :math:`\psi_0 \propto e^{-x^2/2}` (any quantum-mechanics textbook, e.g. Griffiths §2.3).
E_HARMONIC_OSCILLATOR = 0.5

#: Hydrogen atom, :math:`H = -\tfrac12\nabla^2 - 1/r`: :math:`E_n = -1/(2n^2)`, ground state
#: :math:`\psi \propto e^{-r}` (Bohr/Schrödinger; Griffiths §4.2).
E_HYDROGEN = -0.5

#: :math:`\langle r \rangle = \tfrac32` bohr in the hydrogen ground state, from :math:`|\psi|^2 \propto e^{-2r}`.
R_MEAN_HYDROGEN = 1.5

#: Helium atom, non-relativistic, infinite nuclear mass: C. L. Pekeris, Phys. Rev. 115, 1216 (1959),
#: −2.903724375 Ha; to 13 digits from G. W. F. Drake, *Springer Handbook of Atomic, Molecular and Optical
#: Physics* (2006), Table 11.1: −2.903724377034119598 Ha.
E_HELIUM = -2.903724377034

#: Helium Hartree–Fock limit (no correlation): E. Clementi and C. Roetti, At. Data Nucl. Data Tables 14,
#: 177 (1974). :math:`E_\mathrm{He} - E_\mathrm{HF} = -0.042` Ha is the correlation energy.
E_HELIUM_HARTREE_FOCK = -2.86168

#: Best product of two hydrogenic 1s orbitals :math:`e^{-\zeta(r_1 + r_2)}`: :math:`\zeta = 27/16`,
#: :math:`E = -\zeta^2 = -(27/16)^2` (textbook variational result, Griffiths §7.2).
E_HELIUM_HYDROGENIC = -(27 / 16) ** 2

#: Two non-interacting spin-aligned fermions in the 1-D trap :math:`V = \tfrac12 x^2`: Pauli puts them in
#: levels 0 and 1, :math:`E = \tfrac12 + \tfrac32 = 2`, :math:`\psi \propto (x_2 - x_1) e^{-(x_1^2 + x_2^2)/2}`.
E_TRAP_FERMIONS = 2.0

#: The same two particles as bosons (or with a symmetric trial function): both in level 0, :math:`E = 1`.
E_TRAP_BOSONS = 1.0
