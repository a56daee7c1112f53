"""Frames in any common form -> contiguous HxWx3 uint8 RGB, with clear errors for what cannot be used.

Defined behaviour (see docs/bad-input.md): gray and single-channel frames are replicated to 3 channels; RGBA
drops alpha; 16-bit frames are scaled by 1/257; float frames are taken as [0, 1] when their maximum is <= 1,
else as [0, 255], clipped, with NaN/inf replaced by 0. Anything else raises InvalidImageError.
"""
from __future__ import annotations

import os

import cv2
import numpy as np

from ..common.errors import FrameReadError, InvalidImageError


def to_rgb_uint8(image) -> np.ndarray:
    array = np.asarray(image)
    if array.ndim == 3 and array.shape[2] == 1:
        array = array[:, :, 0]
    if array.ndim == 2:
        array = np.repeat(array[:, :, None], 3, axis=2)
    if array.ndim != 3 or array.shape[2] not in (3, 4):
        raise InvalidImageError(f"expected an HxW, HxWx3 or HxWx4 image, got shape {array.shape}")
    if array.shape[0] < 1 or array.shape[1] < 1:
        raise InvalidImageError(f"image has no pixels (shape {array.shape})")
    array = array[:, :, :3]
    if array.dtype == np.uint8:
        return np.ascontiguousarray(array)
    if array.dtype == np.uint16:
        return np.ascontiguousarray((array.astype(np.uint32) * 255 + 32767) // 65535).astype(np.uint8)
    if array.dtype == np.bool_:
        return np.ascontiguousarray(array.astype(np.uint8) * 255)
    if np.issubdtype(array.dtype, np.integer):
        return np.ascontiguousarray(np.clip(array, 0, 255).astype(np.uint8))
    if np.issubdtype(array.dtype, np.floating):
        values = np.nan_to_num(array.astype(np.float32), nan=0.0, posinf=0.0, neginf=0.0)
        if values.size and values.max() <= 1.0:
            values = values * 255.0
        return np.ascontiguousarray(np.clip(values + 0.5, 0, 255).astype(np.uint8))
    raise InvalidImageError(f"unsupported image dtype {array.dtype}")


def read_frame(path: str | os.PathLike) -> np.ndarray:
    """Read an image file as HxWx3 uint8 RGB; FrameReadError names a missing or undecodable file."""
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FrameReadError(f"frame file not found: {path}")
    data = np.fromfile(path, dtype=np.uint8)
    image = cv2.imdecode(data, cv2.IMREAD_UNCHANGED) if data.size else None
    if image is None:
        raise FrameReadError(f"frame file cannot be decoded (corrupt or not an image): {path}")
    if image.ndim == 3 and image.shape[2] == 3:
        image = cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
    elif image.ndim == 3 and image.shape[2] == 4:
        image = cv2.cvtColor(image, cv2.COLOR_BGRA2RGBA)
    return to_rgb_uint8(image)
