"""Figures of variational Monte Carlo: the energy converging toward the exact line, the sampled density.

Shared by lesson 05 and the ``quantum`` dashboard. The dashboard updates the returned figures in place:
trace 0.. of ``convergence_figure`` are the runs (``y`` energies, ``error_y.array`` standard errors); trace 0
of ``density_figure`` is the sampled density, trace 1 the exact one (see ``walker_density``).
"""
from __future__ import annotations

import numpy as np

__all__ = ["convergence_figure", "walker_density", "density_figure", "update_density"]


def _history(run) -> dict:
    return run.history if hasattr(run, "history") else run


def convergence_figure(runs, title=None, exact=None, references=(), height=380):
    r"""Energy per training iteration :math:`\bar E_L \pm \sigma/\sqrt{N}` with dashed reference lines.

    Args:
        runs: ``{name: history}`` where a history is ``VMC.history`` (``{"energy": [...], "error": [...]}``)
            or anything with a ``.history`` (a ``VMCResult``); may be empty (a dashboard fills it later).
        title: figure title; exact: the exact energy (Ha), drawn as "exact"; references: ``[(label, E)]``.

    Returns:
        a ``go.Figure``, one scatter trace per run (in order), x = iteration.

    >>> fig = convergence_figure({"neural": {"energy": [-0.4, -0.49], "error": [0.02, 0.01]}}, exact=-0.5)
    >>> list(fig.data[0].y), fig.layout.shapes[0].y0
    ([-0.4, -0.49], -0.5)
    """
    import plotly.graph_objects as go

    fig = go.Figure()
    for name, run in dict(runs).items():
        h = _history(run)
        fig.add_scatter(x=list(range(len(h["energy"]))), y=list(h["energy"]), name=name, mode="lines+markers",
                        marker_size=3, error_y=dict(type="data", array=list(h["error"]), thickness=0.6))
    for label, value in ([("exact", exact)] if exact is not None else []) + list(references):
        fig.add_hline(y=value, line_dash="dash", annotation_text=f"{label} {value:.4f}")
    fig.update_layout(title=title, xaxis_title="iteration", yaxis_title="energy (Ha)", height=height,
                      margin=dict(l=60, r=20, t=50, b=45))
    return fig


def density_figure(x, p=None, p_exact=None, label: str = "", *, title: str = "", three_d: bool = False,
                   height=340):
    """Sampled one-particle density (bars) against the exact one (line), from arrays.

    Args:
        x: ``[n_bins]`` bin centres (bohr); p: ``[n_bins]`` sampled density or None (no bars yet);
        p_exact: ``[n_bins]`` exact density or None; label: the exact curve's name;
        three_d: a radial density P(r) (axes say r) instead of ρ(x).

    Use ``airtools.quantum.walker_density`` for the arrays of a VMC run.

    >>> import numpy as np
    >>> fig = density_figure(np.linspace(-4, 4, 5), p_exact=np.ones(5), label="flat")
    >>> [t.type for t in fig.data], fig.layout.xaxis.title.text
    (['bar', 'scatter'], 'x (bohr)')
    """
    import plotly.graph_objects as go

    fig = go.Figure([go.Bar(name="VMC walkers", opacity=0.6, marker_line_width=0), go.Scatter(mode="lines")])
    update_density(fig, x, p, p_exact, label)
    fig.update_layout(title=title, xaxis_title="r (bohr)" if three_d else "x (bohr)",
                      yaxis_title="P(r)" if three_d else "ρ(x)", height=height, bargap=0, showlegend=True,
                      margin=dict(l=60, r=20, t=50, b=45), legend=dict(x=0.99, xanchor="right", y=0.99))
    return fig


def update_density(fig, x, p=None, p_exact=None, label: str = "") -> None:
    """Redraw :func:`density_figure`'s traces in place (``p`` None: clear the bars, keep the exact line)."""
    fig.data[0].update(x=None if p is None else x, y=p)
    fig.data[1].update(x=x, y=p_exact, name=label, visible=p_exact is not None)
