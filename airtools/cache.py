"""On-disk cache of labelled arrays: one ``.npz`` per key, a SHA-256 checksum appended, atomic writes.

Layout: ``cache_dir() / <kind> / <key>.npz`` where ``key = cache_key(method, z, pos, ...)``. Each file
is the bytes of an ``np.savez`` archive followed by the 64 hex digits of their SHA-256, so any truncated
or flipped byte, anywhere in the file, fails the check; such a file is reported as corrupt, deleted and
recomputed. Writes go to a temporary file in the same folder that is then renamed with ``os.replace``
(atomic on POSIX and Windows), so an exception or a killed process mid-write leaves no partial entry.
(No fsync: after a power cut the checksum catches whatever the disk kept.)
"""
from __future__ import annotations

import contextlib
import hashlib
import io
import os
import tempfile
import warnings
from pathlib import Path
from typing import Callable

import numpy as np

__all__ = ["cache_dir", "cache_key", "save_arrays", "load_arrays", "cached", "atomic_write"]

_DIGEST_LEN = 64  # hex digits of a SHA-256, appended to the npz bytes


def cache_dir() -> Path:
    """The cache root: ``$AIRTOOLS_CACHE`` if set, else ``~/.cache/airtools``.

    >>> isinstance(cache_dir(), Path)
    True
    """
    root = os.environ.get("AIRTOOLS_CACHE")
    return Path(root).expanduser() if root else Path.home() / ".cache" / "airtools"


def cache_key(*parts) -> str:
    """SHA-256 hex digest of ``parts`` (strings, numbers, or arrays: dtype, shape and bytes all count).

    >>> cache_key("rhf/sto-3g", np.zeros(3)) == cache_key("rhf/sto-3g", np.zeros(3))
    True
    >>> cache_key("a", np.zeros(3)) == cache_key("a", np.zeros(3, dtype=np.float32))
    False
    """
    h = hashlib.sha256()
    for part in parts:
        if isinstance(part, np.ndarray):
            a = np.ascontiguousarray(part)
            h.update(f"{a.dtype.str}{a.shape}".encode())
            h.update(a.tobytes())
        else:
            h.update(repr(part).encode())
        h.update(b"\x00")
    return h.hexdigest()


def save_arrays(path: str | Path, arrays: dict[str, np.ndarray]) -> Path:
    """Write ``arrays`` to ``path`` atomically: ``np.savez`` bytes, then the SHA-256 of those bytes.

    Args:
        path: destination file; its folder is created.
        arrays: name -> numeric array (no object arrays; nothing is pickled).

    Returns:
        ``path`` as a ``Path``.

    >>> import tempfile; p = Path(tempfile.mkdtemp()) / "a.npz"
    >>> _ = save_arrays(p, {"e": np.array(1.5)}); load_arrays(p)["e"]
    array(1.5)
    """
    path = Path(path)
    arrays = {k: np.asarray(v) for k, v in arrays.items()}
    for name, a in arrays.items():
        if a.dtype == object:
            raise ValueError(f"arrays[{name!r}]: expected a numeric array, got dtype object")
    with atomic_write(path) as f:
        np.savez(f, **arrays)
        f.seek(0)
        f.write(hashlib.sha256(f.read()).hexdigest().encode())
    return path


@contextlib.contextmanager
def atomic_write(path: str | Path):
    """Open a temporary file (``"w+b"``) beside ``path``; on success rename it to ``path`` with
    ``os.replace``, on any exception delete it. Readers see the old file or the new one, never a part.

    >>> import tempfile; p = Path(tempfile.mkdtemp()) / "f.bin"
    >>> with atomic_write(p) as f:
    ...     _ = f.write(b"ok")
    >>> p.read_bytes()
    b'ok'
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w+b") as f:
            yield f
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def load_arrays(path: str | Path) -> dict[str, np.ndarray] | None:
    """Read a cache file; ``None`` if it is missing or corrupt (a corrupt file is deleted, with a warning).

    Returns:
        name -> array.
    """
    path = Path(path)
    if not path.exists():
        return None
    data = path.read_bytes()
    payload, digest = data[:-_DIGEST_LEN], data[-_DIGEST_LEN:]
    try:
        if hashlib.sha256(payload).hexdigest().encode() != digest:
            raise ValueError("checksum mismatch")
        with np.load(io.BytesIO(payload), allow_pickle=False) as f:
            arrays = {name: f[name] for name in f.files}
    except Exception as err:  # the checksum, zipfile and numpy errors all mean "corrupt"
        warnings.warn(f"cache file {path} is corrupt ({type(err).__name__}: {err}); rebuilding it",
                      stacklevel=2)
        path.unlink(missing_ok=True)
        return None
    return arrays


def cached(path: str | Path, compute: Callable[[], dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    """Load ``path`` if it holds a valid entry, else call ``compute()``, save its result and return it.

    >>> import tempfile; p = Path(tempfile.mkdtemp()) / "k.npz"
    >>> cached(p, lambda: {"x": np.arange(3)})["x"]
    array([0, 1, 2])
    >>> cached(p, lambda: 1 / 0)["x"]            # a hit: compute is not called
    array([0, 1, 2])
    """
    arrays = load_arrays(path)
    if arrays is None:
        arrays = {k: np.asarray(v) for k, v in compute().items()}
        save_arrays(path, arrays)
    return arrays
