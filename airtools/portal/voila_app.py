"""Standalone Voila for ``dashboards/`` with the airtools routes (run by ``airtools dashboards``).

``python -m airtools.portal.voila_app dashboards/ --preheat_kernel=True --pool_size=1 --token=...``
is Voila itself (every Voila option works) plus two routes:

- ``/airtools/static/``, ``/airtools/plotly/`` -- local 3Dmol.js and plotly's widget bundle
  (see ``airtools.viz._assets``);
- ``/airtools/api/warm`` -- JSON ``{"ready": bool, "notebooks": {name: {"pool": n, "rendered": k}}, "kernels": n}``:
  how many preheated kernels per dashboard have finished executing their notebook, so the
  launcher and the browser tests know when a first render will be served from a warm kernel.

Like the JupyterLab side it drops the CDN stylesheet links of Voila's template (``NoCdnLinks``), and
it makes Voila's shutdown-on-page-close work (``ShutdownKernelHandler``).

Preheated kernels exist only in standalone Voila (not in its Jupyter server extension), which is why
the portal runs Voila as a second process next to JupyterLab.
"""
from __future__ import annotations

import json

import tornado.web
from jupyter_server.base.handlers import APIHandler
from voila.app import Voila
from voila.shutdown_kernel_handler import VoilaShutdownKernelHandler

from airtools.portal._static import NoCdnLinks, static_handlers

__all__ = ["AirtoolsVoila", "WarmHandler", "ShutdownKernelHandler", "pool_status", "main"]


def pool_status(kernel_manager) -> dict:
    """Per dashboard: preheated kernels in the pool and how many have rendered their notebook.

    Reads ``VoilaKernelManager._pools`` (voila 0.5.x): a list of tasks per notebook, each
    resolving to ``{"task": render_task, ...}``; an empty dict when preheating is off.
    """
    status = {}
    for name, pool in getattr(kernel_manager, "_pools", {}).items():
        rendered = sum(
            1 for f in pool
            if f.done() and not f.cancelled() and f.exception() is None and f.result()["task"].done()
        )
        status[name] = {"pool": len(pool), "rendered": rendered}
    return status


class WarmHandler(APIHandler):
    """``GET /airtools/api/warm``: the preheated-kernel status and the number of kernels (token required)."""

    @tornado.web.authenticated
    def get(self) -> None:
        notebooks = pool_status(self.settings["kernel_manager"])
        ready = bool(notebooks) and all(s["pool"] > 0 and s["rendered"] == s["pool"] for s in notebooks.values())
        self.set_header("Content-Type", "application/json")
        kernels = len(self.settings["kernel_manager"].list_kernel_ids())
        self.finish(json.dumps({"ready": ready, "notebooks": notebooks, "kernels": kernels}))


class ShutdownKernelHandler(VoilaShutdownKernelHandler):
    """Voila's kernel shutdown on page unload, which works: the page's POST carries no ``_xsrf``, so
    voila 0.5.13 answers 403 and the kernel of every closed tab lives on. Authentication still applies;
    the kernel id in the URL is a random UUID."""

    def check_xsrf_cookie(self) -> None:
        pass


class AirtoolsVoila(Voila):
    """Voila with the airtools static route, the warm-pool status route and no CDN stylesheet links."""

    def init_handlers(self) -> list:
        self.app.transforms.append(NoCdnLinks)
        base = self.server_url.rstrip("/")
        # before Voila's own rules: a directory-mode Voila ends with catch-all patterns
        ours = [(base + "/airtools/api/warm", WarmHandler), (base + "/voila/api/shutdown/(.*)", ShutdownKernelHandler)]
        return static_handlers(self.server_url) + ours + super().init_handlers()


main = AirtoolsVoila.launch_instance

if __name__ == "__main__":
    main()
