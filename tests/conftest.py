"""Suite-wide fixtures: one torch thread for tiny tensors, and the notebook timing table printed at the end."""
from pathlib import Path

import pytest

ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"
_NOTEBOOK_TIMES: list[tuple[str, float, float]] = []


@pytest.fixture
def one_torch_thread():
    """Run torch on one thread: tiny tensors on a busy 2-core machine were up to ~100x slower with two OpenMP
    threads waiting for each other (measured: 1.8 s instead of 0.02 s per model check)."""
    import torch

    n_threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n_threads)


@pytest.fixture
def notebook_times():
    """Append ``(name, seconds, budget)`` rows; they are printed as a table after the run."""
    return _NOTEBOOK_TIMES


def pytest_terminal_summary(terminalreporter):
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
