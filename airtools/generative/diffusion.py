r"""EDM-style diffusion of typed point clouds: the forward process, the training loss, the prior.

A molecule is positions :math:`x \in X` (the zero-CoM subspace, :mod:`.subspace`) and atom types as
continuous one-hot features :math:`h = \mathrm{onehot}(\text{type}) / f` (EDM scales them by
:math:`1/f`, :math:`f = 4`, so that types are decided late in sampling, after the geometry). Both are noised
together with one schedule (:mod:`.schedule`):

.. math::
    q(z_t \mid x, h) = \mathcal N_X\big(z^x_t;\ \alpha_t x,\ \sigma_t^2 I\big)\;
                       \mathcal N\big(z^h_t;\ \alpha_t h,\ \sigma_t^2 I\big)

and a denoiser :math:`\hat\epsilon_\theta(z_t, t)` learns the noise with EDM's "L2 simple" objective

.. math:: L = \mathbb E_{t \sim U\{0..T\},\ \epsilon}\ \frac{1}{(3 + K)\, n}
          \big\lVert \epsilon - \hat\epsilon_\theta(\alpha_t [x, h] + \sigma_t \epsilon,\ t/T) \big\rVert^2

(K types, n atoms; per molecule, then averaged over the batch). The samplers are in :mod:`.samplers`.
"""
from dataclasses import dataclass
from typing import NamedTuple, Sequence

import torch
from torch import Tensor, nn

from airtools.graph import check_batch, num_graphs

from .denoisers import DENOISERS
from .schedule import NoiseSchedule
from .subspace import remove_mean, zero_com_noise


class Latent(NamedTuple):
    r"""A state of the diffusion, :math:`z_t = (z^h_t, z^x_t)`, for a batch of molecules.

    ``h: [n_atoms, n_types]`` type features, ``pos: [n_atoms, 3]`` positions (zero CoM per molecule),
    ``batch: [n_atoms]`` molecule index. Also used for noises :math:`\epsilon` and their predictions.
    ``latent._replace(pos=pos @ R.T)`` is the rotated state.
    """

    h: Tensor
    pos: Tensor
    batch: Tensor


@dataclass
class DiffusionConfig:
    """Everything that builds a :class:`PointCloudDiffusion` and its denoiser, so a checkpoint can rebuild it.

    ``denoiser``: ``"egnn"`` (:class:`~.denoisers.EGNNDenoiser`) or ``"gnn"`` (the non-equivariant
    :class:`~.denoisers.GNNDenoiser`), with ``hidden`` and ``n_layers``; ``atom_types``, ``type_factor`` as in
    :class:`PointCloudDiffusion`; ``schedule``, ``T``, ``precision`` as in :class:`NoiseSchedule`.

    >>> model = PointCloudDiffusion(config=DiffusionConfig(denoiser="gnn", hidden=8, n_layers=1, T=10))
    >>> type(model.denoiser).__name__, model.T, model.config.atom_types
    ('GNNDenoiser', 10, (1, 6, 7, 8, 9))
    """

    denoiser: str = "egnn"
    hidden: int = 64
    n_layers: int = 4
    atom_types: tuple = (1, 6, 7, 8, 9)
    schedule: str = "polynomial_2"
    T: int = 500
    precision: float = 1e-5
    type_factor: float = 4.0


class PointCloudDiffusion(nn.Module):
    r"""Equivariant diffusion for typed point clouds (EDM: Hoogeboom, Satorras, Vignac, Welling, ICML 2022).

    Wraps a denoiser ``denoiser(h, pos, t, batch) -> (eps_h, eps_pos)`` (:mod:`.denoisers`) with a noise
    schedule, the atom-type encoding and the distribution of molecule sizes :math:`p(n)`. The generative model
    is :math:`p(n)\, p_\theta(x, h \mid n)`; with an E(3)-equivariant denoiser :math:`p_\theta` is invariant
    under rotations and reflections (an invariant prior pushed through equivariant steps, as EDM shows); with a
    plain one it is not (EDM's "GDM" baseline).

    Args:
        denoiser: the noise model; its parameters fix the dtype and device.
        atom_types: atomic numbers of the K type channels (QM9: H, C, N, O, F).
        schedule: a :class:`NoiseSchedule` (default EDM's ``polynomial_2`` with T = 500, precision 1e-5).
        type_factor: one-hot features are divided by this (EDM: 4).
        sizes: atom counts of the training molecules, for :math:`p(n)` (or call :meth:`set_sizes` later).
        config: a :class:`DiffusionConfig` instead of ``denoiser``, ``atom_types``, ``schedule`` and
            ``type_factor``: the model is then built from it and kept in ``model.config``, so that
            ``airtools.train.save_checkpoint`` / ``load_checkpoint`` rebuild it (the size histogram
            :math:`p(n)` is a buffer and travels with the weights).

    >>> from airtools.generative import EGNNDenoiser
    >>> model = PointCloudDiffusion(EGNNDenoiser(n_types=2, hidden=8, n_layers=1), atom_types=(1, 8),
    ...                             schedule=NoiseSchedule(T=10), sizes=[3, 3, 2])
    >>> z, pos, batch = torch.tensor([8, 1, 1]), torch.randn(3, 3), torch.zeros(3, dtype=torch.long)
    >>> model.loss(z, pos, batch, generator=torch.Generator().manual_seed(0)).shape
    torch.Size([])
    """

    def __init__(self, denoiser: nn.Module | None = None, atom_types: Sequence[int] = (1, 6, 7, 8, 9), *,
                 schedule: NoiseSchedule | None = None, type_factor: float = 4.0, sizes=None,
                 config: DiffusionConfig | None = None):
        super().__init__()
        if config is not None:
            if denoiser is not None or schedule is not None:
                raise ValueError("config: give either a DiffusionConfig or denoiser/schedule, not both")
            denoiser, atom_types, schedule, type_factor = _from_config(config)
        elif denoiser is None:
            raise ValueError("denoiser: expected a noise model (EGNNDenoiser, GNNDenoiser) or "
                             "config=DiffusionConfig(...)")
        self.config = config
        atom_types = [int(a) for a in atom_types]
        if not atom_types or len(set(atom_types)) != len(atom_types) or min(atom_types) < 1:
            raise ValueError(f"atom_types: expected distinct atomic numbers >= 1, got {atom_types}")
        if not type_factor > 0:
            raise ValueError(f"type_factor: expected a positive number, got {type_factor}")
        self.denoiser = denoiser
        self.schedule = NoiseSchedule("polynomial_2", T=500, precision=1e-5) if schedule is None else schedule
        self.type_factor = float(type_factor)
        self.register_buffer("atom_types", torch.tensor(atom_types))  # [K]
        self.register_buffer("size_counts", torch.zeros(1, dtype=torch.long))  # [max_n + 1], counts of p(n)
        if sizes is not None:
            self.set_sizes(sizes)

    @property
    def T(self) -> int:
        """Number of diffusion steps of the schedule."""
        return self.schedule.T

    @property
    def n_types(self) -> int:
        """Number of type channels K."""
        return self.atom_types.numel()

    def set_sizes(self, sizes) -> None:
        """Store :math:`p(n)`, the histogram of ``sizes``: the atom count of each training molecule
        (from a batch vector: ``torch.bincount(batch)``)."""
        sizes = torch.as_tensor(sizes).long().flatten()
        if not sizes.numel() or bool((sizes < 1).any()):
            raise ValueError(f"sizes: expected atom counts >= 1 of the training molecules, got {sizes.tolist()[:8]}")
        self.size_counts = torch.bincount(sizes).to(self.size_counts.device)

    def sample_sizes(self, n_samples: int, *, generator: torch.Generator | None = None) -> Tensor:
        r"""Draw molecule sizes :math:`n \sim p(n)` from the stored histogram: ``[n_samples]`` (long, on the CPU).

        >>> model = PointCloudDiffusion(nn.Identity(), atom_types=(1,), sizes=[4, 4, 4])
        >>> model.sample_sizes(2).tolist()
        [4, 4]
        """
        if int(self.size_counts.sum()) == 0:
            raise ValueError("sizes: no size histogram stored; pass n_atoms= to the sampler, or sizes= (the training "
                             "molecules' atom counts) to PointCloudDiffusion / set_sizes")
        p = self.size_counts.detach().cpu().double()
        return torch.multinomial(p, n_samples, replacement=True, generator=generator)

    def z_to_h(self, z: Tensor) -> Tensor:
        r"""Atomic numbers ``[n_atoms]`` -> scaled one-hot features :math:`\mathrm{onehot}/f`, ``[n_atoms, K]``.

        >>> PointCloudDiffusion(nn.Identity(), atom_types=(1, 8)).z_to_h(torch.tensor([8, 1]))
        tensor([[0.0000, 0.2500],
                [0.2500, 0.0000]])
        """
        match = z.to(self.atom_types.device)[:, None] == self.atom_types[None, :]  # [n_atoms, K]
        if not bool(match.any(dim=1).all()):
            bad = z[~match.any(dim=1).to(z.device)][0].item()
            raise ValueError(f"z: element {bad} is not one of the model's atom_types {self.atom_types.tolist()}")
        return match.to(self._dtype()) / self.type_factor

    def h_to_z(self, h: Tensor) -> Tensor:
        """Type features ``[..., K]`` -> atomic numbers ``[...]`` of the largest channel (argmax).

        >>> PointCloudDiffusion(nn.Identity(), atom_types=(1, 8)).h_to_z(torch.tensor([[0.1, 0.3], [0.2, -1.0]]))
        tensor([8, 1])
        """
        return self.atom_types.to(h.device)[h.argmax(dim=-1)]

    def q_sample(self, h: Tensor, pos: Tensor, t: Tensor, batch: Tensor, *,
                 generator: torch.Generator | None = None) -> tuple[Latent, Latent]:
        r"""Draw :math:`z_t \sim q(z_t \mid x, h)`: :math:`z_t = \alpha_t [x, h] + \sigma_t \epsilon`.

        Args:
            h: ``[n_atoms, K]`` type features (:meth:`z_to_h`).
            pos: ``[n_atoms, 3]`` positions; projected to zero CoM first.
            t: ``[n_graphs]`` integer steps 0..T (one per molecule), or continuous times in [0, 1].
            batch: ``[n_atoms]`` molecule index.

        Returns:
            ``(z_t, eps)``, two :class:`Latent`; ``eps.pos`` has zero CoM per molecule.
        """
        batch = check_batch(batch, pos.shape[0], device=pos.device)
        eps = Latent(torch.randn(h.shape, generator=generator, dtype=h.dtype,
                                 device=generator.device if generator is not None else h.device).to(h.device),
                     zero_com_noise(batch, pos.shape[1], generator=generator, dtype=pos.dtype, device=pos.device),
                     batch)
        alpha = self.schedule.alpha(t).to(pos.dtype)[batch][:, None]  # [n_atoms, 1]
        sigma = self.schedule.sigma(t).to(pos.dtype)[batch][:, None]
        z_t = Latent(alpha * h + sigma * eps.h, alpha * remove_mean(pos, batch) + sigma * eps.pos, batch)
        return z_t, eps

    def predict_eps(self, z_t: Latent, t: Tensor) -> Latent:
        r""":math:`\hat\epsilon_\theta(z_t, t)`: the denoiser at continuous time ``t/T``, positions projected to 0 CoM.

        ``t``: ``[n_graphs]`` integer steps or continuous times, or one value for all molecules.
        """
        t = torch.as_tensor(t, device=z_t.pos.device)
        t = t.to(z_t.pos.dtype) / self.T if not t.is_floating_point() else t.to(z_t.pos.dtype)
        t = t.expand(num_graphs(z_t.batch)) if t.dim() == 0 else t  # [n_graphs]
        eps_h, eps_pos = self.denoiser(z_t.h, z_t.pos, t, z_t.batch)
        return Latent(eps_h, remove_mean(eps_pos, z_t.batch), z_t.batch)

    def loss(self, z: Tensor, pos: Tensor, batch: Tensor | None = None, *,
             generator: torch.Generator | None = None) -> Tensor:
        r"""EDM's "L2 simple" training loss on a batch (scalar); one random step :math:`t \sim U\{0..T\}` per molecule.

        Args:
            z: ``[n_atoms]`` atomic numbers (each one of ``atom_types``).
            pos: ``[n_atoms, 3]`` positions (any centre; projected to zero CoM).
            batch: ``[n_atoms]`` molecule index (``collate_molecules``' ``batch``), or ``None`` for one molecule.
            generator: makes the steps and noises reproducible.
        """
        batch = check_batch(batch, pos.shape[0], device=pos.device)
        n_graphs = num_graphs(batch)
        t = torch.randint(0, self.T + 1, (n_graphs,), generator=generator,
                          device=generator.device if generator is not None else pos.device).to(pos.device)
        z_t, eps = self.q_sample(self.z_to_h(z).to(pos.device, pos.dtype), pos, t, batch, generator=generator)
        eps_hat = self.predict_eps(z_t, t)
        err = ((eps.h - eps_hat.h) ** 2).sum(-1) + ((eps.pos - eps_hat.pos) ** 2).sum(-1)  # [n_atoms]
        per_molecule = torch.zeros(n_graphs, dtype=err.dtype, device=err.device).index_add(0, batch, err)
        n_atoms = torch.bincount(batch, minlength=n_graphs).to(err.dtype)
        return (per_molecule / ((pos.shape[1] + self.n_types) * n_atoms)).mean()

    def prior(self, n_atoms, *, generator: torch.Generator | None = None, device=None, dtype=None) -> Latent:
        r"""Draw :math:`z_T \sim \mathcal N_X(0, I) \times \mathcal N(0, I)` for molecules of the given sizes.

        Args:
            n_atoms: a list of atom counts, one per molecule.
            generator: for reproducible noise (drawn on its device, then moved to ``device``).
            device, dtype: default the denoiser's.

        >>> model = PointCloudDiffusion(nn.Linear(1, 1), atom_types=(1, 8))
        >>> z_T = model.prior([3, 2], generator=torch.Generator().manual_seed(0))
        >>> z_T.h.shape, z_T.pos.shape, z_T.batch.tolist()
        (torch.Size([5, 2]), torch.Size([5, 3]), [0, 0, 0, 1, 1])
        """
        sizes = torch.as_tensor(n_atoms).long().flatten()
        if not sizes.numel() or bool((sizes < 1).any()):
            raise ValueError(f"n_atoms: expected a list of atom counts >= 1, one per molecule, "
                             f"got {sizes.tolist()[:8]}")
        device = self._device() if device is None else torch.device(device)
        dtype = self._dtype() if dtype is None else dtype
        batch = torch.repeat_interleave(torch.arange(sizes.numel()), sizes).to(device)
        h = torch.randn(batch.shape[0], self.n_types, generator=generator, dtype=dtype,
                        device=generator.device if generator is not None else device).to(device)
        return Latent(h, zero_com_noise(batch, 3, generator=generator, dtype=dtype, device=device), batch)

    def _load_from_state_dict(self, state_dict, prefix, *args, **kwargs):
        key = prefix + "size_counts"  # p(n) of a trained model may cover more sizes than a new model's
        if key in state_dict:
            self.size_counts = torch.zeros_like(state_dict[key], device=self.size_counts.device)
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)

    def _dtype(self) -> torch.dtype:
        return next((p.dtype for p in self.denoiser.parameters() if p.is_floating_point()), torch.get_default_dtype())

    def _device(self) -> torch.device:
        return self.atom_types.device


def _from_config(config: DiffusionConfig):
    """(denoiser, atom_types, schedule, type_factor) built from a :class:`DiffusionConfig`."""
    if config.denoiser not in DENOISERS:
        raise ValueError(f"config.denoiser: expected one of {sorted(DENOISERS)}, got {config.denoiser!r}")
    n_types = len(config.atom_types)
    denoiser = DENOISERS[config.denoiser](n_types, hidden=config.hidden, n_layers=config.n_layers)
    schedule = NoiseSchedule(config.schedule, T=config.T, precision=config.precision)
    return denoiser, config.atom_types, schedule, config.type_factor
