"""Data-parallel training under ``torchrun``: one process per CPU group or GPU, gradients averaged by
``DistributedDataParallel`` (gloo on CPUs, nccl on GPUs).

``torchrun --nproc_per_node=N -m airtools.train ...`` starts N processes with ``RANK``, ``WORLD_SIZE``,
``LOCAL_RANK`` and ``MASTER_ADDR/PORT`` set; :func:`setup` joins them into one process group. The training
loop then splits each global batch of ``batch_size`` samples into N shards of ``batch_size / N``
(:func:`epoch_sampler`: the same seeded permutation on every rank, rank r taking every N-th sample), so N
processes see exactly the batches one process would, and the averaged gradient is the same up to round-off
(for losses that are means over equal-sized shards). Only rank 0 shows progress and writes checkpoints.

Without ``torchrun`` nothing changes: one process, ``world_size() == 1``.

>>> world_size(), rank(), is_main_process()
(1, 0, True)
"""
from __future__ import annotations

import os

import torch
import torch.distributed as dist

__all__ = ["setup", "teardown", "is_distributed", "world_size", "rank", "is_main_process", "device_for_rank",
           "epoch_sampler", "wrap", "all_reduce_mean"]


def is_distributed() -> bool:
    """True inside a process group (``torchrun`` and :func:`setup`)."""
    return dist.is_available() and dist.is_initialized()


def world_size() -> int:
    """Number of processes training together (1 without ``torchrun``)."""
    return dist.get_world_size() if is_distributed() else 1


def rank() -> int:
    """This process's index, 0 .. world_size() - 1."""
    return dist.get_rank() if is_distributed() else 0


def is_main_process() -> bool:
    """Rank 0: the process that prints, shows progress bars and writes files."""
    return rank() == 0


def setup(device: str | None = None) -> bool:
    """Join the process group ``torchrun`` describes in the environment; a no-op without it.

    Args:
        device: ``"cuda"`` selects nccl and this rank's GPU (``LOCAL_RANK``); anything else gloo.

    Returns:
        whether this process now trains in a group.
    """
    if is_distributed() or "WORLD_SIZE" not in os.environ or int(os.environ["WORLD_SIZE"]) == 1:
        return is_distributed()
    use_cuda = device is not None and str(device).startswith("cuda")
    if use_cuda:
        torch.cuda.set_device(int(os.environ.get("LOCAL_RANK", 0)))
    dist.init_process_group("nccl" if use_cuda else "gloo")
    return True


def teardown() -> None:
    """Leave the process group (after the last collective call)."""
    if is_distributed():
        dist.destroy_process_group()


def device_for_rank(device: str) -> str:
    """``"cuda:<LOCAL_RANK>"`` for a GPU run under ``torchrun``, else ``device`` unchanged."""
    if is_distributed() and str(device) == "cuda":
        return f"cuda:{int(os.environ.get('LOCAL_RANK', 0))}"
    return device


def epoch_sampler(dataset, *, shuffle: bool, seed: int):
    """A ``DistributedSampler`` over ``dataset`` for this rank (one replica without ``torchrun``).

    Every rank draws the same permutation (seed + epoch; call ``sampler.set_epoch(epoch)``) and takes
    samples ``rank, rank + N, ...``: consecutive shards of size b/N together are the global batch of size b
    that a single process would draw.
    """
    return torch.utils.data.DistributedSampler(dataset, num_replicas=world_size(), rank=rank(), shuffle=shuffle,
                                               seed=seed, drop_last=False)


def wrap(model: torch.nn.Module) -> torch.nn.Module:
    """``DistributedDataParallel(model)`` in a process group, else ``model`` itself; the wrapper shares the
    model's parameters, so training it trains ``model``."""
    if not is_distributed():
        return model
    device = next(model.parameters()).device
    return torch.nn.parallel.DistributedDataParallel(model, device_ids=[device] if device.type == "cuda" else None)


def all_reduce_mean(value: float) -> float:
    """The mean of a number over the ranks (itself without ``torchrun``)."""
    if not is_distributed():
        return value
    t = torch.tensor([value], dtype=torch.float64)
    if dist.get_backend() == "nccl":
        t = t.cuda()
    dist.all_reduce(t)
    return float(t) / world_size()
