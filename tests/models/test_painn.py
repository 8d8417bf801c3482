from airtools.models import PaiNN

from airtools.testing import ModelTests


class TestPaiNN(ModelTests):
    model_cls = PaiNN
    config = {"hidden": 16, "n_layers": 2}
    has_dipole = True
