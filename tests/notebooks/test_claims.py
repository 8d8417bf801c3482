"""Every number a lesson claims in its text is the number its assert cells check.

The markup, in two halves:

* **In the text** (a markdown cell), put ``<!-- claim: NAME -->`` right before the number the reader sees,
  e.g. ``the error stays below <!-- claim: fno-error -->0.03`` or ``to <!-- claim: identity -->$10^{-6}$``.
  The comment is invisible once rendered. The number may be plain (``0.03``, ``1e-6``, ``−2.9037``) or LaTeX
  (``$10^{-6}$``, ``$6.7\\cdot10^{-4}$``); a unit after it (``10 mHa``) is the reader's, not parsed.
* **In the checks**, the code cells that assert the lesson's claims carry the cell tag ``claim``, and the
  assert statement that checks a marked number ends a line with ``# claim: NAME``. The assert writes the
  number in the same units as the text (``assert 1000 * abs(E - E_exact) < 10  # claim: helium-mha``), as a
  literal or a constant expression (``10 ** -6``).

The test fails when a marked number has no assert of that name, when no assert of that name uses the marked
number, when an assert names a claim the text does not make, when one name is marked with two numbers, when
a cell with an ``assert`` lacks the ``claim`` tag (so no check hides outside the markup), or when a lesson has
no ``claim`` cell. Claims without a number (an ordering, an invariance) need no text marker: their asserts sit in
the ``claim`` cells like the others.
"""
from __future__ import annotations

import ast
import io
import math
import re
import tokenize
from dataclasses import dataclass, field

import nbformat
import pytest

from airtools.notebooks import find_notebooks

LESSONS = find_notebooks("lessons")

_MARK = re.compile(r"<!--\s*claim:\s*([\w.-]+)\s*-->")
_SIGN = r"[−\-]?"  # an ASCII hyphen or the typographic minus
_MANTISSA = _SIGN + r"\d+(?:\.\d+)?(?:[eE][−\-+]?\d+)?"
_NUMBER = re.compile(r"\s*\$?\s*(?:10\^\{?(?P<e2>" + _SIGN + r"\d+)\}?|(?P<m>" + _MANTISSA
                     + r")(?:\s*(?:\\cdot|\\times|·|×)\s*10\^\{?(?P<e1>" + _SIGN + r"\d+)\}?)?)")
_CLAIM_COMMENT = re.compile(r"#\s*claim:\s*([\w.-]+)")


def _float(text: str) -> float:
    return float(text.replace("−", "-"))


def parse_marked_number(text: str) -> float:
    """The number at the start of ``text`` (after a claim marker), plain or LaTeX.

    >>> parse_marked_number("0.03, the paper"), parse_marked_number("$10^{-6}$ for l <= 4")
    (0.03, 1e-06)
    >>> parse_marked_number(r"$6.7\\cdot10^{-4}$"), parse_marked_number("10 mHa"), parse_marked_number("−2.9037 Ha")
    (0.00067, 10.0, -2.9037)
    """
    match = _NUMBER.match(text)
    if match is None:
        raise ValueError(f"no number after the claim marker, at: {text[:40]!r}")
    if match["e2"] is not None:
        return _float(f"1e{match['e2']}")
    return _float(f"{match['m']}e{match['e1']}" if match["e1"] is not None else match["m"])


def _constants(node: ast.AST) -> list[float]:
    """The numbers written in an expression: literals, and constant sub-expressions folded (``10 ** -6``)."""
    out = []
    for sub in ast.walk(node):
        if isinstance(sub, (ast.BinOp, ast.UnaryOp)):
            try:
                value = eval(compile(ast.Expression(sub), "<claim>", "eval"), {"__builtins__": {}}, {})
            except Exception:  # not constant: it names a variable
                continue
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                out.append(float(value))
        elif isinstance(sub, ast.Constant) and isinstance(sub.value, (int, float)) and not isinstance(sub.value, bool):
            out.append(float(sub.value))
    return out


@dataclass
class Claims:
    """What one notebook marks: ``text[name] = [numbers]``, ``asserts[name] = [[numbers of one assert], ...]``."""
    text: dict[str, list[float]] = field(default_factory=dict)
    asserts: dict[str, list[list[float]]] = field(default_factory=dict)
    claim_cells: int = 0
    problems: list[str] = field(default_factory=list)


def read_claims(nb: nbformat.NotebookNode) -> Claims:
    """Collect the marked numbers of the text and the named asserts of the ``claim`` cells."""
    claims = Claims()
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "markdown":
            for mark in _MARK.finditer(cell.source):
                try:
                    value = parse_marked_number(cell.source[mark.end():])
                except ValueError as err:
                    claims.problems.append(f"cell {index}: claim {mark[1]!r}: {err}")
                    continue
                claims.text.setdefault(mark[1], []).append(value)
            continue
        if cell.cell_type != "code":
            continue
        try:
            tree = ast.parse(cell.source)
        except SyntaxError:
            continue  # IPython syntax: not a claim cell
        asserts = [node for node in ast.walk(tree) if isinstance(node, ast.Assert)]
        tagged = "claim" in cell.metadata.get("tags", [])
        if asserts and not tagged:
            claims.problems.append(f"cell {index}: it asserts, but lacks the cell tag 'claim'")
        if not tagged:
            continue
        claims.claim_cells += 1
        if not asserts:
            claims.problems.append(f"cell {index}: tagged 'claim' but asserts nothing")
        comments = {tok.start[0]: _CLAIM_COMMENT.search(tok.string)
                    for tok in tokenize.generate_tokens(io.StringIO(cell.source).readline)
                    if tok.type == tokenize.COMMENT and _CLAIM_COMMENT.search(tok.string)}
        for line, match in comments.items():
            owner = [a for a in asserts if a.lineno <= line <= a.end_lineno]
            if not owner:
                claims.problems.append(f"cell {index}, line {line}: '# claim: {match[1]}' is not on an assert")
                continue
            claims.asserts.setdefault(match[1], []).append(_constants(owner[0].test))
    return claims


def claim_problems(nb: nbformat.NotebookNode) -> list[str]:
    """Everything wrong with a notebook's claims, in words; empty when text and asserts agree."""
    claims = read_claims(nb)
    problems = list(claims.problems)
    if claims.claim_cells == 0:
        problems.append("no code cell is tagged 'claim': the Checks cells must carry it")
    for name, values in claims.text.items():
        if len(set(values)) > 1:
            problems.append(f"claim {name!r}: the text marks different numbers {values}")
        if name not in claims.asserts:
            problems.append(f"claim {name!r}: the text claims {values[0]:g}, but no assert says '# claim: {name}'")
            continue
        for value in set(values):
            if not any(any(math.isclose(value, c, rel_tol=1e-12, abs_tol=0.0) for c in numbers)
                       for numbers in claims.asserts[name]):
                used = sorted({c for numbers in claims.asserts[name] for c in numbers})
                problems.append(f"claim {name!r}: the text says {value:g}, the assert checks {used}")
    for name in claims.asserts.keys() - claims.text.keys():
        problems.append(f"assert '# claim: {name}' has no marked number in the text (<!-- claim: {name} -->)")
    return problems


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.name)
def test_text_and_asserts_state_the_same_numbers(path):
    problems = claim_problems(nbformat.read(path, as_version=4))
    assert not problems, f"{path.name}:\n  " + "\n  ".join(problems)


def test_most_lessons_mark_their_numbers():
    """The markup is used, not just allowed: lessons whose text states checked numbers mark them."""
    marked = [p.name for p in LESSONS if read_claims(nbformat.read(p, as_version=4)).text]
    assert len(marked) >= len(LESSONS) - 2, f"only {marked} mark numeric claims"


# --- the checker itself, on tiny synthetic notebooks ------------------------------------------------------------

def _notebook(text: str, checks: str, tags=("claim",)) -> nbformat.NotebookNode:
    code = nbformat.v4.new_code_cell(checks)
    code.metadata["tags"] = list(tags)
    return nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(text), code])


def test_agreeing_text_and_assert_pass():
    nb = _notebook("The error stays below <!-- claim: err -->0.03, at <!-- claim: tiny -->$10^{-6}$ in float64.",
                   "err, tiny = 0.01, 1e-9\nassert err < 0.03  # claim: err\nassert (tiny <\n        10 ** -6)  # claim: tiny")
    assert claim_problems(nb) == []


def test_a_text_number_that_differs_from_the_assert_fails():
    nb = _notebook("The error stays below <!-- claim: err -->0.016.", "assert err < 0.03  # claim: err")
    assert claim_problems(nb) == ["claim 'err': the text says 0.016, the assert checks [0.03]"]


def test_missing_and_orphan_claims_and_untagged_asserts_fail():
    nb = _notebook("Within <!-- claim: he -->10 mHa.", "assert x < 1e-3  # claim: other", tags=())
    problems = claim_problems(nb)
    assert any("lacks the cell tag 'claim'" in p for p in problems)
    assert any("no code cell is tagged" in p for p in problems)
    nb = _notebook("Within <!-- claim: he -->10 mHa.", "assert x < 1e-3  # claim: other")
    problems = claim_problems(nb)
    assert any("'he': the text claims 10" in p for p in problems)
    assert any("'# claim: other' has no marked number" in p for p in problems)
    nb = _notebook("<!-- claim: he -->10 mHa and later <!-- claim: he -->5 mHa",
                   "assert 1000 * x < 10  # claim: he")
    assert any("different numbers" in p for p in claim_problems(nb))
