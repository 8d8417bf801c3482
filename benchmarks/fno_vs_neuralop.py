"""Our FNO (``airtools.models.fno.FNO``) beside neuraloperator's ``neuralop.models.FNO`` on 1-D Burgers.

Same architecture settings (modes, width, layers, linear grid coordinate, linear lifting, 2x projection,
linear skip), same data (``airtools.pde.burgers_dataset``: ν = 0.1, t = 1, train at s = 64, test at 64 and
zero-shot at 256), same optimizer and loop (``airtools.train``: AdamW, cosine schedule, relative L2 loss).
Reports parameters, seconds per epoch, a forward+backward timing interleaved between the two models (fairer
on a busy machine), inference ms per sample, relative L2 at s = 64 and 256, and checks our spectral
convolution against theirs with copied weights.

    python benchmarks/fno_vs_neuralop.py            # 512 training pairs, 20 epochs
    python benchmarks/fno_vs_neuralop.py --quick    # 128 pairs, 3 epochs (smoke test)

neuraloperator is a benchmark-only dependency (``pip install neuraloperator``; it runs with
``--no-deps`` plus ``tensorly tensorly-torch``). Results go to benchmarks/results/fno_vs_neuralop.md.
"""
from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import torch

from airtools.models.fno import FNO, relative_l2
from airtools.nn._spectral import SpectralConv1d
from airtools.pde import burgers_dataset
from airtools.train import TrainConfig, seed_everything, train

RESULTS = Path(__file__).resolve().parent / "results" / "fno_vs_neuralop.md"


def their_fno(modes: int, width: int, n_layers: int):
    """neuralop's FNO configured like ours. Their ``n_modes`` counts wavenumbers of both signs and keeps
    ``n_modes // 2 + 1`` rfft modes, so ``2 * modes - 1`` keeps k = 0 .. modes - 1, as ours does."""
    from neuralop.models import FNO as NeuralopFNO

    return NeuralopFNO(n_modes=(2 * modes - 1,), in_channels=1, out_channels=1, hidden_channels=width,
                       n_layers=n_layers, lifting_channel_ratio=0, projection_channel_ratio=2,
                       positional_embedding="grid", use_channel_mlp=False, fno_skip="linear")


class ChannelsLast(torch.nn.Module):
    """Wrap neuralop's ``[batch, channels, n]`` model to take and return ``[batch, n, channels]`` like ours."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, a):
        return self.model(a.transpose(1, 2)).transpose(1, 2)

    def state_dict(self, *args, **kwargs):
        # neuralop adds a non-tensor '_metadata' entry; airtools.train copies tensors only
        return {k: v for k, v in super().state_dict(*args, **kwargs).items() if isinstance(v, torch.Tensor)}


def n_real_parameters(model) -> int:
    return sum(p.numel() * (2 if p.is_complex() else 1) for p in model.parameters())


def spectral_conv_check(modes: int = 16, width: int = 8) -> float:
    """Max relative difference between our SpectralConv1d and neuralop's SpectralConv, weights copied."""
    from neuralop.layers.spectral_convolution import SpectralConv

    torch.manual_seed(0)
    theirs = SpectralConv(width, width, n_modes=(2 * modes - 1,), bias=False)
    ours = SpectralConv1d(width, width, modes)
    with torch.no_grad():
        ours.weight.copy_(torch.view_as_real(theirs.weight.to_tensor().detach()))  # [in, out, modes, 2]
    worst = 0.0
    for n in (32, 64, 255, 256):
        x = torch.randn(4, width, n)
        with torch.no_grad():
            y_ours, y_theirs = ours(x), theirs(x)
        worst = max(worst, ((y_ours - y_theirs).norm() / y_theirs.norm()).item())
    return worst


def step_seconds(models: dict, a, u, repeats: int = 7) -> dict:
    """Median forward+backward seconds on one batch, alternating the models (so load spikes hit both)."""
    times = {name: [] for name in models}
    for _ in range(repeats):
        for name, model in models.items():
            t0 = time.perf_counter()
            relative_l2(model(a), u).backward()
            times[name].append(time.perf_counter() - t0)
            model.zero_grad(set_to_none=True)
    return {name: statistics.median(t) for name, t in times.items()}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-train", type=int, default=512)
    parser.add_argument("--n-test", type=int, default=128)
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--modes", type=int, default=16)
    parser.add_argument("--width", type=int, default=64)
    parser.add_argument("--layers", type=int, default=4)
    parser.add_argument("--batch-size", type=int, default=20)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--quick", action="store_true", help="128 pairs, 3 epochs: a smoke test")
    args = parser.parse_args(argv)
    if args.quick:
        args.n_train, args.n_test, args.epochs = 128, 32, 3
    try:
        import neuralop
    except ImportError:
        print("SKIPPED: neuraloperator is not installed. It is a benchmark-only dependency: "
              "`pip install neuraloperator` (check that pip keeps your torch), then run again.")
        return 0

    s, s_fine = 64, 256
    a, u = (t[..., None] for t in burgers_dataset(args.n_train, s, seed=0))  # [N, 64, 1]
    a_fine, u_fine = (t[..., None] for t in burgers_dataset(args.n_test, s_fine, seed=1))  # [N_test, 256, 1]
    a_test, u_test = a_fine[:, ::4], u_fine[:, ::4]
    dataset = torch.utils.data.TensorDataset(a, u)
    config = TrainConfig(n_epochs=args.epochs, lr=args.lr, batch_size=args.batch_size, val_fraction=0.0,
                         schedule="cosine", patience=None, weight_decay=1e-4, device="cpu", progress=False)

    seed_everything(0)
    ours = FNO(modes=args.modes, width=args.width, n_layers=args.layers, grid="linear", projection=2 * args.width)
    seed_everything(0)
    theirs = ChannelsLast(their_fno(args.modes, args.width, args.layers))
    models = {"airtools FNO": ours, "neuralop FNO": theirs}

    rows = {}
    conv_err = spectral_conv_check(args.modes)
    steps = step_seconds(models, a[: args.batch_size], u[: args.batch_size])
    for name, model in models.items():
        history = train(model, dataset, config, loss_fn=lambda m, b: relative_l2(m(b[0]), b[1]))
        with torch.no_grad():
            err, err_fine = relative_l2(model(a_test), u_test).item(), relative_l2(model(a_fine), u_fine).item()
            model(a_fine)
            t0 = time.perf_counter()
            for _ in range(3):
                model(a_fine)
            infer_ms = 1000 * (time.perf_counter() - t0) / (3 * len(a_fine))
        rows[name] = {"parameters": n_real_parameters(model), "s/epoch": history.seconds / args.epochs,
                      "fwd+bwd ms/batch": 1000 * steps[name], "infer ms/sample (s=256)": infer_ms,
                      "rel L2 s=64": err, "rel L2 s=256 (zero-shot)": err_fine}
        print(f"{name}: trained {args.epochs} epochs in {history.seconds:.1f} s", flush=True)

    report = _report(rows, conv_err, args, neuralop)
    print(report)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(report)
    print(f"written to {RESULTS}")
    return 0


def _report(rows: dict, conv_err: float, args, neuralop) -> str:
    names = list(rows)
    keys = list(rows[names[0]])
    fmt = {"parameters": "{:,}", "s/epoch": "{:.2f}", "fwd+bwd ms/batch": "{:.1f}", "infer ms/sample (s=256)": "{:.3f}"}
    lines = [f"| | {' | '.join(names)} | ratio (ours / theirs) |", "|---|" + "---|" * (len(names) + 1)]
    for key in keys:
        values = [rows[n][key] for n in names]
        cells = [fmt.get(key, "{:.4f}").format(v) for v in values]
        lines.append(f"| {key} | {' | '.join(cells)} | {values[0] / values[1]:.2f} |")
    threads = os.environ.get("OMP_NUM_THREADS", str(torch.get_num_threads()))
    return "\n".join([
        "# FNO: airtools vs neuraloperator (1-D Burgers, ν = 0.1, t = 1)", "",
        f"Settings: modes {args.modes}, width {args.width}, layers {args.layers}, {args.n_train} training pairs "
        f"at s = 64, {args.n_test} test functions (s = 64 and zero-shot s = 256), {args.epochs} epochs, batch "
        f"{args.batch_size}, AdamW lr {args.lr} (weight decay 1e-4, cosine), relative L2 loss, airtools.train.",
        f"torch {torch.__version__}, neuraloperator {getattr(neuralop, '__version__', '?')}, CPU "
        f"({platform.processor() or platform.machine()}), torch threads {threads}, "
        f"load average {os.getloadavg()[0]:.1f} at the end (timings on a shared machine are noisy).", "",
        *lines, "",
        f"Spectral convolution with copied weights: max relative difference {conv_err:.1e} "
        "(n = 32, 64, 255, 256).", "",
        "Architecture differences that remain: neuralop applies GELU twice between Fourier layers when "
        "`use_channel_mlp=False` (once after the skip sum, once after the absent channel MLP); its spectral "
        "convolutions carry the bias that our pointwise `Conv1d` carries (same parameter count); initialisation "
        "differs (ours: Li et al.'s uniform [0, 1/(in·out)); theirs: normal, std sqrt(2/(in+out))).", ""])


if __name__ == "__main__":
    sys.exit(main())
