r"""``"inverse-folding"``: a :class:`~airtools.models.ResidueGNN` trained to predict each residue's amino acid from
the backbone alone (no residue type in, 20 classes out), on the 38 training chains of ``dssp_split()``.

Training is cross-entropy over the residues (``airtools.train.cross_entropy_loss``; a label ``IGNORE_INDEX`` adds
nothing), four chains per step as one disjoint graph (``airtools.data.collate_chains``), AdamW with a cosine
schedule, 30 epochs on one thread: 18-23 s on the 2-core machine when it is otherwise quiet (36 and 98 s measured
while other jobs shared its cores). Also here: what lesson 24 asks of such a model — a designed sequence for a
backbone, sequence recovery (per residue and per chain) and the baselines it must beat.

Measured on the 12 held-out chains (1,608 residues): the recipe recovers 21.3 % (seed 0; seeds 1 and 2: 20.8 %,
20.5 %; single chains 16-33 %), always guessing the most frequent training residue (Leu) 9.6 %, guessing from
the training composition 5.8 %, uniform random 5 %. At full PDB scale ProteinMPNN (Dauparas et al., Science 2022)
recovers ~52 %; this model sees ~5,300 residues of 38 chains and overfits beyond 30 epochs (90 epochs: 47 % on
its training chains, 21 % held out). The extra geometry of ``design_features`` (virtual Cβ, burial, atom-pair
distances) adds about one point over the secondary-structure inputs alone (seeds 0, 1: 21.3, 20.8 % against
20.0, 20.3 %), no more than the spread between seeds.
"""
from __future__ import annotations

import torch

from airtools import default_device
from airtools.data import (AMINO_ACIDS, IGNORE_INDEX, N_DESIGN_EDGE_FEATURES, collate_chains, design_features,
                           inverse_folding_dataset)
from airtools.models import ResidueGNN
from airtools.train import History, TrainConfig, cross_entropy_loss, train

from ._registry import Recipe, register

__all__ = ["INVERSE_FOLDING", "RANDOM_RECOVERY", "inverse_folding_model", "fit_inverse_folding", "design_sequence",
           "sequence_recovery", "per_chain_recovery", "composition_baseline"]

RANDOM_RECOVERY = 1 / len(AMINO_ACIDS)  # a uniformly random guess: 5 %


def inverse_folding_model(**settings) -> ResidueGNN:
    """A fresh :class:`ResidueGNN` for inverse folding: ``torsions_burial`` in, 20 amino-acid logits out, the 254
    edge columns of ``design_features``; ``settings`` override the recipe's (e.g. ``hidden=32``).

    >>> inverse_folding_model().config.n_classes
    20
    """
    return ResidueGNN(**{"inputs": "torsions_burial", "n_classes": len(AMINO_ACIDS),
                         "n_edge_features": N_DESIGN_EDGE_FEATURES, "hidden": 64, "n_layers": 3, **settings})


def fit_inverse_folding(model: ResidueGNN, samples: list[dict], *, n_epochs: int = 30, lr: float = 3e-3,
                        chains_per_step: int = 4, seed: int = 0, device=None, progress: bool = False) -> History:
    r"""Train ``model`` in place by cross-entropy on the labelled residues of ``samples`` (no validation split).

    .. math:: \mathcal L = -\frac{1}{|\{i: y_i \ne -100\}|}\sum_{i:\, y_i \ne -100}
              \log \operatorname{softmax}(f(x)_i)_{y_i}

    On a CPU it runs on one thread (the chains are small: two threads wait on each other).

    Returns:
        the :class:`~airtools.train.History` (``train_loss`` per epoch); the model ends in eval mode.

    >>> model = inverse_folding_model(hidden=8, n_layers=1)
    >>> len(fit_inverse_folding(model, inverse_folding_dataset("test")[:2], n_epochs=2).train_loss)
    2
    """
    config = TrainConfig(n_epochs=n_epochs, lr=lr, batch_size=chains_per_step, val_fraction=0, patience=None,
                         schedule="cosine", weight_decay=0.01, seed=seed, device=device or default_device(),
                         progress=progress)
    threads = torch.get_num_threads()
    if torch.device(config.device).type == "cpu":
        torch.set_num_threads(1)
    try:
        return train(model, samples, config, loss_fn=cross_entropy_loss, collate_fn=collate_chains)
    finally:
        torch.set_num_threads(threads)


def design_sequence(model: ResidueGNN, backbone, *, k: int = 24) -> str:
    """The most likely amino acid of each residue of a backbone, as a one-letter string (``AMINO_ACIDS``).

    Args:
        backbone: ``[n_res, 4, 3]`` (N, CA, C, O), Å; another shape is a ``ValueError`` saying which is expected.
        k: neighbours per residue (the recipe's model was trained with 24).

    >>> from airtools.data import load_chain
    >>> len(design_sequence(inverse_folding_model(), load_chain("1ahsA").backbone))
    126
    """
    return "".join(AMINO_ACIDS[a] for a in _logits(model, design_features(backbone, k=k)).argmax(-1).tolist())


def sequence_recovery(model: ResidueGNN, samples: list[dict]) -> float:
    r"""Fraction of the labelled residues of ``samples`` whose most likely amino acid is the native one, pooled over
    the residues of all chains; residues labelled ``IGNORE_INDEX`` (non-standard) are left out of both counts.

    .. math:: \text{recovery} = \frac{|\{i : \arg\max_a f(x)_{ia} = y_i,\ y_i \ne -100\}|}{|\{i : y_i \ne -100\}|}

    >>> 0.0 <= sequence_recovery(inverse_folding_model(), inverse_folding_dataset("test")[:2]) <= 1.0
    True
    """
    right, counted = zip(*(_right_and_counted(model, s) for s in samples))
    return sum(right) / sum(counted)


def per_chain_recovery(model: ResidueGNN, samples: list[dict]) -> dict[str, float]:
    """Sequence recovery of each chain alone: ``{sample["name"]: recovery}`` (masked as :func:`sequence_recovery`).

    >>> sorted(per_chain_recovery(inverse_folding_model(), inverse_folding_dataset("test")[:2]))
    ['1bvyF', '1dx5I']
    """
    return {s["name"]: right / counted for s in samples for right, counted in [_right_and_counted(model, s)]}


def composition_baseline(train_samples: list[dict], test_samples: list[dict], *, sample: bool = False) -> float:
    r"""Recovery on ``test_samples`` of a guess that ignores the backbone, knowing only the training composition
    :math:`p_a` (the fraction of amino acid a among the labelled training residues); :math:`q_a` is the test one.

    ``sample=False``: always guess the most frequent training amino acid, recovery :math:`q_{\arg\max p}`.
    ``sample=True``: draw each guess from :math:`p`; the expected recovery is :math:`\sum_a p_a q_a`, returned exactly.

    >>> s = [{"y": torch.tensor([0, 0, 1, IGNORE_INDEX])}]
    >>> composition_baseline(s, s), round(composition_baseline(s, s, sample=True), 4)
    (0.6666666666666666, 0.5556)
    """
    p, q = _composition(train_samples), _composition(test_samples)
    return float(p @ q) if sample else float(q[p.argmax()])


def _composition(samples: list[dict]) -> torch.Tensor:
    """Fraction of each amino acid among the labelled residues, ``[20]`` float64."""
    y = torch.cat([s["y"] for s in samples])
    counts = torch.bincount(y[y != IGNORE_INDEX], minlength=len(AMINO_ACIDS)).double()
    return counts / counts.sum()


def _right_and_counted(model: ResidueGNN, sample: dict) -> tuple[int, int]:
    y = sample["y"]
    labelled = y != IGNORE_INDEX
    predicted = _logits(model, sample).argmax(-1).cpu()
    return int((predicted[labelled] == y[labelled]).sum()), int(labelled.sum())


@torch.no_grad()
def _logits(model: ResidueGNN, sample: dict) -> torch.Tensor:
    device = next(model.parameters()).device
    return model.eval()(*(t.to(device) for t in model.inputs_of(sample)))  # [n_res, 20]


def _fit(progress, *, n_epochs, seed):
    torch.manual_seed(seed)
    model = inverse_folding_model()
    train_samples, test_samples = inverse_folding_dataset("train"), inverse_folding_dataset("test")
    history = fit_inverse_folding(model, train_samples, n_epochs=n_epochs, seed=seed, progress=progress)
    model.cpu()
    return model, None, {"loss": history.train_loss, "seconds": history.seconds,
                         "test_recovery": sequence_recovery(model, test_samples),
                         "composition_baseline": composition_baseline(train_samples, test_samples)}


INVERSE_FOLDING = register(Recipe(
    "inverse-folding", version=1, fit=_fit, tag=lambda n_epochs, seed: f"{n_epochs}-s{seed}",
    summary="ResidueGNN: the amino acid of each residue from invariant backbone geometry alone (38 chains)",
    defaults=dict(n_epochs=30, seed=0)))
