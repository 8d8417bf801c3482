"""PaiNN: polarizable atom interaction network with scalar and vector features (E(3)-equivariant)."""
from dataclasses import dataclass

import torch
from torch import Tensor, nn

from airtools.graph import scatter_sum
from airtools.nn import AtomEmbedding, BesselBasis, CosineCutoff, mlp

from ._base import EnergyModel, dipole_moment


@dataclass
class PaiNNConfig:
    """Settings of :class:`PaiNN`; the defaults train on a CPU in seconds."""

    hidden: int = 32  # F: channels of the scalars s_i [F] and the vectors v_i [3, F]
    n_layers: int = 3  # message + update blocks
    n_basis: int = 16  # sin(k pi r / r_cut) / r radial functions
    r_cut: float = 5.0
    max_z: int = 100


class PaiNN(EnergyModel):
    r"""PaiNN (Schütt, Unke, Gastegger, ICML 2021, arXiv:2102.03150): scalar and vector features.

    Each atom carries invariant scalars :math:`s_i \in \mathbb R^F` and equivariant vectors
    :math:`\vec v_i \in \mathbb R^{3\times F}`; vectors are only scaled by scalars and added, and scalars
    see vectors only through inner products, so the model is E(3)-equivariant. With
    :math:`\hat r_{ij} = \vec r_{ij}/r_{ij}` and :math:`\phi, \mathcal W` split into three F-blocks:

    .. math::
        \text{message:}\quad \Delta s_i &= \sum_j (\phi_s(s_j) \circ \mathcal W_s(r_{ij})), \quad
        \Delta \vec v_i = \sum_j \vec v_j \circ \phi_{vv}(s_j) \circ \mathcal W_{vv}(r_{ij})
            + \hat r_{ij}\, \phi_{vs}(s_j) \circ \mathcal W_{vs}(r_{ij}) \\
        \text{update:}\quad \Delta \vec v_i &= a_{vv}(s_i, \lVert V \vec v_i\rVert)\, U \vec v_i, \quad
        \Delta s_i = a_{ss}(s_i, \lVert V \vec v_i\rVert)
            + a_{sv}(s_i, \lVert V \vec v_i\rVert)\, \langle U \vec v_i, V \vec v_i \rangle \\
        E &= \sum_i \mathrm{MLP}(s_i), \qquad \vec\mu = \sum_i \tilde q(s_i)\, \vec r_i + W \vec v_i

    :math:`\mathcal W(r) = \mathrm{Lin}(\sin(k\pi r/r_c)/r)\, f_\text{cos}(r)`, :math:`\tilde q` are neutral
    charges. ``model.dipole(z, pos, batch) -> [n_graphs, 3]`` gives the equivariant dipole (molecules only).
    Crystals: ``model(z, pos, batch, cell=cell, pbc=pbc)`` uses periodic neighbours.

    >>> import torch
    >>> model = PaiNN(hidden=8)
    >>> z, pos = torch.tensor([8, 1, 1]), torch.randn(3, 3)
    >>> model(z, pos).shape, model.dipole(z, pos).shape
    (torch.Size([1]), torch.Size([1, 3]))
    """

    def __init__(self, config: PaiNNConfig | None = None, **kwargs):
        super().__init__(PaiNNConfig, config, **kwargs)
        c = self.config
        self.embedding = AtomEmbedding(c.max_z, c.hidden)
        self.basis = BesselBasis(c.n_basis, c.r_cut)
        self.cutoff = CosineCutoff(c.r_cut)
        self.messages = nn.ModuleList(_Message(c.hidden, c.n_basis) for _ in range(c.n_layers))
        self.updates = nn.ModuleList(_Update(c.hidden) for _ in range(c.n_layers))
        self.head = mlp([c.hidden, c.hidden, 1])
        self.charge_head = mlp([c.hidden, c.hidden, 1])
        self.dipole_head = nn.Linear(c.hidden, 1, bias=False)  # mixes the F vector channels

    def forward(self, z: Tensor, pos: Tensor, batch: Tensor | None = None, *, cell: Tensor | None = None,
                pbc=None) -> Tensor:
        z, pos, batch = self.check_inputs(z, pos, batch)
        s, _ = self.atom_features(z, pos, batch, cell=cell, pbc=pbc)  # [n_atoms, F]
        return self.readout(self.head(s).squeeze(-1), z, batch)  # [n_graphs]

    def dipole(self, z: Tensor, pos: Tensor, batch: Tensor | None = None) -> Tensor:
        """Equivariant dipole ``[n_graphs, 3]``: neutral charges times positions plus atomic dipoles."""
        z, pos, batch = self.check_inputs(z, pos, batch)
        s, v = self.atom_features(z, pos, batch)  # [n_atoms, F], [n_atoms, 3, F]
        q = self.charge_head(s).squeeze(-1)  # [n_atoms]
        return dipole_moment(q, pos, batch, self.dipole_head(v).squeeze(-1))  # [n_graphs, 3]

    def atom_features(self, z: Tensor, pos: Tensor, batch: Tensor, *, cell: Tensor | None = None,
                      pbc=None) -> tuple[Tensor, Tensor]:
        """Scalars ``s: [n_atoms, F]`` (invariant) and vectors ``v: [n_atoms, 3, F]`` (equivariant);
        periodic neighbours when a ``cell`` is given."""
        s = self.embedding(z)  # [n_atoms, F]
        v = s.new_zeros(s.shape[0], 3, s.shape[1])  # [n_atoms, 3, F]
        edge_index, vec, r = self.edges(pos, batch, cell, pbc)  # [2, n_edges], [n_edges, 3], [n_edges]
        e = self.basis(r)  # [n_edges, n_basis]
        fcut = self.cutoff(r)  # [n_edges]
        unit = vec / r[:, None]  # [n_edges, 3]
        for message, update in zip(self.messages, self.updates):
            ds, dv = message(s, v, e, fcut, unit, edge_index)
            s, v = s + ds, v + dv
            ds, dv = update(s, v)
            s, v = s + ds, v + dv
        return s, v


class _Message(nn.Module):
    """Continuous-filter messages from neighbours j to atom i, for scalars and vectors."""

    def __init__(self, F: int, n_basis: int):
        super().__init__()
        self.phi = mlp([F, F, 3 * F])
        self.filter = nn.Linear(n_basis, 3 * F)

    def forward(self, s, v, e, fcut, unit, edge_index):
        src, dst = edge_index
        x = self.phi(s)[src] * self.filter(e) * fcut[:, None]  # [n_edges, 3F]
        x_s, x_vv, x_vs = x.chunk(3, dim=-1)  # 3 x [n_edges, F]
        dv = v[src] * x_vv[:, None, :] + unit[:, :, None] * x_vs[:, None, :]  # [n_edges, 3, F]
        n = s.shape[0]
        return scatter_sum(x_s, dst, n), scatter_sum(dv, dst, n)


class _Update(nn.Module):
    """Atom-wise mixing of scalars and vectors through norms and inner products."""

    def __init__(self, F: int):
        super().__init__()
        self.U = nn.Linear(F, F, bias=False)
        self.V = nn.Linear(F, F, bias=False)
        self.a = mlp([2 * F, F, 3 * F])

    def forward(self, s, v):
        Uv, Vv = self.U(v), self.V(v)  # [n_atoms, 3, F]
        norm = torch.sqrt((Vv**2).sum(dim=1) + 1e-8)  # [n_atoms, F], smooth at Vv = 0
        a_vv, a_sv, a_ss = self.a(torch.cat([s, norm], dim=-1)).chunk(3, dim=-1)  # 3 x [n_atoms, F]
        ds = a_ss + a_sv * (Uv * Vv).sum(dim=1)  # [n_atoms, F]
        return ds, a_vv[:, None, :] * Uv
