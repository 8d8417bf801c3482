"""The lesson-05 checker accepts the right local energy and names the usual mistakes."""
import pytest

from airtools.exercises import check_hydrogen_local_energy

from .answers import hydrogen_local_energy


def test_checker_accepts_the_answer(accepts):
    result = accepts(check_hydrogen_local_energy(hydrogen_local_energy), "matches autograd's")
    assert result["max_difference"] < 1e-10


@pytest.mark.parametrize("fn, hint", [
    (lambda r, alpha: -alpha**2 / 2 + alpha / r, "add the potential energy V = -1/r"),
    (lambda r, alpha: -alpha**2 / 2 - 1 / r, "Laplacian is 3-D"),
    (lambda r, alpha: alpha**2 / 2 - (alpha + 1) / r, "sign of the kinetic"),
    (lambda r, alpha: (alpha - 1) / r, r"you left out \|∇ log ψ\|² = alpha²"),
    (lambda r, alpha: alpha**2 / 2 + (alpha - 1) / r, r"Hint: \|∇ log ψ\|² = alpha² enters with a factor -½"),
    (lambda r, alpha: -alpha**2 / 2 + (alpha - 1) * r, r"Hint: E_L = -½ \(∇² log ψ"),
    (lambda r, alpha: r.sum(), r"returned shape \[\] .* but \[40\] was expected \(one local energy per radius\)"),
    (lambda r, alpha: 1 / 0, r"raised ZeroDivisionError when called as fn\(r, alpha=0.5\)"),
    (lambda r, alpha: -alpha**2 / 2 + (alpha - 1) / (r - r[0]), "NaN or inf"),
])
def test_checker_names_the_mistake(fn, hint):
    with pytest.raises(AssertionError, match=hint):
        check_hydrogen_local_energy(fn)
