"""A torch Dataset of labelled molecules, the collate function that batches them into one graph list, and
per-element reference energies fitted to a set of molecules."""
from __future__ import annotations

import numpy as np
import torch
from torch import Tensor

__all__ = ["MoleculeDataset", "collate_molecules", "fit_atom_references"]


def fit_atom_references(zs, energies: Tensor, *, max_z: int = 100) -> Tensor:
    r"""Per-element energies by least squares: :math:`\min_{E^\text{ref}} \sum_G (E_G - \sum_{i\in G} E^\text{ref}_{z_i})^2`.

    With only one composition (conformers of one molecule) the minimum-norm solution is returned; the
    residuals are then the energies minus their mean.

    Args:
        zs: list of ``z: [n_atoms]`` tensors, one per molecule.
        energies: ``[n_molecules]``.

    Returns:
        ``[max_z + 1]`` float64, zero for elements that never occur.

    >>> zs = [torch.tensor([1, 1]), torch.tensor([1, 1, 8])]
    >>> fit_atom_references(zs, torch.tensor([-1.0, -76.0]), max_z=8)[[1, 8]]
    tensor([ -0.5000, -75.0000], dtype=torch.float64)
    """
    energies = torch.as_tensor(energies, dtype=torch.float64).cpu()
    if energies.shape != (len(zs),):
        raise ValueError(f"energies: expected shape [{len(zs)}] (one per molecule), got {list(energies.shape)}")
    counts = torch.stack([torch.bincount(z.cpu().long(), minlength=max_z + 1)[: max_z + 1] for z in zs]).double()
    present = counts.sum(0) > 0
    solution = torch.linalg.lstsq(counts[:, present], energies[:, None], driver="gelsd").solution[:, 0]
    table = torch.zeros(max_z + 1, dtype=torch.float64)
    table[present] = solution
    return table


class MoleculeDataset(torch.utils.data.Dataset):
    """Molecules with energy, forces and dipole labels; item ``i`` is a dict of tensors.

    Item: ``z`` [n_atoms] long, ``pos`` [n_atoms, 3] Å, ``energy`` [] eV (minus the per-element
    ``atom_energies``), ``forces`` [n_atoms, 3] eV/Å, ``dipole`` [3] e·Å. Total energy of item i is
    ``energy + sum(atom_energies[z])``; ``dataset.energies`` holds the totals [n_molecules].

    Args:
        z, pos, energy, forces, dipole: per-molecule sequences (arrays); ``dipole`` may be None (zeros).
        atom_energies: ``"fit"`` (least squares, :func:`fit_atom_references`; with one
            composition the energies become deviations from their mean), a dict {z: eV}, or None (totals).
            Pass ``dataset.atom_energies`` to ``model.set_energy_reference`` to predict total energies.
        dtype: float dtype of the tensors (default: torch's default dtype).

    >>> ds = MoleculeDataset([[8, 1, 1]], [np.eye(3)], energy=[-2000.0], forces=[np.zeros((3, 3))])
    >>> float(ds[0]["energy"]), ds[0]["pos"].shape
    (0.0, torch.Size([3, 3]))
    """

    def __init__(self, z, pos, energy, forces, dipole=None, *, atom_energies="fit", dtype=None):
        dtype = dtype or torch.get_default_dtype()
        n = len(z)
        if not (len(pos) == len(energy) == len(forces) == n) or (dipole is not None and len(dipole) != n):
            raise ValueError(f"z, pos, energy, forces, dipole: expected {n} molecules each")
        self.z = [torch.as_tensor(np.asarray(x), dtype=torch.long) for x in z]
        self.pos = [torch.as_tensor(np.asarray(x), dtype=dtype) for x in pos]
        self.forces = [torch.as_tensor(np.asarray(x), dtype=dtype) for x in forces]
        self.energies = torch.as_tensor(np.asarray(energy, dtype=float), dtype=torch.float64)
        dipole = np.zeros((n, 3)) if dipole is None else np.asarray(dipole, dtype=float)
        self.dipole = torch.as_tensor(dipole, dtype=dtype)
        for i, (zi, pi) in enumerate(zip(self.z, self.pos)):
            if pi.shape != (len(zi), 3) or self.forces[i].shape != pi.shape:
                raise ValueError(f"pos[{i}], forces[{i}]: expected shape [{len(zi)}, 3], got "
                                 f"{list(pi.shape)}, {list(self.forces[i].shape)}")
            if not torch.isfinite(pi).all():
                raise ValueError(f"pos[{i}]: contains NaN or inf coordinates")
        if isinstance(atom_energies, str) and atom_energies == "fit":
            table = fit_atom_references(self.z, self.energies)
            atom_energies = {int(Z): float(table[Z]) for Z in torch.unique(torch.cat(self.z))}
        self.atom_energies = dict(atom_energies or {})
        ref = torch.tensor([sum(self.atom_energies.get(int(Z), 0.0) for Z in zi) for zi in self.z],
                           dtype=torch.float64)
        self.energy = (self.energies - ref).to(dtype)  # [n_molecules], small numbers a model can fit

    @staticmethod
    def collate(items: list[dict]) -> dict:
        """Batch items with :func:`collate_molecules` (what ``airtools.train.train`` uses by default)."""
        return collate_molecules(items)

    def __len__(self) -> int:
        return len(self.z)

    def __getitem__(self, i: int) -> dict[str, torch.Tensor]:
        return {"z": self.z[i], "pos": self.pos[i], "energy": self.energy[i],
                "forces": self.forces[i], "dipole": self.dipole[i]}


def collate_molecules(items: list[dict]) -> dict[str, torch.Tensor]:
    """Concatenate molecules into one disconnected graph list.

    Returns:
        dict with ``z`` [N], ``pos`` [N, 3], ``batch`` [N] (graph index of each atom), ``energy`` [G],
        ``forces`` [N, 3], ``dipole`` [G, 3], for N atoms in G molecules.

    >>> ds = MoleculeDataset([[1, 1], [8]], [np.zeros((2, 3)), np.ones((1, 3))], energy=[0.0, 1.0],
    ...                      forces=[np.zeros((2, 3)), np.zeros((1, 3))], atom_energies=None)
    >>> b = collate_molecules([ds[0], ds[1]]); b["batch"].tolist(), b["energy"].tolist()
    ([0, 0, 1], [0.0, 1.0])
    """
    batch = torch.cat([torch.full((len(it["z"]),), g, dtype=torch.long) for g, it in enumerate(items)])
    return {"z": torch.cat([it["z"] for it in items]), "pos": torch.cat([it["pos"] for it in items]),
            "batch": batch, "energy": torch.stack([it["energy"] for it in items]),
            "forces": torch.cat([it["forces"] for it in items]),
            "dipole": torch.stack([it["dipole"] for it in items])}
