"""Offline datasets: everything is generated or computed locally and cached on disk, nothing is downloaded.

``molecules``: ASE g2 geometries, normal-mode conformers, PySCF labels (``METHOD = "rhf/sto-3g"``) in eV
and Å, cached under ``$AIRTOOLS_CACHE`` (default ``~/.cache/airtools``) with a SHA-256 checksum.
``qm9``: QM9 (Ramakrishnan et al. 2014) from the CSV files of the PyPI package ``qm9pack``, converted once
to a cache file; ``load_qm9`` and the teaching splits ``qm9_split``.

>>> from airtools.data import build_dataset, collate_molecules
>>> batch = collate_molecules([build_dataset("water", 2, progress=False)[i] for i in range(2)])
>>> batch["pos"].shape, batch["energy"].shape
(torch.Size([6, 3]), torch.Size([2]))
"""
from airtools.cache import atomic_write, cache_dir, cache_key, cached, load_arrays, save_arrays
from ._dssp_rules import dssp_rules, hbond_energy
from ._dataset import MoleculeDataset, collate_molecules, fit_atom_references
from ._contacts import contacts_per_residue, find_ligand, ligand_contacts
from ._xyz import MAX_ATOMS, MAX_EXTENT, MIN_DISTANCE, read_xyz
from .crystals import (CrystalDataset, build_crystal_dataset, bulk_crystal, collate_crystals, crystal_model_path,
                       emt_labels, equation_of_state, model_energies, pretrained_crystal_model, primitive_cell,
                       random_alloy, spacegroup, strained)
from .interactions import (DIMER_METHOD, DimerDataset, collate_dimers, interaction_energy, pose_features,
                           relative_pose, sample_dimers, water_dimer)
from .proteins import (SS_CLASSES, Chain, backbone_frames, ca_distances, contact_map, dssp_chains, dssp_labels,
                       dssp_split, load_chain, residue_features, residue_graph, secondary_structure_dataset,
                       torsions)
from .qm9 import QM9_PROPERTIES, QM9_VERSION, QM9Dataset, load_qm9, qm9_arrays, qm9_split
from .molecules import (ALIASES, LESSON_MOLECULES, METHOD, build_all, build_dataset, compute_labels,
                        equilibrium, get_molecule, main_build, molecule_names, sample_conformers, PySCFCalculator)

__all__ = ["METHOD", "ALIASES", "LESSON_MOLECULES", "MoleculeDataset", "collate_molecules", "fit_atom_references",
           "molecule_names", "get_molecule", "compute_labels", "equilibrium", "PySCFCalculator",
           "sample_conformers", "build_dataset", "build_all", "main_build", "cache_dir", "cache_key",
           "cached", "load_arrays", "save_arrays", "atomic_write", "read_xyz", "MAX_ATOMS", "MIN_DISTANCE",
           "MAX_EXTENT",
           "DIMER_METHOD", "water_dimer", "interaction_energy", "sample_dimers", "DimerDataset", "collate_dimers",
           "relative_pose", "pose_features", "ligand_contacts", "find_ligand", "contacts_per_residue",
           "Chain", "load_chain", "dssp_chains", "dssp_labels", "dssp_split", "secondary_structure_dataset",
           "residue_features", "SS_CLASSES", "torsions", "backbone_frames", "contact_map", "ca_distances",
           "residue_graph", "dssp_rules", "hbond_energy",
           "CrystalDataset", "build_crystal_dataset", "bulk_crystal", "collate_crystals", "crystal_model_path",
           "emt_labels", "equation_of_state", "model_energies", "pretrained_crystal_model", "primitive_cell",
           "random_alloy",
           "spacegroup", "strained",
           "QM9_PROPERTIES", "QM9_VERSION", "QM9Dataset", "load_qm9", "qm9_arrays", "qm9_split"]
