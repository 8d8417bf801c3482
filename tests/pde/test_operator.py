"""The dashboard's helpers: input validation, resampling, the operator's training data and the comparison cache."""
import numpy as np
import pytest

from airtools import pde


@pytest.mark.parametrize("amplitude", [0.1, 1.0, 1.5, 1.234])  # on the slider's grid (solved in one batch), off it
def test_compare_with_operator_solver_only_matches_solvers(amplitude):
    out = pde.compare_with_operator("burgers", amplitude, 1, 2, 0.05, 64)
    assert out["solver"].shape == (11, 64) and out["t"][0] == 0 and "operator" not in out
    x = np.arange(128) / 128
    direct = pde.solve_burgers(pde.initial_condition(x, amplitude, 1, 2), 0.05, 1.0)
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


def test_cached_comparison_equals_a_fresh_one_and_is_not_shared():
    from airtools.models.fno import FNO

    model = FNO(modes=8, width=8, n_layers=2, in_channels=3, out_channels=len(pde.OPERATOR_TIMES), projection=8).eval()
    rng = np.random.default_rng(0)
    a, nu = float(rng.uniform(0.2, 1.4)), float(rng.uniform(0.03, 0.15))
    first = pde.compare_with_operator("burgers", a, 2, 3, nu, 128, model)
    first["solver"][:] = 0.0  # the caller owns its arrays: the cache stays intact
    first["operator"][:] = 0.0
    again = pde.compare_with_operator("burgers", a, 2, 3, nu, 128, model)
    x = np.arange(128) / 128
    direct = pde.solve_burgers(pde.initial_condition(x, a, 2, 3), nu, 1.0)
    assert np.abs(again["solver"][-1] - direct).max() < 1e-6  # the cached reference is the solution
    u0 = pde.initial_condition(x, a, 2, 3)
    np.testing.assert_allclose(again["operator"][1:], pde.operator_predict(model, "burgers", u0, nu), atol=1e-6)
    coarse = pde.compare_with_operator("burgers", a, 2, 3, nu, 32, model)  # another resolution, same setting
    assert coarse["res_errors"] == again["res_errors"] and coarse["rel_error"] == again["res_errors"][32]
    assert np.allclose(coarse["solver"], again["solver"][:, ::4])
