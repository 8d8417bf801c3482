"""Standalone Voila for ``dashboards/`` with the airtools routes (run by ``airtools dashboards``).

``python -m airtools.portal.voila_app dashboards/ --preheat_kernel=True --pool_size=1 --token=...``
is Voila itself (every Voila option works) plus two routes:

- ``/airtools/static/``, ``/airtools/plotly/`` -- local 3Dmol.js and plotly's widget bundle
  (see ``airtools.viz._assets``);
- ``/airtools/api/warm`` -- JSON ``{"ready": bool, "notebooks": {name: {"pool": n, "rendered": k, "idle_s": [...]}},
  "kernels": n, "capacity": n, "waiting": {name: n}}``: how many preheated kernels per dashboard have finished executing their
  notebook, so the launcher and the browser tests know when a first render will be served from a warm kernel;
- ``/airtools/api/queue/<ticket>`` -- a waiting visitor's place in line (``_queue``).

Its kernel manager is Voila's with ``ClassPool`` (``_pool``): a pool per dashboard sized for a class
(``--class-size 30 --lecture rotations``), throttled refills within the machine's memory, kernels that are never
handed out dead, and a waiting room with a place in line when no kernel is ready. Like the JupyterLab side it
drops the CDN stylesheet links of Voila's template (``NoCdnLinks``), its pages say when their kernel is gone
(``KernelWatch``), it makes Voila's shutdown-on-page-close work (``ShutdownKernelHandler``) and its kernel websocket
safe for clients of the legacy protocol (``KernelWebsocketHandler``).

Preheated kernels exist only in standalone Voila (not in its Jupyter server extension), which is why
the portal runs Voila as a second process next to JupyterLab.
"""
from __future__ import annotations

import json
from pathlib import Path

import tornado.web
import voila.app
from jupyter_server.base.handlers import APIHandler
from jupyter_server.services.kernels.handlers import _kernel_id_regex
from traitlets import Int, List, Unicode
from voila.app import Voila
from voila.shutdown_kernel_handler import VoilaShutdownKernelHandler
from voila.tornado.kernel_websocket_handler import VoilaKernelWebsocketHandler

from airtools.portal._pool import ClassPool, _ready, capacity_for
from airtools.portal._queue import QueueingRenderHandler, QueueStatusHandler
from airtools.portal._static import KernelWatch, NoCdnLinks, static_handlers

__all__ = ["AirtoolsVoila", "WarmHandler", "ShutdownKernelHandler", "KernelWebsocketHandler", "pool_status",
           "class_pools", "main"]


def pool_status(kernel_manager) -> dict:
    """Per dashboard: preheated kernels in the pool, how many have rendered their notebook, and for how many
    seconds each of those has been idle (``{"pool": n, "rendered": k, "idle_s": [s, ...]}``).

    Reads ``VoilaKernelManager._pools`` (voila 0.5.x): a list of tasks per notebook, each
    resolving to ``{"task": render_task, ...}``; an empty dict when preheating is off.
    """
    status = {}
    for name, pool in getattr(kernel_manager, "_pools", {}).items():
        ready = [f.result()["kernel_id"] for f in pool if _ready(f)]
        status[name] = {"pool": len(pool), "rendered": len(ready),
                        "idle_s": [_idle_seconds(kernel_manager, k) for k in ready if k in kernel_manager]}
    return status


def _idle_seconds(kernel_manager, kernel_id: str) -> float:
    from jupyter_server._tz import utcnow

    return round((utcnow() - kernel_manager.get_kernel(kernel_id).last_activity).total_seconds(), 2)


def class_pools(notebooks: list[str], class_size: int, lecture: list[str], pool_size: int, capacity: int) -> dict:
    """Voila's ``kernel_pools_config`` for a class: ``class_size`` kernels for each ``lecture`` dashboard,
    ``pool_size`` for the others, the lecture pools shrunk to fit ``capacity`` kernels in all.

    >>> class_pools(["index.ipynb", "pde.ipynb", "rotations.ipynb"], 30, ["rotations"], 1, 100)["rotations.ipynb"]
    {'pool_size': 30}
    >>> class_pools(["index.ipynb", "pde.ipynb", "rotations.ipynb"], 30, ["rotations"], 1, 20)["rotations.ipynb"]
    {'pool_size': 18}
    >>> class_pools(["pde.ipynb"], 30, ["rotation"], 1, 20)
    Traceback (most recent call last):
    ...
    ValueError: lecture: no dashboard 'rotation'; expected some of ['pde']
    """
    stems = {Path(n).stem: n for n in notebooks}
    unknown = [name for name in lecture if name.removesuffix(".ipynb") not in stems]
    if unknown:
        raise ValueError(f"lecture: no dashboard {unknown[0]!r}; expected some of {sorted(stems)}")
    chosen = {stems[name.removesuffix(".ipynb")] for name in lecture}
    others = pool_size * (len(notebooks) - len(chosen))
    per_lecture = max(pool_size, min(class_size, (capacity - others) // max(1, len(chosen))))
    pools = {"default": {"pool_size": pool_size}}
    pools.update({name: {"pool_size": per_lecture} for name in sorted(chosen)})
    return pools


class WarmHandler(APIHandler):
    """``GET /airtools/api/warm``: the preheated-kernel status and the number of kernels (token required)."""

    @tornado.web.authenticated
    def get(self) -> None:
        notebooks = pool_status(self.settings["kernel_manager"])
        ready = bool(notebooks) and all(s["pool"] > 0 and s["rendered"] == s["pool"] for s in notebooks.values())
        self.set_header("Content-Type", "application/json")
        manager = self.settings["kernel_manager"]
        self.finish(json.dumps({"ready": ready, "notebooks": notebooks, "kernels": len(manager.list_kernel_ids()),
                                "capacity": getattr(manager, "capacity", None),
                                "waiting": manager.waiting() if isinstance(manager, ClassPool) else {}}))


class ShutdownKernelHandler(VoilaShutdownKernelHandler):
    """Voila's kernel shutdown on page unload, which works: the page's POST carries no ``_xsrf``, so
    voila 0.5.13 answers 403 and the kernel of every closed tab lives on. Authentication still applies;
    the kernel id in the URL is a random UUID."""

    def check_xsrf_cookie(self) -> None:
        pass


class KernelWebsocketHandler(VoilaKernelWebsocketHandler):
    """Voila's kernel websocket (which drops ``execute_input`` messages), safe for every client: voila 0.5.13 reads
    each binary frame it sends as protocol v1 (little-endian 8-byte offsets, what its page speaks), and a frame of the
    legacy protocol (no subprotocol: a big-endian 4-byte count) read that way asks for billions of offsets -- the
    server hangs for every visitor. Binary frames of the legacy protocol pass unread, as its text frames already do."""

    def write_message(self, message, binary: bool = False):
        if isinstance(message, bytes) and self.selected_subprotocol != "v1.kernel.websocket.jupyter.org":
            return super(VoilaKernelWebsocketHandler, self).write_message(message, binary)
        return super().write_message(message, binary)


class AirtoolsVoila(Voila):
    """Voila with the airtools routes, a kernel pool sized for a class, a waiting room and no CDN links."""

    class_size = Int(0, config=True, help="preheated kernels for each --lecture dashboard (within the memory)")
    lecture = List(Unicode(), config=True, help="the dashboard(s) shown in class, e.g. rotations")
    aliases = {**Voila.aliases, "class-size": "AirtoolsVoila.class_size", "lecture": "AirtoolsVoila.lecture",
               "max-kernels": "AirtoolsKernelManager.max_kernels"}

    def init_settings(self) -> dict:
        if self.voila_configuration.preheat_kernel:
            manager = self.config.AirtoolsKernelManager
            capacity = manager.get("max_kernels") or capacity_for(manager.get("kernel_memory_mb", ClassPool.kernel_memory_mb.default_value))
            manager.max_kernels = capacity
            if self.class_size and self.lecture:
                notebooks = sorted(str(p.relative_to(self.root_dir)) for p in Path(self.root_dir).glob("*.ipynb"))
                pools = class_pools(notebooks, self.class_size, self.lecture,
                                    self.voila_configuration.default_pool_size, capacity)
                self.config.VoilaKernelManager.kernel_pools_config = pools
                self.log.info("airtools: preheating %s for a class of %d (capacity %d kernels)",
                              {k: v["pool_size"] for k, v in pools.items() if k != "default"}, self.class_size,
                              capacity)
        factory = voila.app.voila_kernel_manager_factory  # Voila builds its pooled manager class here:
        voila.app.voila_kernel_manager_factory = _with_class_pool(factory)  # put ClassPool in front of it
        try:
            return super().init_settings()
        finally:
            voila.app.voila_kernel_manager_factory = factory

    def init_handlers(self) -> list:
        self.app.transforms += [NoCdnLinks, KernelWatch]
        base = self.server_url.rstrip("/")
        # before Voila's own rules: a directory-mode Voila ends with catch-all patterns
        ours = [(base + "/airtools/api/warm", WarmHandler), (base + "/voila/api/shutdown/(.*)", ShutdownKernelHandler),
                (base + "/airtools/api/queue/([^/]+)", QueueStatusHandler),
                (base + f"/api/kernels/{_kernel_id_regex}/channels", KernelWebsocketHandler)]
        if self.notebook_path is None:  # a folder of dashboards: the waiting room in front of Voila's renderer
            ours.append((base + "/voila/render/(.*)", QueueingRenderHandler,
                         {"template_paths": self.template_paths, "config": self.config,
                          "voila_configuration": self.voila_configuration}))
        return static_handlers(self.server_url) + ours + super().init_handlers()


def _with_class_pool(factory):
    def build(base_class, preheat_kernel, default_pool_size, page_config_hook=None):
        manager = factory(base_class, preheat_kernel, default_pool_size, page_config_hook=page_config_hook)
        return type("AirtoolsKernelManager", (ClassPool, manager), {}) if preheat_kernel else manager

    return build


main = AirtoolsVoila.launch_instance

if __name__ == "__main__":
    main()
