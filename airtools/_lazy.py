"""Packages whose public names load on first use, one submodule at a time (``airtools.data``, ``airtools.viz``)."""
from importlib import import_module

__all__ = ["lazy_names"]


def lazy_names(package: str, where: dict[str, list[str]]):
    """``(__all__, __getattr__, __dir__)`` for ``package``: each name in ``where[submodule]`` is imported from
    ``package.submodule`` when it is first read.

    >>> names, getattr_, dir_ = lazy_names("airtools.viz", {"_assets": ["THREEDMOL_URL"]})
    >>> names, getattr_("THREEDMOL_URL")
    (['THREEDMOL_URL'], '/airtools/static/3Dmol-min.js')
    """
    module_of = {name: module for module, names in where.items() for name in names}

    def __getattr__(name):
        if name in module_of:
            return getattr(import_module(f"{package}.{module_of[name]}"), name)
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    def __dir__():
        return sorted(module_of)

    return list(module_of), __getattr__, __dir__
