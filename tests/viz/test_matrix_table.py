"""The live D(R) table: colours on the heatmap's diverging scale, full values kept, bad input refused."""
import re

import numpy as np
import pytest
import torch

from airtools.so3 import random_rotation, wigner_D
from airtools.viz import matrix_html
from airtools.viz._matrices import DIVERGING


def _cells(html):
    return re.findall(r'<td data-value="([^"]+)" title="[^"]+" style="background:(#[0-9a-f]{6})">', html)


def test_colours_follow_the_diverging_scale():
    cells = _cells(matrix_html(np.array([[-2.0, 0.0, 2.0]])))
    assert [c for _, c in cells] == [DIVERGING[0][1], "#ffffff", DIVERGING[-1][1]]


def test_values_round_trip_and_shape():
    D = wigner_D(3, random_rotation(generator=torch.Generator().manual_seed(0), dtype=torch.float64)).numpy()
    out = matrix_html(D, labels=[f"m={m}" for m in range(-3, 4)])
    values = np.array([float(v) for v, _ in _cells(out)]).reshape(7, 7)
    assert np.array_equal(values, D)  # repr keeps every bit
    assert out.count("<tr>") == 8 and "m=-3" in out


@pytest.mark.parametrize("bad, match", [(np.zeros(3), r"matrix \[a, b\]"), (np.zeros((30, 30)), "at most 400"),
                                        (np.array([[np.inf]]), "finite")])
def test_bad_input_is_refused(bad, match):
    with pytest.raises(ValueError, match=match):
        matrix_html(bad)
