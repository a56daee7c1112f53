"""The SiamFC network: an AlexNet-style embedding phi and the cross-correlation head f(z, x) = phi(z) * phi(x) + b.

Two embeddings, both from the paper, both fully convolutional with no padding and a total stride of 8:
- `alexnet-slim`: Table 1 of the arXiv version, 48/128/192/192/128 channels, conv2 in two groups.
- `alexnet`: the final (ECCV workshop) version, 96/256/384/384/256 channels, conv2, conv4 and conv5 in two groups.
Exemplar 127 -> 6x6, search 255 -> 22x22, score map 17x17 (core/geometry.py; check_geometry says whether a
geometry fits the net).
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .architectures import (ARCHITECTURES, KERNELS, POOL_KERNEL, POOL_STRIDE, STRIDES,  # noqa: F401 (re-exported)
                            ArchSpec, arch_spec, check_geometry, feature_side, total_stride)
from .geometry import Geometry


# The reference code scales the raw correlation so that the logistic loss starts in its useful range.
SCORE_SCALE = 1e-3


class BatchNorm2dFP32(nn.BatchNorm2d):
    """BatchNorm that normalises in fp32 even under bf16/fp16 autocast: batch statistics of a half-precision input
    lose the digits that training needs. Same parameters and state-dict keys as nn.BatchNorm2d.

    Under autocast it hands its output back in the input's dtype. The next convolution would round it to that dtype
    anyway, and ReLU and max-pooling commute with the rounding (it is monotonic), so the forward pass gives the same
    numbers, while ReLU, pooling and their backward move half the bytes (bf16 training on a 2-core EPYC: 1.2x the
    pairs/s)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if torch.is_autocast_enabled(x.device.type):
            with torch.autocast(x.device.type, enabled=False):
                return super().forward(x.float()).to(x.dtype)
        return super().forward(x)


class AlexNetEmbedding(nn.Sequential):
    """phi: conv-BN-ReLU x4 (max-pool after the first two), then a bare conv5 (no BN, no ReLU)."""

    def __init__(self, arch: str = "alexnet-slim") -> None:
        spec = arch_spec(arch)
        layers: list[nn.Module] = []
        in_ch = 3
        for i, (out_ch, k, s, g) in enumerate(zip(spec.channels, KERNELS, STRIDES, spec.groups)):
            last = i == len(KERNELS) - 1
            layers.append(nn.Conv2d(in_ch, out_ch, k, stride=s, groups=g, bias=last))
            if not last:
                layers += [BatchNorm2dFP32(out_ch, eps=1e-6, momentum=0.05), nn.ReLU(inplace=True)]
            if i < 2:
                layers.append(nn.MaxPool2d(POOL_KERNEL, stride=POOL_STRIDE))
            in_ch = out_ch
        super().__init__(*layers)
        self.arch = arch
        self.out_channels = spec.channels[-1]


def cross_correlate(z: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """Correlate exemplar features z (Nz, C, h, w) with search features x (Nx, C, H, W); Nx must be k * Nz.

    Search image i is scored against exemplar i // k, so one exemplar can be scored at several scales and several
    exemplars (pairs in training, sequences in batched evaluation) at once. Returns (Nx, 1, H-h+1, W-w+1).
    """
    nz, nx = z.shape[0], x.shape[0]
    if nx % nz:
        raise ValueError(f"{nx} search images cannot be split evenly over {nz} exemplars")
    if nz == 1:  # the tracking case: one plain convolution, no grouping
        return F.conv2d(x, z)
    k = nx // nz
    out = F.conv2d(_stack_for_groups(x, nz, k), z, groups=nz)
    # out: (k, nz, h', w') with out[j, i] = search image i*k + j against exemplar i
    return out.transpose(0, 1).reshape(nx, 1, out.shape[-2], out.shape[-1])


def _stack_for_groups(x: torch.Tensor, nz: int, k: int) -> torch.Tensor:
    # (nz*k, C, H, W) -> (k, nz*C, H, W): batch j holds the j-th search image of every exemplar as channel groups.
    c, h, w = x.shape[1:]
    return x.reshape(nz, k, c, h, w).transpose(0, 1).reshape(k, nz * c, h, w)


class SiamFC(nn.Module):
    """f(z, x) = SCORE_SCALE * (phi(z) * phi(x)) + b, run at one geometry (crop and score-map sizes)."""

    def __init__(self, arch: str = "alexnet-slim", geometry: Geometry | None = None) -> None:
        super().__init__()
        self.arch = arch
        self.geometry = check_geometry(geometry or Geometry())
        self.embedding = AlexNetEmbedding(arch)
        self.bias = nn.Parameter(torch.zeros(1))

    def forward(self, z: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        return self.score(self.embedding(z), self.embedding(x))

    def score(self, z_feat: torch.Tensor, x_feat: torch.Tensor) -> torch.Tensor:
        return cross_correlate(z_feat, x_feat) * SCORE_SCALE + self.bias

    def initialise(self) -> None:
        """He (Kaiming) init for convs followed by ReLU, Xavier for the last conv; BN to identity."""
        for m in self.embedding.modules():
            if isinstance(m, nn.Conv2d):
                if m.bias is not None:  # conv5: no ReLU after it
                    nn.init.xavier_uniform_(m.weight)
                    nn.init.zeros_(m.bias)
                else:
                    nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)
        nn.init.zeros_(self.bias)


def fold_batchnorm(embedding: nn.Sequential) -> nn.Sequential:
    """Inference copy of an embedding with every BatchNorm folded into the conv before it (same outputs)."""
    layers: list[nn.Module] = []
    modules = list(embedding)
    i = 0
    while i < len(modules):
        m = modules[i]
        if isinstance(m, nn.Conv2d) and i + 1 < len(modules) and isinstance(modules[i + 1], nn.BatchNorm2d):
            bn = modules[i + 1]
            fused = nn.Conv2d(m.in_channels, m.out_channels, m.kernel_size, m.stride, m.padding,
                              groups=m.groups, bias=True)
            with torch.no_grad():
                std = torch.sqrt(bn.running_var + bn.eps)
                gamma = bn.weight / std
                fused.weight.copy_(m.weight * gamma.reshape(-1, 1, 1, 1))
                conv_bias = m.bias if m.bias is not None else torch.zeros_like(bn.running_mean)
                fused.bias.copy_((conv_bias - bn.running_mean) * gamma + bn.bias)
            layers.append(fused)
            i += 2
        else:
            layers.append(m)
            i += 1
    folded = nn.Sequential(*layers).eval()
    for p in folded.parameters():
        p.requires_grad_(False)
    return folded
