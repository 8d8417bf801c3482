"""Sphere figures: the plotted rotated harmonic is Y(R^T x), the identity error is tiny, inputs validated."""
import numpy as np
import pytest
import torch

from airtools.so3 import random_rotation, spherical_harmonics
from airtools.viz import harmonic_figure, harmonic_identity_error, harmonic_on_grid, sphere_figure, update_sphere


def test_rotated_harmonic_matches_direct_evaluation():
    R = random_rotation(dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    for l in range(7):
        for m in (-l, 0, l):
            values, xyz = harmonic_on_grid(l, m, R, n_theta=20, n_phi=30)
            direct = spherical_harmonics(l, torch.from_numpy(xyz) @ R)[..., m + l].numpy()  # Y(R^T x)
            np.testing.assert_allclose(values, direct, atol=1e-10)


def test_identity_error_is_machine_precision_for_l_up_to_6():
    R = random_rotation(dtype=torch.float64, generator=torch.Generator().manual_seed(2))
    errors = [harmonic_identity_error(l, R) for l in range(7)]
    assert max(errors) < 1e-10, errors


def test_harmonic_figure_has_one_mesh_with_symmetric_colour_range():
    fig = harmonic_figure(3, -2, n_theta=25, n_phi=40)
    assert [t.type for t in fig.data] == ["mesh3d"]
    s = fig.data[0]
    values, xyz = harmonic_on_grid(3, -2, n_theta=25, n_phi=40)
    assert np.array_equal(s.intensity, values.reshape(-1)) and s.x.shape == (25 * 40,)
    assert s.cmin == -s.cmax and s.cmax == pytest.approx(np.abs(s.intensity).max())
    assert np.allclose(np.linalg.norm(np.stack([s.x, s.y, s.z], -1), axis=-1), 1.0)  # unit sphere


def test_mesh_triangles_cover_the_sphere_without_degenerate_ones():
    values, xyz = harmonic_on_grid(0, 0, n_theta=30, n_phi=60)
    s = sphere_figure(values, xyz).data[0]
    p = np.stack([s.x, s.y, s.z], -1)
    tri = np.stack([s.i, s.j, s.k], -1)
    assert tri.min() >= 0 and tri.max() < len(p)
    cross = np.cross(p[tri[:, 1]] - p[tri[:, 0]], p[tri[:, 2]] - p[tri[:, 0]])
    area = 0.5 * np.linalg.norm(cross, axis=-1)
    assert area.min() > 0  # the collapsed triangles at the poles are left out
    assert 0.98 * 4 * np.pi < area.sum() < 4 * np.pi  # an inscribed polyhedron: a bit less than 4 pi
    outward = np.einsum("td,td->t", cross, p[tri].mean(axis=1))
    assert (outward > 0).all() or (outward < 0).all()  # consistently oriented


def test_radial_surface_has_radius_abs_value():
    values, xyz = harmonic_on_grid(2, 0, n_theta=15, n_phi=20)
    s = sphere_figure(values, xyz, radial=True).data[0]
    r = np.linalg.norm(np.stack([s.x, s.y, s.z], -1), axis=-1)
    np.testing.assert_allclose(r, np.abs(values).reshape(-1) / np.abs(values).max(), atol=1e-12)


def test_update_changes_the_data_in_place():
    fig = harmonic_figure(1, 0, n_theta=10, n_phi=12)
    trace = fig.data[0]
    R = random_rotation(dtype=torch.float64, generator=torch.Generator().manual_seed(3))
    values, xyz = harmonic_on_grid(1, 0, R, n_theta=10, n_phi=12)
    update_sphere(fig, values, xyz, title="rotated")
    assert fig.data[0] is trace and np.array_equal(fig.data[0].intensity, values.reshape(-1))
    assert fig.layout.title.text == "rotated"
    update_sphere(fig, values, xyz, radial=True)  # the vertices move out to |f| ...
    r = np.linalg.norm(np.stack([trace.x, trace.y, trace.z], -1), axis=-1)
    np.testing.assert_allclose(r, np.abs(values).reshape(-1) / np.abs(values).max(), atol=1e-12)
    update_sphere(fig, values, xyz)  # ... and back onto the unit sphere
    assert np.allclose(np.linalg.norm(np.stack([trace.x, trace.y, trace.z], -1), axis=-1), 1.0)


@pytest.mark.parametrize("args, message", [((7, 8), "m:"), ((-1, 0), "l:"), ((2, 3), "m:"), ((2.5, 0), "l:")])
def test_bad_degree_or_order_is_a_value_error(args, message):
    with pytest.raises(ValueError, match=message):
        harmonic_on_grid(*args)


def test_bad_shapes_and_non_rotations_are_value_errors():
    values, xyz = harmonic_on_grid(1, 0, n_theta=5, n_phi=6)
    with pytest.raises(ValueError, match="values, xyz"):
        sphere_figure(values[:, :3], xyz)
    with pytest.raises(ValueError, match="R"):
        harmonic_on_grid(1, 0, -torch.eye(3, dtype=torch.float64))
    with pytest.raises(ValueError, match="values"):
        sphere_figure(np.full_like(values, np.nan), xyz)
