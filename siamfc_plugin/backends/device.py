"""The tracker with its per-frame work on the torch device: on a GPU the host no longer limits it.

SiamFCTracker crops with cv2.warpAffine, upsamples and finds the peak in numpy: per frame the host makes S crops,
uploads them, waits for the score maps and post-processes them, so on an H200 both nets ran at the same ~320 fps.
DeviceTracker does the same steps on the device:

- the frame is uploaded once (uint8, from a pinned buffer on CUDA) and converted there;
- the S scale crops are one `grid_sample` (bilinear, the frame's mean colour outside it: the crop is sampled from
  frame - fill with zero padding, then fill is added back), rounded to whole grey levels as the uint8 crops are;
- the network scores them (the TorchBackend's embedding, the same cross-correlation);
- the x16 bicubic upsampling (`interpolate`, a = -0.75 like cv2.INTER_CUBIC), the scale penalty, the normalisation,
  the cosine window and both argmaxes run there;
- one synchronisation per frame: a 4-number tensor (best scale, peak index, its raw peak, all peaks finite) comes
  back, and the host moves the target with SiamFCTracker.move, the very code of the CPU tracker.

Its crops differ from cv2's by at most a grey level or so (warpAffine interpolates with 5-bit fixed-point weights):
the size of the noise the faithfulness calibration puts on the frames. Presets that update the kernel
(template_lr, distractor_weight) or take rounded crops fall back to SiamFCTracker's own update.
"""
from __future__ import annotations

import time

import numpy as np
import torch
import torch.nn.functional as F

from ..core.network import cross_correlate
from ..core.tracker import SiamFCTracker, peak_confidence
from ..data.images import to_rgb_uint8


class DeviceTracker(SiamFCTracker):
    """SiamFCTracker whose update runs on the backend's device (a TorchBackend: 'torch', 'torch-fp32', ...).

    update(image, timings=None): with a dict, each stage is synchronised and its seconds added under 'crop',
    'network' and 'post' (for the per-stage split; it adds synchronisations, so time the fps without it)."""

    def __init__(self, backend, config=None, geometry=None) -> None:
        super().__init__(backend, config, geometry)
        if not hasattr(backend, "embedding") or not hasattr(backend, "device"):
            raise TypeError("DeviceTracker needs a torch backend (make_backend('torch', ...))")
        self.device = backend.device
        cfg, geo = self.config, self.geometry
        self.on_device = cfg.template_lr == 0 and cfg.distractor_weight == 0 and cfg.crop_mode != "rounded"
        self._window_t = torch.from_numpy(self.window).to(self.device)
        factors = torch.tensor(self.scale_factors, dtype=torch.float64)
        self._penalty = torch.where(factors == 1.0, 1.0, cfg.scale_penalty).to(torch.float32).to(self.device)
        self._factors = factors
        n = geo.instance_size
        self._unit = torch.arange(n, dtype=torch.float64) + 0.5 - n / 2.0  # output pixel centres around the crop centre
        self._frame_host = None
        self._fill = None  # the sequence's fill colour on the device, (1, 3, 1, 1): set by init()

    def init(self, image, box) -> None:
        super().init(image, box)
        self._fill = torch.tensor(self.fill[:3], dtype=torch.float32, device=self.device).view(1, 3, 1, 1)

    # ---- the device stages ---------------------------------------------------------------------------------------
    def _upload(self, frame: np.ndarray) -> torch.Tensor:
        """(H, W, 3) uint8 -> (1, 3, H, W) float32 on the device, minus the fill colour."""
        source = torch.from_numpy(np.ascontiguousarray(frame))
        if self.device.type == "cuda":
            if self._frame_host is None or self._frame_host.shape != source.shape:
                self._frame_host = torch.empty(source.shape, dtype=torch.uint8).pin_memory()
            self._frame_host.copy_(source)
            source = self._frame_host.to(self.device, non_blocking=True)
        return source.permute(2, 0, 1).unsqueeze(0).float() - self._fill

    def device_crops(self, frame: np.ndarray) -> torch.Tensor:
        """The S search crops, (S, 3, s, s) float32 holding whole grey levels, made on the device in one
        grid_sample: the same geometry as crops.crop (pixel centres, WARP_INVERSE_MAP)."""
        geo, cfg = self.geometry, self.config
        image = self._upload(frame)
        height, width = frame.shape[:2]
        x_side = self.current_search_side()
        scale = (x_side * self._factors / geo.instance_size).view(-1, 1)  # (S, 1) frame pixels per crop pixel
        cx = float(self.center[0]) - cfg.box_origin
        cy = float(self.center[1]) - cfg.box_origin
        # frame pixel index of crop pixel u: cx - 0.5 + (u + 0.5 - n/2) * scale; grid_sample (align_corners=False)
        # wants (2 * index + 1) / size - 1
        xs = ((cx - 0.5 + self._unit * scale) * 2 + 1) / width - 1
        ys = ((cy - 0.5 + self._unit * scale) * 2 + 1) / height - 1
        n = geo.instance_size
        grid = torch.stack([xs.view(-1, 1, n).expand(-1, n, n), ys.view(-1, n, 1).expand(-1, n, n)], dim=-1)
        grid = grid.to(torch.float32).to(self.device, non_blocking=True)
        crops = F.grid_sample(image.expand(len(self._factors), -1, -1, -1), grid, mode="bilinear",
                              padding_mode="zeros", align_corners=False)
        crops = (crops + self._fill).round_().clamp_(0, 255)
        if getattr(self.backend, "channels_last", False):
            crops = crops.contiguous(memory_format=torch.channels_last)
        return crops

    def device_scores(self, crops: torch.Tensor) -> torch.Tensor:
        """(S, R, R) raw score maps on the device."""
        backend = self.backend
        scores = cross_correlate(self.kernel, backend._embed(crops))
        return (scores[:, 0] * backend.score_scale + backend.bias).float()

    def device_peak(self, responses: torch.Tensor) -> torch.Tensor:
        """[best scale, flat index of the windowed peak, raw peak of that scale, all peaks finite] on the device."""
        cfg, up = self.config, self.upsampled_size
        maps = F.interpolate(responses.unsqueeze(1), size=(up, up), mode="bicubic", align_corners=False)[:, 0]
        peaks = maps.flatten(1).amax(dim=1)
        if cfg.penalty_mode == "multiply":
            penalised = peaks * self._penalty
        else:
            penalised = torch.where(peaks > 0, peaks * self._penalty, peaks / self._penalty)
        best = torch.argmax(penalised)
        best_map = maps[best]
        response = best_map - best_map.min()
        response = response / (response.sum() + 1e-16) * (1 - cfg.window_influence) \
            + cfg.window_influence * self._window_t
        index = torch.argmax(response)
        return torch.stack([best.float(), index.float(), peaks[best], torch.isfinite(peaks).all().float()])

    # ---- the tracker ---------------------------------------------------------------------------------------------
    @torch.inference_mode()
    def update(self, image, timings: dict | None = None) -> np.ndarray:
        if not self.on_device or self.exemplar_features is None:
            return super().update(image)
        frame = to_rgb_uint8(image)
        sync = timings is not None and self.device.type == "cuda"
        t0 = time.perf_counter()
        crops = self.device_crops(frame)
        if sync:
            torch.cuda.synchronize(self.device)
        t1 = time.perf_counter()
        responses = self.device_scores(crops)
        if sync:
            torch.cuda.synchronize(self.device)
        t2 = time.perf_counter()
        best, index, peak, finite = self.device_peak(responses).cpu().tolist()  # the frame's one synchronisation
        if not finite:
            self.confidence = 0.0  # a non-finite score map must not move the target (as SiamFCTracker.step)
            box = self.box
        else:
            best, index = int(best), int(index)
            self.confidence = peak_confidence(peak)
            box = self.move(best, index // self.upsampled_size, index % self.upsampled_size, frame.shape)
        if timings is not None:
            t3 = time.perf_counter()
            for key, seconds in (("crop", t1 - t0), ("network", t2 - t1), ("post", t3 - t2)):
                timings[key] = timings.get(key, 0.0) + seconds
        return box
