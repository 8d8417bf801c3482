"""An ASE calculator around any energy model of the zoo, so ASE's dynamics and optimisers can drive it."""
import numpy as np
import torch
from ase.calculators.calculator import Calculator, PropertyNotImplementedError, all_changes

from ._base import energy_and_forces, energy_forces_stress

__all__ = ["MLCalculator"]


class MLCalculator(Calculator):
    r"""ASE calculator for ``model(z, pos, batch=None) -> energy [1]``: energy and free energy (eV), forces
    (eV/Å) and, for periodic ``Atoms``, stress (eV/Å³, ASE's sign convention, Voigt order xx, yy, zz, yz, xz, xy).

    .. math:: E = \mathrm{model}(z, x), \qquad F_i = -\partial E / \partial x_i, \qquad
              \sigma = \frac{1}{V}\frac{\partial E}{\partial \varepsilon} \quad \text{(autograd)}

    It follows ASE's calculator conventions, so ASE's own tools work on it (``FiniteDifferenceCalculator``,
    ``calculate_numerical_forces``, ``calculate_numerical_stress``, optimisers, dynamics, filters):
    ``implemented_properties`` lists what it can give, one call fills ``results`` with all of it, and
    ``free_energy`` equals ``energy`` (a model at zero electronic temperature has no entropy term, so the
    energy is the one whose derivative the forces are: ASE's "force-consistent" energy).

    Positions are read from the ``Atoms`` in Å and converted to the model's dtype and device (those of
    its first parameter or buffer), so ``model.double()`` gives float64 dynamics. Energies are whatever the
    model predicts: call ``model.set_energy_reference(dataset.atom_energies)`` first for total energies.
    ``Atoms`` with any periodic axis are passed with ``cell=atoms.cell, pbc=atoms.pbc`` (periodic
    neighbours; the model must accept them, the MLP baseline does not). Non-periodic ``Atoms`` have no
    stress: asking for it raises ASE's ``PropertyNotImplementedError``, as ASE's own calculators do.

    Args:
        model: an energy model (``torch.nn.Module``), put in eval mode.

    >>> from ase.build import molecule
    >>> from airtools.models import SchNet
    >>> atoms = molecule("H2O")
    >>> atoms.calc = MLCalculator(SchNet())
    >>> atoms.get_forces().shape, type(atoms.get_potential_energy())
    ((3, 3), <class 'float'>)
    >>> atoms.get_potential_energy(force_consistent=True) == atoms.get_potential_energy()
    True
    """

    implemented_properties = ["energy", "free_energy", "forces", "stress"]

    def __init__(self, model: torch.nn.Module, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(model, torch.nn.Module):
            raise ValueError(f"model: expected a torch.nn.Module energy model, got {type(model).__name__}")
        self.model = model.eval()

    def calculate(self, atoms=None, properties=("energy",), system_changes=all_changes):
        super().calculate(atoms, properties, system_changes)
        ref = next(iter(self.model.buffers()), None)
        ref = ref if ref is not None else next(self.model.parameters())
        z = torch.as_tensor(self.atoms.numbers, dtype=torch.long, device=ref.device)  # [n_atoms]
        pos = torch.as_tensor(self.atoms.positions, dtype=ref.dtype, device=ref.device)  # [n_atoms, 3]
        if not self.atoms.pbc.any():
            if "stress" in properties:
                raise PropertyNotImplementedError(
                    "stress: these Atoms are not periodic (atoms.pbc is False on every axis), so they have no "
                    "cell to strain; give them a cell and pbc=True for a crystal's stress")
            energy, forces = energy_and_forces(self.model, z, pos)
            self._store(energy, forces)
            return
        cell = torch.as_tensor(np.asarray(self.atoms.cell), dtype=ref.dtype, device=ref.device)  # [3, 3]
        pbc = torch.as_tensor(self.atoms.pbc, device=ref.device)
        energy, forces, stress = energy_forces_stress(self.model, z, pos, cell=cell, pbc=pbc)
        s = stress[0].cpu().numpy().astype(np.float64)  # [3, 3]
        self._store(energy, forces, stress=s[[0, 1, 2, 1, 0, 0], [0, 1, 2, 2, 2, 1]])  # Voigt [6]

    def _store(self, energy, forces, **extra):
        e = float(energy.sum())
        self.results = {"energy": e, "free_energy": e, "forces": forces.cpu().numpy().astype(np.float64), **extra}
