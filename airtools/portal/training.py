"""The first ``airtools portal`` on a fresh machine trains the dashboards' missing models in the background.

``BackgroundTraining().start()`` runs ``python -m airtools.portal.training`` in a child process at low
priority (``nice``): it lists the zoo recipes not cached yet, then builds them as ``airtools zoo build`` does (the
portal itself never imports torch). The parent reads the child's progress (the list, the table row each finished
recipe prints, the tqdm bar of the current one) and keeps it in ``status_path()`` (JSON in the cache, written atomically). The portal's terminal prints each
finished model; a dashboard whose model is missing shows ``describe(name)`` in its status line ("training in
the background: 2 of 4, epoch 27/60 ...") and switches to the model when it is cached
(``airtools.viz.ModelStatus.watch``). Measured on this 2-core machine, busy: ``ESTIMATE_S``.

>>> status = {"pid": os.getpid(), "names": ["molecule-energy", "crystal-energy", "burgers-heat-fno"],
...           "done": ["molecule-energy"], "current": "crystal-energy", "step": "train 3/60", "finished": False}
>>> describe("crystal-energy", status)  # its own ~92 s
'training in the background (started by the portal): model 2 of 3, train 3/60 — about 2 min left; this page switches to it when it is ready'
>>> describe("burgers-heat-fno", status)  # ~92 s + 888 s
'training in the background (started by the portal): queued behind crystal-energy — about 16 min left; this page switches to it when it is ready'
>>> describe("molecule-energy", status) is None, describe("crystal-energy", {**status, "finished": True}) is None
(True, True)
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

from airtools.cache import atomic_write, cache_dir

__all__ = ["BackgroundTraining", "status_path", "read_status", "describe", "ESTIMATE_S"]

# seconds each recipe took from an empty cache on the 2-core course machine with 3-5 other jobs running (load
# average ~6; labels included): an upper bound
ESTIMATE_S = {"molecule-energy": 71, "secondary-structure": 112, "crystal-energy": 92, "burgers-heat-fno": 888,
              "qm9-energy": 30, "qm9-energy-ensemble": 60}
_TQDM = re.compile(r"([^\r\n|:]+):\s+\d+%\|[^|]*\|\s*(\d+)/(\d+)")


def status_path() -> Path:
    """``cache_dir()/zoo/training-status.json``: what the background training is doing."""
    return cache_dir() / "zoo" / "training-status.json"


def read_status() -> dict | None:
    """The status file's content while its training process runs (or has just finished), else None."""
    try:
        status = json.loads(status_path().read_text())
    except (OSError, ValueError):
        return None
    if not status.get("finished") and not _alive(status.get("pid")):
        return None  # the process died without saying so: nothing is training
    return status


def describe(name: str, status: dict | None = None) -> str | None:
    """A dashboard's status line while recipe ``name`` waits or trains in the background, else None."""
    status = read_status() if status is None else status
    if not status or status.get("finished") or name not in status["names"] or name in status["done"]:
        return None
    names = status["names"]
    todo = [n for n in names if n not in status["done"]]
    left = sum(ESTIMATE_S.get(n, 90) for n in todo[:todo.index(name) + 1])
    where = (f"model {names.index(name) + 1} of {len(names)}" + (f", {status['step']}" if status.get("step") else "")
             if status.get("current") == name else f"queued behind {status.get('current')}")
    return (f"training in the background (started by the portal): {where} — about {max(1, round(left / 60))} min "
            f"left; this page switches to it when it is ready")


class BackgroundTraining:
    """The zoo's missing models trained in a niced child process, the progress kept in ``status_path()``.

    Args:
        echo: called with a line for the terminal: what will be trained (and about how long), each model
            ready, a failure.
        names: recipes to consider (default: every recipe of ``airtools.zoo``); cached ones are skipped.
    """

    def __init__(self, echo=print, names: list[str] | None = None):
        self.echo, self.requested = echo, list(names or [])
        self.names: list[str] = []  # the missing ones, as the child reports them
        self.proc: subprocess.Popen | None = None
        self._lock = threading.Lock()
        self.status = {"pid": None, "names": [], "done": [], "current": None, "step": "", "finished": False,
                       "error": None, "started": time.time()}

    def start(self) -> BackgroundTraining:
        """Start the child unless another portal's training is already at work (then only report it)."""
        other = read_status()
        if other is not None and not other.get("finished") and other.get("pid") != os.getpid():
            self.echo(f"models are being trained by another portal (pid {other['pid']}): {other['names']}")
            return self
        cmd = [sys.executable, "-m", "airtools.portal.training", *self.requested]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                                     preexec_fn=lambda: os.nice(10))
        self.status["pid"] = self.proc.pid
        self._write()
        threading.Thread(target=self._read_rows, daemon=True).start()
        threading.Thread(target=self._read_bars, daemon=True).start()
        return self

    def stop(self) -> None:
        """Stop the child (a model being trained is not saved; the next start trains it again)."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        if self.proc is not None:
            self.status.update(finished=True, error=self.status["error"] or ("stopped" if self._todo() else None))
            self._write()

    def _todo(self) -> list[str]:
        return [n for n in self.names if n not in self.status["done"]]

    def _read_rows(self) -> None:  # stdout: the missing names, then one table row per finished recipe
        for line in self.proc.stdout:
            words = line.decode(errors="replace").split()
            if words[:1] == ["missing:"]:
                self.names = words[1:]
                self.status.update(names=self.names, current=self.names[0] if self.names else None)
                self._write()
                if self.names:
                    minutes = max(1, round(sum(ESTIMATE_S.get(n, 90) for n in self.names) / 60))
                    self.echo(f"training {len(self.names)} missing model(s) in the background, about {minutes} min on "
                              f"2 cores: {', '.join(self.names)} (the dashboards show the progress)")
                continue
            name = words[0] if words else ""
            if name in self.names and name not in self.status["done"]:
                self.status["done"].append(name)
                todo = self._todo()
                self.status.update(current=todo[0] if todo else None, step="")
                self._write()
                self.echo(f"model ready: {name} ({len(self.status['done'])} of {len(self.names)})")
        code = self.proc.wait()
        error = None if code == 0 else f"airtools zoo build exited with code {code}"
        self.status.update(finished=True, error=error, current=None)
        self._write()
        if error:
            self.echo(f"background training failed: {error}; the dashboards keep their train buttons")

    def _read_bars(self) -> None:  # stderr: tqdm bars, "\r"-separated
        buffer, last = b"", 0.0
        while chunk := self.proc.stderr.read1(4096):
            buffer = (buffer + chunk)[-4096:]
            bars = _TQDM.findall(buffer.decode(errors="replace"))
            if bars and time.monotonic() - last > 1.0:  # at most one write per second
                desc, n, total = bars[-1]
                self.status["step"] = f"{desc.strip()} {n}/{total}"
                self._write()
                last = time.monotonic()

    def _write(self) -> None:
        self.status["updated"] = time.time()
        with self._lock, atomic_write(status_path()) as f:  # two reader threads write it
            f.write(json.dumps(self.status).encode())


def _alive(pid) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def main(argv: list[str] | None = None) -> int:
    """The child: print ``missing: NAMES``, then build them with a table row per finished one."""
    from airtools import zoo

    names = argv if argv is not None else sys.argv[1:]
    missing = [n for n in (names or zoo.REGISTRY) if not zoo.get(n).is_cached()]
    print("missing:", *missing, flush=True)
    if missing:
        zoo.build(missing, progress=True, echo=lambda text: print(text, flush=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
