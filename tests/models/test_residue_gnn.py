"""ResidueGNN: invariant by construction, a raw-coordinate baseline is not; batches of chains, settings, GPU; the same
network for inverse folding (20 classes, no residue type in). (Training: tests/zoo/test_proteins.py and
tests/zoo/test_protein_design.py.)"""
import numpy as np
import pytest
import torch

from airtools.data import (N_DESIGN_EDGE_FEATURES, N_EDGE_FEATURES, collate_chains, design_features,
                           inverse_folding_dataset)
from airtools.data.proteins import ca_window, load_chain, residue_graph, secondary_structure_dataset, torsion_features
from airtools.models import INPUT_WIDTHS, ResidueGNN, ResidueGNNConfig
from airtools.testing import assert_equivariant, transformation_errors


def _logits_of_positions(model):
    """``pos: [n_res * 4, 3]`` (backbone atoms) -> logits ``[n_res, 3]``, features recomputed from the positions."""
    def fn(pos):
        X = pos.reshape(-1, 4, 3).detach().numpy()
        if model.config.inputs == "ca_window":
            return model(torch.from_numpy(ca_window(X)))
        edge_index, edge_attr = residue_graph(X, k=10)
        return model(torch.from_numpy(torsion_features(X)), edge_index, edge_attr)
    return fn


@pytest.fixture(scope="module")
def backbone():
    return torch.from_numpy(load_chain("1ahsA").backbone[:40]).reshape(-1, 3)  # [160, 3] float64


def test_residue_gnn_is_invariant_under_rotation_and_translation(backbone):
    torch.manual_seed(0)
    model = ResidueGNN().double().eval()
    errors = assert_equivariant(_logits_of_positions(model), "cartesian_points", None, parity=False, translation=True,
                                inputs=backbone, generator=torch.Generator().manual_seed(0))
    # float64 end to end: rounding leaves a relative error of a few unit roundoffs (eps = 1.1e-16) per
    # sequential operation; measured <= 4.1e-15 over 10 seeds. 1e-12 keeps a ~250x margin, and a float32
    # step anywhere (eps = 6e-8, as 1e-6 allowed) or a broken invariance fails it.
    assert max(errors.values()) < 1e-12, errors
    # torsions and frames are chiral: the mirror image (a D-amino-acid protein) is a different input
    mirror = transformation_errors(_logits_of_positions(model), "cartesian_points", None, parity=True,
                                   inputs=backbone, generator=torch.Generator().manual_seed(0))["reflection"]
    assert mirror > 1e-3


def _design_logits_of_positions(model):
    """``pos: [n_res * 4, 3]`` -> amino-acid logits ``[n_res, 20]``, inverse-folding features recomputed in float64."""
    def fn(pos):
        f = design_features(pos.reshape(-1, 4, 3).detach().numpy(), k=10, dtype=torch.float64)
        return model(f["torsions_burial"], f["edge_index"], f["edge_attr"])
    return fn


def _design_model():
    return ResidueGNN(inputs="torsions_burial", n_classes=20, n_edge_features=N_DESIGN_EDGE_FEATURES)


def test_inverse_folding_logits_are_invariant_under_rotation_and_translation(backbone):
    torch.manual_seed(0)
    model = _design_model().double().eval()
    fn = _design_logits_of_positions(model)
    assert fn(backbone).shape == (40, 20)
    errors = assert_equivariant(fn, "cartesian_points", None, parity=False, translation=True, inputs=backbone,
                                generator=torch.Generator().manual_seed(1))
    assert max(errors.values()) < 1e-12, errors  # float64 end to end, as the secondary-structure model above
    mirror = transformation_errors(fn, "cartesian_points", None, parity=True, inputs=backbone,
                                   generator=torch.Generator().manual_seed(1))["reflection"]
    assert mirror > 1e-3  # the virtual Cβ and the torsions are chiral


def test_inverse_folding_batches_give_each_chain_its_own_logits_in_any_order():
    samples = inverse_folding_dataset("test")[:3]
    torch.manual_seed(0)
    model = _design_model().eval()
    alone = [model(*model.inputs_of(s)) for s in samples]
    for order in ([0, 1, 2], [2, 0, 1]):
        batch = collate_chains([samples[k] for k in order])
        together = model(*model.inputs_of(batch)).split([len(samples[k]["y"]) for k in order])
        for k, logits in zip(order, together, strict=True):
            torch.testing.assert_close(logits, alone[k], atol=1e-5, rtol=1e-5)


def test_raw_coordinate_window_model_changes_under_rotation_but_not_translation(backbone):
    torch.manual_seed(0)
    model = ResidueGNN(inputs="ca_window", n_layers=0).double().eval()
    errors = transformation_errors(_logits_of_positions(model), "cartesian_points", None, parity=False,
                                   translation=True, inputs=backbone, generator=torch.Generator().manual_seed(0))
    assert errors["rotation"] > 1e-2 and errors["translation"] < 1e-9


def test_a_batch_of_chains_gives_the_same_logits_as_each_chain_alone():
    samples = secondary_structure_dataset("test")[:3]
    torch.manual_seed(0)
    model = ResidueGNN(residue_type=True).eval()
    batch = collate_chains(samples)
    together = model(*model.inputs_of(batch))
    alone = torch.cat([model(*model.inputs_of(s)) for s in samples])
    torch.testing.assert_close(together, alone, atol=1e-5, rtol=1e-5)


def test_edge_width_matches_the_data_layer():
    """The model cannot import data (layers point down), so its default edge width is checked here."""
    assert ResidueGNNConfig().n_edge_features == N_EDGE_FEATURES
    assert INPUT_WIDTHS["torsions_burial"] == inverse_folding_dataset("test")[0]["torsions_burial"].shape[1]


def test_bad_settings_and_missing_graph_are_refused():
    with pytest.raises(ValueError, match="inputs: expected one of"):
        ResidueGNN(inputs="xyz")
    with pytest.raises(ValueError, match="needs the residue graph"):
        ResidueGNN()(torch.zeros(3, 9))
    with pytest.raises(ValueError, match="residue_type"):
        ResidueGNN(residue_type=True)(torch.zeros(3, 9), torch.zeros(2, 0, dtype=torch.long), torch.zeros(0, 54))
    with pytest.raises(ValueError, match=r"predicts the amino acid \(n_classes=20\) cannot read it"):
        ResidueGNN(n_classes=20, residue_type=True)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a GPU")
def test_gpu_logits_match_cpu():
    sample = secondary_structure_dataset("test")[0]
    torch.manual_seed(0)
    model = ResidueGNN().eval()
    with torch.no_grad():
        cpu = model(*model.inputs_of(sample))
        gpu = model.to("cuda")(*(t.cuda() for t in model.inputs_of(sample)))
    torch.testing.assert_close(gpu.cpu(), cpu, atol=1e-4, rtol=1e-4)
    assert np.isfinite(gpu.cpu().numpy()).all()
