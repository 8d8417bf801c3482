"""Shared model tests (NequIP's model-test mixin): a model's test file supplies its class and config only.

Shipped with airtools so that coursework can test its own energy model in three lines (needs pytest)::

    from airtools.testing import ModelTests

    class TestMyModel(ModelTests):
        model_cls = MyModel          # model(z, pos, batch=None) -> energy [n_graphs]
        config = {"hidden": 16}      # small settings for fast tests

Inherited checks: energy invariant and forces equivariant (rotation, reflection where claimed, translation,
permutation) measured with ``airtools.testing.assert_equivariant``; forces equal central finite differences;
a batch equals its molecules one by one; backward reaches every parameter; float32/float64/``.double()``;
``.to(device)``; bad input raises ``ValueError``.
"""
import copy
import math

import pytest
import torch

from airtools.graph import batch_molecules
from airtools.models import energy_and_forces

from ._equivariance import assert_equivariant, transformation_errors

__all__ = ["ModelTests", "make_molecule", "TOLERANCE"]

TOLERANCE = {torch.float64: 1e-10, torch.float32: 1e-4}  # relative errors
ELEMENTS = torch.tensor([1, 6, 7, 8])


def make_molecule(n_atoms: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """A random connected 'molecule': each new atom 1.0-1.6 Å from an earlier one, none closer than 0.9 Å."""
    g = torch.Generator().manual_seed(seed)
    pos = [torch.zeros(3, dtype=torch.float64)]
    while len(pos) < n_atoms:
        anchor = pos[int(torch.randint(len(pos), (1,), generator=g))]
        step = torch.randn(3, dtype=torch.float64, generator=g)
        candidate = anchor + step / step.norm() * (1.0 + 0.6 * torch.rand(1, dtype=torch.float64, generator=g))
        if min((candidate - p).norm() for p in pos) > 0.9:
            pos.append(candidate)
    z = ELEMENTS[torch.randint(len(ELEMENTS), (n_atoms,), generator=g)]
    return z, torch.stack(pos)


def _outputs(model, with_dipole):
    """fn(z, pos, batch) -> (energy [n_graphs], forces [n_atoms, 3], dipole [n_graphs, 3]?)."""

    def fn(z, pos, batch=None):
        energy, forces = energy_and_forces(model, z, pos, batch)
        if with_dipole:
            return energy, forces, model.dipole(z, pos, batch).detach()
        return energy, forces

    return fn


class ModelTests:
    model_cls = None  # the model class under test
    config: dict = {}  # keyword settings for the tests (small and fast)
    symmetries = ("rotation", "reflection", "translation", "permutation")  # what the model claims
    has_dipole = False  # model.dipole(z, pos, batch) -> [n_graphs, 3]

    # ---- fixtures: one model per dtype per class, same weights ------------------------------------------
    @pytest.fixture(scope="class")
    @classmethod
    def models(cls):
        torch.manual_seed(0)
        model64 = cls.model_cls(**cls.config).double()  # built once: e3nn models take ~0.5 s to build
        return {torch.float64: model64, torch.float32: copy.deepcopy(model64).float()}

    @pytest.fixture(scope="class")
    @staticmethod
    def batch():
        return batch_molecules([make_molecule(n, seed=n) for n in (5, 9, 14)])

    def _kinds_out(self):
        return [None, "cartesian_vectors"] + ["cartesian_vectors"] * self.has_dipole

    # ---- symmetry -------------------------------------------------------------------------------------
    @pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
    def test_symmetries_of_energy_forces_dipole(self, models, batch, dtype):
        """E invariant, F (and the dipole) equivariant, on a batch of 3 molecules; atoms permuted in one."""
        model, g = models[dtype], torch.Generator().manual_seed(1)
        z, pos, b = batch
        fn = _outputs(model, self.has_dipole)
        kwargs = dict(irreps_out=self._kinds_out(), n_trials=1, generator=g, tolerance=TOLERANCE[dtype])
        claims = set(self.symmetries)
        if claims:
            assert_equivariant(lambda pos: fn(z, pos, b), "cartesian_points", inputs=[pos.to(dtype)],
                               parity="reflection" in claims, translation="translation" in claims, **kwargs)
        if "permutation" in claims:
            z1, pos1 = make_molecule(8, seed=3)
            assert_equivariant(fn, [None, "cartesian_points"], inputs=[z1, pos1.to(dtype)], permutation=True,
                               parity="reflection" in claims, **kwargs)

    def test_unclaimed_symmetries_are_broken(self, models, batch):
        """A symmetry the model does not claim must really fail (so the claims above mean something)."""
        unclaimed = {"rotation", "reflection", "translation", "permutation"} - set(self.symmetries)
        if not unclaimed:
            pytest.skip("the model claims every symmetry")
        z, pos, b = batch
        errors = transformation_errors(lambda pos: models[torch.float64](z, pos, b).detach(), "cartesian_points",
                                       None, inputs=[pos], translation=True, generator=torch.Generator().manual_seed(2))
        z1, pos1 = make_molecule(8, seed=3)
        errors["permutation"] = transformation_errors(
            lambda z, pos: models[torch.float64](z, pos).detach(), [None, "cartesian_points"], None,
            inputs=[z1, pos1], permutation=True, generator=torch.Generator().manual_seed(2))["permutation"]
        for name in unclaimed:
            # far above float64 round-off (1e-15): the symmetry is really broken, not just noisy
            assert errors[name] > 1e-6, f"{name}: error {errors[name]:.2g}, yet the model does not claim it"

    # ---- forces ---------------------------------------------------------------------------------------
    def test_forces_equal_finite_differences(self, models):
        """F = -dE/dpos against central differences, all 3n displaced copies evaluated as one batch."""
        model = models[torch.float64]
        z, pos = make_molecule(6, seed=4)
        _, forces = energy_and_forces(model, z, pos)
        h, n = 1e-5, pos.shape[0]
        step = h * torch.eye(3 * n, dtype=pos.dtype).reshape(3 * n, n, 3)  # [3n, n, 3], one coordinate each
        displaced = torch.cat([pos + step, pos - step])  # [6n, n, 3]
        copies = batch_molecules([(z, p) for p in displaced])
        with torch.no_grad():
            e_plus, e_minus = model(*copies).reshape(2, 3 * n)
        numeric = -((e_plus - e_minus) / (2 * h)).reshape(n, 3)
        error = (forces - numeric).norm() / forces.norm()
        assert error < 1e-7, f"forces differ from central finite differences by {error:.2g} (relative)"

    # ---- batching -------------------------------------------------------------------------------------
    @pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
    def test_batch_equals_molecules_one_by_one(self, models, batch, dtype):
        model = models[dtype]
        z, pos, b = batch
        pos = pos.to(dtype)
        energy, forces = energy_and_forces(model, z, pos, b)
        singles = [energy_and_forces(model, z[b == m], pos[b == m]) for m in range(3)]
        energy_1 = torch.cat([e for e, _ in singles])
        forces_1 = torch.cat([f for _, f in singles])
        assert energy.shape == (3,) and forces.shape == pos.shape
        assert (energy - energy_1).norm() <= TOLERANCE[dtype] * energy.norm()
        assert (forces - forces_1).norm() <= TOLERANCE[dtype] * forces.norm()

    def test_energy_is_sum_over_atoms_with_reference(self, models, batch):
        """Per-element reference energies add sum_i E_ref[z_i] to each molecule (extensive readout)."""
        model = models[torch.float64]
        z, pos, b = batch
        before = model(z, pos, b)
        model.set_energy_reference({1: -0.5, 6: -37.8, 7: -54.5, 8: -75.0})
        try:
            after = model(z, pos, b)
        finally:
            model.set_energy_reference(torch.zeros_like(model.readout.atom_ref))  # the fixture is shared
        ref = torch.tensor([0.0, -0.5] + [0.0] * 4 + [-37.8, -54.5, -75.0], dtype=torch.float64)
        expected = torch.zeros(3, dtype=torch.float64).index_add(0, b, ref[z])
        torch.testing.assert_close(after - before, expected, rtol=0, atol=1e-10)

    # ---- parameters, dtypes, devices ------------------------------------------------------------------
    def test_backward_reaches_every_parameter(self, models, batch):
        model = models[torch.float32]
        model.zero_grad(set_to_none=True)
        z, pos, b = batch
        pos = pos.float()
        loss = model(z, pos, b).sum() + (model.dipole(z, pos, b).sum() if self.has_dipole else 0)
        loss.backward()
        unused = [name for name, p in model.named_parameters() if p.grad is None or not p.grad.abs().sum() > 0]
        model.zero_grad(set_to_none=True)
        assert not unused, f"parameters with no gradient: {unused}"

    def test_default_construction_and_double(self):
        torch.manual_seed(0)
        model = self.model_cls()
        assert 1_000 < sum(p.numel() for p in model.parameters()) < 200_000
        z, pos = make_molecule(5, seed=5)
        assert model(z, pos.float()).dtype == torch.float32
        model = model.double()
        energy, forces = energy_and_forces(model, z, pos)
        assert energy.dtype == forces.dtype == torch.float64 and energy.shape == (1,)
        assert torch.isfinite(energy).all() and torch.isfinite(forces).all()

    @pytest.mark.skipif(not torch.cuda.is_available(), reason="no GPU")
    def test_device_follows_to(self, models, batch):
        """``.to("cuda")`` moves every parameter and buffer; the GPU gives the CPU's float64 answer."""
        z, pos, b = batch
        reference = models[torch.float64](z, pos, b).detach()
        model = copy.deepcopy(models[torch.float64]).to("cuda")
        stay = [n for n, t in [*model.named_parameters(), *model.named_buffers()] if t.device.type != "cuda"]
        assert not stay, f"left on the CPU by .to('cuda'): {stay}"
        energy, forces = energy_and_forces(model, z.cuda(), pos.cuda(), b.cuda())
        assert energy.device.type == forces.device.type == "cuda"
        torch.testing.assert_close(energy.cpu(), reference, rtol=1e-9, atol=1e-9)

    # ---- bad input ------------------------------------------------------------------------------------
    @pytest.mark.parametrize("case, match", [
        ("unknown element", "z: unknown element 0"),
        ("huge element", "z: unknown element 200"),
        ("nan", "pos: contains NaN"),
        ("pos shape", r"pos: expected a float tensor of shape \[5, 3\]"),
        ("z float", "z: expected an integer tensor"),
        ("batch length", r"batch: expected shape \[5\]"),
        ("batch unsorted", "batch: expected a sorted"),
        ("dtype", "pos: torch.float32 .* but the model is torch.float64"),
    ])
    def test_bad_input_raises_value_error(self, models, case, match):
        z, pos = make_molecule(5, seed=6)
        batch = None
        if case == "unknown element":
            z = z.clone(); z[2] = 0
        elif case == "huge element":
            z = z.clone(); z[1] = 200
        elif case == "nan":
            pos = pos.clone(); pos[3, 1] = math.nan
        elif case == "pos shape":
            pos = pos[:, :2]
        elif case == "z float":
            z = z.double()
        elif case == "batch length":
            batch = torch.zeros(4, dtype=torch.long)
        elif case == "batch unsorted":
            batch = torch.tensor([0, 1, 1, 0, 1])
        elif case == "dtype":
            pos = pos.float()
        with pytest.raises(ValueError, match=match):
            models[torch.float64](z, pos, batch)
