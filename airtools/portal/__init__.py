"""The teaching portal: JupyterLab for ``lessons/`` and preheated Voila for ``dashboards/``.

``airtools portal`` (see ``airtools.cli``) runs both on 127.0.0.1 with one Jupyter token. This package
is also a Jupyter server extension (``airtools.portal``) that serves the local 3Dmol.js at
``/airtools/static/``; ``airtools.portal.voila_app`` is the Voila side.

>>> from airtools.portal import Portal, free_port
>>> 0 < free_port() < 65536
True
"""
from airtools.portal._extension import _jupyter_server_extension_points, _load_jupyter_server_extension
from airtools.portal._launcher import REPO_ROOT, Portal, free_port

__all__ = ["Portal", "free_port", "REPO_ROOT", "_jupyter_server_extension_points", "_load_jupyter_server_extension"]
