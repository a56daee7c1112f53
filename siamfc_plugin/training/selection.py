"""The model-selection rule: rank models on many whole sequences, several seeds per configuration, by
paired differences, never by the best of many checkpoints on a small set.

Sequences: the eight development sequences (OTB and VOT folders of ../shared/data/eval) plus the validation videos
that the curation config holds out of training (`[validation]`, curate.ValidationSplit). Each is tracked once from
its first visible box to its end with no restarts (the OTB protocol) and scored by one-pass success AUC.

Rule: a configuration's per-sequence AUC is the mean over its seeds. It qualifies when its mean paired gain over
the better baseline (the higher mean AUC of the two existing models) exceeds the standard error of that paired gain
over the sequences; each of its seeds must qualify on its own as well. Of a qualifying configuration the seed with
the median combined AUC ships (not the best seed: picking the maximum of noisy runs is the selection error this
rule replaces). When nothing qualifies, the better baseline stays.

Clean comparisons: a sequence used to choose a model (a checkpoint among epochs or runs, or a configuration) would
flatter it, so every model carries the sequences it was selected on (`selected_on`: the checkpoint's own key, which
the trainer writes into best.pth; else a `<checkpoint>.selection.json` beside it, which is how the shipped model,
whose bytes identify it, records its selection; else `siamfc select --selected-on LABEL=...`). Every comparison of
two models leaves out the sequences either of them was selected on, and the report lists what it left out.
"""
from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass, field

import numpy as np
from tqdm import tqdm

from ..common.atomic import write_text as atomic_write_text
from ..common.errors import ConfigError
from ..data.images import read_frame
from ..data.readers import Sequence, read_sequences

FRAME_CACHE_BYTES = 2 << 30
DEVELOPMENT_GROUPS = {  # names `--selected-on` accepts for the development sets the early models were chosen on
    "dev": ("otb/Crossing", "otb/DragonBaby", "otb/FaceOcc1", "otb/Human3", "otb/MotorRolling", "vot/ball1",
            "vot/book", "vot/bag"),
    "otb-dev": ("otb/Crossing", "otb/DragonBaby", "otb/FaceOcc1", "otb/Human3", "otb/MotorRolling"),
}


def expand_selected_on(names) -> set[str]:
    """Sequence names, with the group names of DEVELOPMENT_GROUPS expanded."""
    out: set[str] = set()
    for name in names:
        out |= set(DEVELOPMENT_GROUPS.get(name, (name,)))
    return out


def selection_sidecar(checkpoint: str) -> str:
    return os.path.splitext(checkpoint)[0] + ".selection.json"


def checkpoint_selected_on(checkpoint: str) -> set[str]:
    """The sequences a checkpoint was selected on: its `selected_on` key, else its sidecar's, else none."""
    sidecar = selection_sidecar(checkpoint)
    if os.path.isfile(sidecar):
        with open(sidecar) as handle:
            return expand_selected_on(json.load(handle)["selected_on"])
    from ..core.checkpoint import read_checkpoint

    return expand_selected_on(read_checkpoint(checkpoint).get("selected_on", ()))


def _base(name: str) -> str:
    return name.rsplit("/", 1)[-1]


def clean(names, selected: set[str]) -> list[str]:
    """`names` less those in `selected` (matched whole, or on the part after the last "/": the trainer records its
    validation folder's bare sequence names)."""
    bare = {_base(n) for n in selected}
    return [n for n in names if n not in selected and _base(n) not in bare]  # decode a sequence once for all models when its frames fit in this much memory


def development_sequences(shared_root: str) -> list[Sequence]:
    """The OTB and VOT development sequences of a shared-data folder, named "otb/<seq>" and "vot/<seq>"."""
    sequences = []
    for layout in ("otb", "vot"):
        for seq in read_sequences(os.path.join(shared_root, "eval", layout)):
            seq.name = f"{layout}/{seq.name}"
            sequences.append(seq)
    return sequences


def selection_sequences(shared_root: str, curate_config: str | None) -> list[Sequence]:
    """Development sequences plus the curation config's validation videos."""
    sequences = development_sequences(shared_root)
    if curate_config:
        from .curate import read_curation, validation_sequences

        sources, _, split = read_curation(curate_config)
        sequences += validation_sequences(sources, split)
    return sequences


def score_models(models: dict[str, str], sequences: list[Sequence], preset: str = "siamfc-3s",
                 threads: int | None = None) -> dict[str, dict[str, float]]:
    """{model label: {sequence name: one-pass AUC}}; frames decoded once per sequence for all models."""
    from ..backends.build import build_tracker
    from ..core.frame_loop import run_sequence

    trackers = {label: build_tracker(path, preset=preset, threads=threads, backend="torch").tracker
                for label, path in models.items()}
    scores: dict[str, dict[str, float]] = {label: {} for label in models}
    for seq in tqdm(sequences, desc="select", unit="seq"):
        first = read_frame(seq.frames[0])
        frames = ([first] + [read_frame(f) for f in seq.frames[1:]]
                  if first.nbytes * len(seq) <= FRAME_CACHE_BYTES else None)
        for label, tracker in trackers.items():
            scores[label][seq.name] = float(run_sequence(tracker, seq, frames=frames).auc)
    return scores


@dataclass
class Paired:
    """A paired comparison over sequences: mean difference, its standard error, wins."""

    mean: float
    se: float
    wins: int
    n: int

    @staticmethod
    def of(a: dict[str, float], b: dict[str, float], left_out: set[str] = frozenset()) -> "Paired":
        """a - b over the sequences both scored, less `left_out` (those either model was selected on)."""
        names = clean(sorted(set(a) & set(b)), left_out)
        if not names:
            raise ConfigError("no sequence is left to compare on: every one was used to select one of the models")
        diff = np.array([a[n] - b[n] for n in names])
        se = float(diff.std(ddof=1) / math.sqrt(len(diff))) if len(diff) > 1 else float("nan")
        return Paired(float(diff.mean()), se, int((diff > 0).sum()), len(diff))

    def significant_gain(self) -> bool:
        return self.mean > 0 and self.mean > self.se


def mean_se(values: list[float]) -> tuple[float, float]:
    array = np.asarray(values, dtype=float)
    se = float(array.std(ddof=1) / math.sqrt(len(array))) if len(array) > 1 else float("nan")
    return float(array.mean()), se


@dataclass
class Decision:
    baselines: dict[str, float]  # label: mean AUC
    better_baseline: str
    configurations: dict[str, dict] = field(default_factory=dict)
    ships: str = ""  # the model label that ships
    reason: str = ""
    left_out: dict[str, list[str]] = field(default_factory=dict)  # sequences left out of the baselines' ranking


def decide(scores: dict[str, dict[str, float]], configurations: dict[str, list[str]],
           baselines: list[str], selected_on: dict[str, set[str]] | None = None) -> Decision:
    """Apply the rule (module docstring). `configurations`: {configuration: [model labels, one per seed]};
    `selected_on`: {model label: sequences it was selected on}, left out of every comparison it takes part in."""
    selected = {label: set((selected_on or {}).get(label, ())) for label in scores}
    # the baselines are ranked on the sequences none of them was selected on
    baseline_left_out = set().union(*(selected[b] for b in baselines))
    if not all(clean(scores[b], baseline_left_out) for b in baselines):
        raise ConfigError("no sequence is left to rank the baselines on: every one was used to select one of them")
    means = {label: mean_se([scores[label][n] for n in clean(sorted(scores[label]), baseline_left_out)])[0]
             for label in baselines}
    better = max(baselines, key=lambda label: means[label])
    decision = Decision(means, better, left_out={"baselines": sorted(baseline_left_out)})
    qualifying = []
    for config, labels in configurations.items():
        config_selected = set().union(*(selected[label] for label in labels))
        names = sorted(set.intersection(*(set(scores[label]) for label in labels)))
        seed_mean = {n: float(np.mean([scores[label][n] for label in labels])) for n in names}
        own = clean(names, config_selected)
        entry = {"seeds": labels, "mean_auc": mean_se([seed_mean[n] for n in own]),
                 "per_seed_auc": {label: mean_se([scores[label][n] for n in own])[0] for label in labels},
                 "paired": {b: Paired.of(seed_mean, scores[b], config_selected | selected[b]).__dict__
                            for b in baselines},
                 "per_seed_paired": {label: Paired.of(scores[label], scores[better],
                                                      selected[label] | selected[better]).__dict__
                                     for label in labels},
                 "left_out": {b: sorted(config_selected | selected[b]) for b in baselines}}
        config_gain = Paired.of(seed_mean, scores[better], config_selected | selected[better])
        seeds_gain = all(Paired.of(scores[label], scores[better], selected[label] | selected[better])
                         .significant_gain() for label in labels)
        entry["qualifies"] = bool(config_gain.significant_gain() and seeds_gain and len(labels) >= 3)
        decision.configurations[config] = entry
        if entry["qualifies"]:
            qualifying.append((config_gain.mean, config))
    if not qualifying:
        decision.ships = better
        decision.reason = (f"no configuration's paired gain over {better} exceeds its standard error with every seed "
                           "(and at least 3 seeds): the better existing model stays")
        return decision
    _, config = max(qualifying)
    labels = decision.configurations[config]["seeds"]
    ordered = sorted(labels, key=lambda label: decision.configurations[config]["per_seed_auc"][label])
    decision.ships = ordered[(len(ordered) - 1) // 2]
    decision.reason = (f"configuration {config} gains over {better} by more than its standard error, every seed "
                       f"too; its median seed {decision.ships} ships")
    return decision


def write_report(path: str, scores, decision: Decision, models: dict[str, str], sequences: list[Sequence],
                 preset: str, selected_on: dict[str, set[str]] | None = None) -> None:
    atomic_write_text(path, json.dumps({"models": models, "preset": preset, "sequences": [s.name for s in sequences],
                                        "selected_on": {k: sorted(v) for k, v in (selected_on or {}).items()},
                                        "auc": scores, "decision": decision.__dict__}, indent=1))
