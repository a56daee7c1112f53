"""ONNX export of the SiamFC branches and onnxruntime scoring backends (fp32 and static int8).

The graphs are written directly with onnx.helper from the BatchNorm-folded embedding (no tracing, so the export does
not depend on torch's ONNX exporter of the day). Two graphs, both taking the tracker's crops as they are, uint8 NHWC
(the transpose and the cast to float are in the graph):

- exemplar: `exemplar` (1, s, s, 3) uint8 -> `features` (1, C, h, w), and for the default 'fused' head also
            `kernel` (h*w, C4, k, k), `kernel_bias` (h*w,) and `shift` (1, h*w, h, w)
- search:   `search` (N, S, S, 3) uint8 + the exemplar graph's outputs -> `scores` (N, 1, R, R) float32
            = SCORE_SCALE * xcorr(phi(search), phi(exemplar)) + bias

Head 'fused' (default): phi ends with a linear conv5, so conv5 and the cross-correlation fold into one conv whose
h*w output channels are conv5's weights contracted with the exemplar features (computed once per target by the
exemplar graph), followed by a one-hot 'shift' conv that adds the shifted planes: 3.5x fewer multiply-adds than conv5
for the slim net and no GEMV-shaped correlation. Head 'conv': the plain conv2d(phi(x), z) with z as a runtime weight.

The int8 backend quantises the search graph statically (onnxruntime QDQ, per-channel int8 weights, uint8
activations, MinMax ranges) on search crops: the crops the fp32 tracker itself takes on calibration sequences (the
synthetic benchmark by default), or crops derived from a curated training set (`siamfc curate`'s folder: the
tracker's geometry on real training crops). The int8-real backend takes the activation scales calibrated on such real
crops and shipped for the shipped weights (INT8_SCALES, written by `siamfc bench --calibrate --record`), so that
it needs no dataset. The head stays fp32; the exemplar branch (run once per target) stays fp32. Before quantisation the search graph is
laid out for onnxruntime's int8 kernels (INT8_LAYOUT: conv1 on the space-to-depth input, thin grouped convs dense).
"""
from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from typing import Iterable

import numpy as np
import torch
from torch import nn

from ..core.network import SCORE_SCALE, SiamFC, fold_batchnorm
from ..common.errors import ConfigError, InputError, InputNotFoundError

log = logging.getLogger(__name__)

OPSET = 17
CACHE_ENV = "SIAMFC_CACHE_DIR"
CALIBRATION_ENV = "SIAMFC_CALIBRATION"
DEFAULT_CACHE = os.path.join(os.path.expanduser("~"), ".cache", "siamfc-plugin", "onnx")


def _require_onnx():
    try:
        import onnx  # noqa: F401
        import onnxruntime  # noqa: F401
    except ImportError as exc:  # pragma: no cover - depends on the install
        from ..common.errors import ConfigError

        raise ConfigError("the onnx/int8 backends need onnx and onnxruntime: pip install 'siamfc-plugin[onnx]'") \
            from exc


# ---- graph construction -------------------------------------------------------------------------------------------
def _embedding_nodes(embedding: nn.Sequential, input_name: str, prefix: str, dense_groups: int = 0,
                     s2d_first: bool = False):
    """ONNX nodes and initialisers for a folded embedding (Conv2d with bias / ReLU / MaxPool2d only).

    dense_groups: write a grouped convolution with at most this many input channels per group as one dense
    convolution with block-diagonal weights (twice the multiply-adds for 2 groups, but onnxruntime's int8 kernels
    run thin grouped convolutions slowly: the slim net's conv2, 24 channels a group, is faster dense).
    s2d_first: write a stride-2 first convolution as a stride-1 one on the 2x2 space-to-depth input (faster im2col
    for onnxruntime's int8 kernels).
    """
    from onnx import helper, numpy_helper

    nodes, inits = [], []
    current = input_name
    for i, m in enumerate(embedding):
        out = f"{prefix}{i}"
        if isinstance(m, nn.Conv2d):
            if m.padding_mode != "zeros" or isinstance(m.padding, str):
                raise InputError("only explicit zero padding is exported")
            weight = m.weight.detach().cpu().float().numpy()
            groups = m.groups
            if groups > 1 and m.in_channels // groups <= dense_groups:
                weight, groups = _block_diagonal(weight, groups), 1
            if s2d_first and i == 0 and m.stride == (2, 2) and m.padding == (0, 0) and groups == 1:
                # stride-2 conv = stride-1 conv on the 2x2 space-to-depth input (kernel padded to even size)
                weight = _space_to_depth_weight(weight)
                # pad odd sides by one zero row / column at the end (it meets only the zero-padded kernel taps)
                nodes += [helper.make_node("Shape", [current], [f"{prefix}shape{i}"], start=2),
                          helper.make_node("Mod", [f"{prefix}shape{i}", f"{prefix}two"], [f"{prefix}odd{i}"]),
                          helper.make_node("Concat", [f"{prefix}zeros6", f"{prefix}odd{i}"], [f"{prefix}pads{i}"],
                                           axis=0),
                          helper.make_node("Pad", [current, f"{prefix}pads{i}"], [f"{prefix}even{i}"]),
                          helper.make_node("SpaceToDepth", [f"{prefix}even{i}"], [f"{prefix}s2d{i}"], blocksize=2)]
                inits += [numpy_helper.from_array(np.array([2, 2], dtype=np.int64), f"{prefix}two"),
                          numpy_helper.from_array(np.zeros(6, dtype=np.int64), f"{prefix}zeros6")]
                current = f"{prefix}s2d{i}"
                stride = [1, 1]
            else:
                stride = list(m.stride)
            w = numpy_helper.from_array(weight, f"{prefix}w{i}")
            inits.append(w)
            inputs = [current, w.name]
            if m.bias is not None:
                b = numpy_helper.from_array(m.bias.detach().cpu().float().numpy(), f"{prefix}b{i}")
                inits.append(b)
                inputs.append(b.name)
            ph, pw = m.padding
            nodes.append(helper.make_node("Conv", inputs, [out], name=f"{prefix}conv{i}",
                                          kernel_shape=list(weight.shape[2:]), strides=stride,
                                          dilations=list(m.dilation), pads=[ph, pw, ph, pw], group=groups))
        elif isinstance(m, nn.ReLU):
            nodes.append(helper.make_node("Relu", [current], [out], name=f"{prefix}relu{i}"))
        elif isinstance(m, nn.MaxPool2d):
            k = _pair(m.kernel_size)
            s = _pair(m.stride if m.stride is not None else m.kernel_size)
            p = _pair(m.padding)
            if _pair(m.dilation) != (1, 1):
                raise InputError("dilated max-pooling is not exported")
            nodes.append(helper.make_node("MaxPool", [current], [out], name=f"{prefix}pool{i}", kernel_shape=list(k),
                                          strides=list(s), pads=[p[0], p[1], p[0], p[1]],
                                          ceil_mode=int(m.ceil_mode)))
        else:
            raise InputError(f"cannot export layer {type(m).__name__} (fold BatchNorm first)")
        current = out
    return nodes, inits, current


def _block_diagonal(weight: np.ndarray, groups: int) -> np.ndarray:
    """(C_out, C_in/g, kh, kw) grouped weights -> (C_out, C_in, kh, kw) dense weights, zero across groups."""
    c_out, c_in_g = weight.shape[:2]
    per = c_out // groups
    dense = np.zeros((c_out, c_in_g * groups) + weight.shape[2:], dtype=weight.dtype)
    for g in range(groups):
        dense[g * per:(g + 1) * per, g * c_in_g:(g + 1) * c_in_g] = weight[g * per:(g + 1) * per]
    return dense


def _space_to_depth_weight(weight: np.ndarray) -> np.ndarray:
    """(O, C, k, k) stride-2 weights -> (O, 4C, ceil(k/2), ceil(k/2)) stride-1 weights on SpaceToDepth(2) input
    (DCR order: channel (dy * 2 + dx) * C + c holds pixel (2y + dy, 2x + dx) of channel c)."""
    o, c, kh, kw = weight.shape
    ph, pw = kh + kh % 2, kw + kw % 2
    padded = np.zeros((o, c, ph, pw), dtype=weight.dtype)
    padded[:, :, :kh, :kw] = weight
    # (o, c, ky, dy, kx, dx) -> (o, dy, dx, c, ky, kx)
    blocks = padded.reshape(o, c, ph // 2, 2, pw // 2, 2).transpose(0, 3, 5, 1, 2, 4)
    return np.ascontiguousarray(blocks.reshape(o, 4 * c, ph // 2, pw // 2))


def _pair(v) -> tuple[int, int]:
    return (int(v), int(v)) if isinstance(v, int) else (int(v[0]), int(v[1]))


def _input_nodes(name: str, prefix: str):
    """uint8 NHWC -> float32 NCHW: transpose the bytes first (4x less memory to move), then cast."""
    from onnx import TensorProto, helper

    return [helper.make_node("Transpose", [name], [f"{prefix}nchw_u8"], perm=[0, 3, 1, 2], name=f"{prefix}transpose"),
            helper.make_node("Cast", [f"{prefix}nchw_u8"], [f"{prefix}nchw"], to=TensorProto.FLOAT,
                             name=f"{prefix}cast")], f"{prefix}nchw"


def _model(graph, metadata: dict):
    from onnx import helper

    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                              producer_name="siamfc-plugin")
    model.ir_version = min(model.ir_version, 8)
    for key, value in metadata.items():
        entry = model.metadata_props.add()
        entry.key, entry.value = key, str(value)
    import onnx

    onnx.checker.check_model(model)
    return model


HEADS = ("fused", "conv")


def _split_head(embedding: nn.Sequential) -> tuple[nn.Sequential, nn.Conv2d]:
    layers = list(embedding)
    last = layers[-1]
    if not isinstance(last, nn.Conv2d) or last.bias is None or last.stride != (1, 1) or last.padding != (0, 0):
        raise InputError("the fused head needs an embedding that ends with a bare stride-1 unpadded conv with bias")
    return nn.Sequential(*layers[:-1]), last


def exemplar_graph(embedding: nn.Sequential, metadata: dict | None = None, head: str = "fused"):
    """The exemplar branch: uint8 NHWC crop (1, s, s, 3) -> features (1, C, h, w) and, for the fused head, the
    per-target kernel of the search branch's last layer (see search_graph)."""
    from onnx import TensorProto, helper, numpy_helper

    if head not in HEADS:
        raise ConfigError(f"unknown head {head!r}; choose one of {list(HEADS)}")
    pre, x = _input_nodes("exemplar", "z_")
    nodes, inits, out = _embedding_nodes(embedding, x, "z_")
    nodes[-1].output[0] = "features"
    outputs = [helper.make_tensor_value_info("features", TensorProto.FLOAT, [1, "c", "h", "w"])]
    if head == "fused":
        _, conv5 = _split_head(embedding)
        groups, c_out = conv5.groups, conv5.out_channels
        per = c_out // groups
        weight = conv5.weight.detach().cpu().float().numpy()  # (C, Cin/g, kh, kw)
        kh, kw = weight.shape[2:]
        inits += [numpy_helper.from_array(np.array([c_out, -1], dtype=np.int64), "k_zshape"),
                  numpy_helper.from_array(conv5.bias.detach().cpu().float().numpy(), "k_b5"),
                  numpy_helper.from_array(np.array([1], dtype=np.int64), "k_one"),
                  numpy_helper.from_array(np.array([-1, weight.shape[1], kh, kw], dtype=np.int64), "k_kshape")]
        # zz (hw, C): the exemplar features, one row per exemplar position
        k_nodes = [helper.make_node("Reshape", ["features", "k_zshape"], ["k_zc"]),
                   helper.make_node("Transpose", ["k_zc"], ["k_zz"], perm=[1, 0])]
        parts = []
        for g in range(groups):
            w_g = numpy_helper.from_array(weight[g * per:(g + 1) * per].reshape(per, -1), f"k_w5_{g}")
            inits += [w_g, numpy_helper.from_array(np.array([g * per], dtype=np.int64), f"k_s{g}"),
                      numpy_helper.from_array(np.array([(g + 1) * per], dtype=np.int64), f"k_e{g}")]
            k_nodes += [helper.make_node("Slice", ["k_zz", f"k_s{g}", f"k_e{g}", "k_one"], [f"k_zz{g}"]),
                        helper.make_node("MatMul", [f"k_zz{g}", w_g.name], [f"k_m{g}"]),
                        helper.make_node("Reshape", [f"k_m{g}", "k_kshape"], [f"k_part{g}"])]
            parts.append(f"k_part{g}")
        k_nodes.append(helper.make_node("Concat", parts, ["kernel"], axis=1) if groups > 1
                       else helper.make_node("Identity", parts, ["kernel"]))
        k_nodes.append(helper.make_node("MatMul", ["k_zz", "k_b5"], ["kernel_bias"]))
        # shift (1, hw, h, w): one-hot, so that conv(y, shift) sums y[p] shifted by exemplar position p
        k_nodes += [helper.make_node("Shape", ["features"], ["k_hw2"], start=2),
                    helper.make_node("ReduceProd", ["k_hw2"], ["k_hw"], keepdims=1),
                    helper.make_node("Concat", ["k_hw", "k_hw"], ["k_sq"], axis=0),
                    helper.make_node("ConstantOfShape", ["k_sq"], ["k_zeros"],
                                     value=helper.make_tensor("v", TensorProto.FLOAT, [1], [0.0])),
                    helper.make_node("EyeLike", ["k_zeros"], ["k_eye"]),
                    helper.make_node("Concat", ["k_one", "k_hw", "k_hw2"], ["k_eshape"], axis=0),
                    helper.make_node("Reshape", ["k_eye", "k_eshape"], ["shift"])]
        nodes += k_nodes
        c_in = weight.shape[1] * groups
        outputs += [helper.make_tensor_value_info("kernel", TensorProto.FLOAT, ["hw", c_in, kh, kw]),
                    helper.make_tensor_value_info("kernel_bias", TensorProto.FLOAT, ["hw"]),
                    helper.make_tensor_value_info("shift", TensorProto.FLOAT, [1, "hw", "h", "w"])]
    graph = helper.make_graph(
        pre + nodes, "siamfc_exemplar",
        [helper.make_tensor_value_info("exemplar", TensorProto.UINT8, [1, "height", "width", 3])], outputs, inits)
    return _model(graph, {"branch": "exemplar", "head": head, **(metadata or {})})


def search_graph(embedding: nn.Sequential, bias: float, score_scale: float = SCORE_SCALE,
                 metadata: dict | None = None, head: str = "fused", dense_groups: int = 0,
                 s2d_first: bool = False):
    """The search branch with the head: uint8 NHWC crops + the exemplar graph's outputs -> scores (N, 1, R, R).

    head 'conv': scores = conv2d(phi(x), z), z the exemplar features (input `z`): a convolution whose weight is only
    known at run time, a GEMV per image for onnxruntime (slow: im2col of C*h*w rows for one output channel).
    head 'fused' (default): phi's last layer is linear, so conv2d(conv5(u), z) = sum over exemplar positions p of
    (conv5 weights contracted with z[:, p]) applied to u, shifted by p. The exemplar graph computes that kernel
    (h*w output channels instead of C: 3.5x fewer multiply-adds than conv5 for the slim net, 128 -> 36) and the
    search graph runs conv(u, kernel) then a one-hot `shift` conv that adds the h*w shifted planes. Same maths,
    float sums in another order.
    """
    from onnx import TensorProto, helper, numpy_helper

    if head not in HEADS:
        raise ConfigError(f"unknown head {head!r}; choose one of {list(HEADS)}")
    pre, x = _input_nodes("search", "x_")
    body = _split_head(embedding)[0] if head == "fused" else embedding
    nodes, inits, feat = _embedding_nodes(body, x, "x_", dense_groups, s2d_first)
    inits += [numpy_helper.from_array(np.array(score_scale, dtype=np.float32), "score_scale"),
              numpy_helper.from_array(np.array(bias, dtype=np.float32), "score_bias")]
    if head == "fused":
        head_nodes = [helper.make_node("Conv", [feat, "kernel", "kernel_bias"], ["y"], name="fused5"),
                      helper.make_node("Conv", ["y", "shift"], ["xcorr"], name="xcorr")]
        extra = [helper.make_tensor_value_info("kernel", TensorProto.FLOAT, ["hw", "cin", "kh", "kw"]),
                 helper.make_tensor_value_info("kernel_bias", TensorProto.FLOAT, ["hw"]),
                 helper.make_tensor_value_info("shift", TensorProto.FLOAT, [1, "hw", "h", "w"])]
    else:
        head_nodes = [helper.make_node("Conv", [feat, "z"], ["xcorr"], name="xcorr")]
        extra = [helper.make_tensor_value_info("z", TensorProto.FLOAT, [1, "c", "h", "w"])]
    head_nodes += [helper.make_node("Mul", ["xcorr", "score_scale"], ["scaled"], name="scale"),
                   helper.make_node("Add", ["scaled", "score_bias"], ["scores"], name="bias")]
    graph = helper.make_graph(
        pre + nodes + head_nodes, "siamfc_search",
        [helper.make_tensor_value_info("search", TensorProto.UINT8, ["n", "height", "width", 3])] + extra,
        [helper.make_tensor_value_info("scores", TensorProto.FLOAT, ["n", 1, "r", "r"])], inits)
    return _model(graph, {"branch": "search", "head": head, **(metadata or {})})


HEAD_NODES = ("fused5", "xcorr", "scale", "bias")


def export_onnx(model: SiamFC, path: str, int8: bool = False, calibration: str | None = None,
                calibration_crops: int = 96, head: str = "fused") -> list[str]:
    """Write the search branch to `path` and the exemplar branch beside it (<stem>-exemplar.onnx); returns both.

    int8=True writes the statically quantised search branch (calibrated on `calibration`: a dataset root or sequence
    folder, default the synthetic benchmark) and the fp32 exemplar branch.
    """
    _require_onnx()
    from ..common.atomic import write_with

    if int8:
        backend = int8_backend(model, calibration=calibration, calibration_crops=calibration_crops, head=head)
    else:
        backend = OnnxBackend.from_model(model, head=head)
    stem = path[:-5] if path.endswith(".onnx") else path
    exemplar_path = f"{stem}-exemplar.onnx"
    write_with(path, lambda tmp: _save(backend.search_model, tmp))
    write_with(exemplar_path, lambda tmp: _save(backend.exemplar_model, tmp))
    return [path, exemplar_path]


def _save(model, path: str) -> None:
    import onnx

    onnx.save(model, path)


def _metadata(model: SiamFC) -> dict:
    return {"arch": model.arch, "score_scale": SCORE_SCALE, "bias": float(model.bias.detach()),
            "weights_sha1": weights_digest(model)}


def weights_digest(model: SiamFC) -> str:
    h = hashlib.sha1()
    for key, value in sorted(model.state_dict().items()):
        h.update(key.encode())
        h.update(value.detach().cpu().contiguous().numpy().tobytes())
    return h.hexdigest()


# ---- calibration --------------------------------------------------------------------------------------------------
class _Recorder:
    """A scoring backend wrapper that keeps a copy of every batch of search crops it scores."""

    def __init__(self, backend) -> None:
        self.backend = backend
        self.crops: list[np.ndarray] = []

    def embed_exemplar(self, exemplar):
        return self.backend.embed_exemplar(exemplar)

    def score(self, features, search):
        self.crops.append(search.copy())
        return self.backend.score(features, search)


CALIBRATION_FRAMES = 40  # per sequence of a calibration folder


def _calibration_sequences(source: str | None) -> Iterable[tuple[list, np.ndarray]]:
    """(frames, boxes) pairs: from a dataset root / sequence folder, else the synthetic benchmark (in memory)."""
    from ..data.readers import read_otb_sequence, read_sequences
    from ..data.images import read_frame

    if source is None:
        from ..data.synthetic import SyntheticConfig, make_sequence

        cfg = SyntheticConfig(frames=24)
        for index in range(4):
            frames, boxes = make_sequence(np.random.default_rng([cfg.seed, index]), cfg)
            yield frames, boxes
        return
    if not os.path.isdir(source):
        raise InputNotFoundError(f"calibration data not found: {source}")
    if os.path.isdir(os.path.join(source, "img")):
        sequences = read_otb_sequence(source)
    else:
        sequences = read_sequences(source)
    for seq in sequences:
        n = min(len(seq), CALIBRATION_FRAMES)
        yield [read_frame(f) for f in seq.frames[:n]], seq.boxes[:n]


CURATION_SUMMARY = "curation.json"  # marks a curated training set (`siamfc curate`)


def is_curated(source: str | None) -> bool:
    return bool(source) and os.path.isfile(os.path.join(source, CURATION_SUMMARY))


def curated_search_crops(model: SiamFC, folder: str, count: int = 96, preset_name: str = "siamfc-3s",
                         seed: int = 0) -> np.ndarray:
    """Search crops at the tracker's geometry derived from a curated training set (`siamfc curate`: GOT-10k layout,
    every frame a (search_size + 2 margin) px crop centred on its target, the target's search region search_size px
    across): tracks evenly spaced over the set's list; per track the fp32 tracker takes its exemplar on one frame
    (init on the target's box) and its search crops, at every scale, on another frame of the track (the same frame
    for a still image) with its centre off the target by up to half the margin (the target's motion between
    frames). Frames and offsets are drawn per track from (seed, track index): the same crops on every machine."""
    import json

    from ..core.config import preset
    from ..core.tracker import SiamFCTracker
    from ..data.images import read_frame
    from ..data.readers import read_got10k_sequence

    with open(os.path.join(folder, CURATION_SUMMARY)) as handle:
        margin = float(json.load(handle).get("crop", {}).get("margin", 0))
    with open(os.path.join(folder, "list.txt")) as handle:
        names = [line.strip() for line in handle if line.strip()]
    config = preset(preset_name)
    wanted = -(-count // config.scale_num)
    recorder = _Recorder(OnnxBackend.from_model(model))
    tracker = SiamFCTracker(recorder, config, model.geometry)
    for index in np.unique(np.linspace(0, len(names) - 1, min(wanted, len(names))).round().astype(int)):
        seq = read_got10k_sequence(os.path.join(folder, names[index]))
        visible = np.flatnonzero(np.all(np.isfinite(seq.boxes), axis=1) & (seq.boxes[:, 2:] > 0).all(axis=1))
        if not len(visible):
            continue
        rng = np.random.default_rng([seed, int(index)])
        i, j = (int(visible[k]) for k in rng.integers(len(visible), size=2))
        tracker.init(read_frame(seq.frames[i]), seq.boxes[i])
        x, y, w, h = seq.boxes[j]
        tracker.center = np.array([x + w / 2, y + h / 2]) - rng.uniform(-margin / 2, margin / 2, size=2)
        tracker.update(read_frame(seq.frames[j]))
    if not recorder.crops:
        raise InputError(f"no calibration crops from {folder!r}")
    return np.concatenate(recorder.crops)[:count]


def calibration_search_crops(model: SiamFC, source: str | None = None, count: int = 96,
                             preset_name: str = "siamfc-3s") -> np.ndarray:
    """Search crops (all scales) for the int8 calibration: taken by the fp32 tracker on the calibration sequences,
    evenly sampled, or derived from a curated training set (curated_search_crops)."""
    from ..core.config import preset
    from ..core.tracker import SiamFCTracker

    if is_curated(source):
        return curated_search_crops(model, source, count, preset_name)
    recorder = _Recorder(OnnxBackend.from_model(model))
    tracker = SiamFCTracker(recorder, preset(preset_name), model.geometry)
    for frames, boxes in _calibration_sequences(source):
        if not np.all(np.isfinite(boxes[0])):
            continue
        tracker.init(frames[0], boxes[0])
        for frame in frames[1:]:
            tracker.update(frame)
    if not recorder.crops:
        raise InputError(f"no calibration crops from {source!r}")
    crops = np.concatenate(recorder.crops)
    pick = np.unique(np.linspace(0, len(crops) - 1, min(count, len(crops))).round().astype(int))
    return crops[pick]


CALIBRATION_METHODS = ("minmax", "percentile", "entropy")


def quantize_search(search_model, crops: np.ndarray, feeds: dict, batch: int = 3, exclude: tuple = (),
                    method: str = "minmax", percentile: float = 99.999, scales: dict | None = None):
    """Statically quantised copy of the search graph: QDQ, per-channel int8 weights, uint8 activations, MinMax
    ranges over `crops`; the head (and the nodes in `exclude`) stay fp32. `feeds`: the exemplar graph's outputs
    for one target (the head is not quantised, so which target does not matter). scales: {activation tensor:
    [scale, zero point]} (activation_scales() of an earlier quantisation) taken instead of the ranges over `crops`:
    the same graph as that quantisation's, whatever `crops` are."""
    import onnx
    from onnxruntime.quantization import CalibrationDataReader, CalibrationMethod, QuantFormat, QuantType, \
        quantize_static
    from onnxruntime.quantization.shape_inference import quant_pre_process

    class Reader(CalibrationDataReader):
        def __init__(self) -> None:
            self.items = iter([{"search": crops[i:i + batch], **feeds} for i in range(0, len(crops), batch)])

        def get_next(self):
            return next(self.items, None)

    if method not in CALIBRATION_METHODS:
        raise ConfigError(f"unknown calibration method {method!r}; choose one of {list(CALIBRATION_METHODS)}")
    extra = {"CalibPercentile": percentile} if method == "percentile" else {}
    if scales:
        extra["TensorQuantOverrides"] = {name: [{"scale": np.array(scale, dtype=np.float32),
                                                 "zero_point": np.array(zero, dtype=np.uint8)}]
                                         for name, (scale, zero) in scales.items()}
    methods = {"minmax": CalibrationMethod.MinMax, "percentile": CalibrationMethod.Percentile,
               "entropy": CalibrationMethod.Entropy}
    with tempfile.TemporaryDirectory(prefix="siamfc-quant-") as tmp:
        src, pre, dst = (os.path.join(tmp, n) for n in ("search.onnx", "pre.onnx", "int8.onnx"))
        onnx.save(search_model, src)
        quant_pre_process(src, pre, skip_symbolic_shape=True)
        names = {n.name for n in onnx.load(pre).graph.node}
        excluded = [n for n in (*HEAD_NODES, *exclude) if n in names]
        quantize_static(pre, dst, Reader(), quant_format=QuantFormat.QDQ, activation_type=QuantType.QUInt8,
                        weight_type=QuantType.QInt8, per_channel=True,
                        calibrate_method=methods[method],
                        nodes_to_exclude=excluded, extra_options=extra)
        quantized = onnx.load(dst)
    entry = quantized.metadata_props.add()
    entry.key, entry.value = "quantization", (f"int8 QDQ per-channel weights, uint8 activations, "
                                              + ("given activation scales" if scales else
                                                 f"{method} on {len(crops)} search crops")
                                              + f"; fp32: {', '.join(excluded)}")
    return quantized


def activation_scales(quantized) -> dict[str, list]:
    """{activation tensor: [scale, zero point]} of a QDQ graph's activation quantisers (its weights' are computed
    from the weights themselves): with the weights, all that a calibration decides."""
    from onnx import numpy_helper

    inits = {i.name: numpy_helper.to_array(i) for i in quantized.graph.initializer}
    return {node.input[0]: [float(inits[node.input[1]]), int(inits[node.input[2]])]
            for node in quantized.graph.node
            if node.op_type == "QuantizeLinear" and node.input[0] not in inits}


# activation scales calibrated on real crops (the curated training set) for shipped weights, beside the fidelity record
# that judges them: {weights sha1: {"source", "crops", "scales": {tensor: [scale, zero point]}}}
INT8_SCALES = "int8_scales.json"


def shipped_int8_scales(weights_sha1: str) -> dict | None:
    import json
    from importlib import resources

    path = resources.files("siamfc_plugin") / "backends" / INT8_SCALES
    return json.loads(path.read_text()).get(weights_sha1) if path.is_file() else None


# ---- backends -----------------------------------------------------------------------------------------------------
def session_options(threads: int | None = None):
    import onnxruntime as ort

    so = ort.SessionOptions()
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    so.inter_op_num_threads = 1
    if threads:
        so.intra_op_num_threads = int(threads)
    # no spin-waiting between calls: a spinning worker takes the core the tracker's crops and post-processing run on
    # next (2 cores, slim int8, Crossing, load ~7.6: crop 10.3 -> 5.5 ms, network 53 -> 47 ms, 15.3 -> 18.5 fps)
    so.add_session_config_entry("session.intra_op.allow_spinning", "0")
    so.log_severity_level = 3
    return so


class OnnxBackend:
    """onnxruntime on CPU: the exemplar and search graphs (fp32, or the int8 search graph).

    The exemplar features are a dict of the exemplar graph's outputs that the search graph takes as inputs.
    """

    def __init__(self, exemplar_model, search_model, threads: int | None = None, name: str = "onnx") -> None:
        _require_onnx()
        import onnx
        import onnxruntime as ort

        self.exemplar_model = exemplar_model if not isinstance(exemplar_model, bytes) else onnx.load_from_string(
            exemplar_model)
        self.search_model = search_model if not isinstance(search_model, bytes) else onnx.load_from_string(
            search_model)
        so = session_options(threads)
        providers = ["CPUExecutionProvider"]
        self.name = name
        self.exemplar_session = ort.InferenceSession(self.exemplar_model.SerializeToString(), so, providers=providers)
        self.search_session = ort.InferenceSession(self.search_model.SerializeToString(), so, providers=providers)
        search_inputs = {i.name for i in self.search_session.get_inputs()} - {"search"}
        # exemplar output -> search input ('features' feeds the plain head's 'z')
        self._feed = {o.name: ("z" if o.name == "features" else o.name) for o in self.exemplar_session.get_outputs()}
        self._feed = {k: v for k, v in self._feed.items() if v in search_inputs}
        missing = search_inputs - set(self._feed.values())
        if missing:
            raise ValueError(f"the exemplar graph does not give the search graph's inputs {sorted(missing)}")

    @classmethod
    def from_model(cls, model: SiamFC, threads: int | None = None, head: str = "fused") -> "OnnxBackend":
        _require_onnx()
        folded = fold_batchnorm(model.embedding)
        meta = _metadata(model)
        return cls(exemplar_graph(folded, meta, head),
                   search_graph(folded, float(model.bias.detach()), SCORE_SCALE, meta, head), threads, "onnx")

    @classmethod
    def from_files(cls, search_path: str, exemplar_path: str | None = None,
                   threads: int | None = None) -> "OnnxBackend":
        import onnx

        if exemplar_path is None:
            exemplar_path = (search_path[:-5] if search_path.endswith(".onnx") else search_path) + "-exemplar.onnx"
        return cls(onnx.load(exemplar_path), onnx.load(search_path), threads, "onnx-file")

    def embed_exemplar(self, exemplar: np.ndarray) -> dict:
        outputs = list(self._feed)
        values = self.exemplar_session.run(outputs, {"exemplar": np.ascontiguousarray(exemplar)})
        return {self._feed[name]: value for name, value in zip(outputs, values)}

    def score(self, exemplar_features: dict, search: np.ndarray) -> np.ndarray:
        out = self.search_session.run(["scores"], {"search": np.ascontiguousarray(search), **exemplar_features})
        return out[0][:, 0]


# how the int8 search graph is laid out before quantisation (measured on this project's CPU, see docs/performance.md):
# the slim net's thin grouped conv2 as a dense conv, and conv1 on the space-to-depth input
INT8_LAYOUT = {"dense_groups": 32, "s2d_first": True}


CALIBRATION_PRESET = "siamfc-3s"  # the tracker settings whose search crops calibrate the int8 graph
QUANTISATION_VERSION = "v4"  # bump when quantize_search or calibration_search_crops change what they produce


def calibration_digest(source: str | None) -> str:
    """A digest of the calibration data itself: the synthetic sequences' pixels and boxes (so a change of the
    generator shows), or every frame file's path, size and modification time plus the boxes of a dataset folder."""
    h = hashlib.sha1()
    if source is None:
        for frames, boxes in _calibration_sequences(None):
            for frame in frames:
                h.update(np.ascontiguousarray(frame).tobytes())
            h.update(np.asarray(boxes, dtype=np.float64).tobytes())
        return h.hexdigest()
    from ..data.readers import read_otb_sequence, read_sequences

    if not os.path.isdir(source):
        raise InputNotFoundError(f"calibration data not found: {source}")
    if is_curated(source):  # a finished curation does not change: its summary and its list of tracks name it
        for name in (CURATION_SUMMARY, "list.txt"):
            with open(os.path.join(source, name), "rb") as handle:
                h.update(handle.read())
        return h.hexdigest()
    sequences = read_otb_sequence(source) if os.path.isdir(os.path.join(source, "img")) else read_sequences(source)
    for seq in sequences:
        n = min(len(seq), CALIBRATION_FRAMES)
        for frame in seq.frames[:n]:
            stat = os.stat(frame)
            h.update(f"{os.path.relpath(frame, source)}|{stat.st_size}|{stat.st_mtime_ns}".encode())
        h.update(np.asarray(seq.boxes[:n], dtype=np.float64).tobytes())
    return h.hexdigest()


def int8_cache_key(source_graph, source: str | None, calibration_crops: int, exclude: tuple, method: str,
                   scales: dict | None = None) -> str:
    """Everything that changes the quantised graph: the fp32 graph it starts from (weights, bias, head, layout, the
    graph code), the calibration data and how its crops are taken (or the given activation scales), the quantiser's
    settings and versions."""
    import json

    import cv2
    import onnx
    import onnxruntime

    h = hashlib.sha1(source_graph.SerializeToString())
    data = (hashlib.sha1(json.dumps(scales, sort_keys=True).encode()).hexdigest() if scales
            else calibration_digest(source))
    h.update("|".join([data, str(calibration_crops), CALIBRATION_PRESET, method,
                       ",".join(sorted(exclude)), onnxruntime.__version__, onnx.__version__, cv2.__version__,
                       QUANTISATION_VERSION]).encode())
    return h.hexdigest()[:16]


def int8_backend(model: SiamFC, threads: int | None = None, calibration: str | None = None,
                 calibration_crops: int = 96, cache_dir: str | None = None, head: str = "fused",
                 exclude: tuple = (), method: str = "minmax", scales: dict | None = None,
                 name: str = "int8") -> OnnxBackend:
    """OnnxBackend with the statically quantised search graph.

    Calibration crops come from `calibration` (a dataset root, an OTB sequence folder or a curated training set),
    else $SIAMFC_CALIBRATION, else the synthetic benchmark, which the package generates (so int8 works with no dataset
    at hand). scales: activation scales to take instead of calibrating (activation_scales()). The quantised graph is
    cached on disk ($SIAMFC_CACHE_DIR, default ~/.cache/siamfc-plugin/onnx) under int8_cache_key: calibration runs
    once per model and calibration data, and again whenever anything that changes its result does.
    """
    _require_onnx()
    import onnx

    folded = fold_batchnorm(model.embedding)
    meta = _metadata(model)
    source = None if scales else (calibration or os.environ.get(CALIBRATION_ENV) or None)
    source_graph = search_graph(folded, float(model.bias.detach()), SCORE_SCALE, meta, head, **INT8_LAYOUT)
    key = int8_cache_key(source_graph, source, calibration_crops, exclude, method, scales)
    cache = cache_dir or os.environ.get(CACHE_ENV) or DEFAULT_CACHE
    path = os.path.join(cache, f"search-int8-{model.arch}-{key}.onnx")
    fp32 = OnnxBackend.from_model(model, threads, head)
    search = None
    if os.path.isfile(path):
        try:
            search = onnx.load(path)
        except Exception:  # a broken cache entry: calibrate again
            search = None
    if search is None:
        if scales:  # the scales decide every activation's quantiser: any crops feed the quantiser's calibrator
            crops = np.random.default_rng(0).integers(0, 256, (3,) + (model.geometry.instance_size,) * 2 + (3,),
                                                      dtype=np.uint8)
        else:
            log.info("calibrating the int8 search branch on %s",
                     os.path.abspath(source) if source else "synthetic data")
            crops = calibration_search_crops(model, source, calibration_crops, CALIBRATION_PRESET)
        middle = crops[len(crops) // 2]
        z = model.geometry.exemplar_size
        off = (middle.shape[0] - z) // 2
        feeds = fp32.embed_exemplar(np.ascontiguousarray(middle[None, off:off + z, off:off + z]))
        search = quantize_search(source_graph, crops, feeds, exclude=exclude, method=method, scales=scales)
        try:
            from ..common.atomic import write_with

            write_with(path, lambda tmp: _save(search, tmp))
        except OSError as exc:  # a read-only home: work without the cache
            log.warning("cannot cache the int8 model: %s", exc)
    return OnnxBackend(fp32.exemplar_model, search, threads, name)


def int8_real_backend(model: SiamFC, threads: int | None = None, crops_folder: str | None = None,
                      calibration_crops: int = 96, cache_dir: str | None = None, head: str = "fused") -> OnnxBackend:
    """int8 calibrated on real crops: on the curated training set `crops_folder` (curated_search_crops) when given,
    else with the activation scales shipped for these weights (INT8_SCALES: calibrated on such a set when the
    fidelity record judged them). Its `calibration` attribute says which: {"source", "crops", "scales"}."""
    from ..common.errors import ConfigError

    if crops_folder:
        if not is_curated(crops_folder):
            raise ConfigError(f"int8-real calibrates on a curated training set (a folder with {CURATION_SUMMARY}, "
                              f"from `siamfc curate`): {crops_folder} is none")
        backend = int8_backend(model, threads, calibration=crops_folder, calibration_crops=calibration_crops,
                               cache_dir=cache_dir, head=head, name="int8-real")
        backend.calibration = {"source": os.path.basename(os.path.normpath(crops_folder)),
                               "crops": calibration_crops, "scales": activation_scales(backend.search_model)}
        return backend
    shipped = shipped_int8_scales(weights_digest(model))
    if not shipped:
        raise ConfigError("int8-real: no activation scales calibrated on real crops are shipped for these weights; "
                          "give a curated training set (`calibration` option; `siamfc bench --real-crops DIR`)")
    backend = int8_backend(model, threads, cache_dir=cache_dir, head=head, scales=shipped["scales"],
                           name="int8-real")
    backend.calibration = shipped
    return backend
