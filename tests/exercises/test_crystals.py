"""The lesson-11 checkers accept the right wrap and image counts and name the usual mistakes with periodic cells."""
import pytest
import torch

from airtools.exercises import check_images_per_axis, check_wrap_positions

from .answers import images_per_axis, wrap_positions


def test_wrap_positions_accepts_fractional_wrapping(accepts):
    result = accepts(check_wrap_positions(wrap_positions), "land inside the cell")
    assert result["cells"] == 20 and result["lattice_error"] < 1e-9


def fractional(pos, cell):
    return pos @ torch.linalg.inv(cell)


@pytest.mark.parametrize("fn, message", [
    (lambda pos, cell: pos, "your atoms did not move"),
    (lambda pos, cell: fractional(pos, cell) - torch.floor(fractional(pos, cell)), "returned fractional coordinates"),
    (lambda pos, cell: (fractional(pos, cell) - torch.round(fractional(pos, cell))) @ cell, r"f - round\(f\) lies in"),
    (lambda pos, cell: torch.fmod(fractional(pos, cell), 1.0) @ cell, "torch.fmod keeps the sign"),
    (lambda pos, cell: pos % cell.diagonal(), "wraps a rectangular box only"),
    (lambda pos, cell: (lambda f: (f - torch.floor(f)) @ cell.T)(pos @ torch.linalg.inv(cell.T)), "transposed cell"),
    (lambda pos, cell: pos[:, :2], r"returned shape \[6, 2\] .* but \[6, 3\] was expected"),
])
def test_wrap_positions_names_the_mistake(fn, message):
    with pytest.raises(AssertionError, match=message):
        check_wrap_positions(fn)


def test_images_per_axis_accepts_face_distances(accepts):
    result = accepts(check_images_per_axis(images_per_axis), "right for 20 random triclinic cells")
    assert result["cells"] == 20 and result["undercounted_by_lengths"] > 0  # the cells are skewed enough to matter


def heights(cell):
    return 1.0 / torch.linalg.inv(cell).norm(dim=0)


@pytest.mark.parametrize("fn, message", [
    (lambda cell, r_cut: torch.ceil(r_cut / cell.norm(dim=1)).long(), r"divided by the lattice vector lengths \|a_k\|"),
    (lambda cell, r_cut: torch.ceil(r_cut / heights(cell)), "the numbers are right but must be integers"),
    (lambda cell, r_cut: torch.floor(r_cut / heights(cell)).long(), "round up with ceil"),
    (lambda cell, r_cut: torch.ceil(r_cut * torch.linalg.inv(cell).norm(dim=1)).long(), "columns of inv"),
    (lambda cell, r_cut: torch.ceil(r_cut / heights(cell)).long() + 1, r"use n_k = ceil\(r_cut / h_k\)"),
    (lambda cell, r_cut: torch.ceil(r_cut / heights(cell)).long()[:2], r"returned shape \[2\] .* but \[3\]"),
])
def test_images_per_axis_names_the_mistake(fn, message):
    with pytest.raises(AssertionError, match=message):
        check_images_per_axis(fn)
