import pytest
import torch

from airtools.models import MLP
from airtools.testing import equivariance_error

from airtools.testing import ModelTests, make_molecule


class TestMLP(ModelTests):
    """The plain baseline claims no symmetry; the mixin checks that each one is really broken."""

    model_cls = MLP
    config = {"max_atoms": 16, "hidden": 32}
    symmetries = ()


def test_mlp_rotation_error_is_large():
    torch.manual_seed(0)
    z, pos = make_molecule(10, seed=8)
    model = MLP().double()
    error = equivariance_error(lambda pos: model(z, pos).detach(), "cartesian_points", None, inputs=[pos],
                               parity=False, generator=torch.Generator().manual_seed(0))
    assert error > 1e-2


def test_mlp_rejects_molecules_larger_than_its_padding():
    z, pos = make_molecule(5, seed=9)
    with pytest.raises(ValueError, match="more than max_atoms=4"):
        MLP(max_atoms=4)(z, pos.float())
