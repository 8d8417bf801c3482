"""The portal's catalog: lessons and dashboards, their titles and one-line descriptions, as HTML cards.

Each notebook describes itself in its first markdown cell: the first ``# heading`` is the title, the first
plain line of text after it the description. Nothing here imports torch or plotly, so the landing page
(dashboards/index.ipynb) renders in well under a second.

Links: a lesson opens in JupyterLab at ``$AIRTOOLS_LAB_URL/lab/tree/lessons/<file>`` (set by the portal;
without it the link is the relative ``/lab/tree/lessons/<file>``); a dashboard at ``./<name>.ipynb``,
relative to Voila's ``/voila/render/``.
"""
from __future__ import annotations

import html
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Entry", "lesson_catalog", "dashboard_catalog", "catalog_html"]

# the order dashboards appear in (DESIGN.md); others follow alphabetically
DASHBOARD_ORDER = ["rotations", "irreps", "molecules", "pde", "proteins", "quantum", "crystals", "trust", "generate"]


@dataclass(frozen=True)
class Entry:
    """One card: ``kind`` is "lesson" or "dashboard"; ``href`` the link the card opens."""

    kind: str
    file: str
    title: str
    description: str
    href: str


def lesson_catalog(root=None, lab_url=None) -> list[Entry]:
    """The lessons in ``<root>/lessons/*.ipynb``, in file-name order (00, 01, ...).

    Args:
        root: the repository root (default: the checkout this package lives in).
        lab_url: JupyterLab's base URL (default: ``$AIRTOOLS_LAB_URL``; none -> relative links).

    Returns:
        a list of ``Entry`` with ``href = <lab_url>/lab/tree/lessons/<file>``, plus ``?token=...`` when the
        portal passed its token in ``$AIRTOOLS_LAB_TOKEN`` (so a click opens JupyterLab logged in).

    >>> import tempfile, nbformat
    >>> tmp = Path(tempfile.mkdtemp()); (tmp / "lessons").mkdir()
    >>> nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# 00 · Welcome\\nHow it works.")])
    >>> nbformat.write(nb, tmp / "lessons" / "00_welcome.ipynb")
    >>> [(e.title, e.description, e.href) for e in lesson_catalog(tmp, lab_url="http://127.0.0.1:8888/")]
    [('00 · Welcome', 'How it works.', 'http://127.0.0.1:8888/lab/tree/lessons/00_welcome.ipynb')]
    """
    root = _root(root)
    base = (os.environ.get("AIRTOOLS_LAB_URL", "") if lab_url is None else lab_url).rstrip("/")
    token = os.environ.get("AIRTOOLS_LAB_TOKEN") if lab_url is None else None
    query = f"?token={token}" if token else ""
    return [_entry("lesson", p, f"{base}/lab/tree/lessons/{p.name}{query}")
            for p in sorted((root / "lessons").glob("*.ipynb"))]


def dashboard_catalog(root=None) -> list[Entry]:
    """The dashboards in ``<root>/dashboards/*.ipynb`` except the index, with ``href = ./<name>.ipynb``.

    >>> "./irreps.ipynb" in [e.href for e in dashboard_catalog()]
    True
    """
    root = _root(root)
    paths = [p for p in (root / "dashboards").glob("*.ipynb") if p.stem != "index"]
    order = {name: i for i, name in enumerate(DASHBOARD_ORDER)}
    paths.sort(key=lambda p: (order.get(p.stem, len(order)), p.stem))
    return [_entry("dashboard", p, f"./{p.name}") for p in paths]


def catalog_html(lessons, dashboards) -> str:
    """The landing page body: a grid of lesson cards and a grid of dashboard cards (plain HTML + CSS).

    >>> page = catalog_html([Entry("lesson", "00_a.ipynb", "A <b>", "d", "/lab/tree/lessons/00_a.ipynb")], [])
    >>> 'href="/lab/tree/lessons/00_a.ipynb"' in page, "A &lt;b&gt;" in page
    (True, True)
    """
    def cards(entries, target):
        if not entries:
            return '<p class="at-empty">None yet.</p>'
        return '<div class="at-grid">' + "".join(
            f'<a class="at-card at-{e.kind}" href="{html.escape(e.href)}"{target} data-file="{html.escape(e.file)}">'
            f'<div class="at-title">{html.escape(e.title)}</div>'
            f'<div class="at-desc">{html.escape(e.description)}</div></a>' for e in entries) + "</div>"

    new_tab = ' target="_blank" rel="noopener"'  # lessons open in JupyterLab, another app
    return (_CSS + '<div class="at-catalog">'
            f'<h2>Dashboards <span class="at-n">{len(dashboards)}</span></h2>{cards(dashboards, "")}'
            f'<h2>Lessons <span class="at-n">{len(lessons)}</span> '
            '<span class="at-hint">open in JupyterLab</span></h2>'
            f'{cards(lessons, new_tab)}</div>')


def _entry(kind, path: Path, href: str) -> Entry:
    title, description = _describe(path)
    return Entry(kind, path.name, title, description, href)


def _describe(path: Path) -> tuple[str, str]:
    """(title, one-line description) from the first markdown cell; the file stem when there is none.

    The description is the first paragraph or list item that is not a heading, a label line
    ("**What you will learn**", "Contents:") or the Budget/Survey line.
    """
    try:
        cells = json.loads(path.read_text(encoding="utf-8")).get("cells", [])
    except (OSError, ValueError):
        return path.stem, "(could not read this notebook)"
    md = next((c for c in cells if c.get("cell_type") == "markdown"), None)
    if md is None:
        return path.stem, ""
    source = md["source"] if isinstance(md["source"], str) else "".join(md["source"])
    title, blocks = path.stem, [""]
    for line in source.splitlines():
        if line.startswith("#"):
            if title == path.stem:
                title = _plain(line.lstrip("#"))
            blocks.append("")
        elif not line.strip():
            blocks.append("")
        elif blocks[-1] and (line[:1].isspace() or not _LIST_ITEM.match(line)):
            blocks[-1] += " " + line.strip()  # continuation of a paragraph or list item
        else:
            blocks.append(line.strip())
    for block in blocks:
        if block and not _LABEL.match(block):
            return title, _short(_plain(block))
    return title, ""


_LIST_ITEM = re.compile(r"^\s*([-*+]|\d+\.)\s+")
_LABEL = re.compile(r"^(\*\*[^*]+\*\*|__[^_]+__|[^.]*:)$|^\**(Budget|Survey)\b")
_TEX = {r"\otimes": "⊗", r"\oplus": "⊕", r"\dots": "…", r"\ldots": "…", r"\cdots": "…", r"\le": "≤",
        r"\leq": "≤", r"\ge": "≥", r"\geq": "≥", r"\times": "×", r"\to": "→", r"\nabla": "∇",
        r"\partial": "∂", r"\approx": "≈", r"\in": "∈", r"\sum": "Σ", r"\infty": "∞", r"\,": " ",
        r"\cdot": "·", r"\mathcal": "", r"\hat": "",
        **{"\\" + name: char for name, char in zip(
            "alpha beta gamma delta epsilon theta lambda mu nu rho sigma tau phi chi psi omega Psi Phi Omega".split(),
            "αβγδεθλμνρστφχψωΨΦΩ")}}
_SUBSCRIPT = str.maketrans("0123456789naeijklmnoprstux", "₀₁₂₃₄₅₆₇₈₉ₙₐₑᵢⱼₖₗₘₙₒₚᵣₛₜᵤₓ")


def _plain(text: str) -> str:
    """Markdown -> plain text: no emphasis, links, list markers or $...$ delimiters."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)  # [text](url) -> text
    text = _LIST_ITEM.sub("", text)
    for tex, char in _TEX.items():
        text = re.sub(re.escape(tex) + (r"(?![a-zA-Z])" if tex[-1].isalpha() else ""), char, text)
    text = re.sub(r"_\{?([0-9a-z]+)\}?", lambda m: m.group(1).translate(_SUBSCRIPT)
                  if all(c in "0123456789naeijklmnoprstux" for c in m.group(1)) else m.group(0), text)
    text = re.sub(r"\\(mathrm|mathbf|mathcal|text|operatorname)\{([^}]*)\}", r"\2", text)
    for mark in ("**", "__", "`", "$", "*", "\\"):
        text = text.replace(mark, "")
    return " ".join(text.split())


def _short(text: str, n: int = 150) -> str:
    """The first sentence (or n characters, cut at a word), capitalised, without a trailing ';'."""
    text = text.rstrip(";,: ")
    end = re.search(r"[.;!?](\s|$)", text)
    if end and end.start() < n:
        text = text[:end.start() + 1].rstrip(";")
    elif len(text) > n:
        text = text[:n].rsplit(" ", 1)[0] + " …"
    return text[:1].upper() + text[1:]


def _root(root) -> Path:
    if root is not None:
        return Path(root)
    here = Path(__file__).resolve().parents[2]  # the checkout: airtools/viz/_catalog.py -> repo
    if (here / "lessons").is_dir() or (here / "dashboards").is_dir():
        return here
    cwd = Path.cwd()  # an installed package: Voila runs the kernel in dashboards/
    return cwd.parent if cwd.name == "dashboards" else cwd


_CSS = """<style>
.at-catalog { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; max-width: 1200px; line-height: 1.4; }
.at-catalog h2 { font-size: 1.25rem; margin: 1.2rem 0 0.6rem; }
.at-n { font-size: 0.8rem; color: #fff; background: #4a6fa5; border-radius: 9px; padding: 1px 7px; }
.at-hint { font-size: 0.8rem; font-weight: normal; color: #777; margin-left: 0.4rem; }
.at-grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(260px, 1fr)); gap: 12px; }
.at-card { display: block; padding: 12px 14px; border: 1px solid #d0d7de; border-radius: 8px;
           text-decoration: none !important; color: inherit !important; background: #fff;
           transition: box-shadow .15s, border-color .15s; }
.at-card:hover { border-color: #4a6fa5; box-shadow: 0 2px 8px rgba(0,0,0,.12); }
.at-dashboard { border-left: 4px solid #e07b39; }
.at-lesson { border-left: 4px solid #4a6fa5; }
.at-title { font-weight: 600; margin-bottom: 4px; color: #1f2328; line-height: 1.3; }
.at-desc { font-size: 0.9rem; color: #57606a; line-height: 1.35; }
.at-empty { color: #777; }
</style>"""
