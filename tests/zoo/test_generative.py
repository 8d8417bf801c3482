"""The generative recipes train end to end (a few steps), load back to the same samples, and keep the training
SMILES and losses with the checkpoint; the equivariant and baseline generators differ only in their denoiser."""
import pytest
import torch
from rdkit import Chem

from airtools import zoo
from airtools.data import prototype_crystals
from airtools.generative import (ConformerDiffusion, CrystalDiffusion, EGNNDenoiser, GNNDenoiser, PointCloudDiffusion,
                                 canonical_smiles, sample_ancestral, sample_conformers, sample_crystals)
from airtools.zoo.generative import (CONFORMER_SMILES, GENERATORS, crystal_tensors, fit_steps, qm9_subset,
                                     training_record, training_smiles)

pytestmark = pytest.mark.usefixtures("one_torch_thread")  # tiny models


def _train_then_load(name, **settings):
    recipe = zoo.get(name)
    assert recipe.load(train=False, **settings) is None  # a page never trains: nothing cached yet
    trained = recipe.train(**settings)
    return trained, recipe.load(train=False, **settings)


@pytest.mark.parametrize("name, denoiser", [("qm9-diffusion-egnn", EGNNDenoiser), ("qm9-diffusion-gnn", GNNDenoiser)])
def test_molecule_generators_load_to_the_same_samples_and_keep_their_training_smiles(name, denoiser):
    trained, loaded = _train_then_load(name, n_steps=3)
    assert type(loaded) is PointCloudDiffusion and isinstance(loaded.denoiser, denoiser) and loaded.T == 100
    a = sample_ancestral(trained, n_samples=2, generator=torch.Generator().manual_seed(0))
    b = sample_ancestral(loaded, n_samples=2, generator=torch.Generator().manual_seed(0))
    assert torch.equal(a.pos, b.pos) and torch.equal(a.z, b.z)
    record = training_record(name, n_steps=3)
    data = qm9_subset(4)
    assert len(record["losses"]) == 3 and record["seconds"] > 0
    assert training_smiles(name, n_steps=3) == [canonical_smiles(s) for s in data.smiles]
    assert set(torch.nonzero(loaded.size_counts).flatten().tolist()) == {len(z) for z in data.z}  # p(n) of the data
    assert name in GENERATORS.values()


def test_conformer_generator_loads_to_the_same_conformers():
    trained, loaded = _train_then_load("conformer-diffusion", n_steps=3)
    assert type(loaded) is ConformerDiffusion
    mol = Chem.MolFromSmiles(CONFORMER_SMILES[0])
    a = sample_conformers(trained, mol, 2, generator=torch.Generator().manual_seed(0))
    b = sample_conformers(loaded, mol, 2, generator=torch.Generator().manual_seed(0))
    assert (a == b).all() and a.shape == (2, 5, 3)
    assert training_smiles("conformer-diffusion", n_steps=3) == list(CONFORMER_SMILES)


def test_crystal_generator_loads_to_the_same_crystals_and_keeps_its_lattice_statistics():
    trained, loaded = _train_then_load("crystal-diffusion", n_steps=3)
    assert type(loaded) is CrystalDiffusion and loaded.T == 100
    cells = prototype_crystals()
    _, _, cell = crystal_tensors(cells)
    u = loaded.cell_to_u(cell)  # the training lattices, standardised: mean 0, spread 1 (or the 0.05 floor)
    assert torch.allclose(u.mean(0), torch.zeros(6), atol=1e-4) and bool((u.std(0) <= 1 + 1e-4).all())
    compositions = [[29, 29, 29, 79], [13, 28]]
    a = sample_crystals(trained, compositions, generator=torch.Generator().manual_seed(0))
    b = sample_crystals(loaded, compositions, generator=torch.Generator().manual_seed(0))
    assert torch.equal(a.frac, b.frac) and torch.equal(a.cell, b.cell) and a.frac.shape == (6, 3)
    record = training_record("crystal-diffusion", n_steps=3)
    assert record["compositions"] == [c.numbers.tolist() for c in cells] and len(record["losses"]) == 3


def test_fit_steps_keeps_the_last_weights_and_refuses_a_diverging_loss():
    w = torch.nn.Parameter(torch.tensor([1.0]))
    losses = fit_steps(torch.nn.ParameterList([w]), lambda g: (w**2).sum(), n_steps=50, lr=0.1)
    assert len(losses) == 50 and losses[-1] < losses[0]
    with pytest.raises(FloatingPointError, match="try a smaller lr"):
        fit_steps(torch.nn.ParameterList([w]), lambda g: (w * float("nan")).sum(), n_steps=5, lr=0.1)
    with pytest.raises(ValueError, match="n_steps: expected a positive number"):
        fit_steps(torch.nn.ParameterList([w]), lambda g: (w**2).sum(), n_steps=0, lr=0.1)


def test_training_record_says_what_exists():
    with pytest.raises(ValueError, match="expected one of the generative recipes"):
        training_record("crystal-energy")
    with pytest.raises(ValueError, match="not trained yet"):
        training_record("qm9-diffusion-egnn", n_steps=7)
