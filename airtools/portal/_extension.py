"""Jupyter server extension: ``/airtools/static/`` and ``/airtools/plotly/``, no CDN links, and the dead-kernel
banner in Voila pages (``/voila/render/...`` of Voila's server extension), wherever it is enabled: the portal's
JupyterLab, a JupyterHub user's server, Binder (``airtools assets`` enables it in the environment).

Enable by hand with ``jupyter lab --ServerApp.jpserver_extensions="{'airtools.portal': True}"``.
"""
from __future__ import annotations

import os

from airtools.portal._static import KernelWatch, NoCdnLinks, static_handlers

__all__ = ["_jupyter_server_extension_points", "_load_jupyter_server_extension"]


def _jupyter_server_extension_points() -> list[dict]:
    """Entry point Jupyter Server looks up for ``airtools.portal``."""
    return [{"module": "airtools.portal"}]


def _load_jupyter_server_extension(serverapp) -> None:
    """Add the static route and the CDN-link filter to the running server's tornado application."""
    base_url = serverapp.web_app.settings.get("base_url", "/")
    serverapp.web_app.add_handlers(".*$", static_handlers(base_url))
    serverapp.web_app.transforms += [NoCdnLinks, KernelWatch]
    # kernels started from now on inherit it: dashboards' figures load plotly.js from /airtools/plotly/ once per
    # page (airtools.viz.figure_widget) instead of plotly's widget sending its ~4 MB bundle per figure through
    # the kernel's websocket -- on a busy hub that missed anywidget's 2 s start-up limit ("Failed to initialize")
    os.environ["AIRTOOLS_LOCAL_PLOTLY"] = "1"
    # Voila's server extension loads MathJax 2 from cdnjs unless both are None; then its pages use the
    # MathJax 3 bundled in voila.js (as standalone Voila does), which works offline.
    serverapp.web_app.settings.setdefault("mathjax_url", None)
    serverapp.web_app.settings.setdefault("mathjax_config", None)
    serverapp.log.info("airtools: serving %sairtools/static/ (3Dmol.js) and %sairtools/plotly/", base_url, base_url)
