"""Integrated gradients of a molecule's energy in its geometry: completeness to round-off on a smooth path,
the dissociated baseline's energy is the sum of isolated atoms, per-atom attributions are invariant and follow
the atoms for an invariant model."""
import pytest
import torch

from airtools.explain import dissociated_baseline, position_attributions
from airtools.models import MLP, PaiNN, SchNet
from airtools.testing import assert_equivariant, make_molecule


@pytest.fixture(scope="module")
def schnet():
    torch.manual_seed(0)
    return SchNet(hidden=16).double()


def test_completeness_to_round_off_when_no_pair_crosses_the_cutoff():
    """A path that stays inside a 20 Å cutoff is smooth (analytic): Gauss-Legendre reaches round-off."""
    torch.manual_seed(0)
    model = PaiNN(hidden=16, r_cut=20.0).double()
    z, pos = make_molecule(6, seed=1)
    c = pos.mean(0)
    ig = position_attributions(model, z, pos, baseline=c + 1.2 * (pos - c), steps=48)
    change = ig.output - ig.baseline_output
    assert abs(change) > 1e-3 and abs(ig.completeness_error) < 1e-12, (change, ig.completeness_error)


def test_dissociated_baseline_is_a_sum_of_isolated_atoms_and_ig_converges(schnet):
    z, pos = make_molecule(7, seed=3)
    baseline = dissociated_baseline(pos, schnet.config.r_cut)
    assert torch.pdist(baseline).min() >= 5.0
    with torch.no_grad():
        alone = sum(float(schnet(z[i:i + 1], pos[i:i + 1])) for i in range(len(z)))
    ig = position_attributions(schnet, z, pos, steps=16)
    assert abs(ig.baseline_output - alone) < 1e-12
    errors = [abs(position_attributions(schnet, z, pos, steps=m).completeness_error) for m in (16, 128)]
    gxi = abs(position_attributions(schnet, z, pos, method="gradient_x_input").completeness_error)
    assert errors[1] < 0.05 * errors[0] and errors[1] < 1e-4 * gxi, (errors, gxi)


def test_per_atom_attributions_are_invariant_and_follow_the_atoms(schnet):
    z, pos = make_molecule(6, seed=4)
    per_atom = lambda z, pos: position_attributions(schnet, z, pos, steps=24).values.sum(-1, keepdim=True)
    g = torch.Generator().manual_seed(0)
    assert_equivariant(lambda pos: per_atom(z, pos), "cartesian_points", None, inputs=[pos], translation=True,
                       generator=g, n_trials=2, tolerance=1e-9)
    assert_equivariant(per_atom, [None, "cartesian_points"], None, inputs=[z, pos], permutation=True, parity=False,
                       generator=g, n_trials=2, tolerance=1e-9)


def test_bad_input_is_a_value_error(schnet):
    z, pos = make_molecule(3, seed=0)
    with pytest.raises(ValueError, match="method: expected one of"):
        position_attributions(schnet, z, pos, method="saliency")
    with pytest.raises(ValueError, match="baseline: expected 'dissociated' or a geometry"):
        position_attributions(schnet, z, pos, baseline="origin")
    with pytest.raises(ValueError, match=r"baseline: expected the shape of x \[3, 3\]"):
        position_attributions(schnet, z, pos, baseline=torch.zeros(2, 3))
    with pytest.raises(ValueError, match="has no config.r_cut"):
        position_attributions(MLP(max_atoms=3).double(), z, pos)
