"""Ready-made models for the dashboards: small seeded ones (no training) and trained ones cached on disk.

- :func:`demo_models`: one small model per architecture, weights from a fixed seed and *not trained*.
  Symmetry is a property of the architecture, not of the weights, so untrained models already show
  that SchNet, PaiNN and TFN are invariant/equivariant and the MLP is not.
- :func:`pretrained`: a model fitted to PySCF (``airtools.data.METHOD``) energies and forces of one
  molecule's conformers (``build_dataset``: normal-mode samples at 500 K; an uploaded geometry gets
  Gaussian displacements of 0.05 Å instead), trained once and cached as
  ``cache_dir()/models/<model>-<molecule>-v<version>.pt`` with an atomic write, so a killed run leaves
  no partial file and an unreadable file is retrained.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

__all__ = ["demo_models", "pretrained", "pretrained_path"]

_VERSION = 1  # bump when the training recipe changes: old files are then ignored
_DEMO = {  # energy + forces of all four: ~7 ms for ethanol on one core (rotations dashboard, every rotation)
    "schnet": ("SchNet", dict(hidden=16, n_filters=16, n_interactions=2)),
    "painn": ("PaiNN", dict(hidden=16, n_layers=2)),
    "tfn": ("TFN", dict(irreps_hidden="8x0e + 4x1o", l_max=1, n_layers=1, radial_hidden=8)),
    "mlp": ("MLP", dict(max_atoms=32)),
}


def demo_models(names=("schnet", "painn", "tfn", "mlp"), *, seed: int = 0) -> dict:
    """Small untrained models with reproducible weights (``torch.manual_seed(seed)`` before each).

    Args:
        names: keys of ``airtools.models.MODELS`` among ``schnet, painn, tfn, mlp``.
        seed: the same seed gives the same weights.

    Returns:
        ``{name: model}`` in eval mode, float32 on the CPU.

    >>> models = demo_models(("schnet", "mlp"))
    >>> sorted(models), type(models["schnet"]).__name__
    (['mlp', 'schnet'], 'SchNet')
    """
    import airtools.models as zoo

    unknown = sorted(set(names) - set(_DEMO))
    if unknown:
        raise ValueError(f"names: unknown model(s) {unknown}; expected some of {sorted(_DEMO)}")
    out = {}
    for name in names:
        cls, kwargs = _DEMO[name]
        torch.manual_seed(seed)
        out[name] = getattr(zoo, cls)(**kwargs).eval()
    return out


def pretrained_path(molecule="water", model: str = "schnet") -> Path:
    """Where :func:`pretrained` caches ``model`` for ``molecule`` (a g2 name/alias or an ``ase.Atoms``)."""
    from airtools.data import cache_dir, cache_key
    from airtools.data.molecules import ALIASES, get_molecule

    if isinstance(molecule, str):
        get_molecule(molecule)  # ValueError for an unknown name
        tag = ALIASES.get(molecule, molecule)
    else:
        tag = f"{molecule.get_chemical_formula()}-{cache_key(molecule.numbers, molecule.positions)[:16]}"
    return cache_dir() / "models" / f"{model}-{tag}-v{_VERSION}.pt"


def pretrained(molecule="water", model: str = "schnet", *, train: bool = True, n_conformers: int = 200,
               n_epochs: int = 60, seed: int = 0, progress: bool = True):
    r"""A ``model`` trained on one molecule's PySCF energies and forces, from the cache or trained now.

    Loss :math:`\overline{(E - E^\text{ref})^2} + \overline{|F - F^\text{ref}|^2}` (eV, eV/Å), Adam,
    early stopping (``airtools.train``). The model predicts *total* energies in eV (per-element
    reference energies of the dataset are put into its readout after training).

    Args:
        molecule: a g2 name or alias (``"water"``) or an ``ase.Atoms`` (e.g. an uploaded XYZ).
        model: ``"schnet"`` or ``"painn"`` (any key of ``airtools.models.MODELS``).
        train: when nothing valid is cached, train (~1 min for water on 2 cores) or return None.
        n_conformers, n_epochs, seed: the training recipe; progress: tqdm bars.

    Returns:
        the model in eval mode on the CPU (float32), or None (``train=False`` and not cached).
    """
    from airtools.models import MODELS
    from airtools.train import load_or_train

    if model not in MODELS:
        raise ValueError(f"model: expected one of {sorted(MODELS)}, got {model!r}")
    path = pretrained_path(molecule, model)
    return load_or_train(path, lambda: _train(path, molecule, model, n_conformers, n_epochs, seed, progress),
                         train=train)


def _dataset(molecule, n_conformers, seed, progress):
    from tqdm.auto import tqdm

    from airtools.data import MoleculeDataset, build_dataset, compute_labels

    if isinstance(molecule, str):
        return build_dataset(molecule, n_conformers, seed=seed, progress=progress)
    rng = np.random.default_rng(seed)
    pos = molecule.positions + 0.05 * rng.standard_normal((n_conformers, len(molecule), 3))  # Å
    labels = [compute_labels(molecule.numbers, p) for p in tqdm(pos, desc="PySCF", disable=not progress)]
    return MoleculeDataset([molecule.numbers] * n_conformers, list(pos), [lab["energy"] for lab in labels],
                           [lab["forces"] for lab in labels], [lab["dipole"] for lab in labels])


def _train(path, molecule, model, n_conformers, n_epochs, seed, progress):
    from airtools.models import MODELS
    from airtools.train import TrainConfig, save_checkpoint, seed_everything, train

    dataset = _dataset(molecule, n_conformers, seed, progress)
    seed_everything(seed)
    net = MODELS[model]()
    config = TrainConfig(n_epochs=n_epochs, lr=3e-3, batch_size=16, patience=15, seed=seed, progress=progress)
    history = train(net, dataset, config)
    net = net.cpu().set_energy_reference(dataset.atom_energies)  # residual energies -> total energies
    save_checkpoint(path, net, config, extra={"best_val_loss": history.best_loss, "seconds": history.seconds,
                                              "n_conformers": n_conformers})
    return net.eval()
