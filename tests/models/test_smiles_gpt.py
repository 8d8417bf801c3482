"""SmilesGPT: causal (a token never sees the ones after it), learns a small language exactly, and samples from
<bos> to <eos> reproducibly."""
import math

import pytest
import torch

from airtools.models import SmilesGPT
from airtools.train import TrainConfig, next_token_loss, train


def test_logits_at_a_position_do_not_depend_on_later_tokens():
    torch.manual_seed(0)
    model = SmilesGPT(vocab_size=12, block_size=10).eval()
    idx = torch.randint(0, 12, (3, 10))
    changed = idx.clone()
    changed[:, 6:] = (changed[:, 6:] + 1) % 12  # change tokens 6..9
    a, b = model(idx), model(changed)
    torch.testing.assert_close(a[:, :6], b[:, :6], rtol=0, atol=1e-6)
    assert (a[:, 6:] - b[:, 6:]).abs().max() > 1e-3  # and it does read the tokens it is allowed to see


def test_untrained_model_guesses_nearly_uniformly_and_ties_its_output_to_the_embedding():
    torch.manual_seed(0)
    model = SmilesGPT(vocab_size=20, block_size=8)
    loss = next_token_loss(model, torch.randint(3, 20, (16, 8)))
    assert abs(loss.item() - math.log(20)) < 0.05  # small initial weights: logits near 0
    assert model.head.weight is model.token_embedding.weight


def test_it_learns_a_tiny_language_and_generates_only_its_sentences():
    """Two sentences, <bos>=1 ... <eos>=2: after training, every sample is one of them, both appear."""
    sentences = torch.tensor([[1, 3, 4, 5, 6, 2], [1, 7, 6, 5, 4, 2]])
    data = sentences.repeat(32, 1)  # [64, 6]
    torch.manual_seed(0)
    model = SmilesGPT(vocab_size=8, block_size=6, n_embd=32)
    config = TrainConfig(n_epochs=100, lr=1e-2, batch_size=16, val_fraction=0, patience=None, schedule="cosine",
                         progress=False, device="cpu")
    train(model, data, config, loss_fn=next_token_loss)
    samples = model.generate(50, bos_id=1, eos_id=2, seed=0)
    rows = {tuple(r.tolist()) for r in samples}
    assert rows == {tuple(s.tolist()) for s in sentences}
    # the only uncertainty is the first token (two choices): the loss approaches log(2) / 5 per target
    assert next_token_loss(model, sentences).item() < math.log(2) / 5 + 0.02


def test_generation_is_reproducible_and_pads_with_eos_after_the_end():
    torch.manual_seed(1)
    model = SmilesGPT(vocab_size=6, block_size=12)
    a = model.generate(40, bos_id=1, eos_id=2, seed=3)
    assert torch.equal(a, model.generate(40, bos_id=1, eos_id=2, seed=3))
    assert (a[:, 0] == 1).all() and a.shape[1] <= 12
    for row in a.tolist():
        if 2 in row:
            assert set(row[row.index(2):]) == {2}
    assert model.training  # generate restores the mode


@pytest.mark.parametrize("idx, match", [
    (torch.zeros(2, 13, dtype=torch.long), r"idx: expected token ids \[batch, T <= 12\]"),
    (torch.zeros(2, 3), r"idx: expected token ids"),
    (torch.full((2, 3), 6), r"idx: token ids must lie in 0..5"),
])
def test_bad_input_says_what_is_wrong(idx, match):
    with pytest.raises(ValueError, match=match):
        SmilesGPT(vocab_size=6, block_size=12)(idx)
    with pytest.raises(ValueError, match="n_embd=30 must be a multiple of n_head=4"):
        SmilesGPT(n_embd=30)
