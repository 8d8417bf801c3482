"""The model zoo: one energy model per file, all called as ``model(z, pos, batch=None) -> energy [n_graphs]``.

``SchNet`` (invariant), ``EGNN`` and ``PaiNN`` (scalar-vector), ``TFN`` (tensor features on e3nn) and
``MLP`` (a plain, deliberately non-invariant baseline). Forces come from one wrapper,
:func:`energy_and_forces`. Neural operators for PDEs: ``FNO``, ``DeepONet``, the p4-equivariant ``GFNO``; physics-informed ``PINN``.
"""
from ._ase import MLCalculator
from ._base import EnergyModel, EnergyReadout, check_inputs, dipole_moment, energy_and_forces, energy_forces_stress
from .deeponet import DeepONet
from .egnn import EGNN, EGNNConfig
from .fno import FNO, FNOConfig, grid_features, relative_l2
from .interaction import DistanceBaseline, InteractionEnergy, interaction_loss
from .gfno import GFNO, GFNOConfig, GroupPointwise2d, GroupSpectralConv2d, rotation_equivariance_error
from .mlp import MLP, MLPConfig
from .painn import PaiNN, PaiNNConfig
from ._pretrained import demo_models, pretrained, pretrained_path
from .pinn import PINN, boundary_loss, burgers_residual, fit_pinn, heat_residual, initial_loss, sample_collocation
from .residue_gnn import ResidueGNN, ResidueGNNConfig, fit_secondary_structure, pretrained_secondary_structure
from .schnet import SchNet, SchNetConfig
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
    "relative_l2",
    "grid_features",
    "GFNO",
    "GFNOConfig",
    "GroupSpectralConv2d",
    "GroupPointwise2d",
    "rotation_equivariance_error",
    "PINN",
    "burgers_residual",
    "heat_residual",
    "initial_loss",
    "boundary_loss",
    "sample_collocation",
    "fit_pinn",
    "demo_models",
    "pretrained",
    "pretrained_path",
    "InteractionEnergy",
    "interaction_loss",
    "DistanceBaseline",
    "ResidueGNN",
    "ResidueGNNConfig",
    "fit_secondary_structure",
    "pretrained_secondary_structure",
]
