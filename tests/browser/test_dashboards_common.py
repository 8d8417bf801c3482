"""Every dashboard renders cleanly and fast in Chromium; 3Dmol.js is local and py3Dmol works offline."""
import time
import urllib.request

import nbformat
import pytest

from airtools.portal import REPO_ROOT
from airtools.viz._assets import THREEDMOL_URL, ensure_3dmol

from ._budget import within_budget

pytestmark = pytest.mark.browser

FIRST_RENDER_BUDGET_S = 5.0  # DESIGN.md: first render of a dashboard <= 5 s (pre-heated kernels)


# widget descriptions that the browser cuts ("wavenumb…"): the text is wider than its box
_CUT_LABELS = """() => [...document.querySelectorAll('.widget-label')]
  .filter(l => l.offsetParent !== null && l.scrollWidth > l.clientWidth + 1).map(l => l.innerText)"""


def test_dashboard_renders_clean_and_within_budget(page, open_dashboard, dashboard_name):
    dash = open_dashboard(page, dashboard_name)  # asserts: no page/console error, traceback, off-host request
    assert (REPO_ROOT / "artifacts" / "screenshots" / f"{dashboard_name}.png").stat().st_size > 0
    assert page.evaluate(_CUT_LABELS) == [], f"{dashboard_name}: widget labels cut short"
    within_budget(dash.first_render_s, FIRST_RENDER_BUDGET_S, f"{dashboard_name}: first widget visible", "s")


@pytest.mark.parametrize("server", ["lab", "voila"])
def test_3dmol_served_locally(portal, server):
    ensure_3dmol()
    base = portal.lab_url if server == "lab" else portal.voila_url
    with urllib.request.urlopen(base + THREEDMOL_URL, timeout=10) as response:
        assert response.status == 200
        assert "javascript" in response.headers["Content-Type"]
        body = response.read()
    assert len(body) > 100_000 and b"$3Dmol" in body


_VIEW_CELL = """\
import py3Dmol
from airtools.viz._assets import THREEDMOL_URL

water = "3\\nwater\\nO 0 0 0\\nH 0.757 0.586 0\\nH -0.757 0.586 0\\n"
view = py3Dmol.view(width=400, height=300, js=THREEDMOL_URL)
view.addModel(water, "xyz")
view.setStyle({"stick": {}})
view.zoomTo()
view.show()
"""


def test_py3dmol_view_renders_offline(portal, page):
    """A py3Dmol view loads 3Dmol.js from the portal and draws into a canvas with no request off 127.0.0.1."""
    ensure_3dmol()
    folder = REPO_ROOT / "artifacts" / "browser"  # under JupyterLab's root, gitignored
    folder.mkdir(parents=True, exist_ok=True)
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(_VIEW_CELL)])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, folder / "py3dmol_offline.ipynb")

    page.goto(f"{portal.lab_url}/voila/render/artifacts/browser/py3dmol_offline.ipynb?token={portal.token}")
    canvas = page.locator("div[id^='3dmolviewer'] canvas").first
    canvas.wait_for(state="visible", timeout=60_000)
    box = canvas.bounding_box()
    assert box["width"] > 100 and box["height"] > 100
    assert page.evaluate("() => typeof window.$3Dmol") == "object"
    log = page.airtools_log
    assert log.external_requests == [], log.external_requests
    assert log.page_errors == [], log.page_errors
    page.screenshot(path=str(REPO_ROOT / "artifacts" / "screenshots" / "py3dmol_offline.png"))


def test_closing_a_dashboard_shuts_its_kernel_down(page, open_dashboard, portal):
    name = sorted(portal.warm_status()["notebooks"])[0]
    open_dashboard(page, name)
    portal.wait_warm()  # the pool's refill kernel has started too
    opened = portal.warm_status()["kernels"]
    page.close(run_before_unload=True)  # Voila's page-unload handler asks the server to shut the kernel down
    deadline = time.monotonic() + 20
    while portal.warm_status()["kernels"] >= opened and time.monotonic() < deadline:
        time.sleep(0.2)
    assert portal.warm_status()["kernels"] == opened - 1, "the closed dashboard's kernel is still running"
