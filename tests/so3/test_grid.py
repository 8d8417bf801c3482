"""sphere_grid covers the unit sphere, poles and seam included."""
import pytest
import torch

from airtools.so3 import sphere_grid


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_sphere_grid_points_lie_on_the_sphere(dtype):
    theta, phi, xyz = sphere_grid(7, 9, dtype=dtype)
    assert theta.shape == (7,) and phi.shape == (9,) and xyz.shape == (7, 9, 3) and xyz.dtype == dtype
    assert torch.allclose(xyz.norm(dim=-1), torch.ones(7, 9, dtype=dtype))
    assert torch.allclose(xyz[0], torch.tensor([0.0, 0.0, 1.0], dtype=dtype).expand(9, 3))  # north pole
    assert torch.allclose(xyz[-1], torch.tensor([0.0, 0.0, -1.0], dtype=dtype).expand(9, 3), atol=1e-6)
    assert torch.allclose(xyz[:, 0], xyz[:, -1], atol=1e-6)  # the seam closes: phi = 0 and 2 pi
    assert torch.allclose(xyz[..., 2], theta.cos()[:, None].expand(7, 9))


def test_sphere_grid_defaults_and_bad_sizes():
    theta, phi, xyz = sphere_grid()
    assert xyz.shape == (50, 100, 3) and xyz.dtype == torch.get_default_dtype()
    with pytest.raises(ValueError, match=r"n_theta: expected an int >= 2, got 1"):
        sphere_grid(1, 10)
    with pytest.raises(ValueError, match=r"n_phi: expected an int >= 2, got 10\.0"):
        sphere_grid(10, 10.0)
