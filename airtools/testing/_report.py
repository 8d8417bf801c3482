"""The live symmetry check of the rotations dashboard: models evaluated on a rotated molecule, and how far
they are from the symmetry they should have,

    invariance:   |E(R x) - E(x)| / |E(x)|,        equivariance:   max |F(R x) - R F(x)| / max |F(x)|,

(the dipole like the forces, but divided by at least 0.01 e·Å: a symmetric molecule's dipole vanishes, and
round-off divided by zero would look like an error), against outputs of the unrotated molecule computed once
(:func:`reference_outputs`).
"""
from __future__ import annotations

import torch

from airtools.models import energy_and_forces

__all__ = ["reference_outputs", "rotation_report"]

_DIPOLE_FLOOR = 1e-2  # e·Å (for a trained model); see the module docstring


def reference_outputs(models: dict, z: torch.Tensor, pos: torch.Tensor, *, dipoles=None) -> dict:
    """Energy, forces (and dipole where a model has ``.dipole``) of each model at ``pos``, once.

    Args:
        models: ``{name: model}``; z: ``[n_atoms]``; pos: ``[n_atoms, 3]`` in the models' dtype.
        dipoles: names of the models whose dipole to compute (None: every model that has one); each
            costs one more forward pass in :func:`rotation_report` too.

    Returns:
        ``{name: {"energy": float, "forces": [n_atoms, 3] float64, "dipole": [3] float64 (if any)}}``.
    """
    out = {}
    for name, model in models.items():
        energy, forces = energy_and_forces(model, z, pos)
        out[name] = {"energy": float(energy[0]), "forces": forces.double()}
        if hasattr(model, "dipole") and (dipoles is None or name in dipoles):
            with torch.no_grad():
                out[name]["dipole"] = model.dipole(z, pos)[0].double()
    return out


def rotation_report(models: dict, z: torch.Tensor, pos: torch.Tensor, R: torch.Tensor, reference: dict) -> dict:
    """Evaluate every model on the rotated molecule ``pos R^T`` and measure its symmetry errors.

    Args:
        models: ``{name: model}``; z: ``[n_atoms]``; pos: ``[n_atoms, 3]`` (unrotated);
        R: ``[3, 3]`` rotation; reference: :func:`reference_outputs` at ``pos``.

    Returns:
        ``{name: {"energy", "forces" [n_atoms, 3], "dipole" [3] (if any), "energy_error", "force_error",
        "dipole_error" (if any)}}``; errors relative, as defined in the module docstring (0 for R = I).

    >>> from airtools.models import demo_models
    >>> models = demo_models(("schnet", "mlp"))
    >>> z, pos = torch.tensor([8, 1, 1]), torch.tensor([[0.0, 0, 0], [0.96, 0, 0], [-0.24, 0.93, 0]])
    >>> R = torch.tensor([[0.0, -1, 0], [1, 0, 0], [0, 0, 1]])  # 90 degrees about z
    >>> out = rotation_report(models, z, pos, R, reference_outputs(models, z, pos))
    >>> out["schnet"]["force_error"] < 1e-5 < out["mlp"]["force_error"]
    True
    """
    R64 = R.double()
    pos_R = pos @ R.to(pos).T  # [n_atoms, 3], each row rotated
    out = {}
    for name, model in models.items():
        ref = reference[name]
        energy, forces = energy_and_forces(model, z, pos_R)
        forces = forces.double()
        row = {"energy": float(energy[0]), "forces": forces,
               "energy_error": abs(float(energy[0]) - ref["energy"]) / max(abs(ref["energy"]), 1e-12),
               "force_error": float((forces - ref["forces"] @ R64.T).abs().max()
                                    / ref["forces"].abs().max().clamp_min(1e-12))}
        if "dipole" in ref:
            with torch.no_grad():
                row["dipole"] = model.dipole(z, pos_R)[0].double()
            row["dipole_error"] = float((row["dipole"] - R64 @ ref["dipole"]).abs().max()
                                        / ref["dipole"].abs().max().clamp_min(_DIPOLE_FLOOR))
        out[name] = row
    return out
