r"""``"molecule-energy"``: an energy model fitted to one molecule's PySCF energies and forces.

Data: ``airtools.data.build_dataset`` (normal-mode conformers at 500 K, ``METHOD`` labels) for a named
molecule; an ``ase.Atoms`` (e.g. an uploaded XYZ) gets Gaussian displacements of 0.05 Å and fresh labels.
Loss :math:`\overline{(E - E^\text{ref})^2} + \overline{|F - F^\text{ref}|^2}` (eV, eV/Å), AdamW, early
stopping. The model predicts *total* energies in eV: the dataset's per-element reference energies are put
into its readout after training.
"""
from __future__ import annotations

import numpy as np
from tqdm.auto import tqdm

from airtools.cache import cache_key
from airtools.data import ALIASES, MoleculeDataset, build_dataset, compute_labels, get_molecule
from airtools.models import MODELS
from airtools.train import TrainConfig, energy_force_loss, seed_everything, train

from ._registry import Recipe, register

__all__ = ["MOLECULE_ENERGY", "molecule_model"]


def _tag(molecule, model, n_conformers, n_epochs, seed) -> str:
    if model not in MODELS:
        raise ValueError(f"model: expected one of {sorted(MODELS)}, got {model!r}")
    if isinstance(molecule, str):
        get_molecule(molecule)  # ValueError for an unknown name
        name = ALIASES.get(molecule, molecule)
    else:
        name = f"{molecule.get_chemical_formula()}-{cache_key(molecule.numbers, molecule.positions)[:16]}"
    return f"{model}-{name}-{n_conformers}x{n_epochs}-s{seed}"


def _dataset(molecule, n_conformers, seed, progress) -> MoleculeDataset:
    if isinstance(molecule, str):
        return build_dataset(molecule, n_conformers, seed=seed, progress=progress)
    rng = np.random.default_rng(seed)
    pos = molecule.positions + 0.05 * rng.standard_normal((n_conformers, len(molecule), 3))  # Å
    labels = [compute_labels(molecule.numbers, p) for p in tqdm(pos, desc="PySCF", disable=not progress)]
    return MoleculeDataset([molecule.numbers] * n_conformers, list(pos), [lab["energy"] for lab in labels],
                           [lab["forces"] for lab in labels], [lab["dipole"] for lab in labels])


def _fit(progress, *, molecule, model, n_conformers, n_epochs, seed):
    dataset = _dataset(molecule, n_conformers, seed, progress)
    seed_everything(seed)
    net = MODELS[model]()
    config = TrainConfig(n_epochs=n_epochs, lr=3e-3, batch_size=16, patience=15, seed=seed, progress=progress)
    history = train(net, dataset, config, loss_fn=energy_force_loss)
    net = net.cpu().set_energy_reference(dataset.atom_energies)  # residual energies -> total energies
    return net, config, {"best_val_loss": history.best_loss, "seconds": history.seconds, "n_conformers": n_conformers}


MOLECULE_ENERGY = register(Recipe(
    "molecule-energy", version=2, fit=_fit, tag=_tag,
    summary="SchNet (or any of airtools.models.MODELS) on one molecule's PySCF energies and forces",
    defaults=dict(molecule="water", model="schnet", n_conformers=200, n_epochs=60, seed=0)))


def molecule_model(molecule="water", model: str = "schnet", *, train: bool = True, progress: bool = False, **settings):
    """The ``"molecule-energy"`` model of ``molecule`` (a g2 name/alias or an ``ase.Atoms``), cached or trained now.

    Returns:
        the model in eval mode on the CPU (float32), predicting total energies in eV; None when ``train=False``
        and nothing is cached (~1 min of training for water on 2 cores).
    """
    return MOLECULE_ENERGY.load(train=train, progress=progress, molecule=molecule, model=model, **settings)
