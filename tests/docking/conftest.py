"""Docking tests share the 1hvr complex (HIV-1 protease with XK263), read once, and run torch on one thread."""
import pytest
import torch

from airtools.data import load_complex
from airtools.docking import VinaScore, ligand_xs_types, protein_xs_types


@pytest.fixture(autouse=True)
def _one_thread(one_torch_thread):
    yield


@pytest.fixture(scope="session")
def complex_1hvr():
    return load_complex("1hvr")


@pytest.fixture(scope="session")
def types_1hvr(complex_1hvr):
    """``(ligand_types [46], pocket_pos [463, 3], pocket_types [463])``."""
    cx = complex_1hvr
    types = protein_xs_types(cx["protein_element"], cx["protein_atom"], cx["protein_residue"], cx["protein_pos"])
    return ligand_xs_types(cx["ligand"]), cx["protein_pos"][cx["pocket"]], types[cx["pocket"]]


@pytest.fixture(scope="session")
def score_1hvr(types_1hvr):
    """Vina's score of the 1hvr pocket, float32 (as the search runs it)."""
    return VinaScore(*types_1hvr)


def crystal(complex_1hvr, dtype=torch.float32) -> torch.Tensor:
    return torch.tensor(complex_1hvr["ligand_pos"], dtype=dtype)
