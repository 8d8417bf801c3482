"""The lesson-12 checker accepts E(A ∪ B) - E(A) - E(B) and names the usual mistakes of the supermolecular method."""
import pytest

from airtools.exercises import check_interaction_energy

from .answers import interaction_energy


def test_checker_accepts_the_supermolecular_difference(accepts):
    result = accepts(check_interaction_energy(interaction_energy), "matches the exact A–B pair sum")
    assert set(result) == {"exact", "far", "rigid", "swap"} and max(result.values()) < 1e-9


def monomer(energy, z, pos, part, k):
    return energy(z[part == k], pos[part == k])


@pytest.mark.parametrize("fn, message", [
    (lambda energy, z, pos, part: energy(z, pos), r"it equals E\(A ∪ B\): subtract E\(A\) and E\(B\)"),
    (lambda energy, z, pos, part: energy(z, pos) - monomer(energy, z, pos, part, 0), "subtracted only one monomer"),
    (lambda energy, z, pos, part: energy(z, pos) - 2 * monomer(energy, z, pos, part, 0), "the same monomer twice"),
    (lambda energy, z, pos, part: -interaction_energy(energy, z, pos, part), "the opposite of the right"),
    (lambda energy, z, pos, part: interaction_energy(energy, z, pos, part) / len(z), "divided by the 6 atoms"),
    (lambda energy, z, pos, part: energy(z, pos) - energy(z[part == 0], pos) - energy(z[part == 1], pos),
     r"the same monomer twice: E\(A\) from part == 0, E\(B\) from part == 1"),  # B's energy at A's positions
    (lambda energy, z, pos, part: [interaction_energy(energy, z, pos, part)] * 2, "2 numbers .* one number"),
])
def test_checker_names_the_mistake(fn, message):
    with pytest.raises(AssertionError, match=message):
        check_interaction_energy(fn)
