"""`--backend auto` (the CLI's default): the fastest faithful scoring backend for this machine and these weights.

Faithful (the rule of backends/fidelity.py, calibrated by `siamfc bench --calibrate`): the fp32 backends (torch,
onnx) compute the reference's maths and are, unless the record measured otherwise; a reduced-precision one (int8,
int8-real, torch-bf16) only where the fidelity record shipped with the models (backends/fidelity_record.json) says
so for these very weights (their sha1), this number of scales and **this machine's kernel path** (fidelity.kernel_path:
the instructions that decide its arithmetic, from the CPU flags probe), judged by the current rule. A path with no
verdict keeps fp32, and the reason (under -v) names the command that calibrates this machine.

Fastest: measured once per machine, not guessed from the instruction set (on an AVX512-BF16 AMD EPYC, bf16 is
slower than fp32; on an Intel CPU with AMX it is 2.5x faster): every faithful candidate that is installed scores
random search crops (the best of several calls, the candidates taking turns in blocks so that background load
reaches them alike) and the times are cached in <cache>/backend-speed.json under a key made of everything that
changes them: CPU model and flags, thread count, torch and onnxruntime versions, architecture and number of scales.
Times taken while the load average exceeded the number of cores are measured again once it falls to half of them. `--backend NAME` overrides; on CUDA it is torch.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import time
from dataclasses import dataclass, field
from importlib import resources

import numpy as np

log = logging.getLogger(__name__)

FP32_BACKENDS = ("torch", "onnx")
REDUCED_BACKENDS = ("int8", "int8-real", "torch-bf16")
CPU_CANDIDATES = FP32_BACKENDS + REDUCED_BACKENDS
FIDELITY_RECORD = "fidelity_record.json"
SPEED_CACHE = "backend-speed.json"
LOAD_KEY = "load_average"  # beside the speeds in the cache: the 1-minute load average while they were measured


@dataclass
class Choice:
    name: str
    reason: str
    ms: dict[str, float] = field(default_factory=dict)  # measured network ms per frame, per candidate
    left_out: dict[str, str] = field(default_factory=dict)  # candidate -> why it was not considered


# ---- what is installed ----------------------------------------------------------------------------------------------
def unavailable(name: str, device: str = "cpu") -> str | None:
    """Why backend `name` cannot run here (a missing package, no CPU support), or None when it can."""
    if name in ("onnx", "int8", "int8-real"):
        if not device.startswith("cpu"):
            return "runs on the CPU only"
        try:
            import onnx  # noqa: F401
            import onnxruntime  # noqa: F401
        except ImportError:
            return "onnxruntime/onnx not installed (pip install 'siamfc-plugin[onnx]')"
    if name == "torch-bf16" and device.startswith("cpu"):
        import torch

        from ..common.machine import has_onednn_bf16

        if not has_onednn_bf16():  # the kind of CPU decides (common/machine.py; $SIAMFC_CPUINFO can name another)
            return f"this CPU ({cpu_kind()}) has no bf16 support in oneDNN (it needs AVX-512, or AVX-NE-CONVERT)"
        if not torch.ops.mkldnn._is_mkldnn_bf16_supported():  # a kind simulated by $SIAMFC_CPUINFO, not this one
            return "this CPU has no bf16 support in oneDNN (the hardware lacks what $SIAMFC_CPUINFO describes)"
    return None


# ---- faithful ---------------------------------------------------------------------------------------------------------
def _record_file() -> dict:
    path = resources.files("siamfc_plugin") / "backends" / FIDELITY_RECORD
    return json.loads(path.read_text()) if path.is_file() else {}


def fidelity_record() -> dict:
    """The shipped record: {weights_sha1: {backend: {scales: {kernel path: summary}}}} (empty when absent)."""
    return _record_file().get("models", {})


def recorded_calibration(weights_sha1: str, scales: int, kind: str | None = None) -> dict | None:
    """The eager fp32 reference's own AUC changes on the calibration sequences for these weights (`siamfc bench
    --calibrate`), measured on a CPU of this kind (default: this machine's), else on any kind."""
    per_kind = _record_file().get("calibrations", {}).get(weights_sha1, {}).get(str(scales)) or {}
    here = kind or cpu_kind()
    return per_kind.get(here) or next(iter(per_kind.values()), None)


# the instruction-set extensions that name a kind of CPU in the record (the kernel paths derive from them)
KIND_FLAGS = ("avx2", "avx512f", "avx512_vnni", "avx_vnni", "avx512_bf16", "amx_int8", "amx_bf16")


def cpu_kind(flags=None) -> str:
    from ..common.machine import cpu_flags

    present = set(cpu_flags() if flags is None else flags)
    return "+".join(f for f in KIND_FLAGS if f in present) or "baseline"


def faithful(name: str, weights_sha1: str, scales: int, record: dict | None = None,
             flags=None) -> tuple[bool, str]:
    """(is backend `name` faithful for these weights at this number of scales on this machine's kernel path, why).
    flags: the CPU flags the kernel path derives from (None: this machine's probe). An fp32 backend is, unless the
    record measured otherwise; a reduced-precision one only where the record's verdict for its kernel path, judged
    by the current rule, says so."""
    from .fidelity import CALIBRATE_COMMAND, FP32_PATH, RULE, kernel_path, path_note

    per_path = (record if record is not None else fidelity_record()).get(weights_sha1, {}).get(name, {}).get(
        str(scales)) or {}
    if name in FP32_BACKENDS or name == "torch-fp32":
        entry = per_path.get(FP32_PATH)
        if entry and not entry["faithful"]:
            return False, f"not faithful for these weights: {'; '.join(entry.get('why_not') or ['measured'])}"
        return True, "fp32"
    path = kernel_path(name, flags)
    calibrate = f"fp32 kept; to calibrate this machine: {CALIBRATE_COMMAND}"
    if not per_path:
        return False, f"its fidelity was not measured for these weights at {scales} scales; {calibrate}"
    entry = per_path.get(path)
    if entry is None:
        return False, (f"no verdict for its kernel path here ({path_note(name, path)}; measured on: "
                       f"{', '.join(sorted(per_path))}); {calibrate}")
    if entry.get("rule") != RULE:
        return False, (f"its verdict on kernel path {path} was judged by an older rule ({entry.get('rule')}); "
                       f"{calibrate}")
    if entry["faithful"]:
        return True, (f"faithful on kernel path {path} (mean IoU {entry['mean_iou']:.3f}, mean |AUC change| "
                      f"{entry.get('mean_abs_auc_delta', 0):.4f} <= {entry.get('bound', 0):.4f}, mean "
                      f"{entry.get('mean_auc_delta', 0):+.4f})")
    why = entry.get("why_not") or ["measured"]
    return False, f"not faithful on kernel path {path} for these weights: {'; '.join(why)}"


# ---- fastest ----------------------------------------------------------------------------------------------------------
def speed_key(arch: str, geometry, scales: int, threads: int | None) -> str:
    import torch

    from ..common.machine import cpu_flags, cpu_model

    try:
        import onnxruntime

        ort_version = onnxruntime.__version__
    except ImportError:
        ort_version = "-"
    text = "|".join([cpu_model(), ",".join(cpu_flags()), str(threads or torch.get_num_threads()), torch.__version__,
                     ort_version, arch, str(geometry), str(scales), "v1"])
    return hashlib.sha1(text.encode()).hexdigest()[:16]


def network_ms(backends: dict, scales: int, geometry, rounds: int = 3, calls: int = 3) -> dict[str, float]:
    """{name: ms of one frame's network call (`scales` search crops)} for every backend in `backends`: the best of
    `rounds` x `calls` timed calls. The candidates take turns, a block of calls each per round, so that background
    load that comes or goes during the measurement reaches them alike (the machine is often shared; the best time is
    the one load disturbs least). Each block starts with an untimed call: torch's OpenMP threads keep spinning for a
    while after a call and slow the next engine's first call (onnx by 25 % on a 2-core EPYC when the calls
    alternate one by one)."""
    rng = np.random.default_rng(0)
    z, x = geometry.exemplar_size, geometry.instance_size
    exemplar = rng.integers(0, 256, (1, z, z, 3), dtype=np.uint8)
    crops = rng.integers(0, 256, (scales, x, x, 3), dtype=np.uint8)
    features = {name: backend.embed_exemplar(exemplar) for name, backend in backends.items()}
    times: dict[str, list[float]] = {name: [] for name in backends}
    for _ in range(rounds):
        for name, backend in backends.items():
            backend.score(features[name], crops)  # untimed: warm-up, and the previous engine's threads settle
            for _ in range(calls):
                start = time.perf_counter()
                backend.score(features[name], crops)
                times[name].append((time.perf_counter() - start) * 1e3)
    return {name: min(values) for name, values in times.items()}


def measured_under_overload(speeds: dict, load: float, cores: int) -> bool:
    """Whether cached speeds must be measured again: they were taken while other processes wanted more than every
    core (their load average above the core count) and the machine is quiet now (at most half its cores busy)."""
    return speeds.get(LOAD_KEY, 0.0) > cores and load <= cores / 2


def cache_dir() -> str:
    from .onnx_backend import CACHE_ENV

    return os.environ.get(CACHE_ENV) or os.path.join(os.path.expanduser("~"), ".cache", "siamfc-plugin")


def choose_backend(model, scales: int = 3, device: str = "cpu", threads: int | None = None,
                   record: dict | None = None) -> Choice:
    """The fastest faithful backend for `model` here (see the module docstring); the speeds are cached.
    record: fidelity verdicts as in backends/fidelity_record.json (default: that file)."""
    from ..common.atomic import write_text
    from .onnx_backend import shipped_int8_scales, weights_digest
    from .torch_backend import make_backend, set_threads

    set_threads(threads)  # a bad thread count is a clear error before anything is measured

    if not (device or "cpu").startswith("cpu"):
        return Choice("torch", f"backend for {device} (fp16 autocast embedding)")
    digest = weights_digest(model)
    record = fidelity_record() if record is None else record
    candidates, left_out = [], {}
    for name in CPU_CANDIDATES:
        why_not = unavailable(name, "cpu")
        ok, why = faithful(name, digest, scales, record)
        if why_not:
            left_out[name] = why_not
        elif not ok:
            left_out[name] = why
        elif name == "int8-real" and not shipped_int8_scales(digest):
            left_out[name] = "no activation scales calibrated on real crops are shipped for these weights"
        else:
            candidates.append(name)
    path = os.path.join(cache_dir(), SPEED_CACHE)
    key = speed_key(model.arch, model.geometry, scales, threads)
    try:
        with open(path) as handle:
            cache = json.load(handle)
    except (OSError, ValueError):
        cache = {}
    measured = dict(cache.get(key, {}))
    load = os.getloadavg()[0]
    stale = measured_under_overload(measured, load, os.cpu_count() or 1)
    if stale or any(n not in measured for n in candidates):
        log.warning("measuring the speed of %s on this machine (cached in %s)", ", ".join(candidates), path)
        times = network_ms({n: make_backend(n, model, threads=threads) for n in candidates}, scales, model.geometry)
        measured = {**({} if stale else measured), **{n: round(v, 2) for n, v in times.items()},
                    LOAD_KEY: round(max(load, os.getloadavg()[0]), 2)}
        cache[key] = measured
        try:
            write_text(path, json.dumps(cache, indent=1) + "\n")
        except OSError as exc:  # a read-only home: measure again next time
            log.warning("cannot cache the backend speeds: %s", exc)
    ms = {n: measured[n] for n in candidates}
    best = min(ms, key=ms.get)
    from ..common.machine import cpu_model

    from .fidelity import bf16_path, int8_path
    from ..common.machine import cpu_flags

    timings = ", ".join(f"{n} {ms[n]:.1f}" for n in sorted(ms, key=ms.get))
    reason = (f"fastest faithful backend on {cpu_model()} (kernel paths: int8 {int8_path(cpu_flags())}, bf16 "
              f"{bf16_path(cpu_flags())}; network ms per frame, {scales} scales: {timings})")
    return Choice(best, reason, ms, left_out)
