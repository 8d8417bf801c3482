"""JupyterLab as a learner meets it in an offline course: no "official Jupyter news?" pop-up, a 3-D view shows
as the cell's one output (no ``<py3Dmol.view at 0x...>`` line under it), and closing a notebook's tab stops its
kernel. The settings come from ``airtools assets`` (``airtools.portal.jupyter_config``)."""
import json
import time
import urllib.error
import urllib.request

import nbformat
import pytest

from airtools.portal import REPO_ROOT
from airtools.portal.jupyter_config import LAB_SETTINGS

pytestmark = pytest.mark.browser

CELL = """from airtools.viz import molecule_view

molecule_view((["O", "H", "H"], [[0, 0, 0], [0.96, 0, 0], [-0.24, 0.93, 0]]), width=300, height=200)"""


def _json(url: str):
    with urllib.request.urlopen(url, timeout=30) as r:
        return json.load(r)


def _alive(portal, kernel_id: str) -> bool:
    try:
        _json(f"{portal.lab_url}/api/kernels/{kernel_id}?token={portal.token}")
        return True
    except urllib.error.HTTPError as err:
        assert err.code == 404
        return False


def test_lab_has_the_course_settings(portal):
    for plugin, expected in LAB_SETTINGS.items():  # JupyterLab applies overrides as the schema's defaults
        properties = _json(f"{portal.lab_url}/lab/api/settings/{plugin}?token={portal.token}")["schema"]["properties"]
        defaults = {k: properties[k]["default"] for k in expected}
        assert defaults == expected, f"{plugin}: run `airtools assets` (make test does)"


def test_a_lesson_view_shows_once_and_closing_its_tab_stops_the_kernel(portal, page):
    folder = REPO_ROOT / "artifacts" / "browser"  # under JupyterLab's root, gitignored
    folder.mkdir(parents=True, exist_ok=True)
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(CELL)])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, folder / "lab_view.ipynb")

    page.goto(f"{portal.lab_url}/lab/tree/artifacts/browser/lab_view.ipynb?token={portal.token}")
    cell = page.locator(".jp-Notebook .jp-CodeCell").first
    cell.wait_for(state="visible", timeout=120_000)
    page.get_by_text("Python 3 (ipykernel) | Idle").wait_for(timeout=120_000)  # the kernel is connected
    cell.locator(".jp-InputArea-editor").click()
    page.keyboard.press("Shift+Enter")
    output = cell.locator(".jp-OutputArea")
    output.locator("div[id^='3dmolviewer'] canvas").first.wait_for(state="visible", timeout=60_000)
    cell.locator(".jp-InputPrompt", has_text="[1]").wait_for(timeout=60_000)  # the cell has finished
    assert "py3Dmol.view at" not in output.inner_text()  # the view is the cell's only output
    assert cell.locator(".jp-OutputArea-output").count() == 1
    assert page.locator(".Toastify__toast", has_text="news").count() == 0  # the offline course asks nothing
    page.screenshot(path=str(REPO_ROOT / "artifacts" / "screenshots" / "lab-3d-view.png"))
    assert page.airtools_log.external_requests == [], page.airtools_log.external_requests

    sessions = _json(f"{portal.lab_url}/api/sessions?token={portal.token}")
    kernel = next(s["kernel"]["id"] for s in sessions if s["path"].endswith("lab_view.ipynb"))
    assert _alive(portal, kernel)
    page.locator(".lm-TabBar-tab.lm-mod-current .lm-TabBar-tabCloseIcon").first.click()
    discard = page.locator(".jp-Dialog button", has_text="Don't Save")  # the run changed the notebook
    discard.or_(page.locator(".jp-Dialog button", has_text="Discard")).first.click(timeout=10_000)
    deadline = time.monotonic() + 30
    while _alive(portal, kernel) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _alive(portal, kernel), "the closed notebook's kernel is still running"
