"""Figures of variational Monte Carlo: the energy converging toward the exact line, the sampled density.

Shared by lesson 05 and the ``quantum`` dashboard. The dashboard updates the returned figures in place:
trace 0.. of ``convergence_figure`` are the runs (``y`` energies, ``error_y.array`` standard errors); trace 0
of ``density_figure`` is the sampled density, trace 1 the exact one (see ``walker_density``).
"""
from __future__ import annotations

import math

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


def _exact_density(system: str):
    """Exact one-particle density for the systems that have one (radial P(r) in 3-D, |ψ|² per particle in 1-D)."""
    return {
        "harmonic_oscillator": ("exact e^{-x²}/√π", lambda x: np.exp(-x**2) / math.sqrt(math.pi)),
        "hydrogen": ("exact 4r² e^{-2r}", lambda r: 4 * r**2 * np.exp(-2 * r)),
        "trap_fermions": ("exact (1+2x²) e^{-x²}/(2√π)",
                          lambda x: (1 + 2 * x**2) * np.exp(-x**2) / (2 * math.sqrt(math.pi))),
        # helium has no closed form: the screened hydrogenic orbital (Z = 27/16) is the textbook reference
        "helium": ("hydrogenic Z=27/16", lambda r, Z=27 / 16: 4 * Z**3 * r**2 * np.exp(-2 * Z * r)),
    }.get(system)


def walker_density(system, walkers, n_bins: int = 60):
    r"""Histogram of walker positions: the radial density :math:`P(r) = 4\pi r^2\rho(r)` in 3-D, :math:`\rho(x)`
    in 1-D (one particle's coordinate, all particles pooled), with the exact curve where one is known.

    Args:
        system: a ``System`` or its name; walkers: ``[n_samples, n_particles, dim]`` (torch or numpy).

    Returns:
        ``(x [n_bins], p [n_bins], p_exact [n_bins] or None, label)``; ``p`` integrates to 1.

    >>> import numpy as np
    >>> x, p, p_exact, label = walker_density("hydrogen", np.random.default_rng(0).normal(size=(4000, 1, 3)))
    >>> x.shape, round(float(p.sum() * (x[1] - x[0])), 6), label
    ((60,), 1.0, 'exact 4r² e^{-2r}')
    """
    from airtools.quantum import get_system

    system = get_system(system)
    X = np.asarray(walkers.detach().cpu() if hasattr(walkers, "detach") else walkers, dtype=np.float64)
    if X.ndim != 3 or X.shape[1:] != (system.n_particles, system.dim):
        raise ValueError(f"walkers: expected shape [n, {system.n_particles}, {system.dim}] for {system.name}, "
                         f"got {list(X.shape)}")
    values = np.linalg.norm(X, axis=-1).ravel() if system.dim == 3 else X.ravel()
    lo, hi = (0.0, min(8.0, float(np.quantile(values, 0.995)) * 1.2)) if system.dim == 3 else (-4.0, 4.0)
    p, edges = np.histogram(values, bins=n_bins, range=(lo, hi), density=True)
    x = (edges[1:] + edges[:-1]) / 2
    exact = _exact_density(system.name)
    return x, p, (exact[1](x) if exact else None), (exact[0] if exact else "")


def density_figure(system, walkers=None, height=340):
    """Sampled one-particle density (bars) against the exact one (line); empty bars when ``walkers`` is None.

    >>> fig = density_figure("harmonic_oscillator")
    >>> [t.type for t in fig.data], fig.layout.xaxis.title.text
    (['bar', 'scatter'], 'x (bohr)')
    """
    import plotly.graph_objects as go
    from airtools.quantum import get_system

    system = get_system(system)
    fig = go.Figure([go.Bar(name="VMC walkers", opacity=0.6, marker_line_width=0), go.Scatter(mode="lines")])
    update_density(fig, system, walkers)
    three_d = system.dim == 3
    fig.update_layout(title=f"{system.title or system.name}: " + ("radial density P(r)" if three_d else "density ρ(x)"),
                      xaxis_title="r (bohr)" if three_d else "x (bohr)", yaxis_title="P(r)" if three_d else "ρ(x)",
                      height=height, bargap=0, showlegend=True, margin=dict(l=60, r=20, t=50, b=45),
                      legend=dict(x=0.99, xanchor="right", y=0.99))
    return fig


def update_density(fig, system, walkers=None) -> None:
    """Redraw ``density_figure``'s traces in place for new ``walkers`` (None: clear the bars, keep the exact line)."""
    from airtools.quantum import get_system

    system = get_system(system)
    if walkers is None:
        x = np.linspace(0, 6, 120) if system.dim == 3 else np.linspace(-4, 4, 120)
        p, exact = None, _exact_density(system.name)
        p_exact, label = (exact[1](x), exact[0]) if exact else (None, "")
    else:
        x, p, p_exact, label = walker_density(system, walkers)
    fig.data[0].update(x=None if p is None else x, y=p)
    fig.data[1].update(x=x, y=p_exact, name=label, visible=p_exact is not None)
