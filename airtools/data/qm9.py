r"""QM9: 130,831 small organic molecules (C, H, N, O, F; up to 9 heavy atoms) with B3LYP/6-31G(2df,p)
geometries and properties, as a dataset the models and the training loop take like any other molecules.

Source: R. Ramakrishnan, P. O. Dral, M. Rupp, O. A. von Lilienfeld, "Quantum chemistry structures and
properties of 134 kilo molecules", Sci. Data 1, 140022 (2014), doi:10.1038/sdata.2014.22. The 130,831 are
the molecules that passed the paper's consistency check (3,054 of the 133,885 did not), as the PyPI package
``qm9pack`` (MIT, by the paper's first author) ships them in CSV files. Nothing is downloaded: the CSVs are
read where pip put them and converted once (~10 s and ~1 GB of memory on 2 busy cores) to a checksummed
cache file, ``cache_dir()/qm9/<key>.npz`` (98 MB, ``airtools.cache``), that later calls load in ~0.5 s.
``load_qm9(2000)`` then takes under a second, all 130,831 molecules ~7 s.

Units (QM9's hartree become eV with ``ase.units.Hartree``; the rest keep QM9's units):

=========================  ===================================================  ==============
``pos``                    positions                                            Å
``U0 U H G``               internal energy at 0 K, at 298.15 K, enthalpy and    eV
                           free energy at 298.15 K
``zpve homo lumo gap``     zero-point vibrational energy, orbital energies      eV
``mu``                     dipole moment magnitude (QM9 has no vector)          debye
``alpha``                  isotropic polarisability                             bohr³
``r2``                     electronic spatial extent                            bohr²
``Cv``                     heat capacity at 298.15 K                            cal/(mol K)
``A B C``                  rotational constants                                 GHz
``charges``                Mulliken charges, per atom                           e
=========================  ===================================================  ==============

>>> ds = load_qm9(3, properties=("U0", "gap"))
>>> item = ds[0]; sorted(item)
['U0', 'dipole', 'energy', 'forces', 'gap', 'has_forces', 'pos', 'z']
>>> ds.has_forces, item["gap"].dtype
(False, torch.float64)
"""
from __future__ import annotations

import numpy as np
import torch
from ase import units

from airtools.cache import cache_dir, cache_key, cached

from ._dataset import MoleculeDataset, _flatten
from ._qm9_csv import SCALARS, parse_qm9_csv, qm9pack_files

__all__ = ["QM9_VERSION", "QM9_PROPERTIES", "QM9_FREE_ATOM_U0", "QM9Dataset", "qm9_arrays", "load_qm9", "qm9_split"]

QM9_VERSION = 1  # part of the cache key: bump it when the conversion or its units change
QM9_PROPERTIES = (*SCALARS, "charges")  # names ``properties`` may hold; all but charges are per molecule
# U0 of the free atoms H, C, N, O, F at the same level, B3LYP/6-31G(2df,p) (QM9's "atomref" table, Ramakrishnan
# et al. 2014), hartree -> eV. ``load_qm9(n, atom_energies=QM9_FREE_ATOM_U0)`` gives atomization energies, a
# reference that needs no fit, so an element a model never saw still has its physical free-atom energy.
QM9_FREE_ATOM_U0 = {z: e * units.Hartree for z, e in
                    {1: -0.500273, 6: -37.846772, 7: -54.583861, 8: -75.064579, 9: -99.718730}.items()}
_SPLITS = ("random", "size", "composition", "scaffold")
_SYMBOLS = {"H": 1, "C": 6, "N": 7, "O": 8, "F": 9}


def qm9_arrays() -> dict[str, np.ndarray]:
    """All of QM9 as flat arrays, from the cache (converted from qm9pack's CSVs on the first call).

    Returns:
        ``z`` [N] uint8, ``pos`` [N, 3] Å, ``charges`` [N] e, for the N = 2,359,210 atoms of all molecules in
        QM9 order; ``n_atoms``, ``index`` (QM9 id, 1..133885) and every per-molecule property (units in the
        module docstring) [130831]; ``smiles``: uint8 bytes of the SMILES joined by newlines.

    >>> a = qm9_arrays(); a["n_atoms"][:3], a["z"][:5]      # methane, ammonia, water
    (array([5, 4, 3]), array([6, 1, 1, 1, 1], dtype=uint8))
    """
    version, files = qm9pack_files()
    path = cache_dir() / "qm9" / f"{cache_key('qm9', QM9_VERSION, 'qm9pack', version)}.npz"
    return cached(path, lambda: parse_qm9_csv(files))


class QM9Dataset(MoleculeDataset):
    """QM9 molecules: a :class:`MoleculeDataset` without forces (``has_forces`` False, zeros) or dipole
    vectors (zeros; the magnitude is the property ``mu``), plus the requested QM9 properties per item.

    Item: as ``MoleculeDataset`` (``energy`` = the first property minus the per-element
    ``atom_energies``), plus ``item[name]`` for each property: the QM9 value in the module's units,
    float64, [] per molecule or [n_atoms] for ``charges``.

    Args: ``z``, ``pos`` as for ``MoleculeDataset``; ``values`` {name: per-molecule values, or per-atom
    arrays for ``charges``}, the first being the target; ``smiles``, ``qm9_index`` per molecule.
    Built by :func:`load_qm9`.

    Attributes: ``properties`` (names), ``values`` {name: [n_molecules] tensor, or a list for charges},
    ``smiles`` (list of str), ``qm9_index`` [n_molecules] (QM9 id), ``element_counts`` [n_molecules, 10]
    (column Z counts the atoms of atomic number Z), ``n_heavy`` [n_molecules] (atoms other than H).

    >>> ds = load_qm9(2, properties="gap", atom_energies=None)
    >>> bool(torch.isclose(ds[0]["energy"].double(), ds[0]["gap"])), ds.n_heavy.shape   # energy: float32
    (True, (2,))
    """

    def __init__(self, z, pos, values: dict, *, smiles, qm9_index, atom_energies="fit", dtype=None):
        self.properties = tuple(values)
        target = values[self.properties[0]]
        super().__init__(z, pos, target, atom_energies=atom_energies, dtype=dtype)
        self.values = {name: v if name == "charges" else torch.as_tensor(v, dtype=torch.float64)
                       for name, v in values.items()}
        self.smiles, self.qm9_index = list(smiles), np.asarray(qm9_index)
        z_all, mol = _flatten(self.z)
        self.element_counts = torch.bincount(mol * 10 + z_all, minlength=10 * len(self.z)).view(-1, 10).numpy()
        self.n_heavy = self.element_counts[:, 2:].sum(1)

    def __getitem__(self, i: int) -> dict[str, torch.Tensor]:
        item = super().__getitem__(i)
        item.update({name: v[i] for name, v in self.values.items()})
        return item


def load_qm9(n: int | None = None, *, properties=("U0",), seed: int = 0, atom_energies="fit",
             dtype=None, max_heavy: int | None = None) -> QM9Dataset:
    """QM9 molecules as a dataset for ``collate_molecules``, the models and the training loop.

    Args:
        n: number of molecules, a seeded random subset (``None``: all 130,831 in QM9 order). The subsets
            of one seed are nested: ``load_qm9(100)`` holds the first 100 molecules of ``load_qm9(1000)``.
        properties: names from ``QM9_PROPERTIES`` (one name or a sequence). The first, a per-molecule one,
            is the target ``energy``; every one is also ``item[name]``.
        atom_energies: ``"fit"`` (least squares over the selected molecules, ``fit_atom_references``), a
            dict {z: value}, or None (the target as it is; use it for intensive targets such as ``gap``).
        dtype: float dtype of ``pos`` and ``energy`` (default: torch's default dtype).
        max_heavy: keep only molecules with at most this many heavy (non-H) atoms, before drawing ``n`` (QM9
            has 3, 8, 17, 48, 175 molecules with at most 1..5 heavy atoms): a subset small enough to train a
            generative model on a CPU.

    Returns:
        QM9Dataset; ``dataset.energies`` [n] float64 holds the target's totals.

    >>> ds = load_qm9(5, seed=1)
    >>> len(ds), ds.has_forces, set(ds.atom_energies) <= {1, 6, 7, 8, 9}
    (5, False, True)
    >>> small = load_qm9(max_heavy=2); len(small), small.smiles[:4], int(small.n_heavy.max())
    (8, ['C', 'N', 'O', 'C#C'], 2)
    """
    names = (properties,) if isinstance(properties, str) else tuple(properties)
    unknown = [p for p in names if p not in QM9_PROPERTIES]
    if not names or unknown:
        raise ValueError(f"properties: {f'unknown {unknown}' if unknown else 'none given'}; QM9 has "
                         f"{', '.join(QM9_PROPERTIES)}")
    if names[0] == "charges":
        raise ValueError("properties: the first is the per-molecule target; 'charges' is per atom, "
                         "put a molecule property first, e.g. ('U0', 'charges')")
    a = qm9_arrays()
    eligible = np.arange(len(a["n_atoms"]))
    if max_heavy is not None:
        if not (isinstance(max_heavy, (int, np.integer)) and max_heavy >= 1):
            raise ValueError(f"max_heavy: expected a number of heavy atoms >= 1 (QM9 has 1..9), got {max_heavy!r}")
        heavy = np.add.reduceat((a["z"] > 1).astype(np.int64), np.cumsum(a["n_atoms"]) - a["n_atoms"])
        eligible = eligible[heavy <= max_heavy]
    total = len(eligible)
    what = f"QM9 here has {total:,} molecules" + (f" with at most {max_heavy} heavy atoms" if max_heavy else "")
    if n is not None and not (isinstance(n, (int, np.integer)) and 1 <= n <= total):
        raise ValueError(f"n: expected 1..{total} ({what}) or None for all, got {n!r}")
    rows = eligible if n is None else eligible[np.random.default_rng(seed).permutation(total)[:n]]
    counts = a["n_atoms"][rows]
    start = np.concatenate([[0], np.cumsum(a["n_atoms"])])[rows]
    first = np.cumsum(counts) - counts  # where each selected molecule's atoms begin in the new order
    atoms = np.repeat(start - first, counts) + np.arange(counts.sum())  # [n_selected_atoms]: rows in a["z"]
    sizes = counts.tolist()
    z = torch.split(torch.from_numpy(a["z"][atoms].astype(np.int64)), sizes)
    pos = torch.split(torch.from_numpy(a["pos"][atoms]).to(dtype or torch.get_default_dtype()), sizes)
    values = {p: a[p][rows] if p != "charges" else torch.split(torch.from_numpy(a["charges"][atoms]), sizes)
              for p in names}
    smiles = bytes(a["smiles"]).decode("ascii").split("\n")
    return QM9Dataset(z, pos, values, smiles=[smiles[r] for r in rows], qm9_index=a["index"][rows],
                      atom_energies=atom_energies, dtype=dtype)


def qm9_split(dataset, kind: str = "random", *, test_fraction: float = 0.2, seed: int = 0,
              max_train_heavy: int | None = None, element: str | int = "F") -> tuple[np.ndarray, np.ndarray]:
    """Train and test positions in a QM9 dataset, in distribution (``"random"``) or out of it.

    ``kind``:

    - ``"random"``: ``test_fraction`` of the molecules (rounded, at least one), drawn with ``seed``.
    - ``"size"``: train on molecules with at most ``max_train_heavy`` heavy (non-H) atoms, test on the
      larger ones; default: test = the largest heavy-atom count present. ``max(n_heavy[train]) <
      min(n_heavy[test])``. 109,031 of QM9's 130,831 molecules have 9 heavy atoms, so by default the
      test side is the bigger one; ``max_train_heavy=7`` leaves ~3 % of QM9 for training.
    - ``"composition"``: test = every molecule containing ``element`` (a symbol or atomic number;
      default fluorine, in 1,923 QM9 molecules), train = the others: the model never sees that element.
    - ``"scaffold"``: Bemis-Murcko scaffolds of the SMILES (RDKit, ~0.2 ms a molecule: ~1 s for 2,000,
      ~25 s for all of QM9); a scaffold's molecules are all on one side. Scaffold groups larger than half
      the test size go to train (among them the acyclic molecules, scaffold ``""``); the others, in an
      order drawn with ``seed``, fill the test side up to ``test_fraction`` (it may fall a little short).

    Args:
        dataset: a :class:`QM9Dataset` or a ``torch.utils.data.Subset`` of one.

    Returns:
        ``(train, test)``: int64 positions in ``dataset``, disjoint, together all of it, each in an order
        drawn with ``seed`` (``train[:k]`` is a random k of the training side). Use them with
        ``torch.utils.data.Subset(dataset, train)``.

    >>> ds = load_qm9(300)
    >>> train, test = qm9_split(ds, "size")
    >>> bool(ds.n_heavy[train].max() < ds.n_heavy[test].min()), len(train) + len(test)
    (True, 300)
    >>> train, test = qm9_split(ds, "composition", element="F")
    >>> bool((ds.element_counts[train, 9] == 0).all() and (ds.element_counts[test, 9] > 0).all())
    True
    """
    base, rows = _qm9_rows(dataset)
    if kind not in _SPLITS:
        raise ValueError(f"kind: expected one of {', '.join(_SPLITS)}, got {kind!r}")
    if not 0 < test_fraction < 1:
        raise ValueError(f"test_fraction: expected a number between 0 and 1, got {test_fraction}")
    rng, n = np.random.default_rng(seed), len(rows)
    n_test = max(1, round(test_fraction * n))
    heavy, counts = base.n_heavy[rows], base.element_counts[rows]
    if kind == "random":
        test = np.zeros(n, dtype=bool)
        test[rng.permutation(n)[:n_test]] = True
        what = f"{n} molecules"
    elif kind == "size":
        limit = heavy.max() - 1 if max_train_heavy is None else max_train_heavy
        test = heavy > limit
        sizes, number = np.unique(heavy, return_counts=True)
        what = f"max_train_heavy={limit}; heavy-atom counts here: {dict(zip(sizes.tolist(), number.tolist()))}"
    elif kind == "composition":
        Z = _SYMBOLS.get(element, element)
        if Z not in _SYMBOLS.values():
            raise ValueError(f"element: expected one of {', '.join(_SYMBOLS)} (or their atomic numbers), got "
                             f"{element!r}")
        test = counts[:, Z] > 0
        what = (f"element {element!r}; molecules containing each element here: "
                f"{ {s: int((counts[:, z] > 0).sum()) for s, z in _SYMBOLS.items()} }")
    else:
        test = _scaffold_test([base.smiles[r] for r in rows], n_test, rng)
        what = f"{n} molecules"
    if test.all() or not test.any():
        raise ValueError(f"kind={kind!r} leaves the {'train' if test.all() else 'test'} side empty ({what})")
    order = rng.permutation(n)
    return order[~test[order]], order[test[order]]


def _qm9_rows(dataset) -> tuple[QM9Dataset, np.ndarray]:
    """The QM9Dataset under ``dataset`` (itself or a Subset's) and the positions ``dataset`` covers."""
    if isinstance(dataset, torch.utils.data.Subset) and isinstance(dataset.dataset, QM9Dataset):
        return dataset.dataset, np.asarray(dataset.indices, dtype=np.int64)
    if isinstance(dataset, QM9Dataset):
        return dataset, np.arange(len(dataset))
    raise ValueError(f"dataset: expected a QM9Dataset (from load_qm9) or a Subset of one, got "
                     f"{type(dataset).__name__}")


def _scaffold_test(smiles: list[str], n_test: int, rng: np.random.Generator) -> np.ndarray:
    """Test mask [n] of a scaffold split: whole scaffold groups, at most ``n_test`` molecules."""
    from rdkit import Chem, rdBase
    from rdkit.Chem.Scaffolds import MurckoScaffold

    groups: dict[str, list[int]] = {}
    with rdBase.BlockLogs():
        for i, s in enumerate(smiles):
            mol = Chem.MolFromSmiles(s)
            key = s if mol is None else MurckoScaffold.MurckoScaffoldSmiles(mol=mol, includeChirality=False)
            groups.setdefault(key, []).append(i)
    small = [g for g in groups.values() if len(g) <= n_test / 2]
    test, taken = np.zeros(len(smiles), dtype=bool), 0
    for k in rng.permutation(len(small)):
        if taken + len(small[k]) <= n_test:
            test[small[k]] = True
            taken += len(small[k])
    return test
