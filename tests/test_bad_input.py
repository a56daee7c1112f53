"""Bad input to the tracker core and the got10k adapter: a clear exception naming the input, or the defined
behaviour documented in docs/bad-input.md. Property-based tests cover geometry and the tracker step."""
import warnings

import cv2
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from siamfc_plugin.backends.build import build_tracker
from siamfc_plugin.core.crops import context_side, crop
from siamfc_plugin.common.errors import FrameReadError, InvalidBoxError, InvalidImageError, TrackerStateError
from siamfc_plugin.toolkits.got10k.adapter import Got10kTracker
from siamfc_plugin.data.images import read_frame, to_rgb_uint8
from siamfc_plugin.core.tracker import validate_box


@pytest.fixture(scope="module")
def tracker(random_checkpoint):
    return build_tracker(random_checkpoint, threads=1).tracker


@pytest.fixture
def frame():
    rng = np.random.default_rng(0)
    return rng.integers(0, 256, (120, 160, 3), dtype=np.uint8)


def assert_sane(box, shape):
    assert box.shape == (4,) and np.all(np.isfinite(box))
    assert box[2] > 0 and box[3] > 0
    cx, cy = box[0] + box[2] / 2, box[1] + box[3] / 2
    assert 0 <= cx <= shape[1] and 0 <= cy <= shape[0]


@pytest.mark.parametrize("box, match", [
    ([10, 10, 0, 20], "no area"),
    ([10, 10, 20, -3], "no area"),
    ([np.nan, 10, 20, 20], "NaN or infinite"),
    ([10, 10, np.inf, 20], "NaN or infinite"),
    ([500, 10, 20, 20], "wholly outside"),
    ([-50, -50, 20, 20], "wholly outside"),
    ([1, 2, 3], "4 values"),
    ("abc", "4 numbers|4 values"),
])
def test_bad_boxes_raise_clear_errors(tracker, frame, box, match):
    with pytest.raises(InvalidBoxError, match=match):
        tracker.init(frame, box)


@pytest.mark.parametrize("box", [
    [-10, -10, 40, 40],  # partly outside
    [150, 110, 30, 30],  # partly outside, bottom right
    [60, 60, 1, 2],  # a 1-2 px target: size clamped up to min_target_px
    [-20, -20, 400, 300],  # larger than the frame
])
def test_awkward_boxes_are_tracked(tracker, frame, box):
    tracker.init(frame, box)
    for _ in range(3):
        assert_sane(tracker.update(frame), frame.shape)
    assert tracker.target_size.min() >= tracker.config.min_target_px


@pytest.mark.parametrize("make", [
    lambda f: cv2.cvtColor(f, cv2.COLOR_RGB2GRAY),  # gray HxW
    lambda f: cv2.cvtColor(f, cv2.COLOR_RGB2GRAY)[:, :, None],  # HxWx1
    lambda f: np.dstack([f, np.full(f.shape[:2], 255, np.uint8)]),  # RGBA
    lambda f: f.astype(np.uint16) * 257,  # 16-bit
    lambda f: f.astype(np.float32) / 255.0,  # float in [0, 1]
    lambda f: f.astype(np.float64),  # float in [0, 255]
], ids=["gray", "gray1", "rgba", "uint16", "float01", "float255"])
def test_frame_types_give_the_same_boxes(tracker, frame, make):
    reference = to_rgb_uint8(make(frame))
    tracker.init(reference, [50, 40, 30, 30])
    expected = tracker.update(reference)
    tracker.init(make(frame), [50, 40, 30, 30])
    np.testing.assert_allclose(tracker.update(make(frame)), expected)


def test_uint16_and_float_conversion_values():
    np.testing.assert_array_equal(to_rgb_uint8(np.full((2, 2), 65535, np.uint16)), np.full((2, 2, 3), 255))
    np.testing.assert_array_equal(to_rgb_uint8(np.full((2, 2, 3), 0.5, np.float32)), np.full((2, 2, 3), 128))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no numpy warning from NaN pixels
        out = to_rgb_uint8(np.array([[[np.nan, np.inf, 1.0]]]))
    np.testing.assert_array_equal(out, [[[0, 0, 255]]])


@pytest.mark.parametrize("bad", [np.zeros((0, 5, 3), np.uint8), np.zeros((4, 4, 2), np.uint8),
                                 np.zeros((2, 2, 2, 3), np.uint8), np.zeros((3, 3, 3), np.complex64)],
                         ids=["empty", "2ch", "4d", "complex"])
def test_unusable_images_raise(tracker, bad):
    with pytest.raises(InvalidImageError):
        tracker.init(bad, [0, 0, 1, 1])


def test_one_pixel_frame_and_changing_frame_size(tracker, frame):
    tiny = np.full((1, 1, 3), 100, np.uint8)
    tracker.init(tiny, [0, 0, 1, 1])
    assert_sane(tracker.update(tiny), tiny.shape)
    tracker.init(frame, [100, 80, 40, 30])
    small = cv2.resize(frame, (60, 40))  # the next frame is smaller: the centre is kept inside it
    assert_sane(tracker.update(small), small.shape)
    big = cv2.resize(frame, (640, 480))
    assert_sane(tracker.update(big), big.shape)


def test_update_before_init(random_checkpoint, frame):
    fresh = build_tracker(random_checkpoint).tracker
    with pytest.raises(TrackerStateError, match="before init"):
        fresh.update(frame)


def test_missing_and_corrupt_frames(tmp_path, random_checkpoint, frame):
    with pytest.raises(FrameReadError, match="not found"):
        read_frame(tmp_path / "missing.jpg")
    corrupt = tmp_path / "corrupt.jpg"
    corrupt.write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    with pytest.raises(FrameReadError, match="cannot be decoded"):
        read_frame(corrupt)
    good = tmp_path / "0001.png"
    cv2.imwrite(str(good), frame)
    adapter = Got10kTracker(build_tracker(random_checkpoint).tracker)
    with pytest.raises(FrameReadError, match="corrupt.jpg"):
        adapter.track([str(good), str(corrupt)], [10, 10, 20, 20])


def test_16bit_png_file(tmp_path):
    path = tmp_path / "deep.png"
    cv2.imwrite(str(path), np.full((8, 8, 3), 40000, np.uint16))
    image = read_frame(path)
    assert image.dtype == np.uint8 and image.shape == (8, 8, 3) and int(image[0, 0, 0]) == round(40000 / 257)


boxes = st.tuples(st.floats(-300, 500), st.floats(-300, 400), st.floats(0.5, 600), st.floats(0.5, 500))
shapes = st.tuples(st.integers(1, 300), st.integers(1, 300))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(box=boxes, shape=shapes, next_shape=shapes)
def test_tracker_step_never_fails_on_valid_boxes(tracker, box, shape, next_shape):
    """Any finite box that overlaps the frame initialises; every step gives a finite, positive box inside the frame,
    whatever the next frame's size."""
    rng = np.random.default_rng(abs(hash((box, shape))) % 2 ** 32)
    image = rng.integers(0, 256, (*shape, 3), dtype=np.uint8)
    try:
        validate_box(box, image.shape)
    except InvalidBoxError:
        with pytest.raises(InvalidBoxError):
            tracker.init(image, box)
        return
    tracker.init(image, box)
    following = rng.integers(0, 256, (*next_shape, 3), dtype=np.uint8)
    assert_sane(tracker.update(following), following.shape)
    assert 0.0 <= tracker.confidence <= 1.0


@settings(max_examples=60, deadline=None)
@given(cx=st.floats(-100, 200), cy=st.floats(-100, 200), side=st.floats(1, 400), out=st.integers(1, 64))
def test_crop_geometry_properties(cx, cy, side, out):
    """Crops always have the requested size; a crop wholly outside the frame is pure fill colour."""
    image = np.full((50, 80, 3), 200, np.uint8)
    patch = crop(image, (cx, cy), side, out, fill=(1, 2, 3))
    assert patch.shape == (out, out, 3)
    if cx + side / 2 < -1 or cy + side / 2 < -1 or cx - side / 2 > 81 or cy - side / 2 > 51:
        assert (patch == [1, 2, 3]).all()


@given(w=st.floats(0.1, 1e4), h=st.floats(0.1, 1e4), k=st.floats(0.1, 10))
def test_context_side_scales_linearly(w, h, k):
    assert context_side(k * w, k * h) == pytest.approx(k * context_side(w, h), rel=1e-9)
