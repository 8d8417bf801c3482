"""Crystals, offline: ASE bulk structures, spglib space groups, EMT labels (energy, forces, stress), cached
datasets of strained and rattled cells and alloys, and equations of state (the trained periodic model of
lesson 11 and the crystals dashboard is ``airtools.zoo``'s ``"crystals"`` recipe).

EMT (ASE's effective-medium theory for Al, Ni, Cu, Pd, Ag, Pt, Au) is fast and real: its zero of energy is
each element's ideal fcc crystal, so energies are already O(0.1 eV/atom) and no atom references are fitted.
Units: Å, eV, eV/Å, eV/Å³ (stress in ASE's convention: a compressed cell has negative stress).

>>> atoms = bulk_crystal("Cu", "fcc")
>>> spacegroup(atoms), round(float(emt_labels(atoms)["energy"]), 4)
(('Fm-3m', 225), -0.0057)
"""
from __future__ import annotations

import warnings

import numpy as np
import spglib
import torch
from ase import Atoms
from ase.build import bulk
from ase.calculators.emt import EMT

from airtools.cache import cache_dir, cache_key, cached

__all__ = ["ELEMENTS", "STRUCTURES", "bulk_crystal", "spacegroup", "primitive_cell", "emt_labels", "strained",
           "random_alloy", "CrystalDataset", "collate_crystals", "build_crystal_dataset", "equation_of_state"]

ELEMENTS = ("Al", "Ni", "Cu", "Pd", "Ag", "Pt", "Au")  # what ASE's EMT parametrises (besides H, C, N, O)
STRUCTURES = ("fcc", "bcc", "sc", "hcp")
_VERSION = 1  # bump when the dataset recipe changes: old cache files are then ignored


def bulk_crystal(element: str, structure: str = "fcc", *, cubic: bool = False, repeat=(1, 1, 1),
                 scale: float = 1.0) -> Atoms:
    r"""A periodic crystal from ``ase.build.bulk`` at the volume per atom of the element's fcc crystal.

    With :math:`a_\text{fcc}` ASE's reference lattice constant and :math:`v = a_\text{fcc}^3/4`:
    bcc :math:`a = (2v)^{1/3}`, sc :math:`a = v^{1/3}`, hcp :math:`a = a_\text{fcc}/\sqrt 2,\ c = a\sqrt{8/3}`
    (ideal packing). ``scale`` multiplies every length (isotropic strain :math:`1 + \varepsilon`).

    Args:
        element: one of :data:`ELEMENTS`; structure: one of :data:`STRUCTURES`.
        cubic: the conventional cubic cell (4 atoms fcc, 2 bcc) instead of the primitive one.
        repeat: supercell repetitions along a_1, a_2, a_3.

    Returns:
        ``ase.Atoms`` with ``pbc=True``.

    >>> len(bulk_crystal("Al")), len(bulk_crystal("Al", cubic=True)), len(bulk_crystal("Au", "hcp"))
    (1, 4, 2)
    """
    if element not in ELEMENTS:
        raise ValueError(f"element: EMT knows {list(ELEMENTS)}, got {element!r}")
    if structure not in STRUCTURES:
        raise ValueError(f"structure: expected one of {list(STRUCTURES)}, got {structure!r}")
    a_fcc = bulk(element, "fcc").cell.cellpar()[0] * np.sqrt(2)  # primitive |a| = a_fcc / sqrt2
    volume = a_fcc**3 / 4  # Å^3 per atom
    if structure == "fcc":
        atoms = bulk(element, "fcc", a=a_fcc * scale, cubic=cubic)
    elif structure == "bcc":
        atoms = bulk(element, "bcc", a=(2 * volume) ** (1 / 3) * scale, cubic=cubic)
    elif structure == "sc":
        atoms = bulk(element, "sc", a=volume ** (1 / 3) * scale)
    else:
        a = a_fcc / np.sqrt(2) * scale
        atoms = bulk(element, "hcp", a=a, c=a * np.sqrt(8 / 3))
    return atoms.repeat(repeat)


def spacegroup(atoms: Atoms, symprec: float = 1e-3) -> tuple[str, int]:
    """International (Hermann–Mauguin) symbol and number of the space group, by spglib.

    ``symprec`` (Å) is how far atoms may be from symmetric positions: a rattled crystal is P1 (1) at a
    tight tolerance and recovers its ideal group at a loose one.

    >>> spacegroup(bulk_crystal("Ni", "bcc")), spacegroup(bulk_crystal("Ni", "hcp"))
    (('Im-3m', 229), ('P6_3/mmc', 194))
    """
    with warnings.catch_warnings():  # spglib >= 2.5 warns about its old error handling on every call
        warnings.simplefilter("ignore", DeprecationWarning)
        dataset = spglib.get_symmetry_dataset(_spglib_cell(atoms), symprec=symprec)
    if dataset is None:
        raise ValueError(f"atoms: spglib found no symmetry at symprec={symprec} (overlapping atoms?); "
                         f"check the structure or loosen symprec")
    return dataset.international, int(dataset.number)


def primitive_cell(atoms: Atoms, symprec: float = 1e-3) -> Atoms:
    """The standardized primitive cell (spglib ``standardize_cell(to_primitive=True)``), periodic.

    >>> len(primitive_cell(bulk_crystal("Cu", cubic=True, repeat=(2, 2, 2))))   # 32 atoms -> 1
    1
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        result = spglib.standardize_cell(_spglib_cell(atoms), to_primitive=True, symprec=symprec)
    if result is None:
        raise ValueError(f"atoms: spglib could not standardize the cell at symprec={symprec}")
    lattice, frac, numbers = result
    return Atoms(numbers=numbers, scaled_positions=frac, cell=lattice, pbc=True)


def emt_labels(atoms: Atoms) -> dict[str, np.ndarray]:
    """EMT ``energy`` [] (eV), ``forces`` [n_atoms, 3] (eV/Å) and ``stress`` [3, 3] (eV/Å³) of a periodic cell.

    >>> labels = emt_labels(bulk_crystal("Cu", scale=0.97))          # compressed: negative stress
    >>> labels["forces"].shape, bool(np.trace(labels["stress"]) < 0)
    ((1, 3), True)
    """
    atoms = atoms.copy()
    if not atoms.pbc.all():
        raise ValueError(f"atoms: expected a bulk crystal periodic along all axes, got pbc={atoms.pbc.tolist()}")
    bad = sorted(set(atoms.get_chemical_symbols()) - set(ELEMENTS))
    if bad:
        raise ValueError(f"atoms: EMT has no parameters for {bad}; use elements of {list(ELEMENTS)}")
    atoms.calc = EMT()
    return {"energy": np.asarray(atoms.get_potential_energy()), "forces": atoms.get_forces(),
            "stress": atoms.get_stress(voigt=False)}


def strained(atoms: Atoms, strain) -> Atoms:
    r"""A copy with cell and positions deformed by :math:`1 + \varepsilon`: :math:`C \to C(1+\varepsilon)`,
    :math:`r \to r(1+\varepsilon)`; ``strain`` is a number (isotropic) or a ``[3, 3]`` matrix.

    >>> round(float(strained(bulk_crystal("Cu"), 0.01).get_volume() / bulk_crystal("Cu").get_volume()), 4)
    1.0303
    """
    deform = np.eye(3) + (np.eye(3) * strain if np.ndim(strain) == 0 else np.asarray(strain, dtype=float))
    out = atoms.copy()
    out.set_cell(atoms.cell[:] @ deform, scale_atoms=False)
    out.positions = atoms.positions @ deform
    return out


def random_alloy(elements=("Cu", "Au"), fraction: float = 0.5, *, repeat=(2, 2, 2), seed: int = 0) -> Atoms:
    """A random substitutional fcc alloy: a supercell of the first element's primitive cell, each site
    taken by ``elements[1]`` with probability ``fraction``, lattice constant by Vegard's law (linear mix).

    >>> sorted(set(random_alloy(("Cu", "Ni"), 0.5, seed=1).get_chemical_symbols()))
    ['Cu', 'Ni']
    """
    rng = np.random.default_rng(seed)
    host, guest = elements
    atoms = bulk_crystal(host, repeat=repeat)
    swap = rng.random(len(atoms)) < fraction
    atoms.symbols[swap] = guest
    a_host, a_guest = (bulk_crystal(e).cell.cellpar()[0] for e in (host, guest))
    return strained(atoms, swap.mean() * (a_guest / a_host - 1))


class CrystalDataset(torch.utils.data.Dataset):
    """Labelled periodic cells; item ``i`` is a dict of tensors ``z [n]``, ``pos [n, 3]``, ``cell [3, 3]``,
    ``pbc [3]``, ``energy []`` (eV, EMT total), ``forces [n, 3]``, ``stress [3, 3]``.

    Built from the flat arrays :func:`build_crystal_dataset` caches (``n_atoms [S]``, concatenated ``z``,
    ``pos``, ``forces``, and ``cell [S, 3, 3]``, ``energy [S]``, ``stress [S, 3, 3]``).

    >>> ds = CrystalDataset.from_atoms([bulk_crystal("Cu"), bulk_crystal("Al", cubic=True)])
    >>> len(ds), ds[1]["pos"].shape, ds.n_atoms.tolist()
    (2, torch.Size([4, 3]), [1, 4])
    """

    def __init__(self, arrays: dict[str, np.ndarray], *, dtype=None):
        dtype = dtype or torch.get_default_dtype()
        self.n_atoms = torch.as_tensor(arrays["n_atoms"], dtype=torch.long)
        starts = np.concatenate([[0], np.cumsum(arrays["n_atoms"])])
        self._slices = [slice(int(a), int(b)) for a, b in zip(starts[:-1], starts[1:])]
        self.z = torch.as_tensor(arrays["z"], dtype=torch.long)
        self.pos, self.forces = (torch.as_tensor(arrays[k], dtype=dtype) for k in ("pos", "forces"))
        self.cell, self.stress = (torch.as_tensor(arrays[k], dtype=dtype) for k in ("cell", "stress"))
        self.energy = torch.as_tensor(arrays["energy"], dtype=dtype)

    @classmethod
    def from_atoms(cls, structures, *, dtype=None) -> "CrystalDataset":
        """Label ``structures`` (``ase.Atoms``, periodic) with EMT now, uncached."""
        return cls(_label(list(structures)), dtype=dtype)

    @staticmethod
    def collate(items: list[dict]) -> dict:
        """Batch items with :func:`collate_crystals` (what ``airtools.train.train`` uses by default)."""
        return collate_crystals(items)

    def __len__(self) -> int:
        return len(self._slices)

    def __getitem__(self, i: int) -> dict[str, torch.Tensor]:
        s = self._slices[i]
        return {"z": self.z[s], "pos": self.pos[s], "cell": self.cell[i], "pbc": torch.ones(3, dtype=torch.bool),
                "energy": self.energy[i], "forces": self.forces[s], "stress": self.stress[i]}


def collate_crystals(items: list[dict]) -> dict[str, torch.Tensor]:
    """Batch crystals: ``z [N]``, ``pos [N, 3]``, ``batch [N]``, ``cell [G, 3, 3]``, ``pbc [G, 3]``,
    ``energy [G]``, ``forces [N, 3]``, ``stress [G, 3, 3]`` (when the items have it), ``n_atoms [G]``.

    >>> ds = CrystalDataset.from_atoms([bulk_crystal("Cu"), bulk_crystal("Al", cubic=True)])
    >>> b = collate_crystals([ds[0], ds[1]]); b["batch"].tolist(), b["cell"].shape
    ([0, 1, 1, 1, 1], torch.Size([2, 3, 3]))
    """
    n_atoms = torch.tensor([len(it["z"]) for it in items])
    out = {"z": torch.cat([it["z"] for it in items]), "pos": torch.cat([it["pos"] for it in items]),
           "batch": torch.repeat_interleave(torch.arange(len(items)), n_atoms), "n_atoms": n_atoms,
           "cell": torch.stack([it["cell"] for it in items]), "pbc": torch.stack([it["pbc"] for it in items]),
           "energy": torch.stack([it["energy"] for it in items]),
           "forces": torch.cat([it["forces"] for it in items])}
    if all("stress" in it for it in items):
        out["stress"] = torch.stack([it["stress"] for it in items])
    return out


def build_crystal_dataset(n_structures: int = 300, *, seed: int = 0, max_strain: float = 0.05,
                          max_shear: float = 0.03, rattle: float = 0.05, alloy_fraction: float = 0.2,
                          dtype=None) -> CrystalDataset:
    r"""EMT-labelled crystals of 1–8 atoms, cached under ``cache_dir()/crystals`` (npz + SHA-256, atomic).

    Each structure: an element of :data:`ELEMENTS` in a structure of :data:`STRUCTURES` (primitive, cubic
    or a small supercell), or (with probability ``alloy_fraction``) a random fcc CuAu / CuNi alloy; then a
    strain :math:`\varepsilon = s I + \tau` with :math:`s \sim U(\pm\text{max\_strain})` and a symmetric
    shear :math:`\tau_{kl} \sim U(\pm\text{max\_shear})` (off-diagonal); then, for half of them, Gaussian
    displacements of ``rattle`` Å (the rest keep zero forces by symmetry).

    >>> ds = build_crystal_dataset(4, seed=1)
    >>> len(ds), sorted(ds[0])
    (4, ['cell', 'energy', 'forces', 'pbc', 'pos', 'stress', 'z'])
    """
    settings = (n_structures, seed, max_strain, max_shear, rattle, alloy_fraction)
    key = cache_key("emt-crystals", _VERSION, *settings)
    arrays = cached(cache_dir() / "crystals" / f"{key}.npz", lambda: _label(_sample(*settings)))
    return CrystalDataset(arrays, dtype=dtype)


def equation_of_state(element: str, structure: str = "fcc", strains=np.linspace(-0.04, 0.04, 9), *,
                      energy_fn=None) -> tuple[np.ndarray, np.ndarray]:
    """Volumes and energies per atom of the primitive cell under isotropic strains, by EMT or by ``energy_fn``.

    Args:
        element, structure: see :func:`bulk_crystal`; strains: ``[n]`` linear strains (0.01 = +1 % lengths).
        energy_fn: ``[ase.Atoms] -> [n]`` energies per atom, e.g. ``lambda cells:
            airtools.models.model_energies(model, cells)`` for a trained model; ``None`` for EMT.

    Returns:
        ``volumes [n]`` (Å³/atom) and ``energies [n]`` (eV/atom); fit them with ``ase.eos.EquationOfState``.

    >>> v, e = equation_of_state("Cu", strains=[-0.02, 0.0, 0.02])
    >>> bool(e[1] < e[0] and e[1] < e[2]), bool(v[0] < v[1] < v[2])
    (True, True)
    """
    base = bulk_crystal(element, structure)
    cells = [strained(base, float(s)) for s in np.atleast_1d(strains)]
    volumes = np.array([c.get_volume() / len(c) for c in cells])
    if energy_fn is None:
        return volumes, np.array([float(emt_labels(c)["energy"]) / len(c) for c in cells])
    return volumes, np.asarray(energy_fn(cells), dtype=float)


def _spglib_cell(atoms: Atoms):
    return (np.asarray(atoms.cell[:]), atoms.get_scaled_positions(wrap=True), atoms.numbers)


def _sample(n, seed, max_strain, max_shear, rattle, alloy_fraction) -> list[Atoms]:
    rng = np.random.default_rng(seed)
    variants = {"fcc": [dict(), dict(cubic=True), dict(repeat=(2, 1, 1))], "bcc": [dict(), dict(cubic=True)],
                "sc": [dict(), dict(repeat=(2, 1, 1)), dict(repeat=(2, 2, 2))], "hcp": [dict(), dict(repeat=(1, 1, 2))]}
    out = []
    for _ in range(n):
        if rng.random() < alloy_fraction:
            pair = (("Cu", "Au"), ("Cu", "Ni"))[rng.integers(2)]
            atoms = random_alloy(pair, rng.uniform(0.2, 0.8), repeat=((1, 1, 2), (2, 2, 2))[rng.integers(2)],
                                 seed=int(rng.integers(2**31)))
        else:
            structure = STRUCTURES[rng.integers(len(STRUCTURES))]
            kwargs = variants[structure][rng.integers(len(variants[structure]))]
            atoms = bulk_crystal(ELEMENTS[rng.integers(len(ELEMENTS))], structure, **kwargs)
        shear = rng.uniform(-max_shear, max_shear, (3, 3)) * (1 - np.eye(3))
        atoms = strained(atoms, rng.uniform(-max_strain, max_strain) * np.eye(3) + (shear + shear.T) / 2)
        if rng.random() < 0.5:
            atoms.positions += rattle * rng.standard_normal(atoms.positions.shape)
        out.append(atoms)
    return out


def _label(structures: list[Atoms]) -> dict[str, np.ndarray]:
    labels = [emt_labels(a) for a in structures]
    return {"n_atoms": np.array([len(a) for a in structures]), "z": np.concatenate([a.numbers for a in structures]),
            "pos": np.concatenate([a.positions for a in structures]),
            "cell": np.stack([a.cell[:] for a in structures]),
            "energy": np.array([float(lab["energy"]) for lab in labels]),
            "forces": np.concatenate([lab["forces"] for lab in labels]),
            "stress": np.stack([lab["stress"] for lab in labels])}
