"""Dashboard plumbing: callbacks that report errors as a message (never a traceback) and time themselves.

A dashboard is widgets plus ``observe`` callbacks. Wrap each callback with ``guard``: an exception becomes a
short red message in an ``ipywidgets.HTML`` area, and the callback's kernel time is shown ("update: 12 ms").
Callbacks that change other widgets (re-bounding a slider with ``set_bounds``) would fire themselves again;
``guard`` skips such nested calls, because the outer call reads every widget's current value anyway.
"""
from __future__ import annotations

import functools
import html
import math
import time

__all__ = ["guard", "set_bounds", "parse_angles", "figure_widget"]

# anywidget runs a string ``_esm`` as a module from a blob: URL; this one imports plotly's widget bundle
# from the portal's server (same origin and base URL as the page), so the browser fetches and evaluates the
# ~5 MB bundle once per page instead of receiving it in the state of every FigureWidget.
_PORTAL_ESM = """
const config = document.getElementById("jupyter-config-data");
const base = (config && JSON.parse(config.textContent).baseUrl) || "/";
const url = new URL(base.replace(/\\/?$/, "/") + "airtools/plotly/widgetbundle.js", window.location.origin);
const bundle = await import(url.href);
export default bundle.default;
"""


def guard(message, timing=None):
    """Decorator for widget callbacks: errors go to ``message``, the callback's time to ``timing``.

    Args:
        message: an ``ipywidgets.HTML`` cleared on success and given the error on failure
            (``ValueError`` text as is; other exceptions prefixed with their type).
        timing: an ``ipywidgets.HTML`` that shows ``update: <ms> ms`` after each call (optional).

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
                    timing.value = (f'<span class="airtools-timing" style="color:#888;font-size:0.8em">'
                                    f"update: {wrapped.last_ms:.0f} ms</span>")

        wrapped.last_ms = float("nan")
        return wrapped

    return decorate


def figure_widget(fig):
    """A ``go.FigureWidget`` of ``fig``, loading plotly.js from the portal when it runs under the portal.

    Under the portal's Voila (``AIRTOOLS_VOILA_URL`` is set) the widget imports plotly's bundle from
    ``<page origin><base url>airtools/plotly/widgetbundle.js``: with four figures on a page that is one
    5 MB download instead of four copies through the kernel's websocket (page render ~3 s instead of
    ~20 s on a 2-core machine). Elsewhere it is a plain ``go.FigureWidget``.

    Draw the first state into ``fig`` before wrapping it: a FigureWidget sends later changes as
    messages, which a page that connects after the notebook has run (Voila's preheated kernels) misses.

    Args:
        fig: a ``go.Figure`` (or anything ``go.FigureWidget`` accepts).

    Returns:
        a ``go.FigureWidget`` (subclass); update it inside ``fig.batch_update()``.

    >>> import plotly.graph_objects as go
    >>> w = figure_widget(go.Figure(go.Scatter(y=[1, 2])))
    >>> isinstance(w, go.FigureWidget), list(w.data[0].y)
    (True, [1, 2])
    """
    import plotly.graph_objects as go
    from airtools.viz._assets import plotly_widget_esm

    return _portal_figure_widget_class()(fig) if plotly_widget_esm() else go.FigureWidget(fig)


@functools.lru_cache(maxsize=1)
def _portal_figure_widget_class():
    import plotly.graph_objects as go

    return type("PortalFigureWidget", (go.FigureWidget,), {"_esm": _PORTAL_ESM, "__module__": __name__})


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
