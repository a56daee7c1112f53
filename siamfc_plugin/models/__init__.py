"""The trained models shipped inside the package (weights and model card), by architecture. Free of torch."""
from __future__ import annotations

from importlib import resources

SHIPPED_MODELS = {"alexnet-slim": "siamfc_alexnet_slim.pth", "alexnet": "siamfc_alexnet.pth"}


def shipped_model_path(arch: str = "alexnet-slim") -> str | None:
    """Path of the trained model shipped inside the package for `arch`, or None when there is none."""
    name = SHIPPED_MODELS.get(arch)
    if name is None:
        return None
    path = resources.files(__name__) / name
    return str(path) if path.is_file() else None
