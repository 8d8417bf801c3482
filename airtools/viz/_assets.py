"""3Dmol.js served locally: where it lives, the URL the portal serves it at, and how it is fetched.

py3Dmol loads its viewer from a CDN by default; the portal instead serves the same release from
``STATIC_DIR`` at ``THREEDMOL_URL`` on both servers (JupyterLab and Voila), so molecule views work
offline. The file is fetched once, at set-up time (``airtools assets``), from the npm package
``3dmol@THREEDMOL_VERSION``; it is gitignored, never committed, never inlined.

>>> THREEDMOL_URL
'/airtools/static/3Dmol-min.js'
>>> THREEDMOL_VERSION  # the release py3Dmol 2.5.5 pins in its default ``js=`` URL
'2.5.5'
>>> STATIC_DIR.name
'static'

The portal also serves the installed plotly's ``package_data`` at ``PLOTLY_URL_PREFIX``: dashboard figures
(``airtools.viz.figure_widget``) load ``plotly.min.js`` from there once per page instead of receiving
plotly.js through the kernel websocket once per figure. ``under_portal()`` tells a kernel it runs there.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

__all__ = ["THREEDMOL_VERSION", "THREEDMOL_URL", "STATIC_DIR", "STATIC_URL_PREFIX", "ensure_3dmol",
           "PLOTLY_URL_PREFIX", "under_portal"]

THREEDMOL_VERSION = "2.5.5"
STATIC_URL_PREFIX = "/airtools/static/"
THREEDMOL_URL = STATIC_URL_PREFIX + "3Dmol-min.js"
STATIC_DIR = Path(__file__).resolve().parent / "static"
PLOTLY_URL_PREFIX = "/airtools/plotly/"  # serves plotly/package_data of the installed plotly

_FILES = ("3Dmol-min.js", "3Dmol-min.js.LICENSE.txt")  # the viewer and its licence notice
_MIN_BYTES = 100_000  # 2.5.5's minified build is ~540 kB; anything tiny is an error page


def ensure_3dmol(static_dir: str | Path | None = None) -> Path:
    """Path of the local ``3Dmol-min.js``, fetching it with ``npm pack`` when it is missing.

    Runs ``npm pack 3dmol@THREEDMOL_VERSION`` in a temporary folder, extracts
    ``package/build/3Dmol-min.js`` (and its licence file), checks that it is the viewer
    (size, defines ``$3Dmol``) and moves it into place atomically (temp file + rename).

    Args:
        static_dir: folder to place it in (default ``STATIC_DIR``).

    Returns:
        the path of ``3Dmol-min.js``.

    Raises:
        RuntimeError: ``npm`` is not installed, the download failed, or the file is not 3Dmol.js.
    """
    static_dir = Path(static_dir) if static_dir is not None else STATIC_DIR
    target = static_dir / _FILES[0]
    if target.is_file() and target.stat().st_size >= _MIN_BYTES:
        return target
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError(
            f"npm is needed once to fetch 3Dmol.js {THREEDMOL_VERSION} into {static_dir} "
            "(install Node.js/npm, e.g. `apt-get install npm`, then run `airtools assets`)"
        )
    static_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="airtools-3dmol-") as tmp:
        done = subprocess.run(
            [npm, "pack", f"3dmol@{THREEDMOL_VERSION}", "--silent"],
            cwd=tmp, capture_output=True, text=True, timeout=300,
        )
        tarballs = list(Path(tmp).glob("*.tgz"))
        if done.returncode != 0 or len(tarballs) != 1:
            raise RuntimeError(f"`npm pack 3dmol@{THREEDMOL_VERSION}` failed: {done.stderr.strip()[-500:]}")
        with tarfile.open(tarballs[0]) as tar:
            for name in _FILES:
                _extract_atomically(tar, f"package/build/{name}", static_dir / name)
    return target


def under_portal() -> bool:
    """Whether this kernel's server serves plotly.js at ``PLOTLY_URL_PREFIX`` (the portal's Voila, or any Jupyter
    server with the ``airtools.portal`` extension: a JupyterHub user's server, Binder).

    The Voila started by ``airtools portal``/``dashboards`` sets ``AIRTOOLS_VOILA_URL`` (e.g.
    ``http://127.0.0.1:8866``) for its kernels; the server extension sets ``AIRTOOLS_LOCAL_PLOTLY=1``.

    >>> import os
    >>> os.environ["AIRTOOLS_VOILA_URL"] = "http://127.0.0.1:8866"
    >>> under_portal()
    True
    >>> del os.environ["AIRTOOLS_VOILA_URL"]; under_portal()
    False
    """
    return bool(os.environ.get("AIRTOOLS_VOILA_URL") or os.environ.get("AIRTOOLS_LOCAL_PLOTLY"))


def _extract_atomically(tar: tarfile.TarFile, member: str, dest: Path) -> None:
    """Copy one tar member to ``dest`` through a temp file in the same folder, then rename."""
    data = tar.extractfile(member).read()
    if dest.suffix == ".js" and (len(data) < _MIN_BYTES or b"$3Dmol" not in data):
        raise RuntimeError(f"{member} from the npm package does not look like 3Dmol.js ({len(data)} bytes)")
    fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, dest)
    except BaseException:
        os.unlink(tmp)
        raise
