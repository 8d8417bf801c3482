r"""``"qm9-energy-ensemble"``: a deep ensemble of ``"qm9-energy"`` SchNets (seeds 0 .. K-1) with split-conformal
intervals calibrated on in-distribution QM9 molecules that none of them trained on; the trust dashboard's model.

Members: ``zoo.load("qm9-energy", seed=k, n_train=n_train, n_epochs=n_epochs)`` for k < ``n_members`` (each cached
on its own, so with the defaults the ensemble reuses what lessons 17-18 trained; ~15 s of one core per missing
member). Calibration: ``n_cal`` molecules
drawn (seed 0) from the in-distribution side of the recipe's pool outside its training and test sets
(:func:`qm9_calibration`); score :math:`|y - \bar E| / \sigma` with the ensemble mean :math:`\bar E` and spread
:math:`\sigma` (floored at ``SPREAD_FLOOR``), :math:`\hat q` its :math:`\lceil (n+1)(1-\alpha) \rceil`-th smallest
value, intervals :math:`\bar E \mp \hat q\,\sigma` (``airtools.uq.SplitConformal``). The coverage guarantee holds
for molecules exchangeable with the calibration ones: the in-distribution test set, not the OOD sets.

The checkpoint (an :class:`airtools.uq.EnergyEnsemble`) keeps in its ``extra`` (:func:`ensemble_record`):
``alpha``, ``q``, ``n_cal``, ``floor`` and, for each set of :func:`~airtools.zoo.qm9.qm9_energy_sets` but
``train`` and for ``calibration``: ``index`` (positions in the dataset), ``members`` ``[K, n]`` (eV) and
``target`` ``[n]`` (DFT atomization energies, eV), so that a page draws the parity plot without running a model.
"""
from __future__ import annotations

import time

import numpy as np
import torch

from airtools.uq import EnergyEnsemble, SplitConformal

from ._registry import Recipe, register
from .qm9 import MAX_TRAIN_HEAVY, QM9_ENERGY, ELEMENT, qm9_energy_sets, qm9_predictions

__all__ = ["QM9_ENSEMBLE", "SETS", "SPREAD_FLOOR", "qm9_calibration", "ensemble_record", "conformal_interval"]

SETS = ("test", "size", "composition", "size+composition")  # what a page shows (train is not)
SPREAD_FLOOR = 1e-3  # eV: the smallest spread a score divides by


def qm9_calibration(n_cal: int = 500, n_train: int = 1000) -> np.ndarray:
    """``n_cal`` in-distribution molecules of the ``qm9-energy`` pool outside its train (``n_train``) and test sets.

    >>> cal = qm9_calibration(200)
    >>> sets = qm9_energy_sets(1000)
    >>> len(cal), len(np.intersect1d(cal, np.concatenate([sets.train, sets.test])))
    (200, 0)
    """
    sets = qm9_energy_sets(n_train)
    data = sets.dataset
    inside = np.flatnonzero((data.n_heavy <= MAX_TRAIN_HEAVY) & (data.element_counts[:, _Z[ELEMENT]] == 0))
    free = np.setdiff1d(inside, np.concatenate([sets.train, sets.test]))
    if not 1 <= n_cal <= len(free):
        raise ValueError(f"n_cal: expected 1..{len(free)} (in-distribution molecules outside train and test), "
                         f"got {n_cal!r}")
    return np.sort(np.random.default_rng(0).permutation(free)[:n_cal])


def ensemble_record(**settings) -> dict:
    """The ``extra`` stored with the ensemble's checkpoint (module docstring); ``ValueError`` when it is not
    trained yet."""
    path = QM9_ENSEMBLE.path(**settings)
    if not path.exists():
        raise ValueError(f"{QM9_ENSEMBLE.name}: not trained yet; zoo.load({QM9_ENSEMBLE.name!r}) trains it "
                         f"(or `airtools zoo build {QM9_ENSEMBLE.name}`)")
    return torch.load(path, weights_only=True)["extra"]


def conformal_interval(mean, std, q: float, floor: float = SPREAD_FLOOR) -> tuple[np.ndarray, np.ndarray]:
    r"""``(lo, hi)``: :math:`\bar E \mp \hat q \max(\sigma, \text{floor})`, each like ``mean``.

    >>> conformal_interval(np.array([-50.0]), np.array([0.1]), q=2.0)
    (array([-50.2]), array([-49.8]))
    """
    width = q * np.maximum(np.asarray(std, dtype=np.float64), floor)
    return np.asarray(mean, dtype=np.float64) - width, np.asarray(mean, dtype=np.float64) + width


def _fit(progress, *, n_members, n_cal, alpha, n_train, n_epochs):
    t0 = time.perf_counter()
    members = [QM9_ENERGY.load(seed=k, n_train=n_train, n_epochs=n_epochs, progress=progress) for k in range(n_members)]
    ensemble = EnergyEnsemble.from_models(members)
    sets = qm9_energy_sets(n_train)
    indices = {"calibration": qm9_calibration(n_cal, n_train), **{name: sets.names[name] for name in SETS}}
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # small molecules: one thread is the fastest
    try:
        record = {}
        for name, idx in indices.items():
            runs = [qm9_predictions(m, sets.dataset, idx) for m in members]
            record[name] = {"index": torch.as_tensor(idx, dtype=torch.int64),
                            "members": torch.tensor(np.stack([pred for pred, _ in runs])),  # [K, n] eV
                            "target": torch.tensor(runs[0][1])}
    finally:
        torch.set_num_threads(threads)
    cal = record["calibration"]
    mean, std = cal["members"].mean(0).numpy(), cal["members"].std(0, correction=0).numpy()
    cp = SplitConformal(alpha).fit(cal["target"].numpy(), mean, scale=np.maximum(std, SPREAD_FLOOR))
    extra = {"alpha": alpha, "q": float(cp.q), "n_cal": n_cal, "floor": SPREAD_FLOOR, "sets": record,
             "n_members": n_members, "seconds": time.perf_counter() - t0}
    return ensemble, None, extra


_Z = {"H": 1, "C": 6, "N": 7, "O": 8, "F": 9}

QM9_ENSEMBLE = register(Recipe(
    "qm9-energy-ensemble", version=1, fit=_fit,
    tag=lambda n_members, n_cal, alpha, n_train, n_epochs: f"{n_members}x{n_train}x{n_epochs}-cal{n_cal}-a{alpha:g}",
    summary="deep ensemble of qm9-energy seeds 0..K-1 with split-conformal intervals (calibrated in distribution)",
    defaults=dict(n_members=3, n_cal=500, alpha=0.1, n_train=1000, n_epochs=30)))
