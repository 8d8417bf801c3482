r"""Coupling two irreps: which degrees appear in :math:`l_1 \otimes l_2`, and the coefficients that couple them.

The coefficients are e3nn's real ``wigner_3j``, normalised to :math:`\lVert C \rVert_F = 1` (not the
textbook Clebsch-Gordan normalisation :math:`\sum_{m_1 m_2} |C|^2 = 1`; multiply by :math:`\sqrt{2 l_3 + 1}`
to get that).
"""
import torch
from e3nn import o3

from ._irreps import L_MAX, check_l


def decompose(l1: int, l2: int) -> list:
    r"""Degrees :math:`l_3` in the product of two irreps (the triangle rule).

    .. math:: l_1 \otimes l_2 = |l_1 - l_2| \oplus \dots \oplus (l_1 + l_2)

    Args:
        l1, l2: degrees, ``0 <= l <= 10``.

    Returns:
        ``[|l1 - l2|, ..., l1 + l2]`` (a list of ints; dimensions add up to :math:`(2l_1+1)(2l_2+1)`).

    >>> decompose(1, 1)
    [0, 1, 2]
    """
    l1, l2 = check_l(l1, "l1"), check_l(l2, "l2")
    return list(range(abs(l1 - l2), l1 + l2 + 1))


def clebsch_gordan(l1: int, l2: int, l3: int, *, dtype=None, device=None) -> torch.Tensor:
    r"""Real coupling coefficients :math:`C` (e3nn's ``wigner_3j``): an invariant tensor of three irreps.

    .. math:: C_{lmn} = \sum_{ijk} C_{ijk} D^{l_1}_{il}(R) D^{l_2}_{jm}(R) D^{l_3}_{kn}(R), \qquad
              z_k = \sum_{ij} C_{ijk} x_i y_j \ \Rightarrow\ z(D^{l_1} x, D^{l_2} y) = D^{l_3} z(x, y)

    Normalised so that :math:`\sum_{ijk} C_{ijk}^2 = 1`.

    Args:
        l1, l2: degrees, ``0 <= l <= 10``.
        l3: degree with :math:`|l_1 - l_2| \le l_3 \le l_1 + l_2`.
        dtype, device: of the result (default: torch's defaults).

    Returns:
        ``C``: ``[2l1+1, 2l2+1, 2l3+1]``.

    >>> C = clebsch_gordan(1, 1, 0)
    >>> C.shape, torch.allclose(C[:, :, 0], torch.eye(3) / 3**0.5)
    (torch.Size([3, 3, 1]), True)
    """
    l1, l2 = check_l(l1, "l1"), check_l(l2, "l2")
    l3 = check_l(l3, "l3", 2 * L_MAX)
    if not abs(l1 - l2) <= l3 <= l1 + l2:
        raise ValueError(
            f"l3: expected |l1 - l2| <= l3 <= l1 + l2 (triangle rule, here {abs(l1 - l2)}..{l1 + l2}), got {l3}"
        )
    return o3.wigner_3j(l1, l2, l3, dtype=dtype, device=device)


def tensor_product_blocks(l1: int, l2: int, *, dtype=None, device=None) -> dict:
    r"""All coupling blocks of :math:`l_1 \otimes l_2`, one per :math:`l_3` of `decompose`.

    .. math:: x \otimes y = \bigoplus_{l_3} z^{(l_3)}, \qquad z^{(l_3)}_k = \sum_{ij} C^{(l_3)}_{ijk} x_i y_j

    Args:
        l1, l2: degrees, ``0 <= l <= 10``.
        dtype, device: of the blocks (default: torch's defaults).

    Returns:
        ``{l3: C}`` with ``C``: ``[2l1+1, 2l2+1, 2l3+1]``, for ``l3`` in ``decompose(l1, l2)``.

    >>> {l3: tuple(C.shape) for l3, C in tensor_product_blocks(1, 2).items()}
    {1: (3, 5, 3), 2: (3, 5, 5), 3: (3, 5, 7)}
    """
    return {l3: clebsch_gordan(l1, l2, l3, dtype=dtype, device=device) for l3 in decompose(l1, l2)}
