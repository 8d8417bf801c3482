r"""Inverse folding as data: from a backbone alone, which amino acid sits at each residue?

The chains and the split by chain are those of the secondary-structure task (``dssp_split``: 38 training, 12
held-out chains from ``MDAnalysisTests``), so no residue of a test chain is ever seen in training. The target is
the index of the residue's amino acid in ``AMINO_ACIDS``; a residue that is not one of the 20 standard amino
acids (selenomethionine ``MSE``, a modified or unknown residue) gets ``IGNORE_INDEX`` = -100, the label that
``torch.nn.functional.cross_entropy`` skips by default, and that every metric leaves out.

>>> data = inverse_folding_dataset("test")
>>> len(data), data[0]["y"].shape == data[0]["torsions_burial"].shape[:1], "residue_type" in data[0]
(12, True, False)
"""
from __future__ import annotations

import functools

import numpy as np
import torch

from ._design_geometry import N_ATOM_PAIR_FEATURES, atom_pair_rbf, burial_counts
from ._protein_geometry import N_EDGE_FEATURES, residue_graph, torsion_features
from .proteins import dssp_split, load_chain

__all__ = ["AMINO_ACIDS", "THREE_LETTER", "IGNORE_INDEX", "N_DESIGN_EDGE_FEATURES", "amino_acid_labels",
           "design_features", "inverse_folding_dataset"]

AMINO_ACIDS = "ACDEFGHIKLMNPQRSTVWY"  # one-letter codes; class index = position in this string
THREE_LETTER = ("ALA", "CYS", "ASP", "GLU", "PHE", "GLY", "HIS", "ILE", "LYS", "LEU", "MET", "ASN", "PRO", "GLN",
                "ARG", "SER", "THR", "VAL", "TRP", "TYR")  # the same order as AMINO_ACIDS
IGNORE_INDEX = -100  # the label of a non-standard residue: no loss, not counted by any metric
N_DESIGN_EDGE_FEATURES = N_EDGE_FEATURES + N_ATOM_PAIR_FEATURES  # 54 + 200


def amino_acid_labels(resnames) -> torch.Tensor:
    """Class indices ``[n_res]`` (long) of three-letter residue names: ``AMINO_ACIDS`` order, ``IGNORE_INDEX`` for
    any name that is not one of the 20 standard amino acids (``Chain.resnames`` already maps CHARMM's ``HSD`` etc.
    to ``HIS``).

    >>> amino_acid_labels(["ALA", "TYR", "MSE"]).tolist()
    [0, 19, -100]
    """
    index = {name: k for k, name in enumerate(THREE_LETTER)}
    return torch.tensor([index.get(name, IGNORE_INDEX) for name in resnames], dtype=torch.long)


def design_features(backbone, *, k: int = 24, dtype: torch.dtype = torch.float32) -> dict:
    r"""The inputs of an inverse-folding model for one backbone (any chain, e.g. an upload); no residue type.

    Node input ``torsions_burial: [n, 13]``: :func:`~airtools.data.proteins.torsion_features` (9) and the burial
    counts of the virtual Cβ (4). Edge input ``edge_attr: [E, 254]``: the 54 columns of ``residue_graph``
    (``EDGE_FEATURES``) and the 200 atom-pair RBFs of N, CA, C, O, Cβ (``atom_pair_rbf``). All invariant under
    rotations and translations of the backbone.

    Args:
        backbone: ``[n, 4, 3]`` (N, CA, C, O), Å; anything else is a ``ValueError`` that names the shape.
        k: neighbours per residue in the graph.
        dtype: of the float tensors (``torch.float64`` to check invariance to rounding error).

    Returns:
        ``{"torsions_burial": [n, 13], "edge_index": [2, E], "edge_attr": [E, 254], "backbone": [n, 4, 3]}``,
        ``dtype`` / long tensors on the CPU.

    >>> f = design_features(load_chain("1ahsA").backbone, k=8)
    >>> f["torsions_burial"].shape, f["edge_attr"].shape
    (torch.Size([126, 13]), torch.Size([1008, 254]))
    >>> design_features(np.zeros((10, 3)))
    Traceback (most recent call last):
    ValueError: backbone: expected shape [n_res, 4, 3] (atoms N, CA, C, O per residue), got [10, 3]
    """
    nodes = np.concatenate([torsion_features(backbone), burial_counts(backbone)], axis=-1)
    edge_index, edge_attr = residue_graph(backbone, k=k)
    pairs = torch.from_numpy(atom_pair_rbf(backbone, edge_index.numpy()))
    return {"torsions_burial": torch.from_numpy(nodes).to(dtype), "edge_index": edge_index,
            "edge_attr": torch.cat([edge_attr, pairs], dim=-1).to(dtype),
            "backbone": torch.as_tensor(np.asarray(backbone), dtype=dtype)}


def inverse_folding_dataset(split: str = "train", *, k: int = 24, seed: int = 0) -> list[dict]:
    """Per-chain samples of inverse folding: :func:`design_features` plus ``name``, ``sequence`` (one-letter, as
    read) and ``y: [n]`` (index into ``AMINO_ACIDS``, ``IGNORE_INDEX`` for a non-standard residue); no
    ``residue_type`` key, since that is the answer. Cached in memory per process; batch with ``collate_chains``.

    Args:
        split: ``"train"`` (38 chains), ``"test"`` (12 held-out chains) or ``"all"``; see ``dssp_split``.
        k: neighbours per residue in the graph.
        seed: seed of the split by chain.

    >>> data = inverse_folding_dataset("all")  # the 50 shipped chains hold only standard amino acids
    >>> sum(len(s["y"]) for s in data), sum(int((s["y"] == IGNORE_INDEX).sum()) for s in data)
    (6860, 0)
    """
    train, test = dssp_split(seed)
    names = {"train": train, "test": test, "all": sorted(train + test)}.get(split)
    if names is None:
        raise ValueError(f"split: expected 'train', 'test' or 'all', got {split!r}")
    return [_sample(name, k) for name in names]


@functools.lru_cache(maxsize=256)
def _sample(name: str, k: int) -> dict:
    chain = load_chain(name)
    return {"name": name, "sequence": chain.sequence, **design_features(chain.backbone, k=k),
            "y": amino_acid_labels(chain.resnames)}
