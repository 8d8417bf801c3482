"""Conformer diffusion conditioned on the graph: the graph's features, batching, the loss, the samplers through
``given``, equivariance of the deterministic sampler to float64 round-off, and a short training that learns the
bond lengths of ethanol."""
import numpy as np
import pytest
import torch
from rdkit import Chem

from airtools.data import etkdg_conformers
from airtools.generative import (ConformerDiffusion, batch_graphs, conformer_graph, sample_ancestral,
                                 sample_conformers)
from airtools.generative.conformer_diffusion import BOND_ORDERS, ELEMENTS, MAX_HOPS
from airtools.so3 import random_rotation
from airtools.train import load_checkpoint, save_checkpoint


def test_pair_features_are_topological_distances_and_bond_orders():
    g = conformer_graph(Chem.MolFromSmiles("C=CCCCO"))  # C0=C1-C2-C3-C4-O5
    n = 6
    assert g.edge_index.shape == (2, n * (n - 1)) and bool((g.edge_index[0] != g.edge_index[1]).all())
    hops = g.edge[:, :MAX_HOPS].argmax(1) + 1
    bond = g.edge[:, MAX_HOPS:]
    pair = {(int(j), int(i)): k for k, (j, i) in enumerate(g.edge_index.T)}
    assert hops[pair[0, 1]] == 1 and hops[pair[0, 2]] == 2 and hops[pair[0, 3]] == 3 and hops[pair[0, 5]] == MAX_HOPS
    assert bond[pair[0, 1], BOND_ORDERS.index(Chem.BondType.DOUBLE)] == 1 and bond[pair[1, 0]].sum() == 1
    assert bond[pair[0, 2]].sum() == 0  # not bonded
    assert g.node[5, ELEMENTS.index(8)] == 1 and g.node[5, len(ELEMENTS) + 1] == 1  # O with one hydrogen
    assert g.node[0, len(ELEMENTS) + 2] == 1  # =CH2


def test_batching_renumbers_atoms_and_molecules():
    single = [conformer_graph(Chem.MolFromSmiles(s)) for s in ("CO", "CCO", "CO")]
    g = batch_graphs(single)
    assert g.batch.tolist() == [0, 0, 1, 1, 1, 2, 2]
    assert int(g.edge_index.max()) == 6 and g.edge_index.shape[1] == 2 + 6 + 2
    assert torch.equal(g.batch[g.edge_index[0]], g.batch[g.edge_index[1]])  # pairs stay within a molecule
    twice = conformer_graph(Chem.MolFromSmiles("CCO"), copies=2)
    assert twice.batch.tolist() == [0, 0, 0, 1, 1, 1]


def test_deterministic_sampler_from_rotated_noise_gives_rotated_conformers_to_float64_precision():
    torch.manual_seed(0)
    model = ConformerDiffusion(hidden=16, n_layers=2, T=50).double()
    mol = Chem.MolFromSmiles("CCCO")
    g = torch.Generator().manual_seed(1)
    noise = torch.randn(3 * 4, 3, dtype=torch.float64, generator=g)
    R = random_rotation(dtype=torch.float64, generator=g)
    a = sample_conformers(model, mol, 3, sampler="ddim", n_steps=20, noise=noise)
    b = sample_conformers(model, mol, 3, sampler="ddim", n_steps=20, noise=noise @ R.T)
    mirrored = sample_conformers(model, mol, 3, sampler="ddim", n_steps=20, noise=-noise)
    scale = np.abs(a).max()
    assert np.abs(b - a @ R.numpy().T).max() < 1e-12 * scale
    assert np.abs(mirrored + a).max() < 1e-12 * scale  # E(3): a mirror image too
    c = sample_conformers(model, mol, 3, sampler="ddim", n_steps=20, noise=noise)
    assert np.array_equal(a, c)


def test_the_samplers_run_through_given_with_trajectories_and_elements():
    model = ConformerDiffusion(hidden=8, n_layers=1, T=10)
    given = model.given(conformer_graph(Chem.MolFromSmiles("CCO"), copies=2))
    out = sample_ancestral(given, n_atoms=given.sizes, generator=torch.Generator().manual_seed(0),
                           return_trajectory=True)
    assert out.pos.shape == (6, 3) and out.z.tolist() == [6, 6, 8] * 2
    assert out.trajectory.pos.shape == (12, 6, 3) and out.trajectory.z.shape == (12, 6)
    with pytest.raises(ValueError, match=r"the graphs fix the sizes \[3, 3\]"):
        sample_ancestral(given, n_atoms=[3, 4])


def test_checkpoint_and_bad_input(tmp_path):
    model = ConformerDiffusion(hidden=8, n_layers=1, T=10)
    loaded = load_checkpoint(save_checkpoint(tmp_path / "c.pt", model))
    assert loaded.config == model.config
    graph = conformer_graph(Chem.MolFromSmiles("CO"))
    pos = torch.randn(2, 3)
    gen = torch.Generator().manual_seed(0)
    again = torch.Generator().manual_seed(0)
    assert torch.equal(model.loss(graph, pos, generator=gen), loaded.loss(graph, pos, generator=again))
    with pytest.raises(ValueError, match=r"pos: expected \[2, 3\]"):
        model.loss(graph, torch.randn(3, 3))
    with pytest.raises(ValueError, match="element Cl is not one of C, N, O, F"):
        conformer_graph(Chem.MolFromSmiles("CCl"))
    with pytest.raises(ValueError, match="sampler: expected 'ancestral' or 'ddim'"):
        sample_conformers(model, Chem.MolFromSmiles("CO"), 2, sampler="euler")
    with pytest.raises(ValueError, match="unknown setting"):
        ConformerDiffusion(hiden=8)


def test_a_short_training_learns_the_bond_lengths_of_ethanol(one_torch_thread):
    # MMFF94 ethanol: C-C 1.51 Å, C-O 1.42 Å, C...O 2.41 Å. Untrained samples are z_T / alpha_T: ~10^2 Å.
    # Measured after 1000 steps: medians 1.52, 1.39, 2.38 Å, spreads 0.05-0.06 Å (300 steps: 1.46, 1.34, 2.37).
    mol = Chem.MolFromSmiles("CCO")
    data = torch.tensor(etkdg_conformers("CCO", 20, seed=1, mmff=True), dtype=torch.float32)  # [20, 3, 3]
    torch.manual_seed(0)
    model = ConformerDiffusion(hidden=16, n_layers=2, T=50)
    optimizer = torch.optim.Adam(model.parameters(), lr=5e-3)
    g = torch.Generator().manual_seed(0)
    graph = conformer_graph(mol, copies=16)
    for _ in range(1000):
        pos = data[torch.randint(20, (16,), generator=g)].reshape(-1, 3)
        loss = model.loss(graph, pos, generator=g)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    pos = torch.tensor(sample_conformers(model, mol, 32, generator=torch.Generator().manual_seed(1)))
    d = torch.stack([(pos[:, 0] - pos[:, 1]).norm(dim=1), (pos[:, 1] - pos[:, 2]).norm(dim=1),
                     (pos[:, 0] - pos[:, 2]).norm(dim=1)], dim=1)  # [32, 3]
    expected = torch.tensor([1.51, 1.42, 2.41])
    assert (d.median(0).values - expected).abs().max() < 0.1, d.median(0).values
    assert d.std(0).max() < 0.15, d.std(0)
