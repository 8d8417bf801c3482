"""Reusable layers for atomistic models: radial bases, smooth cutoffs, embeddings and small blocks."""
from ._blocks import AtomEmbedding, RadialEmbedding, ShiftedSoftplus, mlp
from ._cutoff import CosineCutoff, PolynomialCutoff
from ._radial import BesselBasis, GaussianBasis

__all__ = [
    "GaussianBasis",
    "BesselBasis",
    "CosineCutoff",
    "PolynomialCutoff",
    "RadialEmbedding",
    "AtomEmbedding",
    "ShiftedSoftplus",
    "mlp",
]
