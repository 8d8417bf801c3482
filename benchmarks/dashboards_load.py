"""A class opens one dashboard at the same moment: N sessions in real Chromium against the portal's Voila.

Each session is its own browser context (a student's own browser: cold cache, own cookies) and opens the
dashboard at the same instant. Per N it prints: sessions that failed (no widget within the timeout, an error or
a dead-kernel banner on the page), time to the first widget (p50, p95; navigation to the first widget laid
out and visible, measured in the page as the browser tests do), time until every figure is drawn (p95), the
server's memory at its peak (RSS summed over the Voila process and its kernels, PSS -- shared pages counted
once -- and the machine's used memory above what it was before the run), the CPU-seconds per page that the server
(Voila and its kernels) and the clients (Chromium, or this process) spent until every page was done and, after
every tab is closed, the kernels of these sessions still running (Voila's shutdown-on-close must reap all of them).

    python benchmarks/dashboards_load.py                                # N = 1, 10, 30 on rotations, own portal
    python benchmarks/dashboards_load.py --sessions 10 --dashboard pde
    python benchmarks/dashboards_load.py --class-size 30                # own portal, a pool of 30 for the dashboard
    python benchmarks/dashboards_load.py --class-size 30 --no-fork      # kernels as new processes, not forked
    python benchmarks/dashboards_load.py --url http://127.0.0.1:8866 --token T   # a portal already running

    python benchmarks/dashboards_load.py --class-size 30 --server-side  # the server alone, no browser

Chromium runs on the same machine as the portal (here: 2 cores), so a page's own rendering competes with the
kernels: the numbers are an upper bound of what students on their own laptops see (a rotations page costs Chromium
6-7 CPU-seconds to lay out and draw and the server 0.6, so 30 of them need over a minute of this machine's two cores
whatever the server does). ``--server-side`` measures the server alone: each session makes the requests a page
makes, without a browser -- the HTML (through the waiting room when every kernel is taken), every local script and
stylesheet it names (a cold cache), then the widget states over the kernel's websocket as Voila's widget manager
asks for them (ipywidgets' ``jupyter.widget.control`` comm); its first widget is the moment those states arrive, its
all-figures time when the assets have come too. Not part of ``make test`` (N = 30 takes minutes);
``tests/browser/test_classroom.py`` runs both kinds with N = 2.
"""
from __future__ import annotations

import argparse
import asyncio
import functools
import json
import math
import os
import re
import secrets
import statistics
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.browser._page_js import ALL_RENDERED, MUTATION_CLOCK  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
_KERNEL_WS_PROTOCOL = "v1.kernel.websocket.jupyter.org"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
_PROBLEM = """() => {
  const text = document.body ? document.body.innerText : '';
  if (document.querySelector('.airtools-dead-kernel')) return 'dead kernel: ' + text.slice(0, 200);
  for (const marker of ['Traceback (most recent call last)', 'There was an error when executing cell'])
    if (text.includes(marker)) return marker;
  return null;
}"""


@dataclass
class Session:
    """One student's page: seconds from navigation to the first widget and to every figure drawn."""

    first_widget_s: float | None = None
    all_figures_s: float | None = None
    kernel_id: str | None = None
    error: str | None = None
    widget_models: int | None = None  # server-side sessions: the widget states the kernel sent


@dataclass
class LoadResult:
    """What ``run_load`` measured for N sessions (seconds, bytes)."""

    n: int
    sessions: list[Session]
    peak_rss: int = 0
    peak_pss: int = 0
    used_above_baseline: int = 0
    server_cpu_s: float = 0.0  # CPU-seconds per session: Voila and its kernels
    client_cpu_s: float = 0.0  # CPU-seconds per session: Chromium (server-side: this process)
    kernels_left: int = 0
    samples: list[tuple[float, int]] = field(default_factory=list)  # (s, rss) through the run

    @property
    def failures(self) -> int:
        return sum(s.error is not None for s in self.sessions)

    def quantile(self, attr: str, q: float) -> float:
        values = sorted(getattr(s, attr) for s in self.sessions if getattr(s, attr) is not None)
        if not values:
            return float("nan")
        return values[max(0, math.ceil(q * len(values)) - 1)]  # nearest rank

    def row(self) -> str:
        gib = 2 ** 30
        return (f"| {self.n:>3} | {self.failures:>6} | {self.quantile('first_widget_s', 0.5):>5.1f} | "
                f"{self.quantile('first_widget_s', 0.95):>5.1f} | {self.quantile('all_figures_s', 0.95):>5.1f} | "
                f"{self.peak_rss / gib:>8.1f} | {self.peak_pss / gib:>8.1f} | {self.used_above_baseline / gib:>9.1f} | "
                f"{self.server_cpu_s:>6.2f} | {self.client_cpu_s:>6.2f} | {self.kernels_left:>12} |")


HEADER = ("|   N | failed | first widget p50 s | first widget p95 s | all figures p95 s | RSS GiB | PSS GiB | "
          "used +GiB | server CPU s/page | client CPU s/page | kernels left |\n"
          "|----:|-------:|-----:|-----:|-----:|-----:|-----:|-----:|-----:|-----:|-----:|")


@functools.lru_cache
def _listener(port: int) -> psutil.Process:
    """The process listening on 127.0.0.1:``port``, looked up once: a lookup reads every open file of every process,
    which with 30 browser pages and their kernels costs the CPU the run is measuring."""
    for conn in psutil.net_connections(kind="tcp"):
        if conn.status == psutil.CONN_LISTEN and conn.laddr.port == port and conn.pid:
            return psutil.Process(conn.pid)
    raise RuntimeError(f"no process listens on port {port}")


def server_processes(port: int) -> list[psutil.Process]:
    """The process listening on 127.0.0.1:``port`` and all its descendants (Voila and its kernels)."""
    server = _listener(port)
    return [server] + server.children(recursive=True)


def client_processes() -> list[psutil.Process]:
    """What the students' side runs: the Chromium processes under this one (the browser sessions), or this process
    itself when it makes the pages' requests without a browser."""
    me = psutil.Process()
    browsers = []
    for p in me.children(recursive=True):
        try:
            if "chrom" in p.name():
                browsers.append(p)
        except psutil.Error:  # gone in between
            pass
    return browsers or [me]


def memory(port: int, pss: bool = False) -> tuple[int, int]:
    """(RSS, PSS or 0) summed over the server on ``port`` and its descendants, in bytes."""
    rss = total_pss = 0
    for p in server_processes(port):
        try:
            if pss:
                info = p.memory_full_info()
                rss, total_pss = rss + info.rss, total_pss + info.pss
            else:
                rss += p.memory_info().rss
        except psutil.Error:
            pass
    return rss, total_pss


def cpu_seconds(processes: list[psutil.Process]) -> dict[int, float]:
    """User + system CPU-seconds of each of ``processes`` that is still there, by pid."""
    seconds = {}
    for p in processes:
        try:
            times = p.cpu_times()
            seconds[p.pid] = times.user + times.system
        except psutil.Error:
            pass
    return seconds


def cpu_spent(before: dict[int, float], now: dict[int, float]) -> float:
    """CPU-seconds between two ``cpu_seconds`` readings; a process that started in between counts from zero (one
    that ended in between is lost, so read ``now`` before any page closes)."""
    return sum(t - before.get(pid, 0.0) for pid, t in now.items())


def used_memory() -> int:
    vm = psutil.virtual_memory()
    return vm.total - vm.available


def warm_status(base: str, token: str) -> dict:
    with urllib.request.urlopen(f"{base}/airtools/api/warm?token={token}", timeout=30) as r:
        return json.load(r)


def wait_warm(base: str, token: str, timeout: float = 900) -> float:
    """Block until every dashboard's pool is full and rendered; returns seconds waited."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        if warm_status(base, token)["ready"]:
            return time.monotonic() - t0
        time.sleep(0.5)
    raise TimeoutError(f"the portal's pools did not fill within {timeout:.0f} s")


def kernel_alive(base: str, token: str, kernel_id: str) -> bool:
    try:
        with urllib.request.urlopen(f"{base}/api/kernels/{kernel_id}?token={token}", timeout=30) as r:
            return r.status == 200
    except urllib.error.HTTPError as err:
        if err.code == 404:
            return False
        raise


async def open_session(browser, url: str, timeout: float, opened: list) -> tuple[Session, object]:
    """Open ``url`` in a fresh context; wait for the first widget, then for every figure."""
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    await context.add_init_script(MUTATION_CLOCK)
    page = await context.new_page()
    opened.append(context)
    session = Session()
    t0 = time.time()
    try:
        await page.goto(url, wait_until="commit", timeout=timeout * 1000)
        await page.wait_for_function(f"window.__airtoolsFirstWidget !== null || ({_PROBLEM})() !== null",
                                     timeout=timeout * 1000, polling=100)
        problem = await page.evaluate(_PROBLEM)
        if problem:
            raise RuntimeError(problem)
        session.first_widget_s = await page.evaluate("(performance.timeOrigin + window.__airtoolsFirstWidget) / 1000") - t0
        await page.wait_for_function(ALL_RENDERED, polling=100, timeout=timeout * 1000)
        quiet_ms = await page.evaluate("() => performance.now() - window.__airtoolsLastMutation")
        session.all_figures_s = max(session.first_widget_s, time.time() - t0 - quiet_ms / 1000)
        problem = await page.evaluate(_PROBLEM)
        if problem:
            raise RuntimeError(problem)
    except Exception as err:  # a failed session is counted, the others go on
        session.error = f"{type(err).__name__}: {str(err).splitlines()[0][:200]}"
    try:
        config = await page.evaluate("() => JSON.parse(document.getElementById('jupyter-config-data').textContent)")
        session.kernel_id = config.get("kernelId")
    except Exception:
        pass

    async def close():  # Voila's unload handler asks the server to shut the page's kernel down
        await page.close(run_before_unload=True)

    return session, close


async def open_protocol_session(url: str, timeout: float, opened: list) -> tuple[Session, object]:
    """What a page asks of the server, without a browser: the HTML, every local script and stylesheet it names
    (a cold cache), then the widget states over the kernel's websocket, as Voila's widget manager asks for them
    (a ``jupyter.widget.control`` comm, ``request_states``). ``first_widget_s``: the states arrived;
    ``all_figures_s``: that and every asset. Closing sends the page-unload request (``voila/api/shutdown``)."""
    from tornado.httpclient import AsyncHTTPClient
    from tornado.websocket import websocket_connect

    http = AsyncHTTPClient(force_instance=True, max_clients=64)
    opened.append(http)
    split = urllib.parse.urlsplit(url)
    origin, token = f"{split.scheme}://{split.netloc}", urllib.parse.parse_qs(split.query)["token"][0]
    session = Session()
    t0 = time.time()
    try:
        html = (await http.fetch(url, request_timeout=timeout)).body.decode()
        while line := re.search(r'const api = "([^"]+)", target = "([^"]+)"', html):  # the waiting room's page
            html = await _wait_in_line(http, origin, url, *line.groups(), token, timeout)
        config = json.loads(re.search(r'id="jupyter-config-data"[^>]*>(.*?)</script>', html, re.S).group(1))
        session.kernel_id = config["kernelId"]
        assets = {urllib.parse.urljoin(url, a) for a in re.findall(r'(?:src|href)="([^"]+\.(?:js|css)[^"]*)"', html)}
        assets |= {f"{origin}{config['baseUrl']}voila/labextensions/{e['name']}/{e['load']}"  # widget managers
                   for e in config.get("federated_extensions", [])}
        fetches = asyncio.gather(*(http.fetch(a, request_timeout=timeout) for a in assets
                                   if a.startswith(origin)))
        arrived, session.widget_models = await asyncio.wait_for(_widget_states(
            websocket_connect, f"ws://{split.netloc}{config['baseUrl']}api/kernels/{session.kernel_id}/channels"
            f"?session_id={secrets.token_hex(8)}&token={token}"), timeout)
        session.first_widget_s = arrived - t0
        await fetches
        session.all_figures_s = time.time() - t0
    except Exception as err:
        session.error = f"{type(err).__name__}: {str(err).splitlines()[0][:200] if str(err) else ''}"

    async def close():
        if session.kernel_id:
            await http.fetch(f"{origin}{config['baseUrl']}voila/api/shutdown/{session.kernel_id}?token={token}",
                             method="POST", body=b"", raise_error=False)

    return session, close


async def _wait_in_line(http, origin: str, url: str, api: str, target: str, token: str, timeout: float) -> str:
    """Do what the waiting room's page does: ask ``api`` for the ticket's place every second; the HTML of
    ``target`` (the dashboard with the ticket) once a kernel is reserved, of ``url`` if the ticket expired."""
    while True:
        reply = await http.fetch(f"{origin}{api}?token={token}", raise_error=False)
        if reply.code == 404:
            return (await http.fetch(url, request_timeout=timeout)).body.decode()
        if json.loads(reply.body).get("ready"):
            return (await http.fetch(origin + target, request_timeout=timeout)).body.decode()
        await asyncio.sleep(1)


async def _widget_states(connect, ws_url: str) -> tuple[float, int]:
    """Open the widget control comm on the kernel at ``ws_url``, ask for every widget's state; the time of the reply
    and the number of widget models in it. Speaks the kernel websocket protocol a page speaks
    (``v1.kernel.websocket.jupyter.org``: every message one binary frame, its parts at little-endian offsets)."""
    from jupyter_server.services.kernels.connection.base import deserialize_msg_from_ws_v1, serialize_msg_to_ws_v1

    ws = await connect(ws_url, max_message_size=2**30, subprotocols=[_KERNEL_WS_PROTOCOL])
    comm = secrets.token_hex(16)

    def message(msg_type, content, metadata=None) -> bytes:
        header = {"msg_id": secrets.token_hex(16), "username": "load", "session": secrets.token_hex(8),
                  "msg_type": msg_type, "version": "5.3", "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
        msg = {"header": header, "parent_header": {}, "metadata": metadata or {}, "content": content}
        return serialize_msg_to_ws_v1(msg, "shell", pack=lambda part: json.dumps(part).encode())

    async def receive() -> dict:
        raw = await ws.read_message()
        if raw is None:
            raise RuntimeError("the kernel's websocket closed")
        _, (header, _parent, _metadata, content, *_buffers) = deserialize_msg_from_ws_v1(raw)
        return {"msg_type": json.loads(header)["msg_type"], "content": json.loads(content)}

    try:
        while True:  # as a frontend does: a message sent before the server has wired the channels is lost
            await ws.write_message(message("kernel_info_request", {}), binary=True)
            try:
                while (await asyncio.wait_for(receive(), 1.0))["msg_type"] != "kernel_info_reply":
                    pass
                break
            except asyncio.TimeoutError:
                continue
        await ws.write_message(message("comm_open", {"comm_id": comm, "target_name": "jupyter.widget.control",
                                                     "data": {}}, {"version": "1.0.0"}), binary=True)  # ipywidgets'
        await ws.write_message(message("comm_msg", {"comm_id": comm, "data": {"method": "request_states"}}),
                               binary=True)
        while True:
            msg = await receive()
            content = msg.get("content", {})
            if msg["msg_type"] == "comm_close" and content.get("comm_id") == comm:
                raise RuntimeError("the kernel has no jupyter.widget.control comm target")
            if content.get("comm_id") == comm and content.get("data", {}).get("method") == "update_states":
                return time.time(), len(content["data"]["states"])
    finally:
        ws.close()


async def run_load(open_one, base: str, token: str, dashboard: str, n: int, *, timeout: float = 300,
                   reap_timeout: float = 60) -> LoadResult:
    """Open ``dashboard`` ``n`` times at once with ``open_one(url, timeout, opened)`` (``open_session`` on a
    browser, or ``open_protocol_session``), measure, close every tab, count the kernels left."""
    port = int(base.rsplit(":", 1)[1].split("/")[0])
    baseline = used_memory()
    samples: list[tuple[float, int]] = []
    stop = threading.Event()
    t_start = time.monotonic()

    def sample():
        while not stop.wait(0.5):
            try:
                samples.append((time.monotonic() - t_start, memory(port)[0]))
            except (RuntimeError, psutil.Error):
                pass

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    url = f"{base}/voila/render/{dashboard}.ipynb?token={token}"
    contexts: list = []
    server_cpu, client_cpu = cpu_seconds(server_processes(port)), cpu_seconds(client_processes())
    opened = await asyncio.gather(*(open_one(url, timeout, contexts) for _ in range(n)))
    server_cpu = cpu_spent(server_cpu, cpu_seconds(server_processes(port)))
    client_cpu = cpu_spent(client_cpu, cpu_seconds(client_processes()))
    peak_used = used_memory() - baseline
    rss, pss = memory(port, pss=True)
    stop.set()
    sampler.join()
    result = LoadResult(n, [s for s, _ in opened], peak_rss=max([rss] + [r for _, r in samples]), peak_pss=pss,
                        used_above_baseline=max(0, peak_used), server_cpu_s=server_cpu / n,
                        client_cpu_s=client_cpu / n, samples=samples)
    for _, close in opened:
        try:
            await close()
        except Exception:
            pass
    ids = [s.kernel_id for s in result.sessions if s.kernel_id]
    deadline = time.monotonic() + reap_timeout
    while (alive := [k for k in ids if kernel_alive(base, token, k)]) and time.monotonic() < deadline:
        await asyncio.sleep(0.5)
    result.kernels_left = len(alive) + (n - len(ids))  # a session whose kernel id never showed counts as left
    for context in contexts:
        if hasattr(context, "new_page"):
            await context.close()
        else:  # the protocol sessions' HTTP clients
            context.close()
    return result


def _start_portal(args):
    from airtools.portal import Portal

    log = open(ROOT / "artifacts" / "dashboards_load_portal.log", "w")
    portal = Portal(lab=False, voila_port=0, token=secrets.token_hex(16), log=log, fork_kernels=not args.no_fork,
                    **({"class_size": args.class_size, "lecture": [args.dashboard]} if args.class_size else {}))
    portal.start(timeout=300)
    return portal


async def _measure(open_one, base: str, token: str, args) -> list[LoadResult]:
    """One run per N in ``args.sessions``, each on full pools; prints a row and the failures of each."""
    results = []
    for n in args.sessions:
        wait_warm(base, token)
        result = await run_load(open_one, base, token, args.dashboard, n, timeout=args.timeout)
        results.append(result)
        print(result.row(), flush=True)
        for s in result.sessions:
            if s.error:
                print(f"      failed: {s.error}", flush=True)
    return results


async def _main(args) -> int:
    from playwright.async_api import async_playwright

    (ROOT / "artifacts").mkdir(exist_ok=True)
    portal = None
    if args.url:
        base, token = args.url.rstrip("/"), args.token
    else:
        portal = _start_portal(args)
        base, token = portal.voila_url, portal.token
    try:
        print(f"load average {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}; "
              f"{psutil.cpu_count()} CPUs, {psutil.virtual_memory().total / 2**30:.0f} GiB; dashboard {args.dashboard}",
              flush=True)
        print(f"preheated in {wait_warm(base, token):.0f} s", flush=True)
        print(HEADER, flush=True)
        if args.server_side:
            results = await _measure(open_protocol_session, base, token, args)
        else:
            async with async_playwright() as pw:
                browser = await pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
                results = await _measure(functools.partial(open_session, browser), base, token, args)
                await browser.close()
        if args.json:
            Path(args.json).write_text(json.dumps([{
                "n": r.n, "failures": r.failures, "first_widget_s": [s.first_widget_s for s in r.sessions],
                "all_figures_s": [s.all_figures_s for s in r.sessions],
                "widget_models": [s.widget_models for s in r.sessions], "peak_rss": r.peak_rss, "peak_pss": r.peak_pss,
                "used_above_baseline": r.used_above_baseline, "server_cpu_s": r.server_cpu_s,
                "client_cpu_s": r.client_cpu_s, "kernels_left": r.kernels_left} for r in results], indent=1))
        print(f"load average after {os.getloadavg()[0]:.2f}", flush=True)
        return 0 if all(r.failures == 0 and r.kernels_left == 0 for r in results) else 1
    finally:
        if portal is not None:
            portal.stop()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, nargs="+", default=[1, 10, 30], help="N per run (default 1 10 30)")
    parser.add_argument("--dashboard", default="rotations", help="dashboard name (default rotations)")
    parser.add_argument("--class-size", type=int, default=0, help="own portal: preheat this many for the dashboard")
    parser.add_argument("--server-side", action="store_true",
                        help="sessions without a browser: the requests a page makes (HTML, assets, widget states)")
    parser.add_argument("--no-fork", action="store_true", help="own portal: a new process per kernel (no fork server)")
    parser.add_argument("--url", help="a running Voila, e.g. http://127.0.0.1:8866 (default: start a portal)")
    parser.add_argument("--token", help="its token (with --url)")
    parser.add_argument("--timeout", type=float, default=300, help="seconds a session may take (default 300)")
    parser.add_argument("--json", help="also write the measurements to this file")
    args = parser.parse_args(argv)
    if args.url and not args.token:
        parser.error("--url needs --token")
    return asyncio.run(_main(args))


if __name__ == "__main__":
    sys.exit(main())
