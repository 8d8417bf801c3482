"""SchNet: continuous-filter convolutions on interatomic distances (invariant)."""
from dataclasses import dataclass

from torch import Tensor, nn

from airtools.graph import scatter_sum
from airtools.nn import AtomEmbedding, CosineCutoff, GaussianBasis, ShiftedSoftplus, mlp

from ._base import EnergyModel


@dataclass
class SchNetConfig:
    """Settings of :class:`SchNet`; the defaults train on a CPU in seconds."""

    hidden: int = 32  # width of the atom features h_i
    n_filters: int = 32  # width of the continuous filters W(r)
    n_interactions: int = 3
    n_basis: int = 20  # Gaussians in the distance expansion
    r_cut: float = 5.0  # cutoff radius (same unit as pos, Å in the lessons)
    max_z: int = 100  # largest atomic number accepted


class SchNet(EnergyModel):
    r"""SchNet (Schütt et al., NeurIPS 2017, arXiv:1706.08566): an invariant message-passing network.

    Atoms start from an element embedding and exchange messages filtered by a learned function of the
    distance only, so the energy is invariant under rotations, reflections, translations and
    permutations of like atoms:

    .. math::
        h_i^{(0)} &= \mathrm{embed}(z_i) \\
        W^{(t)}(r) &= \mathrm{MLP}^{(t)}\big(e_\text{Gauss}(r)\big)\, f_\text{cos}(r) \\
        h_i^{(t+1)} &= h_i^{(t)} + \mathrm{Dense}\Big(\sum_{j \in \mathcal N(i)}
            \mathrm{Lin}\big(h_j^{(t)}\big) \odot W^{(t)}(r_{ij})\Big) \\
        E &= \sum_i \mathrm{MLP}\big(h_i^{(T)}\big)

    Args:
        config: a :class:`SchNetConfig`; keyword arguments override its fields.

    Call ``model(z [n_atoms], pos [n_atoms, 3], batch=None [n_atoms]) -> energy [n_graphs]``; crystals add
    ``cell=[n_graphs, 3, 3]`` (rows = lattice vectors) and ``pbc`` (periodic neighbours, see
    :meth:`EnergyModel.edges`).

    >>> import torch
    >>> model = SchNet(hidden=16)
    >>> model(torch.tensor([8, 1, 1]), torch.randn(3, 3)).shape
    torch.Size([1])
    """

    def __init__(self, config: SchNetConfig | None = None, **kwargs):
        super().__init__(SchNetConfig, config, **kwargs)
        c = self.config
        self.embedding = AtomEmbedding(c.max_z, c.hidden)
        self.basis = GaussianBasis(c.n_basis, c.r_cut)
        self.interactions = nn.ModuleList(
            _Interaction(c.hidden, c.n_filters, c.n_basis, c.r_cut) for _ in range(c.n_interactions)
        )
        self.head = mlp([c.hidden, c.hidden // 2, 1], ShiftedSoftplus)

    def forward(self, z: Tensor, pos: Tensor, batch: Tensor | None = None, *, cell: Tensor | None = None,
                pbc=None) -> Tensor:
        z, pos, batch = self.check_inputs(z, pos, batch)
        h = self.embedding(z)  # [n_atoms, hidden]
        edge_index, _, r = self.edges(pos, batch, cell, pbc)  # [2, n_edges], [n_edges] (periodic if cell)
        e = self.basis(r)  # [n_edges, n_basis]
        for interaction in self.interactions:
            h = h + interaction(h, e, r, edge_index)  # residual update, [n_atoms, hidden]
        e_atom = self.head(h).squeeze(-1)  # [n_atoms]
        return self.readout(e_atom, z, batch)  # [n_graphs]


class _Interaction(nn.Module):
    """Continuous-filter convolution, then ssp and a dense layer (PyG's InteractionBlock + CFConv)."""

    def __init__(self, hidden: int, n_filters: int, n_basis: int, r_cut: float):
        super().__init__()
        self.filter = mlp([n_basis, n_filters, n_filters], ShiftedSoftplus)
        self.cutoff = CosineCutoff(r_cut)
        self.lin_in = nn.Linear(hidden, n_filters, bias=False)
        self.lin_out = mlp([n_filters, hidden, hidden], ShiftedSoftplus)

    def forward(self, h: Tensor, e: Tensor, r: Tensor, edge_index: Tensor) -> Tensor:
        src, dst = edge_index
        W = self.filter(e) * self.cutoff(r)[:, None]  # [n_edges, n_filters], 0 at r_cut
        messages = self.lin_in(h).index_select(0, src) * W  # [n_edges, n_filters] (index_select: faster than h[src] on CPU)
        return self.lin_out(scatter_sum(messages, dst, h.shape[0]))  # [n_atoms, hidden]
