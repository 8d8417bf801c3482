r"""Losses for :func:`airtools.train.train`: each is ``loss_fn(model, batch) -> scalar tensor``.

- :func:`energy_force_loss`: molecules, :math:`\overline{(E - E^\text{ref})^2} + w_F\,\overline{|F - F^\text{ref}|^2}`;
- :func:`per_atom_loss`: crystals of different sizes, the energy error per atom;
- :func:`cross_entropy_loss`: per-node classes (e.g. secondary structure per residue);
- :func:`next_token_loss`: language models, each token predicted from the ones before it;
- :func:`denoising_loss`: self-supervised pretraining on unlabelled geometries (coordinate denoising).

Pass extra settings with a lambda: ``loss_fn=lambda m, b: energy_force_loss(m, b, force_weight=10.0)``.
"""
from __future__ import annotations

import torch
from torch import Tensor

from airtools.graph import num_graphs, scatter_sum
from airtools.models import energy_and_forces

__all__ = ["energy_force_loss", "per_atom_loss", "cross_entropy_loss", "next_token_loss", "denoising_loss"]


def energy_force_loss(model, batch: dict, force_weight: float = 1.0) -> Tensor:
    r"""L = mean (E - E_ref)^2 + w_F mean (F - F_ref)^2 on a molecule batch, F = -dE/dpos by autograd.

    Args:
        model: ``model(z, pos, batch) -> energy [n_graphs]``.
        batch: ``airtools.data.collate_molecules`` output (``z``, ``pos``, ``batch``, ``energy``, ``forces``).
        force_weight: :math:`w_F` (eV/Å)^-2 relative to eV^2; 0 trains on energies only (no forces computed).

    Molecules whose ``has_forces`` is False (energy-only data such as QM9) add no force term: the force mean
    runs over the atoms of the molecules that have forces, and none are computed when no molecule has any.
    Forces keep their graph (``create_graph``) only when ``model.training``, so validation stays cheap.

    >>> from airtools.models import SchNet
    >>> from airtools.data import MoleculeDataset, collate_molecules
    >>> ds = MoleculeDataset([[8, 1, 1]], [torch.randn(3, 3)], energy=[0.0], forces=[torch.zeros(3, 3)])
    >>> energy_force_loss(SchNet(), collate_molecules([ds[0]])).ndim
    0
    """
    has = batch.get("has_forces")
    if force_weight == 0 or (has is not None and not bool(has.any())):
        energy = model(batch["z"], batch["pos"], batch["batch"])
        return torch.mean((energy - batch["energy"]) ** 2)
    energy, forces = energy_and_forces(model, batch["z"], batch["pos"], batch["batch"], create_graph=model.training)
    force_error = (forces - batch["forces"]) ** 2  # [n_atoms, 3]
    if has is not None and not bool(has.all()):
        force_error = force_error[has[batch["batch"]]]  # the atoms of molecules that have forces
    return torch.mean((energy - batch["energy"]) ** 2) + force_weight * torch.mean(force_error)


def per_atom_loss(model, batch: dict, force_weight: float = 0.1) -> Tensor:
    r"""L = mean ((E - E_ref) / n_atoms)^2 + w_F mean |F - F_ref|^2 on a crystal batch (periodic cells).

    Dividing by the number of atoms weighs a 1-atom cell and an 8-atom supercell alike (energies are extensive).

    Args:
        batch: ``airtools.data.collate_crystals`` output (adds ``cell``, ``pbc``, ``n_atoms`` to a molecule batch).

    >>> from airtools.models import SchNet
    >>> from airtools.data import CrystalDataset, bulk_crystal, collate_crystals
    >>> ds = CrystalDataset.from_atoms([bulk_crystal("Cu"), bulk_crystal("Al", cubic=True)])
    >>> per_atom_loss(SchNet(hidden=8), collate_crystals([ds[0], ds[1]])).ndim
    0
    """
    energy, forces = energy_and_forces(model, batch["z"], batch["pos"], batch["batch"], cell=batch["cell"],
                                       pbc=batch["pbc"], create_graph=model.training)
    n = batch["n_atoms"].to(energy)
    return torch.mean(((energy - batch["energy"]) / n) ** 2) + force_weight * torch.mean((forces - batch["forces"]) ** 2)


def cross_entropy_loss(model, batch: dict) -> Tensor:
    r"""Mean cross-entropy over the nodes, :math:`-\frac1n\sum_i \log \mathrm{softmax}(f_i)_{y_i}`.

    The model reads its inputs from the batch with ``model.inputs_of(batch)`` (e.g. ``ResidueGNN``), or takes
    ``batch["x"]``; the labels are ``batch["y"]: [n]`` class indices, the logits ``[n, n_classes]``.

    >>> model = torch.nn.Linear(4, 3)
    >>> cross_entropy_loss(model, {"x": torch.zeros(5, 4), "y": torch.zeros(5, dtype=torch.long)}).item() > 0
    True
    """
    inner = getattr(model, "module", model)  # DistributedDataParallel wraps the model
    inputs = inner.inputs_of(batch) if hasattr(inner, "inputs_of") else (batch["x"],)
    return torch.nn.functional.cross_entropy(model(*inputs), batch["y"])


def next_token_loss(model, batch, pad_id: int = 0) -> Tensor:
    r"""Next-token cross-entropy of a language model, :math:`-\frac1N\sum_{b,t} \log p(x_{b,t+1} \mid x_{b,\le t})`.

    The model reads ``tokens[:, :-1]`` and its logits at position t are scored against ``tokens[:, t + 1]``;
    targets equal to ``pad_id`` (after a sequence's end) are left out of the mean (N counts the others).

    Args:
        model: ``model(idx [B, T - 1]) -> logits [B, T - 1, vocab]`` (e.g. ``airtools.models.SmilesGPT``).
        batch: token ids ``[B, T]``, as a tensor, a one-element list/tuple of it (``TensorDataset``) or a dict
            with ``"tokens"``.

    >>> model = torch.nn.Embedding(5, 5)                     # logits = a row per token: "predicts" by lookup
    >>> next_token_loss(model, torch.tensor([[1, 3, 2, 0]])).item() > 0
    True
    """
    tokens = batch["tokens"] if isinstance(batch, dict) else batch[0] if isinstance(batch, (list, tuple)) else batch
    if not isinstance(tokens, Tensor) or tokens.ndim != 2 or tokens.shape[1] < 2:
        raise ValueError(f"batch: expected token ids [batch, T >= 2], got "
                         f"{list(tokens.shape) if isinstance(tokens, Tensor) else type(tokens).__name__}")
    logits = model(tokens[:, :-1])  # [B, T - 1, vocab]: position t predicts token t + 1
    return torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), tokens[:, 1:].reshape(-1),
                                             ignore_index=pad_id)


def denoising_loss(model, batch: dict, sigma: float = 0.2) -> Tensor:
    r"""Coordinate denoising (Zaidi et al., "Pre-training via denoising for molecular property prediction", ICLR
    2023, arXiv:2206.00133) with the energy model's own forces as the noise prediction.

    Each molecule's positions get Gaussian noise, :math:`\tilde x = x + \sigma\varepsilon` (with the mean over
    its atoms removed: an invariant energy cannot see a rigid shift), and the model's forces
    :math:`F_\theta = -\partial E_\theta / \partial \tilde x` are trained to point back:

    .. math:: L = \overline{\lvert \sigma F_\theta(\tilde x) + \varepsilon \rvert^2}.

    Its minimiser is :math:`F_\theta(\tilde x) = -\mathbb E[\varepsilon \mid \tilde x] / \sigma
    = \nabla \log q_\sigma(\tilde x)`, the score of the noised structures (Vincent 2011), so
    :math:`E_\theta \approx -\log q_\sigma` + const: the model learns a force field that pulls atoms back to
    equilibrium geometries, which is Zaidi et al.'s reading of denoising. No label is used (``batch["energy"]``
    is ignored). They predict the noise with a separate equivariant output head; here the forces are it.

    Args:
        model: ``model(z, pos, batch) -> energy [n_graphs]``.
        batch: a molecule batch (``z``, ``pos``, ``batch``), e.g. ``collate_molecules``.
        sigma: noise scale in Å (Zaidi et al. use 0.04 Å for their large models; a small, fast model learns more
            from larger noise).

    Draws the noise from torch's global generator (``airtools.train.train`` seeds it).

    >>> from airtools.models import BPNN
    >>> b = {"z": torch.tensor([8, 1, 1]), "pos": torch.randn(3, 3), "batch": torch.zeros(3, dtype=torch.long)}
    >>> denoising_loss(BPNN(), b).item() > 0
    True
    """
    pos, index = batch["pos"], batch["batch"]
    n_graphs = num_graphs(index)
    eps = torch.randn_like(pos)  # [n_atoms, 3]
    count = torch.bincount(index, minlength=n_graphs).to(pos)[:, None]  # [n_graphs, 1]
    eps = eps - (scatter_sum(eps, index, n_graphs) / count)[index]  # mean over each molecule's atoms removed
    _, forces = energy_and_forces(model, batch["z"], pos + sigma * eps, index, create_graph=model.training)
    return torch.mean((sigma * forces + eps) ** 2)
