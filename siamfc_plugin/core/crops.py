"""Square crops around a target, resized, with pixels outside the frame filled by the frame's mean colour.

Coordinates are continuous: pixel (i, j) covers [j, j+1) x [i, i+1), so a box x,y,w,h has centre (x + w/2, y + h/2).
One cv2.warpAffine per crop samples straight from the frame: no padded copy of the frame is ever made.
"""
from __future__ import annotations

import math

import cv2
import numpy as np


def context_side(width: float, height: float, context: float = 0.5) -> float:
    """Side of the exemplar region: sqrt((w + 2p)(h + 2p)) with p = context * (w + h) / 2 (paper: p = (w+h)/4)."""
    pad = context * (width + height)
    return math.sqrt((width + pad) * (height + pad))


def crop_matrix(center: tuple[float, float], side: float, out_size: int) -> np.ndarray:
    """2x3 matrix mapping output pixel indices to frame pixel indices (for WARP_INVERSE_MAP)."""
    scale = side / out_size
    cx, cy = center
    # output pixel centre u + 0.5 sits at (u + 0.5 - out/2) * scale from the crop centre; frame index = coord - 0.5
    tx = cx - 0.5 + (0.5 - out_size / 2.0) * scale
    ty = cy - 0.5 + (0.5 - out_size / 2.0) * scale
    return np.array([[scale, 0.0, tx], [0.0, scale, ty]], dtype=np.float64)


def crop(image: np.ndarray, center: tuple[float, float], side: float, out_size: int,
         fill: tuple[float, float, float], out: np.ndarray | None = None) -> np.ndarray:
    """The square of `side` frame pixels centred on `center`, resized to out_size x out_size (bilinear)."""
    dst = out if out is not None else np.empty((out_size, out_size, image.shape[2]), dtype=image.dtype)
    cv2.warpAffine(image, crop_matrix(center, side, out_size), (out_size, out_size), dst=dst,
                   flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP, borderMode=cv2.BORDER_CONSTANT,
                   borderValue=tuple(float(v) for v in fill))
    return dst


def mean_colour(image: np.ndarray) -> tuple[float, float, float]:
    means = cv2.mean(image)
    return tuple(float(v) for v in means[: image.shape[2]])


def rounded_crop(image: np.ndarray, center: tuple[float, float], side: float, out_size: int,
                 fill: tuple[float, float, float], out: np.ndarray | None = None) -> np.ndarray:
    """The crop of huanglianghua/siamfc-pytorch and got-10k/siamfc (crop_mode "rounded"), in our coordinates.

    The side is rounded to whole pixels (Python's round: half to even), the top-left corner to a whole pixel index
    (numpy's round, half to even) from the 0-based pixel-index centre (our continuous centre - 0.5); pixels outside
    the frame take the mean colour (as an 8-bit value, cv2's rounding), and the side x side patch is resized to
    out_size with cv2.resize (bilinear). Same pixels as padding the frame with the mean colour and slicing it.
    """
    size = max(1, round(side))
    cx, cy = center
    top = int(np.round((cy - 0.5) - (size - 1) / 2))
    left = int(np.round((cx - 0.5) - (size - 1) / 2))
    height, width = image.shape[:2]
    channels = image.shape[2]
    value = np.clip(np.rint(np.asarray(fill[:channels], dtype=np.float64)), 0, 255).astype(image.dtype)
    patch = np.empty((size, size, channels), dtype=image.dtype)
    patch[...] = value
    y0, y1 = max(top, 0), min(top + size, height)
    x0, x1 = max(left, 0), min(left + size, width)
    if y0 < y1 and x0 < x1:
        patch[y0 - top:y1 - top, x0 - left:x1 - left] = image[y0:y1, x0:x1]
    resized = cv2.resize(patch, (out_size, out_size), interpolation=cv2.INTER_LINEAR)
    if out is None:
        return resized
    out[...] = resized
    return out
