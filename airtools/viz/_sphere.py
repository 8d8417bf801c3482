"""Functions on the unit sphere as plotly meshes: real spherical harmonics, rotated by a Wigner-D matrix.

A rotation R acts on a function on the sphere by (R.f)(x) = f(R^T x). For the real spherical harmonics
Y^l = (Y^l_{-l}, ..., Y^l_l) of e3nn, Y^l(R x) = D^l(R) Y^l(x), so the rotated harmonic is a linear
combination of the harmonics of the same l:

    (R.Y^l_m)(x) = Y^l_m(R^T x) = sum_n D^l(R)_{n m} Y^l_n(x).

That is how ``harmonic_on_grid`` rotates: one small matrix product on a grid evaluated once (cached).
e3nn's polar axis is y (m = 0 harmonics are symmetric about y), so the figures are drawn y-up.
"""
from __future__ import annotations

from functools import lru_cache
from typing import NamedTuple

import numpy as np
import plotly.graph_objects as go

from airtools.viz._matrices import DIVERGING, _as_numpy, _check_l, _symmetric_range

__all__ = ["sphere_figure", "update_sphere", "harmonic_figure", "harmonic_on_grid", "rotated_harmonic",
           "RotatedHarmonic", "harmonic_identity_error", "precompute_harmonics"]

# vertices of a sphere figure: smooth for l <= 6, and a redraw in a browser without a GPU (software WebGL)
# takes about half the time of a 50 x 100 grid
N_THETA, N_PHI = 36, 72
_AXIS = dict(range=[-1.05, 1.05], showbackground=False, showticklabels=False, zeroline=False, showspikes=False,
             gridcolor="#ececec", title=dict(font=dict(size=11, color="#888")))


def sphere_figure(values, xyz, *, title=None, radial=False) -> go.Figure:
    """A function on the sphere as a coloured triangle mesh (colour = value, diverging, 0 = white).

    The grid points are the mesh's vertices (row-major, ``xyz.reshape(-1, 3)``) and every grid cell is two
    triangles (those that collapse at a pole are left out); the colour is interpolated between vertices.
    A ``Mesh3d`` redraws several times faster than a ``Surface`` of the same grid in a browser without
    a GPU, which keeps a dashboard's update within its budget. With ``radial=True`` each point is drawn
    at radius |f(x)| / max|f|, the classic lobed picture.

    Args:
        values: ``[n_theta, n_phi]`` function values on the grid (numpy or torch).
        xyz: ``[n_theta, n_phi, 3]`` unit vectors of the grid, e.g. from ``airtools.so3.sphere_grid``.
        title: figure title.
        radial: draw the surface r(x) = |f(x)| instead of the unit sphere.

    Returns:
        a ``go.Figure`` with one ``go.Mesh3d`` trace: ``intensity [n_theta * n_phi]`` = values,
        ``x, y, z [n_theta * n_phi]``, triangles ``i, j, k``.

    >>> import numpy as np
    >>> theta, phi = np.meshgrid(np.linspace(0, np.pi, 10), np.linspace(0, 2 * np.pi, 20), indexing="ij")
    >>> xyz = np.stack([np.sin(theta) * np.cos(phi), np.sin(theta) * np.sin(phi), np.cos(theta)], -1)
    >>> fig = sphere_figure(xyz[..., 2], xyz, title="z")
    >>> fig.data[0].type, fig.data[0].cmin, fig.data[0].cmax, fig.data[0].intensity.shape
    ('mesh3d', -1.0, 1.0, (200,))
    """
    values, xyz = _check_grid(values, xyz)
    i, j, k = _grid_triangles(xyz)
    fig = go.Figure(go.Mesh3d(i=i, j=j, k=k, colorscale=DIVERGING, intensitymode="vertex", showscale=True,
                              colorbar=dict(thickness=12, len=0.7), lighting=dict(ambient=0.75, diffuse=0.35),
                              hovertemplate="f = %{intensity:.4f}<extra></extra>"))
    fig.update_layout(
        title=dict(text=title, x=0.5, y=0.97), height=380, margin=dict(l=0, r=0, t=36, b=0),
        scene=dict(xaxis={**_AXIS, "title": {**_AXIS["title"], "text": "x"}},
                   yaxis={**_AXIS, "title": {**_AXIS["title"], "text": "y (polar)"}},
                   zaxis={**_AXIS, "title": {**_AXIS["title"], "text": "z"}}, aspectmode="cube",
                   camera=dict(up=dict(x=0, y=1, z=0), eye=dict(x=1.3, y=0.75, z=1.1))),
        uirevision="sphere",  # keep the user's camera when the data change
    )
    update_sphere(fig, values, xyz, radial=radial)
    return fig


def update_sphere(fig, values, xyz, *, radial=False, title=None) -> None:
    """Put new values into a figure made by ``sphere_figure`` (works on ``go.FigureWidget`` too).

    Only what changed travels to the page: the colours (``intensity``) always, the vertices only when
    they move (``radial=True``, or switching it). Call it inside ``fig.batch_update()`` so that a widget
    sends one message.

    Args:
        fig: a figure from ``sphere_figure`` / ``harmonic_figure``.
        values: ``[n_theta, n_phi]``; xyz: ``[n_theta, n_phi, 3]`` (the grid the figure was made with).
        radial: as in ``sphere_figure``; title: new title (unchanged when None).
    """
    values, xyz = _check_grid(values, xyz)
    c = _symmetric_range(values)
    r = np.abs(values)[..., None] / c if radial else 1.0
    pts = (xyz * r).reshape(-1, 3)
    trace = fig.data[0]
    if trace.x is None or len(trace.x) != len(pts) or radial or not np.array_equal(trace.x, pts[:, 0]):
        trace.update(x=pts[:, 0], y=pts[:, 1], z=pts[:, 2])
    trace.update(intensity=values.reshape(-1), cmin=-c, cmax=c)
    if title is not None:
        fig.layout.title.text = title


def harmonic_on_grid(l: int, m: int, R=None, *, n_theta: int = N_THETA, n_phi: int = N_PHI):
    """The real spherical harmonic Y^l_m, rotated by R, on a (theta, phi) grid.

    (R.Y^l_m)(x) = Y^l_m(R^T x) = sum_n D^l(R)_{n m} Y^l_n(x), e3nn's real basis and "component"
    normalisation (sum_m Y^l_m(x)^2 = 2l+1). The grid and its harmonics are computed once and cached.

    Args:
        l: degree, 0 <= l; m: order, -l <= m <= l.
        R: ``[3, 3]`` rotation matrix (None = identity).
        n_theta, n_phi: grid size.

    Returns:
        ``(values [n_theta, n_phi], xyz [n_theta, n_phi, 3])`` as float64 numpy arrays.

    >>> import torch
    >>> from airtools.so3 import euler_to_matrix
    >>> f, xyz = harmonic_on_grid(1, 0)                 # e3nn's polar axis is y: Y^1_0 = sqrt(3) y
    >>> f.shape, bool(np.allclose(f, 3 ** 0.5 * xyz[..., 1]))
    ((36, 72), True)
    >>> R = euler_to_matrix(torch.tensor(0.7), torch.tensor(0.0), torch.tensor(0.0))  # about the y axis
    >>> bool(np.allclose(harmonic_on_grid(3, 0, R)[0], harmonic_on_grid(3, 0)[0]))  # m = 0 is symmetric
    True
    """
    _check_lm(l, m)
    xyz, Y = _grid_harmonics(int(l), n_theta, n_phi)
    if R is None:
        return Y[..., m + l].copy(), xyz
    return Y @ _wigner_D(l, R)[:, m + l], xyz


class RotatedHarmonic(NamedTuple):
    """What the irreps dashboard draws for one (l, m, R); arrays are float64 numpy."""

    xyz: np.ndarray  # [n_theta, n_phi, 3] grid points
    Y: np.ndarray  # [n_theta, n_phi] Y^l_m(x)
    RY: np.ndarray  # [n_theta, n_phi] (R.Y^l_m)(x) = Y^l_m(R^T x)
    D: np.ndarray  # [2l+1, 2l+1] D^l(R)
    error: float  # max |Y^l(R x) - D^l(R) Y^l(x)| on the grid (every ``stride``-th point)


def rotated_harmonic(l: int, m: int, R, *, n_theta: int = N_THETA, n_phi: int = N_PHI, stride: int = 3):
    """Y^l_m, its rotation R.Y^l_m, D^l(R) and the identity error, computing D^l(R) once.

    Args:
        l, m: degree and order; R: ``[3, 3]`` rotation; n_theta, n_phi: grid size;
        stride: check the identity on every stride-th grid point in theta and phi (a dashboard's budget).

    Returns:
        a ``RotatedHarmonic(xyz, Y, RY, D, error)``.

    >>> import torch
    >>> out = rotated_harmonic(2, 1, torch.eye(3))
    >>> out.D.shape, bool(np.allclose(out.Y, out.RY)), out.error < 1e-12
    ((5, 5), True, True)
    """
    _check_lm(l, m)
    R = _rotation64(R)
    D = _wigner_D(l, R)
    xyz, Y = _grid_harmonics(int(l), n_theta, n_phi)
    error = harmonic_identity_error(l, R, D=D, n_theta=n_theta, n_phi=n_phi, stride=stride)
    return RotatedHarmonic(xyz, Y[..., m + l].copy(), Y @ D[:, m + l], D, error)


def harmonic_identity_error(l: int, R, *, D=None, n_theta: int = N_THETA, n_phi: int = N_PHI, stride: int = 1) -> float:
    """max over the grid and m of |Y^l(R x) - D^l(R) Y^l(x)|: the identity a dashboard shows live.

    Args:
        l: degree; R: ``[3, 3]`` rotation; D: ``[2l+1, 2l+1]`` D^l(R) when already computed;
        n_theta, n_phi: grid size; stride: use every stride-th grid point in theta and phi.

    Returns:
        the maximum absolute error (float64; ~1e-15 for l <= 6).

    >>> from airtools.so3 import random_rotation
    >>> import torch
    >>> R = random_rotation(dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    >>> harmonic_identity_error(4, R) < 1e-10
    True
    """
    _check_l(l, "l")
    import torch
    from airtools.so3 import spherical_harmonics

    R = _rotation64(R)
    D = _wigner_D(l, R) if D is None else _as_numpy(D, "D")
    xyz, Y = _grid_harmonics(int(l), n_theta, n_phi)
    xyz, Y = xyz[::stride, ::stride], Y[::stride, ::stride]
    lhs = spherical_harmonics(l, torch.from_numpy(xyz) @ R.T).numpy()  # Y(Rx): [n, n', 2l+1]
    return float(np.abs(lhs - Y @ D.T).max())  # D(R) Y(x)


def precompute_harmonics(l_max: int, *, n_theta: int = N_THETA, n_phi: int = N_PHI) -> None:
    """Fill the caches for l = 0..l_max (grid harmonics, Wigner-D code paths), so a dashboard's first
    change of l costs no more than the next one.

    >>> precompute_harmonics(2, n_theta=8, n_phi=9)
    """
    _check_l(l_max, "l_max")
    import torch

    for l in range(l_max + 1):
        _grid_harmonics(l, n_theta, n_phi)
        _wigner_D(l, torch.eye(3, dtype=torch.float64))


def harmonic_figure(l: int, m: int, R=None, *, radial=False, n_theta=N_THETA, n_phi=N_PHI) -> go.Figure:
    """The real spherical harmonic Y^l_m (rotated by R) on the sphere; colour = value.

    Args:
        l, m: degree and order (-l <= m <= l); R: ``[3, 3]`` rotation or None.
        radial: draw r = |Y| instead of the unit sphere; n_theta, n_phi: grid size.

    Returns:
        a ``go.Figure`` with one ``Mesh3d`` trace of ``n_theta * n_phi`` vertices (see ``sphere_figure``).

    >>> fig = harmonic_figure(2, -1, n_theta=20, n_phi=40)
    >>> fig.data[0].intensity.shape, fig.layout.title.text
    ((800,), 'Y<sub>2,-1</sub>')
    """
    values, xyz = harmonic_on_grid(l, m, R, n_theta=n_theta, n_phi=n_phi)
    title = f"Y<sub>{l},{m}</sub>" if R is None else f"R·Y<sub>{l},{m}</sub>"
    return sphere_figure(values, xyz, title=title, radial=radial)


def _check_grid(values, xyz):
    values, xyz = _as_numpy(values, "values"), _as_numpy(xyz, "xyz")
    if xyz.ndim != 3 or xyz.shape[-1] != 3 or values.shape != xyz.shape[:-1]:
        raise ValueError(f"values, xyz: expected shapes [n_theta, n_phi] and [n_theta, n_phi, 3], "
                         f"got {list(values.shape)} and {list(xyz.shape)}")
    if not np.all(np.isfinite(values)):
        raise ValueError("values: expected finite numbers, got NaN or inf")
    return values, xyz


def _grid_triangles(xyz):
    """Vertex indices (i, j, k) of two triangles per grid cell of ``xyz [n_theta, n_phi, 3]``, without the
    triangles of zero area (a pole row's points coincide)."""
    n_theta, n_phi = xyz.shape[:2]
    idx = np.arange(n_theta * n_phi).reshape(n_theta, n_phi)
    a, b, c, d = idx[:-1, :-1].ravel(), idx[:-1, 1:].ravel(), idx[1:, :-1].ravel(), idx[1:, 1:].ravel()
    tri = np.concatenate([np.stack([a, b, c], 1), np.stack([b, d, c], 1)])
    p = xyz.reshape(-1, 3)[tri]  # [n_triangles, 3 corners, 3]
    area = np.linalg.norm(np.cross(p[:, 1] - p[:, 0], p[:, 2] - p[:, 0]), axis=-1)
    tri = tri[area > 1e-12 * max(area.max(), 1e-300)]
    return tri[:, 0], tri[:, 1], tri[:, 2]


@lru_cache(maxsize=32)
def _grid_harmonics(l: int, n_theta: int, n_phi: int):
    """(xyz [n_theta, n_phi, 3], Y [n_theta, n_phi, 2l+1]) in float64 numpy, computed once per (l, grid)."""
    import torch
    from airtools.so3 import sphere_grid, spherical_harmonics

    _, _, xyz = sphere_grid(n_theta, n_phi, dtype=torch.float64)
    Y = spherical_harmonics(l, xyz)
    return xyz.numpy(), Y.numpy()


def _check_lm(l, m) -> None:
    _check_l(l, "l")
    if isinstance(m, bool) or not isinstance(m, (int, np.integer)) or abs(m) > l:
        raise ValueError(f"m: expected an integer with -l <= m <= l = {l}, got {m!r}")


def _rotation64(R):
    import torch
    from airtools.so3 import check_rotation

    R = torch.as_tensor(R, dtype=torch.float64)
    check_rotation(R, "R")
    if R.shape != (3, 3):
        raise ValueError(f"R: expected one rotation matrix of shape [3, 3], got {list(R.shape)}")
    return R


def _wigner_D(l: int, R) -> np.ndarray:
    from airtools.so3 import wigner_D

    return wigner_D(l, _rotation64(R)).numpy()

