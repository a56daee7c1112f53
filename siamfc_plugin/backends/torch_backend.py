"""Scoring backends: run the network for the tracking algorithm. The eager PyTorch one is the reference.

Backends by name (make_backend, `--backend`):
- torch:      eager PyTorch, BatchNorm folded, inference mode, channels-last on CPU. On CUDA it runs the embedding
              under fp16 autocast (the cross-correlation head stays fp32).
- torch-fp32: the same, never autocast (the reference on CUDA too).
- torch-fp16, torch-bf16: CUDA autocast in that dtype (bf16 also runs on CPU, slowly without AVX512-BF16).
- onnx:       onnxruntime, fp32, the exemplar and search graphs of siamfc_plugin.backends.onnx_backend.
- int8:       onnxruntime, the search graph statically quantised to int8 (calibrated on the search crops the tracker
              takes on the synthetic benchmark, or on $SIAMFC_CALIBRATION / the `calibration` option).
- int8-real:  the same, calibrated on real training crops: the activation scales shipped for these weights, or a
              curated training set given as the `calibration` option.
"""
from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ..common.errors import ConfigError
from ..core.network import SCORE_SCALE, SiamFC, cross_correlate, fold_batchnorm

PRECISIONS = ("auto", "fp32", "fp16", "bf16")
_DTYPES = {"fp16": torch.float16, "bf16": torch.bfloat16}


def set_threads(threads: int | None) -> None:
    """torch's intra-op threads (None or 0: leave torch's default, one per physical core)."""
    from ..common.errors import ConfigError

    if threads is not None and int(threads) < 0:
        raise ConfigError(f"threads must be >= 0 (0: torch's default), got {threads}")
    if threads:
        torch.set_num_threads(int(threads))


def check_device(device: str) -> torch.device:
    """The torch device named `device` (cpu, cuda, cuda:N), or ConfigError when it is no device or not present."""
    from ..common.errors import ConfigError

    try:
        parsed = torch.device(device)
    except (RuntimeError, TypeError):
        raise ConfigError(f"unknown device {device!r}; use cpu, cuda or cuda:N") from None
    if parsed.type == "cuda":
        if not torch.cuda.is_available():
            raise ConfigError(f"device {device!r}: this torch ({torch.__version__}) sees no CUDA GPU; use --device cpu")
        if parsed.index is not None and parsed.index >= torch.cuda.device_count():
            raise ConfigError(f"device {device!r}: only {torch.cuda.device_count()} CUDA device(s) present")
    elif parsed.type != "cpu":
        raise ConfigError(f"device {device!r} is not supported; use cpu, cuda or cuda:N")
    return parsed


class TorchBackend:
    """Eager PyTorch on CPU or CUDA; BatchNorm folded into the convs; inference mode.

    channels_last (default on): the crops arrive as NHWC uint8, so the float input is channels-last without a copy
    and oneDNN / cuDNN run their NHWC kernels (about 1.5x faster than NCHW on CPU here). precision: 'auto' (fp16
    autocast on CUDA, fp32 on CPU), 'fp32', 'fp16' or 'bf16'. The cross-correlation always runs in fp32.
    """

    def __init__(self, embedding: nn.Module, bias: float = 0.0, score_scale: float = SCORE_SCALE,
                 device: str = "cpu", channels_last: bool = True, precision: str = "auto") -> None:
        if precision not in PRECISIONS:
            raise ConfigError(f"unknown precision {precision!r}; choose one of {list(PRECISIONS)}")
        self.device = torch.device(device)
        self.cuda = self.device.type == "cuda"
        if precision == "auto":
            precision = "fp16" if self.cuda else "fp32"
        self.precision = precision
        self.channels_last = bool(channels_last)
        embedding = embedding.to(self.device).eval()
        if self.channels_last:
            embedding = embedding.to(memory_format=torch.channels_last)
        self.embedding = embedding
        self.bias = float(bias)
        self.score_scale = float(score_scale)
        self._staging: dict[tuple, torch.Tensor] = {}  # preallocated input buffers, one per batch shape
        if self.cuda:
            torch.backends.cudnn.benchmark = True  # fixed crop shapes: pick the fastest algorithms once

    @classmethod
    def from_model(cls, model: SiamFC, device: str = "cpu", channels_last: bool = True,
                   precision: str = "auto") -> "TorchBackend":
        return cls(fold_batchnorm(model.embedding), float(model.bias.detach()), SCORE_SCALE, device,
                   channels_last, precision)

    # ---- input ---------------------------------------------------------------------------------------------------
    def _tensor(self, crops: np.ndarray) -> torch.Tensor:
        """(N, H, W, 3) uint8 -> float (N, 3, H, W) on the device, channels-last, in a reused buffer."""
        source = torch.from_numpy(np.ascontiguousarray(crops))
        key = tuple(source.shape)
        buffers = self._staging.get(key)
        if buffers is None:
            n, h, w, c = key
            if self.cuda:
                host = torch.empty(key, dtype=torch.uint8).pin_memory()
                dev8 = torch.empty(key, dtype=torch.uint8, device=self.device)
                uploaded = torch.cuda.Event()
            else:
                host = dev8 = uploaded = None
            fmt = torch.channels_last if self.channels_last else torch.contiguous_format
            dst = torch.empty((n, c, h, w), dtype=torch.float32, device=self.device, memory_format=fmt)
            buffers = self._staging[key] = (host, dev8, dst, uploaded)
        host, dev8, dst, uploaded = buffers
        if self.cuda:  # move bytes, not floats: pinned uint8 upload, conversion on the GPU
            uploaded.synchronize()  # the previous upload from this pinned buffer has finished reading it
            host.copy_(source)
            dev8.copy_(host, non_blocking=True)
            uploaded.record()
            source = dev8
        dst.copy_(source.permute(0, 3, 1, 2))
        return dst

    def _embed(self, x: torch.Tensor) -> torch.Tensor:
        if self.precision == "fp32":
            return self.embedding(x)
        with torch.autocast(device_type=self.device.type, dtype=_DTYPES[self.precision]):
            return self.embedding(x).float()

    # ---- ScoringBackend ------------------------------------------------------------------------------------------
    @torch.inference_mode()
    def embed_exemplar(self, exemplar: np.ndarray) -> torch.Tensor:
        # a fresh tensor (the staging buffer is reused by the next call)
        return self._embed(self._tensor(exemplar)).float().contiguous()

    @torch.inference_mode()
    def score(self, exemplar_features: torch.Tensor, search: np.ndarray) -> np.ndarray:
        scores = cross_correlate(exemplar_features, self._embed(self._tensor(search)))
        return (scores[:, 0] * self.score_scale + self.bias).float().cpu().numpy()

    # ---- batched evaluation (siamfc_plugin.backends.batched) -----------------------------------------------------
    def stack_features(self, features: list[torch.Tensor]) -> torch.Tensor:
        return torch.cat(features, 0)

    @torch.inference_mode()
    def score_batch(self, stacked_features: torch.Tensor, search: np.ndarray, exact: bool = True) -> np.ndarray:
        """Score maps for Nz targets at once: search (Nz*k, H, W, 3), crop j scored against target j // k.

        exact=True correlates each target with a plain convolution, as score() does, so that the maps are the same
        bits as sequential tracking; exact=False uses one grouped convolution (fewer launches on a GPU).
        """
        x = self._embed(self._tensor(search))
        nz = stacked_features.shape[0]
        if exact or nz == 1:
            k = x.shape[0] // nz
            scores = torch.cat([F.conv2d(x[i * k:(i + 1) * k], stacked_features[i:i + 1]) for i in range(nz)])
        else:
            scores = cross_correlate(stacked_features, x)
        return (scores[:, 0] * self.score_scale + self.bias).float().cpu().numpy()


from .spec import BACKENDS  # noqa: E402 -- the names are defined once, beside the tracker spec


def make_backend(name: str, model: SiamFC, device: str = "cpu", threads: int | None = None, **options):
    """The scoring backend called `name` for `model` (see BACKENDS and the module docstring).

    options: channels_last (torch*); head ('fused' or 'conv', onnx/int8); calibration (int8: a dataset root,
    sequence folder or curated training set for the calibration crops; int8-real: a curated training set); calibration_crops (int8); calibration_method (int8: minmax,
    percentile, entropy); exclude (int8: node names kept fp32); cache_dir (int8: where the quantised graph is cached).
    """
    from ..common.errors import ConfigError

    device = device or "cpu"
    set_threads(threads)
    if name == "torch" or name.startswith("torch-"):
        device = str(check_device(device))
        precision = "auto" if name == "torch" else name.split("-", 1)[1]
        if precision not in PRECISIONS:
            raise ConfigError(f"unknown backend {name!r}; choose one of {list(BACKENDS)}")
        return TorchBackend.from_model(model, device, channels_last=options.get("channels_last", True),
                                       precision=precision)
    if name in ("onnx", "int8", "int8-real"):
        if str(device).split(":")[0] != "cpu":
            raise ConfigError(f"backend {name!r} runs on the CPU only (got device {device!r})")
        from .onnx_backend import OnnxBackend, int8_backend, int8_real_backend

        if name == "onnx":
            return OnnxBackend.from_model(model, threads, head=options.get("head", "fused"))
        if name == "int8-real":
            return int8_real_backend(model, threads, options.get("calibration"),
                                     calibration_crops=options.get("calibration_crops", 96),
                                     cache_dir=options.get("cache_dir"), head=options.get("head", "fused"))
        return int8_backend(model, threads, calibration=options.get("calibration"),
                            calibration_crops=options.get("calibration_crops", 96),
                            cache_dir=options.get("cache_dir"), head=options.get("head", "fused"),
                            exclude=tuple(options.get("exclude", ())),
                            method=options.get("calibration_method", "minmax"))
    raise ConfigError(f"unknown backend {name!r}; choose one of {list(BACKENDS)}")
