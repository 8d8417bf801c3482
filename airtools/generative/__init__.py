r"""Generative models of 3-D point clouds with typed points: equivariant diffusion (EDM) and its metrics.

EDM (Hoogeboom, Satorras, Vignac, Welling, ICML 2022) in small pieces:

- :mod:`.schedule`: the noise schedule, :math:`\alpha_t`, :math:`\sigma_t`, SNR (:class:`NoiseSchedule`).
- :mod:`.subspace`: the zero-centre-of-mass subspace where positions diffuse (:func:`remove_mean`, ...).
- :mod:`.diffusion`: the forward process, the training loss, the prior (:class:`PointCloudDiffusion`).
- :mod:`.samplers`: the ancestral sampler and deterministic DDIM, with trajectories (:func:`sample_ddim`).
- :mod:`.denoisers`: an E(3)-equivariant EGNN noise model and a non-equivariant baseline of similar size.
- :mod:`.bonds`: EDM's bond lookup tables -> bond orders, atom and molecule stability (no RDKit).
- :mod:`.metrics`: validity, uniqueness and novelty with RDKit; :mod:`.conformers`: COV/MAT with
  symmetry-aware RMSD.
- :mod:`.generate`: sample with a trajectory and score every frame and molecule (:func:`generate`), and the
  rotated-noise check of the deterministic sampler (:func:`rotated_noise`), crystals with their trajectory
  (:func:`generate_crystals`): what lessons and pages show.
- :mod:`.toy`: a Gaussian mixture whose noised distributions and exact noise prediction are known in closed
  form (:class:`GaussianMixture`): diffusion without training, in 2-D.
- :mod:`.crystal_diffusion`: crystals by periodic diffusion (DiffCSP-style): fractional coordinates with wrapped
  noise on the torus, the lattice by its lengths and angles (:class:`CrystalDiffusion`, :func:`sample_crystals`).
- :mod:`.conformer_diffusion`: conformers of a fixed molecular graph by coordinate diffusion conditioned on
  the graph (:class:`ConformerDiffusion`, :func:`sample_conformers`), with the same samplers.

Models built from a config dataclass (:class:`DiffusionConfig`, :class:`ConformerConfig`) keep it in
``model.config``, so ``airtools.train.save_checkpoint`` / ``load_checkpoint`` rebuild them.

Batches follow airtools' convention: ``pos: [n_atoms, 3]``, ``batch: [n_atoms]``.

Layering: ``generative`` imports ``so3``, ``graph``, ``nn``, ``models`` and ``cache`` only (never ``data``,
``train``, ``zoo``, ``exercises`` or ``viz``): datasets are passed in as tensors, training loops and
pretrained recipes live above it.

>>> import torch
>>> from airtools.generative import EGNNDenoiser, NoiseSchedule, PointCloudDiffusion, sample_ddim
>>> model = PointCloudDiffusion(EGNNDenoiser(n_types=2, hidden=8, n_layers=1), atom_types=(1, 8),
...                             schedule=NoiseSchedule(T=50), sizes=[3])
>>> sample_ddim(model, n_samples=2, n_steps=5, generator=torch.Generator().manual_seed(0)).z.shape
torch.Size([6])
"""
from .bonds import ALLOWED_BONDS, atom_stability, bond_orders, molecule_stability, stability
from .conformer_diffusion import (ConformerConfig, ConformerDiffusion, ConformerGraph, batch_graphs,
                                  conformer_graph, sample_conformers)
from .crystal_diffusion import (CrystalConfig, CrystalDenoiser, CrystalDiffusion, CrystalSamples, CrystalTrajectory,
                                cell_to_lattice, lattice_to_cell, min_image, random_crystals, sample_crystals, wrap,
                                wrapped_normal_score)
from .conformers import best_rmsd, conformer, coverage_matching, kabsch_rmsd, rmsd_matrix
from .denoisers import EGNNDenoiser, GNNDenoiser
from .diffusion import DiffusionConfig, Latent, PointCloudDiffusion
from .generate import CrystalGeneration, Generation, generate, generate_crystals, rotated_noise
from .metrics import (canonical_smiles, molecule_metrics, novelty, to_rdkit, to_smiles, trajectory_metrics, uniqueness,
                      validity)
from .samplers import Samples, Trajectory, sample_ancestral, sample_ddim
from .schedule import NoiseSchedule, clip_alpha2, cosine_alpha2, polynomial_alpha2
from .toy import GaussianMixture
from .subspace import assert_zero_com, center_of_mass, remove_mean, subspace_dim, zero_com_noise

__all__ = [
    "NoiseSchedule",
    "polynomial_alpha2",
    "cosine_alpha2",
    "clip_alpha2",
    "center_of_mass",
    "remove_mean",
    "zero_com_noise",
    "subspace_dim",
    "assert_zero_com",
    "Latent",
    "PointCloudDiffusion",
    "DiffusionConfig",
    "Samples",
    "Trajectory",
    "sample_ancestral",
    "sample_ddim",
    "EGNNDenoiser",
    "GNNDenoiser",
    "ALLOWED_BONDS",
    "bond_orders",
    "atom_stability",
    "molecule_stability",
    "stability",
    "to_rdkit",
    "canonical_smiles",
    "validity",
    "uniqueness",
    "novelty",
    "molecule_metrics",
    "trajectory_metrics",
    "best_rmsd",
    "kabsch_rmsd",
    "rmsd_matrix",
    "coverage_matching",
    "conformer",
    "to_smiles",
    "ConformerConfig",
    "ConformerDiffusion",
    "ConformerGraph",
    "conformer_graph",
    "batch_graphs",
    "sample_conformers",
    "GaussianMixture",
    "Generation",
    "generate",
    "rotated_noise",
    "wrap",
    "min_image",
    "wrapped_normal_score",
    "cell_to_lattice",
    "lattice_to_cell",
    "CrystalConfig",
    "CrystalDenoiser",
    "CrystalDiffusion",
    "CrystalSamples",
    "CrystalTrajectory",
    "CrystalGeneration",
    "generate_crystals",
    "sample_crystals",
    "random_crystals",
]
