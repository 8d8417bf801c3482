"""One way to build a model's settings: a config dataclass, with keyword arguments overriding its fields."""
from __future__ import annotations

from dataclasses import fields, replace

__all__ = ["merge_config"]


def merge_config(config_cls, config=None, kwargs: dict | None = None, *, owner: str | None = None):
    """``config`` (or the defaults of ``config_cls``) with the fields in ``kwargs`` replaced.

    Args:
        config_cls: the dataclass of the model's settings.
        config: an instance of ``config_cls`` or None (the defaults).
        kwargs: field -> value overrides; an unknown field is a ``ValueError`` that lists the known ones.
        owner: the model's name in error messages (default: ``config_cls`` without "Config").

    Returns:
        a new ``config_cls`` instance (``config`` itself is not changed).

    >>> from dataclasses import dataclass
    >>> @dataclass
    ... class DemoConfig:
    ...     hidden: int = 8
    >>> merge_config(DemoConfig, None, {"hidden": 16})
    DemoConfig(hidden=16)
    >>> merge_config(DemoConfig, None, {"hiden": 16})
    Traceback (most recent call last):
    ValueError: Demo: unknown setting(s) ['hiden']; expected some of ['hidden']
    """
    owner = owner or config_cls.__name__.removesuffix("Config")
    if config is not None and not isinstance(config, config_cls):
        raise ValueError(f"config: expected a {config_cls.__name__}, got {type(config).__name__}")
    known = {f.name for f in fields(config_cls)}
    unknown = sorted(set(kwargs or {}) - known)
    if unknown:
        raise ValueError(f"{owner}: unknown setting(s) {unknown}; expected some of {sorted(known)}")
    return replace(config or config_cls(), **(kwargs or {}))
