"""Start, watch and stop the portal's two servers: JupyterLab (lessons) and standalone Voila (dashboards).

Both listen on 127.0.0.1 behind the same Jupyter token. Voila runs as its own process because
preheated kernels (``--preheat_kernel=True --pool_size=1``: each dashboard is executed in a spare
kernel before anyone asks for it) exist only in the standalone Voila app. Children get their own
session (a terminal's Ctrl-C reaches only this launcher, which then stops them in order) and die
with it (``PR_SET_PDEATHSIG``); ``stop()`` ends each server with SIGTERM -- both shut their kernels
down -- and kills whatever descendant is still alive after ``timeout``.

>>> p = Portal(lab=False, dashboards=False, port=0, token="t")
>>> p.token
't'
"""
from __future__ import annotations

import ctypes
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

__all__ = ["Portal", "REPO_ROOT", "free_port"]

REPO_ROOT = Path(__file__).resolve().parents[2]
HOST = "127.0.0.1"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def _die_with_parent() -> None:  # runs in the child between fork and exec
    if sys.platform == "linux":
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


class Portal:
    """JupyterLab on ``root`` (opens ``lessons/``) and Voila on ``dashboards_dir``, one token.

    Args:
        root: folder JupyterLab serves (default: the repository checkout).
        dashboards_dir: folder Voila serves (default ``root / "dashboards"``).
        lab, dashboards: which servers to run.
        port, voila_port: ports; 0 picks a free one.
        token: Jupyter token (default: a random one).
        log: file object the servers' logs go to (default: inherited, i.e. this terminal).
        pool_size: preheated kernels per dashboard (Voila's pool).
        class_size, lecture: ``class_size`` preheated kernels for each dashboard named in ``lecture`` (the
            one shown in class), within the machine's memory (``max_kernels``, default: what fits in 80 % of
            the memory available at start).
        cull_idle_timeout, cull_interval: seconds a kernel without a page may idle before it is stopped, and
            how often that is checked (a safety net for tabs that vanished without closing).
        env: extra environment variables for the servers and their kernels (e.g. ``AIRTOOLS_CACHE``).
        fork_kernels: start dashboard kernels by forking a process that has imported what the dashboards import
            (``airtools.portal._forkserver``); False: a new Python process per kernel, as plain Voila does.
    """

    def __init__(self, root=None, dashboards_dir=None, *, lab=True, dashboards=True,
                 port=8888, voila_port=8866, token=None, log=None, pool_size=1, class_size=0, lecture=(),
                 max_kernels=0, cull_idle_timeout=600, cull_interval=60, env=None, fork_kernels=True):
        self.root = Path(root or REPO_ROOT).resolve()
        self.dashboards_dir = Path(dashboards_dir or self.root / "dashboards").resolve()
        self.token = token or secrets.token_hex(24)
        self.port = (port or free_port()) if lab else None
        self.voila_port = (voila_port or free_port()) if dashboards else None
        self.log = log
        if pool_size < 1 or class_size < 0 or (class_size and not lecture):
            raise ValueError(f"pool_size >= 1 and class_size >= 0 with the lecture dashboard(s) named; got pool_size="
                             f"{pool_size}, class_size={class_size}, lecture={list(lecture)}")
        self.pool_size, self.class_size, self.lecture = pool_size, class_size, list(lecture)
        self.max_kernels = max_kernels
        self.fork_kernels = fork_kernels
        self.cull = (cull_idle_timeout, cull_interval)
        self.env = dict(env or {})
        self.procs: dict[str, subprocess.Popen] = {}

    @property
    def lab_url(self) -> str:
        """Base URL of JupyterLab, e.g. ``http://127.0.0.1:8888`` (no token)."""
        return f"http://{HOST}:{self.port}"

    @property
    def voila_url(self) -> str:
        """Base URL of Voila, e.g. ``http://127.0.0.1:8866`` (no token)."""
        return f"http://{HOST}:{self.voila_port}"

    def urls(self) -> dict[str, str]:
        """The URLs a person opens, token included: ``{"lab": ..., "dashboards": ...}``."""
        urls, q = {}, f"?token={self.token}"
        if "lab" in self.procs:
            start = "/lab/tree/lessons" if (self.root / "lessons").is_dir() else "/lab"
            urls["lab"] = self.lab_url + start + q
        if "voila" in self.procs:
            index = self.dashboards_dir / "index.ipynb"
            urls["dashboards"] = self.voila_url + ("/voila/render/index.ipynb" if index.exists() else "/") + q
        return urls

    def start(self, timeout: float = 120) -> Portal:
        """Start the servers and return once each answers HTTP (kernels may still be preheating)."""
        if self.port:
            self._spawn("lab", self._lab_command(), dict(self.env))
        if self.voila_port:
            if not self.dashboards_dir.is_dir():
                self.stop()
                raise ValueError(f"dashboards_dir: expected a folder of notebooks, got {self.dashboards_dir}")
            env = {**self.env, "AIRTOOLS_VOILA_URL": self.voila_url}  # kernels: see airtools.viz._assets.under_portal
            if self.port:
                env["AIRTOOLS_LAB_URL"] = self.lab_url  # the index dashboard links lessons into JupyterLab,
                env["AIRTOOLS_LAB_TOKEN"] = self.token  # logged in (the same token the visitor already used)
            self._spawn("voila", self._voila_command(), env)
        try:
            if self.port:
                self._wait_http("lab", f"{self.lab_url}/api/status?token={self.token}", timeout)
            if self.voila_port:
                self._wait_http("voila", f"{self.voila_url}/airtools/api/warm?token={self.token}", timeout)
        except BaseException:
            self.stop()
            raise
        return self

    def warm_status(self) -> dict:
        """Voila's preheated-kernel status: ``{"ready": bool, "notebooks": {name: {"pool", "rendered"}}}``."""
        with urllib.request.urlopen(f"{self.voila_url}/airtools/api/warm?token={self.token}", timeout=10) as r:
            return json.load(r)

    def wait_warm(self, timeout: float = 180, progress=None) -> float:
        """Block until every dashboard's pool is full of kernels that finished executing; returns seconds waited.

        Args:
            progress: called with each status read (``warm_status()``), e.g. to print how many are ready.

        Raises:
            TimeoutError: not warm after ``timeout`` seconds (the status is in the message).
        """
        t0 = time.monotonic()
        status = {}
        while time.monotonic() - t0 < timeout:
            self.check_alive()
            status = self.warm_status()
            if progress is not None:
                progress(status)
            if status["ready"] or not status["notebooks"]:
                return time.monotonic() - t0
            time.sleep(0.25)
        raise TimeoutError(f"dashboards not preheated after {timeout:.0f} s: {status['notebooks']}")

    def stop(self, timeout: float = 20) -> None:
        """SIGTERM each server (they shut their kernels down), then kill any descendant left after ``timeout``."""
        import psutil  # a dependency of ipykernel

        descendants = []
        for proc in self.procs.values():
            try:
                descendants += psutil.Process(proc.pid).children(recursive=True)
            except psutil.NoSuchProcess:
                pass
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for proc in self.procs.values():
            try:
                proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        _, alive = psutil.wait_procs(descendants, timeout=max(0.1, deadline - time.monotonic()))
        for p in alive:
            p.kill()
        self.procs.clear()

    def __enter__(self) -> Portal:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def _lab_command(self) -> list[str]:
        return [
            sys.executable, "-m", "jupyterlab", "--no-browser", f"--ip={HOST}", f"--port={self.port}",
            "--ServerApp.port_retries=0", f"--ServerApp.root_dir={self.root}",
            f"--IdentityProvider.token={self.token}", "--ServerApp.jpserver_extensions=airtools.portal=True",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",  # stay offline:
            "--LabApp.extension_manager=readonly",  # no PyPI queries from the extension panel
            "--LabApp.news_url=None",  # and no "get notified about official Jupyter news?" pop-up
            # kernels of notebooks whose tab vanished without closing (JupyterLab stops a kernel when its tab
            # closes, see airtools.portal.jupyter_config): stopped after the same idle time as dashboards'
            f"--MappingKernelManager.cull_interval={self.cull[1]}",
            f"--MappingKernelManager.cull_idle_timeout={self.cull[0]}",
        ] + (["--allow-root"] if os.geteuid() == 0 else [])  # containers (Binder, CI) often run as root

    def _voila_command(self) -> list[str]:
        return [
            sys.executable, "-m", "airtools.portal.voila_app", str(self.dashboards_dir), "--no-browser",
            f"--Voila.ip={HOST}", f"--port={self.voila_port}", "--Voila.port_retries=0",
            "--preheat_kernel=True", f"--pool_size={self.pool_size}", f"--token={self.token}",
            # dashboards draw plotly through airtools' own widget view (viz.figure_widget), which loads
            # plotly.js once; plotly's lab extension would make every page download and parse a second copy
            '--VoilaConfiguration.extension_denylist=["jupyterlab-plotly"]',
            # kernels forked from a process that imported what the dashboards import (airtools.portal._forkserver):
            # a preheated kernel is ready in about a second instead of importing torch for five, and shares that memory
            *(["--KernelProvisionerFactory.default_provisioner_name=airtools-fork"] if self.fork_kernels else []),
            # safety net for tabs that vanished without closing: cull kernels idle and disconnected 10 min
            f"--MappingKernelManager.cull_interval={self.cull[1]}",
            f"--MappingKernelManager.cull_idle_timeout={self.cull[0]}",
        ] + ([f"--max-kernels={self.max_kernels}"] if self.max_kernels else []) + (
            [f"--class-size={self.class_size}"] + [f"--lecture={name}" for name in self.lecture]
            if self.class_size else [])

    def _spawn(self, name: str, cmd: list[str], env: dict) -> None:
        self.procs[name] = subprocess.Popen(
            cmd, cwd=self.root, env={**os.environ, **env}, stdin=subprocess.DEVNULL,
            stdout=self.log, stderr=subprocess.STDOUT if self.log else None,
            start_new_session=True, preexec_fn=_die_with_parent,
        )

    def check_alive(self) -> None:
        """Raise ``RuntimeError`` when a server has exited."""
        for name, proc in self.procs.items():
            if proc.poll() is not None:
                raise RuntimeError(f"the {name} server exited with code {proc.returncode} (see its log)")

    def _wait_http(self, name: str, url: str, timeout: float) -> None:
        t0 = time.monotonic()
        while time.monotonic() - t0 < timeout:
            self.check_alive()
            try:
                with urllib.request.urlopen(url, timeout=5) as r:
                    if r.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.2)
        raise TimeoutError(f"the {name} server did not answer {url.split('?')[0]} within {timeout:.0f} s")
