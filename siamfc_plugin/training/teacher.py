"""A stronger tracker as a teacher, at training time only: NanoTrack v2 (HonglinChu/SiamTrackers, Apache-2.0).

Two uses, each a switch that is off by default (off = the paper's recipe):
- soft targets (`[teacher]` of a training config): the teacher's classification map for each training pair, on the
  very 127/255 crops the pair sampler cut, resampled onto SiamFC's response grid and mixed with the paper's radius
  labels by `weight`;
- pseudo-labels (`[teacher]` of a curation config): boxes for the unannotated frames of a video, tracked by the
  teacher from the nearest annotated frames and kept only where two tracks agree (docs/training.md).

The teacher is the two ONNX graphs of the snapshot (backbone and head), read from a folder outside the repository
(never committed, never shipped); their SHA-256 are checked. The tracker below follows the snapshot's NanoTracker
(nanotrack/tracker/nano_tracker.py, base_tracker.py) with configv2.yaml's hyper-parameters: BGR input as raw 0-255
floats, pysot's integer-aligned crops padded with the frame's mean colour, a 16x16 anchor-free map at stride 16 whose
point k sits 16k - 128 search-crop pixels from the crop centre, 2-way softmax scores, exp'ed l,t,r,b distances, the
scale/aspect penalty, a Hanning window and the size learning rate.
"""
from __future__ import annotations

import hashlib
import math
import os
from dataclasses import dataclass
from typing import Any, Callable, Sequence as Seq

import cv2
import numpy as np

from ..common.errors import ConfigError
from ..core.metrics import iou
from ..data.images import read_frame
from ..data.readers import Sequence

SNAPSHOT = "HonglinChu/SiamTrackers@248663fde6bf"  # commit 248663fde6bf7c40190cf10ee396d5662919ecd3
LICENCE = "Apache-2.0 (NanoTrack/LICENSE of the snapshot)"
# file name in the teacher folder: (path in the snapshot, SHA-256)
FILES = {
    "backbone": ("NanoTrack/models/nanotrackv2/nanotrack_backbone_sim.onnx",
                 "530bdd0cd00f19afab79a863e71ba71e3312395a5dc9151af675082bdaaa2fc4"),
    "head": ("NanoTrack/models/nanotrackv2/nanotrack_head_sim.onnx",
             "0d8c0637be849f092cc7236cae02e55c8b9455ebe37ba50601d6115db4247cd9"),
}
EXTRACT = ("extract them from the snapshot: for f in nanotrack_backbone_sim.onnx nanotrack_head_sim.onnx; do "
           "git --git-dir=<SiamTrackers clone>/.git show 248663fde6bf:NanoTrack/models/nanotrackv2/$f > FOLDER/$f; "
           "done (docs/training.md, 'A teacher')")


@dataclass(frozen=True)
class NanoTrackParams:
    """configv2.yaml's TRACK and POINT sections (and config.py's OUTPUT_SIZE)."""

    exemplar_size: int = 127
    instance_size: int = 255
    context: float = 0.5  # CONTEXT_AMOUNT
    stride: int = 16  # POINT.STRIDE
    score_size: int = 16  # TRACK.OUTPUT_SIZE
    window_influence: float = 0.490
    penalty_k: float = 0.150
    lr: float = 0.385
    min_side: float = 10.0  # _bbox_clip's smallest width and height

    def point_offsets(self) -> np.ndarray:
        """Search-crop pixels of each map column (row) from the crop centre: -128, -112, ..., 112."""
        return (np.arange(self.score_size) - self.score_size // 2) * float(self.stride)


def teacher_files(folder: str) -> dict[str, str]:
    """{'backbone': path, 'head': path} of a teacher folder, each checked against the snapshot's SHA-256."""
    expanded = os.path.expandvars(folder or "")
    if not expanded or "$" in expanded:
        raise ConfigError(f"teacher folder {folder!r} is unset; {EXTRACT}")
    paths = {}
    for role, (snapshot_path, digest) in FILES.items():
        path = os.path.join(expanded, os.path.basename(snapshot_path))
        if not os.path.isfile(path):
            raise ConfigError(f"teacher: no {path}; {EXTRACT}")
        with open(path, "rb") as handle:
            actual = hashlib.sha256(handle.read()).hexdigest()
        if actual != digest:
            raise ConfigError(f"teacher: {path} is not the {SNAPSHOT} file (SHA-256 {actual[:12]}..., expected "
                              f"{digest[:12]}...)")
        paths[role] = path
    return paths


def _any_batch(model, spatial: bool):
    """The graph with a free batch dimension (and free height and width where `spatial`): the snapshot's files are
    exported for one 255-pixel search crop. Reshapes whose target shape starts with 1 (the batch) copy the input's
    batch instead (ONNX Reshape: 0 = keep that dimension)."""
    from onnx import numpy_helper

    graph = model.graph
    for index, value in enumerate(list(graph.input) + list(graph.output)):
        dims = value.type.tensor_type.shape.dim
        dims[0].dim_param = "batch"
        if spatial:
            dims[2].dim_param, dims[3].dim_param = f"height{index}", f"width{index}"
    del graph.value_info[:]  # the exported intermediate shapes hold the fixed sizes
    shape_inputs = {node.input[1] for node in graph.node if node.op_type == "Reshape"}

    def batch_free(array: np.ndarray) -> np.ndarray | None:
        if array.ndim != 1 or not len(array) or array[0] != 1:
            return None
        array = array.copy()
        array[0] = 0
        return array

    for tensor in graph.initializer:
        if tensor.name in shape_inputs and (fixed := batch_free(numpy_helper.to_array(tensor))) is not None:
            tensor.CopyFrom(numpy_helper.from_array(fixed, tensor.name))
    for node in graph.node:
        if node.op_type == "Constant" and node.output[0] in shape_inputs:
            value = node.attribute[0].t
            if (fixed := batch_free(numpy_helper.to_array(value))) is not None:
                value.CopyFrom(numpy_helper.from_array(fixed, value.name))
    return model


class NanoTrackNet:
    """The two graphs on onnxruntime (CPU): features of crops of any size and batch, and the head's maps."""

    def __init__(self, folder: str, threads: int | None = None) -> None:
        try:
            import onnx
            import onnxruntime as ort
        except ImportError as exc:
            raise ConfigError("the teacher needs onnx and onnxruntime (pip install 'siamfc-plugin[onnx]')") from exc
        from ..backends.onnx_backend import session_options

        paths = teacher_files(folder)
        options = session_options(threads)
        providers = ["CPUExecutionProvider"]
        self.backbone = ort.InferenceSession(_any_batch(onnx.load(paths["backbone"]), True).SerializeToString(),
                                             options, providers=providers)
        self.head = ort.InferenceSession(_any_batch(onnx.load(paths["head"]), False).SerializeToString(), options,
                                         providers=providers)

    def features(self, crops_rgb: np.ndarray) -> np.ndarray:
        """N x 3 x S x S uint8 RGB crops -> backbone features (the teacher was trained on BGR 0-255 floats)."""
        bgr = np.ascontiguousarray(crops_rgb[:, ::-1], dtype=np.float32)
        return self.backbone.run(None, {"input": bgr})[0]

    def maps(self, exemplar_features: np.ndarray, search_features: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(foreground probability N x 16 x 16: softmax of the two class logits, distances N x 4 x 16 x 16:
        left, top, right, bottom in search-crop pixels)."""
        logits, distances = self.head.run(None, {"input1": exemplar_features, "input2": search_features})
        foreground = 1.0 / (1.0 + np.exp(logits[:, 0] - logits[:, 1]))  # 2-way softmax, class 1
        return foreground.astype(np.float32), distances

    def pair_maps(self, exemplars_rgb: np.ndarray, searches_rgb: np.ndarray, chunk: int = 4) -> np.ndarray:
        """Foreground probability maps of N (exemplar, search) crop pairs, `chunk` pairs per call: CPU time per pair
        grows with the batch (one thread, Xeon 2.5 GHz: 2.2, 2.4 and 2.8 ms a pair for 1, 4 and 16 pairs a call;
        the large activations leave the cache)."""
        return np.concatenate([self.maps(self.features(exemplars_rgb[i:i + chunk]),
                                         self.features(searches_rgb[i:i + chunk]))[0]
                               for i in range(0, len(exemplars_rgb), chunk)])


# ---- the tracker ------------------------------------------------------------------------------------------------
def window_crop(image: np.ndarray, center_index: np.ndarray, side: int, out_size: int, fill: np.ndarray) -> np.ndarray:
    """pysot's search window: `side` whole pixels starting at floor(centre - (side + 1) / 2 + 0.5) (0-based pixel
    index coordinates), pixels outside the frame set to `fill` (cast to uint8, as numpy casts on assignment),
    resized to out_size x out_size (cv2 bilinear) unless already that size."""
    side = max(int(side), 1)
    left = int(math.floor(center_index[0] - (side + 1) / 2 + 0.5))
    top = int(math.floor(center_index[1] - (side + 1) / 2 + 0.5))
    height, width = image.shape[:2]
    x0, y0 = min(max(left, 0), width), min(max(top, 0), height)
    x1, y1 = max(min(left + side, width), x0), max(min(top + side, height), y0)
    value = [int(v) for v in np.asarray(fill, dtype=np.float64).astype(np.uint8)]
    if x1 > x0 and y1 > y0:
        patch = cv2.copyMakeBorder(image[y0:y1, x0:x1], y0 - top, top + side - y1, x0 - left, left + side - x1,
                                   cv2.BORDER_CONSTANT, value=value)
    else:  # the window lies wholly outside the frame
        patch = np.empty((side, side, image.shape[2]), dtype=np.uint8)
        patch[...] = value
    if side != out_size:
        patch = cv2.resize(patch, (out_size, out_size))
    return patch


class NanoTrackTracker:
    """NanoTrack v2's tracker on full frames: init(image, box), update(image) -> x,y,w,h, and .confidence.

    Frames are RGB (read_frame); boxes x,y,w,h as the sequence gives them. State follows the snapshot: the centre
    in 0-based pixel-index coordinates (x + (w - 1) / 2), the reported box (cx - w / 2, cy - h / 2, w, h)."""

    def __init__(self, net: NanoTrackNet, params: NanoTrackParams = NanoTrackParams()) -> None:
        self.net, self.params = net, params
        hanning = np.hanning(params.score_size)
        self.window = np.outer(hanning, hanning).ravel()
        offsets = params.point_offsets()
        self.points_x = np.tile(offsets, params.score_size)  # row-major over the map: x varies fastest
        self.points_y = np.repeat(offsets, params.score_size)
        self.confidence = 1.0
        self.center = None

    def _context_side(self) -> float:
        pad = self.params.context * float(np.sum(self.size))
        return math.sqrt((self.size[0] + pad) * (self.size[1] + pad))

    def init(self, image: np.ndarray, box) -> None:
        x, y, w, h = (float(v) for v in box)
        self.center = np.array([x + (w - 1) / 2, y + (h - 1) / 2])
        self.size = np.array([w, h])
        self.mean = np.mean(image, axis=(0, 1))
        exemplar = window_crop(image, self.center, round(self._context_side()), self.params.exemplar_size, self.mean)
        self.exemplar_features = self.net.features(exemplar.transpose(2, 0, 1)[None])
        self.confidence = 1.0

    def update(self, image: np.ndarray) -> np.ndarray:
        p = self.params
        side = self._context_side()
        scale = p.exemplar_size / side
        search = window_crop(image, self.center, round(side * p.instance_size / p.exemplar_size), p.instance_size,
                             self.mean)
        score, distances = self.net.maps(self.exemplar_features, self.net.features(search.transpose(2, 0, 1)[None]))
        score = score[0].ravel().astype(np.float64)
        left, top, right, bottom = (d.ravel().astype(np.float64) for d in distances[0])
        x0, y0 = self.points_x - left, self.points_y - top
        x1, y1 = self.points_x + right, self.points_y + bottom
        cx, cy, w, h = (x0 + x1) / 2, (y0 + y1) / 2, x1 - x0, y1 - y0

        def change(ratio):
            return np.maximum(ratio, 1.0 / ratio)

        def padded(width, height):
            pad = (width + height) * 0.5
            return np.sqrt((width + pad) * (height + pad))

        scale_change = change(padded(w, h) / padded(self.size[0] * scale, self.size[1] * scale))
        aspect_change = change((self.size[0] / self.size[1]) / (w / h))
        penalty = np.exp(-(aspect_change * scale_change - 1) * p.penalty_k)
        penalised = penalty * score * (1 - p.window_influence) + self.window * p.window_influence
        best = int(np.argmax(penalised))
        rate = penalty[best] * score[best] * p.lr
        new_cx = cx[best] / scale + self.center[0]
        new_cy = cy[best] / scale + self.center[1]
        new_w = self.size[0] * (1 - rate) + w[best] / scale * rate
        new_h = self.size[1] * (1 - rate) + h[best] / scale * rate
        height, width = image.shape[:2]
        new_cx, new_cy = min(max(new_cx, 0.0), width), min(max(new_cy, 0.0), height)
        new_w, new_h = min(max(new_w, p.min_side), width), min(max(new_h, p.min_side), height)
        self.center = np.array([new_cx, new_cy])
        self.size = np.array([new_w, new_h])
        self.confidence = float(score[best])
        return np.array([new_cx - new_w / 2, new_cy - new_h / 2, new_w, new_h])


# ---- soft targets -----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class TeacherSpec:
    """`[teacher]` of a training config. weight 0: the paper's labels, the teacher is never loaded."""

    weight: float = 0.0  # share of the teacher's map in the target: (1 - weight) * paper + weight * teacher
    folder: str = "$SIAMFC_TEACHER"  # holds the snapshot's two ONNX files ($VARS expand)

    def __post_init__(self) -> None:
        if not 0.0 <= self.weight <= 1.0:
            raise ConfigError(f"teacher: weight must be in [0, 1], got {self.weight}")


def resampling_matrix(offsets: np.ndarray, params: NanoTrackParams = NanoTrackParams()) -> np.ndarray:
    """len(offsets) x score_size bilinear weights: the teacher's map at `offsets` (search-crop pixels from the crop
    centre, SiamFC's response cells) by their image position, clamped to the map's outer points."""
    position = np.clip(np.asarray(offsets, float) / params.stride + params.score_size // 2, 0,
                       params.score_size - 1)
    lower = np.minimum(np.floor(position).astype(int), params.score_size - 2)
    fraction = position - lower
    matrix = np.zeros((len(position), params.score_size))
    matrix[np.arange(len(position)), lower] = 1 - fraction
    matrix[np.arange(len(position)), lower + 1] += fraction
    return matrix


def on_response_grid(teacher_maps: np.ndarray, response_offsets: np.ndarray,
                     params: NanoTrackParams = NanoTrackParams()) -> np.ndarray:
    """N x 16 x 16 teacher maps -> N x R x R, sampled at SiamFC's response cells (rows: y, columns: x)."""
    matrix = resampling_matrix(response_offsets, params)
    return np.einsum("ry,nyx,cx->nrc", matrix, teacher_maps, matrix).astype(np.float32)


def mix_labels(labels, teacher_probability, weight: float):
    """The target in the loss's label space [-1, 1]: (1 - weight) * the paper's +-1 labels + weight * (2p - 1).
    weight 0 returns `labels` itself (the paper's recipe, untouched)."""
    if weight == 0:
        return labels
    return (1.0 - weight) * labels + weight * (2.0 * teacher_probability - 1.0)


class TeacherCollate:
    """The loader's collate_fn when soft targets are on: stacks a batch, then replaces its labels by the mix of the
    paper's labels and the teacher's maps for the batch's own crops, in one batched teacher call. It runs where the
    batch is assembled (a loader worker, or the trainer's process with workers = 0), with as many onnxruntime threads
    as torch has there (1 in a worker: trainer._single_threaded). Picklable: the sessions start on first use."""

    def __init__(self, spec: TeacherSpec, response_offsets: Seq[float]) -> None:
        self.spec = spec
        self.response_offsets = np.asarray(response_offsets, dtype=np.float64)
        self.net: NanoTrackNet | None = None

    def __getstate__(self) -> dict[str, Any]:
        return {"spec": self.spec, "response_offsets": self.response_offsets, "net": None}

    def __call__(self, items):
        import torch
        from torch.utils.data import default_collate

        exemplar, search, labels, weights, *rest = default_collate(items)
        if self.net is None:
            self.net = NanoTrackNet(self.spec.folder, threads=torch.get_num_threads())
        maps = self.net.pair_maps(exemplar.numpy(), search.numpy())
        teacher = torch.from_numpy(on_response_grid(maps, self.response_offsets))[:, None]
        return (exemplar, search, mix_labels(labels, teacher, self.spec.weight), weights, *rest)


# ---- pseudo-labels ----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class PseudoLabelSpec:
    """`[teacher]` of a curation config: the sources whose unannotated frames the teacher labels, when on (the
    switch `pseudo_labels`, or `siamfc curate --pseudo-labels`)."""

    pseudo_labels: bool = False
    sources: tuple[str, ...] = ()
    folder: str = "$SIAMFC_TEACHER"
    min_iou: float = 0.7  # two tracks must agree this well for a frame to be kept

    def __post_init__(self) -> None:
        object.__setattr__(self, "sources", tuple(self.sources))
        if not 0.0 < self.min_iou <= 1.0:
            raise ConfigError(f"teacher: min_iou must be in (0, 1], got {self.min_iou}")

    def record(self) -> dict[str, Any]:
        """What curation.json says about the pseudo-labels (a folder curated with other settings is not reused)."""
        return {"teacher": f"NanoTrack v2, {SNAPSHOT} ({LICENCE})", "sources": list(self.sources),
                "min_iou": self.min_iou}


def unannotated_runs(annotated: np.ndarray) -> list[tuple[int, int]]:
    """(first, last) frame index of each maximal run of unannotated frames."""
    runs, start = [], None
    for index, flag in enumerate(list(annotated) + [True]):
        if not flag and start is None:
            start = index
        elif flag and start is not None:
            runs.append((start, index - 1))
            start = None
    return runs


def agreeing(first: np.ndarray, second: np.ndarray, min_iou: float) -> np.ndarray:
    """Per frame: the two tracks' boxes overlap by IoU >= min_iou."""
    return iou(first, second) >= min_iou


def contiguous_from_start(flags: np.ndarray) -> np.ndarray:
    """flags, but only the leading run of True: a track that disagreed once is not trusted past that frame."""
    return np.cumprod(np.asarray(flags, dtype=bool)).astype(bool)


TrackFn = Callable[[int, np.ndarray, list[int]], np.ndarray]  # (start frame, its box, frames after it) -> boxes


def label_run(first: int, last: int, boxes: np.ndarray, annotated: np.ndarray, track: TrackFn,
              min_iou: float) -> tuple[np.ndarray, np.ndarray]:
    """Boxes and a kept flag for frames first..last (all unannotated).

    Between two annotated frames: one track forward from the frame before, one backward from the frame after; a
    frame is kept where they agree, with the box of the track from the nearer annotated frame.
    At an end of the video (one annotated neighbour): a track outward from it to the end, and a track back from the
    outward track's last box to the annotated frame; a frame is kept where the two agree without a break from the
    annotated frame on, and only when the back track returns to the annotation (IoU >= min_iou). When it does not,
    the same check is made on the nearer half of the run, and so on."""
    n = len(annotated)
    frames = list(range(first, last + 1))
    before = first - 1 if first > 0 else None
    after = last + 1 if last < n - 1 else None
    if before is None and after is None:
        return np.full((len(frames), 4), np.nan), np.zeros(len(frames), bool)
    if before is not None and after is not None:
        forward = track(before, boxes[before], frames)
        backward = track(after, boxes[after], frames[::-1])[::-1]
        nearer_before = np.array([f - before <= after - f for f in frames])
        chosen = np.where(nearer_before[:, None], forward, backward)
        return chosen, agreeing(forward, backward, min_iou)
    anchor = before if before is not None else after
    outward_frames = frames if before is not None else frames[::-1]  # ordered away from the annotated frame
    outward = track(anchor, boxes[anchor], outward_frames)
    kept = np.zeros(len(outward_frames), bool)
    length = len(outward_frames)
    while length:
        # back from the outward box of frame `length - 1` over the frames before it, to the annotated frame
        back = track(outward_frames[length - 1], outward[length - 1], outward_frames[:length - 1][::-1] + [anchor])
        if iou(back[-1], boxes[anchor])[0] >= min_iou:
            per_frame = np.concatenate([back[:-1][::-1], outward[length - 1:length]])
            kept[:length] = contiguous_from_start(agreeing(outward[:length], per_frame, min_iou))
            break
        length //= 2
    if before is None:  # back to frame order
        return outward[::-1], kept[::-1]
    return outward, kept


def tracking(tracker, frames: Seq[str], read: Callable[[str], np.ndarray] = read_frame) -> TrackFn:
    """A TrackFn running `tracker` over the frame files (the last few decoded frames kept: the runs revisit them).
    Boxes come back in the annotations' convention (centre x + w / 2): the snapshot's tracker reports its centre in
    0-based pixel-index coordinates, half a pixel up and left of that."""
    import functools

    decode = functools.lru_cache(maxsize=8)(read)

    def run(start: int, box: np.ndarray, indices: list[int]) -> np.ndarray:
        tracker.init(decode(frames[start]), box)
        out = np.array([tracker.update(decode(frames[i])) for i in indices], dtype=np.float64).reshape(-1, 4)
        out[:, :2] += 0.5
        return out

    return run


def pseudo_label_track(track: Sequence, track_fn: TrackFn, min_iou: float) -> tuple[Sequence, dict[str, int]]:
    """The track with boxes for its unannotated frames where the teacher's tracks agree (label_run), and counts:
    unannotated frames, kept, dropped. A track without any annotated frame is returned as it is."""
    annotated = np.asarray(track.visible, dtype=bool)
    boxes = np.array(track.boxes, dtype=np.float64)
    visible = annotated.copy()
    counts = {"unannotated": int((~annotated).sum()), "kept": 0, "dropped": 0}
    if annotated.any():
        for first, last in unannotated_runs(annotated):
            run_boxes, kept = label_run(first, last, boxes, annotated, track_fn, min_iou)
            boxes[first:last + 1][kept] = run_boxes[kept]
            visible[first:last + 1] = kept
    counts["kept"] = int(visible.sum() - annotated.sum())
    counts["dropped"] = counts["unannotated"] - counts["kept"]
    labelled = Sequence(track.name, list(track.frames), boxes, visible=visible, object_class=track.object_class,
                        group=track.group)
    return labelled, counts
