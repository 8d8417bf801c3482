"""Suite-wide fixtures: one cache folder for the whole run (never a developer's own), one torch thread for tiny
tensors, the devices to test on, and the notebook timing table printed at the end."""
import os
import shutil
import tempfile
from pathlib import Path

import pytest
import torch

ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"
DEVICES = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
_NOTEBOOK_TIMES: list[tuple[str, float, float]] = []


def pytest_configure(config):
    """Point ``AIRTOOLS_CACHE`` at a new temporary folder for the whole run, before any test or doctest imports
    airtools: every test, lesson, dashboard kernel and server the run starts reads and writes there (child
    processes inherit it), so no test sees a developer's ``~/.cache/airtools`` and pretrained pieces are built
    once per run. ``AIRTOOLS_TEST_CACHE`` names a folder to reuse instead (e.g. between local runs)."""
    chosen = os.environ.get("AIRTOOLS_TEST_CACHE") or tempfile.mkdtemp(prefix="airtools-test-cache-")
    os.environ["AIRTOOLS_CACHE"] = chosen
    ARTIFACTS.mkdir(exist_ok=True)  # logs, screenshots and timing tables: a fresh clone has no such folder
    config.airtools_temporary_cache = None if os.environ.get("AIRTOOLS_TEST_CACHE") else chosen


def pytest_unconfigure(config):
    if getattr(config, "airtools_temporary_cache", None):
        shutil.rmtree(config.airtools_temporary_cache, ignore_errors=True)


@pytest.fixture(params=DEVICES)
def device(request):
    """``"cpu"``, and ``"cuda"`` when a GPU is visible: a test taking ``device`` runs on each."""
    return request.param


@pytest.fixture
def one_torch_thread():
    """Run torch on one thread: tiny tensors on a busy 2-core machine were up to ~100x slower with two OpenMP
    threads waiting for each other (measured: 1.8 s instead of 0.02 s per model check)."""
    n_threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n_threads)


@pytest.fixture
def notebook_times():
    """Append ``(name, seconds, budget)`` rows; they are printed as a table after the run."""
    return _NOTEBOOK_TIMES


def pytest_terminal_summary(terminalreporter):
    terminalreporter.write_line(f"test cache: {os.environ.get('AIRTOOLS_CACHE')}")
    if not _NOTEBOOK_TIMES:
        return
    lines = [f"{'notebook':48s} {'seconds':>8s} {'budget':>7s}"]
    for name, seconds, budget in _NOTEBOOK_TIMES:
        flag = "" if seconds <= budget else "  OVER BUDGET"
        lines.append(f"{name:48s} {seconds:8.1f} {budget:7.0f}{flag}")
    terminalreporter.write_sep("=", "notebook execution times (fresh kernel, this machine)")
    for line in lines:
        terminalreporter.write_line(line)
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "notebook-times.txt").write_text("\n".join(lines) + "\n")
