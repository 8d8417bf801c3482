"""py3Dmol views load 3Dmol.js from the portal, never from the internet; bad files give clear errors."""
import re

import pytest
from ase.build import molecule

from airtools.viz import THREEDMOL_URL, molecule_view

WATER_XYZ = "3\nwater\nO 0 0 0\nH 0.96 0 0\nH -0.24 0.93 0\n"
PDB = "ATOM      1  N   ALA A   1      11.104   6.134  -6.504  1.00  0.00           N\nEND\n"


@pytest.mark.parametrize("mol", [WATER_XYZ, molecule("CH4"), (["O", "H", "H"], [[0, 0, 0], [1, 0, 0], [0, 1, 0]]), PDB])
def test_html_references_local_3dmol_and_no_url(mol):
    html = molecule_view(mol)._make_html()
    assert f"loadScriptAsync('{THREEDMOL_URL}')" in html
    assert re.findall(r"https?://", html) == []


def test_style_and_format_reach_the_viewer():
    html = molecule_view(PDB, style={"cartoon": {}})._make_html()
    assert '"pdb"' in html and '{"cartoon": {}}' in html
    assert '"xyz"' in molecule_view(molecule("H2O"))._make_html()


@pytest.mark.parametrize("text, fmt, message", [
    ("three\nwater\nO 0 0 0\n", "xyz", "XYZ line 1"),
    ("3\nwater\nO 0 0 0\nH 1 0 0\n", None, "says 3 atoms"),
    ("2\nx\nO 0 0 0\nQq 1 0 0\n", None, "XYZ line 4"),
    ("2\nx\nO 0 0 nan\nH 1 0 0\n", None, "XYZ line 3"),
    ("hello world", None, "cannot tell the file format"),
])
def test_malformed_text_is_a_value_error_naming_the_line(text, fmt, message):
    with pytest.raises(ValueError, match=message):
        molecule_view(text, fmt=fmt)
