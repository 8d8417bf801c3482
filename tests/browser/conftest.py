"""Browser harness: the real portal, headless Chromium, and helpers to drive Voila dashboards.

Fixture API (use these from any tests/browser/test_*.py; do not import this module):

``portal`` (session)
    a running ``airtools.portal.Portal`` (JupyterLab + preheated Voila) on free ports with a random
    token; ``portal.voila_url``, ``portal.lab_url``, ``portal.token``, ``portal.warm_status()``,
    ``portal.wait_warm()``. Dashboards come from ``dashboards/`` (env ``AIRTOOLS_DASHBOARDS_DIR``
    overrides, e.g. a scratch folder); server logs go to ``artifacts/portal.log``.
``browser`` (session)
    Playwright Chromium: Debian's ``/usr/bin/chromium``, headless, no network extras.
``new_page`` (function fixture returning a callable)
    ``new_page()`` makes another such page, in its own context (a second visitor, another user).
``page`` (function)
    a fresh page in its own context (cold cache, 1280x900). Every request that is not to
    127.0.0.1 (or data:/blob:) is aborted and recorded; page errors and console errors are recorded.
``open_dashboard(page, name, timeout=60) -> Dashboard`` (function fixture returning a callable)
    waits until Voila has a preheated kernel for ``name`` (``"irreps"`` or ``"irreps.ipynb"``),
    opens it, waits for every widget and plotly figure to render, records the first-render time
    (navigation -> first widget visible), saves ``artifacts/screenshots/<name>.png`` and asserts
    the page is clean (no page/console error, no traceback or error output, no off-host request).
``open_dashboard_on(portal, page, name, timeout=60) -> Dashboard`` (function fixture returning a callable)
    the same on another running ``Portal`` (a module's own: empty cache, short cull timeout, ...); the
    dashboard's name (screenshots) starts with the module's name, e.g. ``classroom-pde``.
``dash`` (function)
    the dashboard named by the test module's ``DASHBOARD = "irreps"``, opened with ``open_dashboard`` and
    settled (Voila's pool refilled), ready to time. A module may define its own ``dash`` instead.
``dashboard_name`` (parameter)
    every notebook in the dashboards folder, for tests that run on all of them.

``Dashboard`` (returned by ``open_dashboard``):
    ``.name``, ``.page``, ``.url``, ``.first_render_s`` (first widget visible: navigation to the first
        animation frame at which a widget is laid out, visible, with a size; read in the page, like the
        latencies, so that a busy page does not delay the test's own polling), ``.render_s`` (all
        outputs rendered, every plotly figure drawn: the time of the last DOM change before 0.5 s of quiet)
    ``.assert_clean()``                 raises AssertionError listing every problem found on the page
    ``.screenshot(suffix="") -> Path``  ``artifacts/screenshots/<name><suffix>.png``
    ``.slider(description)`` / ``.dropdown(description)`` -> Playwright Locator of that ipywidget
    ``.set_slider(description, value, figure=None) -> ms | None``  types the value in the slider's
        readout and presses Enter (an ipywidgets commit, also with ``continuous_update=False``)
    ``.press_slider(description, key="ArrowRight", figure=None) -> ms | None``  keyboard on the handle
    ``.select(description, label, figure=None) -> ms | None``  picks an option of a Dropdown/Select
    ``.click_button(description, figure=None) -> ms | None``
        with ``figure=i`` each of these waits until the i-th plotly figure's data changed and returns
        the widget->update latency in ms (also recorded for the terminal summary table).
    ``.figure_data(index=0) -> list[dict]``  the plotly graph div's ``data`` read in the page
    ``.wait_figure_change(action, index=0, timeout=15) -> ms``  run ``action()``, wait for a data change
    ``.settle(timeout=180)``  wait until Voila re-filled its preheated pool (the refill executes the
        notebook in a new kernel and competes for CPU: call it before timing interactions)
    ``.updates() -> int``  how many guarded callbacks with a timing label have finished in the kernel
        (the ``data-update`` count of the ``.airtools-timing`` label, ``airtools.viz.guard``; 0 before any)
    ``.wait_updated(timeout=20)``  wait until the callback of the last widget action (``set_slider``,
        ``select``, ``click_button``, ``wait_figure_change``, ...) has finished: every message it sent
        (figures, tables, the timing label) has reached the page. A condition, never a fixed delay.
    ``.kernel_ms() -> ms``  the kernel time of the last action's update (waits for it with ``wait_updated``)
    ``.sweep(steps, figure, check=None) -> Latencies``  for each ``(slider description, value)`` in
        ``steps``: ``set_slider`` timed on figure ``figure``, then the kernel time; ``check()`` after each
        step. ``Latencies.page_ms``, ``.kernel_ms`` (lists of ms); ``str()`` gives medians and maxima.
    ``.message(timeout=20) -> str``  waits for the red ``.airtools-message`` (``airtools.viz.guard``) and
        returns its text
    ``.upload(content, name, mime="text/plain")``  gives the FileUpload button one file (bytes)
    ``.atoms(figure=0) -> [n_atoms, 3]``  positions drawn by ``airtools.viz.molecule_figure`` (element
        traces' hover labels "C0", "O1", ... give the atom order)
    ``.arrows(name, figure=0) -> [n_arrows, 3]``  the vectors of the cone trace ``name``
        (``airtools.viz.add_arrows``)

Timings (first render per dashboard, latencies per dashboard) are printed in the terminal summary
and written to ``artifacts/browser_timings.json``.
"""
from __future__ import annotations

import json
import os
import re
import secrets
import statistics
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest

from airtools.portal import REPO_ROOT, Portal

from ._page_js import ALL_RENDERED as _ALL_RENDERED
from ._page_js import MUTATION_CLOCK as _MUTATION_CLOCK

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ARTIFACTS = REPO_ROOT / "artifacts"
DASHBOARDS_DIR = Path(os.environ.get("AIRTOOLS_DASHBOARDS_DIR", REPO_ROOT / "dashboards")).resolve()
FIRST_RENDER_BUDGET_S = 5.0  # DESIGN.md: first render of a dashboard <= 5 s with preheated kernels
TIMINGS: dict[str, dict] = {}  # name -> {"first_render_s", "render_s", "latencies_ms": {label: [ms]}}
_LOCAL = re.compile(r"^(https?|wss?)://127\.0\.0\.1(:\d+)?/|^(data|blob|about):")
_ERROR_TEXT = ("Traceback (most recent call last)", "There was an error when executing cell",
               "An exception occurred at the server")

# serialise a plotly graph div's data (typed arrays as lists) so that two reads can be compared
_FIGURE_JSON = """(i) => {
  const div = document.querySelectorAll('.js-plotly-plot')[i];
  if (!div || !div.data) return null;
  return JSON.stringify(div.data, (k, v) => ArrayBuffer.isView(v) ? Array.from(v) : v);
}"""
# a cheap fingerprint of a figure's data (trace count, array lengths, 32 samples per array), fast enough
# to evaluate on every animation frame even for 3-D surfaces
_FIGURE_SIGNATURE = """(i) => {
  const div = document.querySelectorAll('.js-plotly-plot')[i];
  if (!div || !div.data) return null;
  const parts = [];
  const sample = (v) => {
    if (v == null) return;
    if (typeof v !== 'object') { parts.push(String(v)); return; }
    const flat = ArrayBuffer.isView(v) ? v : (Array.isArray(v) ? v.flat(2) : null);
    if (!flat) return;
    parts.push(flat.length);
    const step = Math.max(1, Math.floor(flat.length / 32));
    for (let k = 0; k < flat.length; k += step) parts.push(flat[k]);
  };
  for (const t of div.data) for (const key of ['x', 'y', 'z', 'u', 'v', 'w', 'surfacecolor', 'intensity', 'text', 'name']) sample(t[key]);
  return JSON.stringify(parts);
}"""
# arm the in-page latency clock: t0 = the first input event after this call, signature before it
_ARM_LATENCY = """(i) => {
  const sig = (""" + _FIGURE_SIGNATURE + """)(i);
  if (sig === null) return false;
  window.__atSig0 = sig; window.__atT0 = null; window.__atT1 = null;
  if (!window.__atListening) {
    window.__atListening = true;
    for (const ev of ['keydown', 'pointerdown', 'click', 'input', 'change'])
      document.addEventListener(ev, () => { if (window.__atT0 === null) window.__atT0 = performance.now(); }, true);
  }
  return true;
}"""
# polled on every animation frame after the action: records t1 when the figure's data first differ
_FIGURE_CHANGED = """(i) => {
  if ((""" + _FIGURE_SIGNATURE + """)(i) === window.__atSig0) return false;
  if (window.__atT1 === null) window.__atT1 = performance.now();
  return window.__atT0 !== null;
}"""
# the kernel a Voila page runs on (null on any other page)
_KERNEL_OF_PAGE = """() => {
  const el = document.getElementById('jupyter-config-data');
  try { return el ? (JSON.parse(el.textContent).kernelId || null) : null; } catch (e) { return null; }
}"""
# finished guarded updates in the kernel (airtools.viz.guard's timing label counts them)
_UPDATES = """() => Number(document.querySelector('.airtools-timing')?.dataset.update ?? 0)"""
_PAGE_PROBLEMS = """(markers) => {
  const found = [];
  for (const o of document.querySelectorAll('.jp-OutputArea-output')) {
    const mime = o.getAttribute('data-mime-type') || '';
    const text = o.innerText || '';
    if (mime.includes('error') || (mime.includes('stderr') && /Error|Traceback/.test(text)))
      found.push('error output: ' + text.slice(0, 300));
  }
  const body = document.body.innerText || '';
  for (const m of markers) if (body.includes(m)) found.push('page text contains ' + JSON.stringify(m));
  return found;
}"""


@pytest.fixture(scope="session")
def dashboard_models():
    """Load, or train once into the cache (a few minutes when it is cold), the models the dashboards show, *before*
    the portal starts: Voila preheats each dashboard in a kernel that reads the cache once, as a class portal
    does after ``airtools zoo build``."""
    from airtools import zoo

    return {name: zoo.load(name) for name in zoo.REGISTRY}


@pytest.fixture(scope="session")
def portal(dashboard_models):
    """The real portal (JupyterLab + preheated Voila) on free ports with a random token."""
    ARTIFACTS.mkdir(exist_ok=True)
    with open(ARTIFACTS / "portal.log", "w") as log:
        server = Portal(dashboards_dir=DASHBOARDS_DIR, port=0, voila_port=0, token=secrets.token_hex(16), log=log)
        server.start(timeout=120)
        try:
            server.wait_warm(timeout=240)
            yield server
        finally:
            server.stop()


@pytest.fixture(scope="session")
def browser():
    """Headless Debian Chromium driven by Playwright (Playwright's own browser download is not used)."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install it with `apt-get install -y chromium` (see the Makefile)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@dataclass
class PageLog:
    """What a page did that a clean dashboard must not do."""

    page_errors: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    external_requests: list[str] = field(default_factory=list)


@pytest.fixture
def new_page(browser):
    """``new_page() -> Page``: a fresh page in its own context (another visitor); off-host requests are
    aborted and logged in ``page.airtools_log``; after the test every page is closed as a tab is (its Voila
    kernel shut down) and its context closed."""
    contexts = []

    def make():
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        contexts.append(context)
        pg = context.new_page()
        log = PageLog()
        pg.airtools_log = log

        def route(r):
            if _LOCAL.match(r.request.url):
                r.continue_()
            else:
                log.external_requests.append(r.request.url)
                r.abort()

        pg.route("**/*", route)
        pg.add_init_script(_MUTATION_CLOCK)
        pg.on("pageerror", lambda err: log.page_errors.append(str(err)))
        pg.on("console", lambda msg: msg.type == "error" and log.console_errors.append(msg.text))
        return pg

    yield make
    for context in contexts:
        for pg in context.pages:
            _close_as_a_tab(pg)
        context.close()


def _close_as_a_tab(pg, timeout: float = 30.0) -> None:
    """Close ``pg`` as a visitor closes a tab: ``beforeunload`` runs, so a Voila page asks its server to shut its
    kernel down, and this waits until the server no longer lists that kernel. (``context.close()`` alone skips
    ``beforeunload``: each page's kernel lived on until the idle culler, 10 minutes later, and a suite's worth of
    them filled the portal up to its kernel capacity, so a pool's refill waited for a cull and the next
    dashboard never warmed.) A kernel still listed after ``timeout`` is left to the culler."""
    if pg.is_closed():
        return
    try:
        kernel = pg.evaluate(_KERNEL_OF_PAGE)
    except Exception:  # the page crashed or is navigating: nothing to wait for
        kernel = None
    url = urllib.parse.urlsplit(pg.url)
    token = urllib.parse.parse_qs(url.query).get("token", [None])[0]
    try:
        pg.close(run_before_unload=True)
    except Exception:  # the test closed it already (Playwright raises on closing a closed page)
        return
    if not (kernel and token):
        return
    base = url.path.split("voila/render/")[0]  # "/" for the portal, "/user/NAME/" behind a hub
    api = f"{url.scheme}://{url.netloc}{base}api/kernels/{kernel}?token={token}"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(api, timeout=10).close()
        except urllib.error.HTTPError as err:
            if err.code == 404:
                return
        except OSError:  # the server itself is gone
            return
        time.sleep(0.2)


@pytest.fixture
def page(new_page):
    """A fresh page; off-host requests are aborted and logged in ``page.airtools_log``."""
    return new_page()


@dataclass
class Latencies:
    """Widget -> page latencies and the kernel's share, in ms, one per step of ``Dashboard.sweep``."""

    page_ms: list[float] = field(default_factory=list)
    kernel_ms: list[float] = field(default_factory=list)

    def __str__(self) -> str:
        return (f"widget -> page update: median {statistics.median(self.page_ms):.0f} ms, max {max(self.page_ms):.0f} ms; "
                f"kernel: median {statistics.median(self.kernel_ms):.0f} ms, max {max(self.kernel_ms):.0f} ms")


@dataclass
class Dashboard:
    """An open dashboard page and the helpers that drive its widgets (see the module docstring)."""

    name: str
    page: object
    url: str
    first_render_s: float
    render_s: float
    portal: Portal
    _updates_before: int = 0  # ``updates()`` just before the last widget action

    def assert_clean(self) -> None:
        log = self.page.airtools_log
        problems = [f"page error: {e}" for e in log.page_errors]
        problems += [f"console error: {e}" for e in log.console_errors]
        problems += [f"request off 127.0.0.1: {u}" for u in log.external_requests]
        problems += self.page.evaluate(_PAGE_PROBLEMS, list(_ERROR_TEXT))
        assert not problems, f"{self.name}: " + "\n".join(problems)

    def screenshot(self, suffix: str = "") -> Path:
        path = ARTIFACTS / "screenshots" / f"{self.name}{suffix}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def settle(self, timeout: float = 180) -> None:
        self.portal.wait_warm(timeout)

    def slider(self, description: str):
        return self._widget(".widget-slider", description)

    def dropdown(self, description: str):
        return self._widget(".widget-dropdown, .widget-select", description)

    def set_slider(self, description: str, value, figure: int | None = None):
        readout = self.slider(description).locator(".widget-readout")
        readout.click()
        self.page.keyboard.press("Control+A")
        self.page.keyboard.type(str(value))
        return self._commit(lambda: self.page.keyboard.press("Enter"), figure, f"slider {description}")

    def press_slider(self, description: str, key: str = "ArrowRight", figure: int | None = None):
        handle = self.slider(description).locator(".noUi-handle")
        handle.focus()
        return self._commit(lambda: handle.press(key), figure, f"slider {description}")

    def select(self, description: str, label: str, figure: int | None = None):
        box = self.dropdown(description).locator("select")
        return self._commit(lambda: box.select_option(label=label), figure, f"select {description}")

    def click_button(self, description: str, figure: int | None = None):
        button = self.page.locator("button.jupyter-widgets", has_text=description).first
        return self._commit(button.click, figure, f"button {description}")

    def figure_data(self, index: int = 0) -> list[dict]:
        raw = self.page.evaluate(_FIGURE_JSON, index)
        assert raw is not None, f"{self.name}: no plotly figure #{index} on the page"
        return json.loads(raw)

    def wait_figure_change(self, action, index: int = 0, timeout: float = 15, label: str = "action") -> float:
        """Run ``action()`` and wait until figure ``index`` shows other data; returns the latency in ms.

        The latency is measured inside the page, from the input event the action dispatches (key, click,
        change) to the first animation frame at which the figure's data differ: what a person sees, without
        the test driver's own round trips.
        """
        armed = self.page.evaluate(_ARM_LATENCY, index)
        assert armed, f"{self.name}: no plotly figure #{index} on the page"
        self._updates_before = self.updates()
        action()
        self.page.wait_for_function(_FIGURE_CHANGED, arg=index, polling="raf", timeout=timeout * 1000)
        ms = self.page.evaluate("() => window.__atT1 - window.__atT0")
        TIMINGS.setdefault(self.name, {}).setdefault("latencies_ms", {}).setdefault(label, []).append(ms)
        return ms

    def updates(self) -> int:
        return self.page.evaluate(_UPDATES)

    def wait_updated(self, timeout: float = 20) -> None:
        self.page.wait_for_function(f"() => ({_UPDATES})() > {self._updates_before}", timeout=timeout * 1000)

    def kernel_ms(self) -> float:
        self.wait_updated()
        text = self.page.locator(".airtools-timing").inner_text()
        return float(re.fullmatch(r"update: (\d+) ms", text.strip()).group(1))

    def sweep(self, steps, figure: int, check=None) -> Latencies:
        """Set each ``(slider description, value)`` of ``steps`` in turn, timing it on figure ``figure``."""
        out = Latencies()
        for description, value in steps:
            out.page_ms.append(self.set_slider(description, value, figure=figure))
            out.kernel_ms.append(self.kernel_ms())  # the timing label follows the figure's message
            if check is not None:
                check()
        return out

    def message(self, timeout: float = 20) -> str:
        box = self.page.locator(".airtools-message")
        box.wait_for(state="visible", timeout=timeout * 1000)
        return box.inner_text()

    def upload(self, content: bytes, name: str, mime: str = "text/plain") -> None:
        """Click the FileUpload button and give its file input (created off-DOM by ipywidgets 8) one file."""
        with self.page.expect_file_chooser() as chooser:
            self.page.locator("button.widget-upload").click()
        chooser.value.set_files(files=[{"name": name, "mimeType": mime, "buffer": content}])

    def atoms(self, figure: int = 0) -> np.ndarray:
        rows = {}
        for trace in self.figure_data(figure):
            if trace.get("mode") == "markers" and trace["type"] == "scatter3d":
                for label, *xyz in zip(trace["text"], trace["x"], trace["y"], trace["z"]):
                    rows[int(re.sub(r"\D", "", label))] = xyz
        return np.array([rows[i] for i in sorted(rows)], dtype=float)

    def arrows(self, name: str, figure: int = 0) -> np.ndarray:
        cone = next(t for t in self.figure_data(figure) if t["type"] == "cone" and t["name"] == name)
        return np.stack([cone["u"], cone["v"], cone["w"]], axis=1).astype(float)

    def _widget(self, css: str, description: str):
        label = self.page.locator(".widget-label", has_text=re.compile(rf"^\s*{re.escape(description)}\s*$"))
        return self.page.locator(css, has=label).first

    def _commit(self, action, figure, label):
        if figure is None:
            self._updates_before = self.updates()
            action()
            return None
        return self.wait_figure_change(action, figure, label=label)


def _open(portal, page, name: str, timeout: float = 60, prefix: str = "") -> Dashboard:
    stem = name.removesuffix(".ipynb")
    portal.wait_warm(timeout=240)  # a preheated kernel is ready and the CPU is quiet
    url = f"{portal.voila_url}/voila/render/{stem}.ipynb?token={portal.token}"
    t0 = time.time()
    page.goto(url, wait_until="commit")
    page.locator(".jupyter-widgets").first.wait_for(state="visible", timeout=timeout * 1000)
    page.wait_for_function("window.__airtoolsFirstWidget !== null", timeout=timeout * 1000)
    first = page.evaluate("(performance.timeOrigin + window.__airtoolsFirstWidget) / 1000") - t0
    page.wait_for_function(_ALL_RENDERED, polling=50, timeout=timeout * 1000)
    quiet_ms = page.evaluate("() => performance.now() - window.__airtoolsLastMutation")
    full = max(first, time.time() - t0 - quiet_ms / 1000)  # when the last DOM change happened
    dash = Dashboard(prefix + stem, page, url, first, full, portal)
    dash.screenshot()
    dash.assert_clean()
    return dash


@pytest.fixture
def open_dashboard(portal):
    """``open_dashboard(page, name, timeout=60) -> Dashboard`` (see the module docstring)."""

    def open_(page, name: str, timeout: float = 60) -> Dashboard:
        dash = _open(portal, page, name, timeout)
        for key, value in (("first_render_s", dash.first_render_s), ("render_s", dash.render_s)):
            TIMINGS.setdefault(dash.name, {}).setdefault(key, value)  # a dashboard's first opening
        return dash

    return open_


@pytest.fixture
def open_dashboard_on(request):
    """``open_dashboard_on(portal, page, name, timeout=60) -> Dashboard``: as ``open_dashboard``, on another
    ``Portal`` (a test module's own, e.g. with an empty cache); its first-render time is not recorded, and its
    name (screenshots, latencies) starts with the test module's name: ``classroom-pde``."""
    prefix = request.module.__name__.rsplit(".", 1)[-1].removeprefix("test_") + "-"
    return lambda portal, page, name, timeout=60: _open(portal, page, name, timeout, prefix)


@pytest.fixture
def dash(request, page, open_dashboard):
    """The module's ``DASHBOARD`` opened and settled (Voila refills its pool right after a page opens)."""
    dashboard = open_dashboard(page, request.module.DASHBOARD)
    dashboard.settle()
    return dashboard


def dashboard_names() -> list[str]:
    """Stems of the notebooks in the dashboards folder (empty when it has none)."""
    return sorted(p.stem for p in DASHBOARDS_DIR.glob("*.ipynb")) if DASHBOARDS_DIR.is_dir() else []


def pytest_generate_tests(metafunc):
    if "dashboard_name" in metafunc.fixturenames:
        metafunc.parametrize("dashboard_name", dashboard_names())


def pytest_terminal_summary(terminalreporter):
    if not TIMINGS:
        return
    tr = terminalreporter
    tr.section("dashboard timings (Voila, preheated kernels, headless Chromium)")
    tr.write_line(f"{'dashboard':<24} {'first widget s':>14} {'all rendered s':>14}  budget {FIRST_RENDER_BUDGET_S:.0f} s")
    for name, t in sorted(TIMINGS.items()):
        if "first_render_s" in t:
            tr.write_line(f"{name:<24} {t['first_render_s']:>14.2f} {t['render_s']:>14.2f}")
    for name, t in sorted(TIMINGS.items()):
        for label, ms in t.get("latencies_ms", {}).items():
            ms = sorted(ms)
            tr.write_line(f"{name:<24} {label:<28} n={len(ms):<3} median {ms[len(ms) // 2]:7.0f} ms  max {ms[-1]:7.0f} ms")
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "browser_timings.json").write_text(json.dumps(TIMINGS, indent=1))
