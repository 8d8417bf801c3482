r"""SMILES as token sequences for a chemical language model, and RDKit's verdict on generated strings.

Tokens follow Schwaller et al.'s regular expression (Molecular Transformer, ACS Cent. Sci. 5, 1572, 2019):
one token per atom (two-letter ``Cl``, ``Br`` and a whole bracket atom such as ``[NH3+]`` are one token), bond,
branch parenthesis or ring-closure digit. QM9's SMILES need 20-odd tokens; three special ones frame a sequence:
``<pad>`` (0, after the end), ``<bos>`` (1, the start a model generates from) and ``<eos>`` (2, the end).

>>> tok = SmilesTokenizer.from_smiles(["CC(=O)O", "C1=CC=CN1", "C[NH3+]"])
>>> tokenize_smiles("C[NH3+]"), tok.encode("CC(=O)O")
(['C', '[NH3+]'], [1, 7, 7, 3, 6, 9, 4, 9, 2])
>>> tok.decode([1, 7, 7, 3, 6, 9, 4, 9, 2, 0, 0])
'CC(=O)O'
"""
from __future__ import annotations

import re

import torch

__all__ = ["SMILES_REGEX", "tokenize_smiles", "SmilesTokenizer", "parse_smiles"]

SMILES_REGEX = (r"(\[[^\]]+]|Br?|Cl?|N|O|S|P|F|I|b|c|n|o|s|p|\(|\)|\.|=|#|-|\+|\\|\/|:|~|@|\?|>|\*|\$|"
                r"\%[0-9]{2}|[0-9])")
_PATTERN = re.compile(SMILES_REGEX)
SPECIAL = ("<pad>", "<bos>", "<eos>")


def tokenize_smiles(smiles: str) -> list[str]:
    """Split a SMILES string into tokens (Schwaller et al.'s regular expression); ``ValueError`` for characters
    no SMILES token covers.

    >>> tokenize_smiles("ClCC(Br)=O")
    ['Cl', 'C', 'C', '(', 'Br', ')', '=', 'O']
    """
    tokens = _PATTERN.findall(smiles)
    if "".join(tokens) != smiles:
        at = next(i for i, (a, b) in enumerate(zip(smiles, "".join(tokens) + "\0")) if a != b)
        raise ValueError(f"smiles: {smiles!r} has a character no SMILES token covers at position {at} "
                         f"({smiles[at]!r})")
    return tokens


class SmilesTokenizer:
    """A vocabulary of SMILES tokens: ``encode`` a string to ids framed by ``<bos>``/``<eos>``, ``decode`` back.

    Args:
        tokens: the vocabulary (after the three special tokens, in this order).

    Attributes: ``tokens`` (all, specials first), ``pad_id`` 0, ``bos_id`` 1, ``eos_id`` 2, ``vocab_size``.

    >>> tok = SmilesTokenizer.from_smiles(["CO", "C#N"])
    >>> tok.tokens, tok.vocab_size
    (['<pad>', '<bos>', '<eos>', '#', 'C', 'N', 'O'], 7)
    >>> tok.encode_batch(["CO", "C#N"])
    tensor([[1, 4, 6, 2, 0],
            [1, 4, 3, 5, 2]])
    """

    pad_id, bos_id, eos_id = 0, 1, 2

    def __init__(self, tokens):
        tokens = list(tokens)
        if len(set(tokens)) != len(tokens) or set(tokens) & set(SPECIAL):
            raise ValueError(f"tokens: expected distinct SMILES tokens without {SPECIAL}, got {tokens}")
        self.tokens = [*SPECIAL, *tokens]
        self.index = {t: i for i, t in enumerate(self.tokens)}

    @classmethod
    def from_smiles(cls, smiles) -> "SmilesTokenizer":
        """The vocabulary of every token in ``smiles`` (sorted, so the same set gives the same ids)."""
        return cls(sorted({t for s in smiles for t in tokenize_smiles(s)}))

    @property
    def vocab_size(self) -> int:
        return len(self.tokens)

    def encode(self, smiles: str) -> list[int]:
        """``[bos_id, ids of the tokens..., eos_id]``; ``ValueError`` for a token outside the vocabulary."""
        tokens = tokenize_smiles(smiles)
        unknown = [t for t in tokens if t not in self.index]
        if unknown:
            raise ValueError(f"smiles: {smiles!r} has token(s) {unknown} outside the vocabulary "
                             f"{self.tokens[len(SPECIAL):]}; build the tokenizer from SMILES that contain them")
        return [self.bos_id, *(self.index[t] for t in tokens), self.eos_id]

    def encode_batch(self, smiles, length: int | None = None) -> torch.Tensor:
        """``[n, length]`` long tensor of :meth:`encode` padded with ``pad_id`` (default: the longest)."""
        ids = [self.encode(s) for s in smiles]
        longest = max(map(len, ids), default=0)
        length = longest if length is None else length
        if longest > length:
            raise ValueError(f"length: {length} tokens, but the longest SMILES needs {longest} (with <bos>, <eos>)")
        out = torch.full((len(ids), length), self.pad_id, dtype=torch.long)
        for row, seq in zip(out, ids):
            row[:len(seq)] = torch.tensor(seq)
        return out

    def decode(self, ids) -> str:
        """The SMILES string of ``ids``: tokens up to the first ``<eos>``, without ``<bos>`` and ``<pad>``."""
        out = []
        for i in (ids.tolist() if hasattr(ids, "tolist") else ids):
            if i == self.eos_id:
                break
            if i not in (self.bos_id, self.pad_id):
                out.append(self.tokens[i])
        return "".join(out)

    def __repr__(self) -> str:
        return f"SmilesTokenizer({self.vocab_size} tokens: {' '.join(self.tokens[len(SPECIAL):])})"


def parse_smiles(smiles: str) -> str | None:
    """Canonical SMILES (RDKit, no stereochemistry) if RDKit parses and sanitises ``smiles``, else None.

    Valid means what RDKit's sanitisation checks: balanced rings and branches, valences, aromaticity. An empty
    string is no molecule (None).

    >>> parse_smiles("OCC"), parse_smiles("C1CC"), parse_smiles("C(C)(C)(C)(C)C")   # unclosed ring, 5-valent C
    ('CCO', None, None)
    """
    from rdkit import Chem, rdBase

    if not smiles:
        return None
    with rdBase.BlockLogs():
        mol = Chem.MolFromSmiles(smiles)
    return None if mol is None else Chem.MolToSmiles(mol, isomericSmiles=False)
