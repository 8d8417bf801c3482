"""Dimers of two rigid molecules labelled with counterpoise-corrected PySCF interaction energies.

Interaction energy of monomers A and B (Boys-Bernardi counterpoise, every term in the dimer's basis)::

    E_int = E_AB(AB basis) - E_A(AB basis) - E_B(AB basis)

``E_A(AB basis)`` puts ghost atoms (basis functions, no nucleus, no electrons) where B's atoms are. Without
the correction, ``E_AB - E_A(A basis) - E_B(B basis)`` is too negative: each monomer borrows the partner's
basis functions (the basis-set superposition error, BSSE). The three SCF calculations share one set of
two-electron integrals (same basis, same geometry), computed once per dimer.

Level of theory ``DIMER_METHOD = "rhf/6-31g*"``: about 0.08 s of CPU per water dimer (three SCFs). At the
S22 water dimer (CCSD(T)/CBS reference -0.218 eV) it gives -0.205 eV with the correction and -0.252 eV
without (BSSE 47 meV); Hartree-Fock has no dispersion, so the agreement is partly luck.
Units: eV and Å. The monomers are the two halves of ASE's S22 water dimer, kept rigid.
"""
from __future__ import annotations

import numpy as np
import torch
from ase import units
from ase.data import atomic_masses, chemical_symbols
from ase.data.s22 import data as s22_data
from tqdm.auto import tqdm

from airtools.cache import cache_dir, cache_key, cached
from .molecules import _check_geometry, _threads

__all__ = ["DIMER_METHOD", "water_dimer", "interaction_energy", "sample_dimers", "DimerDataset",
           "collate_dimers", "relative_pose", "pose_features"]

DIMER_METHOD = "rhf/6-31g*"
_CACHE_VERSION = 1  # part of every cache key: bump it when the labels or their units change


def water_dimer() -> dict[str, np.ndarray]:
    """The S22 water dimer (ASE ``ase.data.s22``): donor A = atoms 0-2, acceptor B = atoms 3-5.

    Returns:
        dict with ``z`` [6], ``pos`` [6, 3] in Å, ``part`` [6] (0 for A, 1 for B) and ``reference``
        (the CCSD(T)/CBS interaction energy in eV, -0.2177).

    >>> d = water_dimer(); d["z"].tolist(), d["part"].tolist()
    ([8, 1, 1, 8, 1, 1], [0, 0, 0, 1, 1, 1])
    """
    entry = s22_data["Water_dimer"]
    n_a = entry["dimer atoms"][0]
    z = np.array([{"O": 8, "H": 1}[s] for s in entry["symbols"]])
    return {"z": z, "pos": np.array(entry["positions"], dtype=np.float64),
            "part": (np.arange(len(z)) >= n_a).astype(np.int64), "reference": float(entry["interaction energy CC"])}


def interaction_energy(z_a, pos_a, z_b, pos_b, method: str = DIMER_METHOD, *, counterpoise: bool = True,
                       cache: bool = True) -> dict[str, np.ndarray]:
    """Interaction energy of monomers A and B with RHF (or Kohn-Sham for ``"<xc>/<basis>"``), cached.

    counterpoise=True: E_int = E_AB - E_A(AB basis) - E_B(AB basis); False: monomers in their own basis.

    Args:
        z_a: [n_a] atomic numbers, pos_a: [n_a, 3] in Å; z_b, pos_b likewise for B.

    Returns:
        dict of 0-d arrays in eV: ``e_int``, ``e_ab``, ``e_a``, ``e_b`` (``e_int = e_ab - e_a - e_b``).

    >>> d = water_dimer(); a, b = d["part"] == 0, d["part"] == 1
    >>> out = interaction_energy(d["z"][a], d["pos"][a], d["z"][b], d["pos"][b], "rhf/sto-3g", cache=False)
    >>> round(float(out["e_int"]), 3)
    -0.061
    """
    z_a, pos_a = _check_geometry(z_a, pos_a)
    z_b, pos_b = _check_geometry(z_b, pos_b)
    z, pos = np.concatenate([z_a, z_b]), np.concatenate([pos_a, pos_b])
    gap = np.linalg.norm(pos_a[:, None] - pos_b[None], axis=-1).min()
    if gap < 0.5:
        raise ValueError(f"pos_a, pos_b: atoms of A and B are {gap:.2f} Å apart; expected separate molecules "
                         f"(no pair closer than 0.5 Å)")
    compute = lambda: _dimer_energies(z, pos, len(z_a), method, counterpoise)  # noqa: E731
    with _threads(None):
        if not cache:
            return compute()
        key = cache_key("dimer", _CACHE_VERSION, method, counterpoise, z_a, pos_a, z_b, pos_b)
        return cached(cache_dir() / "interactions" / f"{key}.npz", compute)


def sample_dimers(n: int, seed: int = 0, *, r_range=(2.6, 6.0), near_minimum: float = 0.3,
                  min_distance: float = 1.6, method: str = DIMER_METHOD, progress: bool = True) -> "DimerDataset":
    """``n`` random poses of the two rigid S22 water monomers, labelled with ``interaction_energy``.

    Each monomer gets a Haar-random rotation about its centre of mass; B's centre sits at distance
    d ~ U(r_range) (Å) from A's along a uniform random direction. A fraction ``near_minimum`` of the poses
    samples the hydrogen-bonded well instead: the S22 pose with B turned by up to 30 degrees about its
    centre and moved along the A -> B axis to 0.88-1.5 times the S22 distance (2.6-4.4 Å), then the
    whole dimer turned at random. A pose with two atoms of A and B closer
    than ``min_distance`` (or two oxygens closer than 2.4 Å) is redrawn. Reproducible from ``seed``.

    Returns:
        DimerDataset with ``pos`` [n, 6, 3] and ``energy`` [n] (counterpoise-corrected E_int, eV).

    >>> ds = sample_dimers(2, seed=0, method="rhf/sto-3g", progress=False)
    >>> len(ds), ds.pos.shape
    (2, torch.Size([2, 6, 3]))
    """
    if n < 1 or not 0 < r_range[0] < r_range[1]:
        raise ValueError(f"n, r_range: expected n >= 1 and 0 < r_min < r_max, got n={n}, r_range={r_range}")
    d = water_dimer()
    a, b = d["part"] == 0, d["part"] == 1
    frames = [d["pos"][m] - _centre(d["pos"][m], d["z"][m]) for m in (a, b)]
    t0 = _centre(d["pos"][b], d["z"][b]) - _centre(d["pos"][a], d["z"][a])  # S22: A -> B, 2.91 Å
    rng = np.random.default_rng([seed, 12])
    poses = []
    while len(poses) < n:
        if rng.random() < near_minimum:  # the S22 pose, B turned by <= 30 degrees and pulled along A -> B
            Q = _random_rotation(rng)
            pos_a = frames[0] @ Q.T
            shift = t0 * (1 + rng.uniform(-0.12, 0.5))
            pos_b = (frames[1] @ _random_rotation(rng, max_angle=np.pi / 6).T + shift) @ Q.T
        else:
            u = rng.standard_normal(3)
            pos_a = frames[0] @ _random_rotation(rng).T
            pos_b = frames[1] @ _random_rotation(rng).T + rng.uniform(*r_range) * u / np.linalg.norm(u)
        gaps = np.linalg.norm(pos_a[:, None] - pos_b[None], axis=-1)
        if gaps.min() >= min_distance and gaps[0, 0] >= 2.4:
            poses.append(np.concatenate([pos_a, pos_b]))
    energy = [float(interaction_energy(d["z"][a], p[a], d["z"][b], p[b], method)["e_int"])
              for p in tqdm(poses, desc=f"PySCF dimers {method}", disable=not progress)]
    return DimerDataset(d["z"], d["part"], np.stack(poses), np.array(energy))


class DimerDataset(torch.utils.data.Dataset):
    """Poses of one dimer; item ``i``: ``z`` [n_atoms], ``pos`` [n_atoms, 3] Å, ``part`` [n_atoms], ``energy`` [] eV.

    >>> ds = DimerDataset([8, 8], [0, 1], np.zeros((1, 2, 3)), [0.1])
    >>> sorted(ds[0]), float(ds[0]["energy"])
    (['energy', 'part', 'pos', 'z'], 0.1)
    """

    def __init__(self, z, part, pos, energy, *, dtype=None):
        dtype = dtype or torch.get_default_dtype()
        self.z = torch.as_tensor(np.asarray(z), dtype=torch.long)
        self.part = torch.as_tensor(np.asarray(part), dtype=torch.long)
        self.pos = torch.as_tensor(np.asarray(pos), dtype=dtype)
        self.energy = torch.as_tensor(np.asarray(energy, dtype=float), dtype=dtype)
        if self.pos.shape[1:] != (len(self.z), 3) or self.energy.shape != self.pos.shape[:1]:
            raise ValueError(f"pos, energy: expected shapes [n, {len(self.z)}, 3] and [n], got "
                             f"{list(self.pos.shape)} and {list(self.energy.shape)}")
        if self.part.shape != self.z.shape or set(self.part.tolist()) != {0, 1}:
            raise ValueError(f"part: expected 0 (monomer A) or 1 (B) for each of the {len(self.z)} atoms, both present")

    @staticmethod
    def collate(items: list[dict]) -> dict:
        """Batch items with :func:`collate_dimers` (what ``airtools.train.train`` uses by default)."""
        return collate_dimers(items)

    def __len__(self) -> int:
        return len(self.energy)

    def __getitem__(self, i: int) -> dict[str, torch.Tensor]:
        return {"z": self.z, "pos": self.pos[i], "part": self.part, "energy": self.energy[i]}


def collate_dimers(items: list[dict]) -> dict[str, torch.Tensor]:
    """Concatenate dimers: ``z``, ``pos``, ``part``, ``batch`` [N] for N atoms, ``energy`` [G] for G dimers.

    >>> b = collate_dimers([DimerDataset([8, 8], [0, 1], np.zeros((2, 2, 3)), [0.1, 0.2])[i] for i in range(2)])
    >>> b["batch"].tolist(), b["part"].tolist()
    ([0, 0, 1, 1], [0, 1, 0, 1])
    """
    batch = torch.cat([torch.full((len(it["z"]),), g, dtype=torch.long) for g, it in enumerate(items)])
    return {"z": torch.cat([it["z"] for it in items]), "pos": torch.cat([it["pos"] for it in items]),
            "part": torch.cat([it["part"] for it in items]), "batch": batch,
            "energy": torch.stack([it["energy"] for it in items])}


def relative_pose(pos_a, pos_b, z_a, z_b) -> tuple[np.ndarray, np.ndarray]:
    """B's principal (inertial) frame expressed in A's: ``R = F_A^T F_B``, ``t = F_A^T (c_B - c_A)``.

    F = [e1 e2 e3] holds the eigenvectors of the inertia tensor (ascending moments) about the centre of
    mass c. Signs: e1 and e2 point towards the first atom (in input order) whose projection on them
    exceeds 1e-3 Å; e3 = e1 x e2, so det F = +1. Moving both monomers by one rotation Q and translation s
    (F -> Q F, c -> Q c + s) leaves R and t unchanged; moving one changes them.

    Args:
        pos_a: [n_a, 3], pos_b: [n_b, 3] in Å; z_a: [n_a], z_b: [n_b] (masses from ASE).

    Returns:
        R: [3, 3] rotation (det +1), t: [3] in Å.

    >>> d = water_dimer(); a, b = d["part"] == 0, d["part"] == 1
    >>> R, t = relative_pose(d["pos"][a], d["pos"][b], d["z"][a], d["z"][b])
    >>> round(float(np.linalg.det(R)), 6), round(float(np.linalg.norm(t)), 3)
    (1.0, 2.909)
    """
    c_a, F_a = _principal_frame(np.asarray(pos_a, dtype=np.float64), np.asarray(z_a))
    c_b, F_b = _principal_frame(np.asarray(pos_b, dtype=np.float64), np.asarray(z_b))
    return F_a.T @ F_b, F_a.T @ (c_b - c_a)


def pose_features(pos_a, pos_b, z_a, z_b) -> np.ndarray:
    """16 invariants of a rigid dimer's pose: [d, t/d in A's frame (3), (-t)/d in B's frame (3), R (9)].

    d = |c_B - c_A| is the centre-of-mass distance; all 16 are unchanged when both monomers move together.

    Returns:
        [16] array.

    >>> d = water_dimer(); a, b = d["part"] == 0, d["part"] == 1
    >>> pose_features(d["pos"][a], d["pos"][b], d["z"][a], d["z"][b]).shape
    (16,)
    """
    R, t = relative_pose(pos_a, pos_b, z_a, z_b)
    d = np.linalg.norm(t)
    return np.concatenate([[d], t / d, -R.T @ t / d, R.ravel()])


def _centre(pos: np.ndarray, z: np.ndarray) -> np.ndarray:
    m = atomic_masses[z]
    return m @ pos / m.sum()


def _principal_frame(pos: np.ndarray, z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Centre of mass [3] and principal axes F [3, 3] (columns) with the sign convention of relative_pose."""
    z, pos = _check_geometry(z, pos)
    m = atomic_masses[z]
    x = pos - m @ pos / m.sum()
    inertia = np.eye(3) * (m * (x**2).sum(1)).sum() - (m[:, None] * x).T @ x
    w, F = np.linalg.eigh(inertia)
    if len(z) < 3 or np.diff(w).min() < 1e-3 * max(w[-1], 1e-12):
        raise ValueError(f"pos: principal moments {np.round(w, 4).tolist()} are (nearly) degenerate, so the "
                         f"principal axes are not unique; relative_pose needs an asymmetric-top monomer "
                         f"(e.g. water), not an atom, a linear or a symmetric-top molecule")
    for k in (0, 1):
        proj = x @ F[:, k]
        F[:, k] *= np.sign(proj[np.argmax(np.abs(proj) > 1e-3)])
    F[:, 2] = np.cross(F[:, 0], F[:, 1])
    return m @ pos / m.sum(), F


def _random_rotation(rng: np.random.Generator, max_angle: float | None = None) -> np.ndarray:
    """Haar-random rotation [3, 3] (normalised Gaussian quaternion), or by an angle U(0, max_angle)."""
    if max_angle is None:
        q = rng.standard_normal(4)
    else:
        axis, angle = rng.standard_normal(3), rng.uniform(0, max_angle)
        q = np.concatenate([[np.cos(angle / 2)], np.sin(angle / 2) * axis / np.linalg.norm(axis)])
    w, x, y, z = q / np.linalg.norm(q)
    return np.array([[1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y)],
                     [2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x)],
                     [2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)]])


_TEMPLATES: dict = {}


def _dimer_energies(z, pos, n_a: int, method: str, counterpoise: bool) -> dict[str, np.ndarray]:
    """E_AB and the monomer energies in eV; the counterpoise SCFs reuse the dimer's 2-electron integrals."""
    from pyscf import dft, gto, scf

    if method.count("/") != 1:
        raise ValueError(f"method: expected '<rhf or xc functional>/<basis>' such as {DIMER_METHOD!r}, got {method!r}")
    kind, basis = method.lower().split("/")

    def molecule(keep, ghost):  # the basis is parsed once per (atoms, ghosts, basis), then moved to pos
        key = (tuple(z.tolist()), tuple(keep.tolist()), tuple(ghost.tolist()), basis)
        if key not in _TEMPLATES:
            atoms = [(("ghost-" if g else "") + chemical_symbols[Z], p) for Z, p, k, g in zip(z, pos, keep, ghost) if k]
            mol = gto.M(atom=atoms, basis=basis, unit="Angstrom", verbose=0)
            if mol.nelectron % 2:
                raise ValueError(f"z: each monomer needs an even number of electrons (closed shell), "
                                 f"got {mol.nelectron}")
            _TEMPLATES[key] = mol, scf.RHF(mol).get_init_guess()  # atomic guess, reused at every pose
        mol, dm0 = _TEMPLATES[key]
        return mol.set_geom_(pos[keep], unit="Angstrom", inplace=False), dm0

    def energy(mol_dm0, eri=None):
        mol, dm0 = mol_dm0
        mf = scf.RHF(mol) if kind == "rhf" else dft.RKS(mol, xc=kind)
        mf.chkfile, mf.conv_tol = None, 1e-10
        if eri is not None:
            mf._eri = eri  # same basis functions at the same places: the same integrals
        e = mf.kernel(dm0=dm0)
        if not mf.converged:
            raise RuntimeError(f"SCF ({method}) did not converge for the dimer z={z.tolist()}, pos={pos.tolist()}")
        return e * units.Hartree

    in_a = np.arange(len(z)) < n_a
    every, none = np.ones(len(z), bool), np.zeros(len(z), bool)
    dimer = molecule(every, none)
    eri = dimer[0].intor("int2e", aosym="s8")
    e_ab = energy(dimer, eri)
    if counterpoise:
        e_a, e_b = energy(molecule(every, ~in_a), eri), energy(molecule(every, in_a), eri)
    else:
        e_a, e_b = energy(molecule(in_a, none)), energy(molecule(~in_a, none))
    return {"e_int": np.array(e_ab - e_a - e_b), "e_ab": np.array(e_ab), "e_a": np.array(e_a), "e_b": np.array(e_b)}
