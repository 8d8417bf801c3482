"""``airtools portal`` for real: both servers answer with the token only, serve the assets, pass the lab
URL to dashboard kernels, and Ctrl-C / SIGTERM leave no process behind (lab and dashboard kernels included)."""
import concurrent.futures
import json
import os
import queue
import re
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

_ENV_CELL = ("import os\nprint('lab url =', os.environ.get('AIRTOOLS_LAB_URL'))\nimport ipywidgets\n"
             "image = ipywidgets.Image(value=b'buffer')  # a widget whose state travels as a binary buffer\n"
             "ipywidgets.IntSlider()")


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


def _render(base, token, notebook):
    """The dashboard's HTML, as a browser gets it: through the waiting room's line while the pool refills."""
    status, html = _get(f"{base}/voila/render/{notebook}?token={token}")
    assert status == 200
    deadline = time.monotonic() + 120
    while line := re.search(r'const api = "([^"]+)", target = "([^"]+)"', html.decode()):
        assert time.monotonic() < deadline, "no kernel became ready for the waiting page"
        status, reply = _get(f"{base}{line[1]}?token={token}")
        if status == 200 and json.loads(reply)["ready"]:
            status, html = _get(base + line[2])
            assert status == 200
        else:
            time.sleep(1)  # the waiting room's page asks every second too
    return html.decode()


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


def test_a_legacy_protocol_client_gets_binary_frames_and_voila_goes_on(running):
    """Voila reads every binary frame it sends as websocket protocol v1; one frame of the legacy protocol (a client
    that asks for no subprotocol) read that way hung the whole server. Here a legacy client asks for the widget states
    (the page's Image widget sends its bytes as a buffer, so the reply is a binary frame): it arrives, and the server
    answers the next request at once."""
    import asyncio

    from jupyter_server.services.kernels.connection.base import deserialize_binary_message
    from tornado.websocket import websocket_connect

    _, token, urls = running
    base = urls["dashboards"].split("/?")[0].split("/voila")[0]
    kernel = json.loads(re.search(r'id="jupyter-config-data"[^>]*>(.*?)</script>', _render(base, token, "env.ipynb"),
                                  re.S)[1])["kernelId"]
    comm = secrets.token_hex(8)

    def request(msg_type, content, metadata=None):
        header = {"msg_id": secrets.token_hex(8), "username": "test", "session": "legacy", "msg_type": msg_type,
                  "version": "5.3"}
        return json.dumps({"header": header, "parent_header": {}, "metadata": metadata or {}, "channel": "shell",
                           "content": content, "buffers": []})

    async def legacy_client():
        ws = await websocket_connect(f"ws{base[4:]}/api/kernels/{kernel}/channels?token={token}")
        for _ in range(60):  # the server wires the kernel's channels after the handshake: ask until it answers
            await ws.write_message(request("kernel_info_request", {}))
            try:
                frame = await asyncio.wait_for(ws.read_message(), 1)
            except asyncio.TimeoutError:
                continue
            if isinstance(frame, str) and json.loads(frame)["msg_type"] == "kernel_info_reply":
                break
        else:
            raise AssertionError("the kernel never answered kernel_info_request")
        await ws.write_message(request("comm_open", {"comm_id": comm, "target_name": "jupyter.widget.control",
                                                     "data": {}}, {"version": "1.0.0"}))
        await ws.write_message(request("comm_msg", {"comm_id": comm, "data": {"method": "request_states"}}))
        while True:  # text frames (status, kernel_info_reply, ...) until the binary one
            frame = await asyncio.wait_for(ws.read_message(), 60)
            assert frame is not None, "the kernel websocket closed"
            if isinstance(frame, bytes):
                ws.close()
                return deserialize_binary_message(frame)

    with concurrent.futures.ThreadPoolExecutor(1) as pool:  # its own loop: the browser tests' one runs in this thread
        msg = pool.submit(asyncio.run, legacy_client()).result()
    assert msg["content"]["comm_id"] == comm and msg["content"]["data"]["method"] == "update_states"
    assert [bytes(b) for b in msg["buffers"]] == [b"buffer"]
    t0 = time.monotonic()
    assert _get(f"{base}/airtools/api/warm?token={token}")[0] == 200
    assert time.monotonic() - t0 < 5  # answered at once: the server's loop is not stuck
    assert _get(f"{base}/voila/api/shutdown/{kernel}?token={token}", data=b"")[0] == 204


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
