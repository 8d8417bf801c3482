"""Explain tests run torch on one thread (the suite's ``one_torch_thread`` fixture): their tensors are tiny."""
import pytest


@pytest.fixture(autouse=True)
def _one_thread(one_torch_thread):
    yield
