"""What CPU this is (for speed figures, which must name their machine, for per-machine caches, and for which kernels
can run): the one reader of /proc/cpuinfo.

SIAMFC_CPUINFO names a file in /proc/cpuinfo's format read in its place: the plugin then decides as it would on that
kind of CPU (which backends it offers, which fidelity verdicts hold, bf16 training), so that every kind the project
has met is tested on whichever machine runs the suite (tests/cpuinfo/). It never makes the hardware run a kernel it
lacks: where a decision needs a kernel, it also asks the library that runs it (backends/choice.py, unavailable).
"""
from __future__ import annotations

import os
import platform

CPUINFO_ENV = "SIAMFC_CPUINFO"
PROC_CPUINFO = "/proc/cpuinfo"

# the instruction-set extensions that decide which kernels torch, oneDNN and onnxruntime run
FLAGS = ("avx", "avx2", "fma", "f16c", "avx512f", "avx512_vnni", "avx_vnni", "avx512_bf16", "amx_tile", "amx_int8",
         "amx_bf16")
# oneDNN runs bf16 kernels on AVX-512 core (native with AVX512-BF16 or AMX, emulated without) or on AVX2 with
# AVX-NE-CONVERT and AVX-VNNI-INT8 (its has_data_type_support(bf16)); on AVX2 alone it has none
AVX512_CORE = ("avx512f", "avx512bw", "avx512vl", "avx512dq")
AVX2_VNNI_2 = ("avx2", "avx_vnni_int8", "avx_ne_convert")


def cpuinfo_path() -> str:
    return os.environ.get(CPUINFO_ENV) or PROC_CPUINFO


def _cpuinfo(path: str | None = None) -> dict[str, str]:
    """The first processor's entries of /proc/cpuinfo, or of `path` / $SIAMFC_CPUINFO (empty where there is none;
    a $SIAMFC_CPUINFO that cannot be read is an error naming it, never a silent fall-back to this machine)."""
    path = path or cpuinfo_path()
    entries: dict[str, str] = {}
    try:
        with open(path) as handle:
            for line in handle:
                if not line.strip():
                    break
                key, _, value = line.partition(":")
                entries[key.strip()] = value.strip()
    except OSError as exc:
        if path != PROC_CPUINFO:
            from .errors import ConfigError

            raise ConfigError(f"{CPUINFO_ENV}={path}: cannot read it ({exc.strerror or exc}); it names a file in "
                              "/proc/cpuinfo's format") from None
    return entries


def all_flags(path: str | None = None) -> set[str]:
    """Every flag of the first processor (of `path`, else of $SIAMFC_CPUINFO or /proc/cpuinfo)."""
    return set(_cpuinfo(path).get("flags", "").split())


def cpu_model(path: str | None = None) -> str:
    """The model name, with family/model/stepping where the name alone is generic (a VM's "AMD EPYC")."""
    info = _cpuinfo(path)
    name = info.get("model name") or platform.processor() or platform.machine()
    if "cpu family" in info and not any(ch.isdigit() for ch in name):
        name += f" (family {info['cpu family']} model {info.get('model', '?')} stepping {info.get('stepping', '?')})"
    return name


def cpu_flags(path: str | None = None) -> list[str]:
    flags = all_flags(path)
    return [f for f in FLAGS if f in flags]


def has_fast_bf16(flags=None) -> bool:
    """AVX-512 BF16 or AMX BF16 (what makes bf16 pay on a CPU). flags: a set of flags (default: this CPU's)."""
    flags = all_flags() if flags is None else set(flags)
    return "avx512_bf16" in flags or "amx_bf16" in flags


def has_onednn_bf16(flags=None) -> bool:
    """Whether oneDNN has bf16 kernels on this kind of CPU (torch-bf16 on the CPU needs them). flags: a set of
    flags (default: this CPU's)."""
    flags = all_flags() if flags is None else set(flags)
    return set(AVX512_CORE) <= flags or set(AVX2_VNNI_2) <= flags
