"""Data-parallel training for real: ``torchrun`` starts 2 CPU processes (gloo), each trains on half of every
global batch, and the result equals one process training on the same global batches — checkpoint weights and
per-epoch losses — to float64 round-off. Only rank 0 prints and writes."""
import os
import subprocess
import sys
from pathlib import Path

import torch

BIN = Path(sys.executable).parent
ARGS = ["--model", "schnet", "--dataset", "water", "--n-conformers", "32", "--epochs", "3", "--batch-size", "8",
        "--val-fraction", "0.25", "--dtype", "float64", "--device", "cpu", "--no-progress"]


def _run(command, out: Path) -> str:
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    done = subprocess.run([*command, *ARGS, "--out", str(out)], capture_output=True, text=True, timeout=600, env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_two_processes_under_torchrun_match_one_process(tmp_path):
    one = _run([sys.executable, "-m", "airtools.train"], tmp_path / "one.pt")  # also fills the label cache
    two = _run([str(BIN / "torchrun"), "--standalone", "--nproc_per_node=2", "-m", "airtools.train"], tmp_path / "two.pt")
    assert one.count("checkpoint:") == 1 and two.count("checkpoint:") == 1, two  # rank 0 alone reports
    a, b = (torch.load(tmp_path / f"{n}.pt", weights_only=True) for n in ("one", "two"))
    worst = max(float((a["state_dict"][k] - b["state_dict"][k]).abs().max() / a["state_dict"][k].abs().max().clamp_min(1))
                for k in a["state_dict"] if a["state_dict"][k].is_floating_point())
    assert worst < 1e-9, f"weights differ by {worst:.2g} (relative) between 1 and 2 processes"
    for key in ("train_loss", "val_loss"):
        assert len(a["extra"][key]) == 3
        torch.testing.assert_close(torch.tensor(b["extra"][key]), torch.tensor(a["extra"][key]), rtol=1e-9, atol=0)
    assert a["extra"]["train_loss"][-1] < a["extra"]["train_loss"][0]  # it did train
    print(f"1 vs 2 processes: weights differ by {worst:.1e} (relative), losses {a['extra']['train_loss']}")


def test_help_lists_what_can_be_trained():
    done = subprocess.run([sys.executable, "-m", "airtools.train", "--help"], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0 and "--recipe" in done.stdout and "crystal-energy" in done.stdout
    assert "torchrun" in done.stdout
