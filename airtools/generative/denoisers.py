r"""Noise predictors :math:`\hat\epsilon_\theta(z_t, t)` for :class:`~airtools.generative.PointCloudDiffusion`.

Both are called as ``denoiser(h, pos, t, batch) -> (eps_h [n_atoms, K], eps_pos [n_atoms, 3])`` with
``h: [n_atoms, K]`` noisy type features, ``pos: [n_atoms, 3]`` noisy positions, ``t: [n_graphs]`` continuous
time in [0, 1] (or one number), ``batch: [n_atoms]``; ``eps_pos`` has zero mean in each molecule. Messages run
over all pairs of atoms of a molecule (a noisy molecule has no meaningful cutoff), as in EDM.

- :class:`EGNNDenoiser`: EDM's EGNN dynamics, E(3)-equivariant: ``eps_pos`` rotates and reflects with
  ``pos``, ``eps_h`` is invariant, both are permutation-equivariant and translation-invariant.
- :class:`GNNDenoiser`: the same message passing with the raw coordinates as node features (EDM's "GNN
  dynamics" baseline, their GDM): permutation-equivariant, but not rotation-equivariant.
"""
import torch
from torch import Tensor, nn

from airtools.graph import check_batch, num_graphs, radius_graph, scatter_sum
from airtools.nn import mlp

from .subspace import remove_mean


class EGNNDenoiser(nn.Module):
    r"""E(3)-equivariant noise predictor (EGNN, Satorras et al. 2021, with EDM's stabilised coordinate update).

    Node features start from the types and the time, :math:`f_i = W[h_i, t]`; each of the ``n_layers``
    blocks, with :math:`d_{ij} = \lVert x_i - x_j \rVert` and the input distances :math:`d^0_{ij}`:

    .. math::
        m_{ij} &= \phi_e\big(f_i, f_j, d_{ij}^2, (d^0_{ij})^2\big), \qquad
        f_i \leftarrow f_i + \phi_h\Big(f_i, \sum_{j \ne i} m_{ij}\Big) \\
        x_i &\leftarrow x_i + \sum_{j \ne i} \frac{x_i - x_j}{d_{ij} + c}\,
              \frac{r}{L} \tanh\phi_x\big(f_i, f_j, d_{ij}^2, (d^0_{ij})^2\big)

    and the outputs are :math:`\hat\epsilon^x = P(x^{(L)} - x^{(0)})` (zero CoM) and :math:`\hat\epsilon^h = W' f`.
    Distances are invariant and :math:`x_i - x_j` rotates, so :math:`\hat\epsilon^x` is E(3)-equivariant. The
    normalised difference (:math:`c` = ``norm_constant``) and the tanh-bounded step (``coords_range`` r over L
    layers) keep the update finite for any input; the energy models' EGNN layer (``airtools.models.egnn``)
    has neither, so these blocks are written here.

    Args:
        n_types: number of type channels K.
        hidden: width of :math:`f` and of the messages.
        n_layers: number of blocks L.
        coords_range: total bound r on how far the blocks can move an atom (EDM: 15).
        norm_constant: :math:`c` (EDM: 1).

    >>> model = EGNNDenoiser(n_types=2, hidden=8, n_layers=2)
    >>> h, pos, batch = torch.randn(3, 2), torch.randn(3, 3), torch.zeros(3, dtype=torch.long)
    >>> eps_h, eps_pos = model(h, pos, torch.tensor([0.5]), batch)
    >>> eps_h.shape, eps_pos.shape, eps_pos.sum(0).abs().max() < 1e-6
    (torch.Size([3, 2]), torch.Size([3, 3]), tensor(True))
    """

    def __init__(self, n_types: int, hidden: int = 64, n_layers: int = 4, *, coords_range: float = 15.0,
                 norm_constant: float = 1.0):
        super().__init__()
        _check_sizes(n_types, hidden, n_layers)
        self.n_types = n_types
        self.embed = nn.Linear(n_types + 1, hidden)
        self.blocks = nn.ModuleList(_EquivariantBlock(hidden, coords_range / n_layers, norm_constant)
                                    for _ in range(n_layers))
        self.out = nn.Linear(hidden, n_types)

    def forward(self, h: Tensor, pos: Tensor, t: Tensor, batch: Tensor | None = None) -> tuple[Tensor, Tensor]:
        t_atom, batch = _check_inputs(self.n_types, h, pos, t, batch)  # [n_atoms, 1]
        edge_index = _all_pairs(pos, batch)  # [2, n_edges]
        src, dst = edge_index
        d0 = ((pos[dst] - pos[src]) ** 2).sum(-1, keepdim=True)  # [n_edges, 1]
        f, x = self.embed(torch.cat([h, t_atom], dim=-1)), pos  # [n_atoms, hidden]
        for block in self.blocks:
            f, x = block(f, x, edge_index, d0)
        return self.out(f), remove_mean(x - pos, batch)


class GNNDenoiser(nn.Module):
    r"""Non-equivariant baseline: message passing with the raw coordinates as node features (EDM's GNN dynamics).

    .. math::
        f_i = W[h_i, t, x_i], \qquad m_{ij} = \phi_e(f_i, f_j), \qquad
        f_i \leftarrow f_i + \phi_h\Big(f_i, \sum_{j \ne i} m_{ij}\Big), \qquad
        [\hat\epsilon^h_i, \hat\epsilon^x_i] = W' f_i

    (then :math:`\hat\epsilon^x` is projected to zero CoM). Summing messages keeps it permutation-equivariant,
    but :math:`x_i` enters through a linear map, so a rotation of the input is not a rotation of the output:
    it must learn the symmetry from data. ``hidden`` defaults to a width that gives about the parameter count
    of :class:`EGNNDenoiser` with the same ``n_layers`` and its default ``hidden=64``.

    >>> model = GNNDenoiser(n_types=2, hidden=8, n_layers=2)
    >>> eps_h, eps_pos = model(torch.randn(3, 2), torch.randn(3, 3), 0.5, torch.zeros(3, dtype=torch.long))
    >>> eps_h.shape, eps_pos.shape
    (torch.Size([3, 2]), torch.Size([3, 3]))
    """

    def __init__(self, n_types: int, hidden: int = 78, n_layers: int = 4):
        super().__init__()
        _check_sizes(n_types, hidden, n_layers)
        self.n_types = n_types
        self.embed = nn.Linear(n_types + 1 + 3, hidden)
        self.blocks = nn.ModuleList(_MessageBlock(hidden) for _ in range(n_layers))
        self.out = nn.Linear(hidden, n_types + 3)

    def forward(self, h: Tensor, pos: Tensor, t: Tensor, batch: Tensor | None = None) -> tuple[Tensor, Tensor]:
        t_atom, batch = _check_inputs(self.n_types, h, pos, t, batch)
        edge_index = _all_pairs(pos, batch)
        f = self.embed(torch.cat([h, t_atom, pos], dim=-1))  # [n_atoms, hidden]
        for block in self.blocks:
            f = block(f, edge_index)
        out = self.out(f)  # [n_atoms, K + 3]
        return out[:, : self.n_types], remove_mean(out[:, self.n_types:], batch)


DENOISERS = {"egnn": EGNNDenoiser, "gnn": GNNDenoiser}  # DiffusionConfig.denoiser -> class


class _EquivariantBlock(nn.Module):
    """One EGNN block: invariant messages, residual feature update, bounded coordinate update.

    ``edge_attr: [n_edges, n_edge]`` are invariant edge features besides the current squared distance: the
    input distances :math:`(d^0_{ij})^2` here, plus the molecular graph for a conformer denoiser."""

    def __init__(self, hidden: int, step: float, norm_constant: float, n_edge: int = 1):
        super().__init__()
        self.step, self.norm_constant = step, norm_constant
        self.phi_e = mlp([2 * hidden + 1 + n_edge, hidden, hidden], last_act=True)
        self.phi_h = mlp([2 * hidden, hidden, hidden])
        self.phi_x = mlp([2 * hidden + 1 + n_edge, hidden, hidden, 1])
        nn.init.xavier_uniform_(self.phi_x[-1].weight, gain=0.001)  # start near "coordinates stay put" (EDM)

    def forward(self, f, x, edge_index, edge_attr):
        src, dst = edge_index
        diff = x[dst] - x[src]  # [n_edges, 3], x_i - x_j
        d2 = (diff**2).sum(-1, keepdim=True)  # [n_edges, 1]
        m = self.phi_e(torch.cat([f[dst], f[src], d2, edge_attr], dim=-1))  # [n_edges, hidden]
        f = f + self.phi_h(torch.cat([f, scatter_sum(m, dst, f.shape[0])], dim=-1))
        w = torch.tanh(self.phi_x(torch.cat([f[dst], f[src], d2, edge_attr], dim=-1))) * self.step  # [n_edges, 1]
        x = x + scatter_sum(diff / (d2.sqrt() + self.norm_constant) * w, dst, x.shape[0])
        return f, x


class _MessageBlock(nn.Module):
    """One block of the baseline: messages from features only, residual feature update."""

    def __init__(self, hidden: int):
        super().__init__()
        self.phi_e = mlp([2 * hidden, hidden, hidden], last_act=True)
        self.phi_h = mlp([2 * hidden, hidden, hidden])

    def forward(self, f, edge_index):
        src, dst = edge_index
        m = self.phi_e(torch.cat([f[dst], f[src]], dim=-1))  # [n_edges, hidden]
        return f + self.phi_h(torch.cat([f, scatter_sum(m, dst, f.shape[0])], dim=-1))


def _all_pairs(pos: Tensor, batch: Tensor) -> Tensor:
    """Edges j -> i between every two distinct atoms of the same molecule (a radius graph with no cutoff)."""
    return radius_graph(pos, float("inf"), batch)


def _check_inputs(n_types, h, pos, t, batch) -> tuple[Tensor, Tensor]:
    """Validate the denoiser's inputs; return the time per atom ``[n_atoms, 1]`` and the batch vector."""
    if pos.ndim != 2 or pos.shape[1] != 3 or not pos.is_floating_point():
        raise ValueError(f"pos: expected a float tensor [n_atoms, 3], got {list(pos.shape)} ({pos.dtype})")
    if h.shape != (pos.shape[0], n_types):
        raise ValueError(f"h: expected shape [{pos.shape[0]}, {n_types}] (n_atoms, n_types), got {list(h.shape)}")
    batch = check_batch(batch, pos.shape[0], device=pos.device)
    t = torch.as_tensor(t, dtype=pos.dtype, device=pos.device)
    n_graphs = num_graphs(batch)
    if t.dim() == 0 or t.numel() == 1:
        t = t.reshape(1).expand(n_graphs)
    if t.shape != (n_graphs,):
        raise ValueError(f"t: expected one time per molecule, shape [{n_graphs}], got {list(t.shape)}")
    return t[batch][:, None], batch


def _check_sizes(n_types, hidden, n_layers):
    for name, value in (("n_types", n_types), ("hidden", hidden), ("n_layers", n_layers)):
        if not (isinstance(value, int) and value >= 1):
            raise ValueError(f"{name}: expected a positive int, got {value!r}")
