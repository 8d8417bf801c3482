"""The samplers report their progress; trajectory metrics go from noise to the final sample's; Kabsch RMSD is
zero for a rotated copy, positive for a mirror image and matches RDKit's alignment."""
import copy

import pytest
import torch
from rdkit import Chem
from rdkit.Chem import AllChem, rdMolAlign

from airtools.generative import kabsch_rmsd, molecule_metrics, sample_ancestral, sample_ddim, trajectory_metrics
from airtools.so3 import random_rotation


@pytest.mark.parametrize("sampler, steps", [(sample_ancestral, None), (sample_ddim, 7)])
def test_callback_sees_every_step_once(toy_model, sampler, steps):
    calls = []
    kwargs = {} if steps is None else {"n_steps": steps}
    sampler(toy_model[0], n_atoms=[3], generator=torch.Generator().manual_seed(0),
            callback=lambda k, n: calls.append((k, n)), **kwargs)
    n = toy_model[0].T if steps is None else steps
    assert calls == [(k, n) for k in range(1, n + 1)]


def test_trajectory_metrics_end_with_the_metrics_of_the_samples(toy_model):
    model = copy.deepcopy(toy_model[0]).double()
    out = sample_ancestral(model, n_samples=6, generator=torch.Generator().manual_seed(3), return_trajectory=True)
    m = trajectory_metrics(out.trajectory, out.batch, every=10)
    n_frames = model.T + 2
    assert m["t"][0] == 1.0 and m["t"][-1] == 0.0 and len(m["t"]) == len(range(0, n_frames, 10)) + 1
    final = molecule_metrics(out.molecules())
    for name in ("atom_stability", "molecule_stability", "validity"):
        assert m[name].shape == m["t"].shape and m[name][-1] == pytest.approx(final[name])
    with pytest.raises(ValueError, match="every: expected a positive int"):
        trajectory_metrics(out.trajectory, out.batch, every=0)


def test_kabsch_rmsd_is_zero_for_a_rotated_copy_and_agrees_with_rdkit():
    mol = Chem.AddHs(Chem.MolFromSmiles("CCCO"))
    AllChem.EmbedMultipleConfs(mol, 2, randomSeed=1)
    P, Q = (c.GetPositions() for c in mol.GetConformers())
    R = random_rotation(dtype=torch.float64, generator=torch.Generator().manual_seed(0)).numpy()
    assert kabsch_rmsd(P @ R.T + [1.0, 2.0, 3.0], P) < 1e-12
    assert kabsch_rmsd(P * [1, 1, -1], P) > 0.1  # no proper rotation maps a chiral geometry onto its mirror image
    expected = rdMolAlign.AlignMol(Chem.Mol(mol, confId=0), Chem.Mol(mol), prbCid=0, refCid=1)
    assert kabsch_rmsd(P, Q) == pytest.approx(expected, abs=1e-6)
    with pytest.raises(ValueError, match="two \\[n_atoms, 3\\] arrays of one shape"):
        kabsch_rmsd(P, Q[:3])
