"""``benchmarks/qm9_learning_curve.py``: the script writes the schema that the committed results (and lesson 20)
follow, more data lowers SchNet's error at small test settings, and the committed numbers are reproduced."""
from __future__ import annotations

import importlib.util
import json
import math
from pathlib import Path

import numpy as np
import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]

SCRIPT = REPO_ROOT / "benchmarks" / "qm9_learning_curve.py"
RESULTS = REPO_ROOT / "benchmarks" / "results" / "qm9_learning_curve.json"
RUN_KEYS = {"model", "n_train", "seed", "n_epochs", "n_steps", "n_parameters", "mae_mev", "baseline_mae_mev",
            "final_train_loss", "train_seconds", "seconds"}


def _load_script():
    spec = importlib.util.spec_from_file_location("qm9_learning_curve", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


curve = _load_script()


def check_schema(result: dict) -> None:
    """Top-level keys, the machine and settings recorded, one row per (model, N, seed) with its counts right."""
    assert {"benchmark", "date", "machine", "settings", "published", "runs", "total_seconds"} <= set(result)
    assert {"torch_threads", "device", "cpu_count", "torch"} <= set(result["machine"])
    s = result["settings"]
    assert {"n_test", "sizes", "models", "seeds", "epochs", "min_steps", "batch_size", "lr", "device",
            "torch_threads", "model_configs"} <= set(s)
    assert set(result["published"]) == {"schnet", "painn"}
    keys = sorted((r["model"], r["n_train"], r["seed"]) for r in result["runs"])
    assert keys == sorted((m, n, seed) for m in s["models"] for n in s["sizes"] for seed in s["seeds"])
    for r in result["runs"]:
        assert set(r) == RUN_KEYS, set(r) ^ RUN_KEYS
        assert r["n_epochs"] == curve.n_epochs_for(r["n_train"], s)
        assert r["n_steps"] == r["n_epochs"] * math.ceil(r["n_train"] / s["batch_size"]) >= s["min_steps"]
        assert 0 < r["mae_mev"] < 1e5 and 0 < r["baseline_mae_mev"] < 1e5 and 0 < r["seconds"], r
    assert result["total_seconds"] == pytest.approx(sum(r["seconds"] for r in result["runs"]))


def _row(result: dict, model: str, n_train: int, seed: int = 0) -> dict:
    return next(r for r in result["runs"] if (r["model"], r["n_train"], r["seed"]) == (model, n_train, seed))


def test_committed_results_follow_the_schema():
    result = json.loads(RESULTS.read_text())
    check_schema(result)
    s = result["settings"]
    assert s["sizes"] == [100, 200, 500, 1000, 2000] and set(s["models"]) == {"schnet", "painn", "bpnn"}
    for model in s["models"]:  # a learning curve: more data, lower error, and every model beats the references
        small, large = _row(result, model, 100), _row(result, model, 2000)
        assert large["mae_mev"] < small["mae_mev"] < small["baseline_mae_mev"], (small, large)


def test_script_writes_the_schema(tmp_path, one_torch_thread):
    out = tmp_path / "curve.json"
    curve.main(["--sizes", "100", "--epochs", "2", "--min-steps", "8", "--n-test", "100", "--device", "cpu",
                "--out", str(out)])
    result = json.loads(out.read_text())
    check_schema(result)
    assert result["settings"]["models"] == ["schnet", "painn", "bpnn"] and result["machine"]["torch_threads"] == 1


def test_more_data_lowers_schnet_error(one_torch_thread):
    settings = curve.settings_from_args(curve.parse_args(
        ["--sizes", "100", "1000", "--models", "schnet", "--epochs", "1", "--min-steps", "250", "--n-test", "300",
         "--device", "cpu"]))
    data = curve.load_data(settings)
    small, large = (curve.run_one(data, "schnet", n, 0, settings) for n in (100, 1000))
    # measured (meV, N = 100 -> 1000): seed 0 547 -> 419, seed 1 568 -> 424, seed 2 546 -> 480
    assert large["mae_mev"] < 0.95 * small["mae_mev"], (small["mae_mev"], large["mae_mev"])


def test_reproduces_the_committed_schnet_point(one_torch_thread):
    """SchNet at N = 100 with the committed settings, rerun here: within seed noise of the committed MAE.

    Seeds 0, 1, 2 at these settings gave 462, 424 and 386 meV (seed 0 rerun on the same machine: the committed
    number to 0.1 meV); another machine or torch version rounds differently, which acts like another seed, so
    the tolerance is that spread (20 %), not float precision. A change of data, targets, references or step
    count fails the exact checks first."""
    committed = json.loads(RESULTS.read_text())
    settings = dict(committed["settings"], device="cpu")
    row = curve.run_one(curve.load_data(settings), "schnet", 100, 0, settings)
    expected = _row(committed, "schnet", 100)
    assert row["n_steps"] == expected["n_steps"]
    assert abs(row["mae_mev"] - expected["mae_mev"]) < 0.2 * expected["mae_mev"], (row, expected)
    assert np.isclose(row["baseline_mae_mev"], expected["baseline_mae_mev"], rtol=1e-6)  # same data, same refs
