"""Small-molecule datasets built offline: ASE geometries, sampled conformers, PySCF labels, disk cache.

Pipeline (``build_dataset``)::

    name --ASE g2--> reference geometry --PySCF--> equilibrium + Hessian at METHOD
         --normal modes at T (or Gaussian noise)--> conformers --PySCF--> E, F, mu  (cached per geometry)

Level of theory: ``METHOD = "rhf/sto-3g"`` (restricted Hartree-Fock, minimal basis; closed shells only;
any ``"<xc>/<basis>"`` such as ``"pbe/6-31g"`` runs Kohn-Sham DFT instead). It is cheap, not accurate:
about 0.02 s for energy + gradient + dipole of water on one core.

Units (the ASE convention, used by every array this module returns and caches):
energy in eV, positions in Å, forces = -dE/dpos in eV/Å, dipole in e·Å. PySCF works in Hartree and Bohr;
the conversion uses ``ase.units.Hartree`` and ``ase.units.Bohr``.
"""
from __future__ import annotations

import contextlib

import numpy as np
from ase import Atoms, units
from ase.build import molecule as ase_molecule
from ase.calculators.calculator import Calculator, all_changes
from ase.collections import g2
from ase.optimize import BFGS
from tqdm.auto import tqdm

from airtools.cache import cache_dir, cache_key, cached
from ._dataset import MoleculeDataset

__all__ = ["METHOD", "ALIASES", "LESSON_MOLECULES", "molecule_names", "get_molecule", "compute_labels",
           "equilibrium", "PySCFCalculator", "sample_conformers", "build_dataset", "build_all"]

METHOD = "rhf/sto-3g"
ALIASES = {"water": "H2O", "ammonia": "NH3", "methane": "CH4", "ethane": "C2H6", "ethylene": "C2H4",
           "acetylene": "C2H2", "methanol": "CH3OH", "ethanol": "CH3CH2OH", "formaldehyde": "H2CO",
           "hydrogen": "H2", "carbon_dioxide": "CO2", "hydrogen_fluoride": "HF", "benzene": "C6H6"}
LESSON_MOLECULES = ("water", "ammonia", "methane")
_CACHE_VERSION = 1  # part of every cache key: bump it when the labels or their units change


def molecule_names() -> list[str]:
    """Valid ``name`` arguments: the aliases above, then ASE's g2 collection (162 molecules).

    >>> molecule_names()[:3]
    ['water', 'ammonia', 'methane']
    """
    return list(ALIASES) + sorted(g2.names)


def get_molecule(name: str) -> Atoms:
    """The reference geometry of ``name`` (an alias such as ``"water"`` or a g2 name such as ``"H2O"``).

    Raises ValueError for an unknown name, listing a few valid ones.

    >>> get_molecule("water").get_chemical_formula()
    'H2O'
    """
    formula = ALIASES.get(name, name)
    if formula not in g2.names:
        raise ValueError(f"name: unknown molecule {name!r}; expected an ASE g2 name or alias, e.g. "
                         f"{', '.join(molecule_names()[:8])} (see airtools.data.molecule_names())")
    return ase_molecule(formula)


def _check_geometry(z, pos) -> tuple[np.ndarray, np.ndarray]:
    z = np.asarray(z, dtype=np.int64)
    pos = np.asarray(pos, dtype=np.float64)
    if z.ndim != 1 or pos.shape != (len(z), 3):
        raise ValueError(f"pos: expected shape [n_atoms, 3] = [{len(z)}, 3], got {list(pos.shape)}")
    if not np.isfinite(pos).all():
        raise ValueError("pos: contains NaN or inf coordinates")
    if (z < 1).any() or (z > 86).any():
        raise ValueError(f"z: expected atomic numbers 1..86, got {z.tolist()}")
    return z, pos


@contextlib.contextmanager
def _threads(n: int | None):
    """Run PySCF on ``n`` OpenMP threads (default 1), restoring the old count afterwards.

    One thread is the default: these molecules have < 30 basis functions, where threads only add
    overhead, and when the 2 cores are shared with a notebook kernel, OpenMP spin-waiting makes two
    threads 5-10x slower (measured: water energy + gradient 0.06-0.1 s on 1 thread, 0.4-0.8 s on 2).
    """
    from pyscf import lib

    old = lib.num_threads()
    lib.num_threads(n or 1)
    try:
        yield
    finally:
        lib.num_threads(old)


_TEMPLATES: dict = {}


def _template(z: tuple[int, ...], pos: np.ndarray, basis: str):
    """A PySCF molecule for ``z`` (basis parsed once per process) and its MINAO initial density guess."""
    from pyscf import gto, scf

    if sum(z) % 2:
        raise ValueError(f"z: labels need a closed-shell (even-electron) neutral molecule, got {sum(z)} electrons")
    if (z, basis) not in _TEMPLATES:
        mol = gto.M(atom=[(Z, p) for Z, p in zip(z, pos)], basis=basis, unit="Angstrom", verbose=0)
        _TEMPLATES[z, basis] = mol, scf.RHF(mol).get_init_guess()
    return _TEMPLATES[z, basis]


def _scf(z, pos, method: str):
    """A converged SCF object at ``pos`` (Å). Reuses the parsed basis and initial guess of ``_template``
    (2-3x faster for small molecules; results equal a fresh calculation to ~1e-14) and writes no chkfile."""
    from pyscf import dft, scf

    if method.count("/") != 1:
        raise ValueError(f"method: expected '<rhf or xc functional>/<basis>' such as {METHOD!r}, got {method!r}")
    kind, basis = method.lower().split("/")
    mol0, dm0 = _template(tuple(int(Z) for Z in z), pos, basis)
    mol = mol0.set_geom_(pos, unit="Angstrom", inplace=False)
    mf = scf.RHF(mol) if kind == "rhf" else dft.RKS(mol, xc=kind)
    mf.chkfile, mf.conv_tol = None, 1e-10
    mf.kernel(dm0=dm0)
    if not mf.converged:
        raise RuntimeError(f"SCF ({method}) did not converge for z={z.tolist()}, pos={pos.tolist()}")
    return mf


def _pyscf_labels(z, pos, method: str) -> dict[str, np.ndarray]:
    """Energy [eV], forces [n_atoms, 3] in eV/Å and dipole [3] in e·Å of one geometry (no cache)."""
    mf = _scf(z, pos, method)
    grad = mf.nuc_grad_method().kernel()  # Hartree / Bohr
    return {"energy": np.array(mf.e_tot * units.Hartree),
            "forces": -grad * units.Hartree / units.Bohr,
            "dipole": mf.dip_moment(unit="AU", verbose=0) * units.Bohr}


def compute_labels(z, pos, method: str = METHOD, *, cache: bool = True, threads: int | None = None):
    """Energy, forces and dipole of one geometry with PySCF, through the on-disk cache.

    F = -dE/dpos (analytic gradient); dipole mu = sum_a Z_a R_a - int r rho(r) dr.

    Args:
        z: [n_atoms] atomic numbers. pos: [n_atoms, 3] in Å.
        method: ``"rhf/<basis>"`` or ``"<xc>/<basis>"``.
        cache: read/write ``cache_dir()/molecules/<sha256(method, z, pos)>.npz``.

    Returns:
        dict with ``energy`` [] eV, ``forces`` [n_atoms, 3] eV/Å, ``dipole`` [3] e·Å.

    >>> a = get_molecule("water")
    >>> out = compute_labels(a.numbers, a.positions, cache=False)
    >>> round(float(out["energy"]), 2), out["forces"].shape   # -74.964 Hartree
    (-2039.88, (3, 3))
    """
    z, pos = _check_geometry(z, pos)
    with _threads(threads):
        if not cache:
            return _pyscf_labels(z, pos, method)
        path = cache_dir() / "molecules" / f"{cache_key('labels', _CACHE_VERSION, method, z, pos)}.npz"
        return cached(path, lambda: _pyscf_labels(z, pos, method))


class PySCFCalculator(Calculator):
    """An ASE calculator giving ``compute_labels`` results: energy (eV), forces (eV/Å), dipole (e·Å).

    >>> a = get_molecule("water"); a.calc = PySCFCalculator(cache=False)
    >>> round(a.get_potential_energy(), 2)
    -2039.88
    """

    implemented_properties = ["energy", "forces", "dipole"]

    def __init__(self, method: str = METHOD, *, cache: bool = True, **kwargs):
        super().__init__(**kwargs)
        self.method, self.cache = method, cache

    def calculate(self, atoms=None, properties=("energy",), system_changes=all_changes):
        super().calculate(atoms, properties, system_changes)
        out = compute_labels(self.atoms.numbers, self.atoms.positions, self.method, cache=self.cache)
        self.results = {"energy": float(out["energy"]), "forces": out["forces"], "dipole": out["dipole"]}


def _optimise(z, pos, method, fmax=1e-3):
    """Relax ``pos`` to the METHOD minimum (ASE BFGS, max force ``fmax`` eV/Å); return pos and Hessian."""
    atoms = Atoms(numbers=z, positions=pos, calculator=PySCFCalculator(method, cache=False))
    BFGS(atoms, logfile=None).run(fmax=fmax, steps=200)
    H = _scf(z, atoms.positions, method).Hessian().kernel()  # [n, n, 3, 3] in Hartree / Bohr^2
    n = len(z)
    H = H.transpose(0, 2, 1, 3).reshape(3 * n, 3 * n) * units.Hartree / units.Bohr**2
    return {"pos": atoms.positions, "hessian": H}


def equilibrium(name: str, method: str = METHOD) -> dict[str, np.ndarray]:
    """The METHOD minimum near ASE's geometry and its Hessian (cached).

    Returns:
        dict with ``z`` [n_atoms], ``pos`` [n_atoms, 3] in Å and ``hessian`` [3 n_atoms, 3 n_atoms] in eV/Å².
    """
    atoms = get_molecule(name)
    z, pos = _check_geometry(atoms.numbers, atoms.positions)
    with _threads(None):
        path = cache_dir() / "molecules" / f"{cache_key('equilibrium', _CACHE_VERSION, method, z, pos)}.npz"
        out = cached(path, lambda: _optimise(z, pos, method))
    return {"z": z, **out}


def sample_conformers(name: str, n: int, *, sampling: str = "normal_modes", temperature: float = 500.0,
                      sigma: float = 0.05, seed: int = 0, method: str = METHOD) -> np.ndarray:
    """``n`` conformers of ``name`` around the METHOD minimum, reproducible from ``seed``.

    ``"normal_modes"``: classical harmonic sampling, q_k ~ N(0, kT / omega_k^2) along each vibrational
    mode of the mass-weighted Hessian, x = M^{-1/2} sum_k q_k e_k, at ``temperature`` in K (500 K gives
    water/ammonia/methane energy spreads of 0.05-0.09 eV std and forces of ~1.4 eV/Å std).
    ``"random"``: x ~ N(0, sigma^2) per Cartesian component (sigma in Å).

    Returns:
        pos: [n, n_atoms, 3] in Å.

    >>> sample_conformers("water", 2, sampling="random", seed=0).shape
    (2, 3, 3)
    """
    eq = equilibrium(name, method)
    pos0 = eq["pos"]
    rng = np.random.default_rng([seed, int(cache_key(ALIASES.get(name, name))[:8], 16)])  # "water" = "H2O"
    if sampling == "random":
        return pos0 + sigma * rng.standard_normal((n, *pos0.shape))
    if sampling != "normal_modes":
        raise ValueError(f"sampling: expected 'normal_modes' or 'random', got {sampling!r}")
    m = np.repeat(get_molecule(name).get_masses(), 3)  # amu, [3 n_atoms]
    w2, modes = np.linalg.eigh(eq["hessian"] / np.sqrt(np.outer(m, m)))  # eV / (Å^2 amu)
    n_rigid = 5 if get_molecule(name).get_moments_of_inertia().min() < 1e-6 else 6
    w2, modes = w2[n_rigid:], modes[:, n_rigid:]  # the 3N-6 (5) vibrations; the rest are ~0
    if (w2 < 1e-2).any():  # a soft or imaginary mode would explode: q ~ 1/omega
        raise RuntimeError(f"{name}: the {method} Hessian has a near-zero or negative vibrational "
                           f"eigenvalue ({w2.min():.2g} eV/Å²/amu); use sampling='random'")
    q = rng.standard_normal((n, len(w2))) * np.sqrt(units.kB * temperature / w2)
    return pos0 + ((q @ modes.T) / np.sqrt(m)).reshape(n, *pos0.shape)


def build_dataset(name="water", n_conformers: int = 200, *, method: str = METHOD,
                  sampling: str = "normal_modes", temperature: float = 500.0, seed: int = 0,
                  progress: bool = True, threads: int | None = None, dtype=None) -> MoleculeDataset:
    """Conformers of one or several molecules with PySCF labels, as a ``MoleculeDataset`` (eV, Å).

    Args:
        name: a molecule name or a list of names (``n_conformers`` each).
        n_conformers, sampling, temperature, seed: see ``sample_conformers``.
        progress: show a tqdm progress bar over the PySCF calls.
        dtype: float dtype of the tensors (default: torch's default dtype).

    Returns:
        MoleculeDataset; ``energy`` relative to fitted per-element energies (``dataset.atom_energies``).

    >>> ds = build_dataset("water", 3, progress=False)
    >>> len(ds), sorted(ds[0])
    (3, ['dipole', 'energy', 'forces', 'has_forces', 'pos', 'z'])
    """
    names = [name] if isinstance(name, str) else list(name)
    jobs = [(eq_z, p) for nm in names
            for eq_z in [equilibrium(nm, method)["z"]]
            for p in sample_conformers(nm, n_conformers, sampling=sampling, temperature=temperature,
                                       seed=seed, method=method)]
    labels = [compute_labels(z, p, method, threads=threads)
              for z, p in tqdm(jobs, desc=f"PySCF {method}", disable=not progress)]
    return MoleculeDataset([z for z, _ in jobs], [p for _, p in jobs],
                           energy=[lab["energy"] for lab in labels],
                           forces=[lab["forces"] for lab in labels],
                           dipole=[lab["dipole"] for lab in labels], dtype=dtype)


def build_all(names=LESSON_MOLECULES, n_conformers: int = 200, **kwargs) -> dict[str, MoleculeDataset]:
    """Build (or load from the cache) every lesson dataset: ``{name: build_dataset(name, n_conformers)}``."""
    return {nm: build_dataset(nm, n_conformers, **kwargs) for nm in names}
