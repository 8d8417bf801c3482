"""Matrices as heatmaps with a diverging colour scale, zero at white: Wigner-D, Clebsch-Gordan blocks.

The colour range is symmetric, [-max|M|, +max|M|], so white always means 0 and the same colour means the
same magnitude with the same sign. Rows are drawn top to bottom (row 0 at the top, as a matrix is written).
"""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

__all__ = ["matrix_heatmap", "update_heatmap", "m_labels", "wigner_D_figure", "clebsch_gordan_figure",
           "clebsch_gordan_matrix", "decomposition_text", "DIVERGING"]

# blue (negative) - white (0) - red (positive); ColorBrewer RdBu ends, exact white in the middle
DIVERGING = [[0.0, "#2166ac"], [0.25, "#92c5de"], [0.5, "#ffffff"], [0.75, "#f4a582"], [1.0, "#b2182b"]]
_MAX_ANNOTATED = 9  # write the numbers into the cells of matrices up to 9 x 9


def m_labels(l: int, name: str = "m") -> list[str]:
    """Row/column labels ``["m=-l", ..., "m=l"]`` for a ``[2l+1, 2l+1]`` matrix.

    >>> m_labels(1)
    ['m=-1', 'm=0', 'm=1']
    """
    _check_l(l, "l")
    return [f"{name}={m}" for m in range(-l, l + 1)]


def matrix_heatmap(M, *, title=None, labels=None) -> go.Figure:
    """A matrix as a heatmap: diverging colours, 0 = white, symmetric range [-max|M|, max|M|].

    Args:
        M: ``[a, b]`` matrix (numpy or torch).
        title: figure title.
        labels: row/column labels: one list (used for rows and columns of a square matrix) or a pair
            tuple ``(row_labels, col_labels)``; default: indices.

    Returns:
        a ``go.Figure`` with one ``go.Heatmap`` trace, ``z`` of shape ``[a, b]``.

    >>> fig = matrix_heatmap([[1.0, -2.0], [0.0, 0.5]], labels=["a", "b"])
    >>> fig.data[0].zmin, fig.data[0].zmax, fig.data[0].zmid, list(fig.data[0].y)
    (-2.0, 2.0, 0.0, ['a', 'b'])
    """
    fig = go.Figure(go.Heatmap(colorscale=DIVERGING, zmid=0.0, xgap=1, ygap=1,
                               colorbar=dict(thickness=12, len=0.8),
                               hovertemplate="row %{y}, col %{x}: %{z:.4f}<extra></extra>"))
    fig.update_layout(title=dict(text=title, x=0.5, y=0.99, yref="container", yanchor="top"), height=380,
                      margin=dict(l=60, r=10, t=70, b=20),
                      yaxis=dict(autorange="reversed", type="category"), xaxis=dict(type="category", side="top"),
                      plot_bgcolor="#d9d9d9")
    update_heatmap(fig, M, labels=labels)
    return fig


def update_heatmap(fig, M, *, labels=None, title=None) -> None:
    """Put a new matrix into a figure made by ``matrix_heatmap`` (works on ``go.FigureWidget`` too).

    Args:
        fig: a figure from ``matrix_heatmap``; M: ``[a, b]``; labels, title: as in ``matrix_heatmap``.
    """
    M = _as_numpy(M, "M")
    if M.ndim != 2:
        raise ValueError(f"M: expected a matrix of shape [a, b], got shape {list(M.shape)}")
    if not np.all(np.isfinite(M)):
        raise ValueError("M: expected finite numbers, got NaN or inf")
    rows, cols = _labels(labels, M.shape)
    c = _symmetric_range(M)
    small = max(M.shape) <= _MAX_ANNOTATED
    trace = fig.data[0]
    if trace.x is None or list(trace.x) != cols or list(trace.y) != rows:  # new labels re-lay out the axes
        trace.update(x=cols, y=rows, texttemplate="%{text}" if small else None)
    trace.update(z=M, zmin=-c, zmax=c, text=np.round(M, 2) if small else None)
    if title is not None:
        fig.layout.title.text = title


def wigner_D_figure(l: int, R) -> go.Figure:
    """The Wigner-D matrix D^l(R) ``[2l+1, 2l+1]`` as a heatmap with rows/columns m = -l..l.

    >>> import torch
    >>> fig = wigner_D_figure(1, torch.eye(3))
    >>> fig.data[0].z.tolist() == [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]
    True
    """
    import torch
    from airtools.so3 import wigner_D

    D = wigner_D(l, torch.as_tensor(R, dtype=torch.float64))
    return matrix_heatmap(D, title=f"D<sup>{l}</sup>(R)", labels=m_labels(l))


def clebsch_gordan_figure(l1: int, l2: int, l3: int) -> go.Figure:
    """The Clebsch-Gordan block C^{l3} of l1 x l2 as a ``[2l3+1, (2l1+1)(2l2+1)]`` heatmap.

    Row m3, column (m1, m2): the coupling z_{m3} = sum_{m1 m2} C_{m1 m2 m3} x_{m1} y_{m2} that takes the
    product of an l1 and an l2 feature to its l3 part.

    >>> fig = clebsch_gordan_figure(1, 1, 0)   # the dot product: C ~ identity / sqrt(3)
    >>> fig.data[0].z.shape, round(float(abs(fig.data[0].z).max()), 4)
    ((1, 9), 0.5774)
    """
    M, labels = clebsch_gordan_matrix(l1, l2, l3)
    return matrix_heatmap(M, title=f"C<sup>{l3}</sup> of {l1} ⊗ {l2}", labels=labels)


def decomposition_text(l1: int, l2: int) -> str:
    """The decomposition of l1 x l2 into irreps, with the dimension count, as one line of text.

    >>> decomposition_text(1, 2)
    '1 ⊗ 2 = 1 ⊕ 2 ⊕ 3    (dimensions 3 × 5 = 3 + 5 + 7 = 15)'
    """
    from airtools.so3 import decompose

    ls = decompose(l1, l2)
    dims = " + ".join(str(2 * l + 1) for l in ls)
    return (f"{l1} ⊗ {l2} = {' ⊕ '.join(map(str, ls))}    "
            f"(dimensions {2 * l1 + 1} × {2 * l2 + 1} = {dims} = {(2 * l1 + 1) * (2 * l2 + 1)})")


def clebsch_gordan_matrix(l1: int, l2: int, l3: int):
    """The coupling block C^{l3} of l1 x l2 as a matrix, with its row and column labels.

    M[m3, (m1, m2)] = C_{m1 m2 m3} (``airtools.so3.clebsch_gordan``, float64), columns in the order
    (m1, m2) = (-l1, -l2), (-l1, -l2 + 1), ...

    Returns:
        ``(M [2l3+1, (2l1+1)(2l2+1)], (row_labels, col_labels))``.

    >>> M, (rows, cols) = clebsch_gordan_matrix(1, 1, 1)
    >>> M.shape, rows[0], cols[:2]
    ((3, 9), 'm3=-1', ['-1,-1', '-1,0'])
    """
    import torch
    from airtools.so3 import clebsch_gordan

    C = clebsch_gordan(l1, l2, l3, dtype=torch.float64).numpy()  # [2l1+1, 2l2+1, 2l3+1]
    M = C.reshape(-1, 2 * l3 + 1).T
    cols = [f"{m1},{m2}" for m1 in range(-l1, l1 + 1) for m2 in range(-l2, l2 + 1)]
    return M, (m_labels(l3, "m3"), cols)


def _labels(labels, shape):
    a, b = shape
    if labels is None:
        return [str(i) for i in range(a)], [str(j) for j in range(b)]
    if isinstance(labels, tuple) and len(labels) == 2 and not any(isinstance(x, str) for x in labels):
        rows, cols = list(labels[0]), list(labels[1])  # (row_labels, col_labels)
    else:
        rows = cols = list(labels)
    if len(rows) != a or len(cols) != b:
        raise ValueError(f"labels: expected {a} row and {b} column labels, got {len(rows)} and {len(cols)}")
    return [str(r) for r in rows], [str(c) for c in cols]


def _symmetric_range(x: np.ndarray) -> float:
    """max|x| (1.0 for an all-zero array, so the colour scale stays defined)."""
    c = float(np.abs(x).max()) if x.size else 0.0
    return c if c > 0 else 1.0


def _as_numpy(x, name: str) -> np.ndarray:
    """float64 numpy copy of a numpy array, torch tensor or nested list."""
    if hasattr(x, "detach"):
        x = x.detach().cpu().numpy()
    try:
        return np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError) as e:
        raise ValueError(f"{name}: expected an array of numbers, got {type(x).__name__} ({e})") from None


def _check_l(l, name: str) -> None:
    if isinstance(l, bool) or not isinstance(l, (int, np.integer)) or l < 0:
        raise ValueError(f"{name}: expected an integer >= 0, got {l!r}")
