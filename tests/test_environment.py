"""environment.yml (conda/Binder) and pyproject.toml (pip) must ask for the same packages."""
import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
# pip name -> conda-forge name, where they differ
PIP_TO_CONDA = {"torch": "pytorch"}
CONDA_ONLY = {"python", "pip", "nodejs"}  # tooling conda needs that pip gets from the machine


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~\[ ;]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


def _pyproject_packages() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    reqs = project["dependencies"] + project["optional-dependencies"]["test"]
    return {PIP_TO_CONDA.get(_name(r), _name(r)) for r in reqs}


def _environment_packages() -> set[str]:
    deps = yaml.safe_load((ROOT / "environment.yml").read_text())["dependencies"]
    names = set()
    for dep in deps:
        if isinstance(dep, dict):
            names |= {_name(r) for r in dep["pip"]}
        else:
            names.add(_name(dep))
    return names - CONDA_ONLY


def test_environment_yml_lists_the_same_packages_as_pyproject():
    pip, conda = _pyproject_packages(), _environment_packages()
    assert pip == conda, f"only in pyproject: {sorted(pip - conda)}; only in environment.yml: {sorted(conda - pip)}"


def test_torch_pin_installs_the_local_cpu_build_here():
    # the course machines carry torch 2.13.0 (CPU) on disk; a looser pin would pull a multi-GB CUDA build
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    assert "torch==2.13.0" in deps
