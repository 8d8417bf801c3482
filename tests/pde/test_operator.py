"""The dashboard's helpers: input validation, resampling, and the pretrained-operator cache."""
import numpy as np
import pytest

from airtools import pde


def test_compare_with_operator_solver_only_matches_solvers():
    out = pde.compare_with_operator("burgers", 1.0, 1, 2, 0.05, 64)
    assert out["solver"].shape == (11, 64) and out["t"][0] == 0 and "operator" not in out
    x = np.arange(128) / 128
    direct = pde.solve_burgers(pde.initial_condition(x, 1.0, 1, 2), 0.05, 1.0)
    assert np.abs(out["solver"][-1] - direct[::2]).max() < 1e-6  # CFL-1 dashboard steps vs default steps


@pytest.mark.parametrize("args, match", [
    (("burgers", 1.0, 1, 2, 5.0, 64), "viscosity ν: expected 0.02 ≤ ν ≤ 0.2"),
    (("heat", 1.0, 1, 2, "abc", 64), "viscosity ν"),
    (("burgers", 3.0, 1, 2, 0.05, 64), "amplitude"),
    (("burgers", 1.0, 9, 2, 0.05, 64), "k1"),
    (("burgers", 1.0, 1, 2, 0.05, 8), "resolution"),
    (("wave", 1.0, 1, 2, 0.05, 64), "pde"),
])
def test_out_of_range_dashboard_input_is_a_value_error(args, match):
    with pytest.raises(ValueError, match=match):
        pde.compare_with_operator(*args)


def test_resample_is_exact_for_band_limited_data():
    x8, x32 = np.arange(8) / 8, np.arange(32) / 32
    u = lambda x: np.sin(2 * np.pi * x) + 0.2 * np.cos(6 * np.pi * x)  # noqa: E731
    assert np.abs(pde.resample(u(x8), 32) - u(x32)).max() < 1e-13
    assert np.array_equal(pde.resample(u(x32), 8), u(x8))


def test_unreadable_operator_checkpoint_is_dropped(tmp_path, monkeypatch):
    monkeypatch.setenv("AIRTOOLS_CACHE", str(tmp_path))
    assert pde.pretrained_fno(train=False) is None
    path = pde.pretrained_fno_path()
    path.parent.mkdir(parents=True)
    path.write_bytes(b"not a checkpoint")
    with pytest.warns(UserWarning, match="unreadable"):
        assert pde.pretrained_fno(train=False) is None
    assert not path.exists()
