"""The CPU probe (common/machine.py, the one reader of /proc/cpuinfo) and every decision made from it, under each
kind of CPU the project has met (tests/cpuinfo/, substituted for this machine's through $SIAMFC_CPUINFO): which
backends are offered, which fidelity verdicts `auto` trusts, bf16 training. Decisions, not the hardware: a kernel
this machine lacks is never run (what the probe says of it is what is tested)."""
from __future__ import annotations


import pytest
import torch

from siamfc_plugin.common.errors import ConfigError
from siamfc_plugin.common.machine import (CPUINFO_ENV, PROC_CPUINFO, all_flags, cpu_flags, cpu_model, has_fast_bf16,
                                          has_onednn_bf16)
from tests.conftest import CPU_KINDS, CPUINFO, bf16_kernels_here

# what each kind is (from the files in tests/cpuinfo/, written as the machines showed them)
KINDS = {
    "avx2": ("AMD EPYC 7B12", "avx2", False, False),
    "avx512-vnni": ("Intel(R) Xeon(R) CPU @ 2.50GHz", "avx2+avx512f+avx512_vnni", False, True),
    "avx512-bf16": ("AMD EPYC (family 25 model 17 stepping 1)", "avx2+avx512f+avx512_vnni+avx512_bf16", True, True),
    "amx": ("Intel(R) Xeon(R) Processor (family 6 model 167 stepping 1)",
            "avx2+avx512f+avx512_vnni+avx_vnni+avx512_bf16+amx_int8+amx_bf16", True, True),
}


def test_every_kind_is_tested():
    assert set(KINDS) == set(CPU_KINDS) == {p.stem for p in CPUINFO.glob("*.txt")}


def test_the_probe_reads_each_kind(simulated_cpu):
    from siamfc_plugin.backends.choice import cpu_kind

    model, kind, fast_bf16, onednn_bf16 = KINDS[simulated_cpu]
    assert cpu_model() == model and cpu_kind() == kind
    assert has_fast_bf16() is fast_bf16 and has_onednn_bf16() is onednn_bf16
    assert set(cpu_flags()) <= all_flags() and "avx2" in cpu_flags()


def test_the_probe_agrees_with_onednn_on_this_machine():
    """The probe's bf16 rule mirrors oneDNN's; on the real CPU (whatever its kind) both must say the same."""
    assert has_onednn_bf16(all_flags(PROC_CPUINFO)) == torch.ops.mkldnn._is_mkldnn_bf16_supported()


def test_an_unreadable_cpuinfo_is_an_error_naming_it(tmp_path, monkeypatch):
    monkeypatch.setenv(CPUINFO_ENV, str(tmp_path / "absent.txt"))
    with pytest.raises(ConfigError, match=f"{CPUINFO_ENV}=.*absent.txt"):
        cpu_flags()


def test_bench_offers_bf16_where_the_kind_has_kernels_for_it_and_says_why_not(simulated_cpu):
    """On AVX2 alone oneDNN has no bf16 kernels: torch-bf16 is skipped, naming the kind; elsewhere it is offered
    (where this machine can run it)."""
    from siamfc_plugin.commands.bench import installed_backends

    offered, skipped = installed_backends("cpu")
    assert ("torch-bf16" in offered) is bf16_kernels_here() is ("torch-bf16" not in skipped)
    assert "torch" in offered
    if not has_onednn_bf16():
        assert skipped["torch-bf16"].startswith(f"this CPU ({KINDS[simulated_cpu][1]}) has no bf16 support")


def test_bf16_training_where_the_kind_makes_it_pay(simulated_cpu):
    from siamfc_plugin.training.trainer import TrainConfig, autocast_dtype

    sources = [{"kind": "got10k", "root": "."}]
    wanted = torch.bfloat16 if KINDS[simulated_cpu][2] else None
    assert autocast_dtype(TrainConfig(sources=sources), torch.device("cpu")) == wanted
    assert autocast_dtype(TrainConfig(sources=sources, precision="fp32"), torch.device("cpu")) is None
