"""EGNN: E(n)-equivariant graph network that updates features and coordinates."""
from dataclasses import dataclass

import torch
from torch import Tensor, nn

from airtools.graph import radius_graph, scatter_sum
from airtools.nn import AtomEmbedding, CosineCutoff, mlp

from ._base import EnergyModel, dipole_moment


@dataclass
class EGNNConfig:
    """Settings of :class:`EGNN`; the defaults train on a CPU in seconds."""

    hidden: int = 32  # width of h_i and of the messages m_ij
    n_layers: int = 3  # the last one updates h only (its coordinates would be unused)
    r_cut: float = 5.0  # radius graph; messages fade out smoothly (cosine cutoff of the input distance)
    max_z: int = 100


class EGNN(EnergyModel):
    r"""EGNN (Satorras, Hoogeboom, Welling, ICML 2021, arXiv:2102.09844).

    Invariant features :math:`h_i` and coordinates :math:`x_i` are updated together; messages see only
    squared distances, coordinates move along :math:`x_i - x_j`, so :math:`h` is E(3)-invariant and
    :math:`x` E(3)-equivariant (and translates with the input). Each layer, with the smooth cutoff
    :math:`w_{ij} = f_\text{cos}(|x^{(0)}_i - x^{(0)}_j|)` of the radius graph:

    .. math::
        m_{ij} &= \phi_e\big(h_i, h_j, \lVert x_i - x_j \rVert^2\big)\, w_{ij} \\
        x_i &\leftarrow x_i + \frac{1}{1 + \sum_j w_{ij}} \sum_j (x_i - x_j)\, \phi_x(m_{ij})\, w_{ij} \\
        h_i &\leftarrow h_i + \phi_h\Big(h_i, \sum_j m_{ij}\Big) \\
        E &= \sum_i \mathrm{MLP}(h_i), \qquad \vec\mu = \sum_i \tilde q(h_i)\, x_i

    ``model.dipole(z, pos, batch) -> [n_graphs, 3]`` uses the final coordinates and neutral charges
    :math:`\tilde q`.

    Crystals (``model(z, pos, batch, cell=cell, pbc=pbc)``): the edge j -> i points to the image
    :math:`x_j + n_{ij}^\top C` of a periodic neighbour (:meth:`EnergyModel.periodic_graph`); the cell is
    fixed, so every image moves with its atom and :math:`x_i - x_j - n_{ij}^\top C` replaces
    :math:`x_i - x_j` in each layer.

    >>> import torch
    >>> model = EGNN(hidden=8)
    >>> z, pos = torch.tensor([8, 1, 1]), torch.randn(3, 3)
    >>> model(z, pos).shape, model.dipole(z, pos).shape
    (torch.Size([1]), torch.Size([1, 3]))
    """

    def __init__(self, config: EGNNConfig | None = None, **kwargs):
        super().__init__(EGNNConfig, config, **kwargs)
        c = self.config
        self.embedding = AtomEmbedding(c.max_z, c.hidden)
        self.cutoff = CosineCutoff(c.r_cut)
        self.layers = nn.ModuleList(
            _EquivariantLayer(c.hidden, c.r_cut, update_coords=k < c.n_layers - 1) for k in range(c.n_layers)
        )
        self.head = mlp([c.hidden, c.hidden, 1])
        self.charge_head = mlp([c.hidden, c.hidden, 1])

    def forward(self, z: Tensor, pos: Tensor, batch: Tensor | None = None, *, cell: Tensor | None = None,
                pbc=None) -> Tensor:
        z, pos, batch = self.check_inputs(z, pos, batch)
        h, _ = self.atom_features(z, pos, batch, cell=cell, pbc=pbc)  # [n_atoms, hidden]
        return self.readout(self.head(h).squeeze(-1), z, batch)  # [n_graphs]

    def dipole(self, z: Tensor, pos: Tensor, batch: Tensor | None = None) -> Tensor:
        """Equivariant dipole ``[n_graphs, 3]`` of neutral charges at the final coordinates."""
        z, pos, batch = self.check_inputs(z, pos, batch)
        h, x = self.atom_features(z, pos, batch)
        return dipole_moment(self.charge_head(h).squeeze(-1), x, batch)

    def atom_features(self, z: Tensor, pos: Tensor, batch: Tensor, *, cell: Tensor | None = None,
                      pbc=None) -> tuple[Tensor, Tensor]:
        """Invariant ``h: [n_atoms, hidden]`` and equivariant coordinates ``x: [n_atoms, 3]``."""
        h = self.embedding(z)  # [n_atoms, hidden]
        offset = None  # [n_edges, 3] image offsets n_ij C of periodic neighbours
        if cell is None:
            if pbc is not None:
                raise ValueError("pbc: given without a cell; pass cell=[3, 3] lattice vectors (rows) as well")
            edge_index = radius_graph(pos, self.config.r_cut, batch)  # [2, n_edges]
        else:
            edge_index, shifts, cell = self.periodic_graph(pos, batch, cell, pbc)
            offset = torch.einsum("ek,ekl->el", shifts.to(pos.dtype), cell[batch[edge_index[1]]])
        src, dst = edge_index
        diff = pos[src] - pos[dst] if offset is None else pos[src] - pos[dst] + offset
        w = self.cutoff(diff.norm(dim=-1))[:, None]  # [n_edges, 1]
        x = pos
        for layer in self.layers:
            h, x = layer(h, x, w, edge_index, offset)
        return h, x


class _EquivariantLayer(nn.Module):
    """One E_GCL layer: messages, optional coordinate update, residual feature update."""

    def __init__(self, hidden: int, r_cut: float, update_coords: bool):
        super().__init__()
        self.r_cut = r_cut
        self.phi_e = mlp([2 * hidden + 1, hidden, hidden], last_act=True)
        self.phi_h = mlp([2 * hidden, hidden, hidden])
        self.phi_x = mlp([hidden, hidden, 1]) if update_coords else None
        if update_coords:  # start close to "coordinates stay put" (as in the authors' code)
            nn.init.xavier_uniform_(self.phi_x[-1].weight, gain=0.001)

    def forward(self, h, x, w, edge_index, offset=None):
        src, dst = edge_index
        diff = x[dst] - x[src] if offset is None else x[dst] - x[src] - offset  # [n_edges, 3], x_i - x_j
        d2 = (diff**2).sum(dim=-1, keepdim=True) / self.r_cut**2  # [n_edges, 1], scaled to O(1)
        m = self.phi_e(torch.cat([h[dst], h[src], d2], dim=-1)) * w  # [n_edges, hidden]
        if self.phi_x is not None:
            norm = 1.0 + scatter_sum(w, dst, x.shape[0])  # [n_atoms, 1], smooth in the positions
            x = x + scatter_sum(diff * self.phi_x(m) * w, dst, x.shape[0]) / norm  # [n_atoms, 3]
        h = h + self.phi_h(torch.cat([h, scatter_sum(m, dst, h.shape[0])], dim=-1))  # [n_atoms, hidden]
        return h, x
