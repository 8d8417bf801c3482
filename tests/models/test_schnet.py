from airtools.models import SchNet

from airtools.testing import ModelTests


class TestSchNet(ModelTests):
    model_cls = SchNet
    config = {"hidden": 16, "n_filters": 16, "n_interactions": 2}
