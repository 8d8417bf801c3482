"""The README's coursework example runs as written (a newcomer copies it first)."""
import re
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"


def test_readme_python_examples_run_and_check_what_they_say():
    """Each block runs as written (in the run's test cache) and carries asserts on its own claims."""
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)
    assert blocks, "README.md should show how to reuse airtools in coursework"
    for code in blocks:
        assert "assert " in code, f"a README example that checks nothing:\n{code[:200]}"
        exec(compile(code, "README.md", "exec"), {})
