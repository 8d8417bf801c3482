"""Protein figures: a 3-D cartoon (py3Dmol), the Ramachandran plot and the residue contact map.

Residues are indexed ``0..n_res-1`` in chain order (the protein residues of the PDB text: those with backbone
atoms N, CA, C and a carbonyl O, as ``airtools.data.load_chain`` keeps them), the same index in all three views.
Secondary-structure labels use DSSP's three classes ``H`` (helix), ``E`` (strand), ``-`` (coil), coloured
``SS_COLORS`` everywhere.
``highlight_residue`` marks one residue in the plotly figures; ``protein_view(..., highlight=k)`` in 3-D.
"""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from airtools.viz._assets import THREEDMOL_URL
from airtools.viz._py3dmol import view_class

__all__ = ["protein_view", "restyle_script", "ramachandran_figure", "update_ramachandran", "contact_map_figure", "update_contact_map",
           "highlight_residue", "SS_COLORS"]

SS_COLORS = {"H": "#d62728", "E": "#1f77b4", "-": "#a0a0a0"}  # helix red, strand blue, coil grey
SS_NAMES = {"H": "helix (H)", "E": "strand (E)", "-": "coil (-)"}
BACKBONE = ("N", "CA", "C")  # a protein residue has these and a carbonyl O (the residues load_chain keeps)
CARBONYL_O = ("O", "OT1", "OXT")  # the C-terminal O may be named OT1 (CHARMM) or OXT
SELECTED = "selected residue"  # name of the highlight trace in both plotly figures
# (name, φ range, ψ range) of the textbook regions, degrees: right-handed α helix, β strand, left-handed helix
REGIONS = [("α", (-160, -20), (-120, 50), "#d62728"), ("β", (-180, -45), (90, 180), "#1f77b4"),
           ("Lα", (45, 90), (0, 90), "#9467bd")]


def protein_view(pdb_text: str, colors=None, *, highlight=None, rotation=None, width=640, height=420):
    """A py3Dmol cartoon of the protein in ``pdb_text``, coloured per residue; 3Dmol.js from ``THREEDMOL_URL``.

    Protein residues (those with N, CA, C and a carbonyl O) are renumbered ``1..n_res`` in chain order, so that
    colour ``k`` goes to residue ``k`` whatever the file's numbering (insertion codes, several chains);
    ligands are drawn as sticks, waters dropped. ``rotation`` turns every atom about the centre of mass c: x ↦ R (x − c) + c.

    Args:
        pdb_text: text of a PDB file.
        colors: ``n_res`` CSS colours in chain order; or a string of ``n_res`` labels from ``H``/``E``/``-``
            (coloured ``SS_COLORS``); or None for a rainbow N → C (3Dmol's spectrum).
        highlight: residue index (0-based) drawn in sticks as well, or None.
        rotation: ``R [3, 3]`` (numpy or torch) applied to the coordinates, or None.
        width, height: size in pixels.

    Returns:
        a ``py3Dmol.view``; show it with ``.show()`` or as the last expression of a cell.

    Raises:
        ValueError: no protein residue in the text, or ``colors``/``highlight`` not matching ``n_res``.

    >>> pdb = "ATOM      1  N   GLY A   7       0.000   0.000   0.000  1.00  0.00           N\\n" \\
    ...       "ATOM      2  CA  GLY A   7       1.450   0.000   0.000  1.00  0.00           C\\n" \\
    ...       "ATOM      3  C   GLY A   7       2.000   1.400   0.000  1.00  0.00           C\\n" \\
    ...       "ATOM      4  O   GLY A   7       1.300   2.400   0.000  1.00  0.00           O\\n"
    >>> html = protein_view(pdb, colors=["orange"])._make_html()
    >>> THREEDMOL_URL in html, '{"resi": [1]},{"cartoon": {"color": "orange"}}' in html, "https://" in html
    (True, True, False)
    """
    st, n_res, ligands = _protein_structure(pdb_text)
    if rotation is not None:
        _rotate(st, rotation)
    view = view_class()(width=width, height=height, js=THREEDMOL_URL)
    view.addModel(_pdb_string(st), "pdb")
    view.airtools_residues = (n_res, ligands)  # for restyle_script
    _style(view, colors, highlight, n_res, ligands)
    view.zoomTo()
    return view


def restyle_script(view, colors=None, *, highlight=None) -> str:
    """HTML ``<script>`` that recolours and re-highlights a ``protein_view`` already shown in the page.

    py3Dmol's own ``view.update()`` mechanism (commands for ``viewer_<id>``), returned instead of published:
    a dashboard puts it into an output area, and the viewer restyles in place — no new WebGL context,
    no re-parsing of the structure, a few hundred bytes instead of the whole PDB text. It runs after the
    page's next frame, so that plotly figures changed by the same callback are drawn first.

    Args:
        view: a view from ``protein_view`` whose HTML has been made (``.show()`` or ``._make_html()``).
        colors, highlight: as in ``protein_view``.

    Returns:
        the script, as HTML text.

    >>> pdb = "ATOM      1  N   GLY A   7       0.000   0.000   0.000  1.00  0.00           N\\n" \\
    ...       "ATOM      2  CA  GLY A   7       1.450   0.000   0.000  1.00  0.00           C\\n" \\
    ...       "ATOM      3  C   GLY A   7       2.000   1.400   0.000  1.00  0.00           C\\n" \\
    ...       "ATOM      4  O   GLY A   7       1.300   2.400   0.000  1.00  0.00           O\\n"
    >>> view = protein_view(pdb); html = view._make_html()
    >>> script = restyle_script(view, "E")
    >>> f"viewer_{view.uniqueid}.render()" in script, '{"cartoon": {"color": "#1f77b4"}}' in script
    (True, True)
    """
    if getattr(view, "uniqueid", None) is None or "airtools_residues" not in vars(view):
        raise ValueError("view: expected a protein_view already shown (call .show() or ._make_html() first)")
    view.updatejs = ""
    _style(view, colors, highlight, *view.airtools_residues)
    js = view.updatejs.replace("UNIQUEID", view.uniqueid)
    view.updatejs = ""
    # after the next frame: plotly figures changed by the same callback are drawn first
    return (f"<script>$3Dmolpromise.then(function() {{ requestAnimationFrame(function() {{ setTimeout(function() {{\n"
            f"{js}viewer_{view.uniqueid}.render();\n}}, 0); }}); }});</script>")


def _style(view, colors, highlight, n_res, ligands) -> None:
    """Cartoon coloured per residue (or spectrum), ligands in sticks, residue ``highlight`` in sticks too."""
    if colors is None:
        view.setStyle({}, {"cartoon": {"color": "spectrum"}})
    else:
        view.setStyle({}, {"cartoon": {}})
        for colour, resi in _colour_groups(colors, n_res).items():
            view.setStyle({"resi": resi}, {"cartoon": {"color": colour}})
    if ligands:
        view.setStyle({"resi": ligands}, {"stick": {"radius": 0.2}})
    if highlight is not None:
        k = _check_index(highlight, n_res)
        view.addStyle({"resi": [k + 1]}, {"stick": {"radius": 0.25, "colorscheme": "orangeCarbon"}})


def ramachandran_figure(phi, psi, labels=None, *, names=None) -> go.Figure:
    """Ramachandran plot: ψ against φ per residue, coloured by secondary structure, textbook regions shaded.

    Args:
        phi, psi: ``[n_res]`` torsions in degrees, in [-180, 180]; NaN (chain ends) are left out.
        labels: ``n_res`` labels from ``H``/``E``/``-`` (a string or a list), or None (all grey).
        names: ``n_res`` hover names (e.g. ``"A12 ALA"``), or None for the index.

    Returns:
        a ``go.Figure`` with one scatter trace per class (``customdata`` = residue index) and a last trace
        ``SELECTED`` for ``highlight_residue``; square axes fixed to [-180, 180].

    >>> fig = ramachandran_figure([-60.0, -120.0, float("nan")], [-45.0, 130.0, 10.0], "HE-")
    >>> [(t.name, t.customdata.tolist()) for t in fig.data[:3]]
    [('helix (H)', [0]), ('strand (E)', [1]), ('coil (-)', [])]
    """
    fig = go.Figure()
    for label in SS_COLORS:  # no marker outline: plotly styles each outlined point on its own (~12 ms a redraw)
        fig.add_scatter(x=[], y=[], mode="markers", name=SS_NAMES[label],
                        marker=dict(size=7, color=SS_COLORS[label], opacity=0.85),
                        hovertemplate="%{text}<br>φ %{x:.0f}°, ψ %{y:.0f}°<extra></extra>")
    fig.add_scatter(x=[], y=[], mode="markers", name=SELECTED, showlegend=False, hoverinfo="skip",
                    marker=dict(size=16, color="rgba(0,0,0,0)", line=dict(width=3, color="#ff7f0e")))
    for name, (f0, f1), (s0, s1), colour in REGIONS:
        fig.add_shape(type="rect", x0=f0, x1=f1, y0=s0, y1=s1, fillcolor=colour, opacity=0.08, line_width=0,
                      layer="below")
        fig.add_annotation(x=(f0 + f1) / 2, y=s1, text=name, showarrow=False, yshift=-10,
                           font=dict(color=colour, size=13))
    axis = dict(range=[-180, 180], tickvals=list(range(-180, 181, 60)), zeroline=True, zerolinecolor="#ccc",
                showgrid=True, gridcolor="#eee", ticksuffix="°")
    fig.update_layout(title=dict(text="Ramachandran plot", x=0.5), width=420, height=440, plot_bgcolor="white",
                      xaxis=dict(title="φ", **axis), yaxis=dict(title="ψ", scaleanchor="x", **axis),
                      margin=dict(l=55, r=10, t=45, b=45), legend=dict(orientation="h", y=-0.15))
    update_ramachandran(fig, phi, psi, labels, names=names)
    return fig


def update_ramachandran(fig, phi, psi, labels=None, *, names=None) -> None:
    """Put new torsions/labels into a figure from ``ramachandran_figure`` (also a ``go.FigureWidget``)."""
    phi, psi = _as_1d(phi, "phi"), _as_1d(psi, "psi")
    n = len(phi)
    if len(psi) != n:
        raise ValueError(f"psi: expected {n} values like phi, got {len(psi)}")
    finite = np.isfinite(phi) & np.isfinite(psi)
    if np.any(np.abs(phi[finite]) > 180 + 1e-6) or np.any(np.abs(psi[finite]) > 180 + 1e-6):
        raise ValueError("phi, psi: expected degrees in [-180, 180]; convert radians with np.degrees")
    labels = _check_labels("-" * n if labels is None else labels, n)
    names = [f"residue {i}" for i in range(n)] if names is None else list(names)
    if len(names) != n:
        raise ValueError(f"names: expected {n} names (one per residue), got {len(names)}")
    with fig.batch_update():
        for trace, label in zip(fig.data, SS_COLORS):
            idx = np.flatnonzero(finite & (labels == label))
            trace.update(x=phi[idx], y=psi[idx], customdata=idx, text=[names[i] for i in idx])
        fig.data[-1].update(x=[], y=[])


def contact_map_figure(dist_or_contacts, *, cutoff=8.0, labels=None) -> go.Figure:
    """Residue contact map: a heatmap over residue indices, contacts (d < cutoff) dark, optional DSSP strip.

    Args:
        dist_or_contacts: ``[n_res, n_res]`` distances in Å (e.g. between Cα atoms), or booleans (contacts).
        cutoff: contact distance in Å (distances: the colour scale turns from blue to grey at ``cutoff``).
        labels: ``n_res`` labels from ``H``/``E``/``-`` drawn as a coloured strip above the map, or None.

    Returns:
        a ``go.Figure``: trace 0 the map (``z [n_res, n_res]``, distances clipped at 2·cutoff), trace 1 the
        strip (empty without labels), last trace ``SELECTED`` (crosshair, see ``highlight_residue``).

    >>> fig = contact_map_figure([[0.0, 3.8], [3.8, 0.0]], labels="HH")
    >>> fig.data[0].z.shape, list(fig.data[1].z)
    ((2, 2), [[0, 0]])
    """
    fig = go.Figure()
    fig.add_heatmap(x=[], y=[], z=[[]], yaxis="y", hovertemplate="residues %{y}, %{x}: %{z:.1f}<extra></extra>",
                    colorbar=dict(thickness=12, len=0.7, y=0.45))
    fig.add_heatmap(z=[[]], yaxis="y2", showscale=False, zmin=0, zmax=2, hoverinfo="skip",
                    colorscale=[[0, SS_COLORS["H"]], [0.33, SS_COLORS["H"]], [0.34, SS_COLORS["E"]],
                                [0.66, SS_COLORS["E"]], [0.67, SS_COLORS["-"]], [1, SS_COLORS["-"]]])
    fig.add_scatter(x=[], y=[], mode="lines", name=SELECTED, showlegend=False, hoverinfo="skip",
                    line=dict(color="#ff7f0e", width=1.5))
    fig.update_layout(title=dict(text=f"contact map (Cα, cutoff {cutoff:g} Å)", x=0.5), width=440, height=440,
                      plot_bgcolor="white", margin=dict(l=50, r=10, t=45, b=45),
                      xaxis=dict(title="residue", constrain="domain"),
                      yaxis=dict(title="residue", autorange="reversed", domain=[0, 0.93], scaleanchor="x"),
                      yaxis2=dict(domain=[0.945, 0.985], showticklabels=False, showgrid=False, zeroline=False))
    update_contact_map(fig, dist_or_contacts, cutoff=cutoff, labels=labels)
    return fig


def update_contact_map(fig, dist_or_contacts, *, cutoff=8.0, labels=None) -> None:
    """Put a new map (and strip) into a figure from ``contact_map_figure`` (also a ``go.FigureWidget``)."""
    D = np.asarray(dist_or_contacts.detach().cpu() if hasattr(dist_or_contacts, "detach") else dist_or_contacts)
    if D.ndim != 2 or D.shape[0] != D.shape[1] or D.shape[0] == 0:
        raise ValueError(f"contact map: expected a square [n_res, n_res] matrix, got shape {list(D.shape)}")
    n = D.shape[0]
    if D.dtype == bool:
        z = D.astype(np.float32)
        scale = dict(colorscale=[[0, "#ffffff"], [1, "#08306b"]], zmin=0, zmax=1, showscale=False)
    else:
        if not np.all(np.isfinite(D)) or np.any(D < 0):
            raise ValueError("contact map: expected finite distances >= 0 (Å), got NaN, inf or negative values")
        z = np.minimum(D, 2 * cutoff).astype(np.float32)  # half the bytes to the browser; 1e-6 Å is plenty
        scale = dict(colorscale=[[0, "#08306b"], [0.5, "#9ecae1"], [0.5, "#f0f0f0"], [1, "#ffffff"]],
                     zmin=0, zmax=2 * cutoff, showscale=True)
    idx = np.arange(n)
    strip = [] if labels is None else [["HE-".index(c) for c in _check_labels(labels, n)]]
    with fig.batch_update():
        fig.data[0].update(x=idx, y=idx, z=z, **scale)
        fig.data[1].update(x=idx, z=strip)
        fig.data[-1].update(x=[], y=[])


def highlight_residue(fig, k) -> None:
    """Mark residue ``k`` (0-based; None clears) in a Ramachandran or contact-map figure from this module.

    Ramachandran: a ring around the residue's (φ, ψ) point (none at a chain end, where φ or ψ is undefined);
    contact map: a crosshair through row and column ``k``.

    >>> fig = contact_map_figure(np.zeros((3, 3)))
    >>> highlight_residue(fig, 1); list(fig.data[-1].x)
    [1, 1, None, -0.5, 2.5]
    """
    selected = fig.data[-1]
    if k is None:
        selected.update(x=[], y=[])
    elif fig.data[0].type == "heatmap":
        n = len(fig.data[0].x)
        k = _check_index(k, n)
        selected.update(x=[k, k, None, -0.5, n - 0.5], y=[-0.5, n - 0.5, None, k, k])
    else:
        k = int(k)
        for trace in fig.data[:-1]:
            hit = np.flatnonzero(np.asarray(trace.customdata) == k) if trace.customdata is not None else []
            if len(hit):
                selected.update(x=[trace.x[hit[0]]], y=[trace.y[hit[0]]])
                return
        selected.update(x=[], y=[])


def _protein_structure(pdb_text: str):
    """(gemmi structure of the first model, n_res, ligand residue numbers), residues renumbered.

    Protein residues (backbone atoms N, CA, C and a carbonyl O, whatever the residue's name, so force-field
    names such as CHARMM's HSD count: the residues ``airtools.data.load_chain`` keeps) become ``1..n_res`` in
    file order; every other residue gets a number after them, and those without CA are drawn as ligands.
    """
    import gemmi

    if not isinstance(pdb_text, str) or "ATOM" not in pdb_text and "HETATM" not in pdb_text:
        raise ValueError("pdb: no ATOM/HETATM records found; upload a protein structure in PDB format")
    try:
        st = gemmi.read_pdb_string(pdb_text)
    except (RuntimeError, ValueError) as e:
        raise ValueError(f"pdb: cannot read the text as PDB ({e}); upload a protein structure in PDB format") from None
    while len(st) > 1:
        del st[1]
    st.remove_waters()  # crystallographic names (HOH, WAT, ...); then a simulation box's solvent and counter-ions
    for chain in st[0]:
        for k in reversed(range(len(chain))):
            if _is_solvent(chain[k]):
                del chain[k]
    st.remove_empty_chains()
    st.remove_alternative_conformations()
    residues = [r for chain in st[0] for r in chain] if len(st) else []
    protein = [all(r.find_atom(x, "*") is not None for x in BACKBONE)
               and any(r.find_atom(o, "*") is not None for o in CARBONYL_O) for r in residues]
    n_res = sum(protein)
    if n_res == 0:
        raise ValueError("pdb: no protein residues with backbone atoms N, CA, C, O found; "
                         "upload a protein structure in PDB format")
    order = [k for k, p in enumerate(protein) if p] + [k for k, p in enumerate(protein) if not p]
    for number, k in enumerate(order, start=1):
        residues[k].seqid = gemmi.SeqId(number, " ")
    ligands = [number for number, k in enumerate(order, start=1) if residues[k].find_atom("CA", "*") is None]
    return st, n_res, ligands


# water models and counter-ions of simulation boxes (GROMACS SOL, CHARMM TIP3/SOD/CLA, AMBER WAT/Na+/Cl-, ...):
# drawn as sticks they would fill the box and hide the protein; metal ions of the structure itself (ZN, MG,
# CA, FE, ...) are kept
WATER_MODELS = {"SOL", "WAT", "HOH", "H2O", "DOD", "TIP", "TIP3", "TIP4", "TIP5", "TP3", "TP4", "T3P", "T4P", "T4E",
                "SPC", "SPCE", "OPC"}
COUNTER_IONS = {"NA", "NA+", "SOD", "CL", "CL-", "CLA", "K", "K+", "POT", "CES", "LIT", "RB"}


def _is_solvent(residue) -> bool:
    """A water model, or a single-atom counter-ion of a simulation box (by residue name).

    >>> import gemmi
    >>> r = gemmi.Residue(); r.name = "SOL"; _is_solvent(r)
    True
    """
    name = residue.name.strip().upper()
    return residue.is_water() or name in WATER_MODELS or (name in COUNTER_IONS and len(residue) == 1)


def _pdb_string(st) -> str:
    """ATOM/HETATM/TER records only (no CRYST1: 3Dmol.js computes helices and strands for the cartoon)."""
    import gemmi

    options = gemmi.PdbWriteOptions(minimal=True)
    options.cryst1_record = False
    return st.make_pdb_string(options)


def _rotate(st, R) -> None:
    """x ↦ R (x − c) + c for every atom of model 0, c = its centre of mass."""
    import gemmi

    R = np.asarray(R.detach().cpu() if hasattr(R, "detach") else R, dtype=float)
    if R.shape != (3, 3) or not np.allclose(R @ R.T, np.eye(3), atol=1e-5):
        raise ValueError(f"rotation: expected an orthogonal [3, 3] matrix, got shape {list(R.shape)}")
    c = np.array(st[0].calculate_center_of_mass().tolist())
    st[0].transform_pos_and_adp(gemmi.Transform(gemmi.Mat33(R.tolist()), gemmi.Vec3(*(c - R @ c))))


def _colour_groups(colors, n_res) -> dict:
    """{colour: [residue numbers 1..n_res]} from a colour list or an H/E/- label string."""
    if isinstance(colors, str):
        colors = [SS_COLORS[c] for c in _check_labels(colors, n_res)]
    colors = list(colors)
    if len(colors) != n_res:
        raise ValueError(f"colors: expected {n_res} colours (one per protein residue), got {len(colors)}")
    groups = {}
    for k, colour in enumerate(colors, start=1):
        groups.setdefault(str(colour), []).append(k)
    return groups


def _check_labels(labels, n) -> np.ndarray:
    labels = np.array(list(labels), dtype="<U1")
    if len(labels) != n:
        raise ValueError(f"labels: expected {n} labels (one per residue), got {len(labels)}")
    bad = sorted(set(labels.tolist()) - set(SS_COLORS))
    if bad:
        raise ValueError(f"labels: expected H (helix), E (strand) or - (coil), got {bad[:5]}")
    return labels


def _check_index(k, n) -> int:
    if not 0 <= int(k) < n:
        raise ValueError(f"residue: expected an index 0 <= k < {n}, got {k}")
    return int(k)


def _as_1d(x, name) -> np.ndarray:
    x = np.asarray(x.detach().cpu() if hasattr(x, "detach") else x, dtype=float)
    if x.ndim != 1:
        raise ValueError(f"{name}: expected a 1-D array [n_res] in degrees, got shape {list(x.shape)}")
    return x
