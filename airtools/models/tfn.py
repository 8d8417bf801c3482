"""TFN: a NequIP-style tensor-field network on e3nn tensor products and gates (E(3)-equivariant)."""
from dataclasses import dataclass

import torch
from e3nn import o3
from e3nn.nn import FullyConnectedNet, Gate
from torch import Tensor, nn

from airtools.graph import scatter_sum
from airtools.nn import AtomEmbedding, RadialEmbedding
from airtools.so3 import xyz_to_e3nn

from ._base import EnergyModel, dipole_moment


@dataclass
class TFNConfig:
    """Settings of :class:`TFN`; the defaults train on a CPU in seconds."""

    irreps_hidden: str = "16x0e + 8x1o + 8x1e"  # features between layers (parity labels ignored if parity=False)
    l_max: int = 2  # spherical harmonics Y^0..Y^l_max of the edge directions
    n_layers: int = 3
    n_attr: int = 8  # width of the learned element embedding (node attributes, "n_attr x 0e")
    n_basis: int = 8  # Bessel functions times a polynomial cutoff
    radial_hidden: int = 16  # hidden width of the radial MLP that gives the tensor-product weights
    avg_neighbors: float = 8.0  # messages are summed and divided by sqrt(avg_neighbors)
    r_cut: float = 5.0
    parity: bool = True  # E(3) (mirror images get equal energies) if True, else SO(3) only
    max_z: int = 100


class TFN(EnergyModel):
    r"""Tensor-field network (Thomas et al. 2018, arXiv:1802.08219) in the NequIP form (Batzner et al.,
    Nat. Commun. 2022, arXiv:2101.03164), built on ``e3nn.o3.TensorProduct`` and ``e3nn.nn.Gate``.

    Features :math:`h_i` are direct sums of irreps (``irreps_hidden``); an edge couples the neighbour's
    features with the spherical harmonics of its direction through Clebsch–Gordan tensor products whose
    weights are learned functions of the distance. Each layer:

    .. math::
        h_i \leftarrow \mathrm{Gate}\Big(\mathrm{Lin}_2\Big[\frac{1}{\sqrt{\bar n}} \sum_{j \in \mathcal N(i)}
            \mathrm{Lin}_1(h_j) \otimes_{R(r_{ij})} Y(\hat r_{ij})\Big] + \mathrm{SC}(h_i, a_i)\Big)

    with :math:`R(r) = \mathrm{MLP}(\text{Bessel}(r)\, f_\text{poly}(r))` the radial weights, :math:`a_i` a
    learned element embedding, SC a self-connection ``FullyConnectedTensorProduct`` and the Gate applying
    SiLU to scalars and sigmoid gates to :math:`l>0` irreps. Each layer's input irreps are the previous
    layer's ``irreps_out``. A final linear map gives ``"2x0e + 1x1o"`` per atom: the atomic energy, a
    charge and an atomic dipole,

    .. math:: E = \sum_i \varepsilon_i, \qquad \vec\mu = \sum_i \tilde q_i \vec r_i + \vec\mu_i .

    With ``parity=False`` every irrep is labelled even: the model is rotation-invariant but can tell a
    molecule from its mirror image. Crystals: ``model(z, pos, batch, cell=cell, pbc=pbc)`` (periodic
    neighbours, :meth:`EnergyModel.edges`).

    >>> import torch
    >>> model = TFN(irreps_hidden="4x0e + 2x1o", n_layers=1)
    >>> z, pos = torch.tensor([8, 1, 1]), torch.randn(3, 3)
    >>> model(z, pos).shape, model.dipole(z, pos).shape
    (torch.Size([1]), torch.Size([1, 3]))
    """

    def __init__(self, config: TFNConfig | None = None, **kwargs):
        super().__init__(TFNConfig, config, **kwargs)
        c = self.config
        p = -1 if c.parity else 1  # parity of a vector
        self.irreps_sh = o3.Irreps.spherical_harmonics(c.l_max, p=p)
        hidden = o3.Irreps(c.irreps_hidden)
        if not c.parity:
            hidden = o3.Irreps([(mul, (ir.l, 1)) for mul, ir in hidden]).sort().irreps.simplify()
        irreps_head = o3.Irreps(f"2x0e + 1x1{'o' if c.parity else 'e'}")
        self.embedding = AtomEmbedding(c.max_z, c.n_attr)
        self.radial = RadialEmbedding(c.n_basis, c.r_cut, basis="bessel", cutoff="polynomial")
        irreps_attr = o3.Irreps(f"{c.n_attr}x0e")
        irreps = irreps_attr
        self.layers = nn.ModuleList()
        for k in range(c.n_layers):
            last = k == c.n_layers - 1  # keep only what the head reads, so no parameter is unused
            target = o3.Irreps([(mul, ir) for mul, ir in hidden if not last or ir in irreps_head])
            layer = _GatedConvolution(irreps, irreps_attr, self.irreps_sh, target, c)
            self.layers.append(layer)
            irreps = layer.irreps_out
        self.head = o3.Linear(irreps, irreps_head)

    def _apply(self, fn, recurse=True):
        """After ``.to()``/``.double()``: recompute e3nn's Clebsch–Gordan buffers exactly (a float32 copy
        turned back into float64 would keep float32 rounding and break float64 equivariance at 1e-9)."""
        super()._apply(fn, recurse)
        for name, w3j in self.named_buffers():
            if "_w3j_" in name:
                l1, l2, l3 = map(int, name.rsplit("_w3j_", 1)[1].split("_"))
                w3j.copy_(o3.wigner_3j(l1, l2, l3, dtype=torch.float64, device=w3j.device))
        return self

    def forward(self, z: Tensor, pos: Tensor, batch: Tensor | None = None, *, cell: Tensor | None = None,
                pbc=None) -> Tensor:
        z, pos, batch = self.check_inputs(z, pos, batch)
        out = self.atom_features(z, pos, batch, cell=cell, pbc=pbc)  # [n_atoms, 5]: energy, charge, dipole
        return self.readout(out[:, 0], z, batch)  # [n_graphs]

    def dipole(self, z: Tensor, pos: Tensor, batch: Tensor | None = None) -> Tensor:
        """Equivariant dipole ``[n_graphs, 3]``: neutral charges times positions plus atomic 1o dipoles."""
        z, pos, batch = self.check_inputs(z, pos, batch)
        out = self.atom_features(z, pos, batch)  # [n_atoms, 5]
        mu_atom = out[:, 2:] @ xyz_to_e3nn.to(out)  # [n_atoms, 3], e3nn's l=1 basis -> x, y, z
        return dipole_moment(out[:, 1], pos, batch, mu_atom)

    def atom_features(self, z: Tensor, pos: Tensor, batch: Tensor, *, cell: Tensor | None = None,
                      pbc=None) -> Tensor:
        """Per-atom ``[n_atoms, 5]`` = ``"2x0e + 1x1o"``: atomic energy, charge, atomic dipole (periodic
        neighbours when a ``cell`` is given)."""
        a = self.embedding(z)  # [n_atoms, n_attr], node attributes (scalars)
        edge_index, vec, r = self.edges(pos, batch, cell, pbc)  # [2, n_edges], [n_edges, 3], [n_edges]
        sh = o3.spherical_harmonics(self.irreps_sh, vec, normalize=True, normalization="component")
        e = self.radial(r)  # [n_edges, n_basis], 0 at r_cut
        h = a  # [n_atoms, n_attr]: the first layer starts from the element embedding
        for layer in self.layers:
            h = layer(h, a, sh, e, edge_index)  # [n_atoms, layer.irreps_out.dim]
        return self.head(h)


def _path_exists(irreps_in, irreps_sh, ir_out) -> bool:
    ir_out = o3.Irrep(ir_out)
    return any(ir_out in ir_1 * ir_2 for _, ir_1 in irreps_in for _, ir_2 in irreps_sh)


class _GatedConvolution(nn.Module):
    """Convolution (self-interaction, CG tensor product with Y, self-connection) then a Gate."""

    def __init__(self, irreps_in, irreps_attr, irreps_sh, irreps_target, c: TFNConfig):
        super().__init__()
        reachable = [(m, ir) for m, ir in irreps_target if _path_exists(irreps_in, irreps_sh, ir)]
        scalars = o3.Irreps([(m, ir) for m, ir in reachable if ir.l == 0])  # through SiLU / tanh
        gated = o3.Irreps([(m, ir) for m, ir in reachable if ir.l > 0])  # times a sigmoid gate
        gate_ir = "0e" if _path_exists(irreps_in, irreps_sh, "0e") else "0o"
        gates = o3.Irreps([(m, gate_ir) for m, _ in gated])
        acts = {1: nn.functional.silu, -1: torch.tanh}
        self.gate = Gate(scalars, [acts[ir.p] for _, ir in scalars],
                         gates, [torch.sigmoid if ir.p == 1 else torch.tanh for _, ir in gates], gated)
        irreps_out = self.gate.irreps_in  # what the convolution must produce

        mid, instructions = [], []  # one "uvu" path per (input irrep, harmonic, output irrep) allowed
        for i, (mul, ir_in) in enumerate(irreps_in):
            for j, (_, ir_sh) in enumerate(irreps_sh):
                for ir in ir_in * ir_sh:
                    if ir in irreps_out:
                        instructions.append((i, j, len(mid), "uvu", True))
                        mid.append((mul, ir))
        irreps_mid, perm, _ = o3.Irreps(mid).sort()
        instructions = [(i, j, perm[k], mode, train) for i, j, k, mode, train in instructions]

        self.lin_in = o3.Linear(irreps_in, irreps_in)
        self.tp = o3.TensorProduct(irreps_in, irreps_sh, irreps_mid, instructions,
                                   shared_weights=False, internal_weights=False)
        self.radial = FullyConnectedNet([c.n_basis, c.radial_hidden, self.tp.weight_numel], nn.functional.silu)
        self.lin_out = o3.Linear(irreps_mid.simplify(), irreps_out)
        self.self_connection = o3.FullyConnectedTensorProduct(irreps_in, irreps_attr, irreps_out)
        self.norm = c.avg_neighbors**-0.5
        self.irreps_in, self.irreps_out = irreps_in, self.gate.irreps_out

    def forward(self, h, a, sh, e, edge_index):
        src, dst = edge_index
        weights = self.radial(e)  # [n_edges, tp.weight_numel], bias-free so 0 at r_cut
        messages = self.tp(self.lin_in(h)[src], sh, weights)  # [n_edges, irreps_mid.dim]
        h_conv = scatter_sum(messages, dst, h.shape[0]) * self.norm  # [n_atoms, irreps_mid.dim]
        return self.gate(self.lin_out(h_conv) + self.self_connection(h, a))  # [n_atoms, irreps_out.dim]
