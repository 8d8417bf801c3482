"""The pde dashboard's operator task: u0 -> u(t) on t = 0.1, ..., 1 for heat and Burgers.

One model serves both equations: its input channels are u0(x), the viscosity (log-scaled to [0, 1]
inside the equation's range) and a flag (0 heat, 1 Burgers); its 10 output channels are u at
``OPERATOR_TIMES``. :func:`operator_training_data` makes its training set (two-mode initial conditions of
:func:`initial_condition` plus Gaussian random fields, at n = 64); the trained FNO is ``airtools.zoo``'s
``"burgers-heat-fno"`` recipe; :func:`compare_with_operator` evaluates any such model against the solver at
any n (the FNO is resolution independent).
"""
from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
import torch
from tqdm.auto import tqdm

from ._grf import gaussian_random_field
from ._spectral import solve_burgers, solve_heat

__all__ = ["OPERATOR_TIMES", "NU_RANGE", "AMPLITUDE_RANGE", "AMPLITUDE_STEP", "K_MAX", "N_TRAIN", "initial_condition",
           "check_dashboard_inputs", "solve_pde", "operator_training_data", "operator_predict", "resample",
           "compare_with_operator"]

OPERATOR_TIMES = np.round(np.linspace(0.1, 1.0, 10), 10)  # output channels of the operator
NU_RANGE = {"heat": (1e-3, 2e-2), "burgers": (2e-2, 2e-1)}  # viscosities the operator was trained on
AMPLITUDE_RANGE, K_MAX, N_TRAIN, N_SOLVE = (0.1, 1.5), 4, 64, 128
AMPLITUDE_STEP = 0.05  # the dashboard slider's step: its amplitudes are solved together, in one batch
_AMPLITUDES = tuple(np.round(np.arange(AMPLITUDE_RANGE[0], AMPLITUDE_RANGE[1] + AMPLITUDE_STEP / 2, AMPLITUDE_STEP), 10))


def initial_condition(x, amplitude=1.0, k1=1, k2=2, mix=0.5):
    """The dashboard's initial condition u0(x) = A (sin 2πk1x + m cos 2πk2x).

    Args:
        x: ``[n]`` positions (numpy or torch). amplitude: A. k1, k2: integer wavenumbers. mix: m.

    Returns:
        u0: like ``x``.

    >>> round(float(initial_condition(np.array(0.25), 2.0, 1, 2, 0.5)), 6)   # 2 (1 + 0.5 cos π)
    1.0
    """
    lib = torch if isinstance(x, torch.Tensor) else np
    return amplitude * (lib.sin(2 * math.pi * k1 * x) + mix * lib.cos(2 * math.pi * k2 * x))


def check_dashboard_inputs(pde: str, nu, amplitude, k1, k2, n) -> float:
    """Validate the dashboard's settings against what the solver resolves and the operator was trained on.

    Returns:
        ``nu`` as float. Raises ValueError with a plain message otherwise.

    >>> check_dashboard_inputs("burgers", 0.05, 1.0, 1, 2, 64)
    0.05
    """
    if pde not in NU_RANGE:
        raise ValueError(f"pde: expected one of {sorted(NU_RANGE)}, got {pde!r}")
    lo, hi = NU_RANGE[pde]
    try:
        nu = float(nu)
    except (TypeError, ValueError):
        raise ValueError(f"viscosity ν: expected a number in [{lo:g}, {hi:g}] for {pde}, got {nu!r}") from None
    if not (math.isfinite(nu) and lo <= nu <= hi):
        raise ValueError(f"viscosity ν: expected {lo:g} ≤ ν ≤ {hi:g} for {pde} (the range the operator "
                         f"was trained on and the solver resolves), got {nu:g}")
    if not AMPLITUDE_RANGE[0] <= amplitude <= AMPLITUDE_RANGE[1]:
        raise ValueError(f"amplitude: expected {AMPLITUDE_RANGE[0]} ≤ A ≤ {AMPLITUDE_RANGE[1]}, got {amplitude}")
    for name, k in (("k1", k1), ("k2", k2)):
        if int(k) != k or not 1 <= k <= K_MAX:
            raise ValueError(f"{name}: expected an integer wavenumber 1 ≤ k ≤ {K_MAX}, got {k}")
    if int(n) != n or n < 16 or n > 1024:
        raise ValueError(f"resolution: expected 16 ≤ n ≤ 1024 grid points, got {n}")
    return nu


def solve_pde(pde: str, u0, nu, times=OPERATOR_TIMES):
    """``solve_heat`` or ``solve_burgers`` at ``times``: ``u0 [..., n] -> [..., n_times, n]``.

    >>> solve_pde("heat", np.zeros(8), 0.01).shape
    (10, 8)
    """
    solver = {"heat": solve_heat, "burgers": solve_burgers}.get(pde)
    if solver is None:
        raise ValueError(f"pde: expected 'heat' or 'burgers', got {pde!r}")
    return solver(u0, nu, float(times[-1]), return_times=times)


def _features(pde, u0, nu):
    """FNO input ``[batch, n, 3]``: u0, log-scaled ν in [0, 1], equation flag."""
    lo, hi = NU_RANGE[pde]
    z = (torch.log(torch.as_tensor(nu, dtype=u0.dtype)) - math.log(lo)) / (math.log(hi) - math.log(lo))
    z = z.reshape(-1, 1).expand(u0.shape[0], u0.shape[1])
    flag = torch.full_like(u0, float(pde == "burgers"))
    return torch.stack([u0, z.to(u0), flag], dim=-1)


def operator_predict(model, pde: str, u0, nu):
    """The operator's u at ``OPERATOR_TIMES``: ``u0 [n]`` or ``[batch, n]`` -> ``[(batch,) 10, n]``.

    ``nu``: a number or ``[batch]``. numpy in -> numpy out; torch follows the model's device.
    """
    was_numpy = not isinstance(u0, torch.Tensor)
    param = next(model.parameters())
    u = torch.as_tensor(np.asarray(u0) if was_numpy else u0).to(param)
    single = u.ndim == 1
    u = u.reshape(-1, u.shape[-1])
    with torch.no_grad():
        out = model(_features(pde, u, torch.as_tensor(nu, dtype=torch.float64))).movedim(-1, -2)  # [b, T, n]
    out = out[0] if single else out
    return out.double().cpu().numpy() if was_numpy else out


def operator_training_data(n_samples: int = 800, seed: int = 0, progress: bool = False):
    """Inputs ``[N, N_TRAIN, 3]`` and targets ``[N, N_TRAIN, 10]`` (float32): half heat, half Burgers; initial
    conditions half two-mode (random A, k1, k2, m, shift), half GRF scaled to max |u0| = A; ν from 16
    log-spaced values per equation (so each value is one batched solve on ``N_SOLVE`` points).

    >>> a, u = operator_training_data(4, seed=1)
    >>> a.shape, u.shape
    (torch.Size([4, 64, 3]), torch.Size([4, 64, 10]))
    """
    g = torch.Generator().manual_seed(seed)
    r = lambda *s: torch.rand(*s, generator=g, dtype=torch.float64)  # noqa: E731
    x = torch.arange(N_SOLVE, dtype=torch.float64) / N_SOLVE
    m, step = n_samples // 2, N_SOLVE // N_TRAIN
    inputs, targets = [], []
    for pde in ("heat", "burgers"):
        amp = AMPLITUDE_RANGE[0] + (AMPLITUDE_RANGE[1] - AMPLITUDE_RANGE[0]) * r(m, 1)
        k1, k2 = torch.randint(1, K_MAX + 1, (2, m, 1), generator=g).double()
        modes = initial_condition((x + r(m, 1)) % 1.0, amp, k1, k2, 2 * r(m, 1) - 1)  # [m, N_SOLVE]
        grf = gaussian_random_field(m, N_SOLVE, alpha=2.5, tau=8.0, generator=g)
        u0 = torch.where(r(m, 1) < 0.5, modes, amp * grf / grf.abs().amax(-1, keepdim=True))
        nus = np.geomspace(*NU_RANGE[pde], 16)
        which = torch.randint(0, 16, (m,), generator=g)
        u = torch.empty(m, len(OPERATOR_TIMES), N_SOLVE, dtype=torch.float64)
        for j in tqdm(range(16), desc=f"operator data ({pde})", disable=not progress):
            idx = (which == j).nonzero().ravel()
            if len(idx):
                u[idx] = solve_pde(pde, u0[idx], nus[j])
        nu = torch.as_tensor(nus)[which]
        inputs.append(_features(pde, u0[:, ::step], nu).float())
        targets.append(u[..., ::step].movedim(-2, -1).float())  # [m, n, T]
    return torch.cat(inputs), torch.cat(targets)


def resample(u, n: int):
    """Fourier interpolation of periodic samples ``u [..., m]`` onto ``n`` points (exact for band-limited u).

    >>> x = np.arange(8) / 8
    >>> bool(np.allclose(resample(np.sin(2 * np.pi * x), 16), np.sin(2 * np.pi * np.arange(16) / 16)))
    True
    """
    m = np.shape(u)[-1]
    if n == m:
        return np.asarray(u)
    if n < m and m % n == 0:
        return np.asarray(u)[..., :: m // n]
    u_hat = np.fft.rfft(u)[..., : min(m, n) // 2 + 1]
    return np.fft.irfft(u_hat, n=n) * (n / m)


def compare_with_operator(pde, amplitude, k1, k2, nu, n, model=None, *, mix=0.5, resolutions=(32, 64, 128, 256)):
    """Everything the dashboard draws: solver and operator over x–t at resolution n, and their error.

    The reference is the spectral solver on ``N_SOLVE`` = 128 points, Fourier-interpolated to n; the
    operator sees u0 sampled at n directly. ``res_errors`` is the operator's relative L2 error (times > 0)
    at each of ``resolutions``: flat = discretization invariant.

    The solutions and the operator's predictions are kept in memory per (pde, amplitude, k1, k2, ν, mix)
    (and model and resolution): changing only the resolution, or returning to a setting seen before,
    costs no solve and no forward pass; the amplitudes of the dashboard's slider are solved in one batch.
    A Burgers solve is most of a new setting's time (~30–60 ms on a 2-core CPU); the four operator
    evaluations add a few ms.

    Returns:
        dict with ``x [n]``, ``t [11]`` (0 and OPERATOR_TIMES), ``solver [11, n]``, and, when ``model`` is
        given, ``operator [11, n]``, ``error [11, n]``, ``rel_error`` (float), ``res_errors`` {n: float}.
        The arrays are the caller's (changing them does not change the cache).

    >>> out = compare_with_operator("heat", 1.0, 1, 2, 0.01, 64)
    >>> out["solver"].shape, "operator" in out
    ((11, 64), False)
    """
    nu = check_dashboard_inputs(pde, nu, amplitude, k1, k2, n)
    setting = (pde, float(amplitude), int(k1), int(k2), nu, float(mix))
    ref = _reference(*setting)
    x = np.arange(n) / n
    out = {"x": x, "t": np.r_[0.0, OPERATOR_TIMES], "solver": np.array(resample(ref, n))}
    if model is None:
        return out
    res_errors = {r: _operator_error(model, setting, r) for r in sorted(set(resolutions) | {n})}
    out["operator"] = np.vstack([initial_condition(x, amplitude, k1, k2, mix), _operator_at(model, setting, n)])
    out["error"] = out["operator"] - out["solver"]
    out["rel_error"] = res_errors[n]
    out["res_errors"] = {r: res_errors[r] for r in resolutions}
    return out


def _reference(pde, amplitude, k1, k2, nu, mix) -> np.ndarray:
    """Solver reference ``[11, N_SOLVE]`` (u0 and u at OPERATOR_TIMES), read-only, cached per setting.

    An amplitude on the dashboard slider's grid is solved together with every other one of that grid (the
    same pde, k1, k2, ν, mix): a batch of 29 costs about what one solve costs (the solver's time is per-step
    overhead on 128 points), and moving the amplitude slider then costs no solve.
    """
    on_grid = round(amplitude, 10)  # a slider value like 0.7000000000000001 is the grid's 0.7
    if on_grid in _AMPLITUDES and abs(on_grid - amplitude) < 1e-12:
        return _references(pde, _AMPLITUDES, k1, k2, nu, mix)[_AMPLITUDES.index(on_grid)]
    return _references(pde, (amplitude,), k1, k2, nu, mix)[0]


@lru_cache(maxsize=64)
def _references(pde, amplitudes: tuple, k1, k2, nu, mix) -> np.ndarray:
    """``[len(amplitudes), 11, N_SOLVE]``: ``_reference`` of each amplitude, one batched solve, read-only."""
    x_ref = np.arange(N_SOLVE) / N_SOLVE
    u0_ref = np.stack([initial_condition(x_ref, a, k1, k2, mix) for a in amplitudes])  # [b, N_SOLVE]
    umax = float(np.abs(u0_ref).max())
    steps = None if pde == "heat" else max(10, math.ceil(1.0 * N_SOLVE * umax))  # CFL 1 (ETDRK4 is stable to ~1.3)
    solver = solve_heat if pde == "heat" else solve_burgers
    kwargs = {} if pde == "heat" else {"n_steps": steps}
    u = solver(u0_ref, nu, float(OPERATOR_TIMES[-1]), return_times=OPERATOR_TIMES, **kwargs)  # [b, 10, N_SOLVE]
    ref = np.concatenate([u0_ref[:, None], u], axis=1)
    ref.setflags(write=False)
    return ref


@lru_cache(maxsize=2048)
def _operator_at(model, setting, r: int) -> np.ndarray:
    """The operator's ``[10, r]`` prediction for ``setting`` (see ``_reference``) sampled at r points, read-only."""
    pde, amplitude, k1, k2, nu, mix = setting
    op = operator_predict(model, pde, initial_condition(np.arange(r) / r, amplitude, k1, k2, mix), nu)
    op.setflags(write=False)
    return op


@lru_cache(maxsize=2048)
def _operator_error(model, setting, r: int) -> float:
    """Relative L2 error of ``_operator_at`` against the solver at times > 0."""
    op, truth = _operator_at(model, setting, r), resample(_reference(*setting), r)[1:]
    return float(np.linalg.norm(op - truth) / np.linalg.norm(truth))
