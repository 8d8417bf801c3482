r"""Conformer generation by coordinate diffusion conditioned on the molecular graph (GeoDiff-style).

The molecular graph is fixed: elements and bonds are the condition, only positions diffuse. With
:math:`x \in X` (zero CoM, heavy atoms) and the graph :math:`G`,

.. math:: q(z_t \mid x) = \mathcal N_X(\alpha_t x, \sigma_t^2 I), \qquad
          L = \mathbb E_{t, \epsilon}\ \frac{1}{3n} \lVert \epsilon - \hat\epsilon_\theta(z_t, G, t/T) \rVert^2

and the noise model is an EGNN over every pair of atoms of a molecule whose edges carry the graph: the
topological distance (1, 2, 3, 4+ bonds apart: bond lengths, angles, torsions) and the bond order. Node and
edge features are invariant, so :math:`\hat\epsilon_\theta` is E(3)-equivariant and the learned density of
conformers is invariant under rotations and reflections (a mirror-image conformer is as likely: fine for the
achiral molecules here).

Sampling reuses :func:`~.samplers.sample_ancestral` and :func:`~.samplers.sample_ddim` through
:meth:`ConformerDiffusion.given` (the model with the graphs of the batch fixed), so rotating the noise of
the deterministic sampler rotates the conformer, exactly as for whole molecules. :func:`sample_conformers`
wraps it for one RDKit molecule.

Batches: ``ConformerGraph`` (:func:`conformer_graph`) of n copies or of several molecules, ``pos: [n_atoms, 3]``.
"""
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import torch
from rdkit import Chem
from torch import Tensor, nn

from airtools.graph import num_graphs
from airtools.models import merge_config

from .denoisers import _EquivariantBlock, _check_sizes
from .diffusion import Latent
from .samplers import sample_ancestral, sample_ddim
from .schedule import NoiseSchedule
from .subspace import remove_mean, zero_com_noise

ELEMENTS = (6, 7, 8, 9)  # heavy atoms of QM9: the one-hot of the node features
MAX_HOPS = 4  # topological distances 1, 2, 3 and >= 4 bonds
BOND_ORDERS = (Chem.BondType.SINGLE, Chem.BondType.DOUBLE, Chem.BondType.TRIPLE, Chem.BondType.AROMATIC)
N_NODE = len(ELEMENTS) + 4  # element one-hot, attached hydrogens 0..3
N_EDGE = MAX_HOPS + len(BOND_ORDERS)


class ConformerGraph(NamedTuple):
    """Molecular graphs of a batch: ``node [n_atoms, N_NODE]`` invariant atom features, ``batch [n_atoms]``,
    ``edge_index [2, n_edges]`` every ordered pair of atoms of a molecule (j -> i), ``edge [n_edges, N_EDGE]``
    invariant pair features (topological distance and bond order one-hots)."""

    node: Tensor
    batch: Tensor
    edge_index: Tensor
    edge: Tensor


def conformer_graph(mols, copies: int = 1) -> ConformerGraph:
    """The :class:`ConformerGraph` of RDKit molecules (heavy atoms; hydrogens only as counts), each repeated.

    Args:
        mols: one RDKit molecule or a list (without explicit hydrogens; elements C, N, O, F).
        copies: how many times each molecule appears (e.g. the number of conformers to sample).

    >>> g = conformer_graph(Chem.MolFromSmiles("CCO"), copies=2)
    >>> g.node.shape, g.batch.tolist(), g.edge_index.shape, g.edge.shape
    (torch.Size([6, 8]), [0, 0, 0, 1, 1, 1], torch.Size([2, 12]), torch.Size([12, 8]))
    """
    mols = [mols] if isinstance(mols, Chem.Mol) else list(mols)
    if not mols or not (isinstance(copies, int) and copies >= 1):
        raise ValueError(f"mols, copies: expected at least one molecule and copies >= 1, got {len(mols)}, {copies!r}")
    singles = [_single(mol) for mol in mols]
    return batch_graphs([g for g in singles for _ in range(copies)])


def batch_graphs(graphs) -> ConformerGraph:
    """Concatenate graphs (each one molecule or a batch) into one batch: atoms renumbered, molecules counted on.

    Featurise each molecule once with :func:`conformer_graph` and batch the copies a training step draws.

    >>> g = batch_graphs([conformer_graph(Chem.MolFromSmiles(s)) for s in ("CO", "CCO")])
    >>> g.batch.tolist(), g.edge_index[:, -1].tolist()
    ([0, 0, 1, 1, 1], [3, 4])
    """
    graphs = list(graphs)
    if not graphs:
        raise ValueError("graphs: expected at least one ConformerGraph")
    n_atoms = torch.tensor([g.node.shape[0] for g in graphs])
    n_mols = torch.tensor([num_graphs(g.batch) for g in graphs])
    atom_offset = torch.cumsum(n_atoms, 0) - n_atoms
    mol_offset = torch.cumsum(n_mols, 0) - n_mols
    return ConformerGraph(torch.cat([g.node for g in graphs]),
                          torch.cat([g.batch + m for g, m in zip(graphs, mol_offset.tolist())]),
                          torch.cat([g.edge_index + a for g, a in zip(graphs, atom_offset.tolist())], dim=1),
                          torch.cat([g.edge for g in graphs]))


@dataclass
class ConformerConfig:
    """Settings of :class:`ConformerDiffusion`: the denoiser's ``hidden`` width and ``n_layers``, the schedule."""

    hidden: int = 64
    n_layers: int = 4
    schedule: str = "polynomial_2"
    T: int = 500
    precision: float = 1e-5


class ConformerDiffusion(nn.Module):
    r"""Diffusion of heavy-atom positions given the molecular graph, with an equivariant graph-EGNN denoiser.

    The denoiser: :math:`f_i = W[\text{node}_i, t]`, then ``n_layers`` EGNN blocks whose messages see the
    current distance, the input distance and the graph's pair features, and
    :math:`\hat\epsilon = P(x^{(L)} - x^{(0)})` (as :class:`~.denoisers.EGNNDenoiser`, without types).

    Args:
        config: a :class:`ConformerConfig` (keyword arguments override its fields).

    >>> model = ConformerDiffusion(hidden=8, n_layers=1, T=10)
    >>> graph = conformer_graph(Chem.MolFromSmiles("CCO"), copies=2)
    >>> model.loss(graph, torch.randn(6, 3), generator=torch.Generator().manual_seed(0)).shape
    torch.Size([])
    """

    def __init__(self, config: ConformerConfig | None = None, **kwargs):
        super().__init__()
        self.config = c = merge_config(ConformerConfig, config, kwargs, owner="ConformerDiffusion")
        _check_sizes(1, c.hidden, c.n_layers)
        self.schedule = NoiseSchedule(c.schedule, T=c.T, precision=c.precision)
        self.embed = nn.Linear(N_NODE + 1, c.hidden)
        self.blocks = nn.ModuleList(_EquivariantBlock(c.hidden, 15.0 / c.n_layers, 1.0, n_edge=1 + N_EDGE)
                                    for _ in range(c.n_layers))

    @property
    def T(self) -> int:
        return self.schedule.T

    def denoise(self, graph: ConformerGraph, pos: Tensor, t: Tensor) -> Tensor:
        r""":math:`\hat\epsilon_\theta(z_t, G, t)`: ``pos [n_atoms, 3]``, ``t [n_graphs]`` in [0, 1]
        -> ``[n_atoms, 3]``."""
        src, dst = graph.edge_index
        d0 = ((pos[dst] - pos[src]) ** 2).sum(-1, keepdim=True)  # [n_edges, 1]
        edge = torch.cat([d0, graph.edge.to(pos.dtype)], dim=-1)
        f = self.embed(torch.cat([graph.node.to(pos.dtype), t[graph.batch][:, None]], dim=-1))  # [n_atoms, hidden]
        x = pos
        for block in self.blocks:
            f, x = block(f, x, graph.edge_index, edge)
        return remove_mean(x - pos, graph.batch)

    def loss(self, graph: ConformerGraph, pos: Tensor, *, generator: torch.Generator | None = None) -> Tensor:
        """The "L2 simple" loss on a batch of conformers ``pos [n_atoms, 3]`` of ``graph`` (scalar)."""
        graph = self._on(graph, pos)
        n_graphs = num_graphs(graph.batch)
        t = torch.randint(0, self.T + 1, (n_graphs,), generator=generator,
                          device=generator.device if generator is not None else pos.device).to(pos.device)
        eps = zero_com_noise(graph.batch, generator=generator, dtype=pos.dtype, device=pos.device)
        alpha = self.schedule.alpha(t).to(pos.dtype)[graph.batch][:, None]  # [n_atoms, 1]
        sigma = self.schedule.sigma(t).to(pos.dtype)[graph.batch][:, None]
        z_t = alpha * remove_mean(pos, graph.batch) + sigma * eps
        err = ((eps - self.denoise(graph, z_t, t.to(pos.dtype) / self.T)) ** 2).sum(-1)  # [n_atoms]
        per_molecule = torch.zeros(n_graphs, dtype=err.dtype, device=err.device).index_add(0, graph.batch, err)
        return (per_molecule / (3 * torch.bincount(graph.batch, minlength=n_graphs))).mean()

    def given(self, graph: ConformerGraph) -> "_Given":
        """This model with the graphs of a batch fixed: what :func:`sample_ancestral` and :func:`sample_ddim` take
        (one molecule of the sample per graph of ``graph``; no atom types diffuse)."""
        return _Given(self, graph)

    def _on(self, graph: ConformerGraph, pos: Tensor) -> ConformerGraph:
        if pos.ndim != 2 or pos.shape != (graph.node.shape[0], 3):
            raise ValueError(f"pos: expected [{graph.node.shape[0]}, 3] (the graph's atoms), got {list(pos.shape)}")
        return ConformerGraph(*(x.to(pos.device) for x in graph))


class _Given:
    """The sampler protocol of :class:`~.diffusion.PointCloudDiffusion` for a :class:`ConformerDiffusion` whose
    graphs are fixed: zero type channels, sizes and elements from the graph."""

    n_types = 0

    def __init__(self, model: ConformerDiffusion, graph: ConformerGraph):
        self.model, self.schedule, self.T = model, model.schedule, model.T
        device = next(model.parameters()).device
        self.graph = ConformerGraph(*(x.to(device) for x in graph))
        self.sizes = torch.bincount(graph.batch).tolist()

    def predict_eps(self, z: Latent, t) -> Latent:
        t = torch.as_tensor(t, device=z.pos.device)
        t = t.to(z.pos.dtype) / self.T if not t.is_floating_point() else t.to(z.pos.dtype)
        t = t.expand(len(self.sizes)) if t.dim() == 0 else t
        return Latent(z.h, self.model.denoise(self.graph, z.pos, t), z.batch)

    def prior(self, n_atoms, *, generator=None, device=None, dtype=None) -> Latent:
        if list(n_atoms) != self.sizes:
            raise ValueError(f"n_atoms: the graphs fix the sizes {self.sizes}, got {list(n_atoms)}")
        dtype = self._dtype() if dtype is None else dtype
        batch = self.graph.batch if device is None else self.graph.batch.to(device)
        return Latent(torch.zeros(batch.shape[0], 0, dtype=dtype, device=batch.device),
                      zero_com_noise(batch, 3, generator=generator, dtype=dtype, device=batch.device), batch)

    def sample_sizes(self, n_samples: int, *, generator=None) -> Tensor:
        if n_samples != len(self.sizes):
            raise ValueError(f"n_samples: the graphs fix {len(self.sizes)} molecules, got {n_samples}")
        return torch.tensor(self.sizes)

    def h_to_z(self, h: Tensor) -> Tensor:
        """The graph's elements (for every frame of a trajectory): ``h [..., n_atoms, 0]`` -> ``[..., n_atoms]``."""
        z = torch.tensor(ELEMENTS, device=h.device)[self.graph.node[:, : len(ELEMENTS)].argmax(-1).to(h.device)]
        return z.expand(h.shape[:-1])

    def _dtype(self) -> torch.dtype:
        return next(self.model.parameters()).dtype


def sample_conformers(model: ConformerDiffusion, mol: Chem.Mol, n: int, *, sampler: str = "ancestral",
                      n_steps: int = 50, generator: torch.Generator | None = None, noise: Tensor | None = None,
                      return_trajectory: bool = False):
    """``n`` conformers of one molecule: heavy-atom positions ``[n, n_heavy, 3]`` (numpy, Å, zero CoM).

    Args:
        model: a trained :class:`ConformerDiffusion`; mol: the RDKit molecule (no explicit hydrogens).
        sampler: ``"ancestral"`` (T steps) or ``"ddim"`` (``n_steps``, deterministic given the noise).
        noise: optional initial positions ``[n * n_heavy, 3]`` (e.g. rotated, to see the rotated conformers).
        return_trajectory: also return the :class:`~.samplers.Samples` (with its trajectory).

    >>> model = ConformerDiffusion(hidden=8, n_layers=1, T=10)
    >>> sample_conformers(model, Chem.MolFromSmiles("CCO"), 4, generator=torch.Generator().manual_seed(0)).shape
    (4, 3, 3)
    """
    if sampler not in ("ancestral", "ddim"):
        raise ValueError(f"sampler: expected 'ancestral' or 'ddim', got {sampler!r}")
    given = model.given(conformer_graph(mol, copies=n))
    latent = None
    if noise is not None:
        batch = given.graph.batch
        latent = Latent(torch.zeros(batch.shape[0], 0, dtype=given._dtype(), device=batch.device),
                        torch.as_tensor(noise, dtype=given._dtype(), device=batch.device), batch)
    kwargs = dict(noise=latent, generator=generator, return_trajectory=return_trajectory)
    if latent is None:
        kwargs["n_atoms"] = given.sizes
    out = sample_ancestral(given, **kwargs) if sampler == "ancestral" else sample_ddim(given, n_steps=n_steps, **kwargs)
    pos = out.pos.detach().cpu().numpy().reshape(n, mol.GetNumAtoms(), 3)
    return (pos, out) if return_trajectory else pos


def _single(mol: Chem.Mol) -> ConformerGraph:
    """The graph of one molecule: node features, every ordered pair of atoms (targets sorted) and pair features."""
    if not isinstance(mol, Chem.Mol):
        raise ValueError(f"mols: expected RDKit molecules (e.g. Chem.MolFromSmiles('CCO')), got {type(mol).__name__}")
    n = mol.GetNumAtoms()
    node = np.zeros((n, N_NODE), dtype=np.float32)
    for atom in mol.GetAtoms():
        if atom.GetAtomicNum() not in ELEMENTS:
            raise ValueError(f"mol: element {atom.GetSymbol()} is not one of C, N, O, F (hydrogens: give the "
                             f"molecule without explicit H)")
        node[atom.GetIdx(), ELEMENTS.index(atom.GetAtomicNum())] = 1
        node[atom.GetIdx(), len(ELEMENTS) + min(atom.GetTotalNumHs(), 3)] = 1
    hops = np.minimum(Chem.GetDistanceMatrix(mol).astype(int), MAX_HOPS)  # [n, n], 0 on the diagonal
    edge = np.zeros((n, n, N_EDGE), dtype=np.float32)
    i, j = np.nonzero(hops)
    edge[i, j, hops[i, j] - 1] = 1
    for bond in mol.GetBonds():
        if bond.GetBondType() in BOND_ORDERS:
            a, b, k = bond.GetBeginAtomIdx(), bond.GetEndAtomIdx(), MAX_HOPS + BOND_ORDERS.index(bond.GetBondType())
            edge[a, b, k] = edge[b, a, k] = 1
    dst, src = np.nonzero(~np.eye(n, dtype=bool))  # row i = target, as radius_graph orders them
    return ConformerGraph(torch.from_numpy(node), torch.zeros(n, dtype=torch.long),
                          torch.from_numpy(np.stack([src, dst])).long(), torch.from_numpy(edge[dst, src]))
