"""Every lesson and dashboard executes top to bottom in a fresh kernel, within its stated budget,
and is committed without outputs."""
import pytest

from airtools.notebooks import execute_notebook, find_notebooks, notebook_budget, stored_outputs

LESSONS = find_notebooks("lessons")
DASHBOARDS = find_notebooks("dashboards")
# Dashboards are judged by their first render in the browser (tests/browser); headless they must still
# run through, within this many seconds, unless their first cell states a budget of its own.
DASHBOARD_BUDGET_S = 30.0


def _budget(path):
    try:
        return notebook_budget(path)
    except ValueError:
        if path.parent.name == "dashboards":
            return DASHBOARD_BUDGET_S
        raise


def test_curriculum_is_present():
    assert len(LESSONS) >= 4, f"expected lessons 00-03 in lessons/, found {[p.name for p in LESSONS]}"
    assert {"index.ipynb", "irreps.ipynb"} <= {p.name for p in DASHBOARDS}


@pytest.mark.parametrize("path", LESSONS + DASHBOARDS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_committed_without_outputs(path):
    n = stored_outputs(path)
    assert n == 0, f"{path.name}: {n} code cells carry outputs; run `airtools lessons strip` before committing"


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.name)
def test_lesson_states_a_budget_within_90_s(path):
    assert notebook_budget(path) <= 90, f"{path.name}: a lesson must run in at most 90 s on a 2-core CPU"


@pytest.mark.notebook
@pytest.mark.parametrize("path", LESSONS + DASHBOARDS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_notebook_runs_within_budget(path, notebook_times):
    budget = _budget(path)
    seconds, _ = execute_notebook(path, timeout=max(120.0, 2 * budget))
    notebook_times.append((f"{path.parent.name}/{path.name}", seconds, budget))
    assert seconds <= budget, f"{path.name} took {seconds:.1f} s, over its stated budget of {budget:.0f} s"
