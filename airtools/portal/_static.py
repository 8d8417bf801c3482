"""What both portal servers mount: the ``/airtools/static/`` and ``/airtools/plotly/`` routes, ``NoCdnLinks``
and ``KernelWatch``.

``/airtools/static/`` holds 3Dmol.js and its licence; ``/airtools/plotly/`` is the installed plotly's
``package_data`` (plotly.min.js for dashboard figures, see ``airtools.viz.figure_widget``). ``NoCdnLinks`` drops the two Font Awesome
``<link>``s that Voila's ``lab`` template loads from cdn.jsdelivr.net (``voila.js`` already bundles
Font Awesome), so a dashboard page -- standalone or through the server extension -- makes no
request off 127.0.0.1.

Both are served without authentication, like Jupyter's own ``/static/``: they hold only third-party
JavaScript. ``STATIC_DIR`` and the URLs come from ``airtools/viz/_assets.py``.

``KernelWatch`` puts ``kernel_watch.js`` at the top of every Voila page (``/voila/render/...``): when the
page's kernel is gone (culled, shut down, the server stopped) the page says so, with a reload button,
instead of showing "Loading widget..." for good.

>>> NoCdnLinks._CDN_LINK.sub(b"", b'<link rel="stylesheet" href="https://cdn.jsdelivr.net/x.css" type="text/css" /><p>')
b'<p>'
>>> [pattern for pattern, handler, kwargs in static_handlers("/")]
['/airtools/static/(.*)', '/airtools/plotly/(.*)']
"""
from __future__ import annotations

import re
from importlib.util import find_spec
from pathlib import Path

from tornado.web import OutputTransform, StaticFileHandler

from airtools.viz._assets import PLOTLY_URL_PREFIX, STATIC_DIR, STATIC_URL_PREFIX

__all__ = ["static_handlers", "AssetHandler", "NoCdnLinks", "KernelWatch"]

_KERNEL_WATCH = b"<script>" + (Path(__file__).with_name("kernel_watch.js")).read_bytes() + b"</script>"


class AssetHandler(StaticFileHandler):
    """Static files with a JavaScript content type and short caching (the file can be re-fetched)."""

    def get_content_type(self) -> str:
        if self.absolute_path.endswith(".js"):
            return "text/javascript; charset=UTF-8"
        return super().get_content_type()

    def set_extra_headers(self, path: str) -> None:
        self.set_header("Cache-Control", "max-age=3600")


def static_handlers(base_url: str = "/") -> list[tuple[str, type, dict]]:
    """Tornado rules ``(pattern, handler, kwargs)`` for ``STATIC_DIR`` and plotly's package data."""
    plotly_data = Path(find_spec("plotly").origin).parent / "package_data"  # without importing plotly
    base = base_url.rstrip("/")
    return [(base + STATIC_URL_PREFIX + "(.*)", AssetHandler, {"path": str(STATIC_DIR)}),
            (base + PLOTLY_URL_PREFIX + "(.*)", AssetHandler, {"path": str(plotly_data)})]


class _HtmlRewrite(OutputTransform):
    """An output transform that rewrites HTML bodies chunk by chunk (``rewrite``), fixing Content-Length."""

    def transform_first_chunk(self, status_code, headers, chunk, finishing):
        self._html = headers.get("Content-Type", "").startswith("text/html")
        chunk = self.transform_chunk(chunk, finishing)
        if "Content-Length" in headers:  # the body changed length (as tornado's gzip transform does)
            if finishing:
                headers["Content-Length"] = str(len(chunk))
            else:
                del headers["Content-Length"]
        return status_code, headers, chunk

    def transform_chunk(self, chunk: bytes, finishing: bool) -> bytes:
        return self.rewrite(chunk) if self._html else chunk

    def rewrite(self, chunk: bytes) -> bytes:
        raise NotImplementedError


class NoCdnLinks(_HtmlRewrite):
    """Remove ``<link rel="stylesheet" href="https://cdn.jsdelivr.net/...">`` tags from HTML responses."""

    _CDN_LINK = re.compile(rb'\s*<link rel="stylesheet" href="https://cdn\.jsdelivr\.net/[^"]*"[^>]*>')

    def rewrite(self, chunk: bytes) -> bytes:
        return self._CDN_LINK.sub(b"", chunk)


class KernelWatch(_HtmlRewrite):
    """Insert ``kernel_watch.js`` right after ``<head>`` of Voila pages (paths containing ``/voila/render/``).

    >>> class Request:
    ...     path = "/voila/render/pde.ipynb"
    >>> t = KernelWatch(Request())
    >>> _, _, body = t.transform_first_chunk(200, {"Content-Type": "text/html"}, b"<html><head><title>", False)
    >>> body.startswith(b"<html><head><script>") and b"airtools-dead-kernel" in body
    True
    """

    _HEAD = re.compile(rb"<head\b[^>]*>", re.IGNORECASE)

    def __init__(self, request):
        super().__init__(request)
        self._pending = "/voila/render/" in request.path

    def rewrite(self, chunk: bytes) -> bytes:
        if self._pending:
            head = self._HEAD.search(chunk)
            if head:
                self._pending = False
                return chunk[:head.end()] + _KERNEL_WATCH + chunk[head.end():]
        return chunk
