"""Symmetry tests for models and functions, shared by the test suite, coursework and the dashboards.

- :func:`assert_equivariant` / :func:`equivariance_error` / :func:`transformation_errors`: the one helper every
  model test calls (random rotations, parity, translations, permutations; float64 reference);
- :func:`random_cell`: a skewed periodic cell for tests of periodic code;
- :func:`rotation_report` / :func:`reference_outputs`: energies, forces and dipoles of models on a rotated
  molecule and their symmetry errors (the rotations dashboard's meter);
- ``ModelTests``: the shared pytest mixin for energy models (equivariance, finite-difference forces, batching,
  gradients, dtypes, devices, bad input) — a coursework model's test file supplies its class and config only.
  Loaded on first use (it needs pytest).

Exercise checkers for the lessons are in ``airtools.exercises``.

>>> import torch, airtools.testing as T
>>> T.equivariance_error(lambda pos: pos - pos.mean(0), "cartesian_points", "cartesian_points",
...                      generator=torch.Generator().manual_seed(0)) < 1e-12
True
"""
from ._equivariance import (assert_equivariant, equivariance_error, random_permutation, relative_error,
                            transformation_errors)
from ._cells import random_cell
from ._report import reference_outputs, rotation_report

__all__ = ["assert_equivariant", "equivariance_error", "transformation_errors", "relative_error",
           "random_permutation", "random_cell", "reference_outputs", "rotation_report", "ModelTests", "make_molecule"]


def __getattr__(name):
    if name in ("ModelTests", "make_molecule"):  # pytest is a test dependency: import it only when asked
        from . import model_tests

        return getattr(model_tests, name)
    raise AttributeError(f"module 'airtools.testing' has no attribute {name!r}")
