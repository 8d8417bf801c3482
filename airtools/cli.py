"""The ``airtools`` command: run the portal, fetch browser assets, run and check the lessons.

    airtools portal [--port 8888] [--voila-port 8866] [--token T] [--no-browser] [--dashboards DIR]
                    [--class-size N --lecture NAME] [--pool-size K] [--max-kernels M] [--no-train] [--no-fork]
    airtools lab [--port 8888] ...            JupyterLab alone (lessons)
    airtools dashboards [--port 8866]         preheated Voila alone (dashboards)
    airtools assets                           fetch 3Dmol.js (npm, once) into airtools/viz/static and install the
                                              Jupyter settings (server extension, JupyterLab course settings)
    airtools lessons run [NAMES ...]          execute lessons, print seconds against each budget
    airtools lessons check [--fix]            fail if a committed notebook stores outputs
    airtools zoo build [NAMES ...]            compute the lessons' datasets and train the zoo's models into the
                                              cache, with a table of seconds and sizes (alias: airtools data build)
    airtools zoo list                         the datasets and recipes ``zoo build`` knows
    airtools train ...                        train a zoo recipe or a model on a dataset; the same as
                                              ``python -m airtools.train`` (and ``torchrun ... -m airtools.train``)

Ports: 0 picks a free one. Everything listens on 127.0.0.1 behind a Jupyter token.
"""
from __future__ import annotations

import argparse
import signal
import sys
import time
import webbrowser
from pathlib import Path

__all__ = ["main", "build_parser"]


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``airtools`` (sub-commands portal, lab, dashboards, assets, lessons)."""
    parser = argparse.ArgumentParser(prog="airtools", description="airtools: run the teaching portal, fetch browser assets, run and check the lessons.",
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def server(name, help, lab, voila):
        p = sub.add_parser(name, help=help, description=help)
        if lab:
            p.add_argument("--port", type=int, default=8888, help="JupyterLab port (0: a free one; default 8888)")
        if voila:
            flag = "--voila-port" if lab else "--port"
            p.add_argument(flag, dest="voila_port", type=int, default=8866, help="Voila port (0: a free one; default 8866)")
            p.add_argument("--dashboards", dest="dashboards_dir", type=Path, help="folder of dashboards (default ROOT/dashboards)")
            p.add_argument("--class-size", type=int, default=0, metavar="N",
                           help="preheat N kernels for the --lecture dashboard(s), so a class opening it at once is "
                                "served at once (within the machine's memory; a waiting room shows each extra "
                                "visitor their place in line)")
            p.add_argument("--lecture", action="append", default=[], metavar="NAME",
                           help="the dashboard shown in class, e.g. rotations (repeat for several)")
            p.add_argument("--pool-size", type=int, default=1, metavar="K", help="preheated kernels per dashboard (default 1)")
            p.add_argument("--max-kernels", type=int, default=0, metavar="M",
                           help="dashboard kernels alive at most (default: what fits in 80%% of the free memory)")
            p.add_argument("--no-train", action="store_true",
                           help="do not train the dashboards' missing models in the background")
            p.add_argument("--no-fork", dest="fork_kernels", action="store_false",
                           help="start each dashboard kernel as a new Python process (default: fork it from a "
                                "process that has imported what the dashboards import: ~0.2 s instead of ~6 s, "
                                "~130 MB of its own instead of ~400 MB)")
        p.add_argument("--token", help="Jupyter token (default: a random one)")
        p.add_argument("--no-browser", action="store_true", help="print the URLs, do not open a browser")
        p.add_argument("--root", type=Path, help="the repository checkout JupyterLab serves (default: the one airtools runs from)")
        p.set_defaults(handler=_serve, lab=lab, voila=voila)

    server("portal", "JupyterLab (lessons/) and preheated Voila (dashboards/) on 127.0.0.1, one token", True, True)
    server("lab", "JupyterLab alone, opened on lessons/", True, False)
    server("dashboards", "Voila alone on the dashboards, with preheated kernels", False, True)

    p = sub.add_parser("assets", help="fetch 3Dmol.js from npm into airtools/viz/static (once); install the Jupyter "
                                      "settings (airtools server extension, JupyterLab course settings)")
    p.set_defaults(handler=_assets)

    lessons = sub.add_parser("lessons", help="run or check the lesson notebooks")
    lsub = lessons.add_subparsers(dest="action", required=True, metavar="ACTION")
    p = lsub.add_parser("run", help="execute lessons in fresh kernels; fail when one errors or exceeds its budget")
    p.add_argument("names", nargs="*", help="lesson names or number prefixes, e.g. 00 02_irreps (default: all)")
    p.set_defaults(handler=_lessons_run)
    p = lsub.add_parser("check", help="fail when a lesson or dashboard notebook has stored outputs")
    p.add_argument("--fix", action="store_true", help="strip the outputs instead of failing")
    p.set_defaults(handler=_lessons_check)

    for name, what in (("zoo", "the pretrained models and the lessons' datasets"),
                       ("data", "alias of `airtools zoo` (the old spelling)")):
        zoo = sub.add_parser(name, help=what)
        zsub = zoo.add_subparsers(dest="action", required=True, metavar="ACTION")
        p = zsub.add_parser("build", help="compute the lessons' datasets and train the zoo's models into the cache")
        p.add_argument("names", nargs="*", help="datasets or recipes (default: all; `airtools zoo list` shows them)")
        p.set_defaults(handler=_zoo_build)
        p = zsub.add_parser("list", help="the names `zoo build` accepts, with what each is")
        p.set_defaults(handler=_zoo_list)

    p = sub.add_parser("train", help="train a zoo recipe or a model on a dataset (DDP under torchrun)",
                       add_help=False)
    p.set_defaults(handler=_train, passes_extra_args=True)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``airtools`` console script; returns the exit status."""
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra and not getattr(args, "passes_extra_args", False):
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    args.extra = extra
    return args.handler(args) or 0


def _assets(args) -> int:
    from airtools.portal import jupyter_config
    from airtools.viz._assets import ensure_3dmol

    for path in jupyter_config.install():
        print(path)
    try:
        print(ensure_3dmol())
    except RuntimeError as err:
        print(f"airtools assets: {err}", file=sys.stderr)
        return 1
    return 0


def _serve(args) -> int:
    from airtools.portal import Portal
    from airtools.viz._assets import ensure_3dmol

    try:
        ensure_3dmol()
    except RuntimeError as err:
        print(f"airtools: {err}; continuing without it (molecule views stay empty)", file=sys.stderr)
    voila = dict(pool_size=args.pool_size, class_size=args.class_size, lecture=args.lecture,
                 max_kernels=args.max_kernels, fork_kernels=args.fork_kernels) if args.voila else {}
    try:
        portal = Portal(args.root, getattr(args, "dashboards_dir", None), lab=args.lab, dashboards=args.voila,
                        port=getattr(args, "port", 0), voila_port=getattr(args, "voila_port", 0), token=args.token,
                        **voila)
    except ValueError as err:
        print(f"airtools: {err}", file=sys.stderr)
        return 2
    signal.signal(signal.SIGTERM, _raise_interrupt)
    # Ctrl-C stops the portal even when started from a script in the background, where the shell makes the
    # process ignore SIGINT and Python then installs no KeyboardInterrupt handler of its own
    signal.signal(signal.SIGINT, signal.default_int_handler)
    trainer = None
    try:
        portal.start()
        print("\nairtools portal is running (Ctrl-C stops the servers and their kernels):")
        for name, url in portal.urls().items():
            print(f"  {name:<11} {url}")
            if not args.no_browser:
                webbrowser.open(url)
        if args.voila and not args.no_train:
            from airtools.portal.training import BackgroundTraining

            trainer = BackgroundTraining(echo=lambda line: print(f"  {line}", flush=True)).start()
        if args.voila:
            seconds = portal.wait_warm(timeout=3600, progress=_print_warm)
            print(f"  dashboards preheated in {seconds:.1f} s", flush=True)
        while True:
            portal.check_alive()
            time.sleep(1)
    except KeyboardInterrupt:
        print("\nairtools: stopping ...", file=sys.stderr)
        return 0
    except (RuntimeError, TimeoutError, ValueError) as err:
        print(f"airtools: {err}", file=sys.stderr)
        return 1
    finally:
        if trainer is not None:
            trainer.stop()
        portal.stop()


def _print_warm(status: dict) -> None:
    """One line per change of the number of preheated kernels (a class pool takes minutes to fill)."""
    ready = sum(s["rendered"] for s in status["notebooks"].values())
    total = sum(s["pool"] for s in status["notebooks"].values())
    if total > 1 and ready != getattr(_print_warm, "last", None):
        _print_warm.last = ready
        print(f"  preheating dashboards: {ready} of {total} kernels ready", flush=True)


def _raise_interrupt(signum, frame):
    raise KeyboardInterrupt


def _lessons_run(args) -> int:
    from airtools import notebooks

    paths = notebooks.find_notebooks("lessons")
    if args.names:
        paths = [p for p in paths if any(p.stem == n or p.stem.startswith(n) or p.name == n for n in args.names)]
    if not paths:
        print(f"airtools lessons run: no lesson matches {args.names}", file=sys.stderr)
        return 1
    failed = 0
    print(f"{'lesson':<44} {'seconds':>8} {'budget':>7}  status")
    for path in paths:
        budget = notebooks.notebook_budget(path)
        try:
            seconds, _ = notebooks.execute_notebook(path)
            status = "ok" if seconds <= budget else "OVER BUDGET"
        except Exception as err:  # a failing cell: report it and carry on with the next lesson
            seconds, status = float("nan"), f"FAILED: {type(err).__name__}: {str(err).strip().splitlines()[-1:]}"
        failed += status != "ok"
        print(f"{path.stem:<44} {seconds:>8.1f} {budget:>7.0f}  {status}", flush=True)
    return 1 if failed else 0


def _zoo_build(args) -> int:
    from airtools import zoo
    from airtools.cache import cache_dir

    try:
        rows = zoo.build(args.names or None, progress=True, echo=lambda text: print(text, flush=True))
    except ValueError as err:
        print(f"airtools zoo build: {err}", file=sys.stderr)
        return 2
    total = sum(r.seconds for r in rows)
    print(f"{len(rows)} entries in {total:.0f} s; cache: {cache_dir()}")
    return 0


def _zoo_list(args) -> int:
    from airtools import zoo

    for name, (folder, _) in zoo.DATASETS.items():
        print(f"{name:<21} data   cache_dir()/{folder}")
    for name, recipe in zoo.REGISTRY.items():
        print(f"{name:<21} model  {recipe.summary} (v{recipe.version})")
    return 0


def _train(args) -> int:
    from airtools.cli_train import main as train_main

    return train_main(args.extra)


def _lessons_check(args) -> int:
    from airtools import notebooks

    dirty = []
    for path in notebooks.find_notebooks("lessons") + notebooks.find_notebooks("dashboards"):
        if notebooks.stored_outputs(path):
            if args.fix:
                notebooks.strip_outputs(path)
                print(f"stripped {path.relative_to(notebooks.REPO_ROOT)}")
            else:
                dirty.append(path)
    for path in dirty:
        print(f"{path.relative_to(notebooks.REPO_ROOT)}: {notebooks.stored_outputs(path)} cell(s) with stored "
              "outputs (run `airtools lessons check --fix`)", file=sys.stderr)
    return 1 if dirty else 0


if __name__ == "__main__":
    sys.exit(main())
