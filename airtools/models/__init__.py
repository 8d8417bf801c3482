"""Architectures, one per file; energy models are called as ``model(z, pos, batch=None) -> energy [n_graphs]``.

``SchNet`` (invariant), ``EGNN`` and ``PaiNN`` (scalar-vector), ``TFN`` (tensor features on e3nn) and
``MLP`` (a plain, deliberately non-invariant baseline), ``BPNN`` (fixed radial symmetry functions + an MLP per
atom: fast, with optional dropout). Forces come from one wrapper,
:func:`energy_and_forces`. Neural operators for PDEs: ``FNO``, ``DeepONet``, the p4-equivariant ``GFNO``;
physics-informed ``PINN``; ``ResidueGNN`` for proteins; ``InteractionEnergy`` for dimers; ``SmilesGPT``, a
small chemical language model. Each keeps its
settings in ``model.config`` (a dataclass; keyword arguments override it, :func:`merge_config`).

Layer: no data, no training, no cache here (``airtools.train`` trains them, ``airtools.zoo`` caches trained
ones); ``import airtools.models`` loads neither PySCF, gemmi nor spglib.
"""
from ._ase import MLCalculator
from ._base import (EnergyModel, EnergyReadout, check_inputs, dipole_moment, energy_and_forces, energy_forces_stress,
                    model_energies)
from ._config import merge_config
from ._demo import demo_models
from .bpnn import BPNN, BPNNConfig, DescriptorSet, descriptor_loss
from .deeponet import DeepONet, DeepONetConfig
from .egnn import EGNN, EGNNConfig
from .fno import FNO, FNOConfig, grid_features, relative_l2
from .interaction import DistanceBaseline, InteractionEnergy, interaction_loss
from .gfno import GFNO, GFNOConfig, GroupPointwise2d, GroupSpectralConv2d, rotation_equivariance_error
from .mlp import MLP, MLPConfig
from .painn import PaiNN, PaiNNConfig
from .pinn import PINN, PINNConfig, boundary_loss, burgers_residual, heat_residual, initial_loss, sample_collocation
from .residue_gnn import INPUT_WIDTHS, ResidueGNN, ResidueGNNConfig
from .schnet import SchNet, SchNetConfig
from .smiles_gpt import SmilesGPT, SmilesGPTConfig
from .tfn import TFN, TFNConfig

MODELS = {"schnet": SchNet, "egnn": EGNN, "painn": PaiNN, "tfn": TFN, "mlp": MLP}

__all__ = [
    "MODELS",
    "SchNet",
    "SchNetConfig",
    "EGNN",
    "EGNNConfig",
    "PaiNN",
    "PaiNNConfig",
    "TFN",
    "TFNConfig",
    "MLP",
    "MLPConfig",
    "BPNN",
    "BPNNConfig",
    "DescriptorSet",
    "descriptor_loss",
    "EnergyModel",
    "EnergyReadout",
    "energy_and_forces",
    "energy_forces_stress",
    "dipole_moment",
    "check_inputs",
    "MLCalculator",
    "FNO",
    "FNOConfig",
    "DeepONet",
    "DeepONetConfig",
    "relative_l2",
    "grid_features",
    "GFNO",
    "GFNOConfig",
    "GroupSpectralConv2d",
    "GroupPointwise2d",
    "rotation_equivariance_error",
    "PINN",
    "PINNConfig",
    "burgers_residual",
    "heat_residual",
    "initial_loss",
    "boundary_loss",
    "sample_collocation",
    "demo_models",
    "InteractionEnergy",
    "interaction_loss",
    "DistanceBaseline",
    "ResidueGNN",
    "ResidueGNNConfig",
    "INPUT_WIDTHS",
    "model_energies",
    "merge_config",
    "SmilesGPT",
    "SmilesGPTConfig",
]
