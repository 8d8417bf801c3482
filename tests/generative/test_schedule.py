"""Noise schedules: variance preservation, monotone SNR, EDM's formulas at known points, bad input."""
import math

import pytest
import torch

from airtools.generative import NoiseSchedule, clip_alpha2, cosine_alpha2, polynomial_alpha2

KINDS = ["polynomial_2", "polynomial_3", "cosine"]


@pytest.mark.parametrize("kind", KINDS)
def test_variance_preserving_alpha2_plus_sigma2_is_one(kind):
    schedule = NoiseSchedule(kind, T=200)
    t_int = torch.arange(201)
    t_cont = torch.rand(1000, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    for t in (t_int, t_cont):
        assert (schedule.alpha(t) ** 2 + schedule.sigma(t) ** 2 - 1).abs().max() < 1e-15


@pytest.mark.parametrize("kind", KINDS)
def test_snr_decreases_strictly_and_gamma_increases(kind):
    schedule = NoiseSchedule(kind, T=500)
    snr = schedule.snr(torch.arange(501))
    assert bool((snr[1:] < snr[:-1]).all())
    t = torch.linspace(0, 1, 2001, dtype=torch.float64)  # continuous times between the grid points
    assert bool((schedule.gamma(t)[1:] > schedule.gamma(t)[:-1]).all())
    assert schedule.snr(0) > 1e3 and schedule.snr(500) < 1e-2  # almost clean -> almost pure noise


@pytest.mark.parametrize("kind", KINDS)
def test_continuous_time_agrees_with_integer_steps_on_the_grid(kind):
    schedule = NoiseSchedule(kind, T=100)
    k = torch.arange(101)
    assert torch.allclose(schedule.gamma(k.double() / 100), schedule.gamma(k), rtol=0, atol=1e-12)


def test_polynomial_schedule_matches_the_formula_where_no_step_is_clipped():
    # EDM: alpha2 = (1 - 2s) (1 - (t/T)^p)^2 + s; the clip only acts on the last steps (ratio < 0.001)
    s, T = 1e-5, 500
    a2 = polynomial_alpha2(T, power=2.0, precision=s)
    for t in (0, 100, 250, 400):
        assert a2[t].item() == pytest.approx((1 - 2 * s) * (1 - (t / T) ** 2) ** 2 + s, rel=1e-12)
    assert a2[0].item() == pytest.approx(1 - s, rel=1e-15)
    assert s < a2[-1].item() < 1.01 * s  # the clipped last step leaves 1e-3 of the previous alpha2


def test_clip_limits_each_step_to_a_factor_of_1000():
    alpha2 = clip_alpha2(torch.tensor([1.0, 0.5, 1e-9, 0.0], dtype=torch.float64))
    ratios = alpha2 / torch.cat([torch.ones(1, dtype=torch.float64), alpha2[:-1]])
    assert torch.allclose(ratios, torch.tensor([1.0, 0.5, 1e-3, 1e-3], dtype=torch.float64))


def test_cosine_schedule_is_the_normalised_squared_cosine():
    # no beta is clipped before the end, so alpha2_t = f((t + 1) / (T + 1)) / f(0), f(u) = cos^2((u + s)/(1 + s) pi/2)
    T, s = 100, 0.008
    f = lambda u: math.cos((u + s) / (1 + s) * math.pi / 2) ** 2  # noqa: E731
    a2 = cosine_alpha2(T, s)
    for t in (0, 10, 50, 90):
        assert a2[t].item() == pytest.approx(f((t + 1) / (T + 1)) / f(0), rel=1e-10)


def test_transition_composes_to_the_marginal():
    # q(z_t | x) = q(z_t | z_s) q(z_s | x): alpha_t = alpha_ts alpha_s and sigma_t^2 = alpha_ts^2 sigma_s^2 + sigma2_ts
    schedule = NoiseSchedule("polynomial_2", T=100)
    s, t = torch.arange(0, 100), torch.arange(1, 101)
    alpha_ts, sigma2_ts = schedule.transition(s, t)
    assert torch.allclose(alpha_ts * schedule.alpha(s), schedule.alpha(t), rtol=1e-12, atol=0)
    assert torch.allclose(alpha_ts**2 * schedule.sigma(s) ** 2 + sigma2_ts, schedule.sigma(t) ** 2, rtol=1e-10, atol=0)


def test_schedule_follows_the_device_and_keeps_float64():
    schedule = NoiseSchedule(T=10).to("meta")
    assert schedule.gamma_grid.device.type == "meta" and schedule.gamma_grid.dtype == torch.float64


@pytest.mark.parametrize("kwargs, message", [
    ({"kind": "linear"}, "kind: expected one of"),
    ({"kind": "polynomial_x"}, "polynomial_<power>"),
    ({"T": 0}, "T: expected a positive number"),
])
def test_bad_settings_say_what_is_wrong(kwargs, message):
    with pytest.raises(ValueError, match=message):
        NoiseSchedule(**kwargs)


@pytest.mark.parametrize("t, message", [(11, "0..10"), (torch.tensor([-1]), "0..10"),
                                        (torch.tensor([1.5]), r"\[0, 1\]")])
def test_times_out_of_range_are_rejected(t, message):
    with pytest.raises(ValueError, match=message):
        NoiseSchedule(T=10).alpha(t)
