"""The two architectures' layer tables and what follows from them without building a network: feature and
score-map sides, the total stride, whether a geometry fits. Free of torch, so that the command line can list the
architectures and check options without loading it."""
from __future__ import annotations

import math
from dataclasses import dataclass

from ..common.errors import ConfigError
from .geometry import Geometry


@dataclass(frozen=True)
class ArchSpec:
    channels: tuple[int, int, int, int, int]
    groups: tuple[int, int, int, int, int]


ARCHITECTURES: dict[str, ArchSpec] = {
    "alexnet-slim": ArchSpec(channels=(48, 128, 192, 192, 128), groups=(1, 2, 1, 1, 1)),
    "alexnet": ArchSpec(channels=(96, 256, 384, 384, 256), groups=(1, 2, 1, 2, 2)),
}
KERNELS = (11, 5, 3, 3, 3)
STRIDES = (2, 1, 1, 1, 1)
POOL_KERNEL, POOL_STRIDE = 3, 2  # max-pool after conv1 and conv2


def arch_spec(name: str) -> ArchSpec:
    try:
        return ARCHITECTURES[name]
    except KeyError:
        raise ConfigError(f"unknown architecture {name!r}; choose one of {sorted(ARCHITECTURES)}") from None


def feature_side(side: int) -> int:
    """Side of phi's output for a side x side input (valid convolutions and pools, no padding)."""
    for i, (kernel, stride) in enumerate(zip(KERNELS, STRIDES)):
        side = (side - kernel) // stride + 1
        if i < 2:
            side = (side - POOL_KERNEL) // POOL_STRIDE + 1
    return side


def total_stride() -> int:
    return math.prod(STRIDES) * POOL_STRIDE ** 2


def check_geometry(geometry: Geometry) -> Geometry:
    """The geometry, if this network produces score maps of its response_size at its stride; else ConfigError."""
    fz, fx = feature_side(geometry.exemplar_size), feature_side(geometry.instance_size)
    if fz < 1 or fx < fz:
        raise ConfigError(f"geometry {geometry.to_dict()}: the network cannot embed crops this small")
    if geometry.total_stride != total_stride():
        raise ConfigError(f"geometry {geometry.to_dict()}: the network's total stride is {total_stride()}")
    if fx - fz + 1 != geometry.response_size:
        raise ConfigError(f"geometry {geometry.to_dict()}: crops {geometry.exemplar_size}/{geometry.instance_size} "
                          f"give {fx - fz + 1}x{fx - fz + 1} score maps, not response_size {geometry.response_size}")
    return geometry
