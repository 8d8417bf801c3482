"""Figures for generative models: a molecule whose atoms change place and element along a denoising
trajectory, metrics over diffusion time, cards of generated molecules and crystals, torsion-angle histograms.

Everything receives arrays (positions, atomic numbers, bond pairs, SMILES): the sampler and the metrics run
elsewhere (``airtools.generative``). Atoms are one marker trace with a colour per atom, so a frame in which an
atom changes element is a restyle of the same trace, not a new figure.
"""
from __future__ import annotations

import html

import numpy as np
import plotly.graph_objects as go
from ase.data import chemical_symbols, covalent_radii
from plotly.subplots import make_subplots

from airtools.viz._matrices import _as_numpy
from airtools.viz._molecules import _colour

__all__ = ["generation_figure", "update_generation", "metric_curves_figure", "move_time_marker", "sample_cards",
           "crystal_cards", "torsion_histograms"]

_HIDDEN = dict(showbackground=False, showticklabels=False, title="", showgrid=False, zeroline=False)


def generation_figure(z, pos, bonds=None, *, radius: float | None = None, title: str | None = None,
                      ghost=None) -> go.Figure:
    """A (generated) molecule in 3-D: bonds as lines, atoms as one marker trace coloured per element.

    Args:
        z: ``[n_atoms]`` atomic numbers; pos: ``[n_atoms, 3]`` Å.
        bonds: ``[n_bonds, 2]`` atom index pairs to draw (e.g. the bonds the stability test reads), or None.
        radius: half-width of the fixed cubic scene around the origin (default: fits ``pos`` plus 1.5 Å); give
            the largest over a trajectory so the view stays put while the atoms move.
        title: figure title.
        ghost: ``[n_atoms, 3]`` positions drawn as hollow circles (trace "ghost"), e.g. the rotated sample to
            compare with the sample from rotated noise; None for no such trace.

    Returns:
        a ``go.Figure`` with traces "bonds", "atoms" (hover labels "C0", "H1", ...) and, with ``ghost``, "ghost".

    >>> fig = generation_figure([8, 1, 1], [[0, 0, 0], [0.96, 0, 0], [-0.24, 0.93, 0]], [[0, 1], [0, 2]])
    >>> [t.name for t in fig.data], list(fig.data[1].text)
    (['bonds', 'atoms'], ['O0', 'H1', 'H2'])
    """
    z, pos, bonds = _check(z, pos, bonds)
    r = float(np.abs(pos).max()) + 1.5 if radius is None else float(radius)
    traces = [go.Scatter3d(mode="lines", name="bonds", line=dict(color="#888", width=6), hoverinfo="skip",
                           showlegend=False, **_segments(pos, bonds)),
              go.Scatter3d(mode="markers", name="atoms", showlegend=False, hovertemplate="%{text}<extra></extra>",
                           **_atoms(z, pos))]
    if ghost is not None:
        g = _as_numpy(ghost, "ghost").reshape(-1, 3)
        traces.append(go.Scatter3d(x=g[:, 0], y=g[:, 1], z=g[:, 2], mode="markers", name="ghost", showlegend=False,
                                   marker=dict(size=14, color="rgba(0,0,0,0)", line=dict(color="#d62728", width=2)),
                                   hoverinfo="skip"))
    fig = go.Figure(traces)
    axes = {f"{c}axis": dict(range=[-r, r], autorange=False, **_HIDDEN) for c in "xyz"}
    fig.update_layout(title=dict(text=title, x=0.5), height=420, margin=dict(l=0, r=0, t=40, b=0),
                      scene=dict(aspectmode="cube", camera=dict(eye=dict(x=0.9, y=0.9, z=0.65)), **axes),
                      uirevision="generation")  # a closer camera than plotly's default: the cube fills the view
    return fig


def update_generation(fig, z, pos, bonds=None, *, ghost=None, title: str | None = None) -> None:
    """Move (and recolour) the atoms of a :func:`generation_figure`; call it inside ``fig.batch_update()``.

    >>> fig = generation_figure([6, 6], [[0, 0, 0], [1.5, 0, 0]], [[0, 1]])
    >>> update_generation(fig, [6, 8], [[0, 0, 0], [1.2, 0, 0]], [[0, 1]]); list(fig.data[1].text)
    ['C0', 'O1']
    """
    z, pos, bonds = _check(z, pos, bonds)
    fig.data[0].update(**_segments(pos, bonds))
    fig.data[1].update(**_atoms(z, pos))
    if ghost is not None:
        g = _as_numpy(ghost, "ghost").reshape(-1, 3)
        fig.data[2].update(x=g[:, 0], y=g[:, 1], z=g[:, 2])
    if title is not None:
        fig.layout.title.text = title


def metric_curves_figure(t, curves: dict, *, current: float | None = None, title: str | None = None) -> go.Figure:
    """Metrics along a denoising trajectory: one line per name of ``curves`` over diffusion time t (1 -> 0,
    the noise on the left), in percent, and a vertical marker (trace "now") at ``current``.

    Args:
        t: ``[n_frames]`` diffusion times; curves: name -> ``[n_frames]`` fractions in [0, 1].

    >>> fig = metric_curves_figure([1.0, 0.5, 0.0], {"validity": [0.0, 0.5, 1.0]}, current=0.5)
    >>> [tr.name for tr in fig.data], list(fig.data[-1].x)
    (['validity', 'now'], [0.5, 0.5])
    """
    t = _as_numpy(t, "t").reshape(-1)
    fig = go.Figure()
    for name, values in curves.items():
        values = _as_numpy(values, name).reshape(-1)
        if values.shape != t.shape:
            raise ValueError(f"curves[{name!r}]: expected {len(t)} values (one per frame), got {len(values)}")
        fig.add_scatter(x=t, y=100 * values, mode="lines", name=name)
    now = t[-1] if current is None else current
    fig.add_scatter(x=[now, now], y=[0, 100], mode="lines", name="now", line=dict(color="#444", dash="dot"),
                    showlegend=False, hoverinfo="skip")
    fig.update_layout(title=dict(text=title, x=0.5), height=300, margin=dict(l=50, r=10, t=40, b=40),
                      xaxis=dict(title="diffusion time t (noise → molecule)", autorange="reversed"),
                      yaxis=dict(title="%", range=[-2, 102]), legend=dict(orientation="h", y=-0.3))
    return fig


def move_time_marker(fig, t: float) -> None:
    """Put the "now" marker of a :func:`metric_curves_figure` at time ``t`` (inside ``fig.batch_update()``)."""
    fig.data[-1].update(x=[t, t])


def sample_cards(smiles, stable=None, *, labels=None, size: int = 130) -> str:
    """HTML cards of generated molecules: a 2-D drawing and the SMILES of each valid one (RDKit), a red
    "invalid" card for those RDKit could not sanitise (``None``), and ✓/✗ for molecule stability.

    Args:
        smiles: one SMILES or ``None`` (invalid) per molecule; stable: one bool per molecule (or None).
        labels: a short caption per card (default "#0", "#1", ...); size: drawing size in pixels.

    >>> html_text = sample_cards(["CCO", None], [True, False])
    >>> html_text.count('class="sample-card '), "invalid" in html_text, "CCO" in html_text
    (2, True, True)
    """
    from rdkit import Chem, rdBase
    from rdkit.Chem.Draw import rdMolDraw2D

    smiles = list(smiles)
    stable = [None] * len(smiles) if stable is None else list(stable)
    labels = [f"#{i}" for i in range(len(smiles))] if labels is None else list(labels)
    if not len(stable) == len(labels) == len(smiles):
        raise ValueError(f"smiles, stable, labels: expected one per molecule, got {len(smiles)}, {len(stable)}, "
                         f"{len(labels)}")
    cards = []
    for s, ok, label in zip(smiles, stable, labels):
        mark = "" if ok is None else (' <span style="color:#2a7">✓ stable</span>' if ok
                                      else ' <span style="color:#999">✗ unstable</span>')
        with rdBase.BlockLogs():  # a generated "[H]" fragment makes RDKit warn; the card says what it is
            mol = Chem.MolFromSmiles(s) if s is not None else None
        if mol is None:
            body = (f'<div style="height:{size}px;display:flex;align-items:center;justify-content:center;'
                    f'color:#b00020;font-weight:bold">invalid</div><div class="smiles">—</div>')
            css = "sample-card invalid"
        else:
            drawer = rdMolDraw2D.MolDraw2DSVG(size, size)
            drawer.DrawMolecule(mol)
            drawer.FinishDrawing()
            svg = drawer.GetDrawingText().split("?>", 1)[-1]  # drop the XML header inside HTML
            body = f'{svg}<div class="smiles">{html.escape(s)}</div>'
            css = "sample-card valid"
        cards.append(f'<div class="{css}" style="display:inline-block;width:{size + 10}px;margin:3px;padding:3px;'
                     f'border:1px solid {"#b00020" if mol is None else "#ccc"};border-radius:4px;font-size:0.8em;'
                     f'text-align:center;vertical-align:top">{html.escape(label)}{mark}{body}</div>')
    return f'<div class="sample-cards">{"".join(cards)}</div>'


def crystal_cards(min_distance, space_group, delta_energy=None, *, valid_distance: float = 2.0, selected=None,
                  labels=None) -> str:
    """HTML cards of generated crystals: validity (closest pair vs ``valid_distance``), space group, and the EMT
    energy above a reference cell once it is known.

    Args:
        min_distance: ``[S]`` closest distance of each crystal, periodic images included (Å).
        space_group: ``S`` texts such as ``"Fm-3m (225)"``.
        delta_energy: ``[S]`` energy per atom above the reference (eV/atom); ``nan`` (or None for all) where
            not judged yet ("…"), ``inf`` where the energy could not be computed.
        selected: the index of the card to outline (the crystal shown), or None.
        labels: a short caption per card (default "#0", "#1", ...).

    >>> text = crystal_cards([2.5, 1.6], ["Fm-3m (225)", "P4/mmm (123)"], [0.001, float("nan")], selected=0)
    >>> text.count('class="crystal-card '), "invalid" in text, "+0.001" in text, "…" in text
    (2, True, True, True)
    """
    d = _as_numpy(min_distance, "min_distance").reshape(-1)
    groups = list(space_group)
    dE = np.full(len(d), np.nan) if delta_energy is None else _as_numpy(delta_energy, "delta_energy").reshape(-1)
    labels = [f"#{i}" for i in range(len(d))] if labels is None else list(labels)
    if not len(groups) == len(dE) == len(labels) == len(d):
        raise ValueError(f"min_distance, space_group, delta_energy, labels: expected one per crystal, got {len(d)}, "
                         f"{len(groups)}, {len(dE)}, {len(labels)}")
    cards = []
    for k, (dist, group, de, label) in enumerate(zip(d, groups, dE, labels)):
        valid = bool(dist >= valid_distance)
        energy = "…" if np.isnan(de) else ("EMT failed" if not np.isfinite(de) else f"{de:+.3f} eV/atom")
        border = "2px solid #1f77b4" if k == selected else f"1px solid {'#ccc' if valid else '#b00020'}"
        verdict = ('<span style="color:#2a7">✓ valid</span>' if valid else
                   '<span style="color:#b00020;font-weight:bold">✗ invalid</span>')
        cards.append(f'<div class="crystal-card {"valid" if valid else "invalid"}" style="display:inline-block;'
                     f'width:150px;margin:3px;padding:4px;border:{border};border-radius:4px;font-size:0.8em;'
                     f'vertical-align:top"><b>{html.escape(label)}</b> {verdict}<br>'
                     f'd<sub>min</sub> <span class="min-distance">{dist:.2f}</span> Å<br>'
                     f'<span class="space-group">{html.escape(group)}</span><br>'
                     f'ΔE <span class="energy-delta">{energy}</span></div>')
    return f'<div class="crystal-cards">{"".join(cards)}</div>'


def torsion_histograms(angles: dict, *, bins: int = 36, title: str | None = None) -> go.Figure:
    """Torsion-angle distributions side by side: one panel per name of ``angles`` (degrees, -180..180),
    as probability densities on the same axes.

    >>> fig = torsion_histograms({"reference": [60, 180, -60], "ETKDG": [65, 170, -50, 180]})
    >>> [t.name for t in fig.data]
    ['reference', 'ETKDG']
    """
    if not angles:
        raise ValueError("angles: expected at least one name -> array of angles in degrees")
    fig = make_subplots(rows=1, cols=len(angles), shared_yaxes=True, subplot_titles=list(angles))
    edges = np.linspace(-180, 180, bins + 1)
    for k, (name, values) in enumerate(angles.items(), start=1):
        values = _as_numpy(values, name).reshape(-1)
        fig.add_trace(go.Histogram(x=values, xbins=dict(start=-180, end=180, size=edges[1] - edges[0]),
                                   histnorm="probability density", name=name, showlegend=False), row=1, col=k)
        fig.update_xaxes(title_text="torsion (°)", range=[-180, 180], tickvals=[-180, -60, 60, 180], row=1, col=k)
    fig.update_yaxes(title_text="density (1/°)", row=1, col=1)
    fig.update_layout(title=dict(text=title, x=0.5), height=320, margin=dict(l=50, r=10, t=60, b=40), bargap=0.05)
    return fig


def _atoms(z, pos) -> dict:
    return dict(x=pos[:, 0], y=pos[:, 1], z=pos[:, 2], text=[f"{chemical_symbols[a]}{i}" for i, a in enumerate(z)],
                marker=dict(size=10 + 14 * covalent_radii[z], color=[_colour(a) for a in z], opacity=1.0,
                            line=dict(color="#333", width=1)))


def _segments(pos, bonds) -> dict:
    seg = np.full((3 * len(bonds), 3), np.nan)  # start, end, gap (NaN breaks the line)
    if len(bonds):
        seg[0::3], seg[1::3] = pos[bonds[:, 0]], pos[bonds[:, 1]]
    return dict(x=seg[:, 0], y=seg[:, 1], z=seg[:, 2])


def _check(z, pos, bonds):
    """(z [n] int, pos [n, 3] float64, bonds [m, 2] int) with clear errors."""
    z = np.asarray(_as_numpy(z, "z"), dtype=int).reshape(-1)
    pos = _as_numpy(pos, "pos")
    if pos.ndim != 2 or pos.shape != (len(z), 3):
        raise ValueError(f"z, pos: expected shapes [n_atoms] and [n_atoms, 3], got {[len(z)]} and {list(pos.shape)}")
    if not np.all(np.isfinite(pos)):
        raise ValueError("pos: expected finite coordinates, got NaN or inf")
    if len(z) and not (0 < z.min() and z.max() < len(covalent_radii)):
        raise ValueError(f"z: atomic numbers must lie in 1..{len(covalent_radii) - 1}, got {z.min()}..{z.max()}")
    bonds = np.zeros((0, 2), dtype=int) if bonds is None else np.asarray(bonds, dtype=int).reshape(-1, 2)
    if len(bonds) and (bonds.min() < 0 or bonds.max() >= len(z)):
        raise ValueError(f"bonds: atom indices must lie in 0..{len(z) - 1}")
    return z, pos, bonds
