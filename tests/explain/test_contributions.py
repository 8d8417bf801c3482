"""Per-atom energies: the sum rule holds exactly for every energy model, they are invariant (and follow the
atoms) for invariant models and not for the plain MLP, and the reference split is what it says."""
import pytest
import torch
from torch import nn

from airtools.explain import atom_contributions, sum_rule_error
from airtools.graph import batch_molecules, scatter_sum
from airtools.models import MODELS, EnergyModel, SchNet, SchNetConfig
from airtools.testing import assert_equivariant, make_molecule, transformation_errors

SMALL = {"schnet": {"hidden": 8}, "egnn": {"hidden": 8}, "painn": {"hidden": 8}, "tfn": {}, "mlp": {"max_atoms": 9}}
REFERENCE = {1: -13.6, 6: -1029.9, 7: -1485.3, 8: -2042.6}


@pytest.mark.parametrize("name", sorted(MODELS))
@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
def test_sum_rule_is_exact_for_every_energy_model(name, dtype):
    """The per-atom energies summed the readout's way are the model's energies, to the last bit."""
    torch.manual_seed(0)
    model = MODELS[name](**SMALL[name]).set_energy_reference(REFERENCE, scale=0.3, shift=-0.1).to(dtype)
    z, pos, batch = batch_molecules([make_molecule(n, seed=n) for n in (4, 7, 9)])
    pos = pos.to(dtype)
    e_i = atom_contributions(model, z, pos, batch)
    assert e_i.shape == z.shape and e_i.dtype == dtype
    with torch.no_grad():
        assert torch.equal(scatter_sum(e_i, batch, 3), model(z, pos, batch))
    assert sum_rule_error(model, z, pos, batch) == 0.0
    # and in any summation order, to round-off of the element references (~2000 eV per atom)
    sums = torch.stack([e_i[batch == g].sum() for g in range(3)])
    assert torch.allclose(sums, model(z, pos, batch).detach(), rtol=10 * torch.finfo(dtype).eps, atol=0)


def test_sum_rule_for_crystals():
    torch.manual_seed(0)
    model = SchNet(hidden=8, r_cut=3.0).double().set_energy_reference({29: -3.5})
    z, pos, cell = torch.tensor([29, 29]), torch.tensor([[0.0, 0, 0], [1.2, 1.3, 1.1]]).double(), 2.6 * torch.eye(3)
    e_i = atom_contributions(model, z, pos, cell=cell.double())
    assert torch.equal(e_i.sum().reshape(1), model(z, pos, cell=cell.double()).detach())
    assert sum_rule_error(model, z, pos, cell=cell.double()) == 0.0


def test_reference_false_subtracts_the_element_table():
    model = SchNet(hidden=8).double().set_energy_reference(REFERENCE, scale=0.5, shift=0.2)
    z, pos = make_molecule(6, seed=1)
    full, learned = atom_contributions(model, z, pos), atom_contributions(model, z, pos, reference=False)
    assert torch.allclose(full - learned, torch.tensor([REFERENCE[int(k)] for k in z], dtype=torch.float64),
                          rtol=0, atol=1e-12)


@pytest.mark.parametrize("name", ["schnet", "painn", "egnn", "tfn"])
def test_contributions_of_invariant_models_are_invariant_and_follow_the_atoms(name):
    torch.manual_seed(0)
    model = MODELS[name](**SMALL[name]).double()
    z, pos = make_molecule(7, seed=2)
    g = torch.Generator().manual_seed(0)
    assert_equivariant(lambda pos: atom_contributions(model, z, pos)[:, None], "cartesian_points", None,
                       inputs=[pos], translation=True, generator=g, tolerance=1e-10)
    assert_equivariant(lambda z, pos: atom_contributions(model, z, pos)[:, None], [None, "cartesian_points"], None,
                       inputs=[z, pos], permutation=True, parity=False, generator=g, tolerance=1e-10)


def test_contributions_of_the_plain_mlp_are_not_invariant():
    """The same measurement on the raw-coordinate MLP: far above round-off, so the test above can fail."""
    torch.manual_seed(0)
    model = MODELS["mlp"](max_atoms=9).double()
    z, pos = make_molecule(7, seed=2)
    errors = transformation_errors(lambda pos: atom_contributions(model, z, pos)[:, None], "cartesian_points", None,
                                   inputs=[pos], generator=torch.Generator().manual_seed(0))
    assert errors["rotation"] > 1e-4, errors


class _TwoReadouts(EnergyModel):
    def __init__(self):
        super().__init__(SchNetConfig)
        self.w = nn.Parameter(torch.ones(1))

    def forward(self, z, pos, batch=None):
        z, pos, batch = self.check_inputs(z, pos, batch)
        e = self.w * pos.norm(dim=1)
        return self.readout(e, z, batch) + self.readout(e, z, batch)


def test_models_without_one_sum_readout_are_refused():
    z, pos = make_molecule(3, seed=0)
    with pytest.raises(ValueError, match="called self.readout 2 times"):
        atom_contributions(_TwoReadouts().double(), z, pos)
    with pytest.raises(ValueError, match="expected an airtools.models.EnergyModel"):
        atom_contributions(nn.Linear(3, 1), z, pos)
