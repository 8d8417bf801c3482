"""``accepts``: what every checker does on a right answer (one "✅" line, a ``Passed`` of finite numbers)."""
import math

import pytest

from airtools.exercises import Passed


@pytest.fixture
def accepts(capsys):
    """``accepts(result, *words)``: ``result`` is a non-empty ``Passed`` of finite floats, and the checker printed
    exactly one line, "✅ ...", containing each of ``words``. Returns ``result``."""
    def check(result, *words):
        out = capsys.readouterr().out
        assert out.startswith("✅ ") and out.count("\n") == 1, out
        assert all(word in out for word in words), (words, out)
        assert type(result) is Passed and result, result
        assert all(isinstance(v, float) and math.isfinite(v) for v in result.values()), result
        return result
    return check
