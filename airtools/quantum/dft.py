r"""Kohn-Sham DFT in practice, as thin helpers over PySCF (no SCF of our own).

Kohn-Sham replaces the many-electron problem by orbitals :math:`\phi_i` in an effective potential,

.. math:: \Big[-\tfrac12\nabla^2 + v_{\rm ext} + v_{\rm H}[\rho] + v_{\rm xc}[\rho]\Big]\phi_i = \epsilon_i\phi_i,
          \qquad \rho(\mathbf r) = \sum_{\mu\nu} P_{\mu\nu}\,\chi_\mu(\mathbf r)\chi_\nu(\mathbf r),

solved self-consistently by PySCF; the density is evaluated here from the AO density matrix :math:`P`
(``pyscf.dft.numint.eval_ao`` / ``eval_rho``). Units are atomic: Hartree, Bohr (geometries given in Å are
converted by PySCF). ``xc="hf"`` runs Hartree-Fock instead, for comparison.

>>> res = run_kohn_sham("water", xc="lda", basis="sto-3g")
>>> round(integrate_density(res), 3), res.n_electrons
(10.0, 10)
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from airtools.data import get_molecule

__all__ = ["KSResult", "make_mol", "run_kohn_sham", "density", "integrate_density", "density_slice",
           "energies_by_functional", "ao_matrices"]


@dataclass
class KSResult:
    """A converged SCF: ``mol``, the PySCF ``mf`` object, ``energy`` (Ha), ``dm`` ``[n_ao, n_ao]`` (spin-summed)
    and the wall-clock ``seconds`` it took."""

    mol: object
    mf: object
    xc: str
    basis: str
    energy: float
    dm: np.ndarray
    seconds: float

    @property
    def n_electrons(self) -> int:
        return int(self.mol.nelectron)


def make_mol(atoms, basis: str = "sto-3g", *, unit: str = "Angstrom", charge: int = 0):
    """A PySCF ``Mole`` from a molecule name (``"water"``, see ``airtools.data.molecule_names``), an ASE
    ``Atoms``, a list of ``(symbol or Z, xyz)`` pairs, or a PySCF atom string. Odd electron counts get spin 1.

    >>> make_mol("water").nao
    7
    """
    from pyscf import gto

    if isinstance(atoms, str) and not any(c.isdigit() for c in atoms):
        atoms = get_molecule(atoms)
    if hasattr(atoms, "get_chemical_symbols"):  # ASE Atoms (positions in Å)
        atoms, unit = list(zip(atoms.get_chemical_symbols(), atoms.positions.tolist())), "Angstrom"
    try:
        mol = gto.M(atom=atoms, basis=basis, unit=unit, charge=charge, verbose=0)
    except RuntimeError:  # odd electron count: PySCF asks for the spin
        mol = gto.M(atom=atoms, basis=basis, unit=unit, charge=charge, spin=1, verbose=0)
    return mol


def run_kohn_sham(atoms, xc: str = "pbe", basis: str = "6-31g", *, unit: str = "Angstrom",
                  grid_level: int = 3, conv_tol: float = 1e-9, dm0=None, threads: int = 1) -> KSResult:
    """Converge restricted (unrestricted when the spin is odd) Kohn-Sham DFT with functional ``xc``
    (``"lda"``, ``"pbe"``, ``"b3lyp"``, ...; ``"hf"`` for Hartree-Fock) in ``basis``.

    Args:
        atoms: see ``make_mol``; ``unit`` is the unit of explicit coordinates (``"Bohr"`` or ``"Angstrom"``).
        grid_level: PySCF's integration grid level 0-9 (3 is PySCF's default; 1 is ~0.03 mHa off for water).
        dm0: initial density matrix (e.g. a neighbouring geometry's), or ``None`` for PySCF's guess.
        threads: OpenMP threads for PySCF (1: small molecules gain nothing from more, and a shared CPU
            makes spin-waiting threads several times slower).

    Returns:
        KSResult; raises RuntimeError if the SCF does not converge.

    >>> round(run_kohn_sham([("H", (0, 0, 0)), ("H", (0, 0, 1.4))], "hf", "sto-3g", unit="Bohr").energy, 4)
    -1.1167
    """
    from pyscf import dft, lib, scf

    mol = make_mol(atoms, basis, unit=unit)
    kind = xc.lower()
    t0 = time.perf_counter()
    if kind in ("hf", "rhf", "uhf"):
        mf = scf.RHF(mol) if mol.spin == 0 else scf.UHF(mol)
    else:
        mf = dft.RKS(mol, xc=kind) if mol.spin == 0 else dft.UKS(mol, xc=kind)
        mf.grids.level = grid_level
    mf.chkfile, mf.conv_tol = None, conv_tol
    old = lib.num_threads()
    lib.num_threads(threads)
    try:
        energy = mf.kernel(dm0=dm0)
    finally:
        lib.num_threads(old)
    if not mf.converged:
        raise RuntimeError(f"SCF ({xc}/{basis}) did not converge")
    dm = mf.make_rdm1()
    dm = dm.sum(0) if dm.ndim == 3 else dm
    return KSResult(mol, mf, xc, basis, float(energy), dm, time.perf_counter() - t0)


def density(result: KSResult, points) -> np.ndarray:
    r"""Electron density :math:`\rho(\mathbf r) = \sum_{\mu\nu} P_{\mu\nu}\chi_\mu(\mathbf r)\chi_\nu(\mathbf r)`.

    Args:
        points: ``[..., 3]`` in Bohr.

    Returns:
        rho: ``[...]`` in electrons / Bohr³.

    >>> res = run_kohn_sham([("H", (0, 0, 0)), ("H", (0, 0, 1.4))], "hf", "sto-3g", unit="Bohr")
    >>> density(res, np.zeros((2, 4, 3))).shape
    (2, 4)
    """
    from pyscf.dft import numint

    points = np.asarray(points, dtype=np.float64)
    if points.shape[-1] != 3:
        raise ValueError(f"points: expected shape [..., 3], got {list(points.shape)}")
    ao = numint.eval_ao(result.mol, points.reshape(-1, 3))
    return numint.eval_rho(result.mol, ao, result.dm).reshape(points.shape[:-1])


def integrate_density(result: KSResult, grid_level: int = 3) -> float:
    r""":math:`\int \rho\, d^3 r \approx \sum_g w_g\, \rho(\mathbf r_g)` on PySCF's Becke-Lebedev molecular grid;
    equals the electron count N to ~1e-5 at level 3."""
    from pyscf.dft import gen_grid

    grids = gen_grid.Grids(result.mol)
    grids.level = grid_level
    grids.build()
    return float(grids.weights @ density(result, grids.coords))


def density_slice(result: KSResult, plane: str = "xy", offset: float = 0.0, extent: float = 4.0,
                  n: int = 81):
    """The density on an ``n`` x ``n`` square of half-width ``extent`` (Bohr) in ``plane`` ("xy", "xz" or "yz")
    at ``offset`` along the third axis, centred on the molecule's centre of charge.

    Returns:
        ``(u [n], v [n], rho [n, n])`` with ``rho[i, j]`` at ``(u[j], v[i])`` (plotly heatmap order).

    >>> res = run_kohn_sham([("H", (0, 0, 0)), ("H", (0, 0, 1.4))], "hf", "sto-3g", unit="Bohr")
    >>> density_slice(res, "xz", n=5)[2].shape
    (5, 5)
    """
    axes = {"xy": (0, 1, 2), "xz": (0, 2, 1), "yz": (1, 2, 0)}
    if plane not in axes:
        raise ValueError(f"plane: expected one of {sorted(axes)}, got {plane!r}")
    a, b, c = axes[plane]
    z = result.mol.atom_charges()
    centre = z @ result.mol.atom_coords() / z.sum()
    u = np.linspace(-extent, extent, n)
    pts = np.zeros((n, n, 3)) + centre
    pts[..., a] += u[None, :]
    pts[..., b] += u[:, None]
    pts[..., c] += offset
    return u + centre[a], u + centre[b], density(result, pts)


def energies_by_functional(atoms, functionals=("hf", "lda", "pbe", "b3lyp"), basis: str = "6-31g",
                           **kwargs) -> dict[str, KSResult]:
    """``{xc: run_kohn_sham(atoms, xc, basis)}`` for each functional, to compare energies and timings."""
    return {xc: run_kohn_sham(atoms, xc, basis, **kwargs) for xc in functionals}


def ao_matrices(result: KSResult) -> dict[str, np.ndarray]:
    r"""The AO matrices of a converged SCF, each ``[n_ao, n_ao]`` in PySCF's real spherical AO order:
    ``overlap`` :math:`S_{\mu\nu}=\langle\chi_\mu|\chi_\nu\rangle`, ``hcore`` :math:`T+V_{\rm ext}`,
    ``fock`` :math:`F[P] = h + J[P] - K_x[P] + V_{\rm xc}[P]` (the Kohn-Sham/Fock Hamiltonian, spin-averaged
    for open shells) and ``dm`` :math:`P`. Orbitals solve :math:`F C = S C \epsilon`.

    >>> m = ao_matrices(run_kohn_sham("water", "hf", "sto-3g"))
    >>> m["fock"].shape, bool(np.allclose(m["fock"], m["fock"].T))
    ((7, 7), True)
    """
    mf = result.mf
    F = mf.get_fock(dm=mf.make_rdm1())
    F = F.mean(0) if F.ndim == 3 else F
    return {"overlap": mf.get_ovlp(), "hcore": mf.get_hcore(), "fock": F, "dm": result.dm}
