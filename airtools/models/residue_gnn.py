r"""ResidueGNN: per-residue secondary structure (helix / strand / coil) from invariant backbone geometry.

Also here: a small cross-entropy training loop (:func:`fit_secondary_structure`), per-residue accuracy
(:func:`ss_accuracy`), and the trained model cached for the dashboard (:func:`pretrained_secondary_structure`).
"""
from __future__ import annotations

import time
from dataclasses import dataclass, replace
from pathlib import Path

import torch
from torch import Tensor, nn

from airtools.data._protein_geometry import N_EDGE_FEATURES
from airtools.graph import scatter_sum
from airtools.nn import mlp

__all__ = ["ResidueGNN", "ResidueGNNConfig", "INPUT_WIDTHS", "fit_secondary_structure", "ss_accuracy",
           "predict_secondary_structure", "pretrained_secondary_structure", "pretrained_ss_path"]

_VERSION = 1  # bump when the recipe of pretrained_secondary_structure changes: old files are then retrained

# which per-residue input the model reads from a sample of ``secondary_structure_dataset`` -> its width
INPUT_WIDTHS = {"torsions": 9, "phi_psi": 6, "ca_window": 21}


@dataclass
class ResidueGNNConfig:
    """Settings of :class:`ResidueGNN`; ``n_layers=0`` is a per-residue MLP (the neighbour-blind baselines)."""

    inputs: str = "torsions"  # a key of INPUT_WIDTHS
    hidden: int = 48
    n_layers: int = 3
    n_classes: int = 3
    residue_type: bool = False  # also embed the amino-acid type (21 kinds)
    dropout: float = 0.1


class ResidueGNN(nn.Module):
    r"""Message passing over the residue graph with invariant node and edge features.

    Node input :math:`x_i` (sin/cos of the torsions with masks), edge input :math:`e_{ij}` (``EDGE_FEATURES``:
    distances, sequence offset, neighbour direction and orientation in residue i's frame), all invariant under
    rotations and translations of the protein; so the logits are invariant too. Layer :math:`\ell`:

    .. math::
        m_{ij} = W_m\,\sigma\!\big(A h_i + B h_j + \varepsilon_{ij}\big),\qquad
        h_i \leftarrow h_i + \mathrm{MLP}\Big(\mathrm{LN}\big(h_i
        + \tfrac{1}{k}\textstyle\sum_{j \to i} m_{ij}\big)\Big)

    with :math:`\varepsilon_{ij} = \mathrm{MLP}(e_{ij})` computed once; logits :math:`= \mathrm{MLP}(h_i)`.

    Shapes: ``x: [n_res, INPUT_WIDTHS[inputs]]``, ``edge_index: [2, n_edges]`` (``[0]`` = source j,
    ``[1]`` = target i), ``edge_attr: [n_edges, 54]``, ``residue_type: [n_res]`` -> logits ``[n_res, 3]``.

    >>> from airtools.data.proteins import load_chain, residue_features
    >>> f = residue_features(load_chain("1ahsA").backbone)
    >>> ResidueGNN()(f["torsions"], f["edge_index"], f["edge_attr"]).shape
    torch.Size([126, 3])
    """

    def __init__(self, config: ResidueGNNConfig | None = None, **kwargs):
        super().__init__()
        self.config = c = replace(config or ResidueGNNConfig(), **kwargs)
        if c.inputs not in INPUT_WIDTHS:
            raise ValueError(f"inputs: expected one of {sorted(INPUT_WIDTHS)}, got {c.inputs!r}")
        self.embed = mlp([INPUT_WIDTHS[c.inputs], c.hidden, c.hidden])
        self.residue_embedding = nn.Embedding(21, c.hidden) if c.residue_type else None
        self.edge_embed = mlp([N_EDGE_FEATURES, c.hidden, c.hidden]) if c.n_layers else None
        self.layers = nn.ModuleList(_Interaction(c.hidden, c.dropout) for _ in range(c.n_layers))
        self.head = nn.Sequential(nn.Dropout(c.dropout), mlp([c.hidden, c.hidden, c.n_classes]))

    def forward(self, x: Tensor, edge_index: Tensor | None = None, edge_attr: Tensor | None = None,
                residue_type: Tensor | None = None) -> Tensor:
        h = self.embed(x)  # [n_res, hidden]
        if self.residue_embedding is not None:
            if residue_type is None:
                raise ValueError("residue_type: this model embeds amino-acid types; pass sample['residue_type']")
            h = h + self.residue_embedding(residue_type)
        if self.layers:
            if edge_index is None or edge_attr is None:
                raise ValueError("edge_index, edge_attr: a ResidueGNN with n_layers > 0 needs the residue graph "
                                 "(airtools.data.proteins.residue_graph)")
            eps = self.edge_embed(edge_attr)  # [n_edges, hidden]
            degree = scatter_sum(torch.ones_like(edge_index[1], dtype=h.dtype), edge_index[1], len(h)).clamp(min=1)
            for layer in self.layers:
                h = layer(h, edge_index, eps, degree)
        return self.head(h)  # [n_res, n_classes]

    def inputs_of(self, sample: dict) -> tuple:
        """The arguments of :meth:`forward` taken from a sample of ``secondary_structure_dataset``."""
        args = (sample[self.config.inputs], sample["edge_index"], sample["edge_attr"])
        return args + ((sample["residue_type"],) if self.config.residue_type else ())


class _Interaction(nn.Module):
    """One residual message-passing update (see :class:`ResidueGNN`)."""

    def __init__(self, hidden: int, dropout: float):
        super().__init__()
        self.source, self.target = nn.Linear(hidden, hidden), nn.Linear(hidden, hidden, bias=False)
        self.message = nn.Sequential(nn.SiLU(), nn.Linear(hidden, hidden))
        self.norm = nn.LayerNorm(hidden)
        self.update = nn.Sequential(mlp([hidden, hidden, hidden]), nn.Dropout(dropout))

    def forward(self, h: Tensor, edge_index: Tensor, eps: Tensor, degree: Tensor) -> Tensor:
        j, i = edge_index
        m = self.message(self.source(h)[j] + self.target(h)[i] + eps)  # [n_edges, hidden]
        agg = scatter_sum(m, i, len(h)) / degree[:, None]  # [n_res, hidden], mean over neighbours
        return h + self.update(self.norm(h + agg))


def fit_secondary_structure(model: ResidueGNN, samples: list[dict], *, n_epochs: int = 30, lr: float = 3e-3,
                            chains_per_step: int = 4, seed: int = 0, device=None) -> dict:
    r"""Train ``model`` in place by cross-entropy on the residues of ``samples`` (Adam, cosine learning rate).

    .. math:: \mathcal L = -\frac{1}{n}\sum_i \log \operatorname{softmax}(f(x)_i)_{y_i}

    Each step takes ``chains_per_step`` chains as one disjoint graph (edge indices offset); the order of the
    chains is shuffled by ``seed``. Returns ``{"loss": [per epoch], "seconds": float}``; the model ends in eval mode.

    >>> from airtools.data.proteins import secondary_structure_dataset
    >>> model = ResidueGNN(inputs="phi_psi", n_layers=0, hidden=8)
    >>> len(fit_secondary_structure(model, secondary_structure_dataset("test")[:2], n_epochs=2)["loss"])
    2
    """
    from airtools import default_device
    from airtools.train import seed_everything

    device = device or default_device()
    seed_everything(seed)
    model.to(device).train()
    batches = [_collate(samples[k:k + chains_per_step], device) for k in range(0, len(samples), chains_per_step)]
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=n_epochs * len(batches))
    g = torch.Generator().manual_seed(seed)
    history, t0 = {"loss": []}, time.perf_counter()
    for _ in range(n_epochs):
        total = 0.0
        for b in torch.randperm(len(batches), generator=g).tolist():
            loss = nn.functional.cross_entropy(model(*model.inputs_of(batches[b])), batches[b]["y"])
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total += loss.item() * len(batches[b]["y"])
        history["loss"].append(total / sum(len(b["y"]) for b in batches))
    model.eval()
    history["seconds"] = time.perf_counter() - t0
    return history


@torch.no_grad()
def predict_secondary_structure(model: ResidueGNN, sample: dict) -> str:
    """The predicted 3-state string (``SS_CLASSES`` letters) of one chain.

    Args:
        model: a trained :class:`ResidueGNN`.
        sample: a dataset sample or ``airtools.data.proteins.residue_features(backbone, sequence)``.

    >>> from airtools.data.proteins import load_chain, residue_features
    >>> chain = load_chain("1ahsA")
    >>> ss = predict_secondary_structure(ResidueGNN(), residue_features(chain.backbone, chain.sequence))
    >>> len(ss) == len(chain.sequence), set(ss) <= {"H", "E", "-"}
    (True, True)
    """
    from airtools.data.proteins import SS_CLASSES

    model.eval()
    device = next(model.parameters()).device
    logits = model(*model.inputs_of(_collate([sample], device)))
    return "".join(SS_CLASSES[k] for k in logits.argmax(-1).tolist())


def ss_accuracy(model: ResidueGNN, samples: list[dict]) -> float:
    """Fraction of residues of ``samples`` whose predicted class equals the DSSP label (``sample["y"]``).

    >>> from airtools.data.proteins import secondary_structure_dataset
    >>> 0.0 <= ss_accuracy(ResidueGNN(), secondary_structure_dataset("test")[:2]) <= 1.0
    True
    """
    from airtools.data.proteins import SS_CLASSES

    right = sum(sum(a == SS_CLASSES[int(y)] for a, y in zip(predict_secondary_structure(model, s), s["y"]))
                for s in samples)
    return right / sum(len(s["y"]) for s in samples)


def pretrained_ss_path() -> Path:
    """Where :func:`pretrained_secondary_structure` caches its model: ``cache_dir()/models/residue-gnn-ss-v1.pt``."""
    from airtools.data import cache_dir

    return cache_dir() / "models" / f"residue-gnn-ss-v{_VERSION}.pt"


def pretrained_secondary_structure(*, train: bool = True) -> ResidueGNN | None:
    """The :class:`ResidueGNN` (default config) trained on the 38 training chains of ``dssp_split()``.

    Loaded from :func:`pretrained_ss_path` or, when none is readable, trained now (seed 0, 30 epochs, ~20 s on
    2 CPU cores) and saved there atomically with its held-out accuracy in the checkpoint's ``extra``.
    ``train=False`` returns None instead of training (a page that must stay fast).
    """
    from airtools.data.proteins import secondary_structure_dataset
    from airtools.train import load_or_train, save_checkpoint

    def fit():
        model = ResidueGNN()
        history = fit_secondary_structure(model, secondary_structure_dataset("train"))
        model.cpu()
        test_accuracy = ss_accuracy(model, secondary_structure_dataset("test"))
        save_checkpoint(pretrained_ss_path(), model, extra={"loss": history["loss"], "test_accuracy": test_accuracy})
        return model

    return load_or_train(pretrained_ss_path(), fit, train=train, what="secondary-structure model")


def _collate(samples: list[dict], device) -> dict:
    """Several chains as one disjoint graph on ``device``: node tensors concatenated, edge indices offset."""
    offsets = torch.tensor([0] + [len(s["torsions"]) for s in samples[:-1]]).cumsum(0)
    out = {key: torch.cat([s[key] for s in samples]).to(device)
           for key in ("torsions", "phi_psi", "ca_window", "residue_type", "edge_attr", "y") if key in samples[0]}
    out["edge_index"] = torch.cat([s["edge_index"] + o for s, o in zip(samples, offsets.tolist())], dim=1).to(device)
    return out
