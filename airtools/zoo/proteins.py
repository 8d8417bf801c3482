r"""``"secondary-structure"``: a :class:`~airtools.models.ResidueGNN` trained to predict each residue's DSSP class
(helix / strand / coil) from invariant backbone geometry, on the 38 training chains of ``dssp_split()``.

Training is cross-entropy over the residues (``airtools.train.cross_entropy_loss``), four chains per step as one
disjoint graph (``airtools.data.collate_chains``), AdamW with a cosine schedule, 30 epochs (~20 s on 2 cores).
Also here: what lesson 10 and the proteins dashboard ask of such a model — predictions as an H/E/− string,
accuracy against DSSP, and the invariant features of a (rotated) backbone.
"""
from __future__ import annotations

import numpy as np
import torch

from airtools import default_device
from airtools.data import SS_CLASSES, ca_distances, collate_chains, residue_features, secondary_structure_dataset, torsions
from airtools.models import ResidueGNN
from airtools.train import History, TrainConfig, cross_entropy_loss, train

from ._registry import Recipe, register

__all__ = ["SECONDARY_STRUCTURE", "fit_secondary_structure", "predict_secondary_structure", "ss_accuracy",
           "model_logits", "invariant_features"]


def fit_secondary_structure(model: ResidueGNN, samples: list[dict], *, n_epochs: int = 30, lr: float = 3e-3,
                            chains_per_step: int = 4, seed: int = 0, device=None, progress: bool = False) -> History:
    r"""Train ``model`` in place by cross-entropy on the residues of ``samples`` (no validation split).

    .. math:: \mathcal L = -\frac{1}{n}\sum_i \log \operatorname{softmax}(f(x)_i)_{y_i}

    Returns:
        the :class:`~airtools.train.History` (``train_loss`` per epoch); the model ends in eval mode.

    >>> model = ResidueGNN(inputs="phi_psi", n_layers=0, hidden=8)
    >>> len(fit_secondary_structure(model, secondary_structure_dataset("test")[:2], n_epochs=2).train_loss)
    2
    """
    config = TrainConfig(n_epochs=n_epochs, lr=lr, batch_size=chains_per_step, val_fraction=0, patience=None,
                         schedule="cosine", seed=seed, device=device or default_device(), progress=progress)
    return train(model, samples, config, loss_fn=cross_entropy_loss, collate_fn=collate_chains)


@torch.no_grad()
def predict_secondary_structure(model: ResidueGNN, sample: dict) -> str:
    """The predicted 3-state string (``SS_CLASSES`` letters) of one chain.

    Args:
        sample: a dataset sample or ``airtools.data.residue_features(backbone, sequence)``.

    >>> from airtools.data import load_chain
    >>> chain = load_chain("1ahsA")
    >>> ss = predict_secondary_structure(ResidueGNN(), residue_features(chain.backbone, chain.sequence))
    >>> len(ss) == len(chain.sequence), set(ss) <= {"H", "E", "-"}
    (True, True)
    """
    logits = _logits(model, sample)
    return "".join(SS_CLASSES[k] for k in logits.argmax(-1).tolist())


def ss_accuracy(model: ResidueGNN, samples: list[dict]) -> float:
    """Fraction of the residues of ``samples`` whose predicted class is the DSSP label (``sample["y"]``).

    >>> 0.0 <= ss_accuracy(ResidueGNN(), secondary_structure_dataset("test")[:2]) <= 1.0
    True
    """
    right = sum(int((_logits(model, s).argmax(-1).cpu() == s["y"]).sum()) for s in samples)
    return right / sum(len(s["y"]) for s in samples)


def model_logits(model: ResidueGNN | None, backbone, sequence: str | None = None) -> torch.Tensor | None:
    """Logits ``[n_res, 3]`` (float64, CPU) of ``model`` for a backbone ``[n_res, 4, 3]``; None without a model."""
    if model is None:
        return None
    return _logits(model, residue_features(backbone, sequence, k=12)).double().cpu()


def invariant_features(model: ResidueGNN | None, backbone, sequence: str | None = None, tors=None) -> dict:
    """What must not change when a structure turns: torsions ``[3, n_res]`` (degrees; ``tors`` if already known),
    Cα distances ``[n_res, n_res]`` and the model's logits (None without a model)."""
    return {"torsions": np.stack(torsions(backbone)) if tors is None else tors, "distances": ca_distances(backbone),
            "logits": model_logits(model, backbone, sequence)}


@torch.no_grad()
def _logits(model: ResidueGNN, sample: dict) -> torch.Tensor:
    device = next(model.parameters()).device
    return model.eval()(*(t.to(device) for t in model.inputs_of(sample)))  # [n_res, 3]


def _fit(progress, *, n_epochs, seed):
    model = ResidueGNN()
    history = fit_secondary_structure(model, secondary_structure_dataset("train"), n_epochs=n_epochs, seed=seed,
                                      progress=progress)
    model.cpu()
    return model, None, {"loss": history.train_loss, "seconds": history.seconds,
                         "test_accuracy": ss_accuracy(model, secondary_structure_dataset("test"))}


SECONDARY_STRUCTURE = register(Recipe(
    "secondary-structure", version=2, fit=_fit, tag=lambda n_epochs, seed: f"{n_epochs}-s{seed}",
    summary="ResidueGNN: helix/strand/coil per residue from invariant backbone geometry (38 chains)",
    defaults=dict(n_epochs=30, seed=0)))
