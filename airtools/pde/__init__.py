"""PDE solvers and data for the continuum lessons: periodic pseudo-spectral solvers (heat, Burgers,
2-D Navier–Stokes), finite-difference baselines, exact solutions, Gaussian random fields, and cached
operator-learning datasets.

Conventions: 1-D fields ``u: [..., n]`` on the periodic unit interval, x_j = j/n; 2-D fields
``w: [..., n, n]`` on the unit torus with ``w[..., i, j] = w(x_i, y_j)``. numpy in -> numpy out;
torch in -> torch out on the same device and dtype.

>>> import numpy as np
>>> from airtools import pde
>>> x = np.arange(64) / 64
>>> u = pde.solve_burgers(pde.periodic_burgers_exact(x, 0.0, 0.1), 0.1, 0.5)
>>> bool(abs(u - pde.periodic_burgers_exact(x, 0.5, 0.1)).max() < 1e-8)   # default steps: CFL 0.5
True
"""
from ._datasets import antiderivative_dataset, burgers_dataset, dataset_path, navier_stokes_dataset
from ._exact import cole_hopf_burgers, heat_exact, periodic_burgers_exact, taylor_green_vorticity
from ._fd import fd_laplacian, solve_burgers_fd, solve_heat_fd
from ._grf import gaussian_random_field
from ._navier_stokes import li2021_forcing, solve_navier_stokes
from ._operator import (AMPLITUDE_RANGE, AMPLITUDE_STEP, K_MAX, N_TRAIN, NU_RANGE, OPERATOR_TIMES,
                        check_dashboard_inputs, compare_with_operator, initial_condition, operator_predict,
                        operator_training_data, resample, solve_pde)
from ._spectral import grid, solve_burgers, solve_heat

__all__ = [
    # solvers
    "grid", "solve_heat", "solve_burgers", "solve_navier_stokes", "li2021_forcing",
    "fd_laplacian", "solve_heat_fd", "solve_burgers_fd",
    # exact solutions and random inputs
    "heat_exact", "periodic_burgers_exact", "cole_hopf_burgers", "taylor_green_vorticity", "gaussian_random_field",
    # cached datasets
    "burgers_dataset", "navier_stokes_dataset", "antiderivative_dataset", "dataset_path",
    # the dashboard's operator task (the trained FNO: airtools.zoo, "burgers-heat-fno")
    "OPERATOR_TIMES", "NU_RANGE", "AMPLITUDE_RANGE", "AMPLITUDE_STEP", "K_MAX", "N_TRAIN", "initial_condition",
    "check_dashboard_inputs", "operator_training_data",
    "solve_pde", "resample", "compare_with_operator", "operator_predict",
]
