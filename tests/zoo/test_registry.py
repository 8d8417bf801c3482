"""The zoo's registry: a recipe trains once, is loaded after, is retrained when its file is unreadable or its
version changes; ``build`` reports what it did; bad names and settings are refused with what exists."""
from dataclasses import replace

import pytest
import torch

from airtools import zoo
from airtools.cli import main
from airtools.models import DeepONet


@pytest.fixture
def tiny(monkeypatch, tmp_path):
    """A registered toy recipe whose ``fit`` counts its calls (removed again after the test), in an empty cache."""
    monkeypatch.setenv("AIRTOOLS_CACHE", str(tmp_path))
    calls = []

    def fit(progress, *, width, seed):
        calls.append((width, seed))
        torch.manual_seed(seed)
        return DeepONet(branch_sizes=[3, width], trunk_sizes=[1, width]), None, {"width": width}

    recipe = zoo.register(zoo.Recipe("toy-operator", version=1, summary="a toy", fit=fit,
                                     tag=lambda width, seed: f"w{width}-s{seed}", defaults=dict(width=4, seed=0)))
    yield recipe, calls
    del zoo.REGISTRY["toy-operator"]


def _same(a, b):
    u, y = torch.randn(2, 3), torch.rand(5, 1)
    return torch.equal(a(u, y), b(u, y))


def test_trained_once_then_loaded(tiny):
    recipe, calls = tiny
    assert recipe.load(train=False) is None and calls == []
    model = recipe.load()
    assert calls == [(4, 0)] and recipe.path().name == "toy-operator-w4-s0-v1.pt"
    again = zoo.load("toy-operator")
    assert calls == [(4, 0)] and _same(model, again)  # loaded, not retrained: the same predictions
    assert torch.load(recipe.path(), weights_only=True)["extra"] == {"width": 4, "recipe": "toy-operator", "version": 1}
    other = recipe.load(width=6)  # other settings: another file
    assert calls == [(4, 0), (6, 0)] and other.config.branch_sizes == [3, 6]


def test_unreadable_checkpoint_is_retrained_and_a_new_version_is_a_new_file(tiny):
    recipe, calls = tiny
    recipe.load()
    recipe.path().write_bytes(b"truncated")
    with pytest.warns(UserWarning, match="unreadable"):
        assert recipe.load(train=False) is None
    assert not recipe.path().exists()
    recipe.load()
    assert len(calls) == 2
    bumped = replace(recipe, version=2)
    assert bumped.path() != recipe.path() and not bumped.is_cached()


def test_bad_names_and_settings_say_what_exists(tiny):
    with pytest.raises(ValueError, match=r"no recipe 'toy'; known: \[.*'toy-operator'"):
        zoo.get("toy")
    with pytest.raises(ValueError, match=r"unknown setting\(s\) \['depth'\]; expected some of \['seed', 'width'\]"):
        tiny[0].load(depth=3)
    with pytest.raises(ValueError, match="already registered"):
        zoo.register(tiny[0])
    with pytest.raises(ValueError, match="unknown name"):
        zoo.build(["nothing"])


def test_build_reports_trained_then_cached(tiny, capsys):
    lines = []
    first = zoo.build(["toy-operator"], progress=False, echo=lines.append)
    second = zoo.build(["toy-operator"], progress=False)
    assert [r.status for r in first + second] == ["trained", "cached"]
    assert first[0].bytes == tiny[0].path().stat().st_size > 0 and first[0].seconds > 0
    assert lines[0].splitlines()[0].split() == ["name", "kind", "seconds", "size", "status"]
    assert main(["zoo", "build", "toy-operator"]) == 0 and "cached" in capsys.readouterr().out
    assert main(["data", "build", "toy-operator"]) == 0  # the old spelling still works


def test_list_names_every_recipe_and_dataset(capsys):
    assert main(["zoo", "list"]) == 0
    out = capsys.readouterr().out
    for name in [*zoo.REGISTRY, *zoo.DATASETS]:
        assert name in out
