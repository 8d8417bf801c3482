"""The README's coursework example runs as written (a newcomer copies it first)."""
import re
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"


def test_readme_python_examples_run(tmp_path, monkeypatch):
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)
    assert blocks, "README.md should show how to reuse airtools in coursework"
    monkeypatch.setenv("AIRTOOLS_CACHE", str(tmp_path))  # build its own small dataset, leave the user cache alone
    for code in blocks:
        exec(compile(code, "README.md", "exec"), {})
