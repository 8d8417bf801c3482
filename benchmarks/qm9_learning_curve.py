"""QM9 U0 learning curve: SchNet, PaiNN and a descriptor MLP (BPNN) at N = 100 ... 2000 training molecules.

Data: ``load_qm9(N_TEST + max(N), seed=0, atom_energies=QM9_FREE_ATOM_U0)``, U0 minus the free-atom energies
(the atomization energy, eV), as in the zoo's ``"qm9-energy"`` recipe. ``load_qm9``'s random subsets are nested,
so the first ``N_TEST`` = 1000 molecules are one fixed random test set for every N (and for a larger run), and
the training sets are the next N molecules: N = 100 is inside N = 200, and so on.

Per run, as in the recipe: per-element references fitted by least squares on the N training molecules only
(``fit_atom_references``), the readout scaled by the residual spread per atom, energy MSE, AdamW with a cosine
schedule, no validation split, one torch thread on a CPU. Models (``airtools.models``):

* ``schnet``: ``SchNet(hidden=32, n_filters=32, n_interactions=3, r_cut=4.0)`` (the recipe's);
* ``painn``: ``PaiNN(hidden=32, n_layers=3, r_cut=4.0)``;
* ``bpnn``: ``BPNN(hidden=64)``, an MLP on a fixed-size per-atom descriptor (radial symmetry functions, 5
  elements x 16 Gaussians), descriptors computed once (``DescriptorSet``).

Epochs: every run gets ``max(epochs, ceil(min_steps / steps_per_epoch))`` epochs, so the small sets are not
starved of gradient steps (N = 100 with batch 32 has 4 steps an epoch): defaults 50 epochs, at least 1200 steps.
Reported: test MAE (meV) on the 1000 test molecules, the MAE of the per-element references alone (the plain
baseline), seconds per run (wall clock: references, descriptors, training, test predictions).

    python benchmarks/qm9_learning_curve.py                              # ~10-15 min on a 2-core CPU
    python benchmarks/qm9_learning_curve.py --sizes 100 --epochs 2 --min-steps 10 --out /tmp/curve.json
    python benchmarks/qm9_learning_curve.py --device cuda --sizes 100 1000 10000 100000 --out gpu.json

Results: benchmarks/results/qm9_learning_curve.json (settings, machine, torch threads, date, one row per run).
"""
from __future__ import annotations

import argparse
import datetime
import json
import math
import os
import platform
import time
from pathlib import Path

import numpy as np
import torch

from airtools.data import QM9_FREE_ATOM_U0, fit_atom_references, load_qm9
from airtools.models import BPNN, DescriptorSet, PaiNN, SchNet, descriptor_loss
from airtools.train import TrainConfig, energy_force_loss, train

RESULTS = Path(__file__).resolve().parent / "results" / "qm9_learning_curve.json"
N_TEST = 1000
SIZES = (100, 200, 500, 1000, 2000)
MODELS = {
    "schnet": lambda: SchNet(hidden=32, n_filters=32, n_interactions=3, r_cut=4.0),
    "painn": lambda: PaiNN(hidden=32, n_layers=3, r_cut=4.0),
    "bpnn": lambda: BPNN(hidden=64),
}
# full-data QM9 U0 test MAEs, 110,000 training molecules (PaiNN's Table 2 lists both)
PUBLISHED = {
    "schnet": {"n_train": 110_000, "mae_mev": 14.0, "source": "Schütt et al., J. Chem. Phys. 148, 241722 (2018)"},
    "painn": {"n_train": 110_000, "mae_mev": 5.85, "source": "Schütt, Unke & Gastegger, ICML 2021 (arXiv:2102.03150)"},
}


def default_device() -> str:
    return "cuda" if torch.cuda.is_available() else "cpu"


def settings_from_args(args) -> dict:
    """The settings a run depends on (stored in the JSON; :func:`run_one` reads only these)."""
    return {"n_test": args.n_test, "sizes": list(args.sizes), "models": list(args.models), "seeds": list(args.seeds),
            "epochs": args.epochs, "min_steps": args.min_steps, "batch_size": args.batch_size, "lr": args.lr,
            "schedule": "cosine", "optimizer": "AdamW", "loss": "energy MSE (eV^2)", "device": args.device,
            "torch_threads": args.threads,
            "target": "QM9 U0 minus free-atom energies (QM9_FREE_ATOM_U0), eV; per-element references fitted "
                      "on the training molecules",
            "split": "load_qm9(n_test + max(sizes), seed=0): first n_test = test, next N = training",
            "model_configs": {name: MODELS[name]().config.__dict__ for name in args.models}}


def n_epochs_for(n_train: int, settings: dict) -> int:
    """``max(epochs, ceil(min_steps / steps per epoch))``."""
    steps_per_epoch = math.ceil(n_train / settings["batch_size"])
    return max(settings["epochs"], math.ceil(settings["min_steps"] / steps_per_epoch))


def load_data(settings: dict):
    return load_qm9(settings["n_test"] + max(settings["sizes"]), seed=0, atom_energies=QM9_FREE_ATOM_U0)


def run_one(data, name: str, n_train: int, seed: int, settings: dict) -> dict:
    """Train model ``name`` on ``n_train`` molecules with ``seed``; its test MAE (meV), seconds and counts."""
    t0 = time.perf_counter()
    n_test, device = settings["n_test"], settings["device"]
    train_idx = np.arange(n_test, n_test + n_train)
    zs = [data.z[i] for i in train_idx]
    energy = data.energy[train_idx].double()  # [n_train] atomization energies, eV
    atom_ref = fit_atom_references(zs, energy)  # [max_z + 1]; zero for an element the training set lacks
    residual = energy - torch.stack([atom_ref[z].sum() for z in zs])
    n_atoms = torch.tensor([len(z) for z in zs], dtype=torch.float64)
    torch.manual_seed(seed)
    model = MODELS[name]()
    model.set_energy_reference(atom_ref, scale=float(residual.std() / n_atoms.mean().sqrt()))
    n_epochs = n_epochs_for(n_train, settings)
    config = TrainConfig(n_epochs=n_epochs, lr=settings["lr"], batch_size=settings["batch_size"], val_fraction=0,
                         patience=None, schedule=settings["schedule"], seed=seed, device=device, progress=False)
    train_set = torch.utils.data.Subset(data, train_idx)
    if name == "bpnn":  # fixed geometries: the descriptors once, then only the MLP trains
        history = train(model, DescriptorSet(model, train_set), config, loss_fn=descriptor_loss)
    else:
        history = train(model, train_set, config, loss_fn=energy_force_loss)
    pred, target = _predict(model, data, np.arange(n_test))
    ref_only = np.array([float(atom_ref[data.z[i]].sum()) for i in range(n_test)])
    return {"model": name, "n_train": n_train, "seed": seed, "n_epochs": n_epochs,
            "n_steps": n_epochs * math.ceil(n_train / settings["batch_size"]),
            "n_parameters": sum(p.numel() for p in model.parameters()),
            "mae_mev": 1000 * float(np.abs(pred - target).mean()),
            "baseline_mae_mev": 1000 * float(np.abs(ref_only - target).mean()),
            "final_train_loss": history.train_loss[-1], "train_seconds": history.seconds,
            "seconds": time.perf_counter() - t0}


def _predict(model, data, indices, batch_size: int = 250) -> tuple[np.ndarray, np.ndarray]:
    """``(predicted, target)`` energies (eV) [len(indices)] float64, on the model's device."""
    ref = model.readout.atom_ref
    preds, targets = [], []
    for start in range(0, len(indices), batch_size):
        batch = data.collate([data[int(i)] for i in indices[start:start + batch_size]])
        with torch.no_grad():
            energy = model(batch["z"].to(ref.device), batch["pos"].to(ref), batch["batch"].to(ref.device))
        preds.append(energy.double().cpu().numpy())
        targets.append(batch["energy"].double().numpy())
    return np.concatenate(preds), np.concatenate(targets)


def machine(settings: dict) -> dict:
    info = {"platform": platform.platform(), "processor": platform.processor() or platform.machine(),
            "cpu_count": os.cpu_count(), "python": platform.python_version(), "torch": torch.__version__,
            "torch_threads": torch.get_num_threads(), "device": settings["device"]}
    if settings["device"].startswith("cuda"):
        info["gpu"] = torch.cuda.get_device_name(torch.device(settings["device"]))
    if hasattr(os, "getloadavg"):
        info["load_average_at_start"] = [round(x, 2) for x in os.getloadavg()]
    return info


def run(settings: dict, progress=print) -> dict:
    """Every (model, N, seed) of ``settings``; the JSON-ready result."""
    torch.set_num_threads(settings["torch_threads"])
    info = machine(settings)
    data = load_data(settings)
    rows = []
    for n_train in settings["sizes"]:
        for name in settings["models"]:
            for seed in settings["seeds"]:
                rows.append(run_one(data, name, n_train, seed, settings))
                r = rows[-1]
                progress(f"{name:7s} N={n_train:6d} seed {seed}: {r['mae_mev']:8.1f} meV "
                         f"(references only {r['baseline_mae_mev']:.0f}) {r['n_epochs']:4d} epochs "
                         f"{r['seconds']:6.1f} s")
    return {"benchmark": "qm9_learning_curve", "date": datetime.datetime.now(datetime.timezone.utc).isoformat(
                timespec="seconds"), "machine": info, "settings": settings, "published": PUBLISHED,
            "runs": rows, "total_seconds": sum(r["seconds"] for r in rows)}


def table(result: dict) -> str:
    """MAE (meV) and seconds per model and N, means over seeds."""
    s = result["settings"]
    lines = [f"{'N':>6s} " + " ".join(f"{m + ' meV':>12s} {'s':>6s}" for m in s["models"])]
    for n in s["sizes"]:
        cells = []
        for m in s["models"]:
            rows = [r for r in result["runs"] if r["model"] == m and r["n_train"] == n]
            cells.append(f"{np.mean([r['mae_mev'] for r in rows]):12.1f} {np.mean([r['seconds'] for r in rows]):6.1f}")
        lines.append(f"{n:6d} " + " ".join(cells))
    return "\n".join(lines)


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--sizes", type=int, nargs="+", default=list(SIZES), help="training set sizes N")
    p.add_argument("--models", nargs="+", default=list(MODELS), choices=list(MODELS))
    p.add_argument("--seeds", type=int, nargs="+", default=[0])
    p.add_argument("--epochs", type=int, default=50, help="at least this many epochs per run")
    p.add_argument("--min-steps", type=int, default=1200, help="... and at least this many gradient steps")
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--lr", type=float, default=5e-3)
    p.add_argument("--n-test", type=int, default=N_TEST)
    p.add_argument("--device", default=default_device())
    p.add_argument("--threads", type=int, default=1, help="torch threads (1: fastest for ~18-atom molecules)")
    p.add_argument("--out", type=Path, default=RESULTS)
    return p.parse_args(argv)


def main(argv=None) -> dict:
    args = parse_args(argv)
    result = run(settings_from_args(args))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1) + "\n")
    print(table(result))
    print(f"total {result['total_seconds']:.0f} s; wrote {args.out}")
    return result


if __name__ == "__main__":
    main()
