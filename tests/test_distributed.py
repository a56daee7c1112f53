"""`siamfc eval` past one machine: two Slurm-style shards and a Ray cluster (started here, 2 CPUs, loopback only)
give the very result files of a plain single-machine run, on two short real sequences; finished sequences are
skipped; the sequence of a worker that dies is run again."""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from siamfc_plugin.cli import main

REPO = Path(__file__).resolve().parents[1]
FRAMES = 30
SEQUENCES = ("Crossing", "DragonBaby")
# a cluster on this machine only: Ray's single-machine mode keeps every address on the loopback interface
RAY_LOCAL_ENV = {"RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0", "RAY_AUTH_MODE": "disabled",
                 "RAY_USAGE_STATS_ENABLED": "0"}


@pytest.fixture(scope="module")
def short_otb(otb_root, tmp_path_factory):
    """The first FRAMES frames of two real OTB sequences, in the OTB layout."""
    root = tmp_path_factory.mktemp("otb-short")
    for name in SEQUENCES:
        source = otb_root / name
        (root / name / "img").mkdir(parents=True)
        for frame in sorted((source / "img").iterdir())[:FRAMES]:
            shutil.copy(frame, root / name / "img" / frame.name)
        lines = (source / "groundtruth_rect.txt").read_text().splitlines()[:FRAMES]
        (root / name / "groundtruth_rect.txt").write_text("\n".join(lines) + "\n")
    return root


def eval_args(root, out, *extra):
    return ["eval", "--dataset", "otb", "--root", str(root), "--out", str(out), "--backend", "torch",
            "--threads", "1", *extra]


def result_files(out: Path) -> dict[str, bytes]:
    """Every results file but the per-frame times (wall-clock measurements, different on every run), the record
    of the tracker (tracker-spec.json: which run wrote it first) and the machine that tracked (machine.json: CPU and
    load, written by whichever run tracked last)."""
    files = {}
    for path in sorted((out / "results").rglob("*")):
        rel = path.relative_to(out / "results").as_posix()
        if path.is_file() and "/times/" not in f"/{rel}" and not rel.endswith(("_time.txt", "tracker-spec.json",
                                                                                         "machine.json")):
            files[rel] = path.read_bytes()
    return files


@pytest.fixture(scope="module")
def plain_run(short_otb, tmp_path_factory):
    out = tmp_path_factory.mktemp("plain")
    assert main(eval_args(short_otb, out)) == 0
    files = result_files(out)
    assert sorted(files) == [f"OTB/SiamFC-3s/{name}.txt" for name in SEQUENCES]
    assert (out / "results" / "OTB" / "SiamFC-3s" / "tracker-spec.json").is_file()  # the tracker that made them
    return files


def test_two_shards_then_a_plain_run_give_the_plain_results(short_otb, plain_run, tmp_path, capsys):
    out = tmp_path / "sharded"
    assert main(eval_args(short_otb, out, "--shard", "1/2")) == 0
    assert list(result_files(out)) == ["OTB/SiamFC-3s/Crossing.txt"]  # shard 1 of 2: the first sequence
    assert main(eval_args(short_otb, out, "--shard", "2/2")) == 0
    assert result_files(out) == plain_run
    capsys.readouterr()
    assert main(eval_args(short_otb, out, "--shard", "2/2")) == 0  # run again: nothing left to do
    assert "ran 0, skipped 1" in capsys.readouterr().out
    assert main(eval_args(short_otb, out, "--json")) == 0  # the merge: the report of every shard's results
    assert result_files(out) == plain_run
    assert (out / "reports" / "OTB" / "SiamFC-3s" / "performance.json").is_file()


@pytest.mark.parametrize("shard", ["0/2", "3/2", "1/0", "a/b", "1"])
def test_bad_shard_is_a_one_line_error(short_otb, tmp_path, capsys, shard):
    assert main(eval_args(short_otb, tmp_path, "--shard", shard)) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("siamfc eval: error: --shard") and "\n" not in err


def test_ray_not_installed_is_a_one_line_error(short_otb, tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "ray", None)  # 'import ray' now fails, as without the [ray] extra
    assert main(eval_args(short_otb, tmp_path, "--ray", "127.0.0.1:1")) == 2
    err = capsys.readouterr().err.strip()
    assert err == "siamfc eval: error: --ray needs Ray: pip install 'siamfc-plugin[ray]'"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def ray_cluster():
    """A Ray head node with 2 CPUs on the loopback interface, started (and ended, by its process group) here."""
    with pytest.MonkeyPatch.context() as patch:
        for key, value in RAY_LOCAL_ENV.items():  # before Ray is imported: it reads them on import
            patch.setenv(key, value)
        pytest.importorskip("ray", reason="Ray is not installed (pip install -e '.[ray]')")
        yield from _ray_head()


def _ray_head():
    port = free_port()
    temp = tempfile.mkdtemp(prefix="ray-", dir="/tmp")  # short: Ray's socket paths must fit in 107 bytes
    env = dict(os.environ, **RAY_LOCAL_ENV)
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")])  # the workers import this tree
    log = open(os.path.join(temp, "head.log"), "w")
    ray_cli = os.path.join(os.path.dirname(sys.executable), "ray")
    head = subprocess.Popen([ray_cli, "start", "--head", "--block", f"--port={port}", "--num-cpus=2",
                             "--node-ip-address=127.0.0.1", "--include-dashboard=false", "--disable-usage-stats",
                             f"--temp-dir={temp}"], env=env, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    try:
        deadline = time.time() + 120
        while time.time() < deadline:
            if head.poll() is not None:
                pytest.fail(f"ray start exited: {open(log.name).read()[-2000:]}")
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.5)
        else:
            pytest.fail("the Ray head did not start within 120 s")
        yield f"127.0.0.1:{port}"
    finally:
        for sig, wait in ((signal.SIGTERM, 5), (signal.SIGKILL, 10)):
            try:
                os.killpg(head.pid, sig)  # the head and everything it started: its own process group
            except ProcessLookupError:
                break
            try:
                head.wait(timeout=wait)
            except subprocess.TimeoutExpired:
                pass
        log.close()
        shutil.rmtree(temp, ignore_errors=True)


class DiesOnce:
    """A sequence job whose worker process dies (os._exit) the first time it runs `victim`: a lost worker."""

    def __init__(self, marker: str, victim: str) -> None:
        self.marker, self.victim = marker, victim

    def __call__(self, tracker_spec, experiment_spec, seq_name):
        from siamfc_plugin.toolkits.got10k.distributed import run_sequence

        if seq_name == self.victim and not os.path.exists(self.marker):
            open(self.marker, "w").close()
            os._exit(1)
        return run_sequence(tracker_spec, experiment_spec, seq_name)


def test_ray_run_gives_the_plain_results_and_skips_finished(ray_cluster, short_otb, plain_run, tmp_path,
                                                            capsys):
    out = tmp_path / "ray"
    assert main(eval_args(short_otb, out, "--ray", ray_cluster)) == 0
    assert result_files(out) == plain_run
    assert (out / "reports" / "OTB" / "SiamFC-3s" / "performance.json").is_file()
    assert not [p for p in (out / "results").rglob(".*")]  # no private folder left behind
    capsys.readouterr()
    assert main(eval_args(short_otb, out, "--ray", ray_cluster)) == 0
    assert "ran 0, skipped 2" in capsys.readouterr().out


def test_ray_reruns_the_sequence_of_a_lost_worker(ray_cluster, short_otb, plain_run, tmp_path):
    from ray import cloudpickle  # Ray's own copy is the one that pickles its task arguments

    from siamfc_plugin.backends.spec import TrackerSpec
    from siamfc_plugin.toolkits.got10k.distributed import ExperimentSpec, run_on_ray

    cloudpickle.register_pickle_by_value(sys.modules[__name__])  # the workers cannot import this test module
    marker = tmp_path / "died"
    out = tmp_path / "ray-lost"
    summary = run_on_ray(TrackerSpec(name="SiamFC-3s", backend="torch", threads=1),
                         ExperimentSpec("otb", str(short_otb), str(out)), ray_cluster,
                         run_one=DiesOnce(str(marker), "DragonBaby"))
    assert marker.exists()  # a worker did die in the middle of DragonBaby ...
    assert summary["ran"] == 2
    assert result_files(out) == plain_run  # ... and its sequence was run again, to the same bytes
