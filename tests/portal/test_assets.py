"""3Dmol.js set-up: the pinned version matches py3Dmol's, a present file is reused, missing npm is explained."""
import inspect

import py3Dmol
import pytest

from airtools.viz import _assets


def test_version_matches_py3dmol_default():
    default_js = inspect.signature(py3Dmol.view.__init__).parameters["js"].default
    assert f"3dmol@{_assets.THREEDMOL_VERSION}/build/3Dmol-min.js" in default_js


def test_existing_file_is_reused_without_npm(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", "")
    js = tmp_path / "3Dmol-min.js"
    js.write_bytes(b"/* $3Dmol */" + b" " * 200_000)
    assert _assets.ensure_3dmol(tmp_path) == js


def test_missing_npm_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", "")
    with pytest.raises(RuntimeError, match="npm is needed"):
        _assets.ensure_3dmol(tmp_path)
    assert list(tmp_path.iterdir()) == []  # nothing half-written
