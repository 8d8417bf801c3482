"""Kernels forked by ``airtools.portal._forkserver`` behave as kernels: they run code with the preloaded modules,
take the kernel's environment and folder, stop on interrupt, restart, shut down without a zombie, and the fork
server goes when the process that started it goes (its kernels with it)."""
import json
import os
import subprocess
import sys
import time

import nbformat
import psutil
import pytest
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import KernelManager

from airtools.portal._forkserver import ForkServer


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """A dashboards folder whose one notebook imports ``fractions`` (cheap, and not imported by ipykernel) and
    ipywidgets (which registers its comm targets only when it is imported inside a kernel)."""
    folder = tmp_path_factory.mktemp("dashboards")
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "import fractions\nimport ipywidgets\nfrom json import decoder")])
    nbformat.write(nb, folder / "one.ipynb")
    return folder


@pytest.fixture(scope="module")
def kernels(tmp_path_factory):
    """A kernel spec ``forked``: ``python -m ipykernel_launcher`` through the ``airtools-fork`` provisioner."""
    specs = tmp_path_factory.mktemp("kernels")
    (specs / "forked").mkdir()
    (specs / "forked" / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "forked", "language": "python",
        "metadata": {"kernel_provisioner": {"provisioner_name": "airtools-fork"}}}))
    yield KernelSpecManager(kernel_dirs=[str(specs)])
    if ForkServer._instance is not None:
        ForkServer._instance.proc.terminate()
        ForkServer._instance.proc.wait(30)
        ForkServer._instance = None


def _run(client, code, timeout=60):
    """(status, {"name": text} of the stream outputs, error name) of ``code`` run in the kernel."""
    out = {}

    def hook(msg):
        if msg["msg_type"] == "stream":
            out[msg["content"]["name"]] = out.get(msg["content"]["name"], "") + msg["content"]["text"]

    reply = client.execute_interactive(code, timeout=timeout, output_hook=hook)
    return reply["content"]["status"], out.get("stdout", ""), reply["content"].get("ename")


@pytest.fixture
def kernel(kernels, folder):
    km = KernelManager(kernel_spec_manager=kernels, kernel_name="forked")
    km.start_kernel(cwd=str(folder), env={**os.environ, "AIRTOOLS_TEST_VALUE": "42"})
    client = km.client()
    client.start_channels()
    client.wait_for_ready(timeout=60)
    yield km, client
    client.stop_channels()
    if km.is_alive():
        km.shutdown_kernel(now=True)


def test_a_forked_kernel_runs_with_the_notebooks_imports_preloaded(kernel, folder):
    km, client = kernel
    server = ForkServer._instance
    assert server is not None and km.provisioner.process.pid != server.proc.pid
    status, out, _ = _run(client, "import os, sys\nprint(os.getppid(), 'fractions' in sys.modules, "
                                  "os.environ['AIRTOOLS_TEST_VALUE'], os.getcwd(), os.getpgid(0) == os.getpid())")
    assert status == "ok"
    assert out.split() == [str(server.proc.pid), "True", "42", str(folder), "True"]


def test_widget_comm_targets_are_registered_in_a_forked_kernel(kernel):
    """ipywidgets was imported in the fork server, outside any kernel: the kernel registers its targets itself."""
    _, client = kernel
    status, out, _ = _run(client, "import comm\nprint(sorted(comm.get_comm_manager().targets))\nprint(sorted(dir()))")
    assert status == "ok"
    targets, names = out.splitlines()
    assert "'jupyter.widget'" in targets and "'jupyter.widget.control'" in targets
    assert "sys" not in names, "the start-up line left a name in the learner's namespace"


def test_interrupt_stops_the_running_cell(kernel):
    km, client = kernel
    msg_id = client.execute("import time\ntime.sleep(60)")
    time.sleep(1)  # the cell must be running for the interrupt to hit it
    t0 = time.monotonic()
    km.interrupt_kernel()
    reply = client.get_shell_msg(timeout=30)
    while reply["parent_header"].get("msg_id") != msg_id:
        reply = client.get_shell_msg(timeout=30)
    assert reply["content"]["ename"] == "KeyboardInterrupt" and time.monotonic() - t0 < 30
    assert _run(client, "print(1 + 1)")[:2] == ("ok", "2\n")


def test_restart_gives_a_fresh_forked_kernel_and_shutdown_leaves_no_zombie(kernel):
    km, client = kernel
    first = km.provisioner.process.pid
    _run(client, "x = 5")
    km.restart_kernel(now=True)
    client.wait_for_ready(timeout=60)
    second = km.provisioner.process.pid
    assert second != first and not psutil.pid_exists(first)
    assert _run(client, "print('x' in globals())")[:2] == ("ok", "False\n")
    km.shutdown_kernel(now=True)
    deadline = time.monotonic() + 30
    while psutil.pid_exists(second) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not psutil.pid_exists(second), "the fork server did not reap its stopped kernel"


def test_the_fork_server_and_its_kernels_stop_with_the_process_that_started_it(folder, tmp_path):
    """A parent (standing in for Voila) starts a fork server and forks a kernel; kill the parent -> both go."""
    code = f"""
import asyncio, os, sys
from airtools.portal._forkserver import ForkServer
server = ForkServer({str(folder)!r})
argv = [sys.executable, "-m", "ipykernel_launcher", "-f", {str(tmp_path / "k.json")!r}]
pid = asyncio.run(server.spawn(argv, dict(os.environ), {str(folder)!r}))
print(server.proc.pid, pid, flush=True)
sys.stdin.read()
"""
    parent = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    server_pid, kernel_pid = map(int, parent.stdout.readline().split())
    assert psutil.Process(kernel_pid).ppid() == server_pid
    parent.kill()
    parent.wait(30)
    deadline = time.monotonic() + 30
    while (psutil.pid_exists(server_pid) or _running(kernel_pid)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not psutil.pid_exists(server_pid) and not _running(kernel_pid)


def _running(pid):
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False
