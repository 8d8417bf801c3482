import torch

from airtools.models import TFN
from airtools.testing import transformation_errors

from airtools.testing import ModelTests, make_molecule


class TestTFN(ModelTests):
    model_cls = TFN
    config = {"irreps_hidden": "8x0e + 4x1o + 4x1e", "n_layers": 2, "l_max": 2}
    has_dipole = True

    def test_each_layer_is_built_from_the_previous_irreps_out(self, models):
        model = models[torch.float64]
        assert str(model.layers[0].irreps_in) == "8x0e"  # the element embedding (n_attr scalars)
        assert all(a.irreps_out == b.irreps_in for a, b in zip(model.layers[:-1], model.layers[1:]))
        assert model.head.irreps_in == model.layers[-1].irreps_out
        assert str(model.head.irreps_out) == "2x0e+1x1o"  # energy, charge, atomic dipole


def test_without_parity_rotation_invariant_but_chiral():
    """parity=False labels every irrep even: rotations only, so a molecule and its mirror image differ."""
    torch.manual_seed(0)
    model = TFN(irreps_hidden="8x0e + 4x1o", n_layers=3, parity=False).double()  # 3 layers: triple products
    z, pos = make_molecule(8, seed=3)
    errors = transformation_errors(lambda pos: model(z, pos).detach(), "cartesian_points", None, inputs=[pos],
                                   generator=torch.Generator().manual_seed(0))
    assert errors["rotation"] < 1e-10 and errors["reflection"] > 1e-6, errors
