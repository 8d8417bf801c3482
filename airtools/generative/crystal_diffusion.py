r"""Periodic diffusion of crystals (DiffCSP-style): fractional coordinates on the torus, the lattice by its shape.

A crystal of n atoms is its atom types ``z [n]``, fractional coordinates :math:`F \in [0, 1)^{n \times 3}` and
a lattice. Following DiffCSP (Jiao et al., NeurIPS 2023):

- **coordinates** diffuse on the torus with wrapped noise, :math:`F_t = w(F_0 + \sigma_t \epsilon)`,
  :math:`w(f) = f - \lfloor f \rfloor`, :math:`\sigma_t` geometric from ``sigma_min`` to ``sigma_max``; the
  network learns the score of the wrapped normal :math:`\mathcal N_w` (:func:`wrapped_normal_score`),

  .. math:: \nabla_F \log \mathcal N_w(F_t \mid F_0, \sigma_t^2)
            = \nabla_F \log \sum_{k \in \mathbb Z^3} \exp\Big(-\frac{\lVert F_t - F_0 + k \rVert^2}{2\sigma_t^2}\Big);

- **the lattice** is six numbers that do not change when the cell is rotated, lengths and angles
  :math:`(\log a, \log b, \log c, \alpha, \beta, \gamma)` (:func:`cell_to_lattice`, standardised with the
  training set's mean and spread), noised like any vector, :math:`u_t = \alpha_t u_0 + \sigma_t \epsilon`
  (:class:`~.schedule.NoiseSchedule`); a cell is rebuilt in the lower-triangular form (:func:`lattice_to_cell`);
- **the denoiser** (:class:`CrystalDenoiser`) sees pairs of atoms only through Fourier features of
  :math:`F_j - F_i` (unchanged by a shift of the origin and periodic in each coordinate), the lattice only
  through :math:`u_t`, and sums over atoms: its outputs do not depend on the origin or on a rotation of the cell,
  and follow a permutation of the atoms.

The composition is given (crystal structure prediction, DiffCSP's task); a generator draws it from the
training set. Shapes: ``z [N]``, ``frac [N, 3]``, ``cell [G, 3, 3]`` (rows are lattice vectors), ``batch [N]``.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np
import torch
from torch import Tensor, nn

from airtools.graph import scatter_sum

from .schedule import NoiseSchedule

__all__ = ["wrap", "min_image", "wrapped_normal_score", "cell_to_lattice", "lattice_to_cell", "CrystalConfig",
           "CrystalDenoiser", "CrystalDiffusion", "CrystalTrajectory", "CrystalSamples", "sample_crystals",
           "random_crystals"]


def wrap(frac: Tensor) -> Tensor:
    r"""Fractional coordinates into :math:`[0, 1)`: :math:`w(f) = f - \lfloor f \rfloor`.

    >>> wrap(torch.tensor([-0.25, 1.5, 0.0])).tolist()
    [0.75, 0.5, 0.0]
    """
    return frac - torch.floor(frac)


def min_image(d: Tensor) -> Tensor:
    r"""The periodic image of a fractional displacement nearest to zero, :math:`d - \mathrm{round}(d) \in [-1/2, 1/2]`.

    >>> min_image(torch.tensor([0.875, -0.75, 0.25])).tolist()
    [-0.125, 0.25, 0.25]
    """
    return d - torch.round(d)


def wrapped_normal_score(d: Tensor, sigma, n_images: int = 5) -> Tensor:
    r"""Score of the wrapped normal of period 1, per coordinate:

    .. math:: s(d) = \frac{\partial}{\partial d} \log \sum_{k=-K}^{K} e^{-(d + k)^2 / 2\sigma^2}
                   = -\frac{1}{\sigma^2} \sum_k w_k\, (d + k), \qquad
              w_k = \mathrm{softmax}_k\Big(-\frac{(d + k)^2}{2\sigma^2}\Big)

    evaluated on the minimum image of ``d`` (period 1); ``K = n_images = 5`` leaves out terms below 1e-10 of the
    largest for :math:`\sigma \le 0.8`.
    Small :math:`\sigma`: the Gaussian score :math:`-d/\sigma^2`; large: zero (the torus is filled evenly).

    Args:
        d: displacements :math:`F_t - F_0`, any shape; sigma: a number or a tensor broadcastable to ``d``.

    >>> s = wrapped_normal_score(torch.tensor([0.1, 0.5, 1.1], dtype=torch.float64), 0.1)
    >>> [round(v, 4) for v in s.tolist()]  # -d / sigma^2 near 0, zero at the antipode, periodic
    [-10.0, 0.0, -10.0]
    """
    sigma = torch.broadcast_to(torch.as_tensor(sigma, dtype=d.dtype, device=d.device), d.shape)
    k = torch.arange(-n_images, n_images + 1, dtype=d.dtype, device=d.device)
    y = min_image(d)[..., None] + k  # [..., 2K + 1]
    w = torch.softmax(-(y**2) / (2 * sigma[..., None] ** 2), dim=-1)
    return -(w * y).sum(-1) / sigma**2


def cell_to_lattice(cell: Tensor) -> Tensor:
    r"""Lengths and angles of cells, unchanged by rotations: ``[..., 3, 3] -> [..., 6]``
    :math:`(a, b, c, \alpha, \beta, \gamma)` in Å and radians (:math:`\alpha = \angle(b, c)`, ...).

    >>> cell = torch.tensor([[2.0, 0, 0], [0, 3, 0], [0, 0, 4]])
    >>> [round(v, 4) for v in cell_to_lattice(cell).tolist()]
    [2.0, 3.0, 4.0, 1.5708, 1.5708, 1.5708]
    """
    a, b, c = cell.unbind(-2)
    lengths = cell.norm(dim=-1)  # [..., 3]

    def angle(x, y):
        return torch.acos(((x * y).sum(-1) / (x.norm(dim=-1) * y.norm(dim=-1))).clamp(-1, 1))

    return torch.cat([lengths, torch.stack([angle(b, c), angle(a, c), angle(a, b)], -1)], -1)


def lattice_to_cell(lattice: Tensor) -> Tensor:
    r"""The cell of given lengths and angles in the lower-triangular form (ASE's ``cellpar_to_cell``):
    :math:`a_1 = (a, 0, 0)`, :math:`a_2 = (b\cos\gamma, b\sin\gamma, 0)`, :math:`a_3` from :math:`\alpha, \beta`.

    ``[..., 6] -> [..., 3, 3]``; the inverse of :func:`cell_to_lattice` up to a rotation (same Gram matrix
    :math:`C C^\top`). Angle triples that no cell has get a small positive height.

    >>> cell = torch.tensor([[2.0, 0, 0], [1, 3, 0], [0.5, 0.5, 4]])
    >>> rebuilt = lattice_to_cell(cell_to_lattice(cell))
    >>> bool(torch.allclose(rebuilt @ rebuilt.T, cell @ cell.T, atol=1e-5))
    True
    """
    a, b, c, alpha, beta, gamma = lattice.unbind(-1)
    ca, cb, cg, sg = torch.cos(alpha), torch.cos(beta), torch.cos(gamma), torch.sin(gamma)
    cy = (ca - cb * cg) / sg
    cz = (1 - cb**2 - cy**2).clamp_min(1e-4).sqrt()
    zero = torch.zeros_like(a)
    rows = [torch.stack([a, zero, zero], -1), torch.stack([b * cg, b * sg, zero], -1),
            torch.stack([c * cb, c * cy, c * cz], -1)]
    return torch.stack(rows, -2)


@dataclass
class CrystalConfig:
    """What builds a :class:`CrystalDiffusion` (kept in ``model.config`` for checkpoints).

    ``hidden``, ``n_layers``: the denoiser's width and depth; ``n_freq``: Fourier frequencies of the pair
    displacements; ``T``: diffusion steps; ``sigma_min``, ``sigma_max``: the coordinate noise range (DiffCSP's
    0.005 and 0.5); ``max_z``: the largest atomic number embedded.
    """

    hidden: int = 64
    n_layers: int = 3
    n_freq: int = 4
    T: int = 100
    sigma_min: float = 0.005
    sigma_max: float = 0.5
    max_z: int = 100


class CrystalDenoiser(nn.Module):
    r"""Message passing over all pairs of atoms of each crystal with periodic pair features (DiffCSP's CSPNet).

    .. math:: m_{ij} = \phi\big(h_i, h_j, \ell_{G},
              [\sin 2\pi k \Delta F_{ij}, \cos 2\pi k \Delta F_{ij}]_{k=1..K}\big),
              \qquad h_i \leftarrow h_i + \psi\big(h_i, \tfrac{1}{n} \textstyle\sum_j m_{ij}\big)

    with :math:`\Delta F_{ij} = F_j - F_i` and :math:`\ell_G` an embedding of the noisy lattice :math:`u_t`
    and the time. Outputs the coordinate noise ``[N, 3]`` (:math:`\sigma_t` times the score) and the lattice
    noise ``[G, 6]``.
    """

    def __init__(self, hidden: int = 64, n_layers: int = 3, n_freq: int = 4, max_z: int = 100):
        super().__init__()
        self.n_freq = n_freq
        self.embed = nn.Embedding(max_z + 1, hidden)
        self.lattice = _mlp(6 + 1, hidden, hidden)
        pair = 2 * hidden + hidden + 6 * n_freq
        self.messages = nn.ModuleList(_mlp(pair, hidden, hidden) for _ in range(n_layers))
        self.updates = nn.ModuleList(_mlp(2 * hidden, hidden, hidden) for _ in range(n_layers))
        self.frac_out = _mlp(hidden, hidden, 3)
        self.lattice_out = _mlp(2 * hidden, hidden, 6)

    def forward(self, z: Tensor, frac: Tensor, u: Tensor, t: Tensor, batch: Tensor) -> tuple[Tensor, Tensor]:
        """``z [N]``, ``frac [N, 3]``, ``u [G, 6]``, ``t [G]`` (in [0, 1]), ``batch [N]`` ->
        ``eps_frac [N, 3]``, ``eps_lattice [G, 6]``."""
        n_graphs = u.shape[0]
        dst, src = (batch[:, None] == batch[None, :]).nonzero(as_tuple=True)  # all pairs of each crystal
        k = torch.arange(1, self.n_freq + 1, dtype=frac.dtype, device=frac.device)
        phase = 2 * math.pi * (frac[src] - frac[dst])[:, :, None] * k  # [E, 3, K]
        fourier = torch.cat([phase.sin(), phase.cos()], -1).flatten(1)  # [E, 6K]
        ell = self.lattice(torch.cat([u, t[:, None].to(u.dtype)], -1))  # [G, hidden]
        count = torch.bincount(batch, minlength=n_graphs).to(frac.dtype)[:, None]  # [G, 1]
        h = self.embed(z)
        for message, update in zip(self.messages, self.updates):
            m = message(torch.cat([h[dst], h[src], ell[batch[dst]], fourier], -1))  # [E, hidden]
            agg = scatter_sum(m, dst, dim_size=len(z)) / count[batch]
            h = h + update(torch.cat([h, agg], -1))
        pooled = scatter_sum(h, batch, dim_size=n_graphs) / count  # [G, hidden]
        return self.frac_out(h), self.lattice_out(torch.cat([pooled, ell], -1))


class CrystalDiffusion(nn.Module):
    r"""Joint diffusion of fractional coordinates (wrapped, score matching) and lattice (DDPM, noise prediction).

    Training loss per crystal, for :math:`t \sim U\{1..T\}` (:meth:`loss`):

    .. math:: L = \frac{1}{3n}\lVert \hat\epsilon_F - \sigma_t \nabla \log \mathcal N_w(F_t \mid F_0, \sigma_t^2)
              \rVert^2 + \frac{1}{6} \lVert \hat\epsilon_u - \epsilon_u \rVert^2

    Call :meth:`set_lattice_stats` with the training cells before training (the lattice is standardised).

    >>> model = CrystalDiffusion(CrystalConfig(hidden=8, n_layers=1, T=10))
    >>> model.set_lattice_stats(torch.eye(3)[None] * torch.tensor([3.0, 4.0])[:, None, None])
    >>> s = sample_crystals(model, [[29, 29], [13]], generator=torch.Generator().manual_seed(0))
    >>> s.frac.shape, s.cell.shape, len(s.to_atoms())
    (torch.Size([3, 3]), torch.Size([2, 3, 3]), 2)
    """

    def __init__(self, config: CrystalConfig | None = None, **overrides):
        super().__init__()
        config = CrystalConfig(**{**asdict(config or CrystalConfig()), **overrides})
        self.config = config
        self.denoiser = CrystalDenoiser(config.hidden, config.n_layers, config.n_freq, config.max_z)
        self.schedule = NoiseSchedule("cosine", T=config.T)
        t = torch.arange(1, config.T + 1, dtype=torch.float64)
        ratio = (t - 1) / max(config.T - 1, 1)
        sigmas = config.sigma_min * (config.sigma_max / config.sigma_min) ** ratio
        self.register_buffer("sigmas", torch.cat([sigmas.new_zeros(1), sigmas]).float())  # [T + 1], sigma_0 = 0
        self.register_buffer("lattice_mean", torch.zeros(6))
        self.register_buffer("lattice_std", torch.ones(6))

    @property
    def T(self) -> int:
        return self.config.T

    def set_lattice_stats(self, cells: Tensor) -> None:
        """Mean and spread of the training lattices in the diffusion's coordinates (``cells [S, 3, 3]``)."""
        x = _log_lengths(cell_to_lattice(torch.as_tensor(cells, dtype=torch.float32)))
        self.lattice_mean.copy_(x.mean(0))
        self.lattice_std.copy_(x.std(0).clamp_min(0.05) if len(x) > 1 else torch.ones(6))

    def cell_to_u(self, cell: Tensor) -> Tensor:
        """``[G, 3, 3] -> [G, 6]``: standardised (log lengths, angles); unchanged by rotating the cell."""
        return (_log_lengths(cell_to_lattice(cell)) - self.lattice_mean) / self.lattice_std

    def u_to_cell(self, u: Tensor) -> Tensor:
        """``[G, 6] -> [G, 3, 3]``, lower-triangular cells."""
        x = u * self.lattice_std + self.lattice_mean
        return lattice_to_cell(torch.cat([x[:, :3].exp(), x[:, 3:]], -1))

    def forward(self, z: Tensor, frac: Tensor, cell: Tensor, t: Tensor, batch: Tensor) -> tuple[Tensor, Tensor]:
        """The denoiser's two outputs for a (noisy) crystal given by its Cartesian ``cell [G, 3, 3]``;
        ``t [G]`` integer steps."""
        return self.denoiser(z, frac, self.cell_to_u(cell), t.to(frac.dtype) / self.T, batch)

    def loss(self, z: Tensor, frac: Tensor, cell: Tensor, batch: Tensor,
             generator: torch.Generator | None = None) -> Tensor:
        """The training loss (module docstring of :class:`CrystalDiffusion`), averaged over the crystals."""
        n_graphs = cell.shape[0]
        device = frac.device
        t = torch.randint(1, self.T + 1, (n_graphs,), generator=generator).to(device)
        u0 = self.cell_to_u(cell)
        eps_u = torch.randn(u0.shape, generator=generator).to(device, u0.dtype)
        alpha, sigma = (f(t).to(u0.dtype)[:, None] for f in (self.schedule.alpha, self.schedule.sigma))
        u_t = alpha * u0 + sigma * eps_u
        s = self.sigmas[t][batch, None].to(frac.dtype)  # [N, 1]
        f_t = wrap(frac + s * torch.randn(frac.shape, generator=generator).to(device, frac.dtype))
        target = s * wrapped_normal_score(f_t - frac, s)
        eps_f, eps_l = self.denoiser(z, f_t, u_t, t.to(frac.dtype) / self.T, batch)
        count = torch.bincount(batch, minlength=n_graphs).to(frac.dtype)
        loss_f = scatter_sum(((eps_f - target) ** 2).mean(-1), batch, dim_size=n_graphs) / count
        return (loss_f + ((eps_l - eps_u) ** 2).mean(-1)).mean()


@dataclass
class CrystalTrajectory:
    """The states :func:`sample_crystals` visits, for a slider over diffusion time (first frame: the noise).

    ``t [n_frames]`` diffusion time (1 -> 0), ``frac [n_frames, N, 3]`` fractional coordinates in [0, 1),
    ``cell [n_frames, G, 3, 3]`` the cells of the noisy lattices :math:`u_t`. ``n_frames = T + 2``: the noise,
    one frame per reverse step, then the returned crystals (the last lattice step, at t = 0).
    """

    t: Tensor
    frac: Tensor
    cell: Tensor


@dataclass
class CrystalSamples:
    """Generated crystals: ``z [N]``, ``frac [N, 3]`` in [0, 1), ``cell [G, 3, 3]``, ``batch [N]``;
    ``trajectory``: a :class:`CrystalTrajectory` or ``None``."""

    z: Tensor
    frac: Tensor
    cell: Tensor
    batch: Tensor
    trajectory: CrystalTrajectory | None = None

    def to_atoms(self, frame: int | None = None) -> list:
        """One periodic ``ase.Atoms`` per crystal; at trajectory frame ``frame`` (0: the noise) when given."""
        from ase import Atoms  # ASE only for the conversion

        frac, cell = self.frac, self.cell
        if frame is not None:
            if self.trajectory is None:
                raise ValueError("frame: these samples have no trajectory; sample with return_trajectory=True")
            n = self.trajectory.t.shape[0]
            if not -n <= frame < n:
                raise ValueError(f"frame: expected 0..{n - 1} (0 is the noise), got {frame}")
            frac, cell = self.trajectory.frac[frame], self.trajectory.cell[frame]
        sizes = torch.bincount(self.batch, minlength=len(cell)).tolist()
        zs, fs = self.z.cpu().split(sizes), frac.detach().cpu().double().split(sizes)
        return [Atoms(numbers=z.numpy(), scaled_positions=f.numpy(), cell=c.numpy(), pbc=True)
                for z, f, c in zip(zs, fs, cell.detach().cpu().double())]


@torch.no_grad()
def sample_crystals(model: CrystalDiffusion, compositions, *, generator: torch.Generator | None = None,
                    device=None, corrector: float = 1e-5, return_trajectory: bool = False,
                    callback=None) -> CrystalSamples:
    r"""Sample one crystal per composition (a list of atomic-number lists): T reverse steps from
    :math:`F_T \sim U[0, 1)^{n \times 3}`, :math:`u_T \sim \mathcal N(0, I)`.

    Coordinates: the reverse SDE of the variance-exploding process on the torus,
    :math:`F_s = w\big(F_t + (\sigma_t^2 - \sigma_s^2)\,\hat s + \sqrt{\sigma_t^2 - \sigma_s^2}\,\epsilon\big)`
    with :math:`\hat s = \hat\epsilon_F / \sigma_t` (no noise at the last step); lattice: the ancestral step of
    :class:`~.schedule.NoiseSchedule` (as ``sample_ancestral``), then :math:`u_0 = (z_0 - \sigma_0
    \hat\epsilon_u)/\alpha_0`. ``corrector > 0`` adds DiffCSP's Langevin corrector before each predictor step,
    :math:`F \leftarrow w(F + \gamma \hat s + \sqrt{2\gamma}\,\epsilon)`,
    :math:`\gamma = \text{corrector}\cdot(\sigma_t / \sigma_\text{min})^2` (DiffCSP's 1e-5; 0 turns it off).

    ``return_trajectory=True`` keeps every state (:class:`CrystalTrajectory`, T + 2 frames; the random numbers
    drawn are the same, so the crystals are too); ``callback(k, T)`` is called after reverse step k = 1..T
    (a dashboard's progress bar, from the sampling thread).

    >>> model = CrystalDiffusion(CrystalConfig(hidden=8, n_layers=1, T=10))
    >>> s = sample_crystals(model, [[29, 79]], generator=torch.Generator().manual_seed(0), return_trajectory=True)
    >>> s.trajectory.frac.shape, s.trajectory.cell.shape, s.trajectory.t[[0, -1]].tolist()
    (torch.Size([12, 2, 3]), torch.Size([12, 1, 3, 3]), [1.0, 0.0])
    """
    device = device or next(model.parameters()).device
    sizes = [len(c) for c in compositions]
    z = torch.as_tensor(np.concatenate([np.asarray(c, dtype=np.int64) for c in compositions]), device=device)
    batch = torch.repeat_interleave(torch.arange(len(sizes), device=device), torch.tensor(sizes, device=device))
    dtype = model.sigmas.dtype

    def randn(*shape):
        return torch.randn(*shape, generator=generator, dtype=dtype).to(device)

    frac = torch.rand(len(z), 3, generator=generator, dtype=dtype).to(device)
    u = randn(len(sizes), 6)
    frames = [] if return_trajectory else None

    def keep(t):
        if frames is not None:
            frames.append((t, frac.clone(), model.u_to_cell(u)))

    keep(1.0)
    for t in range(model.T, 0, -1):
        s = t - 1
        tt = torch.full((len(sizes),), t / model.T, dtype=dtype, device=device)
        if corrector > 0:
            gamma = corrector * (model.sigmas[t] / model.sigmas[1]) ** 2
            eps_f, _ = model.denoiser(z, frac, u, tt, batch)
            frac = wrap(frac + gamma * eps_f / model.sigmas[t] + (2 * gamma).sqrt() * randn(*frac.shape))
        eps_f, eps_u = model.denoiser(z, frac, u, tt, batch)
        alpha_ts, sigma2_ts = (x.to(dtype) for x in model.schedule.transition(s, t))
        sigma_t, sigma_s = model.schedule.sigma(t).to(dtype), model.schedule.sigma(s).to(dtype)
        u = (u / alpha_ts - sigma2_ts / (alpha_ts * sigma_t) * eps_u
             + sigma2_ts.sqrt() * sigma_s / sigma_t * randn(*u.shape))
        step = model.sigmas[t] ** 2 - model.sigmas[s] ** 2
        frac = frac + step * eps_f / model.sigmas[t]
        if s > 0:
            frac = frac + step.sqrt() * randn(*frac.shape)
        frac = wrap(frac)
        keep(s / model.T)
        if callback is not None:
            callback(model.T - s, model.T)
    t0 = torch.zeros(len(sizes), dtype=dtype, device=device)
    _, eps_u = model.denoiser(z, frac, u, t0, batch)
    u = (u - model.schedule.sigma(0).to(dtype) * eps_u) / model.schedule.alpha(0).to(dtype)
    keep(0.0)
    trajectory = None if frames is None else CrystalTrajectory(
        torch.tensor([f[0] for f in frames], dtype=torch.float64), torch.stack([f[1] for f in frames]),
        torch.stack([f[2] for f in frames]))
    return CrystalSamples(z, frac, model.u_to_cell(u), batch, trajectory)


@torch.no_grad()
def random_crystals(model: CrystalDiffusion, compositions, *, generator: torch.Generator | None = None,
                    device=None) -> CrystalSamples:
    r"""The baseline: where :func:`sample_crystals` starts, with no denoising. Fractional coordinates uniform in
    :math:`[0, 1)^{n \times 3}`, the lattice :math:`u \sim \mathcal N(0, I)`: lengths and angles drawn from the
    Gaussian fit of the training lattices (``model.lattice_mean``, ``model.lattice_std``).

    >>> model = CrystalDiffusion(CrystalConfig(hidden=8, n_layers=1, T=10))
    >>> random_crystals(model, [[29, 29], [13]], generator=torch.Generator().manual_seed(0)).cell.shape
    torch.Size([2, 3, 3])
    """
    device = device or next(model.parameters()).device
    sizes = [len(c) for c in compositions]
    z = torch.as_tensor(np.concatenate([np.asarray(c, dtype=np.int64) for c in compositions]), device=device)
    batch = torch.repeat_interleave(torch.arange(len(sizes), device=device), torch.tensor(sizes, device=device))
    dtype = model.sigmas.dtype
    frac = torch.rand(len(z), 3, generator=generator, dtype=dtype).to(device)
    u = torch.randn(len(sizes), 6, generator=generator, dtype=dtype).to(device)
    return CrystalSamples(z, frac, model.u_to_cell(u), batch)


def _log_lengths(lattice: Tensor) -> Tensor:
    return torch.cat([lattice[..., :3].log(), lattice[..., 3:]], -1)


def _mlp(n_in: int, hidden: int, n_out: int) -> nn.Sequential:
    return nn.Sequential(nn.Linear(n_in, hidden), nn.SiLU(), nn.Linear(hidden, n_out))
