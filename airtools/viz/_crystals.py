"""Crystals with plotly: the unit cell, its atoms and periodic images, neighbours across cell boundaries,
and the energy of a strained cell.

A crystal is a cell ``C`` (rows a1, a2, a3) and atoms at ``pos``; the lattice repeats every atom at
``pos_i + n C`` for every integer vector ``n``. Neighbours of atom i within ``r_cut`` are the pairs
(j, S) with ``|pos_j + S C - pos_i| < r_cut`` (``ase.neighborlist.neighbor_list``, the reference
implementation): an edge may end on an image of j in another cell, and j may be i itself.
Colours and sizes follow ``molecule_figure`` (Jmol colours, size from the covalent radius).
"""
from __future__ import annotations

import itertools

import numpy as np
import plotly.graph_objects as go
from ase.data import atomic_numbers, chemical_symbols, covalent_radii

from airtools.viz._molecules import _colour

__all__ = ["crystal_figure", "update_crystal", "energy_strain_figure"]

_TOL = 1e-6  # fractional coordinate tolerance: an atom at 0 also shows at 1 (on the cell's far face)
_NEIGHBOUR = "#ff7f0e"


def crystal_figure(atoms, *, r_cut=None, center: int = 0, repeat=(1, 1, 1)) -> go.Figure:
    """A periodic structure in 3-D: cell edges, atoms by element, periodic images and neighbours of one atom.

    The lattice repeats atom i at ``pos_i + (n1, n2, n3) C``; the figure shows the home cell's atoms,
    their images inside the ``repeat`` block of cells (atoms on a face, edge or corner of the block
    included, as crystal viewers draw them), and, with ``r_cut``, the neighbours of atom ``center``:
    every image ``pos_j + S C`` with ``0 < |pos_j + S C - pos_center| < r_cut``, also in cells not drawn.

    Args:
        atoms: an ``ase.Atoms`` with a 3-D cell (``cell: [3, 3]``, rows a1, a2, a3; ``positions: [n_atoms, 3]``
            in Angstrom); positions outside the cell are wrapped into it; drawn as periodic along all
            three axes (``atoms.pbc`` is not read).
        r_cut: neighbour cutoff in Angstrom (``0 < r_cut <= 8``), or None for no neighbours.
        center: index of the atom whose neighbours are drawn.
        repeat: ``(n1, n2, n3)`` cells drawn along a1, a2, a3 (each 1..4).

    Returns:
        a ``go.Figure`` whose traces are always, in order: ``"cell"`` (edges of every drawn cell, lines),
        ``"neighbours"`` (lines from the centre atom to each neighbour image), one marker trace per element
        (home-cell atoms, in order of first appearance), ``"periodic images"`` (markers, faded),
        ``"neighbour atoms"`` (markers at the neighbour images) and ``"centre"`` (a ring on atom ``center``).
        Traces are present (empty) even without neighbours, so a dashboard can update their arrays in place.
        The scene is a cube around everything drawn.

    >>> from ase.build import bulk
    >>> fig = crystal_figure(bulk("Cu", "fcc", a=3.6), r_cut=2.6)  # primitive fcc cell: one atom
    >>> [t.name for t in fig.data]
    ['cell', 'neighbours', 'Cu', 'periodic images', 'neighbour atoms', 'centre']
    >>> len(fig.data[4].x), len(fig.data[3].x)  # 12 nearest neighbours at a/sqrt(2); 7 corner images
    (12, 7)
    """
    g = _geometry(atoms, r_cut, center, repeat)
    Z, image_Z, pos = g["Z"], g["image_Z"], g["pos"]
    traces = [_line_trace(g["cell"], "cell", "#555", 3), _line_trace(g["neighbours"], "neighbours", _NEIGHBOUR, 4)]
    for z in dict.fromkeys(Z.tolist()):
        idx = np.flatnonzero(Z == z)
        traces.append(go.Scatter3d(
            x=pos[idx, 0], y=pos[idx, 1], z=pos[idx, 2], mode="markers", name=chemical_symbols[z],
            marker=dict(size=_size(z), color=_colour(z), line=dict(color="#333", width=1)),
            text=[f"{chemical_symbols[z]}{i}" for i in idx], hovertemplate="%{text}<extra></extra>"))
    traces.append(go.Scatter3d(
        x=g["images"][:, 0], y=g["images"][:, 1], z=g["images"][:, 2], mode="markers", name="periodic images",
        marker=dict(size=[0.8 * _size(z) for z in image_Z], color=[_colour(z) for z in image_Z], opacity=0.35),
        hoverinfo="skip"))
    traces.append(go.Scatter3d(
        x=g["neighbour atoms"][:, 0], y=g["neighbour atoms"][:, 1], z=g["neighbour atoms"][:, 2],
        mode="markers", name="neighbour atoms", marker=dict(size=5, color=_NEIGHBOUR, symbol="diamond"),
        text=g["distances"], hovertemplate="neighbour at %{text}<extra></extra>"))
    traces.append(go.Scatter3d(
        x=g["centre"][:, 0], y=g["centre"][:, 1], z=g["centre"][:, 2], mode="markers", name="centre",
        marker=dict(size=_size(Z[center]) + 6, color="rgba(0,0,0,0)", line=dict(color=_NEIGHBOUR, width=4)),
        hoverinfo="skip"))
    fig = go.Figure(traces)
    hidden = dict(showbackground=False, showticklabels=False, title="", showgrid=False, zeroline=False)
    fig.update_layout(height=460, margin=dict(l=0, r=0, t=40, b=0), uirevision="crystal",
                      scene=dict(xaxis=hidden, yaxis=hidden, zaxis=hidden,
                                 camera=dict(eye=dict(x=1.7, y=0.75, z=0.55))),  # off the cube's diagonal
                      legend=dict(itemsizing="constant", x=0, y=1))
    _frame(fig, np.concatenate([g["corners"], pos, g["images"], g["neighbour atoms"]]))
    return fig


def update_crystal(fig, atoms, *, r_cut=None, center: int = 0, repeat=(1, 1, 1), refit: bool = False) -> None:
    """Move the traces of a ``crystal_figure`` to another state of the same crystal, in place (fast).

    For a dashboard: a strained, sheared or rattled cell with the same atoms in the same order only moves
    points, so the arrays of the existing traces are replaced (no new figure). The scene's range is kept
    while everything drawn fits in it, so a strain moves atoms against fixed axes; otherwise (or with
    ``refit``) it is re-fitted. Another structure with as many elements (Cu fcc -> Au bcc) is drawn in place
    too: the element traces are renamed and recoloured, so the page restyles a scene instead of building a
    new one. Call it inside ``fig.batch_update()`` on a ``go.FigureWidget``.

    Args:
        fig: a figure made by ``crystal_figure`` for a structure with as many elements.
        atoms, r_cut, center, repeat: as for ``crystal_figure``.
        refit: fit the scene to the new structure (for another element or lattice).

    >>> from ase.build import bulk
    >>> fig = crystal_figure(bulk("Cu", "fcc", a=3.6), r_cut=3.0)  # nearest neighbours at a/sqrt(2) = 2.55 Å
    >>> update_crystal(fig, bulk("Cu", "fcc", a=4.4), r_cut=3.0)  # stretched: now at 3.11 Å, beyond r_cut
    >>> import numpy as np  # no neighbours now; the cell's far corner a1 + a2 + a3 = (a, a, a)
    >>> len(fig.data[4].x), round(float(np.nanmax(fig.data[0].x)), 2)
    (0, 4.4)
    >>> update_crystal(fig, bulk("Au", "bcc", a=3.3, cubic=True), r_cut=3.0, refit=True)  # another element and lattice
    >>> fig.data[2].name, len(fig.data[2].x), len(fig.data[4].x)  # 2 atoms in the cube; 8 neighbours at 2.86 Å
    ('Au', 2, 8)
    """
    g = _geometry(atoms, r_cut, center, repeat)
    n = len(fig.data)
    shown = [t.name for t in fig.data[2:n - 3]]
    elements = [chemical_symbols[z] for z in dict.fromkeys(g["Z"].tolist())]
    if len(shown) != len(elements):
        raise ValueError(f"update_crystal: the figure shows {len(shown)} element(s) {shown}, the structure has "
                         f"{len(elements)} {elements}; draw a new figure with crystal_figure(atoms)")
    arrays = [_line_points(g["cell"]), _line_points(g["neighbours"])]
    arrays += [g["pos"][g["Z"] == atomic_numbers[name]] for name in elements]
    arrays += [g["images"], g["neighbour atoms"], g["centre"]]
    for trace, xyz in zip(fig.data, arrays):
        trace.update(x=xyz[:, 0], y=xyz[:, 1], z=xyz[:, 2])
    for trace, name, old in zip(fig.data[2:n - 3], elements, shown):
        z = atomic_numbers[name]
        idx = np.flatnonzero(g["Z"] == z)
        if name != old or len(trace.text) != len(idx):
            trace.update(name=name, text=[f"{name}{i}" for i in idx])
            trace.marker.update(size=_size(z), color=_colour(z))
    images = fig.data[n - 3]
    if refit or len(images.marker.size) != len(g["image_Z"]) or shown != elements:  # other images or elements
        images.marker.update(size=[0.8 * _size(z) for z in g["image_Z"]], color=[_colour(z) for z in g["image_Z"]])
    fig.data[n - 2].text = g["distances"]
    fig.data[n - 1].marker.size = _size(g["Z"][center]) + 6
    points = np.concatenate([g["corners"], g["pos"], g["images"], g["neighbour atoms"]])
    scene = fig.layout.scene
    ranges = np.array([a.range if a.range is not None else (np.inf, -np.inf)
                       for a in (scene.xaxis, scene.yaxis, scene.zaxis)], dtype=float)  # [3, 2]
    if refit or np.any(points < ranges[:, 0]) or np.any(points > ranges[:, 1]):
        _frame(fig, points)


def energy_strain_figure(strains, e_reference, e_model=None) -> go.Figure:
    """Energy per atom against isotropic strain: the reference (EMT) curve and a model's prediction.

    A cell strained by ε has lattice vectors ``(1 + ε) a_k``; near equilibrium
    ``E(ε)/N ≈ E0/N + (9/2) B V0/N ε²`` (B: bulk modulus), a parabola whose minimum is the lattice constant.

    Args:
        strains: ``[n_strains]`` isotropic strains ε as fractions (0.01 = 1 %), plotted in %.
        e_reference: ``[n_strains]`` reference energies per atom (eV/atom), e.g. ASE's EMT.
        e_model: ``[n_strains]`` model energies per atom (eV/atom), or None.

    Returns:
        a ``go.Figure`` with traces, in order: ``"EMT"`` (reference, line + markers), ``"model"`` (dashed
        line; empty and hidden from the legend when ``e_model`` is None) and ``"current cell"`` (empty markers:
        a dashboard sets ``x``/``y`` to mark the cell it shows: EMT first, blue; model second, red).

    >>> fig = energy_strain_figure([-0.02, 0, 0.02], [-3.51, -3.52, -3.51], [-3.50, -3.52, -3.50])
    >>> [t.name for t in fig.data], fig.data[0].x.tolist()
    (['EMT', 'model', 'current cell'], [-2.0, 0.0, 2.0])
    """
    x = 100 * _vector(strains, "strains")
    e_ref = _vector(e_reference, "e_reference", len(x))
    e_mod = None if e_model is None else _vector(e_model, "e_model", len(x))
    fig = go.Figure()
    fig.add_scatter(x=x, y=e_ref, mode="lines+markers", name="EMT", line=dict(color="#1f77b4", width=3),
                    marker=dict(size=5), hovertemplate="ε = %{x:.2f} %<br>E = %{y:.4f} eV/atom<extra>EMT</extra>")
    fig.add_scatter(x=x if e_mod is not None else [], y=e_mod if e_mod is not None else [], mode="lines",
                    name="model", line=dict(color="#d62728", width=3, dash="dash"), showlegend=e_mod is not None,
                    hovertemplate="ε = %{x:.2f} %<br>E = %{y:.4f} eV/atom<extra>model</extra>")
    fig.add_scatter(x=[], y=[], mode="markers", name="current cell",
                    marker=dict(size=13, color=["#1f77b4", "#d62728"], symbol="circle-open", line=dict(width=3)),
                    hovertemplate="ε = %{x:.2f} %<br>E = %{y:.4f} eV/atom<extra>current cell</extra>")
    fig.update_layout(title=dict(text="energy per atom vs isotropic strain", x=0.5), height=460,
                      xaxis=dict(title="strain ε (%)", zeroline=True), yaxis=dict(title="E / N (eV/atom)"),
                      margin=dict(t=50, b=50, l=70, r=10), legend=dict(orientation="h", y=-0.18))
    return fig


def _geometry(atoms, r_cut, center, repeat) -> dict:
    """Every array the figure draws: positions wrapped into the cell, images, cell edges, neighbours."""
    cell, pos, Z = _check(atoms, r_cut, center, repeat)
    frac = np.linalg.solve(cell.T, pos.T).T % 1.0  # [n_atoms, 3] wrapped fractional coordinates
    frac[frac > 1 - _TOL] = 0.0
    pos = frac @ cell
    images, image_Z = _images(frac, Z, cell, repeat)
    neighbours = np.zeros((0, 3)) if r_cut is None else _neighbour_positions(atoms, pos, cell, r_cut, center)
    return {"Z": Z, "pos": pos, "images": images, "image_Z": image_Z, "cell": _cell_edges(cell, repeat),
            "neighbours": _segments(np.repeat(pos[center][None], len(neighbours), axis=0), neighbours),
            "neighbour atoms": neighbours, "centre": pos[center:center + 1], "corners": _corners(cell, repeat),
            "distances": [f"{d:.3f} Å" for d in np.linalg.norm(neighbours - pos[center], axis=1)]}


def _check(atoms, r_cut, center, repeat):
    """(cell [3, 3], pos [n_atoms, 3], Z [n_atoms]) with clear errors."""
    try:
        cell, pos, Z = np.array(atoms.cell, dtype=float), np.array(atoms.positions, dtype=float), atoms.numbers
    except AttributeError:
        raise ValueError(f"atoms: expected an ase.Atoms with a cell, got {type(atoms).__name__}") from None
    if len(Z) == 0:
        raise ValueError("atoms: expected at least one atom, got none")
    if abs(np.linalg.det(cell)) < 1e-6:
        raise ValueError("atoms: expected a 3-D cell with volume > 0 (three independent lattice vectors), "
                         "got a flat or missing cell; set one with atoms.set_cell(...)")
    if not np.all(np.isfinite(pos)) or not np.all(np.isfinite(cell)):
        raise ValueError("atoms: expected finite positions and cell, got NaN or inf")
    if r_cut is not None and not (np.isfinite(r_cut) and 0 < r_cut <= 8):
        raise ValueError(f"r_cut: expected 0 < r_cut <= 8 Å (or None), got {r_cut}")
    if not 0 <= center < len(Z):
        raise ValueError(f"center: expected an atom index 0..{len(Z) - 1}, got {center}")
    if len(repeat) != 3 or any(int(n) != n or not 1 <= n <= 4 for n in repeat):
        raise ValueError(f"repeat: expected three integers 1..4 (cells along a1, a2, a3), got {tuple(repeat)}")
    return cell, pos, np.asarray(Z, dtype=int)


def _images(frac, Z, cell, repeat):
    """Images of every atom inside the repeat block, boundaries included, the home cell's atoms excluded."""
    n = np.array(repeat)
    shifts = np.array(list(itertools.product(*(range(k + 1) for k in repeat))))[1:]  # [n_shifts, 3], no (0,0,0)
    f = frac[None] + shifts[:, None]  # [n_shifts, n_atoms, 3]
    inside = np.all(f <= n + _TOL, axis=-1)
    return f[inside] @ cell, np.broadcast_to(Z, inside.shape)[inside]


def _neighbour_positions(atoms, pos, cell, r_cut, center):
    """Positions of the images pos_j + S C within r_cut of atom ``center`` (ASE's neighbour list)."""
    from ase import Atoms
    from ase.neighborlist import neighbor_list

    wrapped = Atoms(numbers=atoms.numbers, positions=pos, cell=cell, pbc=True)
    i, j, S = neighbor_list("ijS", wrapped, float(r_cut))
    mine = i == center
    return pos[j[mine]] + S[mine] @ cell


def _cell_edges(cell, repeat):
    """The 12 edges of each cell of the repeat block as [start, end] pairs: [n_edges, 2, 3]."""
    unit = np.array([[0, 0, 0], [1, 0, 0], [0, 1, 0], [0, 0, 1]])
    edges = []
    for n in itertools.product(*(range(k) for k in repeat)):
        for a, b, c in ((1, 2, 3), (2, 3, 1), (3, 1, 2)):  # the 4 edges along each lattice vector
            for corner in (0 * unit[0], unit[b], unit[c], unit[b] + unit[c]):
                start = np.array(n) + corner
                edges.append([start, start + unit[a]])
    return np.array(edges, dtype=float) @ cell


def _corners(cell, repeat):
    return np.array(list(itertools.product(*((0, k) for k in repeat))), dtype=float) @ cell


def _segments(start, end):
    return np.stack([start, end], axis=1) if len(start) else np.zeros((0, 2, 3))


def _line_points(pairs):
    seg = np.full((3 * len(pairs), 3), np.nan)  # start, end, gap (NaN breaks the line)
    seg[0::3], seg[1::3] = pairs[:, 0], pairs[:, 1]
    return seg


def _line_trace(pairs, name, colour, width):
    seg = _line_points(pairs)
    return go.Scatter3d(x=seg[:, 0], y=seg[:, 1], z=seg[:, 2], mode="lines", name=name,
                        line=dict(color=colour, width=width), hoverinfo="skip", connectgaps=False)


def _size(z) -> float:
    return 8 + 8 * covalent_radii[z]


def _frame(fig, points, margin: float = 0.8):
    lo, hi = points.min(0), points.max(0)
    centre, r = (lo + hi) / 2, float((hi - lo).max()) / 2 + margin
    axes = {f"{c}axis": dict(range=[centre[k] - r, centre[k] + r], autorange=False) for k, c in enumerate("xyz")}
    fig.update_layout(scene=dict(aspectmode="cube", **axes))


def _vector(values, name, n=None):
    v = np.asarray(values, dtype=float).reshape(-1) if np.ndim(values) else np.array([np.nan])
    if n is not None and len(v) != n:
        raise ValueError(f"{name}: expected one value per strain ({n}), got {len(v)}")
    if len(v) == 0 or not np.all(np.isfinite(v)):
        raise ValueError(f"{name}: expected a non-empty list of finite numbers, got {values!r}")
    return v
