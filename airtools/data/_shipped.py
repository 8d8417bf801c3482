"""Real protein structures shipped by an installed PyPI package (``MDAnalysisTests``), found on disk.

Nothing is downloaded and nothing is copied into this repository: the files are read where pip put them.
``MDAnalysisTests`` is located with ``importlib`` without importing it (its ``__init__`` imports pytest).
"""
from __future__ import annotations

import importlib.util
from pathlib import Path

__all__ = ["shipped_data_dir", "shipped_structure"]

# short names of the structures the lessons and dashboards use -> file under MDAnalysisTests/data
STRUCTURES = {
    "adk_open": "adk_open.pdb",  # adenylate kinase, open (4AKE-like), 214 residues
    "adk_closed": "adk_closed.pdb",  # adenylate kinase, closed (1AKE-like)
    "1hvr": "1hvr.pdb",  # HIV-1 protease dimer with the inhibitor XK263
}


def shipped_data_dir() -> Path:
    """``.../site-packages/MDAnalysisTests/data``; a clear error if the package is missing.

    >>> (shipped_data_dir() / "dssp").is_dir()
    True
    """
    spec = importlib.util.find_spec("MDAnalysisTests")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("the protein structures come from the PyPI package MDAnalysisTests, which is not "
                                "installed; run `make install` (or `pip install MDAnalysisTests`)")
    return Path(list(spec.submodule_search_locations)[0]) / "data"


def shipped_structure(name: str) -> Path:
    """Path of a shipped structure: a key of ``STRUCTURES`` or a DSSP-set chain id like ``"1ahsA"``.

    >>> shipped_structure("adk_open").name, shipped_structure("1ahsA").name
    ('adk_open.pdb', '1ahsA.pdb.gz')
    """
    if name in STRUCTURES:
        path = shipped_data_dir() / STRUCTURES[name]
    else:
        path = shipped_data_dir() / "dssp" / f"{name}.pdb.gz"
    if not path.exists():
        chains = sorted(p.name.removesuffix(".pdb.gz") for p in (shipped_data_dir() / "dssp").glob("*.pdb.gz"))
        raise ValueError(f"unknown structure {name!r}; expected one of {sorted(STRUCTURES)} or a DSSP-set chain "
                         f"such as {chains[:4]} ({len(chains)} in all)")
    return path
