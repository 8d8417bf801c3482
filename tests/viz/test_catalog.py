"""The portal catalog: every lesson and dashboard, titles and descriptions from the first cell, links."""
import subprocess
import sys

import nbformat

from airtools.viz import catalog_html, dashboard_catalog, lesson_catalog


def _notebook(path, first_cell):
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(first_cell)]), path)


def test_reads_title_and_first_plain_line(tmp_path):
    _notebook(tmp_path / "lessons" / "01_symmetry.ipynb",
              "# 01 · Symmetry and groups\n\n**Budget:** runs in ≤ 30 s on a 2-core CPU\n\n"
              "What you'll learn: **invariance** vs [equivariance](https://example.org).\n")
    _notebook(tmp_path / "lessons" / "00_welcome.ipynb", "# 00 · Welcome\nThe portal.")
    _notebook(tmp_path / "dashboards" / "index.ipynb", "# Index")
    _notebook(tmp_path / "dashboards" / "zeta.ipynb", "# Zeta\nLast.")
    _notebook(tmp_path / "dashboards" / "irreps.ipynb", "# Irreps\nSpherical harmonics.")
    lessons = lesson_catalog(tmp_path, lab_url="")
    assert [e.file for e in lessons] == ["00_welcome.ipynb", "01_symmetry.ipynb"]
    assert lessons[1].title == "01 · Symmetry and groups"
    assert lessons[1].description == "What you'll learn: invariance vs equivariance."
    assert lessons[1].href == "/lab/tree/lessons/01_symmetry.ipynb"  # relative without $AIRTOOLS_LAB_URL
    assert [(e.file, e.href) for e in dashboard_catalog(tmp_path)] == [
        ("irreps.ipynb", "./irreps.ipynb"), ("zeta.ipynb", "./zeta.ipynb")]


def test_lab_url_from_environment(tmp_path, monkeypatch):
    _notebook(tmp_path / "lessons" / "00_welcome.ipynb", "# 00 · Welcome\nThe portal.")
    monkeypatch.setenv("AIRTOOLS_LAB_URL", "http://127.0.0.1:8899")
    assert lesson_catalog(tmp_path)[0].href == "http://127.0.0.1:8899/lab/tree/lessons/00_welcome.ipynb"


def test_html_has_one_card_per_entry_and_escapes(tmp_path):
    _notebook(tmp_path / "lessons" / "00_a.ipynb", "# A & <B>\nx")
    _notebook(tmp_path / "dashboards" / "irreps.ipynb", "# Irreps\ny")
    page = catalog_html(lesson_catalog(tmp_path, lab_url=""), dashboard_catalog(tmp_path))
    assert page.count('class="at-card at-lesson"') == 1 and page.count('class="at-card at-dashboard"') == 1
    assert "A &amp; &lt;B&gt;" in page and 'href="./irreps.ipynb"' in page


def test_the_repository_catalog_lists_every_notebook():
    from airtools.viz._catalog import _root

    root = _root(None)
    assert {e.file for e in lesson_catalog()} == {p.name for p in (root / "lessons").glob("*.ipynb")}
    assert {e.file for e in dashboard_catalog()} | {"index.ipynb"} == {
        p.name for p in (root / "dashboards").glob("*.ipynb")}


def test_catalog_does_not_import_torch_or_plotly():
    code = ("import sys, airtools.viz as v; v.catalog_html(v.lesson_catalog(), v.dashboard_catalog()); "
            "print(sorted(m for m in ('torch', 'plotly', 'e3nn') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_description_is_plain_text_from_markdown_and_tex(tmp_path):
    _notebook(tmp_path / "lessons" / "03_tp.ipynb",
              "# 03 · Tensor products\n\n**What you will learn**\n\n"
              "- how $l_1 \\otimes l_2 = |l_1 - l_2| \\oplus \\dots$ splits,\n  with a `dimension` count;\n- more\n")
    assert lesson_catalog(tmp_path, lab_url="")[0].description == (
        "How l₁ ⊗ l₂ = |l₁ - l₂| ⊕ … splits, with a dimension count")
