"""Published SiamFC weights in other formats: detect, convert exactly onto our `alexnet` net, or refuse saying why.

Formats (each layout checked against its authors' public code; see docs/model.md, "Published weights"):

- `matconvnet-dagnn`: bertinetto/siamese-fc's `2016-08-17.net.mat` (and `_gray025`), a MATLAB v5 file holding a DagNN
  struct `net` whose `params` are (name, value) pairs: `conv{1..5}f` filters H x W x Cin/groups x Cout (MatConvNet
  correlates, like torch; output filters are split into groups in order, like torch), `conv{1..5}b` biases,
  `bn{1..4}m` / `bn{1..4}b` (BatchNorm gain and bias) and `bn{1..4}x` moments [C, 2] = mean and *sigma*: test-time
  vl_nnbnorm computes g (x - mean) / sigma + b, its epsilon already inside sigma (sigma = sqrt(var + eps) at training).
  The score is `adjust_f` * xcorr + `adjust_b` (a 1x1 conv). Input: RGB, 0-255, no mean subtraction.
  Parameter names may carry make_siamese's `br_` prefix.
- `siamfc-pytorch`: huanglianghua/siamfc-pytorch's `siamfc_alexnet_e50.pth`, a state_dict of
  Net(AlexNetV1(), SiamFC(0.001)): `backbone.conv{1..5}.0.{weight,bias}`, `backbone.conv{1..4}.1.*` BatchNorm with
  eps 1e-6; score 0.001 * xcorr, no bias.
- `got10k-siamfc`: got-10k/siamfc's `model.pth`, a state_dict of its SiamFC: `feature.{0,4,8,11,14}` convs (with
  biases), `feature.{1,5,9,12}` BatchNorm (eps 1e-6); score 0.001 * xcorr + 0.0.

All three are our `alexnet` (96/256/384/384/256, groups 1/2/1/2/2, no padding, stride 8). Conv biases before a
BatchNorm fold into its mean; MatConvNet's sigma becomes a BatchNorm gain g / sigma over a unit variance; a score
gain a (ours is SCORE_SCALE) becomes conv5 (weights and bias) scaled by sqrt(a / SCORE_SCALE), exact because
correlation is bilinear; a gain <= 0 cannot map that way and is refused. torrvision/siamfc-tf's
`baseline-conv5_e55.mat` (CFNet's SiamFC baseline) and CFNet nets are refused naming why.
"""
from __future__ import annotations

import hashlib
import math
import os
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from ..common.errors import CheckpointError
from .network import SCORE_SCALE, SiamFC

from .provenance import FORMATS, GOT10K_FORMAT, MAT_FORMAT, PYTORCH_FORMAT, SOURCE_PRESET, label_for  # noqa: F401

# Our alexnet's Sequential indices of conv1..conv5 and of BatchNorm 1..4 (also got-10k/siamfc's `feature` indices).
CONV_INDEX = (0, 4, 8, 11, 14)
BN_INDEX = (1, 5, 9, 12)
CHANNELS = (96, 256, 384, 384, 256)
GROUPS = (1, 2, 1, 2, 2)
IN_CHANNELS = (3, 96, 256, 384, 384)
KERNELS = (11, 5, 3, 3, 3)
OUR_BN_EPS = 1e-6

@dataclass
class Layer:
    """One conv (weight (Cout, Cin/g, k, k), bias (Cout,)) and the BatchNorm after it, if any:
    y = gamma * (x - mean) / sqrt(var + eps) + beta (MatConvNet: var = sigma^2, eps = 0)."""

    weight: np.ndarray
    bias: np.ndarray
    gamma: np.ndarray | None = None
    beta: np.ndarray | None = None
    mean: np.ndarray | None = None
    var: np.ndarray | None = None
    eps: float = 0.0


def sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def sniff(path: str) -> str:
    """'mat' (MATLAB v5), 'torch' (a torch.save zip or legacy pickle), or CheckpointError naming what the file is."""
    if not os.path.isfile(path):
        raise CheckpointError(f"weights file not found: {path}")
    with open(path, "rb") as handle:
        head = handle.read(128)
    if head.startswith(b"MATLAB 5.0 MAT-file"):
        return "mat"
    if head.startswith(b"\x89HDF"):
        raise CheckpointError(f"{path} is a MATLAB v7.3 (HDF5) .mat; the published SiamFC nets are v5 files: "
                              "re-save it in MATLAB with save(..., '-v7')")
    if head.startswith(b"PK\x03\x04") or head[:1] == b"\x80":
        return "torch"
    raise CheckpointError(f"{path} is neither a MATLAB v5 .mat nor a torch file (first bytes {head[:8]!r})")


# ---- reading --------------------------------------------------------------------------------------------------------
def read_torch(path: str) -> Any:
    import pickle

    try:  # weights_only: a file can never run code here
        return torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as exc:
        raise CheckpointError(f"{path} is a pickle of objects other than tensors, not a state_dict (refused under "
                              "weights_only: building its objects would run code from the file)") from exc
    except Exception as exc:
        raise CheckpointError(f"{path} cannot be read as a state_dict (truncated or corrupt; "
                              f"{type(exc).__name__})") from exc


def torch_layers(state: Any, path: str) -> tuple[str, list[Layer], float, float]:
    """(format, layers, score gain, score bias) of a siamfc-pytorch or got-10k/siamfc state_dict."""
    if not isinstance(state, dict) or not state or not all(isinstance(k, str) for k in state):
        raise CheckpointError(f"{path} is not a state_dict (a torch file holding {type(state).__name__})")
    if not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise CheckpointError(f"{path} is a dict but not a state_dict of tensors (keys {sorted(state)[:4]}...)")
    state = {k[len("module."):] if k.startswith("module.") else k: v for k, v in state.items()}
    if any(k.startswith("backbone.") for k in state):
        fmt, conv, bn = PYTORCH_FORMAT, "backbone.conv{}.0.", "backbone.conv{}.1."
        conv_key = [conv.format(i + 1) for i in range(5)]
        bn_key = [bn.format(i + 1) for i in range(4)]
    elif any(k.startswith("feature.") for k in state):
        fmt = GOT10K_FORMAT
        conv_key = [f"feature.{i}." for i in CONV_INDEX]
        bn_key = [f"feature.{i}." for i in BN_INDEX]
    else:
        raise CheckpointError(f"{path}: a state_dict of another network (keys {sorted(state)[:3]}...; expected "
                              "siamfc-pytorch's backbone.conv1.0.weight... or got-10k/siamfc's feature.0.weight...)")
    expected = set()
    for i, prefix in enumerate(conv_key):
        expected |= {prefix + "weight", prefix + "bias"}
    for prefix in bn_key:
        expected |= {prefix + n for n in ("weight", "bias", "running_mean", "running_var")}
    optional = {prefix + "num_batches_tracked" for prefix in bn_key}
    missing, extra = sorted(expected - set(state)), sorted(set(state) - expected - optional)
    if missing or extra:
        raise CheckpointError(f"{path}: not the SiamFC AlexNet of {fmt} (missing {missing[:3]}, unexpected "
                              f"{extra[:3]}); e.g. siamfc-pytorch's AlexNetV2/V3 or another backbone")
    layers = []
    for i, prefix in enumerate(conv_key):
        layer = Layer(_np(state[prefix + "weight"]), _np(state[prefix + "bias"]))
        if i < 4:
            b = bn_key[i]
            layer.gamma, layer.beta = _np(state[b + "weight"]), _np(state[b + "bias"])
            layer.mean, layer.var, layer.eps = _np(state[b + "running_mean"]), _np(state[b + "running_var"]), 1e-6
        layers.append(layer)
    check_shapes(layers, path)
    return fmt, layers, 1e-3, 0.0


def _np(tensor: torch.Tensor) -> np.ndarray:
    return tensor.detach().cpu().to(torch.float64).numpy()


def read_mat(path: str) -> dict[str, np.ndarray]:
    """{param name: value} of the DagNN struct `net` in a MATLAB v5 file."""
    import scipy.io

    try:
        mat = scipy.io.loadmat(path, squeeze_me=False, struct_as_record=True)
    except Exception as exc:
        raise CheckpointError(f"{path} cannot be read as a .mat file (truncated or corrupt; "
                              f"{type(exc).__name__})") from exc
    net = mat.get("net")
    if net is None:
        variables = sorted(k for k in mat if not k.startswith("__"))
        raise CheckpointError(f"{path} has no `net` variable (variables: {variables}); "
                              "not a MatConvNet DagNN file")
    try:
        net = net[0, 0] if net.size == 1 else net
        params = net["params"]
        params = params[0, 0] if params.dtype.names and params.size == 1 and params[0, 0]["name"].size > 1 else params
        names, values = params["name"], params["value"]
        if names.size == 1 and names.dtype == object and np.asarray(names.flat[0]).dtype == object:
            names, values = names.flat[0], values.flat[0]  # struct of cell arrays (siamfc-tf's reading)
        out = {}
        for name, value in zip(names.flat, values.flat):
            key = str(np.asarray(name).flat[0]) if np.asarray(name).size else ""
            out[key] = np.asarray(value, dtype=np.float64)
        layers = net["layers"] if "layers" in (net.dtype.names or ()) else None
    except (KeyError, ValueError, IndexError, TypeError) as exc:
        raise CheckpointError(f"{path}: `net` is not a DagNN struct with params (name, value) "
                              f"({type(exc).__name__}: {exc})") from exc
    out["__layer_types__"] = _layer_types(layers)
    return out


def _layer_types(layers) -> list[str]:
    if layers is None:
        return []
    try:
        if layers.size == 1 and layers.flat[0]["type"].dtype == object:
            layers = layers.flat[0]
        return [str(np.asarray(t).flat[0]) for t in layers["type"].flat if np.asarray(t).size]
    except (KeyError, ValueError, IndexError, TypeError):
        return []


def mat_layers(params: dict[str, Any], path: str) -> tuple[list[Layer], float, float]:
    types = params.pop("__layer_types__", [])
    names = set(params)
    if any("CorrFilter" in t for t in types) or any(n.startswith(("cf_", "join_cf")) or "_cf_" in n for n in names):
        raise CheckpointError(f"{path}: a CFNet net (it has a correlation-filter layer); SiamFC has a plain "
                              "cross-correlation and this plugin runs SiamFC only")
    if any(n.startswith("fin_adjust_bn") or n.endswith("adjust_bnm") for n in names):
        raise CheckpointError(f"{path}: torrvision/siamfc-tf's baseline-conv5 net (from the CFNet work): another "
                              "architecture (pool2 stride 1, total stride 4, 32-channel conv5, a final score "
                              "BatchNorm); this plugin's architectures all have total stride 8 and 17x17 score maps")

    def get(name: str) -> np.ndarray:
        hits = [n for n in names if n == name or n == "br_" + name]
        if len(hits) != 1:
            raise CheckpointError(f"{path}: parameter {name} {'missing' if not hits else 'ambiguous'}; not the "
                                  "SiamFC DagNN layout (conv1f..conv5f, bn1m..bn4x, adjust_f/adjust_b)")
        return params[hits[0]]

    layers = []
    for i in range(5):
        w = get(f"conv{i + 1}f")
        if w.ndim == 3:  # MATLAB drops a trailing singleton dimension
            w = w[..., None]
        if w.ndim != 4:
            raise CheckpointError(f"{path}: conv{i + 1}f has shape {w.shape}, not H x W x Cin/groups x Cout")
        layer = Layer(np.ascontiguousarray(w.transpose(3, 2, 0, 1)), get(f"conv{i + 1}b").reshape(-1))
        if i < 4:
            moments = get(f"bn{i + 1}x")
            if moments.ndim != 2 or moments.shape[1] != 2:
                raise CheckpointError(f"{path}: bn{i + 1}x has shape {moments.shape}, not [C, 2] (mean, sigma)")
            sigma = moments[:, 1]
            if not np.all(sigma > 0):
                raise CheckpointError(f"{path}: bn{i + 1}x has a sigma <= 0; MatConvNet divides by it")
            layer.gamma, layer.beta = get(f"bn{i + 1}m").reshape(-1), get(f"bn{i + 1}b").reshape(-1)
            layer.mean, layer.var, layer.eps = moments[:, 0], sigma ** 2, 0.0
        layers.append(layer)
    check_shapes(layers, path)
    gain, bias = get("adjust_f"), get("adjust_b")
    if gain.size != 1 or bias.size != 1:
        raise CheckpointError(f"{path}: adjust_f/adjust_b are not scalars ({gain.shape}, {bias.shape})")
    return layers, float(gain.flat[0]), float(bias.flat[0])


def check_shapes(layers: list[Layer], path: str) -> None:
    for i, layer in enumerate(layers):
        want = (CHANNELS[i], IN_CHANNELS[i] // GROUPS[i], KERNELS[i], KERNELS[i])
        if layer.weight.shape != want:
            raise CheckpointError(f"{path}: conv{i + 1} weights have shape {tuple(layer.weight.shape)}, the final "
                                  f"SiamFC AlexNet's are {want} (another architecture)")
        if layer.bias.shape != (CHANNELS[i],):
            raise CheckpointError(f"{path}: conv{i + 1} bias has shape {layer.bias.shape}, want ({CHANNELS[i]},)")
        for name in ("gamma", "beta", "mean", "var"):
            value = getattr(layer, name)
            if value is not None and value.shape != (CHANNELS[i],):
                raise CheckpointError(f"{path}: BatchNorm {i + 1} {name} has shape {value.shape}")
        for value in (layer.weight, layer.bias, layer.gamma, layer.beta, layer.mean, layer.var):
            if value is not None and not np.all(np.isfinite(value)):
                raise CheckpointError(f"{path}: layer {i + 1} holds NaN or infinite values")


# ---- converting -----------------------------------------------------------------------------------------------------
def to_model(layers: list[Layer], gain: float, bias: float, path: str = "weights") -> SiamFC:
    """Our `alexnet` SiamFC computing exactly what the layers do (in float64 before the float32 store)."""
    if not (math.isfinite(gain) and gain > 0):
        raise CheckpointError(f"{path}: score gain {gain} cannot map onto this net (its gain is fixed at "
                              f"{SCORE_SCALE}; a positive gain is absorbed by scaling conv5, a gain <= 0 cannot be)")
    if not math.isfinite(bias):
        raise CheckpointError(f"{path}: score bias {bias} is not finite")
    model = SiamFC("alexnet")
    modules = list(model.embedding)
    state: dict[str, torch.Tensor] = {}
    for i, layer in enumerate(layers):
        conv = f"embedding.{CONV_INDEX[i]}."
        if i < 4:
            bn = f"embedding.{BN_INDEX[i]}."
            state[conv + "weight"] = _t(layer.weight)
            state[bn + "bias"] = _t(layer.beta)
            # gamma (x + b - mean) / sqrt(var + eps): the conv bias moves into the mean
            state[bn + "running_mean"] = _t(layer.mean - layer.bias)
            if layer.eps == OUR_BN_EPS:
                state[bn + "weight"], state[bn + "running_var"] = _t(layer.gamma), _t(layer.var)
            else:  # gain gamma / sqrt(var + eps) over a unit denominator: sqrt((1 - 1e-6) + 1e-6) = 1
                state[bn + "weight"] = _t(layer.gamma / np.sqrt(layer.var + layer.eps))
                state[bn + "running_var"] = _t(np.full_like(layer.var, 1.0 - OUR_BN_EPS))
            state[bn + "num_batches_tracked"] = torch.tensor(0, dtype=torch.long)
        else:
            scale = math.sqrt(gain / SCORE_SCALE)
            state[conv + "weight"] = _t(layer.weight * scale)
            state[conv + "bias"] = _t(layer.bias * scale)
    state["bias"] = torch.tensor([bias], dtype=torch.float32)
    assert isinstance(modules[CONV_INDEX[0]], torch.nn.Conv2d)
    model.load_state_dict(state, strict=True)
    return model.eval()


def _t(array: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.asarray(array, dtype=np.float32).copy())


def is_published_state_dict(payload: Any) -> bool:
    """A dict of tensors named like siamfc-pytorch's or got-10k/siamfc's nets (to be converted, or refused with the
    reason); anything else is left to the caller's own message."""
    if not isinstance(payload, dict) or "format" in payload:
        return False
    keys = [k[len("module."):] if isinstance(k, str) and k.startswith("module.") else k for k in payload]
    return any(isinstance(k, str) and k.startswith(("backbone.conv", "feature.")) for k in keys)


def import_weights(path: str | os.PathLike, loaded: Any = None) -> tuple[SiamFC, dict[str, Any]]:
    """(our model, provenance) of a published SiamFC weights file; CheckpointError with the reason otherwise.
    `loaded`: the file's torch payload when the caller has read it already."""
    path = os.fspath(path)
    kind = sniff(path) if loaded is None else "torch"
    if kind == "mat":
        layers, gain, bias = mat_layers(read_mat(path), path)
        fmt = MAT_FORMAT
    else:
        payload = read_torch(path) if loaded is None else loaded
        if isinstance(payload, dict) and "format" in payload:
            raise CheckpointError(f"{path} is already a {payload.get('format')} checkpoint; nothing to import")
        fmt, layers, gain, bias = torch_layers(payload, path)
    model = to_model(layers, gain, bias, path)
    provenance = {
        "source_format": fmt,
        "source_file": os.path.basename(path),
        "source_sha256": sha256(path),
        "source_preset": SOURCE_PRESET[fmt],
        "source_label": label_for(fmt, os.path.basename(path)),
        "score_gain": gain,
        "score_bias": bias,
    }
    return model, provenance


def imported_payload(path: str | os.PathLike, loaded: Any = None) -> dict[str, Any]:
    """A checkpoint payload (core/checkpoint.py's format, as read_checkpoint returns it) for an importable file."""
    from .checkpoint import FORMAT, FORMAT_VERSION
    from .config import preset

    model, provenance = import_weights(path, loaded)
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "arch": model.arch,
        "geometry": model.geometry.to_dict(),
        "state_dict": {k: v.detach().cpu() for k, v in model.state_dict().items()},
        "tracker_config": preset(provenance["source_preset"]).to_dict(),
        "training": {},
        "provenance": provenance,
    }


# ---- exporting ------------------------------------------------------------------------------------------------------
def export_siamfc_pytorch(model: SiamFC, drop_score_bias: bool = False) -> dict[str, torch.Tensor]:
    """A state_dict that huanglianghua/siamfc-pytorch's Net(AlexNetV1(), SiamFC(0.001)) loads (strict)."""
    if model.arch != "alexnet":
        raise CheckpointError(f"siamfc-pytorch's AlexNetV1 is the final net (`alexnet`), not {model.arch!r}")
    bias = float(model.bias.detach())
    if bias != 0.0 and not drop_score_bias:
        raise CheckpointError(f"this model's score bias is {bias:g} and siamfc-pytorch's head has none (its "
                              "multiplicative scale penalty makes a constant matter); --drop-score-bias to export "
                              "anyway")
    state = model.state_dict()
    out: dict[str, torch.Tensor] = {}
    for i in range(5):
        conv = f"embedding.{CONV_INDEX[i]}."
        weight = state[conv + "weight"].clone()
        out[f"backbone.conv{i + 1}.0.weight"] = weight
        out[f"backbone.conv{i + 1}.0.bias"] = (state[conv + "bias"].clone() if i == 4
                                               else torch.zeros(weight.shape[0]))
        if i < 4:
            bn = f"embedding.{BN_INDEX[i]}."
            for name in ("weight", "bias", "running_mean", "running_var", "num_batches_tracked"):
                out[f"backbone.conv{i + 1}.1.{name}"] = state[bn + name].clone()
    return out
