"""``python -m airtools.train`` (also ``airtools train``): train a zoo recipe, or a model on a named dataset,
on one process or data-parallel under ``torchrun``.

    python -m airtools.train --recipe crystal-energy --set n_epochs=10
    python -m airtools.train --model painn --dataset ethanol --epochs 40 --force-weight 10 --out painn.pt
    torchrun --nproc_per_node=2 -m airtools.train --model schnet --dataset water --batch-size 32

Under ``torchrun`` every process joins one group (gloo on CPUs, nccl on GPUs, ``airtools.train.distributed``),
the global batch is split across them, and rank 0 alone prints and writes the checkpoint.
"""
from __future__ import annotations

import argparse
import ast
import time
from pathlib import Path

import torch

__all__ = ["main", "build_parser"]

DTYPES = {"float32": torch.float32, "float64": torch.float64}


def build_parser() -> argparse.ArgumentParser:
    """The arguments of ``python -m airtools.train``."""
    from airtools.data import molecule_names
    from airtools.models import MODELS
    from airtools.zoo import REGISTRY

    p = argparse.ArgumentParser(prog="python -m airtools.train", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    what = p.add_mutually_exclusive_group(required=True)
    what.add_argument("--recipe", choices=sorted(REGISTRY), help="a zoo recipe, trained with its own settings")
    what.add_argument("--model", choices=sorted(MODELS), help="an energy model of airtools.models, trained on --dataset")
    p.add_argument("--set", nargs="*", default=[], metavar="KEY=VALUE",
                   help="override a recipe's settings, e.g. --set n_epochs=10 seed=1")
    p.add_argument("--dataset", default="water", metavar="MOLECULE",
                   help=f"a molecule whose conformers are labelled with PySCF (default water; one of "
                        f"{', '.join(molecule_names()[:8])}, ...)")
    p.add_argument("--n-conformers", type=int, default=200)
    p.add_argument("--epochs", type=int, default=60)
    p.add_argument("--lr", type=float, default=3e-3)
    p.add_argument("--batch-size", type=int, default=16, help="the global batch (split over torchrun's processes)")
    p.add_argument("--val-fraction", type=float, default=0.1)
    p.add_argument("--force-weight", type=float, default=1.0)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--device", default=None, help="cpu or cuda (default: cuda when there is a GPU)")
    p.add_argument("--dtype", choices=sorted(DTYPES), default="float32")
    p.add_argument("--out", type=Path, help="checkpoint path (default: cache_dir()/runs/<model>-<dataset>.pt)")
    p.add_argument("--no-progress", action="store_true")
    return p


def main(argv: list[str] | None = None) -> int:
    """Parse ``argv``, train, write the checkpoint (rank 0); returns the exit status."""
    from airtools.train import distributed

    args = build_parser().parse_args(argv)
    device = args.device or ("cuda" if torch.cuda.is_available() else "cpu")
    distributed.setup(device)
    try:
        path, summary = _recipe(args) if args.recipe else _model_on_dataset(args, device)
        if distributed.is_main_process():
            print(f"{summary}\ncheckpoint: {path}", flush=True)
    finally:
        distributed.teardown()
    return 0


def _recipe(args):
    from airtools import zoo

    settings = dict(_setting(kv) for kv in args.set)
    recipe = zoo.get(args.recipe)
    t0 = time.perf_counter()
    recipe.train(progress=not args.no_progress, **settings)
    return recipe.path(**settings), f"{recipe.name}: trained in {time.perf_counter() - t0:.1f} s"


def _model_on_dataset(args, device):
    from airtools.cache import cache_dir
    from airtools.data import build_dataset
    from airtools.models import MODELS
    from airtools.train import TrainConfig, energy_force_loss, save_checkpoint, seed_everything, train

    dtype = DTYPES[args.dtype]
    dataset = build_dataset(args.dataset, args.n_conformers, seed=args.seed, progress=not args.no_progress,
                            dtype=dtype)
    seed_everything(args.seed)
    model = MODELS[args.model]().to(dtype)
    config = TrainConfig(n_epochs=args.epochs, lr=args.lr, batch_size=args.batch_size, val_fraction=args.val_fraction,
                         patience=None, schedule="cosine", seed=args.seed, device=device,
                         progress=not args.no_progress)
    history = train(model, dataset, config,
                    loss_fn=lambda m, b: energy_force_loss(m, b, force_weight=args.force_weight))
    path = args.out or cache_dir() / "runs" / f"{args.model}-{args.dataset}.pt"
    save_checkpoint(path, model.cpu().set_energy_reference(dataset.atom_energies), config,
                    extra={"train_loss": history.train_loss, "val_loss": history.val_loss, "seconds": history.seconds,
                           "dataset": args.dataset, "n_conformers": args.n_conformers})
    last = (history.val_loss or history.train_loss)[-1]
    return path, (f"{args.model} on {args.dataset}: {len(history.train_loss)} epochs in {history.seconds:.1f} s, "
                  f"final {'val' if history.val_loss else 'train'} loss {last:.4g}")


def _setting(text: str):
    key, sep, value = text.partition("=")
    if not sep:
        raise SystemExit(f"--set: expected KEY=VALUE, got {text!r}")
    try:
        return key, ast.literal_eval(value)
    except (ValueError, SyntaxError):
        return key, value
