r"""Noise schedules of a variance-preserving diffusion: :math:`\alpha_t`, :math:`\sigma_t` and the SNR.

A data point :math:`x` is noised to :math:`z_t = \alpha_t x + \sigma_t \epsilon` with
:math:`\alpha_t^2 + \sigma_t^2 = 1`, for integer steps :math:`t = 0, 1, \dots, T` (continuous time
:math:`t/T \in [0, 1]`). As in EDM (Hoogeboom et al. 2022, ``equivariant_diffusion/en_diffusion.py``) the
schedule is stored as

.. math:: \gamma_t = -\log \mathrm{SNR}_t = \log \sigma_t^2 - \log \alpha_t^2, \qquad
          \alpha_t^2 = \mathrm{sigmoid}(-\gamma_t), \quad \sigma_t^2 = \mathrm{sigmoid}(\gamma_t),

so both :math:`\alpha_t^2` and :math:`\sigma_t^2` stay accurate where the other one is tiny. SNR decreases
from :math:`t = 0` (almost clean, :math:`\mathrm{SNR} \approx 10^5`) to :math:`t = T` (almost pure noise).
"""
import math

import torch
from torch import Tensor, nn


def polynomial_alpha2(T: int, power: float = 2.0, precision: float = 1e-5) -> Tensor:
    r"""EDM's polynomial schedule ("polynomial_2" for ``power=2``): :math:`\alpha^2_t` for t = 0..T.

    .. math::
        \tilde\alpha^2_t = \Big(1 - (t/T)^{p}\Big)^2, \qquad
        \alpha^2_t = (1 - 2s)\, \mathrm{clip}(\tilde\alpha^2_t) + s

    where ``clip`` keeps every step ratio :math:`\tilde\alpha^2_t / \tilde\alpha^2_{t-1} \ge 0.001`
    (:func:`clip_alpha2`) and the precision :math:`s` keeps :math:`\alpha^2_t \in [s, 1 - s]`: the data are
    never exactly clean (:math:`\sigma^2_0 = s`) and never fully erased (:math:`\alpha^2_T \ge s`; close to
    :math:`s` for large T, since the clipped last step leaves :math:`10^{-3} \tilde\alpha^2_{T-1}`).

    Returns:
        ``[T + 1]`` float64, decreasing from ``1 - s`` to about ``s``.

    >>> a2 = polynomial_alpha2(500, precision=1e-5)
    >>> round(a2[0].item(), 12), round(a2[-1].item() / 1e-5, 2)
    (0.99999, 1.0)
    """
    _check_T(T)
    t = torch.arange(T + 1, dtype=torch.float64) / T
    alpha2 = clip_alpha2((1 - t**power) ** 2)
    return (1 - 2 * precision) * alpha2 + precision


def clip_alpha2(alpha2: Tensor, clip_value: float = 0.001) -> Tensor:
    r"""Clip the step ratios :math:`\alpha^2_t / \alpha^2_{t-1}` to ``[clip_value, 1]`` (:math:`\alpha^2_{-1} = 1`).

    One step may remove at most a factor ``1/clip_value`` of the signal, which keeps the last sampling steps
    stable (EDM's ``clip_noise_schedule``). Returns the cumulative product of the clipped ratios.

    >>> clip_alpha2(torch.tensor([1.0, 0.5, 0.0], dtype=torch.float64)).tolist()
    [1.0, 0.5, 0.0005]
    """
    ratios = alpha2 / torch.cat([alpha2.new_ones(1), alpha2[:-1]])
    return torch.cumprod(ratios.clamp(clip_value, 1.0), dim=0)


def cosine_alpha2(T: int, s: float = 0.008) -> Tensor:
    r"""The cosine schedule (Nichol and Dhariwal 2021) as EDM builds it: :math:`\alpha^2_t` for t = 0..T.

    .. math:: f(u) = \cos^2\Big(\frac{u + s}{1 + s} \frac{\pi}{2}\Big), \qquad
              \beta_t = \min\big(1 - f(u_{t+1}) / f(u_t),\ 0.999\big), \qquad
              \alpha^2_t = \prod_{k \le t} (1 - \beta_k)

    on the grid :math:`u_k = k / (T + 1)`, k = 0..T+1, so that :math:`\alpha^2_0 < 1`.

    >>> a2 = cosine_alpha2(100)
    >>> a2.shape, bool(a2[0] < 1), bool(a2[-1] < 1e-3)
    (torch.Size([101]), True, True)
    """
    _check_T(T)
    u = torch.arange(T + 2, dtype=torch.float64) / (T + 1)
    f = torch.cos((u + s) / (1 + s) * math.pi / 2) ** 2
    beta = (1 - f[1:] / f[:-1]).clamp(0.0, 0.999)
    return torch.cumprod(1 - beta, dim=0)


SCHEDULES = ("polynomial_<power>", "cosine")


class NoiseSchedule(nn.Module):
    r"""A fixed schedule :math:`\gamma_t = -\log \mathrm{SNR}_t` on the grid t = 0..T, with its derived quantities.

    Times may be given as integer steps (an ``int`` or an integer tensor, 0..T) or as continuous times
    (a float tensor in [0, 1]); continuous times interpolate :math:`\gamma` linearly between grid points
    ``k / T`` (exact on the grid, where EDM rounds to the nearest step).

    Args:
        kind: ``"polynomial_2"`` (EDM's default for QM9; any ``"polynomial_<power>"``) or ``"cosine"``.
        T: number of diffusion steps.
        precision: the :math:`s` of :func:`polynomial_alpha2` (EDM uses 1e-5).

    Shapes: ``t`` of any shape -> the same shape, float64 (``gamma`` is a float64 buffer; it follows
    ``.to(device)``).

    >>> schedule = NoiseSchedule("polynomial_2", T=500)
    >>> t = torch.tensor([0, 250, 500])
    >>> (schedule.alpha(t) ** 2 + schedule.sigma(t) ** 2 - 1).abs().max() < 1e-15
    tensor(True)
    >>> schedule.snr(torch.tensor([0.0, 1.0]))  # (1 - s) / s at t = 0, about s at t = 1 (s = 1e-5)
    tensor([9.9999e+04, 1.00e-05], dtype=torch.float64)
    """

    def __init__(self, kind: str = "polynomial_2", T: int = 500, precision: float = 1e-5):
        super().__init__()
        _check_T(T)
        if kind == "cosine":
            alpha2 = cosine_alpha2(T)
        elif kind.startswith("polynomial_"):
            try:
                power = float(kind.split("_", 1)[1])
            except ValueError:
                raise ValueError(f"kind: expected 'polynomial_<power>' with a number, e.g. 'polynomial_2', "
                                 f"got {kind!r}") from None
            alpha2 = polynomial_alpha2(T, power, precision)
        else:
            raise ValueError(f"kind: expected one of {SCHEDULES} (e.g. 'polynomial_2'), got {kind!r}")
        self.kind, self.T = kind, T
        self.register_buffer("gamma_grid", torch.log1p(-alpha2) - torch.log(alpha2))  # [T + 1]

    def gamma(self, t) -> Tensor:
        r""":math:`\gamma_t = \log(\sigma_t^2 / \alpha_t^2)`, increasing in t.

        >>> NoiseSchedule("cosine", T=10).gamma(0) < NoiseSchedule("cosine", T=10).gamma(10)
        tensor(True)
        """
        t = torch.as_tensor(t, device=self.gamma_grid.device)
        g = self.gamma_grid
        if not t.is_floating_point():
            if t.numel() and bool(((t < 0) | (t > self.T)).any()):
                raise ValueError(f"t: integer steps must lie in 0..{self.T}, got {t.min().item()}..{t.max().item()}")
            return g[t]
        if t.numel() and bool(((t < 0) | (t > 1) | t.isnan()).any()):
            raise ValueError(f"t: continuous times must lie in [0, 1] (step t/T), "
                             f"got {t.min().item()}..{t.max().item()}")
        u = t.to(g.dtype) * self.T  # [..] position on the grid
        k = u.floor().long().clamp(max=self.T - 1)
        return g[k] + (u - k) * (g[k + 1] - g[k])

    def alpha(self, t) -> Tensor:
        r""":math:`\alpha_t = \sqrt{\mathrm{sigmoid}(-\gamma_t)}`, the signal scale.

        >>> round(NoiseSchedule(T=500).alpha(500).item() / 1e-5**0.5, 3)  # about sqrt(s)
        1.001
        """
        return torch.sigmoid(-self.gamma(t)).sqrt()

    def sigma(self, t) -> Tensor:
        r""":math:`\sigma_t = \sqrt{\mathrm{sigmoid}(\gamma_t)}`, the noise scale.

        >>> round(NoiseSchedule(T=10, precision=1e-4).sigma(0).item(), 12)  # sqrt(s)
        0.01
        """
        return torch.sigmoid(self.gamma(t)).sqrt()

    def snr(self, t) -> Tensor:
        r""":math:`\mathrm{SNR}_t = \alpha_t^2 / \sigma_t^2 = e^{-\gamma_t}`, decreasing in t.

        >>> NoiseSchedule(T=10).snr(5) > NoiseSchedule(T=10).snr(6)
        tensor(True)
        """
        return torch.exp(-self.gamma(t))

    def transition(self, s, t) -> tuple[Tensor, Tensor]:
        r"""Scale and variance of one forward step, s < t:
        :math:`q(z_t \mid z_s) = \mathcal N(\alpha_{t|s} z_s, \sigma^2_{t|s})`.

        .. math:: \alpha_{t|s} = \alpha_t / \alpha_s, \qquad
                  \sigma^2_{t|s} = \sigma_t^2 - \alpha_{t|s}^2 \sigma_s^2
                  = -\mathrm{expm1}\big(\mathrm{softplus}(\gamma_s) - \mathrm{softplus}(\gamma_t)\big)

        (the second form, EDM's, stays accurate when the step is small).

        Returns:
            ``(alpha_ts, sigma2_ts)``, each of the broadcast shape of ``s`` and ``t``.

        >>> schedule = NoiseSchedule(T=10)
        >>> a, s2 = schedule.transition(3, 4)
        >>> torch.allclose(s2, schedule.sigma(4) ** 2 - a**2 * schedule.sigma(3) ** 2)
        True
        """
        gamma_s, gamma_t = self.gamma(s), self.gamma(t)
        softplus = nn.functional.softplus
        sigma2_ts = -torch.expm1(softplus(gamma_s) - softplus(gamma_t))
        alpha_ts = torch.exp(0.5 * (nn.functional.logsigmoid(-gamma_t) - nn.functional.logsigmoid(-gamma_s)))
        return alpha_ts, sigma2_ts

    def extra_repr(self) -> str:
        return f"kind={self.kind!r}, T={self.T}"


def _check_T(T):
    if not (isinstance(T, int) and T >= 1):
        raise ValueError(f"T: expected a positive number of diffusion steps, got {T!r}")
