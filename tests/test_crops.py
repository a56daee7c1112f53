"""Crops: exact geometry and mean-colour padding, boxes partly outside the frame."""
import math

import numpy as np
import pytest

from siamfc_plugin.core.crops import context_side, crop, mean_colour


def test_context_side_is_the_paper_formula():
    w, h = 40.0, 20.0
    p = (w + h) / 4
    assert context_side(w, h) == pytest.approx(math.sqrt((w + 2 * p) * (h + 2 * p)))


def test_identity_crop_returns_the_pixels():
    image = np.arange(20 * 20 * 3, dtype=np.uint8).reshape(20, 20, 3)
    out = crop(image, center=(10.0, 10.0), side=10, out_size=10, fill=(0, 0, 0))
    np.testing.assert_array_equal(out, image[5:15, 5:15])


def test_scaled_crop_geometry():
    # a 2x down-scaling crop of a horizontal ramp: pixel u samples frame x = 2u + 0.5 + offset
    ramp = np.tile(np.arange(100, dtype=np.float32)[None, :, None], (100, 1, 3))
    out = crop(ramp, center=(50.0, 50.0), side=40, out_size=20, fill=(0, 0, 0))
    expected = 30 + 2 * np.arange(20) + 0.5  # continuous coords 30..70, sampled at output pixel centres
    np.testing.assert_allclose(out[10, :, 0], expected, atol=1e-3)


def test_outside_pixels_get_the_mean_colour():
    image = np.zeros((40, 40, 3), dtype=np.uint8)
    image[:, :, 0] = 200
    image[:, :, 1] = 100
    fill = mean_colour(image)
    assert fill[:3] == pytest.approx((200, 100, 0))
    # box in the top-left corner, partly outside the frame: the left/top quarter of the crop is outside
    out = crop(image, center=(0.0, 0.0), side=20, out_size=20, fill=(7, 8, 9))
    np.testing.assert_array_equal(out[:10, :10], np.broadcast_to([7, 8, 9], (10, 10, 3)))
    np.testing.assert_array_equal(out[12:, 12:], np.broadcast_to([200, 100, 0], (8, 8, 3)))


def test_crop_wholly_outside_is_all_fill():
    image = np.full((30, 30, 3), 50, dtype=np.uint8)
    out = crop(image, center=(-100.0, -100.0), side=20, out_size=16, fill=(1, 2, 3))
    assert (out == [1, 2, 3]).all()
