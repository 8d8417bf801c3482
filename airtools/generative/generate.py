r"""One call for what a page or a lesson shows of a generator: sample with a trajectory, score every frame and
every molecule, and check that rotated noise gives the rotated molecule; crystals sampled with a trajectory.

:func:`generate` draws the initial noise :math:`z_T` itself (so it can be rotated later), samples with the
ancestral or the DDIM sampler, and returns a :class:`Generation`: the samples and their trajectory, the
stability and validity of the batch at every frame (:func:`~.metrics.trajectory_metrics`), and SMILES
(``None`` when invalid) and stability of each molecule. :func:`rotated_noise` runs the deterministic sampler
from :math:`z_T` and from :math:`R z_T` in float64 and measures :math:`\max_i |f(R z_T)_i - R f(z_T)_i|`.
"""
import copy
import time
from dataclasses import dataclass

import numpy as np
import torch

from .bonds import molecule_stability
from .crystal_diffusion import CrystalDiffusion, CrystalSamples, sample_crystals
from .diffusion import Latent, PointCloudDiffusion
from .metrics import molecule_metrics, to_smiles, trajectory_metrics
from .samplers import Samples, sample_ancestral, sample_ddim

SAMPLERS = ("ancestral", "ddim")


@dataclass
class Generation:
    """What :func:`generate` returns.

    ``samples``: :class:`~.samplers.Samples` with its trajectory; ``noise``: the initial :class:`Latent`
    :math:`z_T`; ``frames``: :func:`~.metrics.trajectory_metrics` of the batch; ``smiles``, ``stable``: one per
    molecule; ``metrics``: :func:`~.metrics.molecule_metrics` of the batch; ``seconds``: sampling time.
    """

    samples: Samples
    noise: Latent
    frames: dict
    smiles: list
    stable: list
    metrics: dict
    seconds: float

    def molecule(self, k: int, frame: int = -1) -> tuple[np.ndarray, np.ndarray]:
        """``(z [n_k], pos [n_k, 3])`` of molecule ``k`` at trajectory frame ``frame`` (default: the sample)."""
        n = int(self.samples.batch.max()) + 1
        if not 0 <= k < n:
            raise ValueError(f"k: expected a molecule index in 0..{n - 1}, got {k}")
        traj = self.samples.trajectory
        if not -traj.pos.shape[0] <= frame < traj.pos.shape[0]:
            raise ValueError(f"frame: expected 0..{traj.pos.shape[0] - 1} (0 is the noise), got {frame}")
        atoms = self.samples.batch.cpu() == k
        return traj.z[frame][atoms].cpu().numpy(), traj.pos[frame][atoms].detach().cpu().double().numpy()


def generate(model: PointCloudDiffusion, n_samples: int, *, sampler: str = "ancestral", n_steps: int = 50,
             seed: int = 0, n_atoms=None, training_smiles=None, every: int = 1, callback=None) -> Generation:
    """Sample ``n_samples`` molecules with a trajectory and score them, frame by frame and molecule by molecule.

    Args:
        model: a trained :class:`~.diffusion.PointCloudDiffusion`.
        sampler: ``"ancestral"`` (T steps) or ``"ddim"`` (``n_steps``).
        seed: seeds the sizes, the initial noise and the ancestral sampler's noise.
        n_atoms: as for the samplers (default: sizes drawn from the training sizes).
        training_smiles: for novelty (else novelty is ``None``).
        every: score every ``every``-th frame (the last one always).
        callback: ``callback(k, n)`` after each sampler step.

    >>> from airtools.generative import EGNNDenoiser, NoiseSchedule
    >>> model = PointCloudDiffusion(EGNNDenoiser(n_types=2, hidden=8, n_layers=1), atom_types=(1, 8),
    ...                             schedule=NoiseSchedule(T=10), sizes=[3])
    >>> out = generate(model, 2, seed=0)
    >>> len(out.smiles), out.frames["t"][[0, -1]].tolist(), out.molecule(1)[1].shape
    (2, [1.0, 0.0], (3, 3))
    """
    if sampler not in SAMPLERS:
        raise ValueError(f"sampler: expected one of {SAMPLERS}, got {sampler!r}")
    if not (isinstance(n_samples, int) and 1 <= n_samples <= 1000):
        raise ValueError(f"n_samples: expected 1..1000 molecules, got {n_samples!r}")
    generator = torch.Generator().manual_seed(int(seed))
    sizes = model.sample_sizes(n_samples, generator=generator).tolist() if n_atoms is None else (
        [int(n_atoms)] * n_samples if isinstance(n_atoms, int) else list(n_atoms))
    noise = model.prior(sizes, generator=generator)
    start = time.perf_counter()
    if sampler == "ancestral":
        samples = sample_ancestral(model, noise=noise, generator=generator, return_trajectory=True, callback=callback)
    else:
        samples = sample_ddim(model, noise=noise, n_steps=n_steps, return_trajectory=True, callback=callback)
    seconds = time.perf_counter() - start
    molecules = samples.molecules()
    return Generation(samples, noise, trajectory_metrics(samples.trajectory, samples.batch, every=every),
                      [to_smiles(z, p) for z, p in molecules], [molecule_stability(z, p) for z, p in molecules],
                      molecule_metrics(molecules, training_smiles), seconds)


def rotated_noise(model: PointCloudDiffusion, noise: Latent, R, *, n_steps: int = 50, callback=None) -> dict:
    r"""The deterministic sampler from ``noise`` and from the rotated noise (positions :math:`R z_T`, types as
    they are), in float64 on a copy of ``model``.

    Returns:
        ``{"pos": f(z) [n, 3], "rotated": f(Rz) [n, 3], "expected": R f(z) [n, 3], "z": elements [n],
        "z_rotated": [n], "error": max_i |f(Rz)_i - R f(z)_i| in Å}`` (numpy; for an equivariant denoiser the
        error is float64 round-off).

    >>> from airtools.generative import EGNNDenoiser, NoiseSchedule
    >>> model = PointCloudDiffusion(EGNNDenoiser(n_types=2, hidden=8, n_layers=1), atom_types=(1, 8),
    ...                             schedule=NoiseSchedule(T=10))
    >>> R = torch.tensor([[0.0, -1, 0], [1, 0, 0], [0, 0, 1]])
    >>> noise = model.prior([4], generator=torch.Generator().manual_seed(0))
    >>> rotated_noise(model, noise, R, n_steps=10)["error"] < 1e-10
    True
    """
    R = torch.as_tensor(R, dtype=torch.float64)
    if R.shape != (3, 3) or not torch.allclose(R @ R.T, torch.eye(3, dtype=torch.float64), atol=1e-8):
        raise ValueError(f"R: expected a 3 x 3 orthogonal matrix, got shape {list(R.shape)}")
    model64 = copy.deepcopy(model).double()
    device = model64.atom_types.device
    noise = Latent(noise.h.to(device, torch.float64), noise.pos.to(device, torch.float64), noise.batch.to(device))
    R = R.to(device)
    half = None if callback is None else (lambda k, n: callback(k, 2 * n))
    a = sample_ddim(model64, noise=noise, n_steps=n_steps, callback=half)
    second = None if callback is None else (lambda k, n: callback(n + k, 2 * n))
    b = sample_ddim(model64, noise=noise._replace(pos=noise.pos @ R.T), n_steps=n_steps, callback=second)
    expected = a.pos @ R.T
    return {"pos": a.pos.cpu().numpy(), "rotated": b.pos.cpu().numpy(), "expected": expected.cpu().numpy(),
            "z": a.z.cpu().numpy(), "z_rotated": b.z.cpu().numpy(),
            "error": float((b.pos - expected).abs().max())}


@dataclass
class CrystalGeneration:
    """What :func:`generate_crystals` returns: ``samples`` (:class:`~.crystal_diffusion.CrystalSamples` with its
    trajectory), the ``composition`` (atomic numbers of one cell), the ``seed`` and the sampling ``seconds``."""

    samples: CrystalSamples
    composition: list
    seed: int
    seconds: float

    @property
    def n_frames(self) -> int:
        return self.samples.trajectory.t.shape[0]

    def crystal(self, k: int, frame: int = -1):
        """Crystal ``k`` at trajectory frame ``frame`` (default: the sample) as a periodic ``ase.Atoms``."""
        n = len(self.samples.cell)
        if not 0 <= k < n:
            raise ValueError(f"k: expected a crystal index in 0..{n - 1}, got {k}")
        return self.samples.to_atoms(frame)[k]

    def corners(self, k: int, repeat=(1, 1, 1)) -> np.ndarray:
        """``[n_frames * 8, 3]`` the corners of the ``repeat`` block of cells of crystal ``k`` in every frame (Å):
        a 3-D scene that holds them all stays put while the lattice changes."""
        box = np.array([[i, j, l] for i in (0, repeat[0]) for j in (0, repeat[1]) for l in (0, repeat[2])], float)
        cells = self.samples.trajectory.cell[:, k].detach().cpu().double().numpy()  # [n_frames, 3, 3]
        return (box @ cells).reshape(-1, 3)


def generate_crystals(model: CrystalDiffusion, composition, n_samples: int, *, seed: int = 0,
                      callback=None) -> CrystalGeneration:
    """Sample ``n_samples`` crystals of one composition with their trajectories (T + 2 frames each).

    Args:
        model: a trained :class:`~.crystal_diffusion.CrystalDiffusion`.
        composition: the atomic numbers of one cell, e.g. ``[29, 29, 29, 79]`` (1 to 64 atoms).
        seed: seeds the initial noise and every noise of the sampler: the same seed gives the same crystals
            as ``sample_crystals(model, [composition] * n_samples, generator=torch.Generator().manual_seed(seed))``.
        callback: ``callback(k, T)`` after each reverse step.

    >>> from airtools.generative import CrystalConfig
    >>> model = CrystalDiffusion(CrystalConfig(hidden=8, n_layers=1, T=10))
    >>> out = generate_crystals(model, [29, 29, 79], 2, seed=0)
    >>> out.n_frames, len(out.crystal(1, frame=0)), out.samples.trajectory.cell.shape
    (12, 3, torch.Size([12, 2, 3, 3]))
    """
    composition = [int(z) for z in np.asarray(composition).reshape(-1)]
    if not 1 <= len(composition) <= 64 or not all(1 <= z <= model.config.max_z for z in composition):
        raise ValueError(f"composition: expected 1 to 64 atomic numbers from 1 to {model.config.max_z}, "
                         f"got {composition[:8]}{'...' if len(composition) > 8 else ''}")
    if not (isinstance(n_samples, int) and 1 <= n_samples <= 1000):
        raise ValueError(f"n_samples: expected 1..1000 crystals, got {n_samples!r}")
    start = time.perf_counter()
    samples = sample_crystals(model, [composition] * n_samples, generator=torch.Generator().manual_seed(int(seed)),
                              return_trajectory=True, callback=callback)
    return CrystalGeneration(samples, composition, int(seed), time.perf_counter() - start)
