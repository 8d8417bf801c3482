"""The proteins dashboard in a real browser: another chain redraws the Ramachandran plot with that chain's
torsions, the colour toggle recolours the 3-D cartoon where model and DSSP disagree, a rotation turns the
cartoon while the invariant panel stays at round-off, a malformed PDB gives a message; updates are fast."""
import re
import statistics
from pathlib import Path

import MDAnalysisTests
import numpy as np
import pytest

from airtools.data.proteins import dssp_labels, load_chain, torsions
from airtools.viz import SS_COLORS

from ._budget import within_budget

pytestmark = pytest.mark.browser

DASHBOARD = "proteins"  # the conftest's `dash` opens it and waits until Voila's pool is refilled
RAMA, CMAP = 0, 1  # the plotly figures on the page, in order
FIRST = "1ahsA"  # the chain the page opens with
PAGE_UPDATE_BUDGET_MS = 100  # DESIGN.md: widget change -> page updated
KERNEL_BUDGET_MS = 50  # DESIGN.md: the kernel's work per widget change
# the 3Dmol viewer currently in the page: per Cα atom (residue order) its cartoon colour and position
_VIEWER_STATE = """() => {
  const div = document.querySelector("div[id^='3dmolviewer_']");
  const viewer = div && window['viewer_' + div.id.split('_')[1]];
  if (!viewer || !viewer.getModel() || !div.querySelector('canvas')) return null;
  const cas = viewer.getModel().selectedAtoms({atom: 'CA'}).sort((a, b) => a.resi - b.resi);
  return {id: div.id, colours: cas.map(a => a.style.cartoon && a.style.cartoon.color),
          xyz: cas.map(a => [a.x, a.y, a.z])};
}"""




def _viewer(dash, previous=None, timeout=30_000) -> dict:
    """The 3-D viewer's state, waiting until one is drawn (and differs from ``previous``, when given)."""
    handle = dash.page.wait_for_function(
        """([script, before]) => {
          const s = eval(script)();
          if (!s || !s.colours.length) return null;
          const same = before !== null && before.id === s.id && before.colours.length === s.colours.length
            && before.colours.every((c, i) => c === s.colours[i])
            && before.xyz.every((p, i) => p.every((v, j) => v === s.xyz[i][j]));
          return same ? null : s;
        }""", arg=[_VIEWER_STATE, previous], timeout=timeout)
    return handle.json_value()



def _invariants(dash) -> dict:
    panel = dash.page.locator(".invariants")
    return {css: panel.locator(f".{css}").inner_text() for css in ("moved", "dphi", "dpsi", "domega", "ddist",
                                                                   "dlogit", "same")}



def _rama_points(dash) -> np.ndarray:
    """(φ, ψ) of every residue plotted, any class, sorted."""
    traces = dash.figure_data(RAMA)[:3]
    return np.array(sorted((x, y) for t in traces for x, y in zip(t["x"], t["y"])))


def _expected_points(name) -> np.ndarray:
    phi, psi, _ = torsions(load_chain(name).backbone)
    ok = np.isfinite(phi) & np.isfinite(psi)
    return np.array(sorted(zip(phi[ok], psi[ok])))


def test_first_view_shows_the_chain_in_three_linked_views(dash):
    assert np.allclose(_rama_points(dash), _expected_points(FIRST), atol=1e-6)
    labels = dssp_labels(FIRST)
    state = _viewer(dash)
    assert state["colours"] == [SS_COLORS[c] for c in labels]  # cartoon coloured by DSSP, residue by residue
    n = len(labels)
    assert np.array(dash.figure_data(CMAP)[0]["z"]).shape == (n, n)
    assert "held-out chain" in dash.page.locator(".accuracy").inner_text() or "training chain" in \
        dash.page.locator(".accuracy").inner_text()
    dash.screenshot()  # with the 3-D cartoon drawn
    dash.assert_clean()


def test_another_chain_changes_the_ramachandran_plot(dash):
    before, view = _rama_points(dash), _viewer(dash)
    ms = dash.select("chain", "adk_open", figure=RAMA)
    after = _rama_points(dash)
    assert after.shape != before.shape and np.allclose(after, _expected_points("adk_open"), atol=1e-6)
    state = _viewer(dash, previous=view)
    assert len(state["colours"]) == len(load_chain("adk_open").backbone)  # the cartoon is the new chain
    assert "no DSSP reference" in dash.page.locator(".accuracy").inner_text()
    dash.assert_clean()
    print(f"chain -> Ramachandran: {ms:.0f} ms")


def test_colour_toggle_recolours_the_cartoon_where_model_and_dssp_disagree(dash):
    dssp = _viewer(dash)
    text = dash.page.locator(".accuracy").inner_text()
    right, n = map(int, re.search(r"\((\d+)/(\d+) residues", text).groups())
    assert n == len(dssp["colours"]) and 0.6 * n < right < n  # trained, and not perfect
    dash.page.locator(".widget-toggle-buttons button", has_text="model").click()
    model = _viewer(dash, previous=dssp)
    assert model["id"] == dssp["id"]  # the same viewer, restyled in place
    changed = sum(a != b for a, b in zip(dssp["colours"], model["colours"]))
    assert changed == n - right  # exactly the residues the model gets wrong changed colour
    dash.assert_clean()


def test_rotation_turns_the_cartoon_and_leaves_invariants_at_round_off(dash):
    before = _viewer(dash)
    dash.click_button("random rotation")
    after = _viewer(dash, previous=before)
    dash.page.wait_for_function("() => parseFloat(document.querySelector('.invariants .moved').innerText) > 0")
    x0, x1 = np.array(before["xyz"]), np.array(after["xyz"])
    d0, d1 = (np.linalg.norm(x[:, None] - x[None], axis=-1) for x in (x0, x1))
    assert np.abs(x1 - x0).max() > 1.0 and np.abs(d1 - d0).max() < 0.01  # turned rigidly (PDB: 3 decimals)
    values = _invariants(dash)
    assert float(values["moved"]) > 1.0
    for key in ("dphi", "dpsi", "domega", "ddist"):  # float64 geometry: round-off only
        assert float(values[key].rstrip("°Å ")) < 1e-9, (key, values[key])
    assert float(values["dlogit"]) < 1e-4  # float32 model on invariant features
    same, n = map(int, re.match(r"(\d+)/(\d+)", values["same"]).groups())
    assert same == n
    dash.screenshot("-rotated")
    dash.assert_clean()


@pytest.mark.parametrize("content, expected", [
    (b"this is not a PDB file\n", "no ATOM or HETATM records"),
    (b"HETATM    1  O   HOH A   1       0.000   0.000   0.000  1.00  0.00           O\n", "no protein residues"),
])
def test_bad_upload_gives_a_message(dash, content, expected):
    before = dash.figure_data(RAMA)
    dash.upload(content, "bad.pdb")
    assert expected in dash.message(timeout=20) and "'bad.pdb'" in dash.message()  # named, not 'uploaded text'
    assert dash.figure_data(RAMA) == before  # the page still shows the old chain
    dash.assert_clean()
    if "HETATM" in expected:
        dash.screenshot("-bad-upload")


def test_update_latency_within_budget(dash):
    page_ms, kernel_ms = [], []
    for k in (5, 12, 30, 47, 60, 21, 88, 9):  # the residue slider marks a residue in all three views
        page_ms.append(dash.set_slider("residue", k, figure=RAMA))
        kernel_ms.append(dash.kernel_ms())
    select_ms = [dash.select("chain", name, figure=RAMA) for name in ("1bvyF", FIRST, "1eteA")]
    print(f"residue -> page: median {statistics.median(page_ms):.0f} ms, max {max(page_ms):.0f} ms; kernel: median "
          f"{statistics.median(kernel_ms):.0f} ms; chain -> page: median {statistics.median(select_ms):.0f} ms")
    within_budget(kernel_ms, KERNEL_BUDGET_MS, "proteins: kernel time per residue change")
    within_budget(page_ms, PAGE_UPDATE_BUDGET_MS, "proteins: residue slider -> page updated")
    within_budget(select_ms, PAGE_UPDATE_BUDGET_MS, "proteins: chain choice -> Ramachandran updated")


def test_solvated_upload_shows_the_protein_and_names_the_file(dash):
    """A simulation box (cobrotoxin in 6,000 GROMACS waters, MDAnalysisTests): the waters are not drawn over
    the protein, and the chain dropdown names the uploaded file."""
    pdb = (Path(MDAnalysisTests.__file__).parent / "data" / "cobrotoxin.pdb").read_bytes()
    before = _viewer(dash)
    dash.wait_figure_change(lambda: dash.upload(pdb, "cobrotoxin.pdb", mime="chemical/x-pdb"), RAMA, timeout=60,
                            label="upload")
    shown = _viewer(dash, previous=before)
    residues = {line[17:27] for line in pdb.decode().splitlines() if line.startswith("ATOM") and line[12:16].strip() == "CA"}
    assert len(shown["colours"]) == len(residues) == 62  # one Cα per residue of the toxin, as in the file
    counts = dash.page.evaluate("""() => {
      const div = document.querySelector("div[id^='3dmolviewer_']");
      const model = window['viewer_' + div.id.split('_')[1]].getModel();
      return [model.selectedAtoms({}).length, model.selectedAtoms({resn: 'SOL'}).length];
    }""")
    assert counts[1] == 0 and counts[0] < 1000, counts  # the protein's atoms only, no solvent
    selected = dash.dropdown("chain").locator("select").evaluate("s => s.options[s.selectedIndex].text")
    assert selected == "cobrotoxin.pdb"
    assert "cobrotoxin.pdb" in dash.page.locator(".js-plotly-plot .gtitle").nth(1).text_content()  # contact map
    dash.screenshot("-solvated-upload")
    dash.assert_clean()
