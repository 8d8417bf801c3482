r"""``"qm9-energy"``: SchNet on QM9 atomization energies, trained in distribution on small molecules without
fluorine, so that QM9 also holds the molecules it was *not* trained for.

Data: ``load_qm9(POOL, seed=0, atom_energies=QM9_FREE_ATOM_U0)``, a fixed random 30,000 of QM9's molecules
(Ramakrishnan et al. 2014) with U0 minus the free-atom energies as the target (eV). :func:`qm9_energy_sets`
splits them with ``airtools.data.qm9_split``:

====================  ===========================================  ==============
set                   molecules                                    size
====================  ===========================================  ==============
``train``, ``test``   at most 8 heavy atoms, no F (in distribution)  ``n_train``, 500
``size``              9 heavy atoms, no F                          500
``composition``       at most 8 heavy atoms, with F                73 (all in the pool)
``size+composition``  9 heavy atoms, with F                        359 (all in the pool)
====================  ===========================================  ==============

Model: ``SchNet(hidden=32, n_filters=32, n_interactions=3, r_cut=4.0)``; per-element references fitted by
least squares on the training molecules (none for F: its atoms add only what the network says, on top of the
free atom), the readout scaled by the residual spread; energy MSE, AdamW, cosine schedule, one thread.
Defaults (1,000 molecules, 30 epochs): ~15 s of one CPU core, test MAE 0.18-0.22 eV against ~0.8 eV of
the per-element baseline (published SchNet on 110k molecules: 14 meV). ``seed`` seeds the weights and batches
only (the sets stay the same), so ``zoo.load("qm9-energy", seed=k)`` for k = 0, 1, ... is a deep ensemble.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import torch

from airtools.data import QM9_FREE_ATOM_U0, QM9Dataset, fit_atom_references, load_qm9, qm9_split
from airtools.models import SchNet
from airtools.train import TrainConfig, energy_force_loss, seed_everything, train

from ._registry import Recipe, register

__all__ = ["QM9_ENERGY", "QM9Sets", "qm9_energy_sets", "qm9_predictions", "POOL", "MAX_TRAIN_HEAVY", "N_TEST"]

POOL = 30_000  # molecules drawn from QM9 (seed 0); every set below comes from them
MAX_TRAIN_HEAVY = 8  # in distribution: at most this many heavy atoms ...
ELEMENT = "F"  # ... and none of this element
N_TEST = 500  # molecules per test set (at most)


@dataclass
class QM9Sets:
    """The recipe's dataset and its sets, as positions in ``dataset`` (int64 arrays).

    ``train``, ``test``: in distribution; ``size``, ``composition``, ``both`` (size+composition): out of it.
    ``names``: the sets by name, ``{"train": ..., "test": ..., "size": ..., "composition": ...,
    "size+composition": ...}``.
    """

    dataset: QM9Dataset
    train: np.ndarray
    test: np.ndarray
    size: np.ndarray
    composition: np.ndarray
    both: np.ndarray

    @property
    def names(self) -> dict[str, np.ndarray]:
        return {"train": self.train, "test": self.test, "size": self.size, "composition": self.composition,
                "size+composition": self.both}


@lru_cache(maxsize=2)
def qm9_energy_sets(n_train: int = 1000) -> QM9Sets:
    """The recipe's data: QM9 atomization energies (eV) and its in- and out-of-distribution sets.

    ``test`` is the same 500 molecules for every ``n_train`` (the first of the in-distribution side, the
    training molecules the next ``n_train``). Loading takes ~1.5 s (after QM9's one-time conversion); the
    result is kept in memory (the same object for the same ``n_train``: read it, do not change it), so a
    lesson and the recipe it trains share one load.

    >>> sets = qm9_energy_sets(100)
    >>> len(sets.train), len(sets.test), len(sets.composition), int(sets.dataset.n_heavy[sets.size].min())
    (100, 500, 73, 9)
    """
    dataset = load_qm9(POOL, seed=0, atom_energies=QM9_FREE_ATOM_U0)
    small, large = qm9_split(dataset, "size", max_train_heavy=MAX_TRAIN_HEAVY, seed=0)
    without, with_element = qm9_split(dataset, "composition", element=ELEMENT, seed=0)
    inside = small[np.isin(small, without)]  # order of `small`: drawn with the seed
    if not 1 <= n_train <= len(inside) - N_TEST:
        raise ValueError(f"n_train: expected 1..{len(inside) - N_TEST} (in-distribution molecules in the pool "
                         f"minus the {N_TEST} test ones), got {n_train!r}")
    return QM9Sets(dataset, train=inside[N_TEST:N_TEST + n_train], test=inside[:N_TEST],
                   size=large[np.isin(large, without)][:N_TEST],
                   composition=small[np.isin(small, with_element)][:N_TEST],
                   both=large[np.isin(large, with_element)][:N_TEST])


def qm9_predictions(model, dataset, indices, *, batch_size: int = 256) -> tuple[np.ndarray, np.ndarray]:
    """``(predicted, target)`` energies [len(indices)] float64 (eV) of ``model`` on ``dataset[indices]``,
    on the model's device, ``batch_size`` molecules at a time.

    >>> sets = qm9_energy_sets(10)
    >>> pred, target = qm9_predictions(SchNet(hidden=8), sets.dataset, sets.test[:3])
    >>> pred.shape, target.dtype
    ((3,), dtype('float64'))
    """
    ref = next(model.parameters())
    preds, targets = [], []
    for start in range(0, len(indices), batch_size):
        batch = dataset.collate([dataset[int(i)] for i in indices[start:start + batch_size]])
        with torch.no_grad():
            energy = model(batch["z"].to(ref.device), batch["pos"].to(ref), batch["batch"].to(ref.device))
        preds.append(energy.double().cpu().numpy())
        targets.append(batch["energy"].double().numpy())
    return np.concatenate(preds), np.concatenate(targets)


def _fit(progress, *, n_train, n_epochs, seed):
    sets = qm9_energy_sets(n_train)
    data = sets.dataset
    zs = [data.z[i] for i in sets.train]
    energy = data.energy[sets.train].double()  # [n_train] atomization energies, eV
    atom_ref = fit_atom_references(zs, energy)  # E ~ sum_i E_ref[z_i]; zero for F (never in training)
    residual = energy - torch.stack([atom_ref[z].sum() for z in zs])
    n_atoms = torch.tensor([len(z) for z in zs], dtype=torch.float64)
    seed_everything(seed)
    model = SchNet(hidden=32, n_filters=32, n_interactions=3, r_cut=4.0)
    model.set_energy_reference(atom_ref, scale=float(residual.std() / n_atoms.mean().sqrt()))  # O(1) per atom
    config = TrainConfig(n_epochs=n_epochs, lr=5e-3, batch_size=32, val_fraction=0, patience=None,
                         schedule="cosine", seed=seed, progress=progress)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # ~18 atoms a molecule: one thread is faster than two that wait on each other
    try:
        history = train(model, torch.utils.data.Subset(data, sets.train), config, loss_fn=energy_force_loss)
    finally:
        torch.set_num_threads(threads)
    pred, target = qm9_predictions(model, data, sets.test)
    return model, config, {"test_mae": float(np.abs(pred - target).mean()), "seconds": history.seconds,
                           "n_train": n_train, "train_loss": history.train_loss}


QM9_ENERGY = register(Recipe(
    "qm9-energy", version=1, fit=_fit, tag=lambda n_train, n_epochs, seed: f"{n_train}x{n_epochs}-s{seed}",
    summary="SchNet on QM9 atomization energies (<= 8 heavy atoms, no F: 9 heavy atoms and F are out of distribution)",
    defaults=dict(n_train=1000, n_epochs=30, seed=0)))
