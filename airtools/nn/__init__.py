"""Reusable layers: radial bases, smooth cutoffs, embeddings, small blocks, and spectral convolutions (FNO)."""
from ._blocks import AtomEmbedding, RadialEmbedding, ShiftedSoftplus, mlp
from ._cutoff import CosineCutoff, PolynomialCutoff
from ._radial import BesselBasis, GaussianBasis
from ._spectral import SpectralConv1d, SpectralConv2d, spectral_conv1d

__all__ = [
    "GaussianBasis",
    "BesselBasis",
    "CosineCutoff",
    "PolynomialCutoff",
    "RadialEmbedding",
    "AtomEmbedding",
    "ShiftedSoftplus",
    "mlp",
    "SpectralConv1d",
    "SpectralConv2d",
    "spectral_conv1d",
]
