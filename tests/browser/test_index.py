"""The portal's landing page: a card for every lesson and every dashboard, with links that work."""
import urllib.request
from pathlib import Path

import pytest

from airtools.portal import REPO_ROOT
from airtools.viz import dashboard_catalog, lesson_catalog

from ._budget import within_budget

pytestmark = pytest.mark.browser

LESSONS = sorted(p.name for p in (REPO_ROOT / "lessons").glob("*.ipynb"))


def _cards(page, kind):
    """{file: (title, description, href)} of the cards of one kind, read from the page."""
    return {c["file"]: (c["title"], c["desc"], c["href"]) for c in page.evaluate(
        """(kind) => [...document.querySelectorAll('a.at-card.at-' + kind)].map(a => ({
             file: a.dataset.file, href: a.getAttribute('href'),
             title: a.querySelector('.at-title').innerText, desc: a.querySelector('.at-desc').innerText}))""",
        kind)}


def test_every_lesson_has_a_card_linking_into_jupyterlab(page, open_dashboard, portal):
    dash = open_dashboard(page, "index")
    cards = _cards(page, "lesson")
    assert sorted(cards) == LESSONS and len(LESSONS) >= 4
    for entry in lesson_catalog(lab_url=portal.lab_url):
        title, description, href = cards[entry.file]
        assert (title, description) == (entry.title, entry.description) and description
        # the portal hands its token to the link, so a click opens JupyterLab logged in
        assert href == f"{portal.lab_url}/lab/tree/lessons/{entry.file}?token={portal.token}"
        # the link's target exists in the JupyterLab the portal runs (same file, same server)
        api = f"{portal.lab_url}/api/contents/lessons/{entry.file}?content=0&token={portal.token}"
        with urllib.request.urlopen(api, timeout=10) as r:
            assert r.status == 200
        assert page.request.get(href).status == 200
    dash.assert_clean()


def test_every_dashboard_has_a_card_and_the_link_renders_it(page, open_dashboard, portal):
    dash = open_dashboard(page, "index")
    cards = _cards(page, "dashboard")
    expected = sorted(p.name for p in Path(portal.dashboards_dir).glob("*.ipynb") if p.stem != "index")
    assert sorted(cards) == expected and "irreps.ipynb" in cards
    for entry in dashboard_catalog(Path(portal.dashboards_dir).parent):
        assert cards[entry.file] == (entry.title, entry.description, f"./{entry.file}")

    page.locator('a.at-card[data-file="irreps.ipynb"]').click()  # a real click, same tab
    page.wait_for_url("**/voila/render/irreps.ipynb*", timeout=30_000)
    page.wait_for_function("document.querySelectorAll('.js-plotly-plot .main-svg').length >= 4",
                           timeout=60_000)
    assert page.locator(".widget-slider").count() >= 6
    dash.assert_clean()  # the page log is shared: nothing failed or went off-host on the way


def test_index_is_readable_and_renders_fast(page, open_dashboard):
    dash = open_dashboard(page, "index")
    # the functional check first: a budget not met ends the test as XFAIL, and must not skip the layout check
    page.set_viewport_size({"width": 1280, "height": 1000})
    dash.screenshot("-cards")
    widths = page.evaluate("() => [...document.querySelectorAll('a.at-card')].map(a => a.getBoundingClientRect().width)")
    assert widths and min(widths) >= 240  # cards are laid out in a grid, not squeezed
    dash.assert_clean()
    within_budget(dash.first_render_s, 5.0, "index: first widget visible", "s")
