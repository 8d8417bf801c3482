r"""Sampling: the ancestral sampler of EDM and the deterministic DDIM sampler, with their trajectories.

Both start from :math:`z_T \sim \mathcal N_X(0, I) \times \mathcal N(0, I)` (or from a given ``noise``) and
use the predicted clean state :math:`\hat x_0 = (z_t - \sigma_t \hat\epsilon) / \alpha_t`.

**Ancestral** (EDM, DDPM), one step t -> s = t - 1 at a time:

.. math:: z_s = \frac{z_t}{\alpha_{t|s}} - \frac{\sigma^2_{t|s}}{\alpha_{t|s}\sigma_t}\hat\epsilon
          + \frac{\sigma_{t|s}\sigma_s}{\sigma_t}\,\epsilon', \qquad \epsilon' \sim \mathcal N_X(0, I)

**DDIM** with :math:`\eta = 0` (Song, Meng, Ermon, ICLR 2021), on a grid of ``n_steps`` < T steps:

.. math:: z_s = \alpha_s \hat x_0 + \sigma_s \hat\epsilon

a deterministic map :math:`z_T \mapsto x` (a discretised probability-flow ODE). With an equivariant denoiser
every step commutes with rotations, so rotating the noise rotates the sample: :math:`f(R z_T) = R f(z_T)`,
exact up to round-off.

Both samplers end with EDM's :math:`p(x, h \mid z_0)`: positions :math:`\hat x_0` (plus noise of scale
:math:`\sigma_0/\alpha_0` for the ancestral sampler), types the argmax of :math:`z^h_0`. Positions are
projected to zero CoM after every step, as in EDM.
"""
from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor
from tqdm.auto import tqdm

from .diffusion import Latent, PointCloudDiffusion
from .subspace import remove_mean, zero_com_noise


@dataclass
class Trajectory:
    """The states visited by a sampler, for plots and a slider over diffusion time (first frame: the noise).

    ``t: [n_frames]`` continuous time (1 -> 0), ``pos: [n_frames, n_atoms, 3]`` positions of :math:`z_t`,
    ``h: [n_frames, n_atoms, K]`` type features of :math:`z_t`, ``z: [n_frames, n_atoms]`` their argmax as
    atomic numbers. The last frame is the returned sample (t = 0).
    """

    t: Tensor
    pos: Tensor
    h: Tensor
    z: Tensor


@dataclass
class Samples:
    """Generated molecules in airtools' batch convention.

    ``z: [n_atoms]`` atomic numbers, ``pos: [n_atoms, 3]`` positions (zero CoM per molecule),
    ``batch: [n_atoms]`` molecule index, ``trajectory``: a :class:`Trajectory` or ``None``.
    """

    z: Tensor
    pos: Tensor
    batch: Tensor
    trajectory: Trajectory | None = None

    def molecules(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """One ``(z [n_i], pos [n_i, 3])`` pair of numpy arrays per molecule (the input of :mod:`.metrics`)."""
        sizes = torch.bincount(self.batch).tolist()
        zs, ps = self.z.cpu().split(sizes), self.pos.detach().cpu().split(sizes)
        return [(z.numpy(), p.numpy()) for z, p in zip(zs, ps)]


@torch.no_grad()
def sample_ancestral(model: PointCloudDiffusion, n_samples: int | None = None, *, n_atoms=None,
                     noise: Latent | None = None, generator: torch.Generator | None = None, device=None,
                     return_trajectory: bool = False, progress: bool = False, callback=None) -> Samples:
    r"""Sample with EDM's ancestral sampler, T steps :math:`p(z_{t-1} \mid z_t)`, then :math:`p(x, h \mid z_0)`.

    Args:
        model: a trained :class:`PointCloudDiffusion`.
        n_samples: number of molecules (not needed when ``n_atoms`` is a list or ``noise`` is given).
        n_atoms: an int (all molecules that size), a list (one per molecule), or ``None``: drawn from the
            training sizes :math:`p(n)` stored in the model.
        noise: the initial :math:`z_T` (a :class:`Latent`, e.g. from ``model.prior``); fixes the sizes.
        generator: makes sizes and every noise reproducible.
        device: where to sample (default: the model's device; the dtype is the model's, e.g. ``model.double()``).
        return_trajectory: keep every state (T + 2 frames).
        progress: show a progress bar.
        callback: called as ``callback(k, n)`` after step k of n (k = 1..n), e.g. to move a dashboard's
            progress bar from the thread that samples.

    Returns:
        :class:`Samples`.

    >>> from airtools.generative import EGNNDenoiser, NoiseSchedule
    >>> model = PointCloudDiffusion(EGNNDenoiser(n_types=2, hidden=8, n_layers=1), atom_types=(1, 8),
    ...                             schedule=NoiseSchedule(T=20))
    >>> out = sample_ancestral(model, n_atoms=[3, 2], generator=torch.Generator().manual_seed(0),
    ...                        return_trajectory=True)
    >>> out.pos.shape, out.batch.tolist(), out.trajectory.pos.shape
    (torch.Size([5, 3]), [0, 0, 0, 1, 1], torch.Size([22, 5, 3]))
    """
    z = _initial(model, n_samples, n_atoms, noise, generator, device)
    frames = _Frames(model, return_trajectory)
    frames.add(1.0, z)
    for k, s in enumerate(tqdm(range(model.T - 1, -1, -1), desc="sampling", disable=not progress), 1):
        t = s + 1
        eps = model.predict_eps(z, t)
        alpha_ts, sigma2_ts = (v.to(z.pos.dtype) for v in model.schedule.transition(s, t))
        sigma_s, sigma_t = (model.schedule.sigma(u).to(z.pos.dtype) for u in (s, t))
        std = sigma2_ts.sqrt() * sigma_s / sigma_t
        noise_h, noise_pos = _noise_like(z, generator)
        z = Latent(z.h / alpha_ts - sigma2_ts / (alpha_ts * sigma_t) * eps.h + std * noise_h,
                   remove_mean(z.pos / alpha_ts - sigma2_ts / (alpha_ts * sigma_t) * eps.pos + std * noise_pos,
                               z.batch),
                   z.batch)
        frames.add(s / model.T, z)
        if callback is not None:
            callback(k, model.T)
    x0 = _predict_x0(model, z, 0)
    alpha_0, sigma_0 = model.schedule.alpha(0).to(z.pos.dtype), model.schedule.sigma(0).to(z.pos.dtype)
    pos = remove_mean(x0.pos + sigma_0 / alpha_0 * _noise_like(z, generator)[1], z.batch)
    return frames.finish(Latent(z.h, pos, z.batch))


@torch.no_grad()
def sample_ddim(model: PointCloudDiffusion, n_samples: int | None = None, *, n_atoms=None,
                noise: Latent | None = None, n_steps: int = 50, generator: torch.Generator | None = None, device=None,
                return_trajectory: bool = False, progress: bool = False, callback=None) -> Samples:
    r"""Sample deterministically with DDIM (:math:`\eta = 0`): the same ``noise`` always gives the same sample.

    The steps are the integer times ``round(linspace(T, 0, n_steps + 1))``. With an equivariant denoiser,
    ``noise._replace(pos=noise.pos @ R.T)`` gives the sample rotated by R (to float64 round-off).

    Args:
        model, n_samples, n_atoms, generator, device, progress, callback: as in :func:`sample_ancestral`
            (the generator only draws the sizes and the noise).
        noise: the initial :math:`z_T` (:class:`Latent`); its positions are projected to zero CoM (a translated
            noise gives the same, centred sample).
        n_steps: number of denoiser calls (1..T).
        return_trajectory: keep the ``n_steps + 2`` states (noise, each step, the sample).

    >>> from airtools.generative import EGNNDenoiser, NoiseSchedule
    >>> model = PointCloudDiffusion(EGNNDenoiser(n_types=2, hidden=8, n_layers=1), atom_types=(1, 8),
    ...                             schedule=NoiseSchedule(T=100))
    >>> noise = model.prior([4], generator=torch.Generator().manual_seed(0))
    >>> a, b = sample_ddim(model, noise=noise, n_steps=10), sample_ddim(model, noise=noise, n_steps=10)
    >>> torch.equal(a.pos, b.pos)
    True
    """
    if not (isinstance(n_steps, int) and 1 <= n_steps <= model.T):
        raise ValueError(f"n_steps: expected an int in 1..{model.T} (the schedule's T), got {n_steps!r}")
    z = _initial(model, n_samples, n_atoms, noise, generator, device)
    frames = _Frames(model, return_trajectory)
    frames.add(1.0, z)
    times = np.round(np.linspace(model.T, 0, n_steps + 1)).astype(int).tolist()
    for k, (t, s) in enumerate(tqdm(list(zip(times[:-1], times[1:])), desc="sampling", disable=not progress), 1):
        x0, eps = _predict_x0(model, z, t, return_eps=True)
        alpha_s, sigma_s = model.schedule.alpha(s).to(z.pos.dtype), model.schedule.sigma(s).to(z.pos.dtype)
        z = Latent(alpha_s * x0.h + sigma_s * eps.h, remove_mean(alpha_s * x0.pos + sigma_s * eps.pos, z.batch),
                   z.batch)
        frames.add(s / model.T, z)
        if callback is not None:
            callback(k, n_steps)
    return frames.finish(Latent(z.h, remove_mean(_predict_x0(model, z, 0).pos, z.batch), z.batch))


def _predict_x0(model, z: Latent, t: int, return_eps: bool = False):
    r""":math:`\hat x_0 = (z_t - \sigma_t \hat\epsilon) / \alpha_t`, as a :class:`Latent` (and :math:`\hat\epsilon`)."""
    eps = model.predict_eps(z, t)
    alpha, sigma = model.schedule.alpha(t).to(z.pos.dtype), model.schedule.sigma(t).to(z.pos.dtype)
    x0 = Latent((z.h - sigma * eps.h) / alpha, (z.pos - sigma * eps.pos) / alpha, z.batch)
    return (x0, eps) if return_eps else x0


def _initial(model, n_samples, n_atoms, noise, generator, device) -> Latent:
    """The starting state z_T: the given noise (checked, projected) or a fresh draw from the prior."""
    if noise is not None:
        if n_atoms is not None or n_samples is not None:
            raise ValueError("noise: given together with n_samples/n_atoms; the noise already fixes the molecules")
        h, pos, batch = noise
        if h.shape != (pos.shape[0], model.n_types) or pos.shape[-1] != 3 or batch.shape != pos.shape[:1]:
            raise ValueError(f"noise: expected h [n_atoms, {model.n_types}], pos [n_atoms, 3], batch [n_atoms], got "
                             f"{list(h.shape)}, {list(pos.shape)}, {list(batch.shape)}")
        device = pos.device if device is None else device
        dtype = model._dtype()
        pos, h, batch = pos.to(device, dtype), h.to(device, dtype), batch.to(device)
        return Latent(h, remove_mean(pos, batch), batch)
    if n_atoms is None:
        if n_samples is None:
            raise ValueError("n_samples: say how many molecules to sample (or pass n_atoms as a list, or noise)")
        n_atoms = model.sample_sizes(n_samples, generator=generator).tolist()
    elif isinstance(n_atoms, int):
        if n_samples is None:
            raise ValueError("n_samples: needed when n_atoms is one int (or pass a list of sizes, one per molecule)")
        n_atoms = [n_atoms] * n_samples
    elif n_samples is not None and len(n_atoms) != n_samples:
        raise ValueError(f"n_atoms: got {len(n_atoms)} sizes for n_samples={n_samples}")
    return model.prior(list(n_atoms), generator=generator, device=device)


def _noise_like(z: Latent, generator) -> tuple[Tensor, Tensor]:
    """Fresh noise for one step: standard normal types, zero-CoM positions (drawn on the generator's device)."""
    h = torch.randn(z.h.shape, generator=generator, dtype=z.h.dtype,
                    device=generator.device if generator is not None else z.h.device).to(z.h.device)
    return h, zero_com_noise(z.batch, 3, generator=generator, dtype=z.pos.dtype, device=z.pos.device)


class _Frames:
    """Collects (t, z_t) for a :class:`Trajectory` when asked to, and builds the :class:`Samples`."""

    def __init__(self, model, keep: bool):
        self.model, self.keep, self.frames = model, keep, []

    def add(self, t: float, z: Latent):
        if self.keep:
            self.frames.append((t, z.pos.clone(), z.h.clone()))

    def finish(self, z: Latent) -> Samples:
        traj = None
        if self.keep:
            self.add(0.0, z)
            h = torch.stack([f[2] for f in self.frames])  # [n_frames, n_atoms, K]
            traj = Trajectory(torch.tensor([f[0] for f in self.frames], dtype=torch.float64),
                              torch.stack([f[1] for f in self.frames]), h, self.model.h_to_z(h))
        return Samples(self.model.h_to_z(z.h), z.pos, z.batch, traj)
