"""The crystal generator's training cells: prototypes with their space groups, EMT relaxation, closest distances."""
from collections import Counter

import numpy as np
from ase import Atoms

from airtools.data import (by_composition, judge_crystals, min_distance, prototype_crystals, prototypes, relax_emt,
                           relax_lattice, spacegroup)


def test_prototypes_have_the_expected_space_groups_and_sizes():
    cells = prototypes()
    groups = Counter(spacegroup(a)[1] for a in cells)
    # fcc 225, bcc 229, hcp 194 for each of 7 metals; L1_2 (221) x 2 and B2 (221), L1_0 (123) for 6 pairs
    assert groups == {225: 7, 229: 7, 194: 7, 221: 18, 123: 6}, groups
    assert sorted({len(a) for a in cells}) == [2, 4]


def test_relaxation_lowers_the_energy_and_keeps_the_symmetry():
    cell = prototypes()[3 * 7 + 2]  # L1_0 CuAu (4 atoms), built at the elements' fcc volumes
    relaxed, e = relax_emt(cell, steps=100, fmax=0.01)
    _, e0 = relax_emt(cell, steps=0)
    assert e < e0 and spacegroup(relaxed, 1e-3)[1] == 123
    rattled = cell.copy()
    rattled.positions += np.random.default_rng(0).normal(0, 0.1, rattled.positions.shape)
    moved, e_pos = relax_emt(rattled, steps=5, cell=False)
    assert np.allclose(moved.cell[:], rattled.cell[:]) and e_pos < relax_emt(rattled, steps=0, cell=False)[1]


def test_lattice_relaxation_reaches_the_full_relaxation_energy_and_keeps_the_symmetry():
    cells = prototypes()
    for k, group in ((2, 194), (len(cells) - 2, 123)):  # hcp Al (c/a moves 3 %), L1_0 AlNi (a moves 10 %)
        relaxed, e = relax_lattice(cells[k])
        _, e_full = relax_emt(cells[k], steps=150, fmax=0.005)  # BFGS on cell and positions together
        assert abs(e - e_full) < 1e-4 and spacegroup(relaxed)[1] == group, (k, e, e_full)


def test_training_cells_are_relaxed_niggli_reduced_and_cached():
    cells = prototype_crystals()
    assert len(cells) == 45 and Counter(spacegroup(a, 0.01)[1] for a in cells) == {225: 7, 229: 7, 194: 7, 221: 18,
                                                                                   123: 6}
    assert min(min_distance(a) for a in cells) > 2.3  # the closest pair: Ni-Ni, 2.40 Å
    again = prototype_crystals()  # from the cache
    assert all(np.array_equal(a.positions, b.positions) and np.array_equal(a.numbers, b.numbers)
               for a, b in zip(cells, again))


def test_min_distance_counts_periodic_images_and_overlaps():
    one = Atoms("Cu", positions=[[0, 0, 0]], cell=np.diag([2.0, 3.0, 4.0]), pbc=True)
    assert abs(min_distance(one) - 2.0) < 1e-12  # the atom's own image along a
    two = Atoms("Cu2", scaled_positions=[[0.1, 0, 0], [0.9, 0, 0]], cell=np.diag([3.0, 5, 5]), pbc=True)
    assert abs(min_distance(two) - 0.6) < 1e-12  # across the boundary
    assert min_distance(Atoms("Cu2", positions=np.zeros((2, 3)), cell=np.eye(3) * 3, pbc=True)) == 0.0


def test_judge_crystals_reads_validity_space_group_and_relaxed_energy():
    cells = prototypes()[:3]  # Al fcc, bcc, hcp
    overlap = Atoms("Cu2", scaled_positions=[[0, 0, 0], [0.01, 0, 0]], cell=np.eye(3) * 3.0, pbc=True)
    out = judge_crystals(cells + [overlap], valid_distance=2.0, relax_steps=3)
    assert out["valid"].tolist() == [True, True, True, False] and out["min_distance"][3] < 0.05
    assert out["space_group"][:3].tolist() == [225, 229, 194]
    assert np.isfinite(out["energy"][:3]).all() and out["energy"][3] > out["energy"][:3].max()


def test_by_composition_groups_cells_of_one_formula():
    cells = prototypes()
    groups = by_composition(cells)
    assert sum(len(v) for v in groups.values()) == len(cells) == 45 and len(groups) == 38
    for formula, members in groups.items():
        assert {cells[k].get_chemical_formula(mode="metal") for k in members} == {formula}
        assert len({tuple(sorted(cells[k].numbers)) for k in members}) == 1
    assert [spacegroup(cells[k])[1] for k in groups["Au2"]] == [229, 194]  # bcc and hcp: one composition
    assert list(groups)[:3] == ["Al4", "Al2", "Ni4"]  # first appearance: metals first
