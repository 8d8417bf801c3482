"""The lesson-05 checker accepts the right local energy and names the usual mistakes."""
import pytest

from airtools.exercises import check_hydrogen_local_energy


def test_checker_accepts_the_answer(capsys):
    assert check_hydrogen_local_energy(lambda r, alpha: -alpha**2 / 2 + (alpha - 1) / r) < 1e-10
    assert "✅" in capsys.readouterr().out


@pytest.mark.parametrize("fn, hint", [
    (lambda r, alpha: -alpha**2 / 2 + alpha / r, "potential"),
    (lambda r, alpha: -alpha**2 / 2 - 1 / r, "Laplacian is 3-D"),
    (lambda r, alpha: alpha**2 / 2 - (alpha + 1) / r, "sign of the kinetic"),
    (lambda r, alpha: (alpha - 1) / r, "Hint: E_L ="),
    (lambda r, alpha: r.sum(), "shape"),
    (lambda r, alpha: 1 / 0, "ZeroDivisionError"),
])
def test_checker_names_the_mistake(fn, hint):
    with pytest.raises(AssertionError, match=hint):
        check_hydrogen_local_energy(fn)
