"""What one dashboard visit costs the server: a fresh kernel per dashboard, its import cell and whole notebook timed,
its memory read when the notebook has run (RSS; USS: the pages only this kernel holds; PSS: shared pages split
between the processes that map them).

    python benchmarks/kernel_footprint.py                 # every dashboard in dashboards/, a new process per kernel
    python benchmarks/kernel_footprint.py --fork          # kernels forked as the portal forks them
    python benchmarks/kernel_footprint.py rotations pde   # some

Kernels are started the way the portal starts them: ``jupyter_client``'s kernel manager, from the folder of the
notebook, with the portal's environment (``AIRTOOLS_VOILA_URL`` set); with ``--fork`` through the portal's
``airtools-fork`` provisioner (``airtools.portal._forkserver``: forked from a process that has imported what
the dashboards import; the import cell then finds its modules loaded). One at a time, so that they do not compete.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import nbformat
import psutil
from jupyter_client.manager import start_new_kernel

ROOT = Path(__file__).resolve().parents[1]
MB = 2 ** 20


def _run(client, code: str, timeout: float = 300) -> None:
    reply = client.execute_interactive(code, timeout=timeout, output_hook=lambda msg: None)
    if reply["content"]["status"] != "ok":
        raise RuntimeError(f"{reply['content'].get('ename')}: {reply['content'].get('evalue')}")


def footprint(path: Path) -> dict:
    """Seconds for the first code cell (the imports) and for all cells; RSS, USS, PSS in MB afterwards."""
    cells = [c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"]
    env = {**os.environ, "AIRTOOLS_VOILA_URL": "http://127.0.0.1:8866"}
    km, client = start_new_kernel(kernel_name="python3", cwd=str(path.parent), env=env)
    try:
        t0 = time.perf_counter()
        _run(client, cells[0])
        imports = time.perf_counter() - t0
        for code in cells[1:]:
            _run(client, code)
        total = time.perf_counter() - t0
        info = psutil.Process(km.provisioner.process.pid).memory_full_info()
        return {"imports_s": imports, "notebook_s": total, "rss": info.rss / MB, "uss": info.uss / MB, "pss": info.pss / MB}
    finally:
        client.stop_channels()
        km.shutdown_kernel(now=True)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="*", help="dashboard names (default: all)")
    parser.add_argument("--fork", action="store_true", help="fork kernels as the portal does (airtools-fork)")
    args = parser.parse_args(argv)
    if args.fork:  # the provisioner factory is a singleton: configure it before the first kernel manager
        from jupyter_client.provisioning import KernelProvisionerFactory
        from traitlets.config import Config

        KernelProvisionerFactory.instance(config=Config({"KernelProvisionerFactory": {
            "default_provisioner_name": "airtools-fork"}}))
    folder = ROOT / "dashboards"
    paths = [folder / f"{n}.ipynb" for n in args.names] if args.names else sorted(folder.glob("*.ipynb"))
    print(f"load average {os.getloadavg()[0]:.2f}; airtools from {__import__('airtools').__file__}; "
          f"{'forked' if args.fork else 'new'} kernels", flush=True)
    print(f"| {'dashboard':<10} | imports s | notebook s | RSS MB | USS MB | PSS MB |\n|---|---:|---:|---:|---:|---:|",
          flush=True)
    rows = []
    for path in paths:
        row = footprint(path)
        rows.append(row)
        print(f"| {path.stem:<10} | {row['imports_s']:9.1f} | {row['notebook_s']:10.1f} | {row['rss']:6.0f} | "
              f"{row['uss']:6.0f} | {row['pss']:6.0f} |", flush=True)
    if len(rows) > 1:
        mean = {k: statistics.mean(r[k] for r in rows) for k in rows[0]}
        print(f"| {'mean':<10} | {mean['imports_s']:9.1f} | {mean['notebook_s']:10.1f} | {mean['rss']:6.0f} | "
              f"{mean['uss']:6.0f} | {mean['pss']:6.0f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
