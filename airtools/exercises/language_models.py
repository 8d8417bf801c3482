r"""Exercise checker of lesson 20 (foundation and language models): the next-token loss of a language model.
Prints a "✅ ..." line and returns a ``Passed`` on success, raises ``AssertionError`` saying in plain words what
is wrong otherwise.

>>> import torch.nn.functional as F
>>> def loss(logits, tokens, pad_id):
...     V = logits.shape[-1]
...     return F.cross_entropy(logits[:, :-1].reshape(-1, V), tokens[:, 1:].reshape(-1), ignore_index=pad_id)
>>> result = check_next_token_loss(loss)
✅ next-token loss: position t scored against token t + 1, padding left out, mean over the 18 real targets ...
"""
from __future__ import annotations

import math

import torch
from torch.nn import functional as F

from ._common import Passed, call, passed, to_float

__all__ = ["check_next_token_loss"]

PAD = 0


def check_next_token_loss(fn) -> Passed:
    r"""Check ``fn(logits, tokens, pad_id) -> loss``: the mean next-token cross-entropy

    .. math:: L = -\frac1N \sum_{b,\,t:\; x_{b,t+1} \ne \text{pad}} \log \mathrm{softmax}(\ell_{b,t})_{x_{b,t+1}}

    where ``logits[:, t]`` (:math:`\ell_{b,t}`, ``[B, T, V]``) is the model's guess after reading ``tokens[:, :t+1]``
    (``[B, T]``), so it is scored against the *next* token; targets equal to ``pad_id`` (after a sequence's
    end) are left out and N counts the others. Named mistakes: no shift (scoring a token the model has already
    seen), the shift the wrong way, padding counted, a sum or a per-sequence mean instead of the mean over
    the real targets.

    Returns:
        ``Passed(loss=..., expected=...)``; prints "✅ ..." on success.

    >>> check_next_token_loss(lambda logits, tokens, pad_id: F.cross_entropy(logits.transpose(1, 2), tokens))
    Traceback (most recent call last):
    AssertionError: your loss 3.4728 scores logits[:, t] against tokens[:, t], the token the model has just read...
    """
    g = torch.Generator().manual_seed(0)
    lengths = [9, 5, 7]  # real tokens per sequence (<bos> ... <eos>), then padding up to T = 9
    B, T, V = len(lengths), max(lengths), 6
    tokens = torch.full((B, T), PAD, dtype=torch.long)
    for b, n in enumerate(lengths):
        tokens[b, :n] = torch.randint(1, V, (n,), generator=g)
    logits = 2 * torch.randn(B, T, V, generator=g, dtype=torch.float64)
    got = to_float(call(fn, logits.clone(), tokens.clone(), PAD, how=f"fn(logits [{B}, {T}, {V}], tokens "
                        f"[{B}, {T}], pad_id={PAD})"), "fn(logits, tokens, pad_id)")
    candidates = _candidates(logits, tokens)
    expected = candidates["right"]
    if math.isclose(got, expected, rel_tol=1e-6, abs_tol=1e-9):
        n = int((tokens[:, 1:] != PAD).sum())
        return passed(f"next-token loss: position t scored against token t + 1, padding left out, mean over the {n} "
                      f"real targets (L = {got:.4f})", loss=got, expected=expected)
    for name, value in candidates.items():
        if name != "right" and math.isclose(got, value, rel_tol=1e-6, abs_tol=1e-9):
            raise AssertionError(f"your loss {got:.4f} {MISTAKES[name.split(',')[0]]}; expected {expected:.4f}")
    raise AssertionError(f"your loss is {got:.4f}, expected {expected:.4f}: the mean over the non-padding targets of "
                         f"the cross-entropy of logits[:, :-1] against tokens[:, 1:] (F.cross_entropy(..., "
                         f"ignore_index=pad_id))")


MISTAKES = {
    "no shift": "scores logits[:, t] against tokens[:, t], the token the model has just read: a model that copies "
                "its input would score perfectly. Shift by one: logits[:, :-1] against tokens[:, 1:]",
    "backwards": "scores logits[:, t] against tokens[:, t - 1], the previous token: shift the other way, "
                 "logits[:, :-1] against tokens[:, 1:]",
    "pad counted": "counts the padding after each sequence's end as targets: leave out targets equal to pad_id "
                   "(ignore_index=pad_id in F.cross_entropy)",
    "sum": "is the sum over the targets, not their mean: divide by the number of real (non-padding) targets "
           "(F.cross_entropy's default reduction='mean')",
    "per sequence": "averages each sequence first, then the sequences: short ones weigh as much as long ones. "
                    "Take one mean over all real targets of the batch",
}


def _candidates(logits: torch.Tensor, tokens: torch.Tensor) -> dict[str, float]:
    """The right loss and what each named mistake gives on these inputs."""
    V = logits.shape[-1]

    def ce(lg, tg, ignore=PAD, reduction="mean"):
        return F.cross_entropy(lg.reshape(-1, V), tg.reshape(-1), ignore_index=ignore, reduction=reduction)

    lg, tg = logits[:, :-1], tokens[:, 1:]
    per_token = ce(lg, tg, reduction="none").view(tg.shape)  # [B, T-1], 0 at padding
    real = (tg != PAD).double()
    return {"right": float(ce(lg, tg)),
            "no shift": float(ce(logits, tokens)),
            "no shift, padding counted": float(ce(logits, tokens, ignore=-100)),
            "backwards": float(ce(logits[:, 1:], tokens[:, :-1])),
            "pad counted": float(ce(lg, tg, ignore=-100)),
            "sum": float(ce(lg, tg, reduction="sum")),
            "per sequence": float(((per_token.sum(1) / real.sum(1)).mean()))}
