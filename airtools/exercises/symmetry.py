r"""Symmetry checkers (lessons 00–04): invariants, vectors, rotations, Wigner-D, harmonics, Clebsch–Gordan, device.

Each checker prints one "✅ ..." line and returns a ``Passed`` of the measured errors when the function is right,
and raises ``AssertionError`` saying in plain words what is wrong otherwise: which transformation breaks it, by how
much, which shape was expected, or what the function raised. Errors are relative (see ``transformation_errors``)
and accepted up to ``tolerance`` (default 1e-4, loose enough for float32 learner code).

>>> import torch
>>> errors = check_invariant(lambda pos: torch.pdist(pos).sort().values)
✅ your feature is invariant under rotation, reflection, translation and permutation (largest relative change ...)
"""
from __future__ import annotations

import itertools

import torch

from airtools import default_device
from airtools.so3 import decompose, random_rotation, spherical_harmonics, wigner_D

from airtools.testing import random_permutation, relative_error, transformation_errors

from ._common import Passed, expect_shape, guard, join, passed

__all__ = ["check_invariant", "check_equivariant_vector", "check_rotation_matrix", "check_wigner_D",
           "check_spherical_harmonics", "check_clebsch_gordan", "check_device"]

DOING = {"rotation": "rotating the points", "reflection": "mirroring the points",
         "translation": "shifting all points by the same vector", "permutation": "reordering the atoms"}


def check_invariant(fn, pos=None, *, reflection=True, translation=True, permutation=True, tolerance=1e-4) -> Passed:
    r"""Check that a learner's feature is unchanged when the points are moved: :math:`f(g \cdot pos) = f(pos)`.

    Args:
        fn: ``fn(pos [n, 3]) -> tensor`` of features, any shape.
        pos: the points to test on, ``[n, 3]`` (default: 6 fixed random points, float64).
        reflection, translation, permutation: which transformations besides rotation to test.
        tolerance: largest accepted relative change.

    Returns:
        ``Passed(rotation=..., reflection=..., ...)``, the relative changes; prints "✅ ..." on success.

    Raises:
        AssertionError: e.g. "invariant under rotation, translation and permutation but not under reflection:
            mirroring the points changed your feature by 2 ...".

    >>> check_invariant(lambda pos: pos[:, 0])
    Traceback (most recent call last):
    AssertionError: not invariant under rotation, reflection, translation and permutation: rotating ...
    """
    pos = _points(pos)
    f = guard(fn, f"fn(pos) with pos of shape {list(pos.shape)}")
    g = torch.Generator().manual_seed(0)
    errors = transformation_errors(f, "cartesian_points", None, parity=reflection, translation=translation,
                                   inputs=pos, generator=g)
    out = f(pos)
    if permutation:
        perm = random_permutation(len(pos), g)
        out_perm = f(pos[perm])
        errors["permutation"] = relative_error(out_perm, out) if out_perm.shape == out.shape else float("inf")
    bad = [name for name, err in errors.items() if not err <= tolerance]
    if not bad:
        return passed(f"your feature is invariant under {join(errors)} "
                      f"(largest relative change {max(errors.values()):.1e})", **errors)
    good = [name for name in errors if name not in bad]
    head = f"invariant under {join(good)} but not under {join(bad)}" if good else f"not invariant under {join(bad)}"
    details = ", ".join(f"{DOING[name]} changed your feature by {errors[name]:.2g}" for name in bad)
    hints = []
    if bad == ["reflection"] and relative_error(f(-pos), -out) <= tolerance:
        hints.append("a mirror flips its sign, so it is a pseudoscalar like a signed volume or triple product; "
                     "use distances, or its absolute value, for a true invariant")
    if "rotation" in bad and "translation" in bad:
        hints.append("it seems to use the raw coordinates; build it from distances between points instead")
    elif bad == ["permutation"]:
        rows_follow = out.dim() > 0 and out.shape[0] == len(pos) and relative_error(out_perm, out[perm]) <= tolerance
        hints.append("its rows follow the atoms (it is permutation-equivariant): sum, average or sort over the atoms "
                     "to make it invariant" if rows_follow else
                     "it depends on the order of the atoms: sort its entries or sum over the atoms")
    raise AssertionError(f"{head}: {details} (relative to its size)." + "".join(f" Hint: {h}." for h in hints))


def check_equivariant_vector(fn, pos=None, *, reflection=True, translation=True, pseudo=False,
                             tolerance=1e-4) -> Passed:
    r"""Check that a learner's vectors turn with the points: :math:`f(R\, pos) = R f(pos)` (x, y, z order).

    A polar vector (force, dipole) also flips under a mirror, :math:`f(-pos) = -f(pos)`; a pseudovector
    (cross product, angular momentum; ``pseudo=True``) does not. Vectors do not move when the points are shifted.

    Args:
        fn: ``fn(pos [n, 3]) -> [..., 3]`` vectors, e.g. ``[n, 3]`` per atom or ``[3]`` for the molecule.
        pos: the points to test on, ``[n, 3]`` (default: 6 fixed random points, float64).
        reflection, translation: test mirrors and shifts as well as rotations.
        pseudo: expect a pseudovector.
        tolerance: largest accepted relative error.

    Returns:
        ``Passed(rotation=..., ...)``, the relative errors; prints "✅ ..." on success.

    >>> _ = check_equivariant_vector(lambda pos: pos - pos.mean(0))
    ✅ your vectors transform correctly under rotation, reflection and translation (largest relative error ...)
    >>> check_equivariant_vector(lambda pos: pos.norm(dim=1))
    Traceback (most recent call last):
    AssertionError: your function returned shape [6] when called as fn(pos) with pos of shape [6, 3], but ...
    """
    pos = _points(pos)
    how = f"fn(pos) with pos of shape {list(pos.shape)}"
    f = guard(fn, how)
    out = f(pos)
    if out.dim() == 0 or out.shape[-1] != 3:
        raise AssertionError(f"your function returned shape {list(out.shape)} when called as {how}, but a [..., 3] "
                             f"tensor of 3-vectors (e.g. [n, 3]) was expected")
    kind, other = ("cartesian_pseudovectors", "cartesian_vectors") if pseudo else \
        ("cartesian_vectors", "cartesian_pseudovectors")
    g = torch.Generator().manual_seed(0)
    run = dict(inputs=pos, parity=reflection, translation=translation, generator=g)
    errors = transformation_errors(f, "cartesian_points", kind, **run)
    bad = [name for name, err in errors.items() if not err <= tolerance]
    if not bad:
        return passed(f"your {'pseudo' * pseudo}vectors transform correctly under {join(errors)} "
                      f"(largest relative error {max(errors.values()):.1e})", **errors)
    problems = []
    if "rotation" in bad:
        R = random_rotation(dtype=pos.dtype, generator=g)
        still = relative_error(f(pos @ R.T), out) <= tolerance
        problems.append(f"your vectors do not rotate with the points: fn(R pos) differs from R fn(pos) by "
                        f"{errors['rotation']:.2g} (relative)" + (" (they stay the same: your output is "
                                                                  "invariant, not a vector)" if still else ""))
    if "reflection" in bad and "rotation" not in bad:
        flips = "should not flip (a pseudovector such as a cross product)" if pseudo else \
            "should flip, fn(-pos) = -fn(pos) (an ordinary polar vector)"
        problem = f"under a mirror your vectors {flips}, but they are off by {errors['reflection']:.2g}"
        if transformation_errors(f, "cartesian_points", other, **run)["reflection"] <= tolerance:
            problem += f"; they behave like {'ordinary ' if pseudo else 'pseudo'}vectors: pass pseudo={not pseudo} " \
                       f"if that is what you meant"
        problems.append(problem)
    if "translation" in bad:
        problems.append(f"shifting all points changed your vectors by {errors['translation']:.2g}: vectors such "
                        f"as forces or dipoles do not move with the molecule; build them from differences of positions")
    raise AssertionError("; ".join(problems) + ".")


def check_rotation_matrix(R, *, tolerance=1e-5) -> Passed:
    r"""Check that a learner's matrix is a proper rotation: :math:`R^T R = I` and :math:`\det R = +1`.

    Args:
        R: ``[3, 3]`` (or ``[..., 3, 3]``) tensor, array or nested list.
        tolerance: largest accepted :math:`\max |R^T R - I|` and :math:`|\det R - 1|`.

    Returns:
        ``Passed(orthogonality=max |R^T R - I|, det=det R (the one furthest from 1))``; prints "✅ ...".

    >>> _ = check_rotation_matrix([[0, -1, 0], [1, 0, 0], [0, 0, 1]])
    ✅ R is a rotation: R^T R = I to 0.0e+00 and det R = 1.000000
    >>> check_rotation_matrix(torch.diag(torch.tensor([1.0, 1.0, -1.0])))
    Traceback (most recent call last):
    AssertionError: your R is orthogonal but det R = -1: it is a reflection (a mirror), not a rotation...
    """
    try:
        R = torch.as_tensor(R).to(torch.float64)
    except (TypeError, ValueError, RuntimeError):
        raise AssertionError(f"your R is a {type(R).__name__}; a 3x3 tensor was expected") from None
    if R.dim() < 2 or R.shape[-2:] != (3, 3):
        raise AssertionError(f"your R has shape {list(R.shape)} but a [3, 3] matrix was expected")
    if not torch.isfinite(R).all():
        raise AssertionError("your R contains NaN or inf values")
    I = torch.eye(3, dtype=R.dtype)
    orth = (R.transpose(-1, -2) @ R - I).abs().max().item()
    if orth > tolerance:
        lengths = ", ".join(f"{x:.3g}" for x in R.reshape(-1, 3, 3)[0].norm(dim=0).tolist())
        raise AssertionError(f"your R is not orthogonal: R^T R differs from the identity by {orth:.2g}; its "
                             f"columns must be perpendicular unit vectors (their lengths are {lengths})")
    det = torch.linalg.det(R).flatten()
    det = det[(det - 1).abs().argmax()].item()
    if abs(det - 1) > tolerance:
        raise AssertionError(f"your R is orthogonal but det R = {det:.3g}: it is a reflection (a mirror), not a "
                             f"rotation; changing the sign of one column makes it a rotation")
    return passed(f"R is a rotation: R^T R = I to {orth:.1e} and det R = {det:.6f}", orthogonality=orth, det=det)


def check_wigner_D(fn, l_max=3, *, tolerance=1e-4) -> Passed:
    r"""Check a learner's Wigner-D: :math:`D(R_1 R_2) = D(R_1) D(R_2)` and agreement with ``so3.wigner_D``.

    Args:
        fn: ``fn(l, R [3, 3]) -> D [2l+1, 2l+1]`` in e3nn's real basis.
        l_max: degrees ``0..l_max`` are checked.
        tolerance: largest accepted relative error.

    Returns:
        ``Passed(homomorphism=..., reference=...)`` (largest over ``l``); prints "✅ ...".

    >>> from airtools.so3 import wigner_D
    >>> _ = check_wigner_D(wigner_D, l_max=2)
    ✅ your Wigner-D matrices are right for l = 0..2: D(R1 R2) = D(R1) D(R2) to ... and they match e3nn's to ...
    """
    g = torch.Generator().manual_seed(0)
    R1, R2 = random_rotation(2, dtype=torch.float64, generator=g)
    errors = {"homomorphism": 0.0, "reference": 0.0}
    for l in range(l_max + 1):
        how = f"fn({l}, R)"
        f = guard(fn, how)
        D1, D2, D12 = (expect_shape(f(l, R), [2 * l + 1] * 2, how, f" (2l+1 = {2 * l + 1} for l = {l})").double()
                       for R in (R1, R2, R1 @ R2))
        hom, ref = relative_error(D12, D1 @ D2), relative_error(D1, wigner_D(l, R1))
        if hom > tolerance and relative_error(D12, D2 @ D1) <= tolerance:
            raise AssertionError(f"your D reverses the order for l={l}: D(R1 R2) = D(R2) D(R1) instead of "
                                 f"D(R1) D(R2); that is what a transposed matrix does (D(R)^T = D(R^-1)): "
                                 f"return D, not D.T")
        if hom > tolerance:
            raise AssertionError(f"your D is not a homomorphism: D(R1R2) != D(R1)D(R2) by {hom:.2g} for l={l}")
        if D1.norm() == 0:
            raise AssertionError(f"your D is all zeros for l={l}; a representation sends each rotation to an "
                                 f"invertible matrix (the identity rotation to the identity matrix)")
        if ref > tolerance:
            raise AssertionError(f"your D is a representation (D(R1R2) = D(R1)D(R2) holds) but differs from "
                                 f"e3nn's Wigner-D by {ref:.2g} for l={l}: check the basis and the order of "
                                 f"the 2l+1 components")
        errors = {"homomorphism": max(errors["homomorphism"], hom), "reference": max(errors["reference"], ref)}
    return passed(f"your Wigner-D matrices are right for l = 0..{l_max}: D(R1 R2) = D(R1) D(R2) to "
                  f"{errors['homomorphism']:.1e} and they match e3nn's to {errors['reference']:.1e}", **errors)


def check_spherical_harmonics(fn, l_max=3, *, tolerance=1e-4) -> Passed:
    r"""Check a learner's spherical harmonics: :math:`Y(R x) = D(R) Y(x)` and agreement with e3nn's.

    The reference is ``airtools.so3.spherical_harmonics`` (e3nn's basis, "component" normalisation,
    :math:`\lVert Y^l(\hat x) \rVert^2 = 2l + 1`).

    Args:
        fn: ``fn(l, xyz [n, 3]) -> Y [n, 2l+1]``; it is given unit vectors.
        l_max: degrees ``0..l_max`` are checked.
        tolerance: largest accepted relative error.

    Returns:
        ``Passed(equivariance=..., reference=...)`` (largest over ``l``); prints "✅ ...".

    >>> from airtools.so3 import spherical_harmonics
    >>> _ = check_spherical_harmonics(spherical_harmonics, l_max=2)
    ✅ your spherical harmonics are right for l = 0..2: Y(Rx) = D(R) Y(x) to ... and they match e3nn's to ...
    """
    g = torch.Generator().manual_seed(0)
    xyz = torch.randn(10, 3, dtype=torch.float64, generator=g)
    xyz = xyz / xyz.norm(dim=1, keepdim=True)
    R = random_rotation(dtype=torch.float64, generator=g)
    errors = {"equivariance": 0.0, "reference": 0.0}
    for l in range(l_max + 1):
        how = f"fn({l}, xyz) with xyz of shape [10, 3]"
        f = guard(fn, how)
        Y, YR = (expect_shape(f(l, x), [10, 2 * l + 1], how, f" ([n, 2l+1] for l = {l})").double()
                 for x in (xyz, xyz @ R.T))
        ref = spherical_harmonics(l, xyz)
        eq, agree = relative_error(YR, Y @ wigner_D(l, R).T), relative_error(Y, ref)
        if eq > tolerance or agree > tolerance:
            raise AssertionError(_harmonics_problem(l, Y, ref, eq, agree, tolerance))
        errors = {"equivariance": max(errors["equivariance"], eq), "reference": max(errors["reference"], agree)}
    return passed(f"your spherical harmonics are right for l = 0..{l_max}: Y(Rx) = D(R) Y(x) to "
                  f"{errors['equivariance']:.1e} and they match e3nn's to {errors['reference']:.1e}", **errors)


def check_clebsch_gordan(fn, l_max=2, *, tolerance=1e-4) -> Passed:
    r"""Check a learner's coupling coefficients: they must be invariant, so the coupling is equivariant.

    .. math:: \sum_{ijk} C_{ijk} D^{l_1}_{ia} D^{l_2}_{jb} D^{l_3}_{kc} = C_{abc}
              \iff (x_1 \otimes x_2) C \text{ rotates with } D^{l_3}

    Args:
        fn: ``fn(l1, l2, l3) -> C [2l1+1, 2l2+1, 2l3+1]`` (any nonzero normalisation).
        l_max: all ``l1, l2 <= l_max`` with ``l3`` in ``|l1-l2| .. l1+l2`` are checked.
        tolerance: largest accepted relative error.

    Returns:
        ``Passed(equivariance=...)`` (largest over the triples); prints "✅ ...".

    >>> from airtools.so3 import clebsch_gordan
    >>> _ = check_clebsch_gordan(clebsch_gordan, l_max=1)
    ✅ your coefficients couple l1 x l2 -> l3 equivariantly for all 6 triples with l1, l2 <= 1 (largest error ...)
    """
    R = random_rotation(dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    triples = [(l1, l2, l3) for l1, l2 in itertools.product(range(l_max + 1), repeat=2) for l3 in decompose(l1, l2)]
    worst = 0.0
    for l1, l2, l3 in triples:
        how = f"fn({l1}, {l2}, {l3})"
        dims = [2 * l1 + 1, 2 * l2 + 1, 2 * l3 + 1]
        C = expect_shape(guard(fn, how)(l1, l2, l3), dims, how, " ([2l1+1, 2l2+1, 2l3+1])").double()
        if C.norm() == 0:
            raise AssertionError(f"your coefficients for (l1, l2, l3) = ({l1}, {l2}, {l3}) are all zero: they are "
                                 f"trivially invariant but couple nothing")
        C_rot = torch.einsum("ijk,ia,jb,kc->abc", C, wigner_D(l1, R), wigner_D(l2, R), wigner_D(l3, R))
        err = relative_error(C_rot, C)
        if err > tolerance:
            raise AssertionError(f"coupling with your coefficients is not equivariant for (l1, l2, l3) = "
                                 f"({l1}, {l2}, {l3}): rotating both inputs changes C by {err:.2g} (relative); "
                                 f"check the index order [l1, l2, l3] and the basis of each degree")
        worst = max(worst, err)
    return passed(f"your coefficients couple l1 x l2 -> l3 equivariantly for all {len(triples)} triples with "
                  f"l1, l2 <= {l_max} (largest error {worst:.1e})", equivariance=worst)


def check_device(device) -> Passed:
    r"""Check a learner's device choice: ``"cuda"`` when ``torch.cuda.is_available()``, else ``"cpu"``.

    Args:
        device: a string such as ``"cuda"``, ``"cuda:0"``, ``"cpu"``, or a ``torch.device``.

    Returns:
        ``Passed(gpu=1.0 for a GPU device else 0.0, n_gpus=torch.cuda.device_count())``; prints "✅ ...".

    >>> check_device("gpu")
    Traceback (most recent call last):
    AssertionError: 'gpu' is not a device name torch knows: use 'cuda' (an NVIDIA GPU) or 'cpu'
    """
    try:
        kind = torch.device(device).type
    except (RuntimeError, TypeError):
        raise AssertionError(f"{device!r} is not a device name torch knows: use 'cuda' (an NVIDIA GPU) or 'cpu'") \
            from None
    expected = default_device()
    if kind != expected and expected == "cuda":
        raise AssertionError(f"you chose {device!r} but a GPU is available (torch.cuda.is_available() is True): "
                             f"pick 'cuda' when it is, so the lessons run on the GPU")
    if kind != expected:
        raise AssertionError(f"you chose {device!r} but torch sees no GPU here (torch.cuda.is_available() is "
                             f"False): fall back to 'cpu'")
    why = f"a GPU is available ({torch.cuda.get_device_name()})" if kind == "cuda" else "torch sees no GPU here"
    return passed(f"device {device!r} is right: {why}", gpu=kind == "cuda", n_gpus=torch.cuda.device_count())


def _points(pos):
    """The test points ``[n, 3]``: the learner's, or 6 fixed random points in float64."""
    if pos is None:
        return 1.5 * torch.randn(6, 3, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    pos = torch.as_tensor(pos)
    if pos.dim() != 2 or pos.shape[1] != 3 or not pos.is_floating_point():
        raise ValueError(f"pos: expected float points of shape [n, 3], got {pos.dtype} of shape {list(pos.shape)}")
    return pos


def _harmonics_problem(l, Y, ref, eq, agree, tolerance) -> str:
    """Say why ``Y`` (learner's, ``[n, 2l+1]``) is not e3nn's ``ref``: order, scale, or equivariance."""
    for p in itertools.permutations(range(2 * l + 1)) if l == 1 else ():
        if relative_error(Y, ref[:, list(p)]) <= tolerance:
            axes = ["xyz"[a] for a in spherical_harmonics(1, torch.eye(3, dtype=ref.dtype)).abs().argmax(0).tolist()]
            return (f"for l=1 your components are in ({', '.join(axes[i] for i in p)}) order but e3nn's are in "
                    f"({', '.join(axes)}) order")
    scale = ((Y * ref).sum() / (ref * ref).sum()).item()
    if scale != 0 and relative_error(Y, scale * ref) <= tolerance:
        return (f"for l={l} your harmonics point the right way but are {scale:.3g} times e3nn's: use the "
                f"'component' normalisation, |Y^l(x)|^2 = 2l+1 on the unit sphere")
    if eq > tolerance:
        return f"your Y is not equivariant: Y(R x) != D(R) Y(x) by {eq:.2g} for l={l}"
    return (f"your Y rotates correctly (Y(Rx) = D(R) Y(x)) but differs from e3nn's spherical harmonics by "
            f"{agree:.2g} for l={l}: check the basis and the order of the 2l+1 components")
