"""Dimer interaction energies (PySCF, counterpoise), relative poses and protein-ligand contacts."""
import gemmi
import numpy as np
import pytest
from ase import units
from ase.data import atomic_masses, chemical_symbols

import airtools.data.interactions as interactions
from airtools.cache import cache_dir, load_arrays
from airtools.data import compute_labels
from airtools.data._contacts import contacts_per_residue, find_ligand, ligand_contacts
from airtools.data._shipped import shipped_structure
from airtools.data.interactions import (DIMER_METHOD, interaction_energy, pose_features, relative_pose,
                                        sample_dimers, water_dimer)

COULOMB = units.Hartree * units.Bohr  # e^2 / (4 pi eps0) = 14.40 eV Å
KCAL_PER_EV = units.eV / (units.kcal / units.mol)  # 23.06


def _monomers():
    d = water_dimer()
    a, b = d["part"] == 0, d["part"] == 1
    return d["z"][a], d["pos"][a], d["z"][b], d["pos"][b]


def _rigid(rng):
    """A random proper rotation [3, 3] and translation [3]."""
    Q, _ = np.linalg.qr(rng.standard_normal((3, 3)))
    return Q * np.sign(np.linalg.det(Q)), rng.uniform(-5, 5, 3)


def _e_int(z_a, pos_a, z_b, pos_b, **kwargs):
    return float(interaction_energy(z_a, pos_a, z_b, pos_b, cache=False, **kwargs)["e_int"])


def test_interaction_energy_is_invariant_to_moving_both_and_changes_when_one_moves():
    z_a, pos_a, z_b, pos_b = _monomers()
    e0 = _e_int(z_a, pos_a, z_b, pos_b)
    Q, s = _rigid(np.random.default_rng(0))
    assert _e_int(z_a, pos_a @ Q.T + s, z_b, pos_b @ Q.T + s) == pytest.approx(e0, abs=1e-6)
    c_b = pos_b.mean(0)
    assert abs(_e_int(z_a, pos_a, z_b, (pos_b - c_b) @ Q.T + c_b) - e0) > 0.01  # B turned alone: > 10 meV
    assert _e_int(z_b, pos_b, z_a, pos_a) == pytest.approx(e0, abs=1e-8)  # symmetric in A and B


def test_s22_water_dimer_binds_and_counterpoise_removes_a_positive_bsse():
    z_a, pos_a, z_b, pos_b = _monomers()
    cp, raw = _e_int(z_a, pos_a, z_b, pos_b), _e_int(z_a, pos_a, z_b, pos_b, counterpoise=False)
    # the reference is the published S22 value: CCSD(T)/CBS -5.02 kcal/mol (Jurecka et al., PCCP 8, 1985 (2006))
    reference = water_dimer()["reference"]
    assert reference * KCAL_PER_EV == pytest.approx(-5.02, abs=0.005)
    # the counterpoise energy is PySCF's, computed here without airtools: ghost atoms carry the partner's basis
    assert DIMER_METHOD == "rhf/6-31g*"
    assert cp == pytest.approx(_counterpoise_by_hand(z_a, pos_a, z_b, pos_b), abs=1e-6)
    # Hartree-Fock has no dispersion: it binds the dimer, but less than CCSD(T)
    assert reference < cp < 0
    assert 0.01 < cp - raw < 0.1  # BSSE: without the ghosts, each monomer borrows basis functions


def _counterpoise_by_hand(z_a, pos_a, z_b, pos_b):
    """E_AB - E_A(AB basis) - E_B(AB basis) in eV, RHF/6-31G*, straight from PySCF."""
    from pyscf import gto, scf

    def rhf(atoms):
        mf = scf.RHF(gto.M(atom=atoms, basis="6-31g*", unit="Angstrom", verbose=0))
        mf.conv_tol = 1e-10
        return mf.kernel()

    a = [(chemical_symbols[z], p) for z, p in zip(z_a, pos_a)]
    b = [(chemical_symbols[z], p) for z, p in zip(z_b, pos_b)]
    ghost = lambda atoms: [("ghost-" + s, p) for s, p in atoms]  # noqa: E731
    return (rhf(a + b) - rhf(a + ghost(b)) - rhf(ghost(a) + b)) * units.Hartree


def test_far_apart_the_interaction_is_dipole_dipole_and_bsse_vanishes():
    z_a, pos_a, z_b, pos_b = _monomers()
    axis = pos_b.mean(0) - pos_a.mean(0)
    axis /= np.linalg.norm(axis)
    mu_a = compute_labels(z_a, pos_a, DIMER_METHOD, cache=False)["dipole"]  # e·Å
    mu_b = compute_labels(z_b, pos_b, DIMER_METHOD, cache=False)["dipole"]
    com = lambda z, p: atomic_masses[z] @ p / atomic_masses[z].sum()  # noqa: E731
    energies = {}
    for R in (12.0, 24.0):
        shift = com(z_a, pos_a) + R * axis - com(z_b, pos_b)
        energies[R] = _e_int(z_a, pos_a, z_b, pos_b + shift)
        e_dd = COULOMB * (mu_a @ mu_b - 3 * (mu_a @ axis) * (mu_b @ axis)) / R**3
        assert energies[R] == pytest.approx(e_dd, rel=0.25), R  # multipole corrections ~ size / R
    assert abs(energies[12.0]) < 0.01 and abs(energies[24.0]) < 1e-3  # eV
    assert energies[24.0] / energies[12.0] == pytest.approx(1 / 8, rel=0.25)  # E ~ R^-3
    shift = com(z_a, pos_a) + 12.0 * axis - com(z_b, pos_b)
    raw = _e_int(z_a, pos_a, z_b, pos_b + shift, counterpoise=False)
    assert abs(raw - energies[12.0]) < 1e-4  # no overlap of basis functions, no BSSE


def test_relative_pose_is_invariant_to_moving_both_and_consistent():
    z_a, pos_a, z_b, pos_b = _monomers()
    rng = np.random.default_rng(1)
    R, t = relative_pose(pos_a, pos_b, z_a, z_b)
    assert np.allclose(R @ R.T, np.eye(3), atol=1e-12) and np.linalg.det(R) == pytest.approx(1.0)
    for _ in range(5):
        Q, s = _rigid(rng)
        R2, t2 = relative_pose(pos_a @ Q.T + s, pos_b @ Q.T + s, z_a, z_b)
        assert np.allclose(R2, R, atol=1e-10) and np.allclose(t2, t, atol=1e-10)
        f = pose_features(pos_a, pos_b, z_a, z_b)
        assert np.allclose(pose_features(pos_a @ Q.T + s, pos_b @ Q.T + s, z_a, z_b), f, atol=1e-10)
    Q, s = _rigid(rng)
    R3, t3 = relative_pose(pos_a, pos_b @ Q.T + s, z_a, z_b)  # B moved alone
    assert not np.allclose(R3, R, atol=1e-3) and not np.allclose(t3, t, atol=1e-3)
    Rb, tb = relative_pose(pos_b, pos_a, z_b, z_a)  # A seen from B is the inverse pose
    assert np.allclose(Rb, R.T, atol=1e-10) and np.allclose(tb, -R.T @ t, atol=1e-10)
    assert np.linalg.norm(t) == pytest.approx(pose_features(pos_a, pos_b, z_a, z_b)[0])


def test_relative_pose_refuses_a_linear_monomer():
    z, pos = np.array([8, 6, 8]), np.array([[0.0, 0, -1.16], [0, 0, 0], [0, 0, 1.16]])
    with pytest.raises(ValueError, match="degenerate"):
        relative_pose(pos, pos + 5.0, z, z)


def test_sampled_dimers_are_seeded_clash_free_and_cached(monkeypatch, tmp_path):
    monkeypatch.setenv("AIRTOOLS_CACHE", str(tmp_path))
    calls = []
    real = interactions._dimer_energies
    monkeypatch.setattr(interactions, "_dimer_energies", lambda *a: calls.append(1) or real(*a))
    ds = sample_dimers(4, seed=3, method="rhf/sto-3g", progress=False)
    assert len(calls) == 4 and len(list((cache_dir() / "interactions").glob("*.npz"))) == 4
    again = sample_dimers(4, seed=3, method="rhf/sto-3g", progress=False)
    assert len(calls) == 4  # every label came from the cache
    assert np.array_equal(ds.pos.numpy(), again.pos.numpy()) and np.array_equal(ds.energy, again.energy)
    pos = ds.pos.double().numpy()
    gaps = np.linalg.norm(pos[:, :3, None] - pos[:, None, 3:], axis=-1)
    assert gaps.min() >= 1.6 - 1e-6
    path = sorted((cache_dir() / "interactions").glob("*.npz"))[0]
    path.write_bytes(path.read_bytes()[:-10] + b"0123456789")  # a flipped checksum
    with pytest.warns(UserWarning, match="corrupt"):
        rebuilt = sample_dimers(4, seed=3, method="rhf/sto-3g", progress=False)
    assert len(calls) == 5 and np.allclose(rebuilt.energy, ds.energy) and load_arrays(path) is not None
    other = sample_dimers(1, seed=4, method="rhf/sto-3g", progress=False)
    assert not np.allclose(other.pos[0].numpy(), ds.pos[0].numpy())


def test_interaction_energy_refuses_overlapping_monomers():
    z_a, pos_a, z_b, _ = _monomers()
    with pytest.raises(ValueError, match="apart"):
        interaction_energy(z_a, pos_a, z_b, pos_a + 0.1, cache=False)


def test_1hvr_contacts_include_both_catalytic_aspartates_and_match_brute_force():
    contacts = ligand_contacts("1hvr")
    residues = contacts_per_residue(contacts)
    assert "A ASP25" in residues and "B ASP25" in residues  # the catalytic dyad holds the inhibitor
    assert residues["A ASP25"]["hbond"] > 0 and residues["B ASP25"]["hbond"] > 0
    structure = gemmi.read_structure(str(shipped_structure("1hvr")))
    chain, ligand = find_ligand(structure)
    assert ligand.name == "XK2"
    lig = np.array([a.pos.tolist() for a in ligand if not a.element.is_hydrogen])
    others = np.array([a.pos.tolist() for ch in structure[0] for r in ch for a in r
                       if not (r is ligand or r.is_water() or a.element.is_hydrogen
                               or (ch.name == chain and r.seqid == ligand.seqid))])
    n_pairs = int((np.linalg.norm(lig[:, None] - others[None], axis=-1) <= 4.0).sum())
    assert len(contacts) == n_pairs > 50
    for c in contacts:
        assert c["distance"] <= 4.0
        if c["kind"] == "hbond":
            assert c["distance"] <= 3.5 and c["atom"][0] in "NO" and c["ligand_atom"][0] in "NO"


def test_contacts_are_invariant_to_a_rigid_motion_of_the_complex():
    structure = gemmi.read_structure(str(shipped_structure("1hvr")))
    before = ligand_contacts(structure)
    Q, s = _rigid(np.random.default_rng(2))
    structure[0].transform_pos_and_adp(gemmi.Transform(gemmi.Mat33(Q.tolist()), gemmi.Vec3(*s)))
    after = ligand_contacts(structure)
    key = lambda c: (c["ligand_atom"], c["chain"], c["number"], c["atom"])  # noqa: E731
    assert sorted(map(key, before)) == sorted(map(key, after))
    d_before = {key(c): c["distance"] for c in before}
    assert max(abs(d_before[key(c)] - c["distance"]) for c in after) < 1e-9


def test_bad_contact_inputs_say_what_to_do(tmp_path):
    with pytest.raises(ValueError, match="no residue named 'ZZZ'.*XK2"):
        ligand_contacts("1hvr", ligand="ZZZ")
    bad = tmp_path / "bad.pdb"
    bad.write_text("this is not a PDB file\n")
    with pytest.raises(ValueError, match="PDB"):
        ligand_contacts(bad)
    with pytest.raises(ValueError, match="cutoff"):
        ligand_contacts("1hvr", cutoff=0)
