"""Training: one generic loop, the usual losses, checkpoints, full-batch fitting, and data parallelism.

- ``loop``: :func:`train` (model, dataset, ``loss_fn``, ``collate_fn`` passed in), :class:`TrainConfig`,
  :class:`History`, :func:`seed_everything`;
- ``losses``: :func:`energy_force_loss` (molecules), :func:`per_atom_loss` (crystals), :func:`cross_entropy_loss`,
  :func:`next_token_loss` (language models), :func:`denoising_loss` (pretraining on unlabelled geometries);
- ``checkpoint``: :func:`save_checkpoint`, :func:`load_checkpoint`, :func:`load_or_train` for every model of
  ``airtools.models`` through its config dataclass;
- ``full_batch``: :func:`fit_full_batch`, Adam then L-BFGS on a loss without data (PINNs);
- ``distributed``: ``torchrun --nproc_per_node=N -m airtools.train ...`` trains with DistributedDataParallel
  (gloo on CPUs, nccl on GPUs); ``python -m airtools.train --help`` lists what it can train.

Layer: imports ``models``, ``graph`` and ``cache`` (never ``zoo``, ``exercises`` or ``viz``).
"""
from . import distributed
from .checkpoint import load_checkpoint, load_or_train, save_checkpoint
from .full_batch import fit_full_batch
from .loop import History, TrainConfig, seed_everything, train
from .losses import cross_entropy_loss, denoising_loss, energy_force_loss, next_token_loss, per_atom_loss

__all__ = ["TrainConfig", "History", "train", "seed_everything", "energy_force_loss", "per_atom_loss",
           "cross_entropy_loss", "next_token_loss", "denoising_loss", "save_checkpoint", "load_checkpoint",
           "load_or_train", "fit_full_batch", "distributed"]
