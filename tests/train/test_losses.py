"""next_token_loss: a uniform guess costs log V per token, padding targets are left out, and the shift is by one;
denoising_loss: zero for the exact score of one structure, the centred noise variance for zero forces."""
import math

import pytest
import torch

from airtools.train import denoising_loss, next_token_loss


class Lookup(torch.nn.Module):
    """Logits that put all weight on ``table[token]`` for the next token (a known 'language model')."""

    def __init__(self, table, vocab):
        super().__init__()
        self.table, self.vocab = torch.tensor(table), vocab

    def forward(self, idx):
        return 50.0 * torch.nn.functional.one_hot(self.table[idx], self.vocab).float()


def test_uniform_logits_cost_log_vocab_size():
    model = lambda idx: torch.zeros(*idx.shape, 7)  # noqa: E731
    assert next_token_loss(model, torch.tensor([[1, 3, 4, 2]])).item() == pytest.approx(math.log(7))


def test_a_model_that_knows_the_next_token_costs_nothing_and_padding_is_ignored():
    model = Lookup([1, 3, 2, 4, 2], vocab=5)  # <bos>=1 -> 3 -> 4 -> <eos>=2; never predicts <pad>=0
    tokens = torch.tensor([[1, 3, 4, 2, 0, 0], [1, 3, 4, 2, 0, 0]])
    assert next_token_loss(model, tokens).item() < 1e-6
    assert next_token_loss(model, [tokens]).item() < 1e-6 and next_token_loss(model, {"tokens": tokens}) < 1e-6
    assert next_token_loss(model, tokens, pad_id=-1).item() > 1  # counting the padding: <pad> is never predicted


def test_bad_batch_says_what_is_expected():
    with pytest.raises(ValueError, match=r"batch: expected token ids \[batch, T >= 2\], got \[3\]"):
        next_token_loss(lambda x: x, torch.zeros(3, dtype=torch.long))


class Harmonic(torch.nn.Module):
    """E = |pos - x0|^2 / (2 sigma^2): the exact denoiser of the single structure x0 (its force is the score)."""

    def __init__(self, x0, sigma):
        super().__init__()
        self.x0, self.sigma = x0, sigma

    def forward(self, z, pos, batch):
        per_atom = ((pos - self.x0) ** 2).sum(1) / (2 * self.sigma ** 2)
        return torch.zeros(int(batch.max()) + 1, dtype=pos.dtype).index_add(0, batch, per_atom)


def _molecules(n_molecules, n_atoms, seed=0):
    g = torch.Generator().manual_seed(seed)
    pos = torch.randn(n_molecules * n_atoms, 3, dtype=torch.float64, generator=g)
    batch = torch.arange(n_molecules).repeat_interleave(n_atoms)
    return {"z": torch.full((len(pos),), 6), "pos": pos, "batch": batch}


def test_denoising_loss_is_zero_for_the_exact_score_of_one_structure():
    b = _molecules(3, 4)
    torch.manual_seed(0)
    assert denoising_loss(Harmonic(b["pos"], 0.3), b, sigma=0.3).item() < 1e-20


def test_denoising_loss_of_zero_forces_is_the_noise_variance_without_its_molecular_mean():
    """F = 0 leaves L = mean |eps|^2 per component = (n - 1)/n after removing each molecule's mean (a rigid
    shift no invariant energy can see): 0.8 for 5 atoms, within 4 standard errors over 1000 molecules."""
    class Zero(torch.nn.Module):
        def forward(self, z, pos, batch):
            return torch.zeros(int(batch.max()) + 1, dtype=pos.dtype) + 0 * pos.sum()

    b = _molecules(1000, 5)
    torch.manual_seed(1)
    loss = denoising_loss(Zero(), b, sigma=0.1).item()
    se = (1000 * 2 * 12) ** 0.5 / 15000  # L = sum of 1000 chi-square(12) (4 free atoms x 3 axes) / 15000 numbers
    assert abs(loss - 0.8) < 4 * se, (loss, se)
