r"""Generative recipes: EDM-style diffusion on small QM9 molecules (equivariant and baseline), and conformers.

``"qm9-diffusion-egnn"`` and ``"qm9-diffusion-gnn"``: a :class:`~airtools.generative.PointCloudDiffusion` with
the E(3)-equivariant EGNN denoiser (hidden 32, 3 layers) or the non-equivariant GNN baseline (hidden 40,
3 layers: parameter counts within 4 % of each other), trained on the QM9 molecules with at most ``max_heavy``
heavy atoms (48 molecules for 4, hydrogens included), the same way: ``n_steps`` Adam steps of 16 molecules,
each in a fresh random orientation, one-cycle learning rate up to ``lr``, EDM's ``polynomial_2`` schedule with
T = 100 steps. This is about 1/10,000 of EDM's training on full QM9 (Hoogeboom et al. 2022: 1.1M molecule
batches of 64 with a 256-wide, 9-layer EGNN); it takes ~10-20 s per model on a quiet CPU core.

Measured on a busy 2-core machine (recipe seeds 0-4, 100 ancestral samples each): EGNN atom stability 0.30-0.46,
validity 0.56-0.78; GNN 0.22-0.24 and 0.36-0.41. Given twice the steps (2,000, about the EGNN's wall-clock time;
seeds 0-2, same settings otherwise) the GNN reached 0.22-0.25 and 0.44-0.51: behind at equal time as well.

``"conformer-diffusion"``: a :class:`~airtools.generative.ConformerDiffusion` (hidden 32, 3 layers) on the
heavy-atom conformers of :data:`CONFORMER_SMILES`: 100 ETKDG conformers per molecule, each minimised with
MMFF94 (``airtools.data.etkdg_conformers(..., seed=1, mmff=True)``), ``n_steps`` steps of 32 conformers (~25 s).
Against the MMFF94 minima of a torsion scan (seeds 0-2, twice the reference count per molecule): COV-R 0.955-0.966,
MAT-R 0.249-0.261 Å, MAT-P 0.274-0.286 Å; ETKDG 0.832, 0.205 Å, 0.098 Å (lesson 22).

``"crystal-diffusion"``: a :class:`~airtools.generative.CrystalDiffusion` (DiffCSP-style periodic diffusion,
hidden 64, 3 layers, T = 100) on the 45 EMT-relaxed metal and alloy cells of ``airtools.data.prototype_crystals``
(2-4 atoms each): ``n_steps`` Adam steps of 32 cells, ~15-20 s on a busy CPU core (lesson 23). Seeds 0 and 1,
90 samples on the training compositions: 78 % and 74 % valid (no pair closer than 2 Å; random cells 11-13 %).

Each checkpoint's ``extra`` holds the training SMILES (for novelty), the loss per step and the seconds it took:
:func:`training_smiles`, :func:`training_record`.
"""
from __future__ import annotations

import time
from functools import partial

import numpy as np
import torch
from tqdm.auto import tqdm

from airtools import default_device
from airtools.data import etkdg_conformers, heavy_atom_graph, load_qm9, prototype_crystals
from airtools.generative import (ConformerDiffusion, CrystalConfig, CrystalDiffusion, DiffusionConfig,
                                 PointCloudDiffusion, batch_graphs, canonical_smiles, conformer_graph)
from airtools.so3 import random_rotation

from ._registry import REGISTRY, Recipe, register

__all__ = ["QM9_EGNN", "QM9_GNN", "CONFORMERS", "CRYSTALS", "CONFORMER_SMILES", "GENERATORS", "qm9_subset",
           "crystal_tensors", "training_smiles", "training_record", "fit_steps"]

# fixed molecular graphs of the conformer generator: chains with 2-3 rotatable heavy-atom torsions (all in QM9)
CONFORMER_SMILES = ("CCCCC", "CCCCO", "CCCCN", "CCOCC", "OCCCO", "COCCO", "CCCCCC", "CCCCCO")
_WIDTH = {"egnn": 32, "gnn": 40}  # similar parameter counts: 29,096 and 30,008 (5 atom types, 3 layers)
_T = 100
_MOLECULE_BATCH, _CONFORMER_BATCH, _N_TRAIN_CONFORMERS = 16, 32, 100
_CRYSTAL_BATCH = 32


def qm9_subset(max_heavy: int = 4):
    """The training molecules: every QM9 molecule with at most ``max_heavy`` heavy atoms (hydrogens included).

    >>> ds = qm9_subset(4); len(ds), max(len(z) for z in ds.z)
    (48, 14)
    """
    return load_qm9(None, max_heavy=max_heavy, atom_energies=None)


def fit_steps(model: torch.nn.Module, loss_fn, *, n_steps: int, lr: float, seed: int = 0,
              progress: bool = False, desc: str = "train") -> list[float]:
    """Adam with a one-cycle learning rate (warm-up over the first 10 %, then cosine decay to ~0) for
    ``n_steps`` steps of ``loss_fn(generator) -> scalar``; the generator (seeded) draws batches and noise.

    Diffusion losses are noisy (a random time per molecule), so the final weights are kept, not the
    lowest-loss ones. On a CPU the steps run on one thread (tiny graphs: faster than two waiting for each other).

    Returns:
        the loss of every step.

    >>> w = torch.nn.Parameter(torch.zeros(1))
    >>> losses = fit_steps(torch.nn.ParameterList([w]), lambda g: ((w - 3) ** 2).sum(), n_steps=200, lr=0.1)
    >>> round(w.item(), 2)
    3.0
    """
    if not (isinstance(n_steps, int) and n_steps >= 1):
        raise ValueError(f"n_steps: expected a positive number of training steps, got {n_steps!r}")
    generator = torch.Generator().manual_seed(seed)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=lr, total_steps=n_steps, pct_start=0.1)
    on_cpu = next(model.parameters()).device.type == "cpu"
    threads = torch.get_num_threads()
    if on_cpu:
        torch.set_num_threads(1)
    losses = []
    try:
        model.train()
        for _ in tqdm(range(n_steps), desc=desc, disable=not progress):
            loss = loss_fn(generator)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            schedule.step()
            losses.append(loss.item())
            if not np.isfinite(losses[-1]):
                raise FloatingPointError(f"loss is {losses[-1]} at step {len(losses)}; try a smaller lr (now {lr:g})")
    finally:
        torch.set_num_threads(threads)
        model.eval()
    return losses


def _fit_molecules(denoiser, progress, *, max_heavy, n_steps, lr, seed):
    data = qm9_subset(max_heavy)
    device = default_device()
    zs = [z.to(device) for z in data.z]
    ps = [p.to(device) for p in data.pos]
    sizes = torch.tensor([len(z) for z in zs])
    torch.manual_seed(seed)
    config = DiffusionConfig(denoiser=denoiser, hidden=_WIDTH[denoiser], n_layers=3, T=_T)
    model = PointCloudDiffusion(config=config, sizes=sizes).to(device)

    def loss_fn(generator):
        idx = torch.randint(len(zs), (_MOLECULE_BATCH,), generator=generator).tolist()
        R = random_rotation(len(idx), generator=generator).to(device)  # [B, 3, 3]: a fresh orientation each
        pos = torch.cat([ps[i] @ R[k].T for k, i in enumerate(idx)])
        batch = torch.repeat_interleave(torch.arange(len(idx), device=device), sizes[idx].to(device))
        return model.loss(torch.cat([zs[i] for i in idx]), pos, batch, generator=generator)

    t0 = time.perf_counter()
    losses = fit_steps(model, loss_fn, n_steps=n_steps, lr=lr, seed=seed, progress=progress,
                       desc=f"{denoiser} diffusion")
    return model, dict(batch_size=_MOLECULE_BATCH, n_steps=n_steps, lr=lr), {
        "smiles": [canonical_smiles(s) for s in data.smiles], "losses": losses, "seconds": time.perf_counter() - t0,
        "n_params": sum(p.numel() for p in model.parameters()), "device": str(device)}


def _fit_conformers(progress, *, n_steps, lr, seed):
    mols = [heavy_atom_graph(s) for s in CONFORMER_SMILES]
    device = default_device()
    confs = [torch.tensor(etkdg_conformers(s, _N_TRAIN_CONFORMERS, seed=1, mmff=True), dtype=torch.float32,
                          device=device) for s in CONFORMER_SMILES]
    graphs = [conformer_graph(m) for m in mols]
    torch.manual_seed(seed)
    model = ConformerDiffusion(hidden=32, n_layers=3, T=_T).to(device)

    def loss_fn(generator):
        mol = torch.randint(len(mols), (_CONFORMER_BATCH,), generator=generator).tolist()
        conf = torch.randint(_N_TRAIN_CONFORMERS, (_CONFORMER_BATCH,), generator=generator).tolist()
        pos = torch.cat([confs[m][c] for m, c in zip(mol, conf)])
        return model.loss(batch_graphs([graphs[m] for m in mol]), pos, generator=generator)

    t0 = time.perf_counter()
    losses = fit_steps(model, loss_fn, n_steps=n_steps, lr=lr, seed=seed, progress=progress, desc="conformer diffusion")
    return model, dict(batch_size=_CONFORMER_BATCH, n_steps=n_steps, lr=lr), {
        "smiles": list(CONFORMER_SMILES), "losses": losses, "seconds": time.perf_counter() - t0,
        "n_params": sum(p.numel() for p in model.parameters()), "device": str(device)}


def crystal_tensors(cells, device=None) -> tuple[list, list, torch.Tensor]:
    """``z`` and ``frac`` of each cell (lists of ``[n]`` and ``[n, 3]`` tensors) and ``cell [S, 3, 3]`` (float32).

    >>> from airtools.data import prototypes
    >>> zs, fracs, cell = crystal_tensors(prototypes()[:2]); [len(z) for z in zs], cell.shape
    ([4, 2], torch.Size([2, 3, 3]))
    """
    zs = [torch.as_tensor(a.numbers, dtype=torch.long, device=device) for a in cells]
    fracs = [torch.as_tensor(a.get_scaled_positions(wrap=True), dtype=torch.float32, device=device) for a in cells]
    return zs, fracs, torch.as_tensor(np.stack([a.cell[:] for a in cells]), dtype=torch.float32, device=device)


def _fit_crystals(progress, *, n_steps, lr, seed):
    cells = prototype_crystals()
    device = default_device()
    zs, fracs, cell = crystal_tensors(cells, device)
    torch.manual_seed(seed)
    config = CrystalConfig(hidden=64, n_layers=3, T=_T)
    model = CrystalDiffusion(config).to(device)
    model.set_lattice_stats(cell)

    def loss_fn(generator):
        idx = torch.randint(len(zs), (_CRYSTAL_BATCH,), generator=generator).tolist()
        batch = torch.cat([torch.full((len(zs[i]),), k, device=device) for k, i in enumerate(idx)])
        return model.loss(torch.cat([zs[i] for i in idx]), torch.cat([fracs[i] for i in idx]), cell[idx], batch,
                          generator=generator)

    t0 = time.perf_counter()
    losses = fit_steps(model, loss_fn, n_steps=n_steps, lr=lr, seed=seed, progress=progress, desc="crystal diffusion")
    return model, dict(batch_size=_CRYSTAL_BATCH, n_steps=n_steps, lr=lr), {
        "compositions": [a.numbers.tolist() for a in cells], "losses": losses, "seconds": time.perf_counter() - t0,
        "n_params": sum(p.numel() for p in model.parameters()), "device": str(device)}


def _tag(**settings) -> str:
    return "-".join(f"{k}{v:g}" if isinstance(v, float) else f"{k}{v}" for k, v in settings.items())


QM9_EGNN = register(Recipe(
    "qm9-diffusion-egnn", version=1, fit=partial(_fit_molecules, "egnn"), tag=_tag,
    summary="EDM-style diffusion with the equivariant EGNN on QM9 molecules of <= 4 heavy atoms",
    defaults=dict(max_heavy=4, n_steps=1000, lr=1e-2, seed=0)))
QM9_GNN = register(Recipe(
    "qm9-diffusion-gnn", version=1, fit=partial(_fit_molecules, "gnn"), tag=_tag,
    summary="the same diffusion with the non-equivariant GNN baseline (EDM's GDM), same data and steps",
    defaults=dict(max_heavy=4, n_steps=1000, lr=1e-2, seed=0)))
CONFORMERS = register(Recipe(
    "conformer-diffusion", version=1, fit=_fit_conformers, tag=_tag,
    summary="coordinate diffusion conditioned on the molecular graph: heavy-atom conformers of 8 chains",
    defaults=dict(n_steps=1500, lr=5e-3, seed=0)))
CRYSTALS = register(Recipe(
    "crystal-diffusion", version=1, fit=_fit_crystals, tag=_tag,
    summary="DiffCSP-style periodic diffusion on 45 EMT-relaxed metal and alloy cells (2-4 atoms)",
    defaults=dict(n_steps=3000, lr=3e-3, seed=0)))
GENERATORS = {"equivariant (EGNN)": QM9_EGNN.name, "baseline (GNN)": QM9_GNN.name}  # the dashboard's choice


def training_record(name: str, **settings) -> dict:
    """The ``extra`` a generative recipe stored with its checkpoint (``smiles``, ``losses``, ``seconds``,
    ``n_params``, ...); ``ValueError`` when it is not trained yet."""
    names = [QM9_EGNN.name, QM9_GNN.name, CONFORMERS.name, CRYSTALS.name]
    if name not in names:
        raise ValueError(f"name: expected one of the generative recipes {names}, got {name!r}")
    recipe = REGISTRY[name]
    path = recipe.path(**settings)
    if not path.exists():
        raise ValueError(f"{name}: not trained yet; zoo.load({name!r}) trains it (or `airtools zoo build {name}`)")
    return torch.load(path, weights_only=True)["extra"]


def training_smiles(name: str, **settings) -> list[str]:
    """Canonical SMILES of the molecules a generative recipe was trained on (for novelty)."""
    return training_record(name, **settings)["smiles"]
