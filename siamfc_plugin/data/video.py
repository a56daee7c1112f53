"""Frame sources for `siamfc track` (a video file or an image folder) and an annotated-video writer."""
from __future__ import annotations

import os
from typing import Iterator

import cv2
import numpy as np

from .readers import list_images
from ..common.errors import FrameReadError, OutputError, UsageError
from .images import read_frame


def _folder_frames(source: str) -> list[str]:
    """The frames of an image folder, or of an OTB sequence folder (frames in img/), sorted by name."""
    files = list_images(source)
    if not files and os.path.isdir(os.path.join(source, "img")):
        files = list_images(os.path.join(source, "img"))
    if not files:
        raise FrameReadError(f"no images (.jpg/.png/.bmp) in folder {source} (nor in {source}/img)")
    return files


def iterate_frames(source: str) -> Iterator[tuple[int, np.ndarray]]:
    """(index, RGB frame) from an image folder (sorted names), an OTB sequence folder (frames in img/) or any video
    file OpenCV can open."""
    if os.path.isdir(source):
        files = _folder_frames(source)
        for index, path in enumerate(files):
            yield index, read_frame(path)
        return
    if not os.path.isfile(source):
        raise FrameReadError(f"input not found: {source}")
    capture = cv2.VideoCapture(source)
    if not capture.isOpened():
        raise FrameReadError(f"cannot open video {source}")
    index = 0
    try:
        while True:
            ok, frame = capture.read()
            if not ok:
                break
            yield index, cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)
            index += 1
    finally:
        capture.release()
    if index == 0:
        raise FrameReadError(f"video {source} has no readable frames")


def frame_count(source: str) -> int | None:
    """How many frames iterate_frames(source) will give: exact for an image folder, the container's own count for a
    video file (None where it has none)."""
    if os.path.isdir(source):
        return len(_folder_frames(source))
    capture = cv2.VideoCapture(source)
    try:
        count = int(capture.get(cv2.CAP_PROP_FRAME_COUNT)) if capture.isOpened() else 0
    finally:
        capture.release()
    return count if count > 0 else None


def check_frame_source(source: str) -> None:
    """FrameReadError, before any tracking, unless `source` is a folder of frames of one size or a file that is not
    text (FFmpeg decodes a text file as a few frames of noise, and boxes of frames of another size would stay in
    the first frame's coordinates)."""
    if os.path.isdir(source):
        files = _folder_frames(source)
        from PIL import Image

        first = None
        for path in files:
            try:
                with Image.open(path) as image:
                    size = image.size
            except OSError as exc:
                raise FrameReadError(f"cannot read frame {path} ({exc})") from None
            if first is None:
                first = (path, size)
            elif size != first[1]:
                raise FrameReadError(
                    f"frames of different sizes in {source}: {os.path.basename(path)} is {size[0]}x{size[1]}, "
                    f"{os.path.basename(first[0])} {first[1][0]}x{first[1][1]} (the boxes would stay in the first "
                    "frame's coordinates): resize the frames to one size")
        return
    if not os.path.exists(source):
        raise FrameReadError(f"input not found: {source}")
    if not os.path.isfile(source):
        raise FrameReadError(f"input {source} is neither a video file nor a folder of frames")
    with open(source, "rb") as handle:
        head = handle.read(4096)
    if not head:
        raise FrameReadError(f"input {source} is empty (0 bytes)")
    if b"\0" not in head:
        try:
            head.decode("utf-8")
            is_text = True
        except UnicodeDecodeError as exc:
            is_text = exc.start >= len(head) - 4  # a character cut at the end of the chunk
        if is_text:
            raise FrameReadError(f"input {source} is a text file, not a video: give a video file or a folder of "
                                 "frames (and the first box with --box)")


VIDEO_CODECS = {".mp4": "mp4v", ".avi": "MJPG"}


def check_video_path(path: str) -> None:
    """ValueError unless an annotated video can be written at `path` (a known extension, an existing folder)."""
    extension = os.path.splitext(path)[1].lower()
    if extension not in VIDEO_CODECS:
        raise UsageError(f"--video {path}: write .mp4 or .avi (OpenCV has no {extension or 'extension-less'} writer)")
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise UsageError(f"--video {path}: folder {folder} does not exist")


def _banner(image: np.ndarray, text: str) -> None:
    """`text` in white on a dark band at the top left, scaled with the frame's height (readable on any
    background, at any resolution)."""
    scale = max(0.45, image.shape[0] / 720 * 0.7)
    thickness = max(1, int(round(scale * 1.5)))
    (width, height), baseline = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, scale, thickness)
    pad = max(3, height // 3)
    band = image[: height + baseline + 2 * pad, : width + 2 * pad]
    band[:] = (band * 0.35).astype(image.dtype)  # darkened, not hidden
    cv2.putText(image, text, (pad, pad + height), cv2.FONT_HERSHEY_SIMPLEX, scale, (255, 255, 255), thickness,
                cv2.LINE_AA)


class AnnotatedVideo:
    def __init__(self, path: str, shape: tuple[int, ...], fps: float) -> None:
        check_video_path(path)
        fourcc = cv2.VideoWriter_fourcc(*VIDEO_CODECS[os.path.splitext(path)[1].lower()])
        self.writer = cv2.VideoWriter(path, fourcc, fps, (shape[1], shape[0]))
        if not self.writer.isOpened():
            raise OutputError(f"cannot write video {path} (OpenCV could not open a writer for it)")

    def write(self, frame: np.ndarray, box, confidence: float, index: int) -> None:
        """The frame with the box (green) and, at the top left, "frame N" (1-based: line N of the boxes file) and
        "confidence 0.87" (the tracker's confidence in this box, 0-1: SiamFC's is the sigmoid of its score-map
        peak; README, "One example per user")."""
        image = cv2.cvtColor(frame, cv2.COLOR_RGB2BGR)
        x, y, w, h = (int(round(v)) for v in box)
        cv2.rectangle(image, (x, y), (x + w, y + h), (0, 255, 0), 2)
        _banner(image, f"frame {index + 1}  confidence {confidence:.2f}")
        self.writer.write(image)

    def close(self) -> None:
        self.writer.release()


def annotate_writer(path: str, shape: tuple[int, ...], fps: float) -> AnnotatedVideo:
    return AnnotatedVideo(path, shape, fps)
