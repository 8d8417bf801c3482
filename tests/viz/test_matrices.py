"""Heatmaps: symmetric colour range with 0 at white, labels, Wigner-D and Clebsch-Gordan content."""
import numpy as np
import pytest
import torch

from airtools.so3 import clebsch_gordan, random_rotation, wigner_D
from airtools.viz import (clebsch_gordan_figure, decomposition_text, m_labels, matrix_heatmap, update_heatmap,
                          wigner_D_figure)
from airtools.viz._matrices import DIVERGING


def test_colour_scale_is_white_at_zero_and_range_symmetric():
    M = np.array([[0.2, -3.0, 1.0], [0.0, 0.5, 2.5]])
    h = matrix_heatmap(M).data[0]
    assert (h.zmin, h.zmid, h.zmax) == (-3.0, 0.0, 3.0)
    middle = [c for pos, c in DIVERGING if pos == 0.5]
    assert middle == ["#ffffff"] and DIVERGING[0][0] == 0.0 and DIVERGING[-1][0] == 1.0
    assert list(h.y) == ["0", "1"] and list(h.x) == ["0", "1", "2"]


def test_wigner_D_heatmap_shows_D_with_m_labels():
    R = random_rotation(dtype=torch.float64, generator=torch.Generator().manual_seed(4))
    fig = wigner_D_figure(3, R)
    h = fig.data[0]
    np.testing.assert_allclose(h.z, wigner_D(3, R).numpy())
    assert list(h.x) == list(h.y) == m_labels(3) == [f"m={m}" for m in range(-3, 4)]
    assert h.zmax == -h.zmin == pytest.approx(np.abs(h.z).max())
    assert fig.layout.yaxis.autorange == "reversed"  # row m=-l at the top, as the matrix is written


def test_update_heatmap_rescales_and_relabels():
    fig = matrix_heatmap(np.eye(3), labels=m_labels(1))
    update_heatmap(fig, 0.1 * np.ones((5, 5)), labels=m_labels(2))
    h = fig.data[0]
    assert h.z.shape == (5, 5) and h.zmax == pytest.approx(0.1) and h.zmin == pytest.approx(-0.1)
    assert list(h.y) == m_labels(2)


def test_cg_heatmap_is_the_reshaped_coupling_block():
    fig = clebsch_gordan_figure(2, 1, 2)
    h = fig.data[0]
    C = clebsch_gordan(2, 1, 2).double().numpy()
    assert h.z.shape == (5, 15)
    np.testing.assert_allclose(h.z[1], C[:, :, 1].reshape(-1))  # row m3 = -1: all (m1, m2) pairs
    assert list(h.y) == m_labels(2, "m3") and h.x[0] == "-2,-1" and h.x[-1] == "2,1"


def test_decomposition_counts_dimensions():
    assert decomposition_text(2, 2).startswith("2 ⊗ 2 = 0 ⊕ 1 ⊕ 2 ⊕ 3 ⊕ 4")
    assert decomposition_text(0, 3).endswith("= 7)")


def test_bad_matrices_and_labels_are_value_errors():
    with pytest.raises(ValueError, match="M: expected a matrix"):
        matrix_heatmap(np.zeros((2, 2, 2)))
    with pytest.raises(ValueError, match="labels"):
        matrix_heatmap(np.zeros((3, 3)), labels=["a", "b"])
    with pytest.raises(ValueError, match="finite"):
        matrix_heatmap([[np.inf]])
    assert matrix_heatmap(np.zeros((2, 2))).data[0].zmax == 1.0  # all-zero: range stays defined
