r"""SmilesGPT: a small decoder-only transformer that writes SMILES one token at a time (nanoGPT's model.py, scaled
down)."""
from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import Tensor, nn
from torch.nn import functional as F

from ._config import merge_config

__all__ = ["SmilesGPT", "SmilesGPTConfig"]


@dataclass
class SmilesGPTConfig:
    """Settings of :class:`SmilesGPT`; the defaults learn QM9's SMILES on a CPU in seconds."""

    vocab_size: int = 32  # tokens, specials included (airtools.data.SmilesTokenizer.vocab_size)
    block_size: int = 32  # longest sequence, <bos> and <eos> included
    n_layer: int = 2
    n_head: int = 4
    n_embd: int = 64
    dropout: float = 0.0


class SmilesGPT(nn.Module):
    r"""GPT (Radford et al. 2018/2019; Karpathy's nanoGPT) on SMILES tokens: a chemical language model.

    Tokens :math:`x_1 \dots x_T` are embedded with their positions, passed through ``n_layer`` pre-norm blocks of
    causal self-attention (each position sees only itself and the ones before) and an MLP, and mapped to logits
    for the next token; the model is the factorisation

    .. math:: p(x_1, \dots, x_T) = \prod_t p(x_{t+1} \mid x_1, \dots, x_t),

    trained by next-token cross-entropy (``airtools.train.next_token_loss``) and sampled token by token from
    ``<bos>`` (:meth:`generate`). The output layer shares its weights with the token embedding, as in GPT-2.

    Args:
        config: a :class:`SmilesGPTConfig`; keyword arguments override its fields.

    Call ``model(idx [batch, T]) -> logits [batch, T, vocab_size]`` with ``T <= block_size``.

    >>> model = SmilesGPT(vocab_size=10, block_size=8)
    >>> model(torch.zeros(3, 5, dtype=torch.long)).shape
    torch.Size([3, 5, 10])
    >>> model.generate(4, bos_id=1, eos_id=2, seed=0).shape       # [n, <= block_size]
    torch.Size([4, 8])
    """

    def __init__(self, config: SmilesGPTConfig | None = None, **kwargs):
        super().__init__()
        self.config = c = merge_config(SmilesGPTConfig, config, kwargs)
        if c.n_embd % c.n_head:
            raise ValueError(f"SmilesGPT: n_embd={c.n_embd} must be a multiple of n_head={c.n_head}")
        self.token_embedding = nn.Embedding(c.vocab_size, c.n_embd)
        self.position_embedding = nn.Embedding(c.block_size, c.n_embd)
        self.drop = nn.Dropout(c.dropout)
        self.blocks = nn.ModuleList(_Block(c) for _ in range(c.n_layer))
        self.ln_f = nn.LayerNorm(c.n_embd)
        self.head = nn.Linear(c.n_embd, c.vocab_size, bias=False)
        self.head.weight = self.token_embedding.weight  # weight tying (GPT-2)
        self.apply(_init_weights)
        for name, p in self.named_parameters():  # GPT-2: residual projections scaled by 1/sqrt(2 n_layer)
            if name.endswith("proj.weight"):
                nn.init.normal_(p, mean=0.0, std=0.02 / math.sqrt(2 * c.n_layer))

    def forward(self, idx: Tensor) -> Tensor:
        c = self.config
        if idx.ndim != 2 or idx.dtype != torch.long or idx.shape[1] > c.block_size:
            raise ValueError(f"idx: expected token ids [batch, T <= {c.block_size}] (long), got "
                             f"{list(idx.shape)} {idx.dtype}")
        if idx.numel() and (int(idx.min()) < 0 or int(idx.max()) >= c.vocab_size):
            raise ValueError(f"idx: token ids must lie in 0..{c.vocab_size - 1}, got "
                             f"{int(idx.min())}..{int(idx.max())}")
        position = torch.arange(idx.shape[1], device=idx.device)  # [T]
        x = self.drop(self.token_embedding(idx) + self.position_embedding(position))  # [batch, T, n_embd]
        for block in self.blocks:
            x = block(x)
        return self.head(self.ln_f(x))  # [batch, T, vocab_size]

    @torch.no_grad()
    def generate(self, n: int, *, bos_id: int, eos_id: int, temperature: float = 1.0,
                 seed: int | None = None) -> Tensor:
        """Sample ``n`` sequences token by token from ``<bos>`` until each has an ``<eos>`` (or ``block_size``).

        Args:
            temperature: divides the logits; < 1 sharper (more typical, less diverse), > 1 flatter.
            seed: seeds the sampling (a generator on the model's device); None uses the global one.

        Returns:
            ``[n, L]`` long, ``L <= block_size``, each row starting with ``bos_id``; after a row's ``eos_id`` come
            more ``eos_id`` (``SmilesTokenizer.decode`` stops at the first).
        """
        if not temperature > 0:
            raise ValueError(f"temperature: expected a number > 0, got {temperature}")
        was_training = self.training
        self.eval()
        device = self.token_embedding.weight.device
        generator = None if seed is None else torch.Generator(device=device).manual_seed(seed)
        idx = torch.full((n, 1), bos_id, dtype=torch.long, device=device)  # [n, 1]
        done = torch.zeros(n, dtype=torch.bool, device=device)
        while idx.shape[1] < self.config.block_size and not bool(done.all()):
            logits = self(idx)[:, -1, :] / temperature  # [n, vocab_size]: the next token's distribution
            nxt = torch.multinomial(F.softmax(logits, dim=-1), 1, generator=generator)[:, 0]  # [n]
            nxt = torch.where(done, torch.full_like(nxt, eos_id), nxt)
            idx = torch.cat([idx, nxt[:, None]], dim=1)
            done |= nxt == eos_id
        self.train(was_training)
        return idx


class _Block(nn.Module):
    """Pre-norm transformer block: x + attention(LN x), then x + MLP(LN x)."""

    def __init__(self, c: SmilesGPTConfig):
        super().__init__()
        self.ln_1, self.ln_2 = nn.LayerNorm(c.n_embd), nn.LayerNorm(c.n_embd)
        self.attn = _CausalSelfAttention(c)
        self.mlp = nn.Sequential(nn.Linear(c.n_embd, 4 * c.n_embd), nn.GELU())
        self.mlp_proj = nn.Linear(4 * c.n_embd, c.n_embd)
        self.drop = nn.Dropout(c.dropout)

    def forward(self, x: Tensor) -> Tensor:
        x = x + self.attn(self.ln_1(x))
        return x + self.drop(self.mlp_proj(self.mlp(self.ln_2(x))))


class _CausalSelfAttention(nn.Module):
    """Multi-head self-attention where position t attends to positions <= t only."""

    def __init__(self, c: SmilesGPTConfig):
        super().__init__()
        self.n_head, self.dropout = c.n_head, c.dropout
        self.qkv = nn.Linear(c.n_embd, 3 * c.n_embd)
        self.proj = nn.Linear(c.n_embd, c.n_embd)
        self.drop = nn.Dropout(c.dropout)

    def forward(self, x: Tensor) -> Tensor:
        B, T, C = x.shape
        q, k, v = self.qkv(x).split(C, dim=2)  # each [B, T, C]
        q, k, v = (t.view(B, T, self.n_head, C // self.n_head).transpose(1, 2) for t in (q, k, v))  # [B, h, T, C/h]
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True,
                                           dropout_p=self.dropout if self.training else 0.0)  # [B, h, T, C/h]
        y = y.transpose(1, 2).contiguous().view(B, T, C)  # [B, T, C]: heads side by side
        return self.drop(self.proj(y))


def _init_weights(module: nn.Module) -> None:
    if isinstance(module, (nn.Linear, nn.Embedding)):
        nn.init.normal_(module.weight, mean=0.0, std=0.02)
    if isinstance(module, nn.Linear) and module.bias is not None:
        nn.init.zeros_(module.bias)
