"""The on-disk cache: hits skip PySCF, corrupt or partial files are detected and rebuilt, writes are atomic."""
import io

import numpy as np
import pytest

import airtools.cache as cache_module
import airtools.data.molecules as molecules
from airtools.cache import cache_dir, load_arrays, save_arrays
from airtools.data import compute_labels, get_molecule


@pytest.fixture
def counted_pyscf(monkeypatch, tmp_path):
    """A fresh cache folder and a counter of the real PySCF calls made through it."""
    monkeypatch.setenv("AIRTOOLS_CACHE", str(tmp_path))
    calls = []
    real = molecules._pyscf_labels

    def counting(*args, **kwargs):
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(molecules, "_pyscf_labels", counting)
    return calls


def _water():
    atoms = get_molecule("water")
    return atoms.numbers, atoms.positions


def _only_entry():
    (path,) = (cache_dir() / "molecules").glob("*.npz")
    return path


def test_cache_dir_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("AIRTOOLS_CACHE", str(tmp_path / "c"))
    assert cache_dir() == tmp_path / "c"
    monkeypatch.delenv("AIRTOOLS_CACHE")
    assert cache_dir().parts[-2:] == (".cache", "airtools")


def test_hit_returns_identical_arrays_without_recomputing(counted_pyscf):
    first = compute_labels(*_water())
    second = compute_labels(*_water())
    assert len(counted_pyscf) == 1
    assert first.keys() == second.keys() == {"energy", "forces", "dipole"}
    for key in first:
        assert np.array_equal(first[key], second[key])
    z, pos = _water()
    compute_labels(z, pos + 1e-6)  # another geometry is another key
    assert len(counted_pyscf) == 2


@pytest.mark.parametrize("damage", ["truncate", "flip_header", "flip_middle", "flip_digest"])
def test_corrupt_entry_is_detected_and_rebuilt(counted_pyscf, damage):
    reference = compute_labels(*_water())
    path = _only_entry()
    data = bytearray(path.read_bytes())
    if damage == "truncate":
        data = data[: len(data) // 2]
    else:
        data[{"flip_header": 5, "flip_middle": len(data) // 2, "flip_digest": -1}[damage]] ^= 0x01
    path.write_bytes(bytes(data))
    with pytest.warns(UserWarning, match="corrupt"):
        rebuilt = compute_labels(*_water())
    assert len(counted_pyscf) == 2
    assert np.array_equal(rebuilt["forces"], reference["forces"])
    assert load_arrays(path) is not None  # the rebuilt file is valid again


def test_checksum_catches_a_well_formed_archive_with_wrong_data(tmp_path):
    path = save_arrays(tmp_path / "a.npz", {"energy": np.array(1.0), "forces": np.ones((2, 3))})
    digest = path.read_bytes()[-64:]
    buffer = io.BytesIO()
    np.savez(buffer, energy=np.array(1.0), forces=np.full((2, 3), 2.0))  # a valid npz, other numbers
    path.write_bytes(buffer.getvalue() + digest)
    with pytest.warns(UserWarning, match="checksum mismatch"):
        assert load_arrays(path) is None
    assert not path.exists()


def test_failed_write_leaves_no_partial_file(tmp_path, monkeypatch):
    path = tmp_path / "entry.npz"
    save_arrays(path, {"x": np.arange(3)})
    real_savez = np.savez

    def savez_then_crash(f, **arrays):
        real_savez(f, **arrays)
        f.truncate(f.tell() // 2)  # half the bytes reached the disk, then the process is interrupted
        raise KeyboardInterrupt

    monkeypatch.setattr(cache_module.np, "savez", savez_then_crash)
    with pytest.raises(KeyboardInterrupt):
        save_arrays(path, {"x": np.arange(1000)})
    with pytest.raises(KeyboardInterrupt):
        save_arrays(tmp_path / "new.npz", {"x": np.arange(1000)})
    monkeypatch.undo()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["entry.npz"]  # no temp file, no new.npz
    assert np.array_equal(load_arrays(path)["x"], np.arange(3))  # the old entry is intact


def test_object_arrays_are_refused(tmp_path):
    with pytest.raises(ValueError, match="arrays\\['x'\\]: expected a numeric array"):
        save_arrays(tmp_path / "a.npz", {"x": np.array([{}], dtype=object)})
