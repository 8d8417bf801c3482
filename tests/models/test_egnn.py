from airtools.models import EGNN

from airtools.testing import ModelTests


class TestEGNN(ModelTests):
    model_cls = EGNN
    config = {"hidden": 16, "n_layers": 3}
    has_dipole = True
