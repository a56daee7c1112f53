"""What CPU this is (for speed figures, which must name their machine, and for per-machine caches)."""
from __future__ import annotations

import platform

# the instruction-set extensions that decide which kernels torch, oneDNN and onnxruntime run
FLAGS = ("avx", "avx2", "fma", "f16c", "avx512f", "avx512_vnni", "avx_vnni", "avx512_bf16", "amx_tile", "amx_int8",
         "amx_bf16")
# the probe's input: every answer below is read from this file (a test points it at another CPU's cpuinfo)
CPUINFO = "/proc/cpuinfo"


def _cpuinfo() -> dict[str, str]:
    """The first processor's entries of /proc/cpuinfo (empty where there is none)."""
    entries: dict[str, str] = {}
    try:
        with open(CPUINFO) as handle:
            for line in handle:
                if not line.strip():
                    break
                key, _, value = line.partition(":")
                entries[key.strip()] = value.strip()
    except OSError:
        pass
    return entries


def cpu_model() -> str:
    """The model name, with family/model/stepping where the name alone is generic (a VM's "AMD EPYC")."""
    info = _cpuinfo()
    name = info.get("model name") or platform.processor() or platform.machine()
    if "cpu family" in info and not any(ch.isdigit() for ch in name):
        name += f" (family {info['cpu family']} model {info.get('model', '?')} stepping {info.get('stepping', '?')})"
    return name


def cpu_flags() -> list[str]:
    flags = set(_cpuinfo().get("flags", "").split())
    return [f for f in FLAGS if f in flags]


def has_fast_bf16() -> bool:
    """AVX-512 BF16 or AMX BF16 (what makes bf16 pay on a CPU)."""
    flags = set(_cpuinfo().get("flags", "").split())
    return "avx512_bf16" in flags or "amx_bf16" in flags
