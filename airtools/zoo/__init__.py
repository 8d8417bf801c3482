"""Pretrained recipes: a registry of the models lessons and dashboards reuse, each trained once and cached.

=======================  ==================================================================================
``molecule-energy``      SchNet on one molecule's PySCF energies and forces (:func:`molecule_model`)
``secondary-structure``  ResidueGNN: helix/strand/coil per residue from backbone geometry
``inverse-folding``      ResidueGNN: each residue's amino acid from the backbone alone (:mod:`.protein_design`)
``crystal-energy``       periodic SchNet on EMT energies, forces of metal and alloy cells
``burgers-heat-fno``     the pde dashboard's FNO: u0, ν -> u(t) for heat and Burgers
``qm9-energy``           SchNet on QM9 atomization energies, in distribution: <= 8 heavy atoms, no fluorine
``qm9-energy-ensemble``  three ``qm9-energy`` seeds as a deep ensemble, conformal intervals (:mod:`.qm9_ensemble`)
``qm9-diffusion-egnn``   EDM-style equivariant diffusion on small QM9 molecules (:mod:`.generative`)
``qm9-diffusion-gnn``    the same with the non-equivariant GNN baseline
``conformer-diffusion``  heavy-atom conformers of fixed molecular graphs by graph-conditioned diffusion
``crystal-diffusion``    DiffCSP-style periodic diffusion of small metal and alloy cells (lesson 23)
=======================  ==================================================================================

``zoo.load(name, train=False)``returns the cached model or None (a page that must stay fast);
``zoo.load(name)`` trains it when it is missing. ``airtools zoo build`` fills the cache ahead of a class.
Checkpoints live in ``cache_dir()/zoo/<name>-<settings>-v<version>.pt`` (atomic writes; an unreadable file is
retrained).

Layer: the zoo composes ``data``, ``pde``, ``models``, ``generative`` and ``train``; only ``cli``, ``portal``, lessons and
dashboards import it.

>>> from airtools import zoo
>>> sorted(zoo.REGISTRY)  # doctest: +NORMALIZE_WHITESPACE
['burgers-heat-fno', 'conformer-diffusion', 'crystal-diffusion', 'crystal-energy', 'inverse-folding',
 'molecule-energy', 'qm9-diffusion-egnn', 'qm9-diffusion-gnn', 'qm9-energy', 'qm9-energy-ensemble',
 'secondary-structure']
"""
from . import crystals, generative, molecules, pde, protein_design, proteins, qm9, qm9_ensemble
from ._build import DATASETS, BuildRow, build, build_table, entry_names
from ._registry import REGISTRY, Recipe, get, load, register
from .molecules import molecule_model

__all__ = ["REGISTRY", "Recipe", "get", "load", "register", "molecule_model", "build", "build_table",
           "entry_names", "DATASETS", "BuildRow", "crystals", "generative", "molecules", "pde", "protein_design",
           "proteins", "qm9", "qm9_ensemble"]
