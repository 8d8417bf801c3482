"""py3Dmol views that load 3Dmol.js from the portal (``THREEDMOL_URL``), never from a CDN, and show as one output.

py3Dmol's own ``view`` publishes its HTML from ``_repr_html_`` and returns None, so IPython also prints the
object's plain repr, ``<py3Dmol.view at 0x7f...>``, under every view that ends a cell. ``view_class()`` is
py3Dmol's view with a ``_repr_mimebundle_`` instead: the view is the cell's one output.
"""
from __future__ import annotations

import functools
import io

from airtools.viz._assets import THREEDMOL_URL

__all__ = ["molecule_view", "view_class"]


@functools.lru_cache(maxsize=1)
def view_class():
    """``py3Dmol.view`` shown as a single HTML output (no ``<py3Dmol.view at 0x...>`` line under it).

    >>> from IPython.core.formatters import DisplayFormatter
    >>> data, _ = DisplayFormatter().format(view_class()(width=200, height=100, js=THREEDMOL_URL))
    >>> sorted(data), data["text/plain"]
    (['application/3dmoljs_load.v0', 'text/html', 'text/plain'], '3-D view (3Dmol.js)')
    """
    import py3Dmol

    class View(py3Dmol.view):
        def _repr_mimebundle_(self, include=None, exclude=None):
            html = self._make_html()
            return {"application/3dmoljs_load.v0": html, "text/html": html, "text/plain": "3-D view (3Dmol.js)"}

    return View

DEFAULT_STYLE = {"stick": {"radius": 0.15}, "sphere": {"scale": 0.25}}


def molecule_view(molecule, *, style=None, fmt=None, width=480, height=360):
    """A py3Dmol view of a molecule, with 3Dmol.js served locally at ``THREEDMOL_URL``.

    Args:
        molecule: an ``ase.Atoms``; text of an XYZ / PDB / SDF / MOL2 / CIF file; or a pair
            ``(symbols [n_atoms], pos [n_atoms, 3])``.
        style: a 3Dmol.js style dict (default: sticks and small spheres); e.g. ``{"cartoon": {}}``
            for proteins.
        fmt: format of ``molecule`` when it is text (``"xyz"``, ``"pdb"``, ...); guessed for XYZ and PDB.
        width, height: size in pixels.

    Returns:
        a ``py3Dmol.view`` (``view_class()``); show it with ``.show()`` or as the last expression of a cell.

    Raises:
        ValueError: the text is not a readable XYZ file, or its format cannot be guessed.

    >>> view = molecule_view((["O", "H", "H"], [[0, 0, 0], [0.96, 0, 0], [-0.24, 0.93, 0]]))
    >>> html = view._make_html()
    >>> THREEDMOL_URL in html, "http://" in html or "https://" in html
    (True, False)
    """
    text, fmt = _to_text(molecule, fmt)
    return view_class()(data=text, format=fmt, style=DEFAULT_STYLE if style is None else style,
                        width=width, height=height, js=THREEDMOL_URL)


def _to_text(molecule, fmt):
    """(file text, format) for py3Dmol's ``addModel``."""
    if isinstance(molecule, str):
        fmt = fmt or _guess_format(molecule)
        if fmt == "xyz":
            _check_xyz(molecule)
        return molecule, fmt
    if isinstance(molecule, tuple) and len(molecule) == 2:
        from ase import Atoms

        symbols, pos = molecule
        pos = pos.detach().cpu().numpy() if hasattr(pos, "detach") else pos
        try:
            molecule = Atoms(symbols=list(symbols), positions=pos)
        except (KeyError, ValueError) as e:
            raise ValueError(f"molecule: expected (symbols [n_atoms], pos [n_atoms, 3]), got an error: {e}") from None
    if hasattr(molecule, "get_positions"):  # ase.Atoms
        import ase.io

        buf = io.StringIO()
        ase.io.write(buf, molecule, format="xyz")
        return buf.getvalue(), "xyz"
    raise ValueError(f"molecule: expected ase.Atoms, file text or (symbols, pos), got {type(molecule).__name__}")


def _guess_format(text: str) -> str:
    first = text.lstrip().split("\n", 1)[0].strip()
    if first.isdigit():
        return "xyz"
    if any(line.startswith(("ATOM  ", "HETATM", "HEADER", "CRYST1")) for line in text.splitlines()[:50]):
        return "pdb"
    raise ValueError("molecule: cannot tell the file format from the text (an XYZ file starts with the "
                     "number of atoms, a PDB file has ATOM/HETATM lines); pass fmt='xyz', 'pdb', 'sdf', ...")


def _check_xyz(text: str) -> None:
    """Raise ValueError naming the line when ``text`` is not an XYZ file (count, comment, atom lines)."""
    from ase.data import atomic_numbers

    lines = text.strip("\n").splitlines()
    try:
        n = int(lines[0].strip())
    except (ValueError, IndexError):
        raise ValueError(f"XYZ line 1: expected the number of atoms, got {lines[0][:40] if lines else ''!r}") from None
    if n < 1 or len(lines) < n + 2:
        raise ValueError(f"XYZ: the first line says {n} atoms, but the file has {max(len(lines) - 2, 0)} atom lines")
    for k, line in enumerate(lines[2:n + 2], start=3):
        parts = line.split()
        try:
            ok = len(parts) >= 4 and parts[0].capitalize() in atomic_numbers and all(
                abs(float(x)) < 1e6 for x in parts[1:4])
        except ValueError:
            ok = False
        if not ok:
            raise ValueError(f"XYZ line {k}: expected 'Element x y z' with finite coordinates, got {line[:60]!r}")
