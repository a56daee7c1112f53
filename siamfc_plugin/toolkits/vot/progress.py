"""What `vot evaluate` says about its progress, turned into a line a person can read.

vot-toolkit 0.9.0 draws a tqdm bar only when its stdout is a terminal; read through a pipe (as every caller here
reads it) it prints bare percentages instead, one line per change ("33 %"), 0-100 for each tracker and experiment
in turn (for tracker: for experiment: for sequence: for repetition). Knowing that order, the sequences and the
repetitions, a percentage says which tracker, experiment, sequence and repetition is running: EvaluationProgress
shows that with the overall bar and its ETA, on a terminal only, never under --quiet (common/progress.py), and
takes the bare percentages out of the echoed output in every case.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from ...common import progress

PERCENT = re.compile(r"^\s*(\d+) %\s*$")


@dataclass
class Run:
    """One tracker on one experiment: the toolkit's 0-100 %."""
    tracker: str
    experiment: str
    sequences: list[str]
    repetitions: int


def evaluation_runs(workspace: str, trackers: list[str], experiments: list[str] | None = None) -> list[Run]:
    """The runs `vot evaluate` makes, in its order, from the toolkit's own view of the workspace."""
    from vot.workspace import Workspace

    loaded = Workspace.load(workspace)
    resolved = loaded.registry.resolve(*trackers, storage=loaded.storage.substorage("results"), skip_unknown=False)
    chosen = [(key, experiment) for key, experiment in loaded.stack.experiments.items()
              if not experiments or key in experiments]
    runs = []
    for tracker in resolved:
        for key, experiment in chosen:
            sequences = [t.name for sequence in loaded.dataset for t in experiment.transform(sequence)]
            runs.append(Run(tracker.identifier, key, sequences, int(getattr(experiment, "repetitions", 1) or 1)))
    return runs


class EvaluationProgress:
    """Called with every line of the toolkit's output; True for a percentage line (consumed: not echoed)."""

    def __init__(self, runs: list[Run], quiet: bool = False) -> None:
        self.runs = runs
        self.run = 0
        self.last: int | None = None
        self.quiet = quiet or not runs
        self.bar = None  # drawn at the first percentage, below what the toolkit said before it

    def _bar(self, desc: str):
        if self.bar is None:
            self.bar = progress.bar(100 * len(self.runs), desc=desc, quiet=self.quiet, unit="%", leave=False,
                                    bar_format="{desc} |{bar}| {percentage:3.0f}% [{elapsed}<{remaining}]")
        return self.bar

    def __call__(self, line: str) -> bool:
        match = PERCENT.match(line)
        if not match:
            return False
        value = int(match.group(1))
        if self.last is not None and (value < self.last or self.last == 100):  # the next tracker or experiment
            self.run += 1
        self.last = value
        if not self.quiet and self.run < len(self.runs):
            desc = self.describe(self.runs[self.run], value)
            bar = self._bar(desc)
            bar.set_description_str(desc, refresh=False)
            bar.update(self.run * 100 + value - bar.n)
        return True

    @staticmethod
    def describe(run: Run, percent: int) -> str:
        """'SiamFC-3s baseline: sequence 2/3 (book), repetition 1/15' for a run at `percent`."""
        count = max(1, len(run.sequences))
        if percent >= 100:
            return f"{run.tracker} {run.experiment}: {count} sequences done"
        position = percent / 100 * count
        index = min(int(position), count - 1)
        repetition = min(int((position - index) * run.repetitions) + 1, run.repetitions)
        name = f" ({run.sequences[index]})" if run.sequences else ""
        return (f"{run.tracker} {run.experiment}: sequence {index + 1}/{count}{name}, "
                f"repetition {repetition}/{run.repetitions}")

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
