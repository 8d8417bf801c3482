"""MLP: a plain multilayer perceptron on raw, zero-padded coordinates (the non-invariant baseline)."""
from dataclasses import dataclass

import torch
from torch import Tensor

from airtools.graph import num_graphs
from airtools.nn import AtomEmbedding, mlp

from ._base import EnergyModel


@dataclass
class MLPConfig:
    """Settings of :class:`MLP`; the defaults train on a CPU in seconds."""

    max_atoms: int = 32  # padding length: molecules with more atoms are rejected
    hidden: int = 64
    n_hidden_layers: int = 2
    n_embed: int = 4  # element embedding width per atom slot
    max_z: int = 100


class MLP(EnergyModel):
    r"""A plain MLP on the raw coordinates, deliberately *not* invariant: the baseline of the lessons.

    Each molecule is written as one fixed-length vector: atom :math:`k` (in the order given) fills slot
    :math:`k` with its element embedding and its coordinates, slots after the last atom are zero
    (padding up to ``max_atoms``). The network maps that vector to one contribution per slot and the
    energy sums the contributions of the real atoms:

    .. math::
        x_G = \big[\mathrm{embed}(z_1), \vec r_1, \dots, \mathrm{embed}(z_n), \vec r_n, 0, \dots, 0\big]
              \in \mathbb R^{N_\text{max}(d + 3)}, \qquad
        E_G = \sum_{k=1}^{n} \mathrm{MLP}(x_G)_k

    Rotating, translating or mirroring the molecule, or listing its atoms in another order, changes
    :math:`x_G` and therefore the energy: the symmetries must be learned from data (or augmentation).

    >>> import torch
    >>> model = MLP(max_atoms=4)
    >>> model(torch.tensor([8, 1, 1]), torch.randn(3, 3)).shape
    torch.Size([1])
    """

    def __init__(self, config: MLPConfig | None = None, **kwargs):
        super().__init__(MLPConfig, config, **kwargs)
        c = self.config
        self.embedding = AtomEmbedding(c.max_z, c.n_embed)
        n_in = c.max_atoms * (c.n_embed + 3)
        self.net = mlp([n_in] + [c.hidden] * c.n_hidden_layers + [c.max_atoms])

    def forward(self, z: Tensor, pos: Tensor, batch: Tensor | None = None, *, cell: Tensor | None = None,
                pbc=None) -> Tensor:
        if cell is not None or pbc is not None:
            raise ValueError("cell: the MLP baseline has no notion of periodic images; use SchNet, PaiNN, TFN or "
                             "EGNN for crystals")
        z, pos, batch = self.check_inputs(z, pos, batch)
        G, N = num_graphs(batch), self.config.max_atoms
        sizes = torch.bincount(batch, minlength=G)  # [n_graphs]
        if int(sizes.max()) > N:
            raise ValueError(f"z: a molecule has {int(sizes.max())} atoms, more than max_atoms={N} of this MLP")
        slot = torch.arange(len(z), device=z.device) - (torch.cumsum(sizes, 0) - sizes)[batch]  # [n_atoms]
        atoms = torch.cat([self.embedding(z), pos], dim=-1)  # [n_atoms, n_embed + 3]
        x = atoms.new_zeros(G, N, atoms.shape[-1]).index_put((batch, slot), atoms)  # [n_graphs, N, n_embed + 3]
        e_slots = self.net(x.reshape(G, -1))  # [n_graphs, N]
        return self.readout(e_slots[batch, slot], z, batch)  # [n_graphs]
