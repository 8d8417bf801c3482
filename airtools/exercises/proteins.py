r"""Checkers for the protein exercises: a dihedral-angle function and an invariant edge feature (lesson 10), the
sequence recovery of an inverse-folding model (lesson 24).

Each prints one "✅ ..." line and returns a ``Passed`` of what it measured, or raises ``AssertionError`` saying in
plain words what is wrong (sign convention, radians instead of degrees, wrong range, not invariant, ...).

>>> from airtools.data.proteins import dihedral
>>> result = check_dihedral(dihedral)
✅ your dihedral matches the reference on 200 random quadruples (largest error 0.0e+00°) and gives ...
"""
from __future__ import annotations

import numpy as np
import torch

from airtools.data import dihedral, dssp_labels, load_chain, residue_graph

from ._common import Passed, call, expect_shape, passed, to_array, to_float
from .symmetry import check_invariant

__all__ = ["check_dihedral", "check_invariant_edge_feature", "check_sequence_recovery"]

_IGNORE_INDEX = -100  # airtools.data.IGNORE_INDEX: the label of a non-standard residue


def check_dihedral(fn, *, tolerance: float = 1e-6) -> Passed:
    r"""Check a learner's ``fn(p0, p1, p2, p3) -> angle`` (degrees, IUPAC sign, range (-180, 180]).

    Compared with :func:`airtools.data.proteins.dihedral` on 200 random quadruples (``[200, 3]`` float64 numpy
    arrays each), then used on the backbone of chain ``4gcnA`` (mostly α-helix), where the median
    :math:`\varphi` of its DSSP ``H`` residues must be near -63° and :math:`\psi` near -42°.

    Returns:
        ``Passed(max_error=..., helix_phi=..., helix_psi=...)`` in degrees; prints "✅ ..." on success.

    >>> check_dihedral(lambda p0, p1, p2, p3: -dihedral(p0, p1, p2, p3))
    Traceback (most recent call last):
    AssertionError: your angles have the opposite sign of the reference: the IUPAC convention ...
    """
    rng = np.random.default_rng(0)
    p = rng.normal(size=(4, 200, 3))
    ref = dihedral(*p)
    how = "fn(p0, p1, p2, p3) with four [200, 3] arrays"
    got = to_array(call(fn, *p, how=how), how)
    expect_shape(got, ref.shape, how, " (one angle per row): reduce over the last axis (the x, y, z components)")
    err = np.abs((got - ref + 180.0) % 360.0 - 180.0)  # compare angles modulo 360°
    if not np.all(err <= tolerance):
        raise AssertionError(_diagnose(got, ref, err))
    if got.max() > 180.0 + tolerance or got.min() <= -180.0 - tolerance:
        raise AssertionError(f"your angles are right modulo 360° but lie in [{got.min():.0f}, {got.max():.0f}]; "
                             f"return them in (-180°, 180°], as np.degrees(np.arctan2(y, x)) does")
    phi, psi = _helix_torsions(fn)
    if not (abs(phi + 63.0) < 10.0 and abs(psi + 42.0) < 10.0):
        raise AssertionError(f"on the α-helices of 4gcnA your function gives median φ = {phi:.0f}°, "
                             f"ψ = {psi:.0f}°; expected about -63° and -42°")
    return passed(f"your dihedral matches the reference on 200 random quadruples (largest error {err.max():.1e}°) "
                  f"and gives helix φ = {phi:.0f}°, ψ = {psi:.0f}°",
                  max_error=err.max(), helix_phi=phi, helix_psi=psi)


def check_invariant_edge_feature(fn, backbone=None, *, tolerance: float = 1e-6) -> Passed:
    r"""Check a learner's edge feature ``fn(backbone [n, 4, 3], edge_index [2, E]) -> [E, ...]`` (numpy).

    It must be unchanged when the whole protein is rotated and translated (a proper rotation: torsions and
    frames may tell a mirror image apart, so mirrors are not tested), follow the edges (one row per edge),
    and carry information (not the same row for every edge).

    Args:
        fn: the feature function.
        backbone: ``[n, 4, 3]`` to test on (default: the first 30 residues of ``1ahsA``).
        tolerance: largest accepted relative change.

    Returns:
        ``Passed(rotation=..., translation=...)``, the relative changes; prints "✅ ..." on success.

    >>> _ = check_invariant_edge_feature(lambda X, ei: np.linalg.norm(X[ei[0], 1] - X[ei[1], 1], axis=-1))
    ✅ your feature is invariant under rotation and translation (largest relative change ...)
    """
    X = load_chain("1ahsA").backbone[:30] if backbone is None else np.asarray(backbone, dtype=np.float64)
    edge_index = residue_graph(X, k=6)[0].numpy()
    how = f"fn(backbone, edge_index) with backbone of shape {list(X.shape)}, edge_index of shape " \
          f"{list(edge_index.shape)}"
    out = to_array(call(fn, X.copy(), edge_index.copy(), how=how), how)
    if out.ndim == 0 or out.shape[0] != edge_index.shape[1]:
        raise AssertionError(f"your function returned shape {list(out.shape)} when called as {how}, but one row "
                             f"per edge was expected: [{edge_index.shape[1]}, ...]")
    if np.allclose(out, out[:1]):
        raise AssertionError("your feature is the same for every edge, so it tells the model nothing; use the "
                             "positions of residue j seen from residue i")

    def feature(pos):  # [n * 4, 3] -> the learner's feature of the moved backbone
        return torch.from_numpy(to_array(call(fn, pos.reshape(-1, 4, 3).numpy(), edge_index.copy(), how=how), how))

    try:
        return check_invariant(feature, torch.from_numpy(X.reshape(-1, 3)), reflection=False, permutation=False,
                               tolerance=tolerance)
    except AssertionError as err:
        if getattr(err, "said", False):  # the learner's function raised or returned NaN: nothing to add
            raise
        raise AssertionError(f"{err} Hint: a vector between residues turns with the protein; express it in residue "
                             f"i's frame, R_i^T (x_j - x_i) with R from backbone_frames, or use its length.") from None


def check_sequence_recovery(fn, *, tolerance: float = 1e-6) -> Passed:
    r"""Check a learner's ``fn(logits [n, 20], y [n]) -> float``: the fraction of labelled residues whose most likely
    amino acid is the native one,

    .. math:: \text{recovery} = \frac{|\{i : \arg\max_a \text{logits}_{ia} = y_i,\ y_i \ne -100\}|}
              {|\{i : y_i \ne -100\}|},

    where ``y = -100`` (``airtools.data.IGNORE_INDEX``) marks a non-standard residue, left out of both counts.
    Tested on 200 residues (``logits`` float64, ``y`` long), 40 of them labelled -100; a float32 mean is close
    enough (``tolerance``).

    Returns:
        ``Passed(recovery=..., error=...)``; prints "✅ ..." on success.

    >>> check_sequence_recovery(lambda logits, y: float((logits.argmax(-1) == y).float().mean()))
    Traceback (most recent call last):
    AssertionError: your recovery is 0.445 but the right one is 0.556: you divided by all 200 residues; ...
    """
    g = torch.Generator().manual_seed(0)
    logits = torch.randn(200, 20, generator=g, dtype=torch.float64)
    y = torch.where(torch.rand(200, generator=g) < 0.55, logits.argmax(-1), torch.randint(20, (200,), generator=g))
    y[torch.randperm(200, generator=g)[:40]] = _IGNORE_INDEX
    labelled = y != _IGNORE_INDEX
    right = int((logits.argmax(-1)[labelled] == y[labelled]).sum())
    ref = right / int(labelled.sum())
    how = "fn(logits, y) with logits of shape [200, 20] and y of shape [200]"
    got = to_float(call(fn, logits.clone(), y.clone(), how=how), how)
    if abs(got - ref) > tolerance:
        raise AssertionError(_diagnose_recovery(got, ref, right, n=len(y)))
    return passed(f"your recovery is {got:.3f}, as it should be: {right} of the {int(labelled.sum())} labelled "
                  f"residues right, the 40 labelled -100 left out", recovery=got, error=abs(got - ref))


def _diagnose_recovery(got: float, ref: float, right: int, n: int, tol: float = 1e-6) -> str:
    """Why ``got`` is not the masked recovery ``ref``: the mask, a percentage, a count, or just wrong."""
    said = f"your recovery is {got:.3g} but the right one is {ref:.3g}"
    if abs(got - right / n) < tol:
        return (f"{said}: you divided by all {n} residues; leave out those labelled -100 (non-standard), "
                f"e.g. keep = y != -100 and average over logits[keep], y[keep]")
    if abs(got - 100 * ref) < 100 * tol:
        return f"{said}: you returned a percentage; return a fraction between 0 and 1"
    if abs(got - right) < tol:
        return f"{said}: you returned the number of right residues; divide by the number of labelled ones"
    return (f"{said}; take the most likely amino acid of each residue with logits.argmax(-1) (over the 20 classes), "
            f"compare it with y and average over the residues whose y is not -100")


def _diagnose(got, ref, err) -> str:
    """Why ``got`` is not ``ref`` (degrees): sign, radians, absolute value, or just wrong."""
    def close(a, b):
        return np.allclose(a, b, atol=1e-4)

    if close(got, -ref):
        return ("your angles have the opposite sign of the reference: the IUPAC convention is positive for a "
                "clockwise turn looking along p1 -> p2; take y = |b2| b1·(b2×b3) (not -b1·(b2×b3))")
    if close(np.degrees(got), ref):
        return "your angles are in radians; return degrees (np.degrees)"
    if close(got, np.abs(ref)):
        return ("your angles are never negative: arccos of the normals' cosine loses the sign; use "
                "np.arctan2(y, x) with the signed y = |b2| b1·(b2×b3)")
    return f"your angles differ from the reference by up to {err.max():.3g}° (on 200 random quadruples)"


def _helix_torsions(fn) -> tuple[float, float]:
    X = load_chain("4gcnA").backbone
    helix = np.array([c == "H" for c in dssp_labels("4gcnA")])
    how = "fn(C_i-1, N_i, CA_i, C_i) on the backbone of 4gcnA"
    phi = to_array(call(fn, X[:-1, 2], X[1:, 0], X[1:, 1], X[1:, 2], how=how), how)  # φ of residues 1..
    how = "fn(N_i, CA_i, C_i, N_i+1) on the backbone of 4gcnA"
    psi = to_array(call(fn, X[:-1, 0], X[:-1, 1], X[:-1, 2], X[1:, 0], how=how), how)  # ψ of 0..n-2
    return float(np.median(phi[helix[1:]])), float(np.median(psi[helix[:-1]]))
