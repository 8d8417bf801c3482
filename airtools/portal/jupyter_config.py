"""The Jupyter settings a course environment needs, written into its prefix by ``airtools assets``.

Every Jupyter server started from the environment -- JupyterLab, a JupyterHub user's server, Binder --
then loads the ``airtools.portal`` server extension (3Dmol.js and plotly served locally; Voila pages
without CDN links and with a dead-kernel banner, see ``_static``), and every JupyterLab starts with:

- no "Would you like to get notified about official Jupyter news?" pop-up and no update check (an offline
  course has no use for either);
- a notebook's kernel shut down when its tab closes (JupyterLab keeps it running by default, so every
  closed lesson would keep a few hundred MB until the server stops).

``pip install -e .`` (setuptools' editable wheels) does not install data files, hence a command.

>>> import tempfile
>>> prefix = tempfile.mkdtemp()
>>> [p.relative_to(prefix).as_posix() for p in install(prefix)]
['etc/jupyter/jupyter_server_config.d/airtools.json', 'share/jupyter/lab/settings/overrides.d/airtools.json']
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

__all__ = ["SERVER_CONFIG", "LAB_SETTINGS", "install"]

SERVER_CONFIG = {"ServerApp": {"jpserver_extensions": {"airtools.portal": True}}}
LAB_SETTINGS = {
    "@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": False},
    "@jupyterlab/notebook-extension:tracker": {"kernelShutdown": True},
}
_FILES = {
    "etc/jupyter/jupyter_server_config.d/airtools.json": SERVER_CONFIG,
    "share/jupyter/lab/settings/overrides.d/airtools.json": LAB_SETTINGS,  # JupyterLab's app settings dir
}


def install(prefix: str | Path = sys.prefix) -> list[Path]:
    """Write the server-extension switch and the JupyterLab settings under ``prefix``; returns the files.

    Files that already hold the same settings are left alone; others are replaced.
    """
    written = []
    for relative, content in _FILES.items():
        path = Path(prefix) / relative
        text = json.dumps(content, indent=2) + "\n"
        if not path.is_file() or path.read_text() != text:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
        written.append(path)
    return written
