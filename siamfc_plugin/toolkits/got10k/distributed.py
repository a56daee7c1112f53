"""`siamfc eval` past one machine: over a Ray cluster (`--ray ADDRESS`) or a Slurm job array (`--shard K/N`).

Both split an experiment by sequence; the engine (Ray, or Slurm) schedules, this module only says what one
sequence's job is. Every sequence runs into a private folder beside the shared results folder, and its files are
then moved into place with os.replace, the record file (got10k's "finished" mark) last: a reader, or a job started
again, sees a sequence finished or not at all, never half of one. Finished sequences are skipped (got10k's own rule:
the record file exists), so a job run again does only what is missing. Ray runs a lost worker's sequence again
(max_retries). The report is made once, by the Ray driver at the end, or for shards by a plain `siamfc eval` with
the same options once every shard is done. The result files are those of a single-machine run byte for byte (the
per-frame times files aside: they are wall-clock measurements), as long as every machine runs the same backend on
the same kind of CPU: the driver resolves `--backend auto` once and hands its choice to every worker.
"""
from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from dataclasses import dataclass
from typing import Any, Callable

from ...backends.spec import TrackerSpec, claim_folder
from ...common.errors import ConfigError

RETRIES = 3  # a sequence whose worker is lost is run again, up to this many times


def build(spec: TrackerSpec):
    """The got10k tracker a worker runs: the very spec the driver resolved (paths readable on every machine)."""
    from ...backends.build import build_tracker
    from .adapter import Got10kTracker

    return Got10kTracker(build_tracker(spec).tracker, name=spec.label)


@dataclass(frozen=True)
class ExperimentSpec:
    """The experiment as `siamfc eval` names it; `names`: only these sequences (None: all)."""
    dataset: str
    root: str
    out_dir: str
    subset: str = "val"
    names: tuple | None = None

    def make(self, names: list[str] | None = None, results: str | None = None, reports: str | None = None):
        from .experiments import make_experiment

        return make_experiment(self.dataset, self.root, results or os.path.join(self.out_dir, "results"),
                               reports or os.path.join(self.out_dir, "reports"), self.subset,
                               list(names or self.names or []) or None)


# ---- which sequences ------------------------------------------------------------------------------------------------
def parse_shard(text: str) -> tuple[int, int]:
    """'K/N' (1 <= K <= N) -> (K, N); a clear error otherwise."""
    try:
        k, n = (int(v) for v in text.split("/"))
    except ValueError:
        raise ConfigError(f"--shard {text!r}: expected K/N, e.g. 1/4") from None
    if n < 1 or not 1 <= k <= n:
        raise ConfigError(f"--shard {text!r}: need 1 <= K <= N")
    return k, n


def shard_names(names: list[str], k: int, n: int) -> list[str]:
    """Shard K of N: every N-th sequence from the K-th (1-based), in the experiment's order."""
    return list(names[k - 1::n])


def unfinished(experiment_spec: ExperimentSpec, tracker_name: str, names: list[str] | None = None) -> list[str]:
    from .experiments import record_file

    experiment = experiment_spec.make()
    names = list(experiment.dataset.seq_names) if names is None else names
    return [n for n in names if not os.path.exists(record_file(experiment, tracker_name, n))]


# ---- one sequence -----------------------------------------------------------------------------------------------------
_TRACKERS: dict = {}  # one built tracker per spec in each worker process: the model loads once, not per sequence


def run_sequence(tracker_spec: TrackerSpec, experiment_spec: ExperimentSpec, seq_name: str) -> str:
    """Run one sequence into a private folder, then publish its files into the shared results; returns its name."""
    final = os.path.join(experiment_spec.out_dir, "results")
    os.makedirs(final, exist_ok=True)
    private = tempfile.mkdtemp(prefix=f".{seq_name}-{uuid.uuid4().hex[:8]}-", dir=final)
    try:
        tracker = _TRACKERS.get(tracker_spec)
        if tracker is None:
            tracker = _TRACKERS[tracker_spec] = build(tracker_spec)
        experiment = experiment_spec.make([seq_name], private, os.path.join(private, ".reports"))
        experiment.run(tracker)
        from .experiments import record_file

        publish(private, final, marker=os.path.relpath(record_file(experiment, tracker.name, seq_name), private))
    finally:
        shutil.rmtree(private, ignore_errors=True)
    return seq_name


def publish(private: str, final: str, marker: str) -> None:
    """Move every result file from `private` to the same place under `final` (os.replace: atomic on one file
    system), the `marker` record last, so that the sequence counts as finished only once all its files are there."""
    files = []
    for folder, _, names in os.walk(private):
        if os.path.relpath(folder, private).split(os.sep)[0] == ".reports":
            continue
        files += [os.path.relpath(os.path.join(folder, n), private) for n in names]
    for rel in sorted(files, key=lambda r: (r == marker, r)):
        target = os.path.join(final, rel)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        os.replace(os.path.join(private, rel), target)


# ---- engines ----------------------------------------------------------------------------------------------------------
def claim(tracker_spec: TrackerSpec, experiment_spec: ExperimentSpec, overwrite: bool = False,
          record: dict | None = None) -> None:
    """The results folder of this tracker carries its spec; another spec's results there are an error."""
    from .experiments import tracker_results_dir

    claim_folder(tracker_results_dir(experiment_spec.make(), tracker_spec.label), tracker_spec, overwrite, record)


def run_shard(tracker_spec: TrackerSpec, experiment_spec: ExperimentSpec, k: int, n: int,
              progress: Callable[[str], None] = print, record: dict | None = None) -> dict[str, Any]:
    """This machine's share of the sequences (a Slurm array task), finished ones skipped."""
    claim(tracker_spec, experiment_spec, record=record)
    names = list(experiment_spec.make().dataset.seq_names)
    mine = shard_names(names, k, n)
    todo = unfinished(experiment_spec, tracker_spec.label, mine)
    for seq_name in todo:
        run_sequence(tracker_spec, experiment_spec, seq_name)
        progress(f"shard {k}/{n}: {seq_name} done")
    return {"shard": f"{k}/{n}", "sequences": len(mine), "ran": len(todo), "skipped": len(mine) - len(todo)}


def require_ray():
    """The ray module, or a clear error saying how to install it."""
    try:
        import ray
    except ImportError:
        raise ConfigError("--ray needs Ray: pip install 'siamfc-plugin[ray]'") from None
    return ray


def run_on_ray(tracker_spec: TrackerSpec, experiment_spec: ExperimentSpec, address: str,
               run_one: Callable = run_sequence, cpus_per_sequence: int = 1,
               progress: Callable[[str], None] = print, overwrite: bool = False,
               record: dict | None = None) -> dict[str, Any]:
    """Every unfinished sequence as one Ray task on the cluster at `address`; a task whose worker is lost is run
    again (up to RETRIES times). Waits for all of them; errors of a sequence are raised here. overwrite: this
    tracker's old results are deleted first."""
    ray = require_ray()
    claim(tracker_spec, experiment_spec, overwrite, record)
    names = list(experiment_spec.make().dataset.seq_names)
    todo = unfinished(experiment_spec, tracker_spec.label, names)
    ray.init(address=address, log_to_driver=False, ignore_reinit_error=True)
    try:
        task = ray.remote(num_cpus=cpus_per_sequence, max_retries=RETRIES, retry_exceptions=False)(_call)
        pending = {task.remote(run_one, tracker_spec, experiment_spec, name): name for name in todo}
        while pending:
            done, _ = ray.wait(list(pending), num_returns=1)
            name = pending.pop(done[0])
            ray.get(done[0])
            progress(f"ray: {name} done ({len(todo) - len(pending)}/{len(todo)})")
    finally:
        ray.shutdown()
    return {"ray": address, "sequences": len(names), "ran": len(todo), "skipped": len(names) - len(todo)}


def _call(run_one: Callable, *args):
    """The Ray task: `run_one` travels as an argument, so that it may be any picklable callable."""
    return run_one(*args)
