"""airtools.generative imports only the layers below it: so3, graph, nn, models, cache (DESIGN.md)."""
import ast
from pathlib import Path

import airtools.generative

ALLOWED = {"so3", "graph", "nn", "models", "cache", "generative"}
PACKAGE = Path(airtools.generative.__file__).parent


def _airtools_imports(path: Path) -> set[str]:
    """The airtools subpackages a module imports, function-local and relative imports included."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level == 1:  # from .x import y: inside generative
                names = ["airtools.generative"]
            elif node.level >= 2:  # from ..x import y
                names = [f"airtools.{node.module}" if node.module else "airtools"]
            else:
                names = [node.module or ""]
        else:
            continue
        found |= {name.split(".")[1] if "." in name else "airtools" for name in names if name.startswith("airtools")}
    return found


def test_generative_imports_only_lower_layers():
    broken = {path.name: sorted(_airtools_imports(path) - ALLOWED) for path in PACKAGE.glob("*.py")}
    broken = {name: bad for name, bad in broken.items() if bad}
    assert not broken, f"airtools.generative must not import {broken} (allowed: {sorted(ALLOWED)})"


def test_the_check_sees_a_forbidden_import(tmp_path):
    module = tmp_path / "bad.py"
    module.write_text("def f():\n    from airtools.data import collate_molecules\n    import airtools.train\n")
    assert _airtools_imports(module) == {"data", "train"}
