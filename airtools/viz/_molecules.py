"""Molecules in 3-D with plotly: atoms coloured by element or by a value per atom, bonds from covalent radii,
optional arrows.

Atoms i, j are bonded when |pos_i - pos_j| < factor * (r_i + r_j), r = covalent radius (ase.data), the
rule molecular viewers use (factor 1.2 tolerates stretched bonds, e.g. in a perturbed geometry).
Colours are Jmol's element colours (ase.data.colors.jmol_colors).
"""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from ase.data import atomic_numbers, chemical_symbols, covalent_radii
from ase.data.colors import jmol_colors

from airtools.viz._matrices import _as_numpy

__all__ = ["molecule_figure", "atom_values_figure", "update_atom_values", "bonds", "frame_molecule"]


def bonds(symbols, pos, *, factor: float = 1.2) -> np.ndarray:
    """Bonded pairs (i < j) with |pos_i - pos_j| < factor (r_i + r_j), r = covalent radius.

    Args:
        symbols: ``[n_atoms]`` element symbols ("O") or atomic numbers (8).
        pos: ``[n_atoms, 3]`` positions in Angstrom.
        factor: tolerance on the sum of covalent radii.

    Returns:
        ``[n_bonds, 2]`` integer array of atom indices.

    >>> bonds(["O", "H", "H"], [[0, 0, 0], [0.96, 0, 0], [-0.24, 0.93, 0]]).tolist()
    [[0, 1], [0, 2]]
    """
    Z, pos = _check(symbols, pos)
    r = covalent_radii[Z]
    d = np.linalg.norm(pos[:, None] - pos[None], axis=-1)  # [n_atoms, n_atoms]
    i, j = np.nonzero(np.triu(d < factor * (r[:, None] + r[None]), k=1))
    return np.stack([i, j], axis=1)


def molecule_figure(symbols, pos, *, vectors=None, title=None, vector_scale: float = 1.0,
                    vector_name: str = "vectors") -> go.Figure:
    """A molecule as a plotly 3-D figure: one marker trace per element, bonds as lines, optional arrows.

    Args:
        symbols: ``[n_atoms]`` element symbols or atomic numbers.
        pos: ``[n_atoms, 3]`` positions (Angstrom), numpy or torch.
        vectors: ``[n_atoms, 3]`` one arrow per atom (forces, velocities, ...), drawn from the atom to
            ``pos + vector_scale * vectors``; None for no arrows.
        title: figure title; vector_scale: length scale of the arrows; vector_name: legend name of the arrows.

    Returns:
        a ``go.Figure`` with traces: "bonds" (lines), one per element (markers, in order of first
        appearance), and with ``vectors`` a line trace and a cone trace (arrow heads) named ``vector_name``.

    >>> fig = molecule_figure(["O", "H", "H"], [[0, 0, 0], [0.96, 0, 0], [-0.24, 0.93, 0]])
    >>> [t.name for t in fig.data]
    ['bonds', 'O', 'H']
    """
    Z, pos = _check(symbols, pos)
    traces = [_bond_trace(pos, bonds(Z, pos))]
    for z in dict.fromkeys(Z.tolist()):  # elements in order of first appearance
        idx = np.flatnonzero(Z == z)
        traces.append(go.Scatter3d(
            x=pos[idx, 0], y=pos[idx, 1], z=pos[idx, 2], mode="markers", name=chemical_symbols[z],
            marker=dict(size=10 + 14 * covalent_radii[z], color=_colour(z), line=dict(color="#333", width=1)),
            text=[f"{chemical_symbols[z]}{i}" for i in idx], hovertemplate="%{text}<extra></extra>"))
    if vectors is not None:
        traces += _arrow_traces(pos, _as_numpy(vectors, "vectors"), vector_scale, vector_name)
    fig = go.Figure(traces)
    hidden = dict(showbackground=False, showticklabels=False, title="", showgrid=False, zeroline=False)
    fig.update_layout(title=dict(text=title, x=0.5), height=420, margin=dict(l=0, r=0, t=40, b=0),
                      scene=dict(xaxis=hidden, yaxis=hidden, zaxis=hidden),
                      legend=dict(itemsizing="constant"), uirevision="molecule")
    frame_molecule(fig, pos)
    return fig


def atom_values_figure(symbols, pos, values, *, title=None, label: str = "value", unit: str = "",
                       colorscale: str = "RdBu_r", symmetric: bool = True) -> go.Figure:
    """A molecule as a plotly 3-D figure with each atom coloured by a number: per-atom energies,
    attributions, charges, uncertainties.

    Atoms keep their element's size and are labelled by symbol; the colour bar shows ``label``. With
    ``symmetric`` the colour range is centred on zero (``[-m, m]``, m = max |value|), so that a diverging
    scale shows sign at a glance: red positive, blue negative for ``"RdBu_r"``.

    Args:
        symbols: ``[n_atoms]`` element symbols or atomic numbers; pos: ``[n_atoms, 3]`` (Å), numpy or torch.
        values: ``[n_atoms]`` finite numbers, one per atom (numpy or torch).
        title, label, unit: figure title, colour-bar title and the unit shown in it and on hover.
        colorscale: a plotly colour scale name; symmetric: centre the colour range on zero.

    Returns:
        a ``go.Figure`` with traces "bonds" (lines) and "atoms" (markers coloured by ``values``, hover text
        "C3: -0.12 eV").

    >>> fig = atom_values_figure(["O", "H", "H"], [[0, 0, 0], [0.96, 0, 0], [-0.24, 0.93, 0]], [-0.4, 0.2, 0.2],
    ...                          label="charge", unit="e")
    >>> dots = fig.data[1]
    >>> [t.name for t in fig.data], dots.marker.color.tolist(), (dots.marker.cmin, dots.marker.cmax)
    (['bonds', 'atoms'], [-0.4, 0.2, 0.2], (-0.4, 0.4))
    """
    a = _atom_values(symbols, pos, values, symmetric)
    suffix = f" {unit}" if unit else ""
    atoms = go.Scatter3d(
        x=a["pos"][:, 0], y=a["pos"][:, 1], z=a["pos"][:, 2], mode="markers+text", name="atoms", text=a["symbols"],
        textfont=dict(color="#222", size=11), hovertext=a["hover"](suffix), hovertemplate="%{hovertext}<extra></extra>",
        marker=dict(size=a["size"], color=a["values"], cmin=a["range"][0], cmax=a["range"][1], colorscale=colorscale,
                    line=dict(color="#333", width=1),
                    colorbar=dict(title=dict(text=f"{label}{f' ({unit})' if unit else ''}"), thickness=14)))
    fig = go.Figure([_bond_trace(a["pos"], bonds(a["Z"], a["pos"])), atoms])
    hidden = dict(showbackground=False, showticklabels=False, title="", showgrid=False, zeroline=False)
    fig.update_layout(title=dict(text=title, x=0.5), height=420, margin=dict(l=0, r=0, t=40, b=0),
                      scene=dict(xaxis=hidden, yaxis=hidden, zaxis=hidden), showlegend=False,
                      uirevision="molecule")
    frame_molecule(fig, a["pos"])
    return fig


def update_atom_values(fig, symbols, pos, values, *, title=None, label: str | None = None, unit: str = "",
                       symmetric: bool = True) -> None:
    """Redraw an :func:`atom_values_figure` in place (a ``go.FigureWidget`` in a dashboard): another molecule
    (any number of atoms) or other values, with the bonds, hover texts, colour range and frame to match.

    Setting the arrays directly is several times faster than building a new figure and copying it over
    (plotly validates every property of a new figure). Call it inside ``fig.batch_update()`` to send one message.

    Args:
        fig: a figure made by :func:`atom_values_figure`; symbols, pos, values, symmetric: as there.
        title: the new title (None keeps it); label: the colour bar's new title (None keeps it); unit: for the
            hover texts and the colour bar.

    >>> fig = atom_values_figure(["O", "H", "H"], [[0, 0, 0], [0.96, 0, 0], [-0.24, 0.93, 0]], [-0.4, 0.2, 0.2])
    >>> update_atom_values(fig, ["C", "O"], [[0, 0, 0], [1.13, 0, 0]], [0.5, -0.1], unit="eV")
    >>> dots = fig.data[1]
    >>> list(dots.text), list(dots.hovertext), (dots.marker.cmin, dots.marker.cmax), len(fig.data[0].x)
    (['C', 'O'], ['C0: 0.5 eV', 'O1: -0.1 eV'], (-0.5, 0.5), 3)
    """
    a = _atom_values(symbols, pos, values, symmetric)
    seg = _segments(a["pos"], bonds(a["Z"], a["pos"]))
    fig.data[0].update(x=seg[:, 0], y=seg[:, 1], z=seg[:, 2])
    fig.data[1].update(x=a["pos"][:, 0], y=a["pos"][:, 1], z=a["pos"][:, 2], text=a["symbols"],
                       hovertext=a["hover"](f" {unit}" if unit else ""),
                       marker=dict(size=a["size"], color=a["values"], cmin=a["range"][0], cmax=a["range"][1]))
    if label is not None:
        fig.data[1].marker.colorbar.title.text = f"{label}{f' ({unit})' if unit else ''}"
    if title is not None:
        fig.layout.title.text = title
    centre, r = _frame(a["pos"], 1.5)
    scene = fig.layout.scene
    for k, axis in enumerate((scene.xaxis, scene.yaxis, scene.zaxis)):
        axis.range = [centre[k] - r, centre[k] + r]


def frame_molecule(fig, pos, *, margin: float = 1.5) -> None:
    """Fix the 3-D scene to a cube around the molecule, the same in every orientation.

    ``aspectmode="data"`` collapses for a planar or linear molecule (ASE's water lies in the plane x = 0: a
    zero-width axis and an empty scene) and rescales the view as atoms move; a fixed cube of half-width
    ``max |pos - centre| + margin`` (Å) fits the molecule in any rotation, with room for arrows.

    >>> fig = molecule_figure(["H", "H"], [[0, 0, 0], [0.74, 0, 0]])  # molecule_figure frames itself
    >>> fig.layout.scene.aspectmode, [round(v, 2) for v in fig.layout.scene.xaxis.range]
    ('cube', [-1.5, 2.24])
    """
    centre, r = _frame(_as_numpy(pos, "pos"), margin)
    axes = {f"{c}axis": dict(range=[centre[k] - r, centre[k] + r], autorange=False) for k, c in enumerate("xyz")}
    fig.update_layout(scene=dict(aspectmode="cube", **axes))


def _frame(pos, margin):
    """(centre [3], half-width): a cube around ``pos`` that holds it in any orientation."""
    centre = pos.mean(0)
    return centre, float(np.linalg.norm(pos - centre, axis=1).max()) + margin


def _segments(pos, pairs):
    seg = np.full((3 * len(pairs), 3), np.nan)  # start, end, gap (NaN breaks the line)
    seg[0::3], seg[1::3] = pos[pairs[:, 0]], pos[pairs[:, 1]]
    return seg


def _atom_values(symbols, pos, values, symmetric):
    """What an atom-values figure draws: checked arrays, colour range, marker sizes, hover texts."""
    Z, pos = _check(symbols, pos)
    values = _as_numpy(values, "values").astype(float)
    if values.shape != (len(Z),):
        raise ValueError(f"values: expected shape [{len(Z)}] (one number per atom), got {list(values.shape)}")
    if not np.all(np.isfinite(values)):
        raise ValueError("values: expected finite numbers, got NaN or inf")
    peak = float(np.abs(values).max()) or 1.0
    span = (-peak, peak) if symmetric else (float(values.min()), float(values.max()))
    symbols = [chemical_symbols[z] for z in Z]
    hover = lambda suffix: [f"{s}{i}: {v:.3g}{suffix}" for i, (s, v) in enumerate(zip(symbols, values))]
    return dict(Z=Z, pos=pos, values=values, range=span, symbols=symbols, size=10 + 14 * covalent_radii[Z],
                hover=hover)


def _bond_trace(pos, pairs):
    seg = _segments(pos, pairs)
    return go.Scatter3d(x=seg[:, 0], y=seg[:, 1], z=seg[:, 2], mode="lines", name="bonds",
                        line=dict(color="#888", width=6), hoverinfo="skip", connectgaps=False)


def _arrow_traces(pos, vectors, scale, name):
    if vectors.shape != pos.shape:
        raise ValueError(f"vectors: expected shape {list(pos.shape)} (one 3-vector per atom), "
                         f"got {list(vectors.shape)}")
    if not np.all(np.isfinite(vectors)):
        raise ValueError("vectors: expected finite numbers, got NaN or inf")
    tip = pos + scale * vectors
    seg = np.full((3 * len(pos), 3), np.nan)
    seg[0::3], seg[1::3] = pos, tip
    head = 0.25 * scale * vectors  # arrow head: a quarter of the arrow, drawn ending at the tip
    colour = "#d62728"
    return [
        go.Scatter3d(x=seg[:, 0], y=seg[:, 1], z=seg[:, 2], mode="lines", name=name, legendgroup=name,
                     line=dict(color=colour, width=5), hoverinfo="skip"),
        go.Cone(x=tip[:, 0], y=tip[:, 1], z=tip[:, 2], u=head[:, 0], v=head[:, 1], w=head[:, 2],
                anchor="tip", sizemode="raw", sizeref=1.0, showscale=False, name=name, legendgroup=name,
                colorscale=[[0, colour], [1, colour]], hoverinfo="skip"),
    ]


def _colour(z: int) -> str:
    rgb = jmol_colors[z] if z < len(jmol_colors) else (0.5, 0.5, 0.5)
    return "rgb({},{},{})".format(*(int(round(255 * c)) for c in rgb))


def _check(symbols, pos):
    """(Z [n_atoms] int, pos [n_atoms, 3] float64) with clear errors."""
    pos = _as_numpy(pos, "pos")
    if pos.ndim != 2 or pos.shape[1] != 3:
        raise ValueError(f"pos: expected shape [n_atoms, 3], got {list(pos.shape)}")
    if not np.all(np.isfinite(pos)):
        raise ValueError("pos: expected finite coordinates, got NaN or inf")
    Z = []
    for s in symbols:
        if isinstance(s, str):
            if s not in atomic_numbers:
                raise ValueError(f"symbols: unknown element {s!r}")
            Z.append(atomic_numbers[s])
        else:
            if not 0 < int(s) < len(covalent_radii):
                raise ValueError(f"symbols: atomic number {s!r} out of range")
            Z.append(int(s))
    if len(Z) != len(pos):
        raise ValueError(f"symbols, pos: expected one symbol per position, got {len(Z)} and {len(pos)}")
    return np.array(Z, dtype=int), pos
