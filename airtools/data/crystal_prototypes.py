r"""Small relaxed metal and alloy crystals for a crystal generator, and how generated cells are judged.

:func:`prototype_crystals`: every EMT metal (Al, Ni, Cu, Pd, Ag, Pt, Au) as fcc (conventional, 4 atoms), bcc
(conventional, 2) and hcp (2), and alloys of six pairs as L1\ :sub:`2` (Cu\ :sub:`3`\ Au-type, both ways round),
L1\ :sub:`0` (CuAu-type, 4 atoms) and B2 (CsCl-type, 2): 45 cells of 2 or 4 atoms. Every atom sits where the
symmetry puts it (no force on it), so relaxing a cell means relaxing its lattice parameters only: the volume of
the cubic ones, :math:`a` and :math:`c` of the hexagonal and tetragonal ones (:math:`c` along :math:`z`). These one
or two numbers are minimised with L-BFGS-B on the EMT energy, the gradient read from the stress, about 7 EMT
calls per cell (~1 s for all 45; a full BFGS of cell and positions reaches the same energies to 1e-5 eV/atom
in ~20 s). The cells are then Niggli-reduced so that each is one well-defined choice of lattice vectors. Cached
under ``cache_dir()/crystals`` (npz + SHA-256).

Judging a generated cell: :func:`min_distance` (closest pair, periodic images included), :func:`relax_emt`
(a short EMT relaxation; energy per atom after it) and ``spacegroup`` of :mod:`.crystals`; all three for a list
of cells in :func:`judge_crystals`.

>>> cells = prototypes()                                 # before relaxation
>>> len(cells), sorted({len(a) for a in cells}), round(min_distance(cells[0]), 2)
(45, [2, 4], 2.86)
"""
from __future__ import annotations

import warnings

import numpy as np
from ase import Atoms
from ase.build import niggli_reduce
from ase.calculators.emt import EMT
from ase.constraints import FixSymmetry
from ase.filters import FrechetCellFilter
from ase.neighborlist import neighbor_list
from ase.optimize import BFGS
from scipy.optimize import minimize

from airtools.cache import cache_dir, cache_key, cached

from .crystals import ELEMENTS, bulk_crystal, spacegroup

__all__ = ["ALLOY_PAIRS", "prototypes", "prototype_crystals", "relax_emt", "relax_lattice", "min_distance",
           "judge_crystals", "atoms_from_arrays", "by_composition"]

ALLOY_PAIRS = (("Cu", "Au"), ("Cu", "Pd"), ("Ni", "Pt"), ("Ag", "Au"), ("Cu", "Ni"), ("Al", "Ni"))
_VERSION = 3  # 3: lattice parameters relaxed by L-BFGS-B on the stress (was a BFGS of the whole cell)


def prototype_crystals() -> list[Atoms]:
    """The 45 relaxed, Niggli-reduced training cells (see the module docstring), EMT-relaxed once and cached.

    Returns:
        a list of periodic ``ase.Atoms`` (2 or 4 atoms each), in a fixed order: metals, then alloys.
    """
    arrays = cached(cache_dir() / "crystals" / f"{cache_key('prototypes', _VERSION)}.npz", _build)
    return atoms_from_arrays(arrays)


def atoms_from_arrays(arrays: dict) -> list[Atoms]:
    """Cells from flat arrays ``n_atoms [S]``, ``z [N]``, ``frac [N, 3]``, ``cell [S, 3, 3]``."""
    starts = np.concatenate([[0], np.cumsum(arrays["n_atoms"])])
    return [Atoms(numbers=arrays["z"][a:b], scaled_positions=arrays["frac"][a:b], cell=arrays["cell"][k], pbc=True)
            for k, (a, b) in enumerate(zip(starts[:-1], starts[1:]))]


def relax_emt(atoms: Atoms, *, steps: int = 30, fmax: float = 0.02, cell: bool = True,
              symmetric: bool = False) -> tuple[Atoms, float]:
    """A short EMT relaxation (BFGS, at most ``steps`` steps): positions, and the cell too with ``cell=True``.

    Args:
        atoms: a periodic cell of EMT elements; it is not changed.
        symmetric: keep the space group found at symprec 1e-3 (ASE's ``FixSymmetry``).

    Returns:
        the relaxed copy and its energy per atom (eV/atom).

    >>> relaxed, e = relax_emt(bulk_crystal("Cu", scale=1.02)); round(e, 3)
    -0.006
    """
    atoms = atoms.copy()
    atoms.calc = EMT()
    if symmetric:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            atoms.set_constraint(FixSymmetry(atoms, symprec=1e-3))
    target = FrechetCellFilter(atoms) if cell else atoms
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        BFGS(target, logfile=None, maxstep=0.1).run(fmax=fmax, steps=steps)
    energy = float(atoms.get_potential_energy()) / len(atoms)
    atoms.set_constraint()
    atoms.calc = None
    return atoms, energy


def min_distance(atoms: Atoms, cutoff: float = 4.0) -> float:
    """The shortest distance between two atoms of a periodic cell, periodic images included (Å); ``cutoff``
    when no pair is closer than it.

    >>> from ase import Atoms
    >>> min_distance(Atoms("Cu2", scaled_positions=[[0, 0, 0], [0.5, 0, 0]], cell=[3, 3, 3], pbc=True))
    1.5
    """
    d = neighbor_list("d", atoms, cutoff)
    return float(d.min()) if len(d) else float(cutoff)


def judge_crystals(cells, *, valid_distance: float = 2.0, symprec: float = 0.1,
                   relax_steps: int = 10) -> dict[str, np.ndarray]:
    """Validity, space group and relaxed EMT energy of each cell (CDVAE's and DiffCSP's checks, for EMT metals).

    Args:
        cells: periodic ``ase.Atoms``; they are not changed.
        valid_distance: a cell is valid when no two atoms (periodic images included) are closer (Å).
        symprec: spglib's tolerance (Å) for the space group of the cell as it is (not relaxed).
        relax_steps: BFGS steps of :func:`relax_emt` (positions and cell) before the energy is read.

    Returns:
        ``min_distance [S]`` (Å), ``valid [S]`` (bool), ``space_group [S]`` (1-230; 0 where spglib finds none,
        e.g. atoms on top of each other), ``energy [S]`` (eV/atom after the relaxation; ``inf`` where EMT fails).

    >>> out = judge_crystals(prototypes()[:2], relax_steps=0)
    >>> out["valid"].tolist(), out["space_group"].tolist(), [round(float(e), 3) for e in out["energy"]]
    ([True, True], [225, 229], [-0.002, 0.019])
    """
    d = np.array([min_distance(a) for a in cells])
    groups, energies = [], []
    for atoms in cells:
        try:
            groups.append(spacegroup(atoms, symprec)[1])
        except ValueError:  # spglib found no symmetry operation at all
            groups.append(0)
        with np.errstate(all="ignore"):
            try:
                energy = relax_emt(atoms, steps=relax_steps)[1]
            except Exception:  # EMT or the optimiser on atoms at one place
                energy = np.inf
        energies.append(energy if np.isfinite(energy) else np.inf)
    return {"min_distance": d, "valid": d >= valid_distance, "space_group": np.array(groups),
            "energy": np.array(energies)}


def by_composition(cells) -> dict[str, list[int]]:
    """The compositions of ``cells``: chemical formula (ASE's ``"metal"`` mode, e.g. ``"AuCu3"``) -> the indices of
    the cells with it, in the order of first appearance. A generator given a composition is judged against the
    training cells of that composition (bcc and hcp metals share one: two atoms of the element).

    >>> groups = by_composition(prototypes()); len(groups), groups["Cu2"], groups["AuCu3"]
    (38, [7, 8], [21])
    """
    groups: dict[str, list[int]] = {}
    for k, atoms in enumerate(cells):
        groups.setdefault(atoms.get_chemical_formula(mode="metal"), []).append(k)
    return groups


def prototypes() -> list[Atoms]:
    """The 45 cells of :func:`prototype_crystals` before relaxation (ideal lattice constants)."""
    out = []
    for element in ELEMENTS:
        out += [bulk_crystal(element, "fcc", cubic=True), bulk_crystal(element, "bcc", cubic=True),
                bulk_crystal(element, "hcp")]
    for a, b in ALLOY_PAIRS:
        for host, guest, sites in ((a, b, [0]), (b, a, [0]), (a, b, [1, 2])):  # L1_2 both ways, L1_0
            atoms = bulk_crystal(host, "fcc", cubic=True)
            atoms.symbols[sites] = guest
            out.append(atoms)
        atoms = bulk_crystal(a, "bcc", cubic=True)  # B2
        atoms.symbols[[1]] = b
        out.append(atoms)
    return out


def relax_lattice(atoms: Atoms) -> tuple[Atoms, float]:
    r"""Relax the lattice parameters of a symmetric cell with EMT (atoms stay at their fractional positions).

    Cubic cells (spglib space group 195-230) are scaled as a whole, :math:`C \to s\,C`; others get
    :math:`C \to C\,\mathrm{diag}(s_{xy}, s_{xy}, s_z)` (hexagonal and tetragonal cells with :math:`c` along
    :math:`z`). L-BFGS-B over :math:`\log s` (within ±0.25), with
    :math:`\partial E/\partial \log s_{xy} = V(\sigma_{xx} + \sigma_{yy})` and
    :math:`\partial E/\partial \log s_z = V\sigma_{zz}` from EMT's stress.

    Returns:
        the relaxed copy and its energy per atom (eV/atom).

    >>> relaxed, e = relax_lattice(bulk_crystal("Cu", scale=1.02)); round(e, 3), round(float(relaxed.cell.volume), 2)
    (-0.007, 11.57)
    """
    cubic = spacegroup(atoms)[1] >= 195
    cell0 = atoms.cell[:].copy()
    work = atoms.copy()
    work.calc = EMT()

    def energy_and_gradient(x):
        s = np.exp(np.repeat(x, 2) if cubic else x)  # (s_xy, s_z)
        work.set_cell(cell0 @ np.diag([s[0], s[0], s[1]]), scale_atoms=True)
        stress = work.get_stress(voigt=False) * work.get_volume() / len(work)
        gradient = np.array([stress[0, 0] + stress[1, 1], stress[2, 2]])
        return work.get_potential_energy() / len(work), gradient.sum(keepdims=True) if cubic else gradient

    n = 1 if cubic else 2
    result = minimize(energy_and_gradient, np.zeros(n), jac=True, method="L-BFGS-B", bounds=[(-0.25, 0.25)] * n,
                      options=dict(gtol=1e-6, maxiter=50))
    energy, _ = energy_and_gradient(result.x)
    work.calc = None
    return work, float(energy)


def _build() -> dict[str, np.ndarray]:
    cells = []
    for atoms in prototypes():
        relaxed, _ = relax_lattice(atoms)
        niggli_reduce(relaxed)
        cells.append(relaxed)
    return {"n_atoms": np.array([len(a) for a in cells]), "z": np.concatenate([a.numbers for a in cells]),
            "frac": np.concatenate([a.get_scaled_positions(wrap=True) for a in cells]),
            "cell": np.stack([a.cell[:] for a in cells])}
