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
    z_all, mol = _flatten(zs)
    if (z_all < 0).any():
        raise ValueError(f"zs: atomic numbers must be >= 0, got {int(z_all.min())}")
    keep = z_all <= max_z
    present, column = torch.unique(z_all[keep], return_inverse=True)  # the elements that occur
    counts = torch.bincount(mol[keep] * len(present) + column, minlength=len(zs) * len(present))
    counts = counts.view(len(zs), len(present)).double()  # [n_molecules, n_elements]: atoms of each
    solution = torch.linalg.lstsq(counts, energies[:, None], driver="gelsd").solution[:, 0]
    table = torch.zeros(max_z + 1, dtype=torch.float64)
    table[present] = solution
    return table


def _flatten(zs) -> tuple[Tensor, Tensor]:
    """All atoms of a list of ``z: [n_atoms]``: ``z`` [N] long and the molecule index of each [N]."""
    sizes = torch.tensor([z.shape[0] for z in zs], dtype=torch.long)
    z_all = torch.cat([z.cpu().long() for z in zs]) if len(zs) else torch.zeros(0, dtype=torch.long)
    return z_all, torch.repeat_interleave(torch.arange(len(zs)), sizes)


def _as_tensor(x, dtype) -> Tensor:
    """``x`` (tensor, array or nested list) as a tensor of ``dtype``; no copy when it already is one."""
    if isinstance(x, Tensor):
        return x if x.dtype == dtype and not x.requires_grad else x.detach().to(dtype)
    return torch.as_tensor(np.asarray(x), dtype=dtype)


class MoleculeDataset(torch.utils.data.Dataset):
    """Molecules with energy, forces and dipole labels; item ``i`` is a dict of tensors.

    Item: ``z`` [n_atoms] long, ``pos`` [n_atoms, 3] Å, ``energy`` [] eV (minus the per-element
    ``atom_energies``), ``forces`` [n_atoms, 3] eV/Å, ``dipole`` [3] e·Å, ``has_forces`` [] bool. Total
    energy of item i is ``energy + sum(atom_energies[z])``; ``dataset.energies`` holds the totals
    [n_molecules].

    Args:
        z, pos, energy, forces, dipole: per-molecule sequences (arrays). ``forces`` may be None for
            energy-only data (QM9): items then carry zeros and ``has_forces`` False (also
            ``dataset.has_forces``), so that a force loss can refuse or skip them instead of fitting
            zeros. ``dipole`` may be None (zeros; ``dataset.has_dipole`` is then False).
        atom_energies: ``"fit"`` (least squares, :func:`fit_atom_references`; with one
            composition the energies become deviations from their mean), a dict {z: eV}, or None (totals).
            Pass ``dataset.atom_energies`` to ``model.set_energy_reference`` to predict total energies.
        dtype: float dtype of the tensors (default: torch's default dtype).

    >>> ds = MoleculeDataset([[8, 1, 1]], [np.eye(3)], energy=[-2000.0], forces=[np.zeros((3, 3))])
    >>> float(ds[0]["energy"]), ds[0]["pos"].shape
    (0.0, torch.Size([3, 3]))
    >>> energy_only = MoleculeDataset([[8, 1, 1]], [np.eye(3)], energy=[-2000.0])
    >>> energy_only.has_forces, bool(energy_only[0]["has_forces"]), float(energy_only[0]["forces"].abs().sum())
    (False, False, 0.0)
    """

    def __init__(self, z, pos, energy, forces=None, dipole=None, *, atom_energies="fit", dtype=None):
        dtype = dtype or torch.get_default_dtype()
        n = len(z)
        if not (len(pos) == len(energy) == n) or any(x is not None and len(x) != n for x in (forces, dipole)):
            raise ValueError(f"z, pos, energy, forces, dipole: expected {n} molecules each")
        self.z = [_as_tensor(x, torch.long) for x in z]
        self.pos = [_as_tensor(x, dtype) for x in pos]
        sizes = [zi.shape[0] for zi in self.z]
        self.has_forces, self.has_dipole = forces is not None, dipole is not None
        if forces is None:  # views of one zero block: no per-molecule allocation
            self.forces = list(torch.split(torch.zeros(sum(sizes), 3, dtype=dtype), sizes))
        else:
            self.forces = [_as_tensor(x, dtype) for x in forces]
        self._has_forces = torch.tensor(self.has_forces)
        self.energies = torch.as_tensor(np.asarray(energy, dtype=float), dtype=torch.float64)
        dipole = np.zeros((n, 3)) if dipole is None else np.asarray(dipole, dtype=float)
        self.dipole = torch.as_tensor(dipole, dtype=dtype)
        for i, (size, pi) in enumerate(zip(sizes, self.pos)):
            if pi.shape != (size, 3) or self.forces[i].shape != pi.shape:
                raise ValueError(f"pos[{i}], forces[{i}]: expected shape [{size}, 3], got "
                                 f"{list(pi.shape)}, {list(self.forces[i].shape)}")
        z_all, mol = _flatten(self.z)
        if n and int(z_all.min()) < 0:
            raise ValueError(f"z: atomic numbers must be >= 0, got {int(z_all.min())}")
        if n and not torch.isfinite(torch.cat(self.pos)).all():
            i = next(i for i, pi in enumerate(self.pos) if not torch.isfinite(pi).all())
            raise ValueError(f"pos[{i}]: contains NaN or inf coordinates")
        if isinstance(atom_energies, str) and atom_energies == "fit":
            table = fit_atom_references(self.z, self.energies)
            atom_energies = {int(Z): float(table[Z]) for Z in torch.unique(z_all)}
        self.atom_energies = dict(atom_energies or {})
        refs = {int(Z): float(e) for Z, e in self.atom_energies.items() if int(Z) >= 0}
        table = torch.zeros(max([*refs, int(z_all.max()) if n else 0]) + 1, dtype=torch.float64)  # [max_z + 1]
        table[list(refs)] = torch.tensor(list(refs.values()), dtype=torch.float64)
        ref = torch.zeros(n, dtype=torch.float64).index_add_(0, mol, table[z_all])  # sum over each molecule's atoms
        self.energy = (self.energies - ref).to(dtype)  # [n_molecules], small numbers a model can fit

    @staticmethod
    def collate(items: list[dict]) -> dict:
        """Batch items with :func:`collate_molecules` (what ``airtools.train.train`` uses by default)."""
        return collate_molecules(items)

    def __len__(self) -> int:
        return len(self.z)

    def __getitem__(self, i: int) -> dict[str, torch.Tensor]:
        return {"z": self.z[i], "pos": self.pos[i], "energy": self.energy[i],
                "forces": self.forces[i], "dipole": self.dipole[i], "has_forces": self._has_forces}


def collate_molecules(items: list[dict]) -> dict[str, torch.Tensor]:
    """Concatenate molecules into one disconnected graph list.

    Returns:
        dict with ``z`` [N], ``pos`` [N, 3], ``batch`` [N] (graph index of each atom), ``energy`` [G],
        ``forces`` [N, 3], ``dipole`` [G, 3], for N atoms in G molecules. Any other key of the items
        comes along: scalar tensors stacked to [G] (``has_forces``, QM9's ``gap``), other tensors taken
        as per-atom arrays [n_atoms, ...] and concatenated to [N, ...] (QM9's ``charges``), anything else
        as a list of length G.

    >>> ds = MoleculeDataset([[1, 1], [8]], [np.zeros((2, 3)), np.ones((1, 3))], energy=[0.0, 1.0],
    ...                      forces=[np.zeros((2, 3)), np.zeros((1, 3))], atom_energies=None)
    >>> b = collate_molecules([ds[0], ds[1]]); b["batch"].tolist(), b["energy"].tolist(), b["has_forces"].tolist()
    ([0, 0, 1], [0.0, 1.0], [True, True])
    """
    batch = torch.cat([torch.full((len(it["z"]),), g, dtype=torch.long) for g, it in enumerate(items)])
    out = {"z": torch.cat([it["z"] for it in items]), "pos": torch.cat([it["pos"] for it in items]),
           "batch": batch, "energy": torch.stack([it["energy"] for it in items]),
           "forces": torch.cat([it["forces"] for it in items]),
           "dipole": torch.stack([it["dipole"] for it in items])}
    for key in [k for k in items[0] if k not in out]:
        values = [it[key] for it in items]
        if not isinstance(values[0], torch.Tensor):
            out[key] = values
        else:
            out[key] = torch.stack(values) if values[0].ndim == 0 else torch.cat(values)
    return out
