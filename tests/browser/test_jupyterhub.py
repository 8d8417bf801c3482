"""The course JupyterHub for real: ``jupyterhub_config.py`` started on 127.0.0.1 (JupyterHub from PyPI,
configurable-http-proxy from npm), three students log in through the login page in Chromium, each gets their
own server with a copy of the course, runs a lesson cell in their own kernel and opens a dashboard through
Voila's server extension at /user/NAME/voila/render/..., and no request leaves 127.0.0.1.

One hub for the module; the dummy authenticator and ``SimpleLocalProcessSpawner`` (users need no account on
this machine) replace PAM and ``LocalProcessSpawner`` on the command line, everything else is the file's.
Timings go to ``artifacts/jupyterhub_timings.json``.
"""
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import nbformat
import psutil
import pytest

from airtools.portal import REPO_ROOT, free_port

pytestmark = pytest.mark.browser

USERS = {"alice": "irreps", "bob": "rotations", "carol": "index"}  # each opens another dashboard
PASSWORD = secrets.token_hex(8)  # typed into the login page (the dummy authenticator takes any)
TIMINGS: dict[str, float] = {}
PROXY = shutil.which("configurable-http-proxy") or str(Path(sys.prefix) / "node_modules" / ".bin" / "configurable-http-proxy")

# create a kernel on the user's own server and run one cell through its websocket (what JupyterLab does),
# returning the cell's text output; the page is logged in, so the cookie and the _xsrf token authenticate
_RUN_CELL = """async ([base, code]) => {
  const xsrf = decodeURIComponent((document.cookie.match(/(?:^|; )_xsrf=([^;]*)/) || [])[1] || '');
  const headers = {'Content-Type': 'application/json', 'X-XSRFToken': xsrf};
  const reply = await fetch(base + 'api/kernels', {method: 'POST', headers, body: JSON.stringify({name: 'python3'})});
  if (!reply.ok) throw new Error('kernel not started: ' + reply.status);
  const kernel = await reply.json();
  const url = base.replace(/^http/, 'ws') + 'api/kernels/' + kernel.id + '/channels';
  const ws = new WebSocket(url);
  const id = crypto.randomUUID(), out = [];
  return await new Promise((resolve, reject) => {
    ws.onerror = () => reject(new Error('websocket failed'));
    ws.onopen = () => ws.send(JSON.stringify({channel: 'shell', header: {msg_id: id, msg_type: 'execute_request',
      username: 'test', session: crypto.randomUUID(), date: new Date().toISOString(), version: '5.3'},
      parent_header: {}, metadata: {}, content: {code, silent: false, store_history: false, user_expressions: {},
      allow_stdin: false}, buffers: []}));
    ws.onmessage = (event) => {
      const msg = JSON.parse(event.data);
      if (msg.parent_header.msg_id !== id) return;
      if (msg.msg_type === 'stream') out.push(msg.content.text);
      if (msg.msg_type === 'error') out.push('ERROR ' + msg.content.ename + ': ' + msg.content.evalue);
      if (msg.msg_type === 'status' && msg.content.execution_state === 'idle') { ws.close(); resolve(out.join('')); }
    };
  });
}"""


def _first_code_cell(path: Path) -> str:
    return next(c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code")


def _get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return r.status
    except urllib.error.HTTPError as err:
        return err.code
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return 0


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    if not Path(PROXY).exists():
        pytest.fail(f"{PROXY} is missing: `make hub-proxy` installs configurable-http-proxy from npm (make test does)")
    state = tmp_path_factory.mktemp("hub")
    port, hub_port, api_port = free_port(), free_port(), free_port()
    cmd = [sys.executable, "-m", "jupyterhub", "-f", str(REPO_ROOT / "jupyterhub_config.py"),
           f"--JupyterHub.port={port}", f"--JupyterHub.hub_port={hub_port}",
           f"--ConfigurableHTTPProxy.api_url=http://127.0.0.1:{api_port}",
           "--JupyterHub.authenticator_class=dummy",  # any password
           "--Authenticator.allow_all=True", "--JupyterHub.spawner_class=simple",
           f"--SimpleLocalProcessSpawner.home_dir_template={state}/home/{{username}}"]
    log = open(REPO_ROOT / "artifacts" / "jupyterhub.log", "w")
    t0 = time.monotonic()
    proc = subprocess.Popen(cmd, cwd=state, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                            env={**os.environ, "AIRTOOLS_HUB_IDLE": "3600"})
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while _get(f"{url}/hub/api") != 200:
            assert proc.poll() is None, (REPO_ROOT / "artifacts" / "jupyterhub.log").read_text()[-3000:]
            assert time.monotonic() < deadline, "the hub did not answer within 120 s"
            time.sleep(0.2)
        TIMINGS["hub started"] = time.monotonic() - t0
        yield {"url": url, "proc": proc, "state": state}
    finally:
        descendants = psutil.Process(proc.pid).children(recursive=True) if proc.poll() is None else []
        proc.send_signal(signal.SIGTERM)  # cleanup_servers: the students' servers stop with the hub
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            proc.kill()
        _, alive = psutil.wait_procs(descendants, timeout=30)
        for p in alive:
            p.kill()
        log.close()
        (REPO_ROOT / "artifacts" / "jupyterhub_timings.json").write_text(json.dumps(TIMINGS, indent=1))
        assert not alive, f"left running after the hub stopped: {[p.pid for p in alive]}"


def test_three_students_log_in_run_a_lesson_cell_and_open_a_dashboard(hub, new_page):
    url = hub["url"]
    pages = {}
    for user in USERS:  # the login page, as a student sees it; the hub spawns their server
        t0 = time.monotonic()
        pg = new_page()
        pg.goto(f"{url}/hub/login")
        pg.fill("input[name=username]", user)
        pg.fill("input[name=password]", PASSWORD)
        pg.click("input[type=submit], button[type=submit]")
        pg.wait_for_url(re.compile(rf".*/user/{user}/lab.*"), timeout=180_000)
        pg.locator(".jp-LabShell, #jp-main-dock-panel").first.wait_for(state="attached", timeout=120_000)
        TIMINGS[f"{user}: login to JupyterLab"] = time.monotonic() - t0
        pages[user] = pg
    home = hub["state"] / "home"
    assert sorted(p.name for p in home.iterdir()) == sorted(USERS)
    for user in USERS:  # their own copy of the course
        assert (home / user / "lessons" / "00_welcome.ipynb").is_file()
        assert (home / user / "dashboards" / "index.ipynb").is_file()

    cell = _first_code_cell(REPO_ROOT / "lessons" / "00_welcome.ipynb")  # imports airtools, touches so3 (torch)
    for user, pg in pages.items():
        t0 = time.monotonic()
        output = pg.evaluate(_RUN_CELL, [f"{url}/user/{user}/", cell + "\nimport os; print('cwd', os.getcwd())"])
        TIMINGS[f"{user}: lesson cell"] = time.monotonic() - t0
        assert "ERROR" not in output and "so3 loaded after use?  True" in output, output
        assert f"cwd {home / user}" in output  # the student's own server, in their own home

    for user, dashboard in USERS.items():  # all three ask at once; Voila executes each in the user's server
        TIMINGS[f"{user}: {dashboard} asked"] = time.monotonic()
        pages[user].goto(f"{url}/user/{user}/voila/render/dashboards/{dashboard}.ipynb", wait_until="commit")
    for user, dashboard in USERS.items():
        pg = pages[user]
        pg.locator(".jupyter-widgets").first.wait_for(state="visible", timeout=180_000)
        if dashboard != "index":
            pg.wait_for_function("document.querySelectorAll('.js-plotly-plot .main-svg').length >= 2", timeout=120_000)
        TIMINGS[f"{user}: {dashboard} shown"] = time.monotonic() - TIMINGS.pop(f"{user}: {dashboard} asked")
        body = pg.inner_text("body")
        assert "Traceback" not in body and "Error" not in pg.title()
        pg.screenshot(path=str(REPO_ROOT / "artifacts" / "screenshots" / f"hub-{user}-{dashboard}.png"))
    for user, pg in pages.items():
        log = pg.airtools_log
        assert log.external_requests == [], f"{user}: requests off 127.0.0.1: {log.external_requests}"
        assert log.page_errors == [], f"{user}: page errors: {log.page_errors}"
    if "irreps" in USERS.values():  # a widget change reaches the student's kernel and back
        pg = pages[next(u for u, d in USERS.items() if d == "irreps")]
        assert pg.locator(".widget-slider").count() >= 6

    # behind the hub: closing a tab shuts its kernel down (Voila's unload beacon), and a page whose kernel is gone
    # says so (the server authenticates by cookie, so kernel_watch.js's status request carries the _xsrf token)
    alice, bob = pages["alice"], pages["bob"]
    closed = alice.evaluate(_PAGE_KERNEL)
    api_alice = alice.context.new_page()
    api_alice.goto(f"{url}/user/alice/api/status")
    alice.close(run_before_unload=True)
    gone = f"""async () => {{
      try {{ return !(await ({_KERNELS})('{url}/user/alice/')).includes('{closed}'); }}
      catch (err) {{ window.__lastError = String(err); return false; }}
    }}"""
    try:
        api_alice.wait_for_function(gone, timeout=30_000, polling=500)
    except Exception as err:
        raise AssertionError(f"alice's closed dashboard kernel still listed ({api_alice.evaluate('window.__lastError')})") from err
    assert bob.evaluate(_DELETE_KERNEL, [f"{url}/user/bob/", bob.evaluate(_PAGE_KERNEL)]) == 204  # as culled
    bob.locator(".airtools-dead-kernel").wait_for(state="visible", timeout=30_000)
    assert "kernel has stopped" in bob.inner_text(".airtools-dead-kernel")
    bob.screenshot(path=str(REPO_ROOT / "artifacts" / "screenshots" / "hub-bob-dead-kernel.png"))
    print(json.dumps(TIMINGS, indent=1))


_XSRF = "decodeURIComponent((document.cookie.match(/(?:^|; )_xsrf=([^;]*)/) || [])[1] || '')"
_PAGE_KERNEL = "() => JSON.parse(document.getElementById('jupyter-config-data').textContent).kernelId"
_KERNELS = f"""async (base) => {{
  const reply = await fetch(base + 'api/kernels', {{headers: {{'X-XSRFToken': {_XSRF}}}}});
  if (!reply.ok) throw new Error('kernels not listed: ' + reply.status);
  return (await reply.json()).map(k => k.id);
}}"""
_DELETE_KERNEL = f"""async ([base, id]) => (await fetch(base + 'api/kernels/' + id,
  {{method: 'DELETE', headers: {{'X-XSRFToken': {_XSRF}}}}})).status"""


def test_idle_culler_runs_as_a_hub_service(hub):
    hub_proc = psutil.Process(hub["proc"].pid)
    commands = [" ".join(p.cmdline()) for p in hub_proc.children(recursive=True)]
    culler = [c for c in commands if "jupyterhub_idle_culler" in c]
    assert culler and "--timeout=3600" in culler[0], commands
    proxy = [c for c in commands if "configurable-http-proxy" in c]
    assert proxy and "127.0.0.1" in proxy[0], commands
