r"""Re-docking a ligand into its protein: Vina's score, a rigid-body pose search, RMSD and plausibility checks.

- :mod:`.types`: AutoDock Vina's X-Score atom types of ligand and protein heavy atoms (``ligand_xs_types``,
  ``protein_xs_types``): radius, hydrophobic, hydrogen-bond donor and acceptor;
- :mod:`.score`: :class:`VinaScore`, Vina's intermolecular score, a sum over ligand-pocket distances only, so
  moving protein and ligand together changes nothing (SE(3), and reflections too);
- :mod:`.search`: :func:`dock`, random restarts in the pocket box and gradient descent on each restart's
  quaternion and translation by autograd; :func:`random_search`, the baseline at equal numbers of scored poses;
- :mod:`.rmsd`: :func:`pose_rmsd`, heavy-atom RMSD without alignment, over the ligand's graph symmetries;
- :mod:`.checks`: :func:`posebusters_table`, PoseBusters' plausibility checks of poses in the protein.

Layer: imports ``so3`` only (never ``data``, ``models``, ``train``, ``zoo``, ``exercises`` or ``viz``): the complex
comes in as arrays and an RDKit molecule (``airtools.data.load_complex`` reads one). Names load on first use, so
the score and the search do not load PoseBusters (and pandas).

>>> import torch
>>> from airtools.docking import VinaScore
>>> g = torch.Generator().manual_seed(0)
>>> pocket, pos = torch.randn(30, 3, dtype=torch.float64, generator=g) * 4, torch.randn(2, 3, dtype=torch.float64)
>>> R, t = torch.linalg.qr(torch.randn(3, 3, dtype=torch.float64))[0], torch.randn(3, dtype=torch.float64)
>>> score, moved = VinaScore([0, 6], pocket, [0] * 30), VinaScore([0, 6], pocket @ R.T + t, [0] * 30)
>>> bool(torch.isclose(moved(pos @ R.T + t), score(pos), rtol=0, atol=1e-12))
True
"""
from airtools._lazy import lazy_names

_WHERE = {
    "types": ["XS_TYPES", "XS_RADIUS", "XS_HYDROPHOBIC", "XS_DONOR", "XS_ACCEPTOR", "ligand_xs_types",
              "protein_xs_types"],
    "score": ["VINA_WEIGHTS", "VINA_CUTOFF", "VinaScore"],
    "search": ["DockingRun", "dock", "random_poses", "random_search", "rigid_pose"],
    "rmsd": ["ligand_symmetries", "pose_rmsd"],
    "checks": ["posebusters_table", "with_pose"],
}
__all__, __getattr__, __dir__ = lazy_names("airtools.docking", _WHERE)
