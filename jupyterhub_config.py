"""JupyterHub for a course on one machine: each student gets their own JupyterLab server (the lessons) with Voila
as its server extension (the dashboards at /user/NAME/voila/render/dashboards/index.ipynb), idle servers
are stopped by jupyterhub-idle-culler, and nothing is fetched from the internet.

    make install assets hub-proxy                 # airtools, 3Dmol.js, the Jupyter settings, configurable-http-proxy
    .venv/bin/airtools zoo build                  # the dashboards' models, once, into the shared cache
    sudo AIRTOOLS_CACHE=/srv/airtools-cache .venv/bin/jupyterhub -f jupyterhub_config.py

Students log in with their account on this machine (PAM, members of the group ``AIRTOOLS_HUB_GROUP``, default
``students``; run the hub as root so that each server runs as its student). On the first start a student's
home receives a copy of ``lessons/`` and ``dashboards/``; later starts leave their edits alone.

Environment (all optional): ``AIRTOOLS_HUB_IP`` (default 127.0.0.1; 0.0.0.0 to serve the room, behind HTTPS:
``AIRTOOLS_HUB_SSL_CERT``/``AIRTOOLS_HUB_SSL_KEY``), ``AIRTOOLS_HUB_PORT`` (8000), ``AIRTOOLS_HUB_GROUP``,
``AIRTOOLS_HUB_ADMINS`` (comma-separated), ``AIRTOOLS_HUB_IDLE`` (seconds before an idle server is stopped,
3600), ``AIRTOOLS_CACHE`` (a cache shared by every student, e.g. prepared with ``airtools zoo build``). Any
setting can be overridden on the command line (``--JupyterHub.port=9000``): the test suite starts this file
with the dummy authenticator and ``SimpleLocalProcessSpawner`` (tests/browser/test_jupyterhub.py).
"""
import os
import shutil
import sys
from pathlib import Path

c = get_config()  # noqa: F821 -- JupyterHub provides it

REPO = Path(__file__).resolve().parent
COURSE = ("lessons", "dashboards")  # copied into each student's home on their first start
IDLE = int(os.environ.get("AIRTOOLS_HUB_IDLE", 3600))

# -- where the hub listens; the proxy (configurable-http-proxy from npm, `make hub-proxy`) -------------------
c.JupyterHub.ip = os.environ.get("AIRTOOLS_HUB_IP", "127.0.0.1")
c.JupyterHub.port = int(os.environ.get("AIRTOOLS_HUB_PORT", 8000))
c.JupyterHub.hub_ip = "127.0.0.1"
if os.environ.get("AIRTOOLS_HUB_SSL_CERT"):
    c.JupyterHub.ssl_cert = os.environ["AIRTOOLS_HUB_SSL_CERT"]
    c.JupyterHub.ssl_key = os.environ["AIRTOOLS_HUB_SSL_KEY"]
_proxy = shutil.which("configurable-http-proxy") or str(Path(sys.prefix) / "node_modules" / ".bin" / "configurable-http-proxy")
c.ConfigurableHTTPProxy.command = [_proxy]

# -- who may log in ------------------------------------------------------------------------------------------
c.JupyterHub.authenticator_class = "pam"  # accounts of this machine
c.PAMAuthenticator.allowed_groups = {os.environ.get("AIRTOOLS_HUB_GROUP", "students")}
c.Authenticator.admin_users = {name for name in os.environ.get("AIRTOOLS_HUB_ADMINS", "").split(",") if name}

# -- each student's server: JupyterLab on the lessons, Voila and airtools as server extensions -----------------
c.JupyterHub.spawner_class = "localprocess"  # a process per student, as that student
c.Spawner.cmd = [sys.executable, "-m", "jupyterhub.singleuser"]  # this environment's Jupyter, torch and airtools
c.Spawner.default_url = "/lab/tree/lessons"
c.Spawner.args = [
    # local 3Dmol.js and plotly, Voila pages without CDN links and with a dead-kernel banner (airtools.portal);
    # voila.server_extension serves /user/NAME/voila/render/...
    "--ServerApp.jpserver_extensions=airtools.portal=True",
    "--ServerApp.jpserver_extensions=voila.server_extension=True",
    "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",  # offline: no update check,
    "--LabApp.news_url=None",  # no news pop-up
    "--LabApp.extension_manager=readonly",  # no PyPI queries
    # kernels whose tab vanished without closing: stopped after 10 idle minutes (a closed tab stops its
    # kernel at once: JupyterLab's settings from `airtools assets`)
    "--MappingKernelManager.cull_idle_timeout=600", "--MappingKernelManager.cull_interval=60",
] + (["--allow-root"] if os.geteuid() == 0 else [])  # only SimpleLocalProcessSpawner (tests, containers) spawns
# servers as the hub's own user; LocalProcessSpawner runs each as its student, never as root
c.Spawner.environment = {"AIRTOOLS_CACHE": os.environ["AIRTOOLS_CACHE"]} if os.environ.get("AIRTOOLS_CACHE") else {}
c.Spawner.http_timeout = 120  # a busy machine: a server importing its extensions may take a while
c.Spawner.start_timeout = 180


def _home(spawner) -> Path:
    home = getattr(spawner, "home_dir", None)  # SimpleLocalProcessSpawner
    if home:
        return Path(home)
    import pwd

    return Path(pwd.getpwnam(spawner.user.name).pw_dir)


def copy_course(spawner) -> None:
    """Give a student's home its own copy of the lessons and dashboards on their first start."""
    home = _home(spawner)
    home.mkdir(parents=True, exist_ok=True)
    for folder in COURSE:
        target = home / folder
        if not target.exists():
            shutil.copytree(REPO / folder, target)
            if os.geteuid() == 0 and hasattr(spawner, "user"):  # the hub runs as root: hand it to the student
                import pwd

                try:
                    entry = pwd.getpwnam(spawner.user.name)
                except KeyError:
                    continue
                for path in [target, *target.rglob("*")]:
                    os.chown(path, entry.pw_uid, entry.pw_gid)


c.Spawner.pre_spawn_hook = copy_course
c.Spawner.notebook_dir = "~"

# -- idle servers are stopped by jupyterhub-idle-culler (a hub service with just the rights it needs) ----------
c.JupyterHub.services = [{
    "name": "idle-culler",
    "command": [sys.executable, "-m", "jupyterhub_idle_culler", f"--timeout={IDLE}", "--cull-every=60"],
}]
c.JupyterHub.load_roles = [{
    "name": "idle-culler",
    "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"],
    "services": ["idle-culler"],
}]
c.JupyterHub.cleanup_servers = True  # stopping the hub stops the students' servers
