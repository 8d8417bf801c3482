"""airtools: the library behind the teaching portal for AI in quantum, atomistic and continuum science.

Subpackages follow the maths and the pipeline (``so3``, ``testing``, ``viz``, ...). They are imported
lazily, so ``import airtools`` is cheap (a dashboard that only lists lessons never loads torch).

>>> import airtools
>>> airtools.default_device() in ("cpu", "cuda")
True
"""
from importlib import import_module

__version__ = "0.1.0"
__all__ = ["default_device", "so3", "testing", "viz"]

_SUBPACKAGES = {"cache", "so3", "testing", "viz", "graph", "nn", "models", "data", "train", "quantum", "pde",
                "generative", "docking", "zoo", "exercises", "portal", "notebooks"}


def default_device() -> str:
    """The device lessons and models use: ``"cuda"`` when a GPU is visible, else ``"cpu"``.

    Returns:
        ``"cuda"`` or ``"cpu"`` (a string, so it can be passed to ``.to()`` and printed).
    """
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def __getattr__(name):
    if name in _SUBPACKAGES:
        return import_module(f"airtools.{name}")
    raise AttributeError(f"module 'airtools' has no attribute {name!r}")
