"""The package's layers point one way, down (DESIGN.md, "Layout: layers, one way down").

Every import of ``airtools/`` is read from the syntax tree, function-local ones included, and each rule of
DESIGN.md's "Never" line is checked, plus: no cycle between subpackages. A ``__main__`` module is a program
(``python -m airtools.train``), never imported, so it is left out of the cycle check.
"""
import ast
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1] / "airtools"
BOTTOM = {"cache", "so3", "graph", "nn"}
NEVER = {  # subpackage -> subpackages it must not import
    "data": {"models", "train", "zoo", "exercises"},
    "models": {"data", "train", "zoo", "exercises"},
    "train": {"zoo", "exercises", "viz"},
    "viz": {"models", "data", "quantum"},
    "generative": {"data", "train", "zoo", "exercises", "viz"},  # its package docstring: so3/graph/nn/models/cache
    # explain: models, so3, graph, nn (its package docstring); attributions of a model, not its data or training
    "explain": {"data", "train", "zoo", "exercises", "viz", "quantum", "pde", "generative", "testing"},
    "uq": {"data", "train", "zoo", "exercises", "viz"},  # its package docstring: models, so3, graph, nn at most
    # docking: so3 (its package docstring); the complex comes in as arrays, read by data, composed by the lesson
    "docking": {"data", "models", "train", "zoo", "exercises", "viz"},
}
TOP_ONLY = {"zoo", "exercises"}  # imported only by the command line, the portal (and lessons, dashboards)
TOP = {"cli", "cli_train", "portal"}


def imports(root: Path = ROOT) -> list[tuple[str, str, str]]:
    """``(importer, imported, "file:line")`` for every import of one airtools subpackage by another."""
    found = []
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root)
        source = rel.parts[0].removesuffix(".py")
        package = ["airtools", *rel.parts[:-1]]
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level:  # relative: resolve against the package
                base = ".".join(package[:len(package) - node.level + 1] + ([node.module] if node.module else []))
                names = [base] if node.module else [f"{base}.{alias.name}" for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module] + ([f"{node.module}.{a.name}" for a in node.names] if node.module == "airtools"
                                         else [])
            else:
                continue
            for name in names:
                parts = name.split(".")
                target = parts[1] if parts[0] == "airtools" and len(parts) > 1 else None
                if target and target != source and ((root / target).is_dir() or (root / f"{target}.py").exists()):
                    found.append((source, target, f"{rel}:{node.lineno}", path.name == "__main__.py"))
    return found


def broken_rules(edges) -> list[str]:
    bad = []
    for source, target, where, _ in edges:
        if source in BOTTOM and (target not in BOTTOM or source == "cache"):
            bad.append(f"{where}: {source} is a bottom layer but imports {target}")
        if target in NEVER.get(source, ()):
            bad.append(f"{where}: {source} must not import {target}")
        if target in TOP_ONLY and source not in TOP:
            bad.append(f"{where}: only the command line and the portal import {target}, not {source}")
    return bad


def cycles(edges) -> list[list[str]]:
    """Strongly connected components with more than one subpackage (Tarjan)."""
    graph = defaultdict(set)
    for source, target, _, is_main in edges:
        if not is_main:
            graph[source].add(target)
    index, low, stack, on_stack, out, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in list(graph):
        if v not in index:
            visit(v)
    return out


def test_no_import_breaks_a_layer_rule():
    bad = broken_rules(imports())
    assert not bad, "imports against DESIGN.md's layers:\n" + "\n".join(bad)


def test_no_cycle_between_subpackages():
    found = cycles(imports())
    assert not found, f"import cycles between subpackages: {found}"


def test_the_checks_catch_what_they_are_for(tmp_path):
    """A fake package with an upward import, a function-local one and a cycle: all three are reported."""
    for name, text in {"cache.py": "", "data/__init__.py": "def f():\n    from airtools.models import SchNet\n",
                       "models/__init__.py": "from airtools.data import x\n",
                       "viz/__init__.py": "from ..quantum import y\n", "quantum/__init__.py": "",
                       "so3/__init__.py": "import airtools.viz\n"}.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    edges = imports(tmp_path)
    bad = "\n".join(broken_rules(edges))
    assert "data/__init__.py:2: data must not import models" in bad  # function-local
    assert "models/__init__.py:1: models must not import data" in bad
    assert "viz/__init__.py:1: viz must not import quantum" in bad  # relative
    assert "so3 is a bottom layer but imports viz" in bad
    assert cycles(edges) == [["data", "models"]]


@pytest.mark.parametrize("module", ["airtools.models"])
def test_models_load_no_heavy_optional_libraries(module):
    """``import airtools.models`` loads neither PySCF, gemmi nor spglib (a page that shows a model needs none)."""
    import subprocess
    import sys

    code = f"import sys, {module}; print(sorted(m for m in ('pyscf', 'gemmi', 'spglib') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]", out
