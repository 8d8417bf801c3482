"""Doctests of airtools.data write their cache under a temporary folder, never ~/.cache/airtools."""
import pytest


@pytest.fixture(autouse=True)
def _doctest_cache(tmp_path_factory, monkeypatch):
    monkeypatch.setenv("AIRTOOLS_CACHE", str(tmp_path_factory.getbasetemp() / "airtools-doctest-cache"))
