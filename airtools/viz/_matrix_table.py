"""A small matrix as an HTML table coloured like ``matrix_heatmap``: for a dashboard that redraws it live.

A plotly heatmap redraw costs ~15-30 ms of the browser's time without a GPU; a table of at most 13 x 13
coloured cells costs ~1 ms, which leaves a rotation's update time to the 3-D figure beside it. Each cell
shows the value to two decimals; its ``data-value`` attribute (and tooltip) holds the full float.
"""
from __future__ import annotations

import html

import numpy as np

from airtools.viz._matrices import DIVERGING, _as_numpy, _labels, _symmetric_range

__all__ = ["matrix_html"]

_STOPS = np.array([s for s, _ in DIVERGING])
_RGB = np.array([[int(c[i:i + 2], 16) for i in (1, 3, 5)] for _, c in DIVERGING], dtype=float)
_STYLE = ("<style>.airtools-matrix td{min-width:2.6em;height:1.9em;text-align:center;border:1px solid #d9d9d9}"
          ".airtools-matrix th{color:#666;font-weight:normal;padding:0 4px}</style>")
_MAX_CELLS = 400  # a table is for small matrices (D^l up to l = 9); larger ones belong in a heatmap


def matrix_html(M, *, labels=None, title=None) -> str:
    """``M`` as an HTML table: cells coloured on the diverging scale of ``matrix_heatmap`` (0 = white).

    Args:
        M: ``[a, b]`` matrix (numpy or torch), at most 400 cells.
        labels: as in ``matrix_heatmap``; title: HTML shown above the table.

    Returns:
        an HTML string: ``<table class="airtools-matrix">`` with a header row of column labels and one
        row per matrix row; each ``<td>`` has ``data-value`` (repr of the float) and a background colour.

    >>> out = matrix_html([[1.0, -0.5], [0.0, 0.25]], labels=["a", "b"])
    >>> 'data-value="-0.5"' in out, "#ffffff" in out, out.count("<td")
    (True, True, 4)
    >>> matrix_html([[1.0, float("nan")]])
    Traceback (most recent call last):
    ...
    ValueError: M: expected finite numbers, got NaN or inf
    """
    M = _as_numpy(M, "M")
    if M.ndim != 2 or M.size > _MAX_CELLS:
        raise ValueError(f"M: expected a matrix [a, b] of at most {_MAX_CELLS} cells, got shape {list(M.shape)}")
    if not np.all(np.isfinite(M)):
        raise ValueError("M: expected finite numbers, got NaN or inf")
    rows, cols = _labels(labels, M.shape)
    colours = _colours(M / _symmetric_range(M))
    head = "".join(f"<th>{html.escape(c)}</th>" for c in cols)
    body = "".join(
        f"<tr><th>{html.escape(r)}</th>" + "".join(
            f'<td data-value="{v!r}" title="{v:.6f}" style="background:{c}">{v:.2f}</td>'
            for v, c in zip(M[i].tolist(), colours[i])) + "</tr>"
        for i, r in enumerate(rows))
    caption = f'<div style="text-align:center;margin-bottom:4px">{title}</div>' if title else ""
    return (f'<div class="airtools-matrix-box">{_STYLE}{caption}'
            '<table class="airtools-matrix" style="border-collapse:collapse;font:11px monospace;margin:auto">'
            f"<tr><th></th>{head}</tr>{body}</table></div>")


def _colours(x: np.ndarray) -> list[list[str]]:
    """Hex colours of values in [-1, 1] on ``DIVERGING``, ``[a, b]`` -> nested lists of ``"#rrggbb"``."""
    t = (np.clip(x, -1, 1) + 1) / 2
    rgb = np.stack([np.interp(t, _STOPS, _RGB[:, k]) for k in range(3)], axis=-1).round().astype(int)
    return [[f"#{r:02x}{g:02x}{b:02x}" for r, g, b in row] for row in rgb]
