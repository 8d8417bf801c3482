"""Cross-references between lessons cannot go stale: every "lesson NN" in the lessons, the dashboards and the
README names a lesson that exists, or one of the planned lessons 17-24 in a sentence that says "planned";
every link to a lesson notebook points to a file on disk; and the survey sections the lessons cite are the
sections of lesson 00's table, by number and title."""
from __future__ import annotations

import re

import nbformat
import pytest

from airtools.notebooks import REPO_ROOT, find_notebooks

LESSONS = find_notebooks("lessons")
EXISTING = {p.name[:2] for p in LESSONS}
# the curriculum's planned lessons (the project's design): explainability, OOD, uncertainty, foundation models,
# generating molecules, conformers, crystals, protein design
PLANNED = {f"{n:02d}" for n in range(17, 25)}

_NUMS = r"\d{2}(?:\s*(?:[–-]|,|and|or|to)\s*\d{2})*"
_REFERENCE = re.compile(rf"\b[Ll]essons?\s+({_NUMS})")
_LINK = re.compile(r"\(\s*(?:\.\./lessons/|lessons/)?(\d{2}_[\w-]+\.ipynb)")
_SURVEY_CITE = re.compile(r"§\s*(\d+)\s*\"([^\"]+)\"")
_SURVEY_ROW = re.compile(r"^\|\s*§?(\d+)\s*\|\s*([^|]+?)\s*\|", re.MULTILINE)


def _sources():
    """(where, text) of every lesson and dashboard cell and of README.md."""
    for path in LESSONS + find_notebooks("dashboards"):
        for i, cell in enumerate(nbformat.read(path, as_version=4).cells):
            yield f"{path.parent.name}/{path.name} cell {i}", cell.source
    yield "README.md", (REPO_ROOT / "README.md").read_text()


def _numbers(group: str) -> set[str]:
    """'04', '13–16', '06 and 07', '17-24' -> the two-digit lesson numbers they name."""
    out = set()
    for a, b in re.findall(r"(\d{2})(?:\s*[–-]\s*(\d{2}))?", group):
        out |= {f"{n:02d}" for n in range(int(a), int(b or a) + 1)}
    return out


def _sentence(text: str, start: int, end: int) -> str:
    """The sentence (or table cell, or list item) around text[start:end]."""
    stops = re.compile(r"\.\s|\n\s*\n|\||\n\s*[-*]\s|\n#")
    left = max([m.end() for m in stops.finditer(text, 0, start)], default=0)
    right = next((m.start() for m in stops.finditer(text, end)), len(text))
    return text[left:right]


def reference_problems(where: str, text: str) -> list[str]:
    """Each lesson reference in ``text`` that names a missing lesson (or a planned one without saying so)."""
    problems = []
    for match in _REFERENCE.finditer(text):
        for number in sorted(_numbers(match[1])):
            if number in EXISTING:
                continue
            if number in PLANNED and "planned" in _sentence(text, match.start(), match.end()).lower():
                continue
            problems.append(f"{where}: {match[0]!r} names lesson {number}, which "
                            + ("is planned: say 'planned' in that sentence" if number in PLANNED else "does not exist"))
    for match in _LINK.finditer(text):
        if not (REPO_ROOT / "lessons" / match[1]).exists():
            problems.append(f"{where}: link to {match[1]}, which is not in lessons/")
    return problems


def test_every_lesson_reference_names_a_real_or_planned_lesson():
    problems = [p for where, text in _sources() for p in reference_problems(where, text)]
    assert not problems, "\n".join(problems)


def test_chart_labels_of_missing_lessons_say_planned():
    """Labels in the lessons' code such as "17 explainability" (the curriculum chart) say "planned"."""
    problems = []
    for path in LESSONS:
        for i, cell in enumerate(nbformat.read(path, as_version=4).cells):
            if cell.cell_type != "code":
                continue
            for match in re.finditer(r"([\"'])(\d{2}) ([^\"'\n]*)\1", cell.source):
                number, rest = match[2], match[3]
                if number not in EXISTING and "planned" not in rest and not _planned_nearby(cell.source, match):
                    problems.append(f"{path.name} cell {i}: label {match[0]} names lesson {number}, not on disk")
    assert not problems, "\n".join(problems)


def _planned_nearby(source: str, match: re.Match) -> bool:
    """A label inside a collection whose name says it is planned (``PLANNED = {...}``)."""
    line_start = source.rfind("\n", 0, match.start()) + 1
    block = source[source.rfind("\n\n", 0, line_start) + 1:match.start()]
    return "PLANNED" in block or "planned" in block


def test_the_checker_catches_stale_references():
    assert reference_problems("x", "as lesson 04 showed; lessons 13–16 follow") == []
    planned = sorted(PLANNED - EXISTING)  # the examples follow the curriculum as lessons land
    if planned:
        assert reference_problems("x", f"Lesson {planned[0]} (next) is planned.") == []
        assert reference_problems("x", f"Lessons {planned[0]}–{planned[-1]} cover it.") != []
    assert reference_problems("x", "see lesson 99") == ["x: 'lesson 99' names lesson 99, which does not exist"]
    assert reference_problems("x", "[05](05_no_such_lesson.ipynb)") != []


def _survey_table() -> dict[int, str]:
    """{section number: title} from the table in lesson 00."""
    welcome = nbformat.read(LESSONS[0], as_version=4)
    cells = [c.source for c in welcome.cells if c.cell_type == "markdown" and "2307.08423" in c.source
             and _SURVEY_ROW.search(c.source)]
    assert cells, "lesson 00 must hold the table of the survey's sections (a markdown table of § rows, next to the arXiv number 2307.08423)"
    return {int(n): title.strip() for n, title in _SURVEY_ROW.findall(cells[0]) if n.isdigit()}


def test_survey_table_lists_the_sections_in_order():
    table = _survey_table()
    assert sorted(table) == list(range(1, len(table) + 1)) and len(table) >= 10, table
    assert table[2].startswith("Symmetries") and "Partial Differential Equations" in table[9], table


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.name)
def test_lesson_cites_the_survey_by_the_tables_number_and_title(path):
    table = _survey_table()
    first = nbformat.read(path, as_version=4).cells[0].source
    cites = _SURVEY_CITE.findall(first)
    assert cites, f'{path.name}: the first cell must cite the survey as §N "Title" (lesson 00\'s table)'
    for number, title in cites:
        assert table.get(int(number)) == title, \
            f"{path.name}: cites §{number} \"{title}\", lesson 00's table says §{number} \"{table.get(int(number))}\""
