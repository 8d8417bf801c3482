r"""Bonds from distances with EDM's lookup tables, and atom / molecule stability (EDM's definitions).

A generated molecule is only points with elements; EDM (``qm9/bond_analyze.py``, ``qm9/analyze.py``) reads
bonds off the distances: with the typical lengths :math:`b_1, b_2, b_3` of single, double and triple bonds
between two elements (in pm) and margins 10, 5 and 3 pm (tuned so that QM9's own molecules pass),

.. math::
    \text{order}(d) = \begin{cases}
        3 & d < b_3 + 3 \text{ (and the double condition)} \\
        2 & d < b_2 + 5 \text{ (and the single condition)} \\
        1 & d < b_1 + 10 \\
        0 & \text{otherwise.}
    \end{cases}

An atom is **stable** when its bond orders sum to its valence (H 1, C 4, N 3, O 2, F 1); a molecule is stable
when all its atoms are. QM9's own geometries are not all stable by this test (EDM, Table 2: 99.0 % of the
atoms and 95.2 % of the molecules): charged groups and bonds whose lengths fall between the tables fail. An
aromatic ring is one of them: benzene's C-C bonds (1.39-1.40 Å) are longer than a double bond's
:math:`b_2 + 5` = 1.39 Å, so each carbon counts three bonds; a Kekulé geometry (1.34 / 1.46 Å) passes.

Only QM9's elements H, C, N, O, F are tabulated here. Input ``z: [n_atoms]`` atomic numbers,
``pos: [n_atoms, 3]`` in Å (numpy arrays or tensors).
"""
import numpy as np

ELEMENTS = {1: "H", 6: "C", 7: "N", 8: "O", 9: "F"}
ALLOWED_BONDS = {1: 1, 6: 4, 7: 3, 8: 2, 9: 1}  # valence of each element (EDM's allowed_bonds)
MARGINS_PM = (10.0, 5.0, 3.0)  # added to the single, double, triple lengths

_nan = float("nan")
# typical bond lengths in pm between H, C, N, O, F (rows and columns in that order); NaN: no such bond.
SINGLE_PM = np.array([[74, 109, 101, 96, 92],
                      [109, 154, 147, 143, 135],
                      [101, 147, 145, 140, 136],
                      [96, 143, 140, 148, 142],
                      [92, 135, 136, 142, 142]], dtype=float)
DOUBLE_PM = np.array([[_nan, _nan, _nan, _nan, _nan],
                      [_nan, 134, 129, 120, _nan],
                      [_nan, 129, 125, 121, _nan],
                      [_nan, 120, 121, 121, _nan],
                      [_nan, _nan, _nan, _nan, _nan]])
TRIPLE_PM = np.array([[_nan, _nan, _nan, _nan, _nan],
                      [_nan, 120, 116, 113, _nan],
                      [_nan, 116, 110, _nan, _nan],
                      [_nan, 113, _nan, _nan, _nan],
                      [_nan, _nan, _nan, _nan, _nan]])


def bond_orders(z, pos) -> np.ndarray:
    """Bond order of every pair of atoms from their distance (EDM's ``get_bond_order``).

    Returns:
        ``[n_atoms, n_atoms]`` symmetric int array with entries 0 (no bond), 1, 2 or 3; zero diagonal.

    >>> z = [6, 8]  # carbon monoxide, triple bond 1.13 Å
    >>> bond_orders(z, [[0, 0, 0], [1.13, 0, 0]])
    array([[0, 3],
           [3, 0]])
    """
    index, pos = _check(z, pos)
    d = 100 * np.linalg.norm(pos[:, None, :] - pos[None, :, :], axis=-1)  # [n, n] in pm
    pair = (index[:, None], index[None, :])
    with np.errstate(invalid="ignore"):  # NaN thresholds compare False: that bond order does not exist
        single = d < SINGLE_PM[pair] + MARGINS_PM[0]
        double = single & (d < DOUBLE_PM[pair] + MARGINS_PM[1])
        triple = double & (d < TRIPLE_PM[pair] + MARGINS_PM[2])
    order = single.astype(int) + double + triple
    np.fill_diagonal(order, 0)
    return order


def atom_stability(z, pos) -> np.ndarray:
    """Whether each atom's bond orders add up to its valence: ``[n_atoms]`` bool.

    >>> atom_stability([8, 1, 1], [[0, 0, 0], [0.96, 0, 0], [-0.24, 0.93, 0]])  # water
    array([ True,  True,  True])
    """
    index, _ = _check(z, pos)
    valence = np.array([ALLOWED_BONDS[Z] for Z in _Z[index]], dtype=int)
    return bond_orders(z, pos).sum(axis=1) == valence


def molecule_stability(z, pos) -> bool:
    """Whether every atom is stable (EDM's molecule stability).

    >>> molecule_stability([8, 1, 1], [[0, 0, 0], [0.96, 0, 0], [0.96, 0, 0]])  # both H at one place: H-H bond
    False
    """
    return bool(atom_stability(z, pos).all())


def stability(molecules) -> dict:
    """Atom stability (fraction of all atoms) and molecule stability (fraction of molecules) of a set.

    Args:
        molecules: a list of ``(z, pos)`` pairs (``Samples.molecules()``).

    Returns:
        ``{"atom_stability": float, "molecule_stability": float}``.

    >>> water = ([8, 1, 1], [[0, 0, 0], [0.96, 0, 0], [-0.24, 0.93, 0]])
    >>> stability([water, ([8, 1], [[0, 0, 0], [0.96, 0, 0]])])  # OH has an O with one bond
    {'atom_stability': 0.8, 'molecule_stability': 0.5}
    """
    molecules = list(molecules)
    if not molecules:
        raise ValueError("molecules: expected at least one (z, pos) pair, got none")
    stable = [atom_stability(z, pos) for z, pos in molecules]
    n_atoms = sum(len(s) for s in stable)
    return {"atom_stability": float(sum(s.sum() for s in stable) / n_atoms),
            "molecule_stability": float(np.mean([s.all() for s in stable]))}


_Z = np.array(sorted(ELEMENTS))  # atomic numbers in table order


def _numpy(x, dtype) -> np.ndarray:
    if hasattr(x, "detach"):  # a torch tensor, maybe on a GPU
        x = x.detach().cpu().numpy()
    return np.asarray(x, dtype=dtype)


def _check(z, pos) -> tuple[np.ndarray, np.ndarray]:
    """Table index of each atom ``[n]`` and positions ``[n, 3]`` (float64); ValueError for bad input."""
    z, pos = _numpy(z, np.int64), _numpy(pos, np.float64)
    if z.ndim != 1 or pos.shape != (len(z), 3):
        raise ValueError(f"z, pos: expected shapes [n_atoms] and [n_atoms, 3], got {list(z.shape)} and "
                         f"{list(pos.shape)}")
    unknown = sorted(set(z.tolist()) - set(ELEMENTS))
    if unknown:
        raise ValueError(f"z: no bond table for element(s) {unknown}; tabulated: {sorted(ELEMENTS)} (H, C, N, O, F)")
    return np.searchsorted(_Z, z), pos
