"""The exercise checker of lesson 24 (docking RMSD): accepts the minimum over symmetries without alignment and
names each typical mistake."""
import numpy as np
import pytest

from airtools.exercises import check_docking_rmsd
from airtools.generative import kabsch_rmsd

from .answers import docking_rmsd


def _per_symmetry(pos, ref, symmetries):
    return np.array([np.sqrt(((pos[p] - ref) ** 2).sum(-1).mean()) for p in symmetries])


def test_docking_rmsd_checker_accepts_the_symmetric_rmsd_and_names_each_mistake(accepts):
    result = accepts(check_docking_rmsd(docking_rmsd), "without the symmetries")
    assert result["max_difference"] < 1e-12 and result["naive_rmsd"] > 1.0
    msd = lambda pos, ref, s: min(((pos[p] - ref) ** 2).sum(-1).mean() for p in s)  # noqa: E731
    mistakes = {
        r"aligned the pose first \(Kabsch\);": lambda pos, ref, s: min(kabsch_rmsd(pos[p], ref) for p in s),
        r"aligned the pose first \(Kabsch\) and ignored": lambda pos, ref, s: kabsch_rmsd(pos, ref),
        "ignored the symmetries": lambda pos, ref, s: _per_symmetry(pos, ref, s)[0],
        "largest RMSD over the symmetries": lambda pos, ref, s: _per_symmetry(pos, ref, s).max(),
        "averaged over the symmetries": lambda pos, ref, s: _per_symmetry(pos, ref, s).mean(),
        "mean squared deviation; take its square root": msd,
        "summed over the atoms": lambda pos, ref, s: np.sqrt(msd(pos, ref, s) * len(ref)),
        "averaged over the 3n coordinates": lambda pos, ref, s: np.sqrt(msd(pos, ref, s) / 3),
        r"one number was expected": lambda pos, ref, s: _per_symmetry(pos, ref, s),
    }
    for message, fn in mistakes.items():
        with pytest.raises(AssertionError, match=message):
            check_docking_rmsd(fn)
