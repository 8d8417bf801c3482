"""Dashboard plumbing: callbacks that report errors as a message (never a traceback) and time themselves.

A dashboard is widgets plus ``observe`` callbacks. Wrap each callback with ``guard``: an exception becomes a
short red message in an ``ipywidgets.HTML`` area, and the callback's kernel time is shown ("update: 12 ms").
Callbacks that change other widgets (re-bounding a slider with ``set_bounds``) would fire themselves again;
``guard`` skips such nested calls, because the outer call reads every widget's current value anyway.
"""
from __future__ import annotations

import functools
import html
import itertools
import math
import time
from pathlib import Path

import numpy as np

__all__ = ["guard", "set_bounds", "parse_angles", "figure_widget"]

_FIGURE_VIEW = Path(__file__).with_name("figure_view.js")  # the lean browser view of figure_widget
_UPDATES = itertools.count(1)  # finished callbacks in this kernel: the timing label's data-update


def guard(message, timing=None):
    """Decorator for widget callbacks: errors go to ``message``, the callback's time to ``timing``.

    Args:
        message: an ``ipywidgets.HTML`` cleared on success and given the error on failure
            (``ValueError`` text as is; other exceptions prefixed with their type).
        timing: an ``ipywidgets.HTML`` that shows ``update: <ms> ms`` after each call (optional); its
            ``data-update`` attribute counts the finished calls of every guarded callback of the kernel, so
            a test can wait until an update has finished instead of sleeping.

    Returns:
        a decorator; the wrapped callback takes the widget ``change`` (or nothing), returns None, and
        records its last duration in ``wrapped.last_ms``.

    >>> class Area:  # any object with a .value, e.g. ipywidgets.HTML
    ...     value = ""
    >>> msg = Area()
    >>> @guard(msg)
    ... def update(change=None):
    ...     raise ValueError("l: expected 0 <= l <= 6, got 9")
    >>> update(); "l: expected 0 &lt;= l &lt;= 6, got 9" in msg.value
    True
    """
    def decorate(fn):
        busy = False

        @functools.wraps(fn)
        def wrapped(change=None):
            nonlocal busy
            if busy:  # fired by the callback's own widget changes
                return
            busy = True
            t0 = time.perf_counter()
            try:
                fn(change)
                message.value = ""
            except Exception as e:  # a dashboard shows every error as a message, never a traceback
                text = str(e) if isinstance(e, ValueError) else f"{type(e).__name__}: {e}"
                message.value = f'<div class="airtools-message" style="color:#b00020">⚠ {html.escape(text)}</div>'
            finally:
                busy = False
                wrapped.last_ms = 1e3 * (time.perf_counter() - t0)
                if timing is not None:
                    timing.value = (f'<span class="airtools-timing" data-update="{next(_UPDATES)}" '
                                    f'style="color:#888;font-size:0.8em">'
                                    f"update: {wrapped.last_ms:.0f} ms</span>")

        wrapped.last_ms = float("nan")
        return wrapped

    return decorate


def figure_widget(fig):
    """A ``go.FigureWidget`` of ``fig``; under the portal, one with a lean browser view.

    Under the portal's Voila (``AIRTOOLS_VOILA_URL`` is set) the widget's browser side is
    ``figure_view.js``: plotly.js from the portal (one ~5 MB download per page, not one copy per figure
    through the kernel's websocket), numeric arrays of any shape sent as binary buffers (plotly sends
    matrices as JSON lists), and edits applied with ``Plotly.update`` without plotly's echo of the full
    figure state back to the kernel after every edit. 3-D scenes draw one canvas pixel per CSS pixel
    (plotly's default, ``plotGlPixelRatio=2``, draws four times as many). Without a GPU that halves the
    time a widget change takes to reach the page. Elsewhere it is a plain ``go.FigureWidget``.

    Tick labels of 2-D axes and colour bars may overflow the figure (``ticklabeloverflow="allow"`` where
    ``fig`` leaves it unset): plotly's default measures every tick label after every redraw to hide those
    past the edge, a forced page layout per label (~7 ms of each small figure's redraw in a Voila page).

    Draw the first state into ``fig`` before wrapping it: a FigureWidget sends later changes as
    messages, which a page that connects after the notebook has run (Voila's preheated kernels) misses.
    Python-side ``trace.on_click`` callbacks work; ``on_edits_completed`` and reading plotly's computed
    defaults back (``full_figure_for_development``) do not, under the portal.

    Args:
        fig: a ``go.Figure`` (or anything ``go.FigureWidget`` accepts).

    Returns:
        a ``go.FigureWidget`` (subclass); update it inside ``fig.batch_update()``.

    >>> import plotly.graph_objects as go
    >>> w = figure_widget(go.Figure(go.Scatter(y=[1, 2])))
    >>> isinstance(w, go.FigureWidget), list(w.data[0].y), w._config["plotGlPixelRatio"]
    (True, [1, 2], 1)
    """
    import plotly.graph_objects as go
    from airtools.viz._assets import under_portal

    fig = _allow_tick_label_overflow(go.Figure(fig))
    widget = _portal_figure_widget_class()(fig) if under_portal() else go.FigureWidget(fig)
    widget._config = {**widget._config, "plotGlPixelRatio": 1}
    return widget


def _allow_tick_label_overflow(fig):
    """``fig`` with ``ticklabeloverflow="allow"`` on every 2-D axis and shown colour bar that leaves it unset.

    Colour bars are touched only where they show: giving a hidden one a property would make plotly draw it.
    """
    def allow(obj):
        if obj.ticklabeloverflow is None:
            obj.ticklabeloverflow = "allow"

    fig.for_each_xaxis(allow)
    fig.for_each_yaxis(allow)
    for trace in fig.data:
        if "colorbar" in trace and trace.showscale is not False and trace.coloraxis is None:
            allow(trace.colorbar)  # heatmaps, surfaces, meshes: a colour bar unless showscale=False
        if "marker" in trace and "colorbar" in trace.marker and trace.marker.showscale:
            allow(trace.marker.colorbar)
    for name in fig.layout:
        if name.startswith("coloraxis") and fig.layout[name].showscale is not False:
            allow(fig.layout[name].colorbar)
    return fig


@functools.lru_cache(maxsize=1)
def _portal_figure_widget_class():
    import plotly.graph_objects as go
    from plotly.serializers import _js_to_py
    from traitlets import Dict, List

    attrs = {"_esm": _FIGURE_VIEW, "__module__": __name__,
             "_widget_data": List().tag(sync=True, to_json=_to_js, from_json=_js_to_py)}
    for name in ("_widget_layout", "_config"):
        attrs[name] = Dict().tag(sync=True, to_json=_to_js, from_json=_js_to_py)
    for name in ("_py2js_addTraces", "_py2js_restyle", "_py2js_relayout", "_py2js_update", "_py2js_deleteTraces",
                 "_py2js_moveTraces"):
        attrs[name] = Dict(allow_none=True).tag(sync=True, to_json=_to_js, from_json=_js_to_py)
    return type("PortalFigureWidget", (go.FigureWidget,), attrs)


def _to_js(value, widget=None):
    """Widget state for ``figure_view.js``: numeric arrays as ``{buffer, dtype, shape}`` (any number of dims).

    >>> out = _to_js({"z": np.arange(6.0).reshape(2, 3), "i": np.arange(3), "t": ("a", "b")})
    >>> out["z"]["dtype"], out["z"]["shape"], out["i"]["dtype"], out["t"]
    ('float64', [2, 3], 'int32', ['a', 'b'])
    """
    from plotly.basedatatypes import Undefined

    if isinstance(value, dict):
        return {k: _to_js(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_to_js(v) for v in value]
    if isinstance(value, np.ndarray):
        if value.dtype.kind in "iu" and value.dtype.itemsize == 8:
            small = value.size == 0 or (value.min() >= -2**31 and value.max() < 2**31)
            value = value.astype(np.int32) if small else value.astype(np.float64)
        if value.dtype.kind not in "iuf" or value.ndim > 2:
            return value.tolist()
        if value.dtype == np.float16:
            value = value.astype(np.float32)
        return {"buffer": memoryview(np.ascontiguousarray(value)).cast("B"), "dtype": str(value.dtype),
                "shape": list(value.shape)}
    return "_undefined_" if value is Undefined else value


def set_bounds(slider, lo, hi) -> None:
    """Re-bound a slider to [lo, hi], clamping its value (min/max set in an order that is always valid).

    >>> import ipywidgets as w
    >>> s = w.IntSlider(5, min=-6, max=6)
    >>> set_bounds(s, -2, 2); (s.min, s.max, s.value)
    (-2, 2, 2)
    """
    if lo > hi:
        raise ValueError(f"bounds: expected lo <= hi, got [{lo}, {hi}]")
    if lo > slider.max:
        slider.max, slider.min = hi, lo
    else:
        slider.min, slider.max = lo, hi


def parse_angles(text: str, bounds=((0, 360), (0, 180), (0, 360)), names=("α", "β", "γ")):
    """Three angles in degrees from text like ``"30, 45, 60"``, each checked against its bounds.

    Args:
        text: three numbers separated by commas or spaces.
        bounds: ``(lo, hi)`` per angle (inclusive); names: used in the error message.

    Returns:
        a tuple of three floats.

    Raises:
        ValueError: not three numbers, not finite, or out of bounds (the message names the angle).

    >>> parse_angles("30, 45 60")
    (30.0, 45.0, 60.0)
    >>> parse_angles("1e9, 0, 0")
    Traceback (most recent call last):
    ...
    ValueError: α: expected 0 ≤ α ≤ 360 degrees, got 1e+09
    """
    parts = text.replace(",", " ").split()
    try:
        values = tuple(float(p) for p in parts)
    except ValueError:
        raise ValueError(f"angles: expected three numbers in degrees like '30, 45, 60', got {text!r}") from None
    if len(values) != 3:
        raise ValueError(f"angles: expected three numbers in degrees like '30, 45, 60', got {len(values)}")
    for v, (lo, hi), name in zip(values, bounds, names):
        if not math.isfinite(v) or not lo <= v <= hi:
            raise ValueError(f"{name}: expected {lo} ≤ {name} ≤ {hi} degrees, got {v:g}")
    return values
