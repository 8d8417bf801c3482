r"""Checkers for lesson 11's exercises on periodic cells: wrapping positions into the cell (fractional
coordinates) and the number of periodic images a neighbour search needs along each axis.

Each prints one "✅ ..." line when the learner's function is right and raises ``AssertionError`` saying in plain
words what is wrong otherwise.

>>> import torch
>>> check_images_per_axis(lambda cell, r_cut: torch.ceil(r_cut * torch.linalg.inv(cell).norm(dim=0)).long())
✅ images per axis: right for 20 random triclinic cells (n_k = ceil(r_cut / h_k), h_k the face distances)
"""
from __future__ import annotations

import numpy as np
import torch

from airtools.testing import random_cell

__all__ = ["check_wrap_positions", "check_images_per_axis"]


def check_wrap_positions(fn, *, n_cells: int = 20) -> None:
    r"""Check ``fn(pos [n, 3], cell [3, 3]) -> [n, 3]``: every atom moved by a lattice vector into the cell.

    Right answer: fractional coordinates :math:`f = r\,C^{-1}`, :math:`f \leftarrow f - \lfloor f \rfloor`,
    :math:`r \leftarrow f\,C` (rows of ``cell`` are the lattice vectors). Tested on random skewed cells
    with atoms up to two cells away, float64.

    >>> check_wrap_positions(lambda pos, cell: pos)
    Traceback (most recent call last):
    AssertionError: wrap_positions: atom 0 has fractional coordinates ... outside [0, 1); wrap f = pos @ inv(cell) with f - floor(f)
    """
    rng = np.random.default_rng(11)
    for _ in range(n_cells):
        cell = torch.from_numpy(random_cell(rng, diagonal=(2.5, 4.5), shear=1.5))
        pos = torch.from_numpy(rng.uniform(-2, 3, (6, 3))) @ cell
        out = _call(fn, "wrap_positions(pos, cell)", pos.clone(), cell.clone())
        if not isinstance(out, torch.Tensor) or out.shape != pos.shape:
            raise AssertionError(f"wrap_positions: expected a tensor of shape {list(pos.shape)}, got "
                                 f"{getattr(out, 'shape', type(out).__name__)}")
        frac = out.double() @ torch.linalg.inv(cell)
        outside = ((frac < -1e-9) | (frac >= 1 + 1e-9)).any(dim=1)
        if bool(outside.any()):
            i = int(outside.nonzero()[0])
            raise AssertionError(f"wrap_positions: atom {i} has fractional coordinates "
                                 f"{[round(x, 3) for x in frac[i].tolist()]} outside [0, 1); wrap "
                                 f"f = pos @ inv(cell) with f - floor(f)")
        moved = (out.double() - pos) @ torch.linalg.inv(cell)  # must be whole lattice vectors
        if not torch.allclose(moved, moved.round(), atol=1e-6):
            raise AssertionError("wrap_positions: an atom moved by something that is not a lattice vector (the "
                                 "fractional shift is not a whole number); only subtract integers from f, "
                                 "then convert back with f @ cell")
    print(f"✅ wrap_positions: all atoms of {n_cells} random skewed cells land inside the cell, moved by "
          f"whole lattice vectors")


def check_images_per_axis(fn, *, n_cells: int = 20) -> None:
    r"""Check ``fn(cell [3, 3], r_cut) -> [3]`` integers: how many images a search needs along each axis.

    For positions inside the cell, a neighbour within :math:`r_\text{cut}` can be up to
    :math:`n_k = \lceil r_\text{cut} / h_k \rceil` cells away along axis k, where
    :math:`h_k = V / |a_l \times a_m| = 1/|b_k|` is the distance between the two faces spanned by the other
    two lattice vectors (:math:`b_k` the reciprocal vectors, columns of :math:`C^{-1}`). Using
    :math:`|a_k|` instead undercounts in skewed cells, where :math:`h_k < |a_k|`.

    >>> check_images_per_axis(lambda cell, r_cut: torch.ceil(r_cut / cell.norm(dim=1)).long())
    Traceback (most recent call last):
    AssertionError: images per axis: ... you divided by the lattice vector lengths |a_k|...
    """
    rng = np.random.default_rng(12)
    for _ in range(n_cells):
        cell = torch.from_numpy(random_cell(rng, diagonal=(2.5, 4.5), shear=1.5))
        r_cut = float(rng.uniform(1.0, 9.0))
        out = _call(fn, "images_per_axis(cell, r_cut)", cell.clone(), r_cut)
        out = torch.as_tensor(out)
        if out.shape != (3,):
            raise AssertionError(f"images per axis: expected 3 numbers (one per lattice vector), got shape "
                                 f"{list(out.shape)}")
        inverse = torch.linalg.inv(cell)
        right = torch.ceil(r_cut * inverse.norm(dim=0)).long()  # r_cut / h_k with h_k = 1 / |b_k|
        if torch.equal(out.long(), right) and not out.is_floating_point():
            continue
        naive = torch.ceil(r_cut / cell.norm(dim=1)).long()
        hint = (" you divided by the lattice vector lengths |a_k|; in a skewed cell the distance between faces "
                "h_k = V / |a_l x a_m| is shorter, so more images are needed" if torch.equal(out.long(), naive)
                else " use n_k = ceil(r_cut / h_k) with h_k = V / |a_l x a_m| (or 1 / |column k of inv(cell)|)")
        if out.is_floating_point() and torch.equal(out.long(), right):
            hint = " the numbers are right but must be integers (.long() or int)"
        raise AssertionError(f"images per axis: for r_cut = {r_cut:.2f} and cell rows "
                             f"{[[round(x, 2) for x in row] for row in cell.tolist()]} expected {right.tolist()}, "
                             f"got {out.tolist()};{hint}")
    print(f"✅ images per axis: right for {n_cells} random triclinic cells (n_k = ceil(r_cut / h_k), "
          f"h_k the face distances)")


def _call(fn, what, *args):
    try:
        return fn(*args)
    except Exception as err:  # the learner's code: report what it raised, in one line
        raise AssertionError(f"{what} raised {type(err).__name__}: {err}") from None
