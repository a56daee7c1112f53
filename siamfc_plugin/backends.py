"""Scoring backends: run the network for the tracking algorithm. The eager PyTorch one is the reference."""
from __future__ import annotations

import numpy as np
import torch
from torch import nn

from .network import SCORE_SCALE, SiamFC, cross_correlate, fold_batchnorm


def set_threads(threads: int | None) -> None:
    if threads:
        torch.set_num_threads(int(threads))


class TorchBackend:
    """Eager PyTorch on CPU or CUDA; BatchNorm folded into the convs; inference mode."""

    def __init__(self, embedding: nn.Module, bias: float = 0.0, score_scale: float = SCORE_SCALE,
                 device: str = "cpu") -> None:
        self.device = torch.device(device)
        self.embedding = embedding.to(self.device).eval()
        self.bias = float(bias)
        self.score_scale = float(score_scale)

    @classmethod
    def from_model(cls, model: SiamFC, device: str = "cpu") -> "TorchBackend":
        return cls(fold_batchnorm(model.embedding), float(model.bias.detach()), SCORE_SCALE, device)

    def _tensor(self, crops: np.ndarray) -> torch.Tensor:
        return torch.from_numpy(crops).to(self.device).permute(0, 3, 1, 2).float()

    @torch.inference_mode()
    def embed_exemplar(self, exemplar: np.ndarray) -> torch.Tensor:
        return self.embedding(self._tensor(exemplar))

    @torch.inference_mode()
    def score(self, exemplar_features: torch.Tensor, search: np.ndarray) -> np.ndarray:
        scores = cross_correlate(exemplar_features, self.embedding(self._tensor(search)))
        return (scores[:, 0] * self.score_scale + self.bias).float().cpu().numpy()


BACKENDS = ("torch",)


def make_backend(name: str, model: SiamFC, device: str = "cpu", threads: int | None = None):
    """The scoring backend called `name` for `model` (see BACKENDS)."""
    from .errors import ConfigError

    set_threads(threads)
    if name == "torch":
        return TorchBackend.from_model(model, device)
    raise ConfigError(f"unknown backend {name!r}; choose one of {list(BACKENDS)}")
