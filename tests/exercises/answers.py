"""A right answer for every checker in ``airtools.exercises``, written as a learner who got it right would:
``RIGHT[name]`` is the argument that makes ``checker(RIGHT[name])`` pass. The tests of each module and the
convention test over ``__all__`` share them."""
import math

import numpy as np
import torch

from airtools import default_device
from airtools.data import backbone_frames, dihedral
from airtools.generative import NoiseSchedule
from airtools.so3 import clebsch_gordan, spherical_harmonics, wigner_D


def sorted_distances(pos):
    return torch.pdist(pos).sort().values


def centred(pos):
    return pos - pos.mean(0)


def hydrogen_local_energy(r, alpha):
    return -alpha**2 / 2 + (alpha - 1) / r


def density(ao, P):
    return np.einsum("gm,mn,gn->g", ao, P, ao)


def fd_laplacian(u, dx):
    return (np.roll(u, 1) - 2 * u + np.roll(u, -1)) / dx**2


def local_direction(X, edge_index):
    """Where residue j's CA sits in residue i's backbone frame: ``[E, 3]``, invariant under rigid motions."""
    R, t = backbone_frames(X)
    j, i = edge_index
    return np.einsum("eab,ea->eb", R[i], t[j] - t[i])


def sequence_recovery(logits, y):
    """Fraction of the residues not labelled -100 whose most likely amino acid is the native one."""
    labelled = y != -100
    return float((logits.argmax(-1)[labelled] == y[labelled]).double().mean())


def wrap_positions(pos, cell):
    frac = pos @ torch.linalg.inv(cell)
    return (frac - torch.floor(frac)) @ cell


def images_per_axis(cell, r_cut):
    heights = 1.0 / torch.linalg.inv(cell).norm(dim=0)
    return torch.ceil(r_cut / heights).long()


def interaction_energy(energy, z, pos, part):
    a, b = part == 0, part == 1
    return energy(z, pos) - energy(z[a], pos[a]) - energy(z[b], pos[b])


def spectral_conv(x, weight):
    n = x.shape[-1]
    modes = min(weight.shape[-1], n // 2 + 1)
    x_ft = torch.fft.rfft(x)
    out_ft = torch.zeros(x.shape[0], weight.shape[1], n // 2 + 1, dtype=x_ft.dtype)
    out_ft[..., :modes] = torch.einsum("bik,iok->bok", x_ft[..., :modes], weight[..., :modes])
    return torch.fft.irfft(out_ft, n=n)


def relative_l2_per_sample(pred, target):
    diff = (pred - target).flatten(1)
    return (diff.norm(dim=1) / target.flatten(1).norm(dim=1)).mean()


def advection_diffusion_residual(model, x, t, c, nu):
    x, t = x.requires_grad_(True), t.requires_grad_(True)
    u = model(x, t)
    u_x, u_t = torch.autograd.grad(u.sum(), (x, t), create_graph=True)
    (u_xx,) = torch.autograd.grad(u_x.sum(), x, create_graph=True)
    return u_t + c * u_x - nu * u_xx


def rotation_average(model):
    """The group average of ``model`` over the four rotations by 90°: equivariant for any ``model``."""
    def averaged(a):
        return sum(torch.rot90(model(torch.rot90(a, k, dims=(1, 2))), -k, dims=(1, 2)) for k in range(4)) / 4
    return averaged


def shift_right(a):
    """A plain, non-equivariant operator on ``[batch, n, n, c]``: a shift and a smooth nonlinearity."""
    return torch.tanh(a + 0.5 * torch.roll(a, 1, dims=1))


def forward_noising(x, t, eps):
    """The forward process of lesson 21's schedule (``NOISE_SCHEDULE``)."""
    return NOISE_SCHEDULE.alpha(t) * x + NOISE_SCHEDULE.sigma(t) * eps


NOISE_SCHEDULE = NoiseSchedule("polynomial_2", T=100)


def zero_com(pos, batch):
    n = int(batch.max()) + 1
    total = torch.zeros(n, pos.shape[1], dtype=pos.dtype).index_add(0, batch, pos)
    count = torch.bincount(batch, minlength=n).to(pos.dtype)[:, None]
    return pos - (total / count)[batch]


def kabsch(P, Q):
    P, Q = P - P.mean(0), Q - Q.mean(0)
    U, _, Vt = np.linalg.svd(P.T @ Q)
    d = np.sign(np.linalg.det(Vt.T @ U.T))
    R = Vt.T @ np.diag([1.0, 1.0, d]) @ U.T
    return float(np.sqrt(((P @ R.T - Q) ** 2).sum(-1).mean()))


def coverage_and_matching(rmsd, delta):
    closest = rmsd.min(axis=1)  # each reference conformer: its closest generated one
    return float((closest <= delta).mean()), float(closest.mean())


def integrated_gradients(f, x, baseline, steps):
    """Right Riemann sum of the gradients along the straight path, times (x - baseline)."""
    total = torch.zeros_like(x)
    for k in range(1, steps + 1):
        point = (baseline + k / steps * (x - baseline)).requires_grad_(True)
        (grad,) = torch.autograd.grad(f(point), point)
        total += grad
    return (x - baseline) * total / steps


def spearman(a, b):
    """Pearson correlation of average ranks (ties share their mean rank)."""
    from scipy.stats import rankdata
    return float(np.corrcoef(rankdata(a), rankdata(b))[0, 1])


def rotate_batch(pos, batch, R):
    return torch.einsum("nij,nj->ni", R[batch], pos)


def nearest_distance(train, query):
    return np.sqrt(((query[:, None, :] - train[None, :, :]) ** 2).sum(-1)).min(axis=1)


def conformal_quantile(scores, alpha):
    k = math.ceil((len(scores) + 1) * (1 - alpha))
    return math.inf if k > len(scores) else float(np.sort(scores)[k - 1])


def next_token_loss(logits, tokens, pad_id):
    V = logits.shape[-1]
    return torch.nn.functional.cross_entropy(logits[:, :-1].reshape(-1, V), tokens[:, 1:].reshape(-1),
                                             ignore_index=pad_id)


def wrapped_score(d, sigma):
    k = torch.arange(-6, 7, dtype=d.dtype)
    y = d[:, None] + k                                                    # [n, images]
    w = torch.softmax(-(y**2) / (2 * sigma**2), dim=1)
    return -(w * y).sum(1) / sigma**2


def docking_rmsd(pos, ref, symmetries):
    return min(float(np.sqrt(((pos[p] - ref) ** 2).sum(-1).mean())) for p in symmetries)


RIGHT = {  # checker name -> its one argument, right
    "check_invariant": sorted_distances,
    "check_equivariant_vector": centred,
    "check_rotation_matrix": [[math.cos(0.3), -math.sin(0.3), 0], [math.sin(0.3), math.cos(0.3), 0], [0, 0, 1]],
    "check_wigner_D": wigner_D,
    "check_spherical_harmonics": spherical_harmonics,
    "check_clebsch_gordan": clebsch_gordan,
    "check_device": default_device(),
    "check_hydrogen_local_energy": hydrogen_local_energy,
    "check_density_from_dm": density,
    "check_dihedral": dihedral,
    "check_invariant_edge_feature": local_direction,
    "check_sequence_recovery": sequence_recovery,
    "check_wrap_positions": wrap_positions,
    "check_images_per_axis": images_per_axis,
    "check_interaction_energy": interaction_energy,
    "check_fd_laplacian": fd_laplacian,
    "check_spectral_conv": spectral_conv,
    "check_relative_l2": relative_l2_per_sample,
    "check_advection_diffusion_residual": advection_diffusion_residual,
    "check_rotation_equivariant_operator": rotation_average(shift_right),
    "check_forward_noising": forward_noising,
    "check_zero_com": zero_com,
    "check_kabsch_rmsd": kabsch,
    "check_coverage_matching": coverage_and_matching,
    "check_integrated_gradients": integrated_gradients,
    "check_rank_correlation": spearman,
    "check_rotate_batch": rotate_batch,
    "check_ood_score": nearest_distance,
    "check_conformal_quantile": conformal_quantile,
    "check_next_token_loss": next_token_loss,
    "check_wrapped_normal_score": wrapped_score,
    "check_docking_rmsd": docking_rmsd,
}
