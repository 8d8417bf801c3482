"""VMC: exact eigenstates give zero-variance local energies, the estimator is unbiased on an analytic trial
function, the sampler reproduces |psi|^2 moments, the determinant is antisymmetric, and bad input is refused."""
import math

import numpy as np
import pytest
import torch

from airtools.quantum import (
    E_HARMONIC_OSCILLATOR,
    E_HYDROGEN,
    R_MEAN_HYDROGEN,
    VMC,
    DeterminantAnsatz,
    GaussianAnsatz,
    HydrogenAnsatz,
    MetropolisSampler,
    blocking_error,
    walker_error,
    get_system,
    local_energy,
    make_ansatz,
    run_vmc,
)

F64 = torch.float64


@pytest.mark.parametrize("name, ansatz, exact", [
    ("hydrogen", HydrogenAnsatz(alpha=1.0, hidden=0), E_HYDROGEN),
    ("harmonic_oscillator", GaussianAnsatz(alpha=1.0, hidden=0), E_HARMONIC_OSCILLATOR),
])
def test_exact_optimum_has_zero_variance(name, ansatz, exact):
    torch.manual_seed(0)
    system = get_system(name)
    vmc = VMC(system, ansatz.double(), n_walkers=500, seed=0, burn_in=50)
    E_L = local_energy(vmc.ansatz, vmc.sampler.x, system.potential)
    assert (E_L - exact).abs().max().item() < 1e-8
    estimate = vmc.estimate(10, burn_in=0)
    assert abs(estimate.energy - exact) < 1e-8 and estimate.variance < 1e-12 and estimate.error < 1e-8, estimate


def test_estimator_unbiased_for_slater_trial_functions():
    """psi = exp(-alpha r) for hydrogen: E(alpha) = alpha^2/2 - alpha exactly."""
    z = []
    for i, alpha in enumerate([0.7, 0.85, 1.2, 1.5]):
        vmc = VMC("hydrogen", HydrogenAnsatz(alpha=alpha, hidden=0).double(), n_walkers=1000, seed=i, burn_in=100)
        estimate = vmc.estimate(80)
        exact = alpha**2 / 2 - alpha
        z.append((estimate.energy - exact) / estimate.error)
        assert abs(z[-1]) < 3, (alpha, estimate, exact)
        # Var E_L = (alpha - 1)^2 Var(1/r) = (alpha - 1)^2 alpha^2
        assert estimate.variance == pytest.approx((alpha - 1) ** 2 * alpha**2, rel=0.3)
    assert abs(np.mean(z)) < 3 / math.sqrt(len(z)), z


def test_energy_gradient_estimator_matches_dE_dalpha():
    """The covariance ("REINFORCE") form gives dE/dalpha = alpha - 1 for psi = exp(-alpha r)."""
    alpha = 1.4
    vmc = VMC("hydrogen", HydrogenAnsatz(alpha=alpha, hidden=0).double(), n_walkers=20000, seed=1, burn_in=150,
              clip=1e6)
    x = vmc.sampler.x
    E_L = local_energy(vmc.ansatz, x, vmc.system.potential)
    vmc.surrogate_loss(x, E_L).backward()
    grad = vmc.ansatz.alpha.grad.item()
    # per-walker terms 2 (E_L - E)(-r): their spread sets the tolerance
    terms = -2 * (E_L - E_L.mean()) * x.norm(dim=-1).squeeze(-1)
    assert abs(grad - (alpha - 1)) < 4 * terms.std().item() / math.sqrt(len(terms)), grad


def test_sampler_reproduces_hydrogen_moments():
    """|psi|^2 ~ exp(-2r): <r> = 3/2, <r^2> = 3 bohr^2."""
    psi = HydrogenAnsatz(alpha=1.0, hidden=0).double()
    sampler = MetropolisSampler(psi, torch.randn(2000, 1, 3, dtype=F64, generator=torch.Generator().manual_seed(0)),
                                seed=0)
    sampler.burn_in(100)
    r = []
    for _ in range(50):
        r.append(sampler.step(2).norm(dim=-1).squeeze(-1))
        assert 0.3 < sampler.acceptance < 0.8
    r = torch.stack(r)                                       # [n_steps, n_walkers]
    r_mean, r_err = walker_error(r)
    r2_mean, r2_err = walker_error(r**2)
    assert abs(r_mean - R_MEAN_HYDROGEN) < 4 * r_err and r_err < 0.01, (r_mean, r_err)
    assert abs(r2_mean - 3.0) < 4 * r2_err and r2_err < 0.05, (r2_mean, r2_err)


def test_walker_error_accounts_for_correlation_along_each_chain():
    """Independent AR(1) chains: SE of the grand mean = sigma sqrt((1 + phi)/(1 - phi)) / sqrt(n_steps n_walkers)."""
    g = torch.Generator().manual_seed(0)
    phi, n_steps, n_walkers = 0.8, 400, 1000
    noise = torch.randn(n_steps, n_walkers, dtype=F64, generator=g)
    x = torch.zeros_like(noise)
    x[0] = noise[0] / math.sqrt(1 - phi**2)                  # start in the stationary distribution
    for t in range(1, n_steps):
        x[t] = phi * x[t - 1] + noise[t]
    sigma = 1 / math.sqrt(1 - phi**2)
    expected = sigma * math.sqrt((1 + phi) / (1 - phi)) / math.sqrt(n_steps * n_walkers)
    mean, error = walker_error(x)
    assert error == pytest.approx(expected, rel=0.1), (error, expected)
    assert abs(mean) < 4 * error


def test_determinant_is_antisymmetric_and_gaussian_symmetric():
    g = torch.Generator().manual_seed(0)
    x = torch.randn(50, 2, 1, dtype=F64, generator=g)
    det = make_ansatz("trap_fermions", "determinant", seed=0)
    assert torch.allclose(det.psi(x.flip(1)), -det.psi(x), rtol=1e-12, atol=1e-300)
    # node at x1 = x2: zero up to rounding, measured against the size of psi at typical configurations
    # (the determinant's two products cancel to ~1e-17, not always to an exact 0.0)
    scale = det.psi(x).abs().max().item()
    assert det.psi(torch.zeros(3, 2, 1, dtype=F64)).abs().max().item() <= 1e-12 * scale
    sym = make_ansatz("trap_fermions", "symmetric", seed=0)
    assert torch.allclose(sym.psi(x.flip(1)), sym.psi(x), rtol=1e-12)
    # three fermions in 2-D: every transposition flips the sign
    det3 = DeterminantAnsatz(n_particles=3, dim=2).double()
    x3 = torch.randn(20, 3, 2, dtype=F64, generator=g)
    for perm in ([1, 0, 2], [0, 2, 1], [2, 1, 0]):
        assert torch.allclose(det3.psi(x3[:, perm]), -det3.psi(x3), rtol=1e-10)
    assert torch.allclose(det3.psi(x3[:, [1, 2, 0]]), det3.psi(x3), rtol=1e-10)   # cyclic: even


def test_antisymmetry_raises_the_trap_energy_from_1_to_2():
    det = run_vmc("trap_fermions", "determinant", n_iterations=80, n_walkers=512, lr=0.02, n_eval_steps=20,
                  progress=False)
    sym = run_vmc("trap_fermions", "symmetric", n_iterations=80, n_walkers=512, lr=0.02, n_eval_steps=20,
                  progress=False)
    assert det.energy > 2.0 - 3 * det.error and det.energy < 2.1, det.estimate
    assert abs(sym.energy - 1.0) < 0.05, sym.estimate


def test_blocking_error_on_an_ar1_series():
    """AR(1) with coefficient phi: the error of the mean is sigma/sqrt(n) * sqrt((1 + phi)/(1 - phi))."""
    rng = np.random.default_rng(0)
    phi, n = 0.8, 2**15
    noise = rng.standard_normal(n)
    x = np.zeros(n)
    for t in range(1, n):
        x[t] = phi * x[t - 1] + noise[t]
    sigma = 1 / math.sqrt(1 - phi**2)
    expected = sigma / math.sqrt(n) * math.sqrt((1 + phi) / (1 - phi))
    assert blocking_error(x) == pytest.approx(expected, rel=0.25)
    assert blocking_error(np.ones(16)) == 0.0


def test_bad_input_raises_value_error():
    with pytest.raises(ValueError, match="n_walkers"):
        VMC("hydrogen", n_walkers=0)
    with pytest.raises(ValueError, match="n_walkers"):
        run_vmc("hydrogen", n_walkers=-5, progress=False)
    with pytest.raises(ValueError, match="system"):
        VMC("lithium")
    with pytest.raises(ValueError, match="kind"):
        make_ansatz("helium", "determinant")
    with pytest.raises(ValueError, match="lr"):
        VMC("hydrogen", lr=0.0)
    with pytest.raises(ValueError, match="x0"):
        MetropolisSampler(HydrogenAnsatz(), torch.zeros(0, 1, 3))
    with pytest.raises(ValueError, match="step_size"):
        MetropolisSampler(HydrogenAnsatz(), torch.zeros(4, 1, 3), step_size=0)
    with pytest.raises(ValueError, match="series"):
        blocking_error([1.0, 2.0])
    with pytest.raises(ValueError, match="n_steps"):
        VMC("hydrogen", n_walkers=8, burn_in=0).estimate(0)
    with pytest.raises(ValueError, match="values"):
        walker_error(torch.zeros(10))
