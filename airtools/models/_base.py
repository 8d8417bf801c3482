"""What every energy model shares: input checks, the (periodic) graph, the extensive energy readout, forces and
stress by autograd, and energies of ASE structures in one batch."""

import numpy as np
import torch
from torch import Tensor, nn

from airtools.graph import (check_batch, check_cell, edge_vectors, num_graphs, periodic_edge_vectors,
                            periodic_radius_graph, radius_graph, scatter_sum)

from ._config import merge_config


def check_inputs(z: Tensor, pos: Tensor, batch: Tensor | None = None) -> tuple[Tensor, Tensor, Tensor]:
    """Validate ``z: [n_atoms]`` (integer atomic numbers), ``pos: [n_atoms, 3]`` (finite floats) and ``batch``.

    Returns:
        ``(z, pos, batch)`` with ``batch: [n_atoms]`` (zeros when ``None``).

    >>> check_inputs(torch.tensor([8, 1, 1]), torch.zeros(3, 3))[2]
    tensor([0, 0, 0])
    >>> check_inputs(torch.tensor([8, 1]), torch.full((2, 3), float("nan")))
    Traceback (most recent call last):
    ...
    ValueError: pos: contains NaN or inf (atom 0); expected finite coordinates
    """
    if not isinstance(z, Tensor) or z.ndim != 1 or z.dtype.is_floating_point or z.dtype == torch.bool:
        raise ValueError(f"z: expected an integer tensor of atomic numbers, shape [n_atoms], got {_describe(z)}")
    if not isinstance(pos, Tensor) or not pos.is_floating_point() or pos.shape != (z.shape[0], 3):
        raise ValueError(f"pos: expected a float tensor of shape [{z.shape[0]}, 3] (one row per atom of z), "
                         f"got {_describe(pos)}")
    bad = ~torch.isfinite(pos).all(dim=1)
    if bool(bad.any()):
        raise ValueError(f"pos: contains NaN or inf (atom {int(bad.nonzero()[0])}); expected finite coordinates")
    return z.long(), pos, check_batch(batch, z.shape[0], device=pos.device)


class EnergyReadout(nn.Module):
    r"""Extensive energy from atomic contributions :math:`\varepsilon_i`:

    .. math:: E_G = \sum_{i \in G} \left(\sigma\,\varepsilon_i + \mu + E^\text{ref}_{z_i}\right)

    The scale :math:`\sigma`, shift :math:`\mu` and per-element reference energies :math:`E^\text{ref}` are
    buffers (not trained); set them with :meth:`EnergyModel.set_energy_reference`, e.g. from
    ``airtools.data.fit_atom_references``, so the network only learns a small, O(1) correction.

    Shapes: ``e_atom: [n_atoms]``, ``z: [n_atoms]``, ``batch: [n_atoms]`` -> ``[n_graphs]``.

    >>> readout = EnergyReadout(max_z=8)
    >>> readout(torch.tensor([1.0, 2.0, 3.0]), torch.tensor([8, 1, 1]), torch.tensor([0, 0, 1]))
    tensor([3., 3.])
    """

    def __init__(self, max_z: int = 100):
        super().__init__()
        self.register_buffer("atom_ref", torch.zeros(max_z + 1))
        self.register_buffer("scale", torch.tensor(1.0))
        self.register_buffer("shift", torch.tensor(0.0))

    def forward(self, e_atom: Tensor, z: Tensor, batch: Tensor) -> Tensor:
        return scatter_sum(self.atom_energies(e_atom, z), batch, num_graphs(batch))  # [n_graphs]

    def atom_energies(self, e_atom: Tensor, z: Tensor) -> Tensor:
        r"""The summands :math:`E_i = \sigma\,\varepsilon_i + \mu + E^\text{ref}_{z_i}`: ``[n_atoms]``.

        >>> EnergyReadout(max_z=8).atom_energies(torch.tensor([1.0, 2.0]), torch.tensor([8, 1]))
        tensor([1., 2.])
        """
        return self.scale * e_atom + self.shift + self.atom_ref[z]  # [n_atoms]


class EnergyModel(nn.Module):
    """Base class of the zoo: builds ``self.config`` (a dataclass, keyword overrides) and ``self.readout``.

    A subclass calls ``super().__init__(ItsConfig, config, **kwargs)`` and, in ``forward(z, pos, batch=None,
    *, cell=None, pbc=None)``, starts with ``z, pos, batch = self.check_inputs(z, pos, batch)``, gets its
    edges from :meth:`edges` (a radius graph for molecules, a periodic multigraph for crystals) and ends with
    ``self.readout(e_atom, z, batch)``.
    """

    def __init__(self, config_cls, config=None, **kwargs):
        super().__init__()
        self.config = merge_config(config_cls, config, kwargs, owner=type(self).__name__)
        self.readout = EnergyReadout(self.config.max_z)

    def check_inputs(self, z: Tensor, pos: Tensor, batch: Tensor | None) -> tuple[Tensor, Tensor, Tensor]:
        """:func:`check_inputs`, plus ``pos`` must have the model's dtype and device."""
        z, pos, batch = check_inputs(z, pos, batch)
        ref = self.readout.atom_ref
        if pos.dtype != ref.dtype or pos.device != ref.device:
            raise ValueError(f"pos: {pos.dtype} on {pos.device}, but the model is {ref.dtype} on {ref.device}; "
                             f"move one of them (model.to(pos) or pos.to(...))")
        return z.to(pos.device), pos, batch

    def edges(self, pos: Tensor, batch: Tensor, cell: Tensor | None = None,
              pbc=None) -> tuple[Tensor, Tensor, Tensor]:
        r"""The model's graph within ``config.r_cut``: ``(edge_index [2, E], vec [E, 3], length [E])``.

        Molecules (``cell=None``): :func:`~airtools.graph.radius_graph`, :math:`\vec r_{ij} = r_j - r_i`.
        Crystals: :func:`~airtools.graph.periodic_radius_graph`, :math:`\vec r_{ij} = r_j + n_{ij}^\top C - r_i`
        (``cell: [3, 3]`` or ``[n_graphs, 3, 3]``, rows = lattice vectors; ``pbc`` default all True), so
        the energy depends on the crystal, not on the unit cell chosen for it. ``vec`` is differentiable in
        ``pos`` and ``cell`` (stress).

        >>> from airtools.models import SchNet
        >>> edge_index, vec, length = SchNet(r_cut=2.5).edges(torch.zeros(1, 3), torch.zeros(1, dtype=torch.long),
        ...                                                    cell=2.0 * torch.eye(3))
        >>> edge_index.shape, sorted(length.tolist())[0]      # the 6 face images of a simple cubic cell
        (torch.Size([2, 6]), 2.0)
        """
        if cell is None:
            if pbc is not None:
                raise ValueError("pbc: given without a cell; pass cell=[3, 3] lattice vectors (rows) as well")
            edge_index = radius_graph(pos, self.config.r_cut, batch)
            vec, length = edge_vectors(pos, edge_index)
            return edge_index, vec, length
        edge_index, shifts, cell = self.periodic_graph(pos, batch, cell, pbc)
        vec, length = periodic_edge_vectors(pos, edge_index, shifts, cell, batch)
        return edge_index, vec, length

    def periodic_graph(self, pos: Tensor, batch: Tensor, cell: Tensor, pbc=None) -> tuple[Tensor, Tensor, Tensor]:
        """``(edge_index [2, E], shifts [E, 3], cell [n_graphs, 3, 3])``: the periodic multigraph and the
        checked cell (dtype and device of ``pos``, still differentiable)."""
        if getattr(cell, "device", pos.device) != pos.device:
            raise ValueError(f"cell: on {cell.device}, but pos is on {pos.device}; move both to one device")
        cell, pbc = check_cell(cell, pbc, num_graphs(batch), dtype=pos.dtype, device=pos.device)
        edge_index, shifts = periodic_radius_graph(pos, self.config.r_cut, cell, pbc, batch)
        return edge_index, shifts, cell

    def atom_energies(self, z: Tensor, pos: Tensor, batch: Tensor | None = None, *, cell: Tensor | None = None,
                      pbc=None) -> Tensor:
        r"""The energy of each atom, :math:`E_i = \sigma\,\varepsilon_i + \mu + E^\text{ref}_{z_i}`, whose sum over
        each molecule is the model's energy (the same numbers the readout sums, so the sum rule holds to the
        last bit when summed the readout's way, ``airtools.graph.scatter_sum``):

        .. math:: E_G = \sum_{i \in G} E_i

        The split is the model's own, not a physical observable: only the sum is fixed by the data
        (``airtools.explain.atom_contributions`` discusses what it means). Works for every model that ends
        its ``forward`` with ``self.readout(e_atom, z, batch)`` (all energy models here); differentiable in
        ``pos`` and the parameters.

        Args: as ``forward``: ``z: [n_atoms]``, ``pos: [n_atoms, 3]``, ``batch: [n_atoms]`` or None, and
        ``cell``/``pbc`` for crystals.

        Returns:
            ``[n_atoms]``, in the energy unit of the model.

        >>> from airtools.models import SchNet
        >>> from airtools.graph import scatter_sum
        >>> model, z, pos = SchNet(hidden=8), torch.tensor([8, 1, 1]), torch.randn(3, 3)
        >>> e_i = model.atom_energies(z, pos)
        >>> e_i.shape, bool(scatter_sum(e_i, torch.zeros(3, dtype=torch.long), 1) == model(z, pos))
        (torch.Size([3]), True)
        """
        captured = []

        def keep(readout, args, kwargs, energy):
            given = dict(zip(("e_atom", "z"), args), **kwargs)  # the readout's inputs, by name
            captured.append(readout.atom_energies(given["e_atom"], given["z"]))

        hook = self.readout.register_forward_hook(keep, with_kwargs=True)
        try:
            self(z, pos, batch) if cell is None else self(z, pos, batch, cell=cell, pbc=pbc)
        finally:
            hook.remove()
        if len(captured) != 1:
            raise ValueError(f"{type(self).__name__}: its forward called self.readout {len(captured)} times; "
                             f"per-atom energies need exactly one sum readout at the end of forward")
        return captured[0]

    def set_energy_reference(self, atom_ref=None, *, scale: float | None = None, shift: float | None = None):
        r"""Set :math:`E^\text{ref}` (a dict ``{z: energy}`` or a tensor ``[max_z + 1]``), :math:`\sigma`, :math:`\mu`.

        Returns the model, so ``model = SchNet().set_energy_reference({1: -0.5, 8: -74.8})`` works.

        >>> from airtools.models import SchNet
        >>> model = SchNet().set_energy_reference({1: -0.5, 8: -74.8}, scale=0.01)
        >>> model.readout.atom_ref[[1, 8]], model.readout.scale
        (tensor([ -0.5000, -74.8000]), tensor(0.0100))
        """
        buffers = self.readout
        if atom_ref is not None:
            if isinstance(atom_ref, dict):
                table = torch.zeros_like(buffers.atom_ref)
                for z, e in atom_ref.items():
                    if not 1 <= int(z) <= self.config.max_z:
                        raise ValueError(f"atom_ref: unknown element {z} (expected 1..{self.config.max_z})")
                    table[int(z)] = float(e)
                atom_ref = table
            atom_ref = torch.as_tensor(atom_ref)
            if atom_ref.shape != buffers.atom_ref.shape:
                raise ValueError(f"atom_ref: expected a dict or shape {list(buffers.atom_ref.shape)}, "
                                 f"got {list(atom_ref.shape)}")
            buffers.atom_ref.copy_(atom_ref)
        if scale is not None:
            buffers.scale.fill_(float(scale))
        if shift is not None:
            buffers.shift.fill_(float(shift))
        return self




def dipole_moment(q: Tensor, pos: Tensor, batch: Tensor, atomic_dipoles: Tensor | None = None) -> Tensor:
    r"""Dipole of each molecule from atomic charges made neutral, plus optional atomic dipoles:

    .. math:: \vec\mu_G = \sum_{i\in G} \tilde q_i\, \vec r_i + \vec\mu_i, \qquad
              \tilde q_i = q_i - \tfrac{1}{|G|}\sum_{k\in G} q_k

    Neutral charges make it independent of the origin (translation invariant); it rotates with the molecule.

    Args:
        q: ``[n_atoms]`` invariant charges; pos: ``[n_atoms, 3]``; batch: ``[n_atoms]``;
        atomic_dipoles: ``[n_atoms, 3]`` equivariant vectors or ``None``.

    Returns:
        ``[n_graphs, 3]`` (charge unit x length unit, e.g. e·Å).

    >>> dipole_moment(torch.tensor([1.0, -1.0]), torch.tensor([[0.0, 0, 1], [0, 0, 0]]), torch.tensor([0, 0]))
    tensor([[0., 0., 1.]])
    """
    n_graphs = num_graphs(batch)
    n_atoms = scatter_sum(torch.ones_like(q), batch, n_graphs)  # [n_graphs]
    q = q - (scatter_sum(q, batch, n_graphs) / n_atoms)[batch]  # [n_atoms], sums to 0 per molecule
    mu = q[:, None] * pos  # [n_atoms, 3]
    if atomic_dipoles is not None:
        mu = mu + atomic_dipoles
    return scatter_sum(mu, batch, n_graphs)  # [n_graphs, 3]


def energy_and_forces(model: nn.Module, z: Tensor, pos: Tensor, batch: Tensor | None = None, *,
                      cell: Tensor | None = None, pbc=None, create_graph: bool = False) -> tuple[Tensor, Tensor]:
    r"""Energies and forces :math:`F_i = -\partial E / \partial r_i` by autograd (works under ``torch.no_grad``).

    Args:
        model: any model called as ``model(z, pos, batch) -> energy [n_graphs]`` (with ``cell=, pbc=``
            keywords for crystals).
        z, pos, batch: ``[n_atoms]``, ``[n_atoms, 3]``, ``[n_atoms]`` or ``None``.
        cell, pbc: ``[3, 3]`` / ``[n_graphs, 3, 3]`` lattice vectors (rows) and periodic axes, or ``None``.
        create_graph: keep both outputs differentiable w.r.t. the parameters (to train on forces);
            otherwise they are returned detached.

    Returns:
        ``energy: [n_graphs]``, ``forces: [n_atoms, 3]``.

    >>> from airtools.models import SchNet
    >>> energy, forces = energy_and_forces(SchNet(), torch.tensor([8, 1, 1]), torch.randn(3, 3))
    >>> energy.shape, forces.shape
    (torch.Size([1]), torch.Size([3, 3]))
    """
    with torch.enable_grad():
        if not pos.requires_grad:
            pos = pos.detach().requires_grad_(True)
        energy = model(z, pos, batch) if cell is None else model(z, pos, batch, cell=cell, pbc=pbc)
        (grad,) = torch.autograd.grad(energy.sum(), pos, create_graph=create_graph)
    if create_graph:
        return energy, -grad
    return energy.detach(), -grad.detach()


def energy_forces_stress(model: nn.Module, z: Tensor, pos: Tensor, batch: Tensor | None = None, *,
                         cell: Tensor, pbc=None, create_graph: bool = False) -> tuple[Tensor, Tensor, Tensor]:
    r"""Energies, forces and the stress of periodic cells by the strain trick (autograd).

    Positions and cell of crystal G are strained by a symmetric :math:`\varepsilon_G` at zero,
    :math:`r \to r(1 + \varepsilon)`, :math:`C \to C(1 + \varepsilon)`, and

    .. math:: F_i = -\frac{\partial E}{\partial r_i}, \qquad
              \sigma_G = \frac{1}{V_G} \frac{\partial E_G}{\partial \varepsilon_G},

    ASE's sign convention (``atoms.get_stress(voigt=False)``): a compressed crystal has negative stress,
    the pressure is :math:`-\mathrm{tr}\,\sigma / 3`.

    Args:
        model: an energy model called as ``model(z, pos, batch, cell=cell, pbc=pbc)``.
        z, pos, batch: ``[n_atoms]``, ``[n_atoms, 3]``, ``[n_atoms]`` or ``None``.
        cell: ``[3, 3]`` or ``[n_graphs, 3, 3]``; pbc: periodic axes (default all True).
        create_graph: keep the outputs differentiable w.r.t. the parameters (training on stress).

    Returns:
        ``energy: [n_graphs]``, ``forces: [n_atoms, 3]``, ``stress: [n_graphs, 3, 3]`` (energy/length^3).

    >>> from airtools.models import SchNet
    >>> e, f, s = energy_forces_stress(SchNet(r_cut=3.0), torch.tensor([29]), torch.zeros(1, 3),
    ...                                cell=2.5 * torch.eye(3))
    >>> s.shape, bool(torch.allclose(s, s.transpose(1, 2)))
    (torch.Size([1, 3, 3]), True)
    """
    batch = check_batch(batch, pos.shape[0], device=pos.device)
    cell, pbc = check_cell(cell, pbc, num_graphs(batch), dtype=pos.dtype, device=pos.device)
    with torch.enable_grad():
        pos = pos.detach().requires_grad_(True) if not pos.requires_grad else pos
        strain = torch.zeros_like(cell).requires_grad_(True)  # [n_graphs, 3, 3]
        sym = 0.5 * (strain + strain.transpose(1, 2))
        pos_s = pos + torch.einsum("nk,nkl->nl", pos, sym[batch])  # r (1 + eps)
        cell_s = cell + cell @ sym  # C (1 + eps)
        energy = model(z, pos_s, batch, cell=cell_s, pbc=pbc)
        grad_pos, grad_strain = torch.autograd.grad(energy.sum(), [pos, strain], create_graph=create_graph)
    volume = torch.linalg.det(cell).abs()[:, None, None]  # [n_graphs, 1, 1]
    stress = grad_strain / volume
    if create_graph:
        return energy, -grad_pos, stress
    return energy.detach(), -grad_pos.detach(), stress.detach()


def model_energies(model, structures) -> np.ndarray:
    """Energies per atom ``[n]`` (eV/atom) of ``structures`` (``ase.Atoms``, periodic or not) by ``model``, in one
    batch on the model's device and dtype.

    >>> from ase.build import bulk
    >>> from airtools.models import SchNet
    >>> model_energies(SchNet(hidden=8), [bulk("Cu"), bulk("Cu").repeat((2, 1, 1))]).shape
    (2,)
    """
    structures = list(structures)
    ref = next(iter(model.buffers()))
    n_atoms = torch.tensor([len(a) for a in structures], device=ref.device)
    z = torch.as_tensor(np.concatenate([a.numbers for a in structures]), device=ref.device)
    pos = torch.as_tensor(np.concatenate([a.positions for a in structures])).to(ref)
    cell = torch.as_tensor(np.stack([a.cell[:] for a in structures])).to(ref)
    pbc = torch.as_tensor(np.stack([a.pbc for a in structures]), device=ref.device)
    batch = torch.repeat_interleave(torch.arange(len(structures), device=ref.device), n_atoms)
    with torch.no_grad():
        energy = model(z, pos, batch, cell=cell, pbc=pbc)  # [n_structures] eV
    return (energy / n_atoms).double().cpu().numpy()


def _describe(x) -> str:
    if isinstance(x, Tensor):
        return f"{x.dtype} tensor of shape {list(x.shape)}"
    return type(x).__name__
