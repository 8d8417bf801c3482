"""Neural wavefunctions and variational Monte Carlo (lesson 05); DFT over PySCF and learning it (06, 07).

>>> from airtools.quantum import run_vmc, E_HYDROGEN
>>> result = run_vmc("hydrogen", n_iterations=60, n_walkers=256, lr=0.05, n_eval_steps=10, progress=False)
>>> abs(result.energy - E_HYDROGEN) < 0.01
True
"""
from ._references import (
    E_HARMONIC_OSCILLATOR,
    E_HELIUM,
    E_HELIUM_HARTREE_FOCK,
    E_HELIUM_HYDROGENIC,
    E_HYDROGEN,
    E_TRAP_BOSONS,
    E_TRAP_FERMIONS,
    R_MEAN_HYDROGEN,
)
from ._systems import SYSTEMS, System, get_system
from ._ansatz import (
    ANSATZ_KINDS,
    Ansatz,
    DeterminantAnsatz,
    GaussianAnsatz,
    HeliumAnsatz,
    HydrogenAnsatz,
    make_ansatz,
)
from ._sampler import MetropolisSampler
from ._density import exact_density, walker_density
from ._vmc import VMC, EnergyEstimate, VMCResult, blocking_error, local_energy, run_vmc, walker_error
from .dft import (KSResult, ao_matrices, density, density_slice, energies_by_functional, integrate_density,
                  make_mol, run_kohn_sham)
from .dft_learning import (FOCK_IRREPS, FockModel, MLPBaseline, distances, fit, fock_to_irreps, irreps_to_fock,
                           water_dft_dataset)
from .dft_rotation import M_D, M_P, ao_wigner_D, pyscf_to_e3nn, rotate_mol

__all__ = [
    # systems and exact references (_systems, _references)
    "System", "get_system", "SYSTEMS",
    "E_HARMONIC_OSCILLATOR", "E_HYDROGEN", "R_MEAN_HYDROGEN", "E_HELIUM", "E_HELIUM_HARTREE_FOCK",
    "E_HELIUM_HYDROGENIC", "E_TRAP_FERMIONS", "E_TRAP_BOSONS",
    # trial wavefunctions (_ansatz)
    "Ansatz", "GaussianAnsatz", "HydrogenAnsatz", "HeliumAnsatz", "DeterminantAnsatz", "make_ansatz",
    "ANSATZ_KINDS",
    # sampling and variational Monte Carlo (_sampler, _vmc)
    "MetropolisSampler", "local_energy", "blocking_error", "walker_error", "EnergyEstimate", "VMC", "VMCResult",
    "run_vmc", "exact_density", "walker_density",
    # DFT helpers (dft*.py) go below
    "KSResult", "make_mol", "run_kohn_sham", "density", "integrate_density", "density_slice",
    "energies_by_functional", "ao_matrices",
    "M_P", "M_D", "pyscf_to_e3nn", "ao_wigner_D", "rotate_mol",
    "FOCK_IRREPS", "water_dft_dataset", "fock_to_irreps", "irreps_to_fock", "FockModel", "MLPBaseline",
    "distances", "fit",
]
