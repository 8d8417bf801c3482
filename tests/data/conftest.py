"""Every data test writes its cache under one temporary folder (never ~/.cache/airtools)."""
import pytest


@pytest.fixture(scope="session")
def shared_cache(tmp_path_factory):
    """A cache folder shared by the tests of one run, so equilibria and labels are computed once."""
    return tmp_path_factory.mktemp("airtools-cache")


@pytest.fixture(autouse=True)
def _cache_env(shared_cache, monkeypatch):
    monkeypatch.setenv("AIRTOOLS_CACHE", str(shared_cache))
