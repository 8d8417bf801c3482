r"""A latitude-longitude grid on the unit sphere, for plotting functions such as :math:`Y^l_m`."""
import torch

from ._rotations import FLOAT_DTYPES


def sphere_grid(n_theta: int = 50, n_phi: int = 100, *, dtype=None, device=None) -> tuple:
    r"""Polar and azimuthal angles (endpoints included, so a surface closes) and the points they give.

    .. math:: x = (\sin\theta \cos\phi,\ \sin\theta \sin\phi,\ \cos\theta), \quad
              \theta \in [0, \pi],\ \phi \in [0, 2\pi]

    The textbook z-up convention (e3nn's own ``s2_grid`` is y-up and leaves out the poles).

    Args:
        n_theta: number of polar angles, ``>= 2``.
        n_phi: number of azimuthal angles, ``>= 2``.
        dtype, device: of the tensors (default: torch's defaults).

    Returns:
        ``(theta [n_theta], phi [n_phi], xyz [n_theta, n_phi, 3])``.

    >>> theta, phi, xyz = sphere_grid(3, 5)
    >>> xyz.shape, xyz[0, 0], torch.allclose(xyz.norm(dim=-1), torch.ones(3, 5))
    (torch.Size([3, 5, 3]), tensor([0., 0., 1.]), True)
    """
    for name, n in (("n_theta", n_theta), ("n_phi", n_phi)):
        if isinstance(n, bool) or not isinstance(n, int) or n < 2:
            raise ValueError(f"{name}: expected an int >= 2, got {n!r}")
    dtype = dtype or torch.get_default_dtype()
    if dtype not in FLOAT_DTYPES:
        raise ValueError(f"dtype: expected torch.float32 or torch.float64, got {dtype}")
    theta = torch.linspace(0, torch.pi, n_theta, dtype=dtype, device=device)
    phi = torch.linspace(0, 2 * torch.pi, n_phi, dtype=dtype, device=device)
    t, p = theta[:, None], phi[None, :]  # [n_theta, 1], [1, n_phi]
    xyz = torch.stack(torch.broadcast_tensors(t.sin() * p.cos(), t.sin() * p.sin(), t.cos()), dim=-1)
    return theta, phi, xyz
