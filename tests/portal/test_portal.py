"""``airtools portal`` for real: both servers answer with the token only, serve the assets, pass the lab
URL to dashboard kernels, and Ctrl-C / SIGTERM leave no process behind (lab and dashboard kernels included)."""
import json
import os
import queue
import secrets
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

import nbformat
import psutil
import pytest

_ENV_CELL = "import os\nprint('lab url =', os.environ.get('AIRTOOLS_LAB_URL'))\nimport ipywidgets\nipywidgets.IntSlider()"


def _dashboards(folder):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(_ENV_CELL)])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    folder.mkdir()
    nbformat.write(nb, folder / "env.ipynb")
    return folder


def _get(url, data=None):
    """(status, body) of a request that does not follow redirects."""
    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args):
            return None

    try:
        with urllib.request.build_opener(NoRedirect).open(urllib.request.Request(url, data=data), timeout=30) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()


def _start_cli(tmp_path, token):
    """Run ``airtools portal`` and return (process, {"lab": url, "dashboards": url}) once it is preheated."""
    log = open(tmp_path / "servers.log", "w")
    cmd = [sys.executable, "-m", "airtools.cli", "portal", "--port", "0", "--voila-port", "0", "--no-browser",
           "--token", token, "--dashboards", str(_dashboards(tmp_path / "dashboards"))]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=log, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    lines = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in proc.stdout], daemon=True).start()
    urls, deadline = {}, time.monotonic() + 180
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=1)
        except queue.Empty:
            assert proc.poll() is None, (tmp_path / "servers.log").read_text()[-3000:]
            continue
        parts = line.split()
        if len(parts) == 2 and parts[1].startswith("http://127.0.0.1:"):
            urls[parts[0]] = parts[1]
        if "preheated" in line:
            return proc, urls
    proc.kill()
    raise TimeoutError("airtools portal did not report its URLs")


def _alive(processes):
    alive = []
    for p in processes:
        try:
            if p.status() != psutil.STATUS_ZOMBIE:
                alive.append(p)
        except psutil.NoSuchProcess:
            pass
    return alive


@pytest.fixture(scope="module")
def running(tmp_path_factory):
    token = secrets.token_hex(16)
    proc, urls = _start_cli(tmp_path_factory.mktemp("portal"), token)
    yield proc, token, urls
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        proc.wait(60)


def test_urls_are_local_with_token(running):
    _, token, urls = running
    assert set(urls) == {"lab", "dashboards"}
    for url in urls.values():
        assert url.startswith("http://127.0.0.1:") and url.endswith(f"?token={token}")
    assert "/lab/tree/lessons" in urls["lab"]


def test_lab_requires_token(running):
    _, token, urls = running
    base = urls["lab"].split("/lab")[0]
    assert _get(f"{base}/api/status?token={token}")[0] == 200
    assert _get(f"{base}/api/status")[0] == 403
    assert _get(f"{base}/api/contents?token=wrong")[0] == 403
    assert _get(f"{base}/lab/tree/lessons")[0] == 302  # to the login page


def test_voila_requires_token(running):
    _, token, urls = running
    base = urls["dashboards"].split("/?")[0].split("/voila")[0]
    status, body = _get(f"{base}/voila/render/env.ipynb?token={token}")
    assert status == 200
    lab_base = urls["lab"].split("/lab")[0]
    assert f"lab url = {lab_base}" in body.decode()  # AIRTOOLS_LAB_URL reached the dashboard kernel
    assert _get(f"{base}/voila/render/env.ipynb")[0] == 302
    assert _get(f"{base}/airtools/api/warm")[0] == 403
    status, body = _get(f"{base}/airtools/api/warm?token={token}")
    assert status == 200 and "env.ipynb" in json.loads(body)["notebooks"]


def test_both_servers_serve_plotly_bundle(running):
    _, _, urls = running
    for url in urls.values():
        base = url.split("/lab")[0].split("/voila")[0].split("/?")[0]
        status, body = _get(base + "/airtools/plotly/plotly.min.js")
        assert status == 200 and len(body) > 1_000_000


def _stop_and_check(proc, token, urls, sig):
    base = urls["lab"].split("/lab")[0]
    assert _get(f"{base}/api/kernels?token={token}", data=b'{"name": "python3"}')[0] == 201  # a lab kernel too
    deadline = time.monotonic() + 30  # the new kernel's process appears once the lab has spawned it
    while len(children := psutil.Process(proc.pid).children(recursive=True)) < 4 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert len(children) >= 4  # lab, voila, the lab kernel, the preheated dashboard kernel(s)
    proc.send_signal(sig)
    assert proc.wait(60) == 0
    _, alive = psutil.wait_procs(children, timeout=10)
    assert _alive(alive) == []


def test_ctrl_c_stops_servers_and_kernels(tmp_path):
    token = secrets.token_hex(16)
    proc, urls = _start_cli(tmp_path, token)
    _stop_and_check(proc, token, urls, signal.SIGINT)


def test_sigterm_stops_servers_and_kernels(running):
    """Last in this file: it stops the module's portal."""
    proc, token, urls = running
    _stop_and_check(proc, token, urls, signal.SIGTERM)
