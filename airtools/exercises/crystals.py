r"""Checkers for lesson 11's exercises on periodic cells: wrapping positions into the cell (fractional
coordinates) and the number of periodic images a neighbour search needs along each axis.

Each prints one "✅ ..." line and returns a ``Passed`` when the learner's function is right, and raises
``AssertionError`` saying in plain words what is wrong otherwise.

>>> import torch
>>> _ = check_images_per_axis(lambda cell, r_cut: torch.ceil(r_cut * torch.linalg.inv(cell).norm(dim=0)).long())
✅ images per axis: right for 20 random triclinic cells (n_k = ceil(r_cut / h_k), h_k the face distances; ...)
"""
from __future__ import annotations

import numpy as np
import torch

from airtools.testing import random_cell

from ._common import Passed, call, expect_shape, passed, to_tensor

__all__ = ["check_wrap_positions", "check_images_per_axis"]


def check_wrap_positions(fn, *, n_cells: int = 20) -> Passed:
    r"""Check ``fn(pos [n, 3], cell [3, 3]) -> [n, 3]``: every atom moved by a lattice vector into the cell.

    Right answer: fractional coordinates :math:`f = r\,C^{-1}`, :math:`f \leftarrow f - \lfloor f \rfloor`,
    :math:`r \leftarrow f\,C` (rows of ``cell`` are the lattice vectors). Tested on random skewed cells
    with atoms up to two cells away, float64.

    Returns:
        ``Passed(cells=n_cells, lattice_error=...)``: the largest non-integer part of an atom's fractional
        shift (0 for whole lattice vectors); prints "✅ ..." on success.

    >>> check_wrap_positions(lambda pos, cell: pos)
    Traceback (most recent call last):
    AssertionError: wrap_positions: atom 0 has fractional coordinates ... outside [0, 1): your atoms did not move; ...
    """
    rng = np.random.default_rng(11)
    worst = 0.0
    for _ in range(n_cells):
        cell = torch.from_numpy(random_cell(rng, diagonal=(2.5, 4.5), shear=1.5))
        pos = torch.from_numpy(rng.uniform(-2, 3, (6, 3))) @ cell
        how = "wrap_positions(pos, cell) with pos of shape [6, 3] and cell of shape [3, 3] (rows a_1, a_2, a_3)"
        out = to_tensor(call(fn, pos.clone(), cell.clone(), how=how), how)
        out = expect_shape(out, pos.shape, how, " (the wrapped positions, one row per atom)").double()
        inverse = torch.linalg.inv(cell)
        frac = out @ inverse
        outside = ((frac < -1e-9) | (frac >= 1 + 1e-9)).any(dim=1)
        moved = (out - pos) @ inverse  # must be whole lattice vectors
        lattice_error = (moved - moved.round()).abs().max().item()
        if bool(outside.any()):
            i = int(outside.nonzero()[0])
            raise AssertionError(f"wrap_positions: atom {i} has fractional coordinates "
                                 f"{[round(x, 3) for x in frac[i].tolist()]} outside [0, 1): "
                                 + _wrap_mistake(out, pos, cell, "wrap f = pos @ inv(cell) with f - floor(f)"))
        if lattice_error > 1e-6:
            raise AssertionError("wrap_positions: an atom moved by something that is not a lattice vector (the "
                                 "fractional shift is not a whole number): "
                                 + _wrap_mistake(out, pos, cell, "only subtract integers from f, then convert back "
                                                                 "with f @ cell"))
        worst = max(worst, lattice_error)
    return passed(f"wrap_positions: all atoms of {n_cells} random skewed cells land inside the cell, moved by whole "
                  f"lattice vectors", cells=n_cells, lattice_error=worst)


def check_images_per_axis(fn, *, n_cells: int = 20) -> Passed:
    r"""Check ``fn(cell [3, 3], r_cut) -> [3]`` integers: how many images a search needs along each axis.

    For positions inside the cell, a neighbour within :math:`r_\text{cut}` can be up to
    :math:`n_k = \lceil r_\text{cut} / h_k \rceil` cells away along axis k, where
    :math:`h_k = V / |a_l \times a_m| = 1/|b_k|` is the distance between the two faces spanned by the other
    two lattice vectors (:math:`b_k` the reciprocal vectors, columns of :math:`C^{-1}`). Using
    :math:`|a_k|` instead undercounts in skewed cells, where :math:`h_k < |a_k|`.

    Returns:
        ``Passed(cells=n_cells, undercounted_by_lengths=...)``: how many of the cells |a_k| would get wrong;
        prints "✅ ..." on success.

    >>> check_images_per_axis(lambda cell, r_cut: torch.ceil(r_cut / cell.norm(dim=1)).long())
    Traceback (most recent call last):
    AssertionError: images per axis: ... you divided by the lattice vector lengths |a_k|...
    """
    rng = np.random.default_rng(12)
    skewed = 0
    for _ in range(n_cells):
        cell = torch.from_numpy(random_cell(rng, diagonal=(2.5, 4.5), shear=1.5))
        r_cut = float(rng.uniform(1.0, 9.0))
        how = f"images_per_axis(cell, r_cut={r_cut:.2f}) with cell of shape [3, 3] (rows a_1, a_2, a_3)"
        out = expect_shape(to_tensor(call(fn, cell.clone(), r_cut, how=how), how), [3], how,
                           " (3 numbers, one per lattice vector)")
        inverse = torch.linalg.inv(cell)
        right = torch.ceil(r_cut * inverse.norm(dim=0)).long()  # r_cut / h_k with h_k = 1 / |b_k|
        naive = torch.ceil(r_cut / cell.norm(dim=1)).long()
        if torch.equal(out.long(), right) and not out.is_floating_point():
            skewed += int(not torch.equal(naive, right))
            continue
        raise AssertionError(f"images per axis: for r_cut = {r_cut:.2f} and cell rows "
                             f"{[[round(x, 2) for x in row] for row in cell.tolist()]} expected {right.tolist()}, "
                             f"got {out.tolist()};" + _images_mistake(out, cell, r_cut, right, naive))
    return passed(f"images per axis: right for {n_cells} random triclinic cells (n_k = ceil(r_cut / h_k), h_k the "
                  f"face distances; counting with |a_k| would be wrong in {skewed} of them)",
                  cells=n_cells, undercounted_by_lengths=skewed)


def _wrap_mistake(out, pos, cell, otherwise: str) -> str:
    """Name the usual mistake that gives ``out``, or say ``otherwise``."""
    inverse = torch.linalg.inv(cell)
    f = pos @ inverse

    def close(candidate):
        return torch.allclose(out, candidate, atol=1e-6)

    if close(pos):
        return "your atoms did not move; " + otherwise
    if close(f - f.floor()):
        return "you returned fractional coordinates f; convert them back to Cartesian positions with f @ cell"
    if close((f - f.round()) @ cell):
        return ("f - round(f) lies in [-0.5, 0.5) (that is the minimum-image shift); use f - floor(f) to land in "
                "[0, 1)")
    if close(torch.fmod(f, 1.0) @ cell):
        return ("torch.fmod keeps the sign of f, so negative fractional coordinates stay negative; use f - floor(f) "
                "(or torch.remainder(f, 1))")
    if close(torch.remainder(pos, cell.diagonal())):
        return ("pos % (box lengths) wraps a rectangular box only; this cell is skewed, so go through fractional "
                "coordinates: f = pos @ inv(cell), f - floor(f), back with f @ cell")
    f_t = pos @ inverse.T
    if close((f_t - f_t.floor()) @ cell.T) or close((f_t - f_t.floor()) @ cell):
        return ("you used the transposed cell: the rows of cell are the lattice vectors, so f = pos @ inv(cell) "
                "and pos = f @ cell (not inv(cell).T or cell @ f)")
    return otherwise


def _images_mistake(out, cell, r_cut, right, naive) -> str:
    """Name the usual mistake that gives the counts ``out`` [3], or give the formula."""
    inverse = torch.linalg.inv(cell)
    got = out.long()
    if out.is_floating_point() and torch.equal(got, right):
        return " the numbers are right but must be integers (.long() or int)"
    if torch.equal(got, naive):
        return (" you divided by the lattice vector lengths |a_k|; in a skewed cell the distance between faces "
                "h_k = V / |a_l x a_m| is shorter, so more images are needed")
    x = r_cut * inverse.norm(dim=0)  # r_cut / h_k
    if torch.equal(got, torch.floor(x).long()) or torch.equal(got, torch.round(x).long()):
        return (" round up with ceil: a neighbour up to r_cut away may sit in a cell that is only partly within "
                "reach, so it still needs a whole image")
    if torch.equal(got, torch.ceil(r_cut * inverse.norm(dim=1)).long()):
        return (" the reciprocal vectors b_k are the columns of inv(cell) (norm over dim=0), not its rows: "
                "h_k = 1 / |b_k|")
    return " use n_k = ceil(r_cut / h_k) with h_k = V / |a_l x a_m| (or 1 / |column k of inv(cell)|)"
