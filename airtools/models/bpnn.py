"""Behler–Parrinello network: fixed radial symmetry functions per atom, a small MLP per atom, energies summed;
the descriptors of fixed geometries computed once (:class:`DescriptorSet`) for fast training."""
from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor, nn

from airtools.nn import CosineCutoff, GaussianBasis

from ._base import EnergyModel


@dataclass
class BPNNConfig:
    """Settings of :class:`BPNN`; the defaults train on a few hundred QM9 molecules in seconds on a CPU."""

    elements: tuple = (1, 6, 7, 8, 9)  # atomic numbers it knows (QM9: H, C, N, O, F)
    n_radial: int = 16  # Gaussians per neighbour element
    r_cut: float = 5.0  # cutoff radius (Å)
    hidden: int = 64
    n_hidden_layers: int = 2
    dropout: float = 0.0  # after each hidden layer; > 0 for MC dropout (airtools.uq.mc_dropout_predict)
    max_z: int = 100


class BPNN(EnergyModel):
    r"""Behler–Parrinello network (Behler & Parrinello, PRL 98, 146401, 2007) with radial symmetry functions.

    Each atom i is described by a fixed, invariant vector: for every element b and Gaussian k, the smoothly cut
    sum over its neighbours of that element (Behler's radial :math:`G^2`), then compressed by ``log1p``. An MLP
    maps it to the atom's energy; the molecule's energy is the sum:

    .. math::
        G_{i,bk} &= \log\Big(1 + \sum_{j \ne i,\; z_j = b} e^{-\gamma (r_{ij} - \mu_k)^2} f_\text{cos}(r_{ij})\Big) \\
        E &= \sum_i \mathrm{MLP}\big([\mathrm{onehot}(z_i), G_i]\big)

    Unlike the original (one network per element, angular functions :math:`G^4` too) one network takes the
    element as a one-hot input, and there are no angles, so it cannot tell apart geometries with the same
    distances per element pair. The descriptor has no weights: only the MLP learns, which makes it fast, and
    ``dropout > 0`` gives an MC-dropout model. A baseline and a teaching model, not a competitive potential.

    Args:
        config: a :class:`BPNNConfig`; keyword arguments override its fields.

    Call ``model(z [n_atoms], pos [n_atoms, 3], batch=None [n_atoms]) -> energy [n_graphs]``; elements outside
    ``config.elements`` are a ``ValueError``.

    >>> model = BPNN(hidden=16)
    >>> model(torch.tensor([8, 1, 1]), torch.randn(3, 3)).shape
    torch.Size([1])
    >>> model.descriptor(torch.tensor([8, 1, 1]), torch.randn(3, 3)).shape    # 5 elements x 16 Gaussians
    torch.Size([3, 80])
    """

    def __init__(self, config: BPNNConfig | None = None, **kwargs):
        super().__init__(BPNNConfig, config, **kwargs)
        c = self.config
        elements = [int(Z) for Z in c.elements]
        if not elements or len(set(elements)) != len(elements) or not all(1 <= Z <= c.max_z for Z in elements):
            raise ValueError(f"BPNN: elements must be distinct atomic numbers 1..{c.max_z}, got {c.elements}")
        index = torch.full((c.max_z + 1,), -1, dtype=torch.long)
        index[elements] = torch.arange(len(elements))
        self.register_buffer("element_index", index)  # [max_z + 1]: Z -> 0..S-1, or -1
        self.basis = GaussianBasis(c.n_radial, c.r_cut)
        self.cutoff = CosineCutoff(c.r_cut)
        S = len(elements)
        widths = [S + S * c.n_radial] + [c.hidden] * c.n_hidden_layers
        layers = []
        for w_in, w_out in zip(widths[:-1], widths[1:]):
            layers += [nn.Linear(w_in, w_out), nn.SiLU(), nn.Dropout(c.dropout)]
        self.net = nn.Sequential(*layers, nn.Linear(widths[-1], 1))

    def descriptor(self, z: Tensor, pos: Tensor, batch: Tensor | None = None) -> Tensor:
        """The radial symmetry functions ``G: [n_atoms, n_elements * n_radial]`` (differentiable in ``pos``)."""
        z, pos, batch = self.check_inputs(z, pos, batch)
        e = self._elements(z)  # [n_atoms]: 0..S-1
        edge_index, _, r = self.edges(pos, batch)
        src, dst = edge_index
        g = self.basis(r) * self.cutoff(r)[:, None]  # [n_edges, n_radial]
        S, K = len(self.config.elements), self.config.n_radial
        G = torch.zeros(z.shape[0] * S, K, dtype=pos.dtype, device=pos.device)
        G = G.index_add(0, dst * S + e[src], g)  # row (i, b): sum over neighbours j of element b
        return torch.log1p(G.view(-1, S * K))  # [n_atoms, S * K]

    def forward(self, z: Tensor, pos: Tensor, batch: Tensor | None = None, *, cell: Tensor | None = None,
                pbc=None, descriptor: Tensor | None = None) -> Tensor:
        """Energies ``[n_graphs]``; ``descriptor``: :meth:`descriptor` of these atoms computed before (no
        gradient to ``pos`` then), to train on fixed geometries without recomputing it (:class:`DescriptorSet`)."""
        if cell is not None or pbc is not None:
            raise ValueError("cell: BPNN here is for molecules; use SchNet, PaiNN, TFN or EGNN for crystals")
        z, pos, batch = self.check_inputs(z, pos, batch)
        G = self.descriptor(z, pos, batch) if descriptor is None else descriptor  # [n_atoms, S * K]
        width = len(self.config.elements) * self.config.n_radial
        if G.shape != (z.shape[0], width):
            raise ValueError(f"descriptor: expected shape [{z.shape[0]}, {width}] (model.descriptor(z, pos, batch)), "
                             f"got {list(G.shape)}")
        onehot = nn.functional.one_hot(self._elements(z), len(self.config.elements)).to(G)  # [n_atoms, S]
        e_atom = self.net(torch.cat([onehot, G], dim=1)).squeeze(-1)  # [n_atoms]
        return self.readout(e_atom, z, batch)  # [n_graphs]

    def _elements(self, z: Tensor) -> Tensor:
        """Each atom's row in ``config.elements`` ``[n_atoms]``; a ``ValueError`` for any other element."""
        inside = (z >= 0) & (z <= self.config.max_z)
        e = torch.where(inside, self.element_index[z.clamp(0, self.config.max_z)], -1)
        if bool((e < 0).any()):
            raise ValueError(f"z: unknown element {int(z[e < 0][0])} (this BPNN knows "
                             f"{tuple(self.config.elements)}; build it with elements=(...) that include it)")
        return e


class DescriptorSet(torch.utils.data.Dataset):
    """Molecules with their BPNN descriptors computed once, to train a :class:`BPNN` on fixed geometries fast.

    Item ``i``: ``z`` [n_atoms], ``pos`` [n_atoms, 3], ``G`` [n_atoms, n_elements * n_radial] (the descriptor of
    ``model``'s settings), ``energy`` []. :meth:`collate` batches them (``airtools.train.train`` uses it), and
    :func:`descriptor_loss` is the energy loss on such batches.

    Args:
        model: a BPNN; only its descriptor settings matter (the descriptor has no weights).
        molecules: a sequence of dicts with ``z``, ``pos``, ``energy`` (e.g. a ``MoleculeDataset`` or a Subset).
        batch_size: molecules per descriptor evaluation.

    >>> mols = [{"z": torch.tensor([8, 1, 1]), "pos": torch.randn(3, 3), "energy": torch.tensor(0.5)}] * 2
    >>> ds = DescriptorSet(BPNN(), mols)
    >>> batch = ds.collate([ds[0], ds[1]]); batch["G"].shape, batch["batch"].tolist()
    (torch.Size([6, 80]), [0, 0, 0, 1, 1, 1])
    """

    def __init__(self, model: BPNN, molecules, *, batch_size: int = 256):
        items = [molecules[i] for i in range(len(molecules))]
        self.z = [it["z"] for it in items]
        self.pos = [it["pos"] for it in items]
        self.energy = torch.stack([torch.as_tensor(it["energy"]) for it in items]) if items else torch.zeros(0)
        self.G = []
        device = model.readout.atom_ref.device
        with torch.no_grad():
            for start in range(0, len(items), batch_size):
                chunk = self.collate(items[start:start + batch_size], G=False)
                G = model.descriptor(chunk["z"].to(device), chunk["pos"].to(device, model.readout.atom_ref.dtype),
                                     chunk["batch"].to(device)).cpu()
                self.G += list(torch.split(G, torch.bincount(chunk["batch"]).tolist()))

    def __len__(self) -> int:
        return len(self.z)

    def __getitem__(self, i: int) -> dict[str, Tensor]:
        return {"z": self.z[i], "pos": self.pos[i], "energy": self.energy[i], "G": self.G[i]}

    @staticmethod
    def collate(items: list[dict], G: bool = True) -> dict[str, Tensor]:
        """``z`` [N], ``pos`` [N, 3], ``G`` [N, F], ``batch`` [N], ``energy`` [n_molecules]."""
        sizes = torch.tensor([len(it["z"]) for it in items])
        out = {"z": torch.cat([it["z"] for it in items]), "pos": torch.cat([it["pos"] for it in items]),
               "batch": torch.repeat_interleave(torch.arange(len(items)), sizes),
               "energy": torch.stack([torch.as_tensor(it["energy"]) for it in items])}
        return {**out, "G": torch.cat([it["G"] for it in items])} if G else out


def descriptor_loss(model: BPNN, batch: dict) -> Tensor:
    r"""Mean squared energy error :math:`\overline{(E - E^\text{ref})^2}` on a :class:`DescriptorSet` batch.

    >>> ds = DescriptorSet(BPNN(), [{"z": torch.tensor([6, 1]), "pos": torch.eye(2, 3), "energy": torch.tensor(0.0)}])
    >>> descriptor_loss(BPNN(), ds.collate([ds[0]])).ndim
    0
    """
    energy = model(batch["z"], batch["pos"], batch["batch"], descriptor=batch["G"])
    return torch.mean((energy - batch["energy"]) ** 2)
