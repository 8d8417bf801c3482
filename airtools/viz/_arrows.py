"""Molecules whose atoms and arrows move in place.

A dashboard draws a molecule once with ``viz.molecule_figure`` plus :func:`add_arrows` (forces, a
dipole), then on every widget change calls :func:`update_molecule` inside ``fig.batch_update()``: only
coordinates travel to the page, no figure is rebuilt. (The models' symmetry errors the rotations page
shows come from ``airtools.testing.rotation_report``.)
"""
from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go
import torch

from airtools.viz._molecules import _check, bonds

__all__ = ["add_arrows", "update_molecule", "parse_quaternion"]


def add_arrows(fig: go.Figure, origins, vectors, *, name: str, colour: str = "#d62728", width: int = 5) -> go.Figure:
    """Append arrows ``origins -> origins + vectors`` to ``fig``: a line trace and a cone trace (the head),
    both named ``name`` (one legend entry). Draw the vectors at their display length (scale them first).

    Args:
        origins, vectors: ``[n_arrows, 3]`` (numpy or torch).

    Returns:
        ``fig`` (changed in place).

    >>> from airtools.viz import molecule_figure
    >>> fig = molecule_figure(["O", "H", "H"], [[0, 0, 0], [0.96, 0, 0], [-0.24, 0.93, 0]])
    >>> [t.type for t in add_arrows(fig, np.zeros((1, 3)), [[0, 0, 1.0]], name="dipole").data[-2:]]
    ['scatter3d', 'cone']
    """
    line, cone = _arrow_arrays(origins, vectors)
    fig.add_trace(go.Scatter3d(**line, mode="lines", name=name, legendgroup=name, hoverinfo="skip",
                               line=dict(color=colour, width=width)))
    fig.add_trace(go.Cone(**cone, anchor="tip", sizemode="raw", sizeref=1.0, showscale=False, name=name,
                          legendgroup=name, showlegend=False, colorscale=[[0, colour], [1, colour]],
                          hoverinfo="skip"))
    return fig


def update_molecule(fig, symbols, pos, arrows: dict | None = None) -> None:
    """Move the atoms, bonds and named arrows of a figure made by ``molecule_figure`` and :func:`add_arrows`.

    Call it inside ``fig.batch_update()`` so that the page receives one message. The elements must be
    the ones the figure was drawn with (a new molecule needs a new figure, or ``fig.data`` replaced).

    Args:
        symbols: ``[n_atoms]`` element symbols or atomic numbers; pos: ``[n_atoms, 3]`` Å.
        arrows: ``{name: (origins [k, 3], vectors [k, 3])}`` for arrows added with that name.

    >>> from airtools.viz import molecule_figure
    >>> fig = molecule_figure(["H", "H"], [[0, 0, 0], [0.74, 0, 0]])
    >>> update_molecule(fig, ["H", "H"], [[0, 0, 0], [0, 0.8, 0]]); [float(y) for y in fig.data[1].y]
    [0.0, 0.8]
    """
    Z, pos = _check(symbols, pos)
    by_name = {}
    for trace in fig.data:
        by_name.setdefault(trace.name, []).append(trace)
    pairs = bonds(Z, pos)
    seg = np.full((3 * len(pairs), 3), np.nan)  # start, end, gap (NaN breaks the line)
    seg[0::3], seg[1::3] = pos[pairs[:, 0]], pos[pairs[:, 1]]
    for trace in by_name.get("bonds", []):
        trace.update(x=seg[:, 0], y=seg[:, 1], z=seg[:, 2])
    from ase.data import chemical_symbols

    for z in dict.fromkeys(Z.tolist()):
        idx = np.flatnonzero(Z == z)
        for trace in by_name.get(chemical_symbols[z], []):
            trace.update(x=pos[idx, 0], y=pos[idx, 1], z=pos[idx, 2])
    for name, (origins, vectors) in (arrows or {}).items():
        traces = by_name.get(name, [])
        if len(traces) != 2:
            raise ValueError(f"arrows: the figure has no arrows named {name!r} (add them with add_arrows)")
        line, cone = _arrow_arrays(origins, vectors)
        traces[0].update(**line)
        traces[1].update(**cone)


def parse_quaternion(text: str) -> torch.Tensor:
    """A unit quaternion ``q = (w, x, y, z)`` from text like ``"0.9, 0.1, 0.3, 0"``, normalised.

    Rotation by angle θ about the unit axis n: q = (cos θ/2, n sin θ/2); q and -q give the same rotation.

    Returns:
        ``[4]`` float64 tensor of norm 1.

    >>> parse_quaternion("2 0 0 0")
    tensor([1., 0., 0., 0.], dtype=torch.float64)
    >>> parse_quaternion("1e300, 1e300, 0, 0")  # huge or tiny numbers still give a unit quaternion
    tensor([0.7071, 0.7071, 0.0000, 0.0000], dtype=torch.float64)
    >>> parse_quaternion("0, 0, 0, 0")
    Traceback (most recent call last):
    ...
    ValueError: quaternion: expected a non-zero (w, x, y, z), got norm 0
    """
    parts = text.replace(",", " ").split()
    try:
        q = [float(p) for p in parts]
    except ValueError:
        raise ValueError(f"quaternion: expected four numbers w, x, y, z like '0.92, 0, 0.38, 0', "
                         f"got {text.strip()[:40]!r}") from None
    if len(q) != 4:
        raise ValueError(f"quaternion: expected four numbers w, x, y, z, got {len(q)}")
    if not all(math.isfinite(v) for v in q):
        raise ValueError("quaternion: expected finite numbers, got NaN or inf")
    scale = max(abs(v) for v in q)  # divide first: 1e200 squared overflows, 1e-200 squared underflows
    if scale == 0:
        raise ValueError("quaternion: expected a non-zero (w, x, y, z), got norm 0")
    q = torch.tensor([v / scale for v in q], dtype=torch.float64)
    return q / q.norm()


def _arrow_arrays(origins, vectors):
    o = np.asarray(origins.detach().cpu() if torch.is_tensor(origins) else origins, dtype=float).reshape(-1, 3)
    v = np.asarray(vectors.detach().cpu() if torch.is_tensor(vectors) else vectors, dtype=float).reshape(-1, 3)
    if o.shape != v.shape:
        raise ValueError(f"vectors: expected shape {list(o.shape)} (one per origin), got {list(v.shape)}")
    if not (np.isfinite(o).all() and np.isfinite(v).all()):
        raise ValueError("vectors: expected finite numbers, got NaN or inf")
    tip = o + v
    seg = np.full((3 * len(o), 3), np.nan)
    seg[0::3], seg[1::3] = o, tip
    head = 0.25 * v  # a quarter of the arrow, ending at the tip
    return (dict(x=seg[:, 0], y=seg[:, 1], z=seg[:, 2]),
            dict(x=tip[:, 0], y=tip[:, 1], z=tip[:, 2], u=head[:, 0], v=head[:, 1], w=head[:, 2]))
