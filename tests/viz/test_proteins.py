"""Protein figures: points land in their class and place, maps show the matrix, the 3-D view gets the right
colour per residue and rotates rigidly; bad input is a clear ValueError."""
import gzip
import json
import re

import numpy as np
import pytest
import torch

from airtools.data._shipped import shipped_structure
from airtools.so3 import random_rotation
from airtools.viz import THREEDMOL_URL, contact_map_figure, protein_view, ramachandran_figure
from airtools.viz import SS_COLORS, highlight_residue, restyle_script


@pytest.fixture(scope="module")
def pdb_1ahs():
    return gzip.open(shipped_structure("1ahsA"), "rt").read()


def _model_text(view) -> str:
    return json.loads(re.search(r"\.addModel\((\".*?[^\\]\"),\"pdb\"\)", view._make_html()).group(1))


def _ca(pdb: str) -> np.ndarray:
    return np.array([[float(l[30:38]), float(l[38:46]), float(l[46:54])] for l in pdb.splitlines()
                     if l.startswith("ATOM") and l[12:16] == " CA "])


def test_ramachandran_points_sit_in_their_class_trace():
    rng = np.random.default_rng(0)
    n = 50
    phi, psi = rng.uniform(-180, 180, n), rng.uniform(-180, 180, n)
    phi[0] = psi[-1] = np.nan  # chain ends: undefined torsions
    labels = "".join(rng.choice(list("HE-"), n))
    fig = ramachandran_figure(phi, psi, labels, names=[f"r{i}" for i in range(n)])
    seen = []
    for trace, label in zip(fig.data[:3], "HE-"):
        idx = trace.customdata
        assert all(labels[i] == label for i in idx) and trace.marker.color == SS_COLORS[label]
        assert np.allclose(trace.x, phi[idx]) and np.allclose(trace.y, psi[idx])
        assert list(trace.text) == [f"r{i}" for i in idx]
        seen += list(idx)
    assert sorted(seen) == list(range(1, n - 1))  # every residue with both torsions, once
    assert list(fig.layout.xaxis.range) == list(fig.layout.yaxis.range) == [-180, 180]
    assert len(fig.layout.shapes) == 3  # α, β, Lα regions


def test_highlight_follows_the_residue():
    phi, psi = np.array([np.nan, -60.0, -120.0]), np.array([150.0, -45.0, 130.0])
    rama, cmap = ramachandran_figure(phi, psi, "-HE"), contact_map_figure(np.ones((3, 3)) - np.eye(3))
    highlight_residue(rama, 2)
    highlight_residue(cmap, 2)
    assert (rama.data[-1].x, rama.data[-1].y) == ((-120.0,), (130.0,))
    assert cmap.data[-1].x[:2] == (2, 2) and cmap.data[-1].y[3:] == (2, 2)
    highlight_residue(rama, 0)  # φ undefined at the N terminus: no ring
    assert rama.data[-1].x == ()
    with pytest.raises(ValueError, match="0 <= k < 3"):
        highlight_residue(cmap, 3)


def test_contact_map_shows_distances_and_contacts():
    rng = np.random.default_rng(1)
    pos = rng.normal(scale=6.0, size=(30, 3))
    D = np.linalg.norm(pos[:, None] - pos[None], axis=-1)
    fig = contact_map_figure(D, cutoff=8.0, labels="H" * 10 + "E" * 10 + "-" * 10)
    z = np.array(fig.data[0].z)
    assert np.allclose(z, np.minimum(D, 16.0)) and fig.data[0].zmax == 16.0
    assert np.array_equal(np.array(fig.data[1].z), [[0] * 10 + [1] * 10 + [2] * 10])
    contacts = contact_map_figure(D < 8.0)
    assert np.array_equal(np.array(contacts.data[0].z), (D < 8.0).astype(float))
    assert contacts.data[1].z == ()  # no labels: no strip


@pytest.mark.parametrize("call, message", [
    (lambda: ramachandran_figure([0.0, 1.0], [0.0]), "expected 2 values"),
    (lambda: ramachandran_figure([200.0], [0.0]), "degrees in \\[-180, 180\\]"),
    (lambda: ramachandran_figure([0.0], [0.0], "G"), "H \\(helix\\), E"),
    (lambda: contact_map_figure(np.zeros((2, 3))), "square"),
    (lambda: contact_map_figure(np.full((2, 2), np.nan)), "finite distances"),
    (lambda: protein_view("hello\nworld"), "no ATOM/HETATM"),
    (lambda: protein_view("HETATM    1  O   HOH A   1       0.0   0.0   0.0  1.00  0.00           O\n"),
     "no protein residues"),
])
def test_bad_input_is_a_clear_value_error(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_protein_view_colours_every_residue_and_loads_3dmol_locally(pdb_1ahs):
    n_res = len(_ca(pdb_1ahs))
    rng = np.random.default_rng(2)
    colors = [f"#{c:06x}" for c in rng.integers(0, 2**24, n_res)]
    view = protein_view(pdb_1ahs, colors, highlight=5)
    html = view._make_html()
    assert f"loadScriptAsync('{THREEDMOL_URL}')" in html and re.findall(r"https?://", html) == []
    styled = {}
    style = r'setStyle\(\{"resi": (\[[\d, ]+\])\},\{"cartoon": \{"color": "(#\w+)"\}\}\)'
    for selector, colour in re.findall(style, html):
        for resi in json.loads(selector):
            styled[resi] = colour
    assert styled == {k + 1: c for k, c in enumerate(colors)}  # residue k (chain order) -> colour k
    assert '{"resi": [6]},{"stick"' in html
    labels = "".join(rng.choice(list("HE-"), n_res))
    html = protein_view(pdb_1ahs, labels)._make_html()
    assert html.count('"cartoon": {"color": "') == 3  # one style per class
    with pytest.raises(ValueError, match=f"expected {n_res} colours"):
        protein_view(pdb_1ahs, colors[:-1])


def test_protein_view_rotation_is_rigid(pdb_1ahs):
    R = random_rotation(dtype=torch.float64, generator=torch.Generator().manual_seed(3)).numpy()
    ca0, ca1 = _ca(_model_text(protein_view(pdb_1ahs))), _ca(_model_text(protein_view(pdb_1ahs, rotation=R)))
    assert np.abs(ca1 - ca0).max() > 1.0  # it moved
    d0 = np.linalg.norm(ca0[:, None] - ca0[None], axis=-1)
    d1 = np.linalg.norm(ca1[:, None] - ca1[None], axis=-1)
    assert np.abs(d1 - d0).max() < 0.01  # PDB keeps 3 decimals
    with pytest.raises(ValueError, match="orthogonal"):
        protein_view(pdb_1ahs, rotation=2 * np.eye(3))


@pytest.mark.parametrize("name", ["adk_open", "1hvr", "1ahsA"])
def test_protein_view_counts_the_residues_load_chain_keeps(name):
    from airtools.data.proteins import load_chain

    chain = load_chain(name)
    n_res = len(chain.backbone)
    protein_view(chain.pdb_text, "-" * n_res)  # one colour per residue of the chain: accepted
    with pytest.raises(ValueError, match=f"expected {n_res} labels"):
        protein_view(chain.pdb_text, "-" * (n_res + 1))


def test_restyle_script_recolours_the_shown_viewer_only(pdb_1ahs):
    n_res = len(_ca(pdb_1ahs))
    view = protein_view(pdb_1ahs, "-" * n_res)
    with pytest.raises(ValueError, match="already shown"):
        restyle_script(view, "H" * n_res)
    view._make_html()
    script = restyle_script(view, "H" * (n_res - 1) + "E", highlight=0)
    assert script.count(f"viewer_{view.uniqueid}.") == 5  # reset, two colours, highlight, render
    assert f'{{"resi": {list(range(1, n_res))}}},{{"cartoon": {{"color": "{SS_COLORS["H"]}"}}}}' in script
    assert f'{{"resi": [{n_res}]}},{{"cartoon": {{"color": "{SS_COLORS["E"]}"}}}}' in script
    assert "addModel" not in script and len(script) < 2000  # no structure resent
