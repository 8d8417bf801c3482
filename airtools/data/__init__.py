"""Offline datasets: everything is generated or computed locally and cached on disk, nothing is downloaded.

``molecules``: ASE g2 geometries, normal-mode conformers, PySCF labels (``METHOD = "rhf/sto-3g"``) in eV
and Å; ``interactions``: counterpoise-corrected water dimers; ``proteins``: real chains from
``MDAnalysisTests`` read with gemmi; ``inverse_folding``: the same chains as backbone -> amino acid, with extra
invariant geometry (virtual Cβ, burial, atom-pair distances); ``crystals``: ASE bulk cells with EMT labels;
``qm9``: QM9 (Ramakrishnan et al. 2014) from the CSV files of the PyPI package ``qm9pack``, converted once to a
cache file, with ``load_qm9`` and the teaching splits ``qm9_split``; ``conformers``: RDKit conformer ensembles (ETKDG,
MMFF94 minima of a torsion scan) and torsion angles; ``smiles``: SMILES tokens for a chemical language
model (``SmilesTokenizer``) and RDKit's validity check (``parse_smiles``); ``docking``: a protein-ligand
complex for re-docking (``load_complex``: the ligand as an RDKit molecule in its crystal pose, the pocket).
Everything computed is cached under ``$AIRTOOLS_CACHE`` (default ``~/.cache/airtools``) with a SHA-256
checksum (``airtools.cache``).

Layer: no models and no training here (``airtools.zoo`` composes data, models and training). Names load on first
use, one submodule at a time: ``from airtools.data import get_molecule`` reads ASE's molecules without loading
gemmi (proteins) or spglib (crystals).

>>> from airtools.data import build_dataset, collate_molecules
>>> batch = collate_molecules([build_dataset("water", 2, progress=False)[i] for i in range(2)])
>>> batch["pos"].shape, batch["energy"].shape
(torch.Size([6, 3]), torch.Size([2]))
"""
from airtools._lazy import lazy_names

_WHERE = {  # submodule -> the public names it defines (loaded on first use)
    "_dssp_rules": ["dssp_rules", "hbond_energy"],
    "_dataset": ["MoleculeDataset", "collate_molecules", "fit_atom_references"],
    "_contacts": ["contacts_per_residue", "find_ligand", "ligand_contacts"],
    "_shipped": ["shipped_structure"],
    "docking": ["LIGAND_SMILES", "load_complex"],
    "_xyz": ["MAX_ATOMS", "MAX_EXTENT", "MIN_DISTANCE", "read_xyz"],
    "crystals": ["ELEMENTS", "STRUCTURES", "CrystalDataset", "build_crystal_dataset", "bulk_crystal",
                 "collate_crystals", "emt_labels", "equation_of_state", "primitive_cell", "random_alloy",
                 "spacegroup", "strained"],
    "crystal_prototypes": ["ALLOY_PAIRS", "atoms_from_arrays", "by_composition", "min_distance", "prototype_crystals",
                           "prototypes", "judge_crystals", "relax_emt", "relax_lattice"],
    "interactions": ["DIMER_METHOD", "DimerDataset", "collate_dimers", "interaction_energy", "pose_features",
                 "relative_pose", "sample_dimers", "water_dimer"],
    "proteins": ["EDGE_FEATURES", "N_EDGE_FEATURES", "SS_CLASSES", "Chain", "backbone_frames", "ca_distances",
                 "collate_chains", "contact_map", "dihedral", "dssp_chains", "dssp_labels", "dssp_split",
                 "load_chain", "residue_features", "residue_graph", "secondary_structure_dataset", "torsions"],
    "inverse_folding": ["AMINO_ACIDS", "IGNORE_INDEX", "N_DESIGN_EDGE_FEATURES", "THREE_LETTER",
                        "amino_acid_labels", "design_features", "inverse_folding_dataset"],
    "_design_geometry": ["atom_pair_rbf", "burial_counts", "virtual_cb"],
    "molecules": ["ALIASES", "LESSON_MOLECULES", "METHOD", "build_all", "build_dataset", "compute_labels",
                 "equilibrium", "get_molecule", "molecule_names", "sample_conformers", "PySCFCalculator"],
    "conformers": ["STAGGERED", "etkdg_conformers", "heavy_atom_graph", "rotatable_torsions", "torsion_angles",
                   "torsion_scan_minima"],
    "qm9": ["QM9_FREE_ATOM_U0", "QM9_PROPERTIES", "QM9_VERSION", "QM9Dataset", "load_qm9", "qm9_arrays", "qm9_split"],
    "smiles": ["SMILES_REGEX", "SmilesTokenizer", "parse_smiles", "tokenize_smiles"],
}
__all__, __getattr__, __dir__ = lazy_names("airtools.data", _WHERE)
