r"""Learning DFT quantities of water: an equivariant Fock-matrix model and Δ-learning of energies.

Data (``water_dft_dataset``): normal-mode conformers of water (``airtools.data.sample_conformers``) labelled by
PySCF with the RHF/STO-3G Fock matrix ``F [7, 7]`` (AO order O 1s, 2s, 2px, 2py, 2pz, H 1s, H 1s), the cheap
energy ``e_cheap`` (RHF/STO-3G) and the better energy ``e_good`` (PBE/6-31G), in Ha; cached on disk.

The Fock matrix's upper triangle, as irreps (``fock_to_irreps``): s-s elements are ``0e``, s-p rows ``1o``, the
O p-p block :math:`B = c_0 W^0 + c_2 W^2` (its antisymmetric ``1e`` part vanishes) with the orthonormalised
Clebsch-Gordan matrices :math:`W^l_{ij,m}`; in all ``FOCK_IRREPS = 11x0e + 4x1o + 1x2e`` (28 numbers).
``FockModel`` predicts those coefficients as :math:`c^l_k = \sum_v w_{kv}(d)\, Y^l(\hat r_v)` over the three
interatomic vectors :math:`r_v` with weights from an MLP of the three distances :math:`d`: equivariant by
construction, so :math:`F(R\,\text{pos}) = \mathcal D(R) F(\text{pos}) \mathcal D(R)^T` (``ao_wigner_D``).
"""
from __future__ import annotations

import numpy as np
import torch
from e3nn import o3

from airtools.cache import cache_dir, cache_key, cached
from airtools.data import sample_conformers

from .dft import run_kohn_sham

__all__ = ["FOCK_IRREPS", "water_dft_dataset", "fock_to_irreps", "irreps_to_fock", "FockModel", "MLPBaseline",
           "distances", "fit"]

FOCK_IRREPS = o3.Irreps("11x0e + 4x1o + 1x2e")
_S = [(0, 0), (0, 1), (1, 1), (0, 5), (1, 5), (0, 6), (1, 6), (5, 5), (6, 6), (5, 6)]  # s-s pairs (10 of 11 0e)
_SP = [0, 1, 5, 6]                                                                   # s rows of the 4 s-p blocks
_P = slice(2, 5)


def _W(l, dtype=torch.float64):
    return o3.wigner_3j(1, 1, l, dtype=dtype) * (2 * l + 1) ** 0.5  # [3, 3, 2l+1], orthonormal slices


def fock_to_irreps(F: torch.Tensor) -> torch.Tensor:
    """Upper triangle of water/STO-3G AO matrices as ``FOCK_IRREPS`` coefficients.

    Args:
        F: ``[..., 7, 7]`` symmetric. Returns: ``[..., 28]``.

    >>> F = torch.randn(7, 7, dtype=torch.float64); F = F + F.T
    >>> torch.allclose(irreps_to_fock(fock_to_irreps(F)), F)
    True
    """
    B = F[..., _P, _P]
    c0 = torch.einsum("...ij,ijm->...m", B, _W(0, F.dtype))
    c2 = torch.einsum("...ij,ijm->...m", B, _W(2, F.dtype))
    s = torch.stack([F[..., i, j] for i, j in _S], -1)
    sp = torch.cat([F[..., i, _P] for i in _SP], -1)
    return torch.cat([s, c0, sp, c2], -1)


def irreps_to_fock(c: torch.Tensor) -> torch.Tensor:
    """Inverse of ``fock_to_irreps``: ``c [..., 28]`` -> symmetric ``F [..., 7, 7]``."""
    F = c.new_zeros(*c.shape[:-1], 7, 7)
    for k, (i, j) in enumerate(_S):
        F[..., i, j] = F[..., j, i] = c[..., k]
    for k, i in enumerate(_SP):
        F[..., i, _P] = c[..., 11 + 3 * k:14 + 3 * k]
        F[..., _P, i] = c[..., 11 + 3 * k:14 + 3 * k]
    F[..., _P, _P] = (torch.einsum("...m,ijm->...ij", c[..., 10:11], _W(0, c.dtype))
                      + torch.einsum("...m,ijm->...ij", c[..., 23:28], _W(2, c.dtype)))
    return F


def distances(pos: torch.Tensor) -> torch.Tensor:
    """``pos [..., 3, 3]`` (O, H, H) -> ``[..., 3]``: |OH1|, |OH2|, |H1H2|, rotation-invariant."""
    return (pos[..., [1, 2, 2], :] - pos[..., [0, 0, 1], :]).norm(dim=-1)


class FockModel(torch.nn.Module):
    r"""Equivariant water Fock matrix: :math:`c^l_k(\text{pos}) = \sum_v w_{kv}(d)\,Y^l(\hat r_v)` (``0e`` outputs
    are MLP outputs directly), scaled and shifted per scalar channel (``mean``, ``std`` set by ``fit``).

    >>> model = FockModel().double()
    >>> model(torch.randn(4, 3, 3, dtype=torch.float64)).shape
    torch.Size([4, 28])
    """

    def __init__(self, hidden: int = 64):
        super().__init__()
        self.mlp = torch.nn.Sequential(torch.nn.Linear(3, hidden), torch.nn.SiLU(), torch.nn.Linear(hidden, hidden),
                                       torch.nn.SiLU(), torch.nn.Linear(hidden, 11 + 4 * 3 + 3))
        self.irreps = FOCK_IRREPS
        self.register_buffer("mean", torch.zeros(28))
        self.register_buffer("std", torch.ones(28))

    def forward(self, pos: torch.Tensor) -> torch.Tensor:
        r = pos[..., [1, 2, 2], :] - pos[..., [0, 0, 1], :]                      # [..., 3 vectors, 3]
        d = r.norm(dim=-1)
        w = self.mlp(d - 1.2)                                                     # [..., 26]
        Y1 = o3.spherical_harmonics(1, r, normalize=True)                        # [..., 3, 3]
        Y2 = o3.spherical_harmonics(2, r, normalize=True)                        # [..., 3, 5]
        c1 = torch.einsum("...kv,...vm->...km", w[..., 11:23].unflatten(-1, (4, 3)), Y1).flatten(-2)
        c2 = torch.einsum("...v,...vm->...m", w[..., 23:26], Y2)
        return torch.cat([w[..., :11], c1, c2], -1) * self.std + self.mean


class MLPBaseline(torch.nn.Module):
    """Plain MLP from the 9 Cartesian coordinates to the 28 coefficients: not equivariant."""

    def __init__(self, hidden: int = 64):
        super().__init__()
        self.mlp = torch.nn.Sequential(torch.nn.Linear(9, hidden), torch.nn.SiLU(), torch.nn.Linear(hidden, hidden),
                                       torch.nn.SiLU(), torch.nn.Linear(hidden, 28))
        self.register_buffer("mean", torch.zeros(28))
        self.register_buffer("std", torch.ones(28))

    def forward(self, pos: torch.Tensor) -> torch.Tensor:
        return self.mlp((pos - pos[..., :1, :]).flatten(-2)) * self.std + self.mean


def fit(model, x, y, *, n_epochs: int = 500, lr: float = 3e-3, seed: int = 0):
    """Full-batch Adam on the mean squared error of ``model(x)`` against ``y [n, k]`` (in units of ``model.std``
    when the model has one). A model with ``irreps`` gets ``mean`` on its scalars only and one ``std`` per irrep
    (shared by its 2l+1 components, so equivariance is kept); a model without gets them per channel.
    Returns the list of training losses."""
    torch.manual_seed(seed)
    if hasattr(model, "mean"):
        mean, std = y.mean(0), y.std(0)
        if hasattr(model, "irreps"):
            for (mul, ir), sl in zip(model.irreps, model.irreps.slices()):
                if ir.l > 0:
                    mean[sl] = 0
                    block = y[:, sl].unflatten(-1, (mul, ir.dim))            # [n, mul, 2l+1]
                    std[sl] = block.pow(2).mean((0, 2)).sqrt().repeat_interleave(ir.dim)
        model.mean.copy_(mean)
        model.std.copy_(std.clamp_min(1e-6))
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, n_epochs)
    losses = []
    for _ in range(n_epochs):
        opt.zero_grad()
        loss = (((model(x) - y) / model.std) ** 2).mean() if hasattr(model, "std") else ((model(x) - y) ** 2).mean()
        loss.backward()
        opt.step()
        sched.step()
        losses.append(loss.item())
    return losses


def _labels(pos: np.ndarray) -> dict[str, np.ndarray]:
    sym = ["O", "H", "H"]
    fock, e_cheap, e_good, dm = [], [], [], None
    for p in pos:
        cheap = run_kohn_sham(list(zip(sym, p.tolist())), "hf", "sto-3g")
        good = run_kohn_sham(list(zip(sym, p.tolist())), "pbe", "6-31g", grid_level=1, conv_tol=1e-8, dm0=dm)
        dm = good.dm
        fock.append(cheap.mf.get_fock())
        e_cheap.append(cheap.energy)
        e_good.append(good.energy)
    return {"pos": pos, "fock": np.array(fock), "e_cheap": np.array(e_cheap), "e_good": np.array(e_good)}


def water_dft_dataset(n: int = 80, *, temperature: float = 1500.0, seed: int = 0) -> dict[str, torch.Tensor]:
    """``n`` water conformers (O, H, H) with PySCF labels, cached under ``cache_dir()/dft``.

    Returns:
        dict of float64 tensors: ``pos [n, 3, 3]`` (Å), ``fock [n, 7, 7]`` (RHF/STO-3G, Ha), ``e_cheap [n]``
        (RHF/STO-3G, Ha), ``e_good [n]`` (PBE/6-31G, grid level 1, Ha).
    """
    pos = sample_conformers("water", n, temperature=temperature, seed=seed)
    path = cache_dir() / "dft" / f"{cache_key('water_dft', 1, pos)}.npz"
    return {k: torch.from_numpy(v) for k, v in cached(path, lambda: _labels(pos)).items()}
