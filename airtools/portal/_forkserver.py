"""Dashboard kernels forked from a process that has already imported what the dashboards import.

A fresh Python kernel spends seconds importing torch, e3nn, plotly and airtools, and holds a few hundred MB of
its own for them. The portal's Voila starts kernels through ``ForkProvisioner`` instead (jupyter_client's kernel
provisioner interface, entry point ``airtools-fork``): a fork server -- one Python process started with Voila
-- imports every module the dashboards' code cells import (read from the notebooks), freezes those objects
out of the garbage collector's reach, and then forks one child per kernel. A child starts serving at once
and shares the imported modules' memory with its siblings, copy-on-write.

The child is what ``python -m ipykernel_launcher -f CONNECTION_FILE`` would be: its own session (``setsid``:
signals reach the kernel's process group as usual), the kernel's environment and working folder, then
ipykernel's own entry point. A kernel command of another shape is launched as usual (``LocalProvisioner``).

The fork server itself is single-threaded (a fork copies only the calling thread, so no other thread may hold a
lock at that moment): numpy's and torch's thread pools are sized to one thread before they are imported, so the
kernels compute on one thread, as every dashboard asks (``torch.set_num_threads(1)``). It reaps its children and
dies with the process that started it.

>>> sorted(imported_modules("import numpy as np\\nfrom airtools import viz, zoo\\nfrom airtools.data import get_molecule"))
['airtools', 'airtools.data', 'airtools.data.get_molecule', 'airtools.viz', 'airtools.zoo', 'numpy']
"""
from __future__ import annotations

import ast
import asyncio
import gc
import importlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil
from jupyter_client.provisioning import LocalProvisioner

__all__ = ["ForkProvisioner", "ForkServer", "imported_modules", "serve"]

_LAUNCHER = ["-m", "ipykernel_launcher"]  # the kernel command a fork replaces: python -m ipykernel_launcher -f ...


def imported_modules(code: str) -> set[str]:
    """Modules (and ``from X import y`` submodule candidates ``X.y``) that ``code`` imports at top level."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return set()
    names = set()
    for node in tree.body:
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names if alias.name != "*")
    return names


def _notebook_imports(folder: Path) -> set[str]:
    names = set()
    for path in sorted(folder.glob("*.ipynb")):
        try:
            cells = json.loads(path.read_text())["cells"]
        except (OSError, ValueError, KeyError):
            continue
        for cell in cells:
            if cell.get("cell_type") == "code":
                names |= imported_modules("".join(cell["source"]))
    return names


class ForkServer:
    """Client side: start the fork server (``python -m airtools.portal._forkserver SOCKET FOLDER``), ask it to fork."""

    _instance: ForkServer | None = None

    def __init__(self, folder: str | Path):
        self.socket_path = Path(tempfile.mkdtemp(prefix="airtools-fork-")) / "server.sock"
        self.proc = subprocess.Popen([sys.executable, "-m", "airtools.portal._forkserver", str(self.socket_path),
                                      str(folder)], stdin=subprocess.DEVNULL, preexec_fn=_die_with_parent)
        self.ready = False

    @classmethod
    def instance(cls, folder: str | Path) -> ForkServer:
        if cls._instance is None or cls._instance.proc.poll() is not None:
            cls._instance = cls(folder)
        return cls._instance

    async def spawn(self, argv: list[str], env: dict, cwd: str | None, timeout: float = 300) -> int:
        """Fork a kernel running ``argv`` (``python -m ipykernel_launcher ...``); returns its pid."""
        deadline = time.monotonic() + timeout
        while not self.socket_path.exists():  # the server is still importing
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the airtools fork server is not running (exit code {self.proc.poll()})")
            await asyncio.sleep(0.1)
        reader, writer = await asyncio.open_unix_connection(str(self.socket_path), limit=2**20)
        try:
            writer.write(json.dumps({"argv": argv, "env": env, "cwd": cwd}).encode() + b"\n")
            await writer.drain()
            reply = json.loads(await asyncio.wait_for(reader.readline(), timeout))
        finally:
            writer.close()
        if "pid" not in reply:
            raise RuntimeError(f"the airtools fork server could not fork: {reply.get('error')}")
        return reply["pid"]


class ForkedProcess:
    """``subprocess.Popen``'s interface for a kernel forked by the fork server (which reaps it)."""

    def __init__(self, pid: int):
        self.pid = pid
        self.returncode = None
        self.stdin = self.stdout = self.stderr = None
        try:
            self._created = psutil.Process(pid).create_time()
        except psutil.NoSuchProcess:
            self._created = None

    def poll(self) -> int | None:
        if self.returncode is None:
            try:
                p = psutil.Process(self.pid)
                alive = p.create_time() == self._created and p.status() != psutil.STATUS_ZOMBIE
            except psutil.NoSuchProcess:
                alive = False
            if not alive:
                self.returncode = 0  # the fork server reaped it; its exit code is not ours to read
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if deadline is not None and time.monotonic() > deadline:
                raise subprocess.TimeoutExpired(f"kernel {self.pid}", timeout)
            time.sleep(0.05)
        return self.returncode

    def send_signal(self, signum: int) -> None:
        if self.poll() is None:
            os.kill(self.pid, signum)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)


class ForkProvisioner(LocalProvisioner):
    """``LocalProvisioner`` whose ipykernel kernels are forked from the fork server (see the module docstring).

    The fork server preloads the imports of the notebooks in the kernel's working folder (the first kernel's).
    """

    async def launch_kernel(self, cmd: list[str], **kwargs):
        if len(cmd) < 3 or cmd[1:3] != _LAUNCHER:
            return await super().launch_kernel(cmd, **kwargs)
        cwd = str(kwargs.get("cwd") or Path.cwd())
        try:
            pid = await ForkServer.instance(cwd).spawn(cmd, dict(kwargs.get("env") or os.environ), cwd)
        except (OSError, RuntimeError, ValueError) as err:
            self.log.warning("airtools: no fork server (%s); starting the kernel as a new process", err)
            return await super().launch_kernel(cmd, **kwargs)
        self.process = ForkedProcess(pid)
        self.pid = self.pgid = pid  # the child called setsid(): its own process group
        self.cwd = cwd
        return self.connection_info


# what a module does at import when it finds itself in a kernel, and so did not do in the fork server: ipywidgets
# registers its comm targets (without them Voila's widget manager falls back to asking for each widget's state
# one message at a time). Run in the kernel's namespace as it starts, binding no name.
_ON_KERNEL_START = ("__import__('sys').modules.get('ipywidgets') and "
                    "__import__('sys').modules['ipywidgets'].register_comm_target()")


# -- the server side ------------------------------------------------------------------------------------------

# native thread pools started at import (OpenBLAS by numpy, OpenMP by torch) would be copied without their
# threads into every fork; with one thread they start none. Dashboards run torch on one thread anyway.
ONE_THREAD = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def serve(socket_path: str, folder: str) -> None:
    """Import what the notebooks in ``folder`` import, then fork a kernel per request on ``socket_path``."""
    _die_with_parent()
    os.environ.update(ONE_THREAD)  # before any import
    t0 = time.monotonic()
    failed = []
    for name in sorted(_notebook_imports(Path(folder)) | {"ipykernel.kernelapp", "ipykernel_launcher"}):
        try:
            importlib.import_module(name)
        except Exception:  # not a module (``from X import function``) or broken: the kernel will say so itself
            failed.append(name)
    threads = len(os.listdir("/proc/self/task")) if os.path.isdir("/proc/self/task") else 1
    gc.collect()
    gc.freeze()  # the imported objects: never scanned (and copied) by a child's garbage collector
    print(f"[airtools fork server] imported {len(sys.modules)} modules in {time.monotonic() - t0:.1f} s "
          f"({threads} thread{'s' if threads > 1 else ''}); kernels fork from pid {os.getpid()}", file=sys.stderr,
          flush=True)
    signal.signal(signal.SIGCHLD, _reap)
    tmp = socket_path + ".tmp"
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(tmp)
    server.listen(64)
    os.replace(tmp, socket_path)  # appears only once the server accepts
    while True:
        try:
            conn, _ = server.accept()
        except InterruptedError:
            continue
        with conn:
            try:
                request = json.loads(conn.makefile("rb").readline())
                pid = os.fork()
                if pid == 0:  # the kernel
                    server.close()
                    _become_kernel(request)  # never returns
                conn.sendall(json.dumps({"pid": pid}).encode() + b"\n")
            except Exception as err:  # a bad request: say so, keep serving
                conn.sendall(json.dumps({"error": f"{type(err).__name__}: {err}"}).encode() + b"\n")


def _become_kernel(request: dict) -> None:
    code = 1
    try:
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        server = os.getppid()
        _die_with_parent()  # SIGTERM when the fork server goes, even before ipykernel watches its parent
        if os.getppid() != server:
            return  # it went before that took effect
        os.setsid()
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        os.environ.clear()
        os.environ.update({**request["env"], **ONE_THREAD})  # what the libraries were initialised with
        if request.get("cwd"):
            os.chdir(request["cwd"])
        # ipykernel exits when the fork server (and so Voila) is gone; its JPY_PARENT_PID default was read when
        # the server imported ipykernel, so it is passed on the command line
        sys.argv = ["ipykernel_launcher", *request["argv"][3:], f"--IPKernelApp.parent_handle={server}",
                    f"--IPKernelApp.exec_lines={_ON_KERNEL_START}"]
        from ipykernel.kernelapp import launch_new_instance

        launch_new_instance()
        code = 0
    except SystemExit as exit:
        code = exit.code if isinstance(exit.code, int) else 0
    except BaseException:
        import traceback

        traceback.print_exc()
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)  # never back into the server's loop, its atexit handlers or its sockets


def _reap(signum, frame) -> None:
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def _die_with_parent() -> None:
    if sys.platform == "linux":
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


if __name__ == "__main__":
    serve(sys.argv[1], sys.argv[2])
