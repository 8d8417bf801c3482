"""The irreps dashboard in a real browser: sliders redraw the harmonic and the D(R) table, the identity
holds, updates are fast, bad input gives a message."""
import re

import numpy as np
import pytest

from ._budget import within_budget

pytestmark = pytest.mark.browser
DASHBOARD = "irreps"  # the conftest's `dash` fixture opens it

Y, RY, CG = 0, 1, 2  # the plotly figures on the page, in order; D(R) is an HTML table
PAGE_UPDATE_BUDGET_MS = 100  # DESIGN.md: widget change -> page updated
KERNEL_BUDGET_MS = 50  # DESIGN.md: the kernel's work per widget change


def _identity_error(dash) -> float:
    return float(dash.page.locator(".identity-error").inner_text())


def _sphere(dash, index):
    return np.array(dash.figure_data(index)[0]["intensity"], dtype=float)


def _matrix(dash, index):
    return np.array(dash.figure_data(index)[0]["z"], dtype=float)


def _D(dash):
    """D(R) from the page's table (each cell's data-value holds the full float)."""
    rows = dash.page.evaluate("() => [...document.querySelectorAll('.airtools-matrix tr')].slice(1)"
                              ".map(r => [...r.querySelectorAll('td')].map(td => td.dataset.value))")
    return np.array(rows, dtype=float)


def test_rotation_slider_redraws_rotated_harmonic_and_D(dash):
    Y0, RY0, D0 = _sphere(dash, Y), _sphere(dash, RY), _D(dash)
    ms = dash.set_slider("α (°)", 130, figure=RY)
    RY1, D1 = _sphere(dash, RY), _D(dash)
    assert np.abs(RY1 - RY0).max() > 0.1 and np.abs(D1 - D0).max() > 0.1  # both really changed
    assert np.array_equal(_sphere(dash, Y), Y0)  # the unrotated harmonic stays
    assert D1.shape == (5, 5) and np.allclose(D1 @ D1.T, np.eye(5), atol=1e-6)  # D(R) is orthogonal
    assert _identity_error(dash) < 1e-6
    dash.page.set_viewport_size({"width": 1280, "height": 1500})
    dash.screenshot("-rotated")
    dash.assert_clean()
    print(f"alpha -> rotated harmonic on the page: {ms:.0f} ms")


def test_l_slider_redraws_everything_and_rebounds_m(dash):
    Y0 = _sphere(dash, Y)
    dash.set_slider("l", 4, figure=Y)
    assert np.abs(_sphere(dash, Y) - Y0).max() > 0.1
    dash.page.wait_for_function("document.querySelectorAll('.airtools-matrix tr').length === 10")
    assert _D(dash).shape == (9, 9)
    assert _identity_error(dash) < 1e-6
    dash.set_slider("m", 99, figure=Y)  # the readout clamps to the bound l = 4
    assert dash.slider("m").locator(".widget-readout").inner_text().strip() == "4"
    dash.set_slider("l", 1, figure=Y)  # m is re-bounded to -1..1 and clamped
    assert dash.slider("m").locator(".widget-readout").inner_text().strip() == "1"
    assert _D(dash).shape == (3, 3)
    dash.assert_clean()


def test_update_latency_within_budget(dash):
    # Latency = Enter in a slider's readout -> the rotated sphere's data changed in the page. The kernel
    # sends the D(R) table and the unrotated sphere first and the rotated sphere last, and the page applies
    # messages in order, so at that moment everything has been updated (checked after each step).
    previous = [_D(dash)]

    def check():
        D = _D(dash)
        assert D.shape != previous[0].shape or np.abs(D - previous[0]).max() > 1e-3, "the D(R) table did not change"
        previous[0] = D
        _assert_identity(dash)

    angles = [(["α (°)", "β (°)", "γ (°)"][i % 3], a) for i, a in enumerate([10, 50, 90, 130, 170, 150, 110, 70])]
    rotations = dash.sweep(angles, RY, check=check)
    degrees = dash.sweep([("l", 3), ("l", 6), ("l", 2)], RY, check=check)
    page_ms, kernel_ms = rotations.page_ms + degrees.page_ms, rotations.kernel_ms + degrees.kernel_ms
    print(f"rotations: {rotations}\ndegrees: {degrees}")
    within_budget(kernel_ms, KERNEL_BUDGET_MS, "irreps: kernel time per widget change")
    within_budget(page_ms, PAGE_UPDATE_BUDGET_MS, "irreps: widget change -> page updated")


def _assert_identity(dash):
    assert _identity_error(dash) < 1e-6


@pytest.mark.parametrize("typed", ["1e9, 0, 0", "30, 200, 10", "abc", "1, 2", "nan, 0, 0"])
def test_invalid_angles_give_a_message_not_a_traceback(dash, typed):
    before = _sphere(dash, RY)
    box = dash.page.locator(".widget-text", has=dash.page.locator(".widget-label", has_text="type α, β, γ"))
    box.locator("input").fill(typed)
    box.locator("input").press("Enter")
    assert re.search(r"(α|β|γ|angles): expected", dash.message(timeout=10))
    assert np.array_equal(_sphere(dash, RY), before)  # nothing was redrawn from the bad input
    dash.assert_clean()  # no traceback, no error output
    if typed == "1e9, 0, 0":
        dash.screenshot("-message")
    box.locator("input").fill("20, 40, 60")  # a valid entry clears the message and redraws
    dash.wait_figure_change(lambda: box.locator("input").press("Enter"), RY, label="typed angles")
    dash.page.wait_for_function("!document.querySelector('.airtools-message')")
    assert _identity_error(dash) < 1e-6


def test_tensor_product_panel(dash):
    C0 = _matrix(dash, CG)
    dash.set_slider("l2", 2, figure=CG)  # 1 x 2 = 1 + 2 + 3; l3 stays 2
    assert "1 ⊗ 2 = 1 ⊕ 2 ⊕ 3" in dash.page.locator("text=/1 ⊗ 2 =/").inner_text()
    C1 = _matrix(dash, CG)
    assert C1.shape == (5, 15) and C1.shape != C0.shape
    dash.set_slider("l3", 9, figure=CG)  # clamps to l1 + l2 = 3
    C3 = _matrix(dash, CG)
    assert C3.shape == (7, 15) and abs(np.sum(C3 ** 2) - 1) < 1e-4  # a block of norm 1
    dash.page.set_viewport_size({"width": 1280, "height": 1500})
    dash.screenshot("-tensor-product")
    dash.assert_clean()
