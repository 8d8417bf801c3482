"""The exercise checkers of lessons 10 and 24: each accepts the reference and names each typical mistake."""
import numpy as np
import pytest

from airtools.data import dihedral
from airtools.exercises import check_dihedral, check_invariant_edge_feature, check_sequence_recovery

from .answers import local_direction, sequence_recovery


def test_dihedral_checker_accepts_the_reference_and_names_each_mistake(accepts):
    result = accepts(check_dihedral(dihedral), "helix φ = ")
    assert result["max_error"] < 1e-9 and abs(result["helix_phi"] + 63) < 10 and abs(result["helix_psi"] + 42) < 10
    mistakes = {"opposite sign": lambda *p: -dihedral(*p), "radians": lambda *p: np.radians(dihedral(*p)),
                "never negative": lambda *p: np.abs(dihedral(*p)), r"\(-180°, 180°\]": lambda *p: dihedral(*p) % 360,
                r"returned shape \[200, 3\] .* reduce over the last axis": lambda p0, p1, p2, p3: p1 - p0}
    for message, fn in mistakes.items():
        with pytest.raises(AssertionError, match=message):
            check_dihedral(fn)


def test_edge_feature_checker_accepts_invariants_and_refuses_raw_vectors(accepts):
    result = accepts(check_invariant_edge_feature(local_direction), "invariant under rotation and translation")
    assert set(result) == {"rotation", "translation"} and max(result.values()) < 1e-9
    with pytest.raises(AssertionError, match="not under rotation.*frame"):
        check_invariant_edge_feature(lambda X, ei: X[ei[0], 1] - X[ei[1], 1])
    with pytest.raises(AssertionError, match="same for every edge"):
        check_invariant_edge_feature(lambda X, ei: np.ones(ei.shape[1]))
    with pytest.raises(AssertionError, match=r"returned shape \[30\] .* one row per edge was expected"):
        check_invariant_edge_feature(lambda X, ei: np.linalg.norm(X[:, 1], axis=-1))


def test_edge_feature_checker_reports_a_failure_on_the_moved_protein_without_a_wrong_hint():
    calls = []

    def fails_on_second_call(X, ei):
        calls.append(1)
        if len(calls) > 1:
            raise IndexError("only once")
        return np.linalg.norm(X[ei[0], 1] - X[ei[1], 1], axis=-1)

    with pytest.raises(AssertionError, match=r"^your function raised IndexError when called as fn\(backbone, "
                                             r"edge_index\) .*: only once$"):
        check_invariant_edge_feature(fails_on_second_call)


def test_sequence_recovery_checker_accepts_the_masked_fraction_and_names_each_mistake(accepts):
    result = accepts(check_sequence_recovery(sequence_recovery), "labelled -100 left out")
    assert result["error"] < 1e-12 and 0.3 < result["recovery"] < 0.8
    accepts(check_sequence_recovery(lambda logits, y: (logits.argmax(-1)[y != -100] == y[y != -100]).float().mean()))
    mistakes = {  # message -> a typical wrong answer
        "divided by all 200 residues; leave out those labelled -100":
            lambda logits, y: (logits.argmax(-1) == y).float().mean(),
        "a percentage": lambda logits, y: 100 * sequence_recovery(logits, y),
        "number of right residues": lambda logits, y: (logits.argmax(-1) == y).sum(),
        r"logits.argmax\(-1\) \(over the 20 classes\)": lambda logits, y: logits.softmax(-1).max(-1).values.mean(),
        "returned 200 numbers": lambda logits, y: (logits.argmax(-1) == y).float(),
    }
    for message, fn in mistakes.items():
        with pytest.raises(AssertionError, match=message):
            check_sequence_recovery(fn)
