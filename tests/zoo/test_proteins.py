"""The secondary-structure task through the zoo: training beats the φ/ψ baseline on held-out chains; predictions,
accuracy and the invariant features the dashboard shows."""
import numpy as np
import torch

from airtools.data import SS_CLASSES, load_chain, secondary_structure_dataset
from airtools.models import ResidueGNN
from airtools.so3 import random_rotation
from airtools.zoo.proteins import (fit_secondary_structure, invariant_features, model_logits,
                                   predict_secondary_structure, ss_accuracy)


def test_short_training_beats_the_phi_psi_baseline_on_held_out_chains(one_torch_thread):
    train, test = secondary_structure_dataset("train"), secondary_structure_dataset("test")
    y = torch.cat([s["y"] for s in test])
    majority = float((y == torch.cat([s["y"] for s in train]).mode().values).float().mean())
    torch.manual_seed(0)
    gnn, mlp = ResidueGNN(hidden=32, n_layers=2), ResidueGNN(inputs="phi_psi", n_layers=0, hidden=32)
    history = fit_secondary_structure(gnn, train, n_epochs=8, chains_per_step=2, device="cpu")
    fit_secondary_structure(mlp, train, n_epochs=8, chains_per_step=2, device="cpu")
    assert history.train_loss[-1] < history.train_loss[0]
    acc_gnn, acc_mlp = ss_accuracy(gnn, test), ss_accuracy(mlp, test)
    assert majority < 0.5 < acc_mlp and acc_gnn > acc_mlp + 0.05 and acc_gnn > 0.8, (acc_gnn, acc_mlp, majority)


def test_accuracy_counts_the_residues_whose_prediction_is_the_label():
    torch.manual_seed(0)
    model, samples = ResidueGNN(), secondary_structure_dataset("test")[:3]
    predicted = "".join(predict_secondary_structure(model, s) for s in samples)
    labels = "".join(SS_CLASSES[int(k)] for s in samples for k in s["y"])
    assert ss_accuracy(model, samples) == sum(a == b for a, b in zip(predicted, labels)) / len(labels)


def test_invariant_features_do_not_move_when_the_chain_turns():
    chain = load_chain("1ahsA")
    torch.manual_seed(0)
    model = ResidueGNN().eval()  # float32, as the dashboard's
    X = chain.backbone
    R = random_rotation(dtype=torch.float64, generator=torch.Generator().manual_seed(3)).numpy()
    ref = invariant_features(model, X, chain.sequence)
    turned = invariant_features(model, X @ R.T + 5.0, chain.sequence)
    assert np.nanmax(np.abs((turned["torsions"] - ref["torsions"] + 180) % 360 - 180)) < 1e-9
    assert np.abs(turned["distances"] - ref["distances"]).max() < 1e-9
    assert (turned["logits"] - ref["logits"]).abs().max() < 1e-4  # float32 features of float64 coordinates
    assert model_logits(None, X) is None and invariant_features(None, X)["logits"] is None
