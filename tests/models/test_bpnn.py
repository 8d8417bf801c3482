import pytest
import torch

from airtools.models import BPNN, DescriptorSet, descriptor_loss
from airtools.testing import ModelTests, make_molecule


class TestBPNN(ModelTests):
    model_cls = BPNN
    config = {"hidden": 16, "n_radial": 8}


def test_descriptor_counts_neighbours_of_each_element():
    """Far inside the cutoff each Gaussian of G sums over the neighbours of one element: with every neighbour at
    the same distance, G[b] = log(1 + n_b g(r)) for n_b neighbours of element b."""
    r = 1.5
    pos = torch.tensor([[0.0, 0, 0], [r, 0, 0], [-r, 0, 0], [0, r, 0]], dtype=torch.float64)
    z = torch.tensor([6, 1, 1, 8])
    model = BPNN(n_radial=8, r_cut=5.0).double()
    G = model.descriptor(z, pos).view(4, 5, 8)  # [atom, element (H C N O F), Gaussian]
    g = model.basis(torch.tensor(r, dtype=torch.float64)) * model.cutoff(torch.tensor(r, dtype=torch.float64))
    torch.testing.assert_close(G[0, 0], torch.log1p(2 * g))  # carbon sees two H at r
    torch.testing.assert_close(G[0, 3], torch.log1p(g))  # and one O
    assert G[0, [1, 2, 4]].abs().max() == 0  # no C, N or F neighbours


def test_unknown_element_names_the_known_ones_and_crystals_are_refused():
    z, pos = make_molecule(4, seed=0)
    with pytest.raises(ValueError, match=r"z: unknown element 16 \(this BPNN knows \(1, 6, 7, 8, 9\)"):
        BPNN()(torch.tensor([16, 1, 1, 1]), pos.float())
    with pytest.raises(ValueError, match="cell: BPNN here is for molecules"):
        BPNN()(z, pos.float(), cell=torch.eye(3))
    with pytest.raises(ValueError, match="BPNN: elements must be distinct"):
        BPNN(elements=(1, 1))


def test_dropout_makes_training_mode_passes_differ():
    z, pos = make_molecule(6, seed=1)
    torch.manual_seed(0)
    model = BPNN(dropout=0.2)
    model.train()
    assert not torch.equal(model(z, pos.float()), model(z, pos.float()))
    model.eval()
    assert torch.equal(model(z, pos.float()), model(z, pos.float()))


def test_precomputed_descriptors_give_the_same_energies_and_train_the_same_network():
    mols = [dict(zip(("z", "pos"), make_molecule(n, seed=n)), energy=torch.tensor(0.1 * n)) for n in (4, 7, 5)]
    mols = [{**m, "z": m["z"], "pos": m["pos"].float()} for m in mols]
    torch.manual_seed(0)
    model = BPNN(hidden=16)
    ds = DescriptorSet(model, mols, batch_size=2)  # two descriptor chunks
    batch = ds.collate([ds[i] for i in range(3)])
    direct = model(batch["z"], batch["pos"], batch["batch"])
    torch.testing.assert_close(model(batch["z"], batch["pos"], batch["batch"], descriptor=batch["G"]), direct)
    torch.testing.assert_close(descriptor_loss(model, batch), torch.mean((direct - batch["energy"]) ** 2))
    with pytest.raises(ValueError, match=r"descriptor: expected shape \[16, 80\]"):
        model(batch["z"], batch["pos"], batch["batch"], descriptor=batch["G"][:, :8])
