"""The lowest layer: errors, atomic writes, paths, the machine, downloads; and the package's version (pyproject.toml
states it too), here so that every layer can record it with its outputs."""
__version__ = "0.1.0"
