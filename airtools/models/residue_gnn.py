r"""ResidueGNN: a per-residue class from invariant backbone geometry: secondary structure (helix / strand / coil,
``n_classes=3``) or, for inverse folding, the amino acid (``n_classes=20``).

Its inputs come from ``airtools.data.proteins.residue_features`` or, for inverse folding,
``airtools.data.design_features`` (batches of chains from ``collate_chains``); training, metrics and the cached
models live in ``airtools.zoo.proteins`` and ``airtools.zoo.protein_design``.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor, nn

from airtools.graph import scatter_sum
from airtools.nn import mlp

from ._config import merge_config

__all__ = ["ResidueGNN", "ResidueGNNConfig", "INPUT_WIDTHS", "N_AMINO_ACIDS"]

# which per-residue input the model reads from a sample of ``secondary_structure_dataset`` -> its width
INPUT_WIDTHS = {"torsions": 9, "phi_psi": 6, "ca_window": 21, "torsions_burial": 13}
N_AMINO_ACIDS = 20  # n_classes of inverse folding: such a model must not read the residue type


@dataclass
class ResidueGNNConfig:
    """Settings of :class:`ResidueGNN`; ``n_layers=0`` is a per-residue MLP (the neighbour-blind baselines)."""

    inputs: str = "torsions"  # a key of INPUT_WIDTHS
    hidden: int = 48
    n_layers: int = 3
    n_classes: int = 3  # 3: secondary structure (SS_CLASSES); 20: inverse folding (AMINO_ACIDS)
    residue_type: bool = False  # also embed the amino-acid type (21 kinds)
    dropout: float = 0.1
    n_edge_features: int = 54  # width of edge_attr: N_EDGE_FEATURES, or N_DESIGN_EDGE_FEATURES (254)


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
    ``[1]`` = target i), ``edge_attr: [n_edges, n_edge_features]``, ``residue_type: [n_res]`` -> logits
    ``[n_res, n_classes]``.

    Inverse folding is the same network with ``inputs="torsions_burial", n_classes=20, n_edge_features=254``
    (the virtual-Cβ burial and atom-pair distances of ``airtools.data.design_features``); it refuses
    ``residue_type=True``, the answer it is asked for.

    >>> from airtools.data.proteins import load_chain, residue_features
    >>> f = residue_features(load_chain("1ahsA").backbone)
    >>> ResidueGNN()(f["torsions"], f["edge_index"], f["edge_attr"]).shape
    torch.Size([126, 3])
    """

    def __init__(self, config: ResidueGNNConfig | None = None, **kwargs):
        super().__init__()
        self.config = c = merge_config(ResidueGNNConfig, config, kwargs)
        if c.inputs not in INPUT_WIDTHS:
            raise ValueError(f"inputs: expected one of {sorted(INPUT_WIDTHS)}, got {c.inputs!r}")
        if c.residue_type and c.n_classes == N_AMINO_ACIDS:
            raise ValueError("residue_type: a model that predicts the amino acid (n_classes=20) cannot read it as "
                             "an input; set residue_type=False")
        self.embed = mlp([INPUT_WIDTHS[c.inputs], c.hidden, c.hidden])
        self.residue_embedding = nn.Embedding(21, c.hidden) if c.residue_type else None
        self.edge_embed = mlp([c.n_edge_features, c.hidden, c.hidden]) if c.n_layers else None
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
        """The arguments of :meth:`forward` taken from a sample of ``secondary_structure_dataset`` (or a batch of
        ``collate_chains``)."""
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
