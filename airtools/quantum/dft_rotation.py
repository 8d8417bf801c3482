r"""How AO matrices transform under rotation: Wigner-D in PySCF's real spherical AO order.

Rotating a molecule, :math:`\mathbf A_a \to R\mathbf A_a`, rotates every AO shell of degree :math:`l` by
:math:`D^l(R)`, so every AO matrix (overlap, core Hamiltonian, Fock, density) transforms as

.. math:: H(R\cdot\text{mol}) = \mathcal D(R)\, H(\text{mol})\, \mathcal D(R)^T, \qquad
          \mathcal D = \bigoplus_{\text{shells}} M_l\, D^l_{\rm e3nn}(R)\, M_l^T,

with :math:`M_l` the orthogonal change of basis from e3nn's real spherical harmonics to PySCF's
(``pyscf_vec = M_l @ e3nn_vec``). PySCF orders p shells (px, py, pz) and d shells
(dxy, dyz, dz², dxz, dx²-y²); e3nn 0.6 uses (x, y, z) for l=1 but its l>=2 basis has y as polar axis,
so :math:`M_2` is not a permutation: it mixes dz² and dx²-y² (``M_D`` below, checked in the tests).
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np
import torch

from airtools.so3 import check_rotation, wigner_D

__all__ = ["M_P", "M_D", "pyscf_to_e3nn", "ao_wigner_D", "rotate_mol"]

_S3 = np.sqrt(3) / 2
M_P = np.eye(3)  # PySCF (px, py, pz) = e3nn l=1 (x, y, z)
M_D = np.array([[0, 1, 0, 0, 0],             # dxy    = e3nn Y2[1]
                [0, 0, 0, 1, 0],             # dyz    = e3nn Y2[3]
                [0, 0, -0.5, 0, _S3],        # dz^2   = -1/2 Y2[2] + sqrt(3)/2 Y2[4]
                [1, 0, 0, 0, 0],             # dxz    = e3nn Y2[0]
                [0, 0, -_S3, 0, -0.5]])      # dx2-y2 = -sqrt(3)/2 Y2[2] - 1/2 Y2[4]


@lru_cache(maxsize=None)
def _fit(l: int) -> np.ndarray:
    """M_l fitted from PySCF's own AO values of a single l shell against e3nn's Y^l on random directions."""
    from e3nn import o3
    from pyscf import gto
    from pyscf.dft import numint

    mol = gto.M(atom="He 0 0 0", basis={"He": [[l, (1.0, 1.0)]]}, verbose=0)
    u = np.random.default_rng(0).standard_normal((4 * (2 * l + 1), 3))
    u /= np.linalg.norm(u, axis=1, keepdims=True)
    Y = o3.spherical_harmonics(l, torch.from_numpy(u), normalize=True).numpy()  # [n, 2l+1]
    C = np.linalg.lstsq(Y, numint.eval_ao(mol, u), rcond=None)[0]            # ao = Y @ C
    M = C.T / np.linalg.norm(C.T, axis=1, keepdims=True)
    return np.where(np.abs(M) < 1e-12, 0.0, M)


def pyscf_to_e3nn(l: int) -> np.ndarray:
    """``M_l`` ``[2l+1, 2l+1]``, orthogonal, with ``pyscf_vec = M_l @ e3nn_vec`` for real spherical shells.

    >>> bool(np.allclose(_fit(2), M_D)), bool(np.allclose(pyscf_to_e3nn(3) @ pyscf_to_e3nn(3).T, np.eye(7)))
    (True, True)
    """
    if not (isinstance(l, (int, np.integer)) and 0 <= l <= 6):
        raise ValueError(f"l: expected an integer 0..6, got {l!r}")
    return {0: np.eye(1), 1: M_P, 2: M_D}.get(int(l)) if l <= 2 else _fit(int(l))


def ao_wigner_D(mol, R) -> np.ndarray:
    r"""Block-diagonal :math:`\mathcal D(R)` ``[n_ao, n_ao]`` in ``mol``'s AO order (spherical basis), such that
    ``H(rotate_mol(mol, R)) = D @ H(mol) @ D.T`` for any AO matrix ``H``.

    Args:
        mol: a PySCF ``Mole`` with ``cart=False``.
        R: rotation ``[3, 3]`` (numpy or torch).

    >>> from pyscf import gto
    >>> mol = gto.M(atom="O 0 0 0; H 0 0.8 0.6; H 0 -0.8 0.6", basis="6-31g*", verbose=0)
    >>> D = ao_wigner_D(mol, np.eye(3)); D.shape, bool(np.allclose(D, np.eye(mol.nao)))
    ((18, 18), True)
    """
    if mol.cart:
        raise ValueError("mol: expected a spherical AO basis (cart=False), got Cartesian AOs")
    R = torch.as_tensor(np.asarray(R, dtype=np.float64))
    check_rotation(R)
    D = np.zeros((mol.nao, mol.nao))
    i = 0
    for b in range(mol.nbas):
        l = mol.bas_angular(b)
        M = pyscf_to_e3nn(l)
        Dl = M @ wigner_D(l, R).numpy() @ M.T
        for _ in range(mol.bas_nctr(b)):
            D[i:i + 2 * l + 1, i:i + 2 * l + 1] = Dl
            i += 2 * l + 1
    return D


def rotate_mol(mol, R):
    """A copy of ``mol`` with every atom moved to ``R @ pos`` (about the origin)."""
    coords = mol.atom_coords() @ np.asarray(R, dtype=np.float64).T  # Bohr
    return mol.set_geom_(coords, unit="Bohr", inplace=False)
