"""The exercise checkers of lesson 10: each accepts the reference and names each typical mistake."""
import numpy as np
import pytest

from airtools.data import backbone_frames, dihedral
from airtools.exercises import check_dihedral, check_invariant_edge_feature


def test_dihedral_checker_accepts_the_reference_and_names_each_mistake(capsys):
    result = check_dihedral(dihedral)
    assert "✅" in capsys.readouterr().out and abs(result["helix_phi"] + 63) < 10
    mistakes = {"opposite sign": lambda *p: -dihedral(*p), "radians": lambda *p: np.radians(dihedral(*p)),
                "never negative": lambda *p: np.abs(dihedral(*p)), r"\(-180°, 180°\]": lambda *p: dihedral(*p) % 360}
    for message, fn in mistakes.items():
        with pytest.raises(AssertionError, match=message):
            check_dihedral(fn)


def test_edge_feature_checker_accepts_invariants_and_refuses_raw_vectors(capsys):
    def local_direction(X, edge_index):
        R, t = backbone_frames(X)
        j, i = edge_index
        return np.einsum("eab,ea->eb", R[i], t[j] - t[i])

    check_invariant_edge_feature(local_direction)
    assert "✅" in capsys.readouterr().out
    with pytest.raises(AssertionError, match="not under rotation.*frame"):
        check_invariant_edge_feature(lambda X, ei: X[ei[0], 1] - X[ei[1], 1])
    with pytest.raises(AssertionError, match="same for every edge"):
        check_invariant_edge_feature(lambda X, ei: np.ones(ei.shape[1]))
