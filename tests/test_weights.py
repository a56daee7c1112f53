"""Published SiamFC weights (core/weights.py, `siamfc import`): each layout written here from its authors' conventions
with random values, converted, and compared with an independent NumPy forward pass written from those conventions.

MatConvNet (vl_nnconv, vl_nnbnorm, bertinetto/siamese-fc's DagNN): images H x W x C (RGB, 0-255); filters
H x W x Cin/groups x Cout, correlation (no flip); with G groups, output filters [g Cout/G, (g+1) Cout/G) see input
channels [g Cin/G, (g+1) Cin/G); test-time BatchNorm y = m (x - mean) / sigma + b with moments [C, 2] = (mean, sigma),
its epsilon already inside sigma; the score is adjust_f * xcorr(z, x) + adjust_b.
siamfc-pytorch / got-10k/siamfc: torch conv layout (Cout, Cin/G, kh, kw), BatchNorm (x - mean) / sqrt(var + 1e-6),
conv biases before every BatchNorm, score 0.001 * xcorr.
"""
from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest
import scipy.io
import torch

from siamfc_plugin.common.errors import CheckpointError
from siamfc_plugin.core.checkpoint import load_model, read_checkpoint
from siamfc_plugin.core.weights import export_siamfc_pytorch, import_weights

CHANNELS = (96, 256, 384, 384, 256)
IN_CHANNELS = (3, 96, 256, 384, 384)
GROUPS = (1, 2, 1, 2, 2)
KERNELS = (11, 5, 3, 3, 3)
STRIDES = (2, 1, 1, 1, 1)
SEARCH = 175  # search crop side for the tests: 7x7 score maps, quicker than 255 and the same network


# ---- an independent NumPy SiamFC in MatConvNet's conventions --------------------------------------------------------
def conv_hwc(x: np.ndarray, f: np.ndarray, b: np.ndarray, stride: int, groups: int) -> np.ndarray:
    """x: H x W x Cin; f: kh x kw x Cin/G x Cout (MatConvNet); valid correlation; returns H' x W' x Cout."""
    kh, kw, cin_g, cout = f.shape
    cout_g = cout // groups
    windows = np.lib.stride_tricks.sliding_window_view(x, (kh, kw), axis=(0, 1))[::stride, ::stride]
    # windows: H' x W' x Cin x kh x kw
    out = []
    for g in range(groups):
        patch = windows[:, :, g * cin_g:(g + 1) * cin_g]  # H' W' c kh kw
        filt = f[:, :, :, g * cout_g:(g + 1) * cout_g]  # kh kw c o
        out.append(np.einsum("ijcuv,uvco->ijo", patch, filt, optimize=True))
    return np.concatenate(out, axis=2) + b.reshape(1, 1, -1)


def maxpool_hwc(x: np.ndarray) -> np.ndarray:
    windows = np.lib.stride_tricks.sliding_window_view(x, (3, 3), axis=(0, 1))[::2, ::2]
    return windows.max(axis=(3, 4))


def phi_matconvnet(image: np.ndarray, params: dict) -> np.ndarray:
    h = image.astype(np.float64)
    for i in range(5):
        h = conv_hwc(h, params[f"conv{i + 1}f"], params[f"conv{i + 1}b"].reshape(-1), STRIDES[i], GROUPS[i])
        if i < 4:
            moments = params[f"bn{i + 1}x"]
            h = (params[f"bn{i + 1}m"].reshape(1, 1, -1) * (h - moments[:, 0]) / moments[:, 1]
                 + params[f"bn{i + 1}b"].reshape(1, 1, -1))
            h = np.maximum(h, 0)
        if i < 2:
            h = maxpool_hwc(h)
    return h


def xcorr_hwc(z: np.ndarray, x: np.ndarray) -> np.ndarray:
    windows = np.lib.stride_tricks.sliding_window_view(x, z.shape[:2], axis=(0, 1))  # H W C h w
    return np.einsum("ijcuv,uvc->ij", windows, z, optimize=True)


# ---- writers of each layout (random values) -------------------------------------------------------------------------
def random_matconvnet_params(seed: int = 0) -> dict:
    rng = np.random.default_rng(seed)
    params = {}
    for i in range(5):
        k, cin, cout = KERNELS[i], IN_CHANNELS[i] // GROUPS[i], CHANNELS[i]
        params[f"conv{i + 1}f"] = (rng.standard_normal((k, k, cin, cout)) / np.sqrt(k * k * cin)).astype(np.float32)
        params[f"conv{i + 1}b"] = rng.uniform(-1, 1, (cout, 1)).astype(np.float32)
        if i < 4:
            scale = 255.0 if i == 0 else 1.0
            params[f"bn{i + 1}m"] = rng.uniform(0.5, 2.0, (cout, 1)).astype(np.float32)
            params[f"bn{i + 1}b"] = rng.uniform(-0.5, 0.5, (cout, 1)).astype(np.float32)
            # sigma well away from 1, so that sigma and variance differ
            params[f"bn{i + 1}x"] = np.stack([rng.uniform(-0.3, 0.3, cout) * scale,
                                              rng.uniform(0.2, 3.0, cout) * scale], axis=1).astype(np.float32)
    params["adjust_f"] = np.array([[0.0017]], dtype=np.float32)
    params["adjust_b"] = np.array([[-0.31]], dtype=np.float32)
    return params


def write_dagnn_mat(path, params: dict, extra_layers: tuple = ()) -> None:
    """A .mat in the DagNN layout: a struct `net` with params (name, value) and layers (name, type, params)."""
    names = list(params)
    p = np.zeros((1, len(names)), dtype=[("name", object), ("value", object), ("learningRate", object)])
    for j, name in enumerate(names):
        p[0, j] = (name, params[name], 1.0)
    layer_rows = [(f"conv{i + 1}", "dagnn.Conv") for i in range(5)]
    layer_rows += [(f"bn{i + 1}", "dagnn.BatchNorm") for i in range(4)]
    layer_rows += [("xcorr", "XCorr"), ("adjust", "dagnn.Conv"), *extra_layers]
    layers = np.zeros((1, len(layer_rows)), dtype=[("name", object), ("type", object)])
    for j, row in enumerate(layer_rows):
        layers[0, j] = row
    scipy.io.savemat(path, {"net": {"params": p, "layers": layers, "vars": np.zeros((1, 0))}})


def random_torch_state(layout: str, seed: int = 1) -> dict:
    rng = np.random.default_rng(seed)
    state = {}
    conv = {"siamfc-pytorch": lambda i: f"backbone.conv{i + 1}.0.",
            "got10k": lambda i: f"feature.{(0, 4, 8, 11, 14)[i]}."}
    bn = {"siamfc-pytorch": lambda i: f"backbone.conv{i + 1}.1.", "got10k": lambda i: f"feature.{(1, 5, 9, 12)[i]}."}
    for i in range(5):
        k, cin, cout = KERNELS[i], IN_CHANNELS[i] // GROUPS[i], CHANNELS[i]
        t = lambda a: torch.from_numpy(np.asarray(a, dtype=np.float32))  # noqa: E731
        state[conv[layout](i) + "weight"] = t(rng.standard_normal((cout, cin, k, k)) / np.sqrt(k * k * cin))
        state[conv[layout](i) + "bias"] = t(rng.uniform(-1, 1, cout))
        if i < 4:
            scale = 255.0 if i == 0 else 1.0
            b = bn[layout](i)
            state[b + "weight"] = t(rng.uniform(0.5, 2.0, cout))
            state[b + "bias"] = t(rng.uniform(-0.5, 0.5, cout))
            state[b + "running_mean"] = t(rng.uniform(-0.3, 0.3, cout) * scale)
            state[b + "running_var"] = t((rng.uniform(0.2, 3.0, cout) * scale) ** 2)
            state[b + "num_batches_tracked"] = torch.tensor(100)
    return state


def write_published_net(path, fmt: str, seed: int = 0) -> None:
    """A file in the layout of a published net of format `fmt` (core/provenance.py), random values, real shapes."""
    if fmt == "matconvnet-dagnn":
        write_dagnn_mat(path, random_matconvnet_params(seed))
    else:
        torch.save(random_torch_state("siamfc-pytorch" if fmt == "siamfc-pytorch" else "got10k", seed), path)


def torch_state_as_matconvnet(state: dict, layout: str) -> dict:
    """The same network in MatConvNet's terms (the test's own conversion): filters to H x W x Cin/G x Cout,
    sigma = sqrt(var + 1e-6), gain 0.001, bias 0."""
    convs = [f"backbone.conv{i + 1}.0." for i in range(5)] if layout == "siamfc-pytorch" else \
        [f"feature.{j}." for j in (0, 4, 8, 11, 14)]
    bns = [f"backbone.conv{i + 1}.1." for i in range(4)] if layout == "siamfc-pytorch" else \
        [f"feature.{j}." for j in (1, 5, 9, 12)]
    out = {}
    for i in range(5):
        out[f"conv{i + 1}f"] = state[convs[i] + "weight"].numpy().transpose(2, 3, 1, 0).astype(np.float64)
        out[f"conv{i + 1}b"] = state[convs[i] + "bias"].numpy().astype(np.float64)
        if i < 4:
            b = bns[i]
            out[f"bn{i + 1}m"] = state[b + "weight"].numpy().astype(np.float64)
            out[f"bn{i + 1}b"] = state[b + "bias"].numpy().astype(np.float64)
            out[f"bn{i + 1}x"] = np.stack([state[b + "running_mean"].numpy(),
                                           np.sqrt(state[b + "running_var"].numpy().astype(np.float64) + 1e-6)], 1)
    out["adjust_f"], out["adjust_b"] = np.array([[0.001]]), np.array([[0.0]])
    return out


# ---- the comparison -------------------------------------------------------------------------------------------------
def crops(seed: int = 5):
    rng = np.random.default_rng(seed)
    return (rng.integers(0, 256, (127, 127, 3)).astype(np.uint8),
            rng.integers(0, 256, (SEARCH, SEARCH, 3)).astype(np.uint8))


def ours(model, z_img, x_img):
    to = lambda a: torch.from_numpy(a).permute(2, 0, 1)[None].float()  # noqa: E731
    with torch.no_grad():
        fz, fx = model.embedding(to(z_img)), model.embedding(to(x_img))
        score = model.score(fz, fx)
    return fz[0].permute(1, 2, 0).numpy(), score[0, 0].numpy()


def assert_same_network(model, params: dict) -> None:
    z_img, x_img = crops()
    fz_ref = phi_matconvnet(z_img, params)
    fx_ref = phi_matconvnet(x_img, params)
    score_ref = float(np.asarray(params["adjust_f"]).flat[0]) * xcorr_hwc(fz_ref, fx_ref) \
        + float(np.asarray(params["adjust_b"]).flat[0])
    fz, score = ours(model, z_img, x_img)
    gain = float(np.asarray(params["adjust_f"]).flat[0])
    # our conv5 carries sqrt(gain / 0.001) of the score gain: features agree up to that factor
    np.testing.assert_allclose(fz / np.sqrt(gain / 1e-3), fz_ref, rtol=1e-3, atol=1e-3 * np.abs(fz_ref).max())
    assert score.shape == (7, 7)
    np.testing.assert_allclose(score, score_ref, rtol=1e-3, atol=1e-4 * np.abs(score_ref).max())


def test_matconvnet_dagnn_layout_equals_numpy_forward(tmp_path):
    params = random_matconvnet_params()
    path = tmp_path / "2016-08-17.net.mat"
    write_dagnn_mat(path, params)
    model, provenance = import_weights(path)
    assert provenance["source_format"] == "matconvnet-dagnn"
    assert provenance["source_preset"] == "siamfc-matconvnet-3s"
    assert provenance["source_label"] == "SiamFC, authors' MatConvNet net 2016-08-17 (colour)"
    assert provenance["score_gain"] == pytest.approx(0.0017) and provenance["score_bias"] == pytest.approx(-0.31)
    assert_same_network(model, {k: np.asarray(v, dtype=np.float64) for k, v in params.items()})


@pytest.mark.parametrize("layout", ["siamfc-pytorch", "got10k"])
def test_pytorch_layouts_equal_numpy_forward(tmp_path, layout):
    state = random_torch_state(layout)
    path = tmp_path / "weights.pth"
    torch.save(state, path)
    model, provenance = import_weights(path)
    assert provenance["source_format"] == {"siamfc-pytorch": "siamfc-pytorch", "got10k": "got10k-siamfc"}[layout]
    assert_same_network(model, torch_state_as_matconvnet(state, layout))


def test_export_round_trip_and_checkpoint_reads_foreign_files(tmp_path):
    """Our net -> siamfc-pytorch state_dict -> our net: the same numbers; and load_model reads the foreign file
    directly (what --checkpoint and SIAMFC_CHECKPOINT use)."""
    torch.manual_seed(3)
    from siamfc_plugin.core.network import SiamFC

    model = SiamFC("alexnet")
    model.initialise()
    model.eval()
    state = export_siamfc_pytorch(model)
    assert set(state) == set(random_torch_state("siamfc-pytorch"))
    torch.save(state, tmp_path / "exported.pth")
    again, payload = load_model(tmp_path / "exported.pth")
    assert payload["provenance"]["source_format"] == "siamfc-pytorch"
    z, x = crops()
    np.testing.assert_allclose(ours(again, z, x)[1], ours(model, z, x)[1], rtol=1e-5, atol=1e-6)
    with torch.no_grad():
        model.bias.fill_(0.2)
    with pytest.raises(CheckpointError, match="score bias"):
        export_siamfc_pytorch(model)
    with pytest.raises(CheckpointError, match="AlexNetV1 is the final net"):
        export_siamfc_pytorch(SiamFC("alexnet-slim"))


# ---- bad input: one line, exit 2, nothing written -------------------------------------------------------------------
def _siamfc(*args):
    env = dict(os.environ, PYTHONPATH=os.getcwd() + os.pathsep + os.environ.get("PYTHONPATH", ""))
    return subprocess.run([sys.executable, "-m", "siamfc_plugin", *map(str, args)], capture_output=True, text=True,
                          env=env, timeout=300)


def bad_files(tmp_path) -> dict:
    files = {}
    params = random_matconvnet_params()
    cf = dict(params, cf_lambda=np.array([[0.1]]))
    write_dagnn_mat(tmp_path / "cfnet-conv5.net.mat", cf, extra_layers=(("cf", "CorrFilter"),))
    files["cfnet"] = (tmp_path / "cfnet-conv5.net.mat", "CFNet net (it has a correlation-filter layer)")
    tf = {k.replace("adjust_f", "fin_adjust_bnm").replace("adjust_b", "fin_adjust_bnb"): v for k, v in params.items()}
    write_dagnn_mat(tmp_path / "baseline-conv5_e55.mat", tf)
    files["siamfc-tf"] = (tmp_path / "baseline-conv5_e55.mat", "siamfc-tf's baseline-conv5 net")
    write_dagnn_mat(tmp_path / "good.mat", params)
    data = (tmp_path / "good.mat").read_bytes()
    (tmp_path / "truncated.net.mat").write_bytes(data[: len(data) // 3])
    files["truncated-mat"] = (tmp_path / "truncated.net.mat", "cannot be read as a .mat file (truncated or corrupt")
    state = random_torch_state("siamfc-pytorch")
    torch.save(state, tmp_path / "good.pth")
    data = (tmp_path / "good.pth").read_bytes()
    (tmp_path / "truncated.pth").write_bytes(data[: len(data) // 2])
    files["truncated-pth"] = (tmp_path / "truncated.pth", "cannot be read as a state_dict (truncated or corrupt")
    other = {k.replace("conv5.0", "conv5.0"): v for k, v in state.items()}
    other["backbone.conv5.0.weight"] = torch.zeros(32, 192, 3, 3)  # siamfc-pytorch's AlexNetV2 conv5
    other["backbone.conv5.0.bias"] = torch.zeros(32)
    torch.save(other, tmp_path / "alexnetv2.pth")
    files["other-arch"] = (tmp_path / "alexnetv2.pth", "conv5 weights have shape (32, 192, 3, 3)")
    torch.save({"fc.weight": torch.zeros(10, 4)}, tmp_path / "resnet.pth")
    files["other-net"] = (tmp_path / "resnet.pth", "a state_dict of another network")
    torch.save({"net": torch.nn.Linear(2, 2)}, tmp_path / "pickled-module.pth")
    files["pickle"] = (tmp_path / "pickled-module.pth", "a pickle of objects other than tensors, not a state_dict")
    return files


@pytest.mark.slow  # 6-20 s on 2 cores: the full suite runs it, the quick subset (-m "not slow") does not
def test_bad_weight_files_one_line_exit_2_nothing_written(tmp_path):
    for name, (path, message) in bad_files(tmp_path).items():
        out = tmp_path / f"{name}-out.pth"
        result = _siamfc("import", path, "--out", out)
        lines = result.stderr.strip().splitlines()
        assert result.returncode == 2, (name, result.stderr)
        assert len(lines) == 1 and message in lines[0], (name, result.stderr)
        assert not out.exists() and not list(tmp_path.glob(f"{name}-out.pth*")), name


def test_import_writes_provenance_and_tracks(tmp_path):
    write_dagnn_mat(tmp_path / "2016-08-17.net.mat", random_matconvnet_params())
    result = _siamfc("import", tmp_path / "2016-08-17.net.mat", "--out", tmp_path / "authors.pth")
    assert result.returncode == 0, result.stderr
    payload = read_checkpoint(tmp_path / "authors.pth")
    prov = payload["provenance"]
    assert prov["source_format"] == "matconvnet-dagnn" and len(prov["source_sha256"]) == 64
    assert payload["tracker_config"]["name"] == "siamfc-matconvnet-3s"
    check = _siamfc("import", "--check", tmp_path / "2016-08-17.net.mat")
    assert check.returncode == 0 and "score map" in check.stdout, check.stderr


def test_matconvnet_polygon_rule():
    """get_axis_aligned_BB.m: a 40x20 rectangle rotated 30 degrees about (100, 50): centre kept, area 800 spread
    over the bounding box's aspect, plus one pixel a side."""
    from siamfc_plugin.data.readers import polygon_to_box

    a = np.deg2rad(30)
    corners = np.array([[-20, -10], [20, -10], [20, 10], [-20, 10]]) @ np.array([[np.cos(a), np.sin(a)],
                                                                                [-np.sin(a), np.cos(a)]])
    poly = (corners + [100, 50]).reshape(-1)
    bw, bh = np.ptp(corners[:, 0]), np.ptp(corners[:, 1])
    s = np.sqrt(800 / (bw * bh))
    box = polygon_to_box(poly, "matconvnet")
    np.testing.assert_allclose(box[2:], [s * bw + 1, s * bh + 1])
    np.testing.assert_allclose(box[:2] + box[2:] / 2, [100, 50])


def test_published_rows_named_by_provenance(tmp_path):
    """Published weights are named and labelled by their source in the leaderboard and trackers.ini, never as ours;
    the lookup reads no tensors (core/provenance.py)."""
    from siamfc_plugin.core.provenance import peek
    from siamfc_plugin.backends.spec import TrackerSpec
    from siamfc_plugin.commands.leaderboard import siamfc_entry, trackers_ini

    def siamfc_spec(checkpoint, preset):
        return siamfc_entry(TrackerSpec(checkpoint=checkpoint, preset=preset))

    write_dagnn_mat(tmp_path / "2016-08-17.net.mat", random_matconvnet_params())
    spec = siamfc_spec(str(tmp_path / "2016-08-17.net.mat"), "siamfc-matconvnet-3s")
    assert spec.name == "SiamFC-authors-2016-08-17"
    assert spec.label == "SiamFC, authors' MatConvNet net 2016-08-17 (colour), preset siamfc-matconvnet-3s"
    assert "label = SiamFC, authors' MatConvNet net 2016-08-17 (colour)" in trackers_ini([spec])
    assert siamfc_spec(str(tmp_path / "2016-08-17.net.mat"), "siamfc-3s").name == "SiamFC-authors-2016-08-17-siamfc-3s"
    torch.save(random_torch_state("got10k"), tmp_path / "model.pth")
    assert peek(tmp_path / "model.pth")["label"] == "SiamFC, got-10k/siamfc net (model.pth)"
    # a checkpoint written by `siamfc import` keeps the source's name
    from siamfc_plugin.core.checkpoint import save_checkpoint
    model, provenance = import_weights(tmp_path / "model.pth")
    save_checkpoint(tmp_path / "converted.pth", model, extra={"provenance": provenance})
    assert peek(tmp_path / "converted.pth")["identifier"] == "SiamFC-got10k-siamfc-model"
    assert peek("siamfc_plugin/models/siamfc_alexnet_slim.pth") is None  # ours: no source label


# ---- the source trackers' details (core/tracker.py options the published presets set) -----------------------------
def _stepped(name: str, responses: np.ndarray, steps: int = 1, **overrides):
    from siamfc_plugin.backends.torch_backend import TorchBackend
    from siamfc_plugin.core.config import preset
    from siamfc_plugin.core.tracker import SiamFCTracker

    # step() is fed the score maps directly; the backend only embeds the exemplar at init
    tracker = SiamFCTracker(TorchBackend(torch.nn.AvgPool2d(8), score_scale=1.0), preset(name, **overrides))
    frame = np.zeros((240, 320, 3), np.uint8)
    tracker.init(frame, (150, 110, 20, 20))
    for _ in range(steps):
        side = tracker.current_search_side()
        tracker.step(responses.copy(), frame.shape)
    return tracker, side


def test_response_centre_conventions():
    """The same score maps: MatConvNet's centre (ceil(272/2), 1-based) and got-10k/siamfc's (272 // 2) move the
    target half an upsampled cell from ours ((272 - 1) / 2), in opposite directions."""
    rng = np.random.default_rng(0)
    responses = np.repeat(rng.random((1, 17, 17)).astype(np.float32), 3, axis=0)
    base, side = _stepped("siamfc-3s", responses, scale_lr=0.0)
    mat, _ = _stepped("siamfc-3s", responses, scale_lr=0.0, response_centre="matconvnet")
    got, _ = _stepped("siamfc-3s", responses, scale_lr=0.0, response_centre="got10k")
    half_cell = 0.5 * 8 / 16 * side / 255  # the unit scale wins: equal maps, the others penalised
    np.testing.assert_allclose(mat.center - base.center, [half_cell, half_cell])
    np.testing.assert_allclose(got.center - base.center, [-half_cell, -half_cell])


def test_matconvnet_clamps_the_search_side_not_the_target():
    """tracker.m: s_x saturates at 5x its initial value, the target size keeps growing; ours clamps the target."""
    responses = np.zeros((3, 17, 17), np.float32)
    responses[2, 8, 8] = 1.0  # the largest scale always wins
    mat, _ = _stepped("siamfc-matconvnet-3s", responses, steps=120)
    assert mat.search_side == pytest.approx(5 * mat.initial_search_side)
    assert mat.target_size[0] > 5 * 20 * 1.5
    ours, _ = _stepped("siamfc-3s", responses, steps=120)
    np.testing.assert_allclose(ours.target_size, [100, 100])
    pytorch, _ = _stepped("siamfc-pytorch", responses, steps=120)
    assert pytorch.target_size[0] == pytest.approx(mat.target_size[0])  # no clamp at all
