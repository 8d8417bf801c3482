"""Crystal figures: atoms and images of known lattices, neighbours against a brute-force image search,
cell edges, in-place updates equal a fresh figure, the energy-strain plot, clear errors on bad input."""
import itertools

import numpy as np
import pytest
from ase import Atoms
from ase.build import bulk

from airtools.viz import crystal_figure, energy_strain_figure, update_crystal

CELL, NEIGHBOURS, IMAGES, NEIGHBOUR_ATOMS, CENTRE = 0, 1, -3, -2, -1


def _xyz(trace) -> np.ndarray:
    return np.stack([trace.x, trace.y, trace.z], axis=1).astype(float) if trace.x is not None else np.zeros((0, 3))


def _random_triclinic(rng, n_atoms=3) -> Atoms:
    cell = np.diag(rng.uniform(2.5, 4.0, 3)) + rng.uniform(-1.0, 1.0, (3, 3))
    frac = rng.uniform(-0.5, 1.5, (n_atoms, 3))  # some outside the cell: the figure wraps them
    return Atoms(numbers=rng.choice([13, 29], n_atoms), scaled_positions=frac, cell=cell, pbc=True)


@pytest.mark.parametrize("structure, a, drawn", [("fcc", 3.6, 4 + 8 + 6 - 4), ("bcc", 3.3, 2 + 8 - 1),
                                                 ("sc", 2.7, 1 + 7)])
def test_conventional_cells_show_corners_and_faces(structure, a, drawn):
    # fcc cube: 8 corners + 6 face centres = 14 points, 4 of them the home atoms (cubic bcc: 9, sc: 8)
    atoms = bulk("Cu", structure, a=a, cubic=True)
    fig = crystal_figure(atoms)
    home, images = _xyz(fig.data[2]), _xyz(fig.data[IMAGES])
    assert len(home) == len(atoms) and len(home) + len(images) == drawn
    points = np.concatenate([home, images]) / a  # every drawn point inside the cube [0, 1]^3, none twice
    assert points.min() > -1e-9 and points.max() < 1 + 1e-9
    assert len(np.unique(points.round(6), axis=0)) == len(points)


@pytest.mark.parametrize("repeat", [(1, 1, 1), (2, 1, 3)])
def test_cell_edges_are_lattice_vectors(repeat):
    atoms = _random_triclinic(np.random.default_rng(1))
    seg = _xyz(crystal_figure(atoms, repeat=repeat).data[CELL]).reshape(-1, 3, 3)  # start, end, gap
    assert np.isnan(seg[:, 2]).all()
    assert len(seg) == 12 * np.prod(repeat)
    edge = seg[:, 1] - seg[:, 0]
    lengths = np.linalg.norm(edge, axis=1)
    a = atoms.cell.lengths()
    assert np.allclose(np.sort(lengths), np.sort(np.repeat(a, 4 * np.prod(repeat))))
    frac = np.linalg.solve(atoms.cell.array.T, seg[:, 0].T).T  # every edge starts on a lattice point
    assert np.allclose(frac, frac.round(), atol=1e-9)


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_neighbours_equal_brute_force_image_search(seed):
    rng = np.random.default_rng(seed)
    atoms = _random_triclinic(rng, n_atoms=int(rng.integers(1, 4)))
    r_cut, center = rng.uniform(2.0, 5.0), int(rng.integers(len(atoms)))
    fig = crystal_figure(atoms, r_cut=r_cut, center=center)
    pos = atoms.get_scaled_positions(wrap=True) @ atoms.cell.array  # positions wrapped into the cell
    expected = []  # every image pos_j + n C within r_cut of the centre atom, over a box of shifts
    for n in itertools.product(range(-6, 7), repeat=3):
        shifted = pos + np.array(n) @ atoms.cell.array
        d = np.linalg.norm(shifted - pos[center], axis=1)
        expected += list(shifted[(d < r_cut) & (d > 1e-9)])
    got = _xyz(fig.data[NEIGHBOUR_ATOMS])
    assert len(got) == len(expected)
    if len(got):
        key = lambda p: np.lexsort(np.round(p, 6).T)  # noqa: E731
        assert np.allclose(got[key(got)], np.array(expected)[key(np.array(expected))], atol=1e-6)
    lines = _xyz(fig.data[NEIGHBOURS]).reshape(-1, 3, 3)
    assert np.allclose(lines[:, 0], pos[center]) and np.allclose(lines[:, 1], got)
    assert np.allclose(_xyz(fig.data[CENTRE]), pos[center:center + 1])


def test_fcc_nearest_neighbour_shell_across_cell_boundaries():
    a = 3.61
    fig = crystal_figure(bulk("Cu", "fcc", a=a, cubic=True), r_cut=0.8 * a, center=0)
    d = np.linalg.norm(_xyz(fig.data[NEIGHBOUR_ATOMS]) - _xyz(fig.data[CENTRE]), axis=1)
    assert len(d) == 12 and np.allclose(d, a / np.sqrt(2))  # 12 at a/sqrt(2), 6 second ones at a > r_cut
    # the centre (corner) atom's neighbours lie in the neighbouring cells: most are outside the drawn cube
    assert (_xyz(fig.data[NEIGHBOUR_ATOMS]) < -1e-9).any()


def test_scene_is_a_cube_holding_everything_drawn():
    fig = crystal_figure(_random_triclinic(np.random.default_rng(5)), r_cut=4.0, repeat=(2, 2, 1))
    scene = fig.layout.scene
    ranges = np.array([scene.xaxis.range, scene.yaxis.range, scene.zaxis.range])
    assert scene.aspectmode == "cube" and np.allclose(np.diff(ranges, axis=1), np.diff(ranges, axis=1)[0])
    points = np.concatenate([_xyz(t) for t in fig.data])
    points = points[~np.isnan(points).any(axis=1)]
    assert np.all(points >= ranges[:, 0]) and np.all(points <= ranges[:, 1])


def test_update_in_place_equals_a_fresh_figure():
    rng = np.random.default_rng(7)
    atoms = bulk("Cu", "fcc", a=3.61, cubic=True).repeat(2)
    fig = crystal_figure(atoms, r_cut=2.8, repeat=(1, 1, 2))
    strained = atoms.copy()
    strained.set_cell(atoms.cell.array @ (np.eye(3) + rng.uniform(-0.05, 0.05, (3, 3))), scale_atoms=True)
    strained.rattle(0.1, seed=3)
    update_crystal(fig, strained, r_cut=3.2, center=5, repeat=(1, 1, 2))
    fresh = crystal_figure(strained, r_cut=3.2, center=5, repeat=(1, 1, 2))
    assert [t.name for t in fig.data] == [t.name for t in fresh.data]
    for old, new in zip(fig.data, fresh.data):
        np.testing.assert_allclose(_xyz(old), _xyz(new))
    assert list(fig.data[IMAGES].marker.size) == list(fresh.data[IMAGES].marker.size)  # one size per image
    assert list(fig.data[NEIGHBOUR_ATOMS].text) == list(fresh.data[NEIGHBOUR_ATOMS].text)  # distances
    aluminium = bulk("Al", "fcc", a=4.05, cubic=True)  # another element and cell: restyled in place, refitted
    update_crystal(fig, aluminium, r_cut=3.0, refit=True)
    fresh = crystal_figure(aluminium, r_cut=3.0)
    assert [t.name for t in fig.data] == [t.name for t in fresh.data]
    for old, new in zip(fig.data, fresh.data):
        np.testing.assert_allclose(_xyz(old), _xyz(new))
        assert old.marker.color == new.marker.color and old.marker.size == new.marker.size
    assert fig.layout.scene.xaxis.range == fresh.layout.scene.xaxis.range
    alloy = bulk("Cu", "fcc", a=3.61, cubic=True)
    alloy.numbers[0] = 79  # CuAu: two elements cannot take the one element trace
    with pytest.raises(ValueError, match="element"):
        update_crystal(fig, alloy)


def test_energy_strain_figure_in_percent_with_optional_model():
    eps = np.linspace(-0.05, 0.05, 11)
    e = -3.5 + 10 * eps ** 2
    fig = energy_strain_figure(eps, e, e + 0.01)
    assert [t.name for t in fig.data] == ["EMT", "model", "current cell"]
    np.testing.assert_allclose(fig.data[0].x, 100 * eps)
    np.testing.assert_allclose(fig.data[1].y, e + 0.01)
    assert len(fig.data[2].x) == 0
    alone = energy_strain_figure(eps, e)
    assert len(alone.data[1].x) == 0 and alone.data[1].showlegend is False


@pytest.mark.parametrize("kwargs, message", [
    (dict(atoms=Atoms("Cu", positions=[[0, 0, 0]])), "3-D cell"),
    (dict(atoms=np.zeros((2, 3))), "ase.Atoms"),
    (dict(r_cut=-1.0), "r_cut"),
    (dict(r_cut=50.0), "r_cut"),
    (dict(center=7), "center"),
    (dict(repeat=(1, 0, 1)), "repeat"),
    (dict(repeat=(1.5, 1, 1)), "repeat"),
])
def test_bad_crystal_input_is_a_value_error(kwargs, message):
    kwargs = {"atoms": bulk("Cu", "fcc", a=3.6), **kwargs}
    with pytest.raises(ValueError, match=message):
        crystal_figure(kwargs.pop("atoms"), **kwargs)


@pytest.mark.parametrize("args, message", [
    (([0, 0.01], [-3.5]), "one value per strain"),
    (([0, 0.01], [-3.5, np.nan]), "finite"),
    (([0, 0.01], [-3.5, -3.4], [1.0, 2.0, 3.0]), "e_model"),
    (([], []), "non-empty"),
])
def test_bad_energy_strain_input_is_a_value_error(args, message):
    with pytest.raises(ValueError, match=message):
        energy_strain_figure(*args)


def test_update_keeps_the_frame_while_everything_fits():
    atoms = bulk("Cu", "fcc", a=3.61, cubic=True)
    fig = crystal_figure(atoms, r_cut=2.6)
    ranges = lambda: np.array([fig.layout.scene.xaxis.range, fig.layout.scene.yaxis.range])  # noqa: E731
    before = ranges()
    strained = atoms.copy()
    strained.set_cell(1.02 * atoms.cell.array, scale_atoms=True)
    update_crystal(fig, strained, r_cut=2.6)  # 2 % larger: still inside the margin, axes stay put
    assert np.array_equal(ranges(), before)
    update_crystal(fig, atoms, r_cut=6.0)  # far neighbours: the scene grows to show them
    points = _xyz(fig.data[NEIGHBOUR_ATOMS])
    assert ranges()[0, 0] <= points[:, 0].min() < before[0, 0]
