"""The crop and score-map geometry a SiamFC model is trained and run at: the one owner of these five numbers.

The pair sampler cuts training crops with it, the network checks that it produces score maps of its size, every
checkpoint stores it, and the tracker runs at the geometry of the checkpoint it loads (a preset only changes the
tracking hyper-parameters, see config.py).
"""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any, Mapping

from ..common.errors import ConfigError
from .config import dataclass_from_dict


@dataclass(frozen=True)
class Geometry:
    exemplar_size: int = 127  # exemplar crop side, pixels
    instance_size: int = 255  # search crop side, pixels
    response_size: int = 17  # score map side, cells
    total_stride: int = 8  # search-crop pixels per score-map cell
    context: float = 0.5  # exemplar region side sqrt((w + 2p)(h + 2p)), p = context * (w + h) / 2 (paper: 0.5)

    def __post_init__(self) -> None:
        checks = [
            (self.exemplar_size > 0, "exemplar_size must be > 0"),
            (self.instance_size > self.exemplar_size, "instance_size must exceed exemplar_size"),
            (self.response_size > 0, "response_size must be > 0"),
            (self.total_stride > 0, "total_stride must be > 0"),
            (math.isfinite(self.context) and self.context >= 0, "context must be finite and >= 0"),
        ]
        for ok, message in checks:
            if not ok:
                raise ConfigError(f"bad geometry: {message} ({self.to_dict()})")

    @classmethod
    def of(cls, config: Any) -> "Geometry":
        """The geometry fields of any config that carries them (PairConfig is a Geometry plus sampling options)."""
        return cls(**{name: getattr(config, name) for name in GEOMETRY_FIELDS})

    def to_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in GEOMETRY_FIELDS}

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> "Geometry":
        return dataclass_from_dict(cls, values, "geometry")


GEOMETRY_FIELDS = tuple(f.name for f in dataclasses.fields(Geometry))
