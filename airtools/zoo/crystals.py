r"""``"crystal-energy"``: a periodic SchNet trained on EMT labels of strained, sheared and rattled cells.

Data: ``airtools.data.build_crystal_dataset`` (1–8 atoms per cell, the seven EMT metals, CuAu/CuNi alloys).
Per-element reference energies are fitted first (least squares) and the readout scaled by the spread of the
per-atom residuals, so the network learns O(1) numbers; loss per batch
:math:`\overline{((E - E^\text{EMT})/n)^2} + 0.1\,\overline{|F - F^\text{EMT}|^2}` (eV/atom, eV/Å,
``airtools.train.per_atom_loss``), AdamW with a cosine schedule, on one thread (~30–60 s on a quiet CPU).
"""
from __future__ import annotations

import torch

from airtools.data import build_crystal_dataset, fit_atom_references
from airtools.models import SchNet
from airtools.train import TrainConfig, per_atom_loss, seed_everything, train

from ._registry import Recipe, register

__all__ = ["CRYSTAL_ENERGY", "R_CUT"]

R_CUT = 4.5  # Å, model cutoff: 3 interactions see 13.5 Å (EMT: 5.4 Å)
_FORCE_WEIGHT = 0.1


def _fit(progress, *, n_structures, n_epochs, seed):
    dataset = build_crystal_dataset(n_structures, seed=seed)
    seed_everything(seed)
    model = SchNet(hidden=32, n_filters=32, n_interactions=3, r_cut=R_CUT)
    zs = [dataset[i]["z"] for i in range(len(dataset))]
    atom_ref = fit_atom_references(zs, dataset.energy, max_z=model.config.max_z)  # E ~ sum_i E_ref[z_i]
    residual = (dataset.energy.double() - torch.stack([atom_ref[z].sum() for z in zs])) / dataset.n_atoms
    model.set_energy_reference(atom_ref, scale=float(residual.std()))  # the network learns O(1) numbers
    config = TrainConfig(n_epochs=n_epochs, lr=3e-3, batch_size=16, patience=None, schedule="cosine", seed=seed,
                         progress=progress)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # tiny graphs: one thread is several times faster than two that wait on each other
    try:
        history = train(model, dataset, config, loss_fn=lambda m, b: per_atom_loss(m, b, _FORCE_WEIGHT))
    finally:
        torch.set_num_threads(threads)
    return model, config, {"best_val_loss": history.best_loss, "seconds": history.seconds,
                           "n_structures": n_structures, "force_weight": _FORCE_WEIGHT}


CRYSTAL_ENERGY = register(Recipe(
    "crystal-energy", version=2, fit=_fit, tag=lambda n_structures, n_epochs, seed: f"{n_structures}x{n_epochs}-s{seed}",
    summary="periodic SchNet on EMT energies and forces of metal and alloy cells",
    defaults=dict(n_structures=400, n_epochs=60, seed=0)))
