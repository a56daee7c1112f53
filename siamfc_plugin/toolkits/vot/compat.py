"""Experiment classes that work on vot-toolkit 0.9.0, for any single-target online (trax) tracker.

In vot-toolkit 0.9.0 the stock experiments and the trax runtime disagree on how objects are passed:

- `supervised` (the VOT2013-2019 baseline with re-initialisation) gives the runtime one ObjectStatus where it wants
  a list ("Tracker does not support multiple objects, but multiple objects were provided for initialization"),
  calls update() with no list (refused the same way) and reads `.region` from the list it gets back;
- `multistart` (VOT2020-2022) builds ObjectQuery from an ObjectStatus ("ObjectQuery.state must be a Region"),
  stores ObjectStatus where a Region belongs and indexes the per-frame times as if they were nested;
- the realtime wrapper (`realtime: {grace: N}`) calls update(frame, None) on the runtime (refused again) and has
  no run(), so `unsupervised` and `multistart` cannot be realtime at all.

The classes here keep the stock behaviour and parameters (repetitions, skip_initialize, skip_tags, failure_overlap,
anchor, realtime, analyses...) and only normalise these calls. They subclass the stock experiments, so the stock
analyses (supervised_ar, supervised_average_ar, supervised_eao_score/curve, cumulative_failures, multistart_*,
average_accuracy, success_plot...) accept them. Use them from any stack, also in your own VOT2015-2022 workspace:

    experiments:
      baseline:
        type: siamfc_plugin.toolkits.vot.compat.Supervised
        repetitions: 15
        skip_initialize: 5

(`siamfc vot patch-stack vot2017 --workspace DIR` writes such a copy of a stock stack and points config.yaml at it.)
"""
from __future__ import annotations

from typing import Callable

from vot.experiment.multirun import SupervisedExperiment, UnsupervisedExperiment
from vot.experiment.transformer import Redetection as StockRedetection
from vot.experiment.multistart import MultiStartExperiment, find_anchors
from vot.dataset.proxy import FrameMapSequence
from vot.region import Region, Special, calculate_overlap
from vot.tracker import ObjectStatus, OnlineTrackerRuntime, RealtimeTrackerRuntime, Tracker, Trajectory
from vot.utilities import to_number

# stock type name -> compat class, for rewriting stacks
REPLACEMENTS = {
    "supervised": "siamfc_plugin.toolkits.vot.compat.Supervised",
    "multistart": "siamfc_plugin.toolkits.vot.compat.MultiStart",
    "unsupervised": "siamfc_plugin.toolkits.vot.compat.Unsupervised",
}
# stock transformer name -> compat class
TRANSFORMER_REPLACEMENTS = {
    "redetection": "siamfc_plugin.toolkits.vot.compat.Redetection",
}


def as_objects(new) -> list[ObjectStatus]:
    """None / a Region / an ObjectStatus / a list of either -> a list of ObjectStatus (what the trax runtime wants)."""
    if new is None:
        return []
    if isinstance(new, ObjectStatus):
        return [new]
    if isinstance(new, Region):
        return [ObjectStatus(new, {})]
    return [o if isinstance(o, ObjectStatus) else ObjectStatus(o, {}) for o in new]


def as_status_list(status) -> list[ObjectStatus]:
    if status is None:
        return []
    if isinstance(status, ObjectStatus):
        return [status]
    return list(status)


class NormalizedRuntime(OnlineTrackerRuntime):
    """Wraps an online runtime so that it accepts objects in any form and always answers a list of ObjectStatus."""

    def __init__(self, runtime: OnlineTrackerRuntime):
        super().__init__(runtime.tracker)
        self._runtime = runtime

    @property
    def multiobject(self):
        return self._runtime.multiobject

    def initialize(self, frame, new=None, properties=None):
        status, elapsed = self._runtime.initialize(frame, as_objects(new))
        return as_status_list(status), elapsed

    def update(self, frame, new=None, properties=None):
        status, elapsed = self._runtime.update(frame, as_objects(new))
        return as_status_list(status), elapsed

    def restart(self):
        self._runtime.restart()

    def stop(self):
        self._runtime.stop()


class RealtimeRuntime(RealtimeTrackerRuntime, OnlineTrackerRuntime):
    """The stock realtime wrapper, made an online runtime so that run() (unsupervised, multistart) works.

    One addition: objects that appear later in a multi-object sequence (VOTS realtime). The stock wrapper refuses
    them ("Adding new objects is not supported in realtime tracker runtime": it may skip the frame they come with).
    Here that frame is always handed over with the new objects, even when the tracker is still busy with an earlier
    frame; the time it is behind is added to this update's, so the frames after it are skipped as the stock rule
    says (the previous answer stands for them)."""

    def update(self, frame, new=None):
        if not new:
            return super().update(frame, None)
        behind = max(0.0, self._time - self._interval)
        status, elapsed = self._runtime.update(frame, new)
        total = behind + elapsed
        if total > self._interval and self._countdown <= 0:
            self._time, self._status = total - self._interval, status
        else:
            if total > self._interval:
                self._countdown -= 1
            self._time, self._status = 0, None
        return status, elapsed


class CompatRuntimeMixin:
    """_get_runtime that hands the experiment a normalised (and, when asked for, realtime) online runtime."""

    def _get_runtime(self, tracker: Tracker, sequence, multiobject=False):
        runtime = tracker.runtime()
        if isinstance(runtime, OnlineTrackerRuntime):
            runtime = NormalizedRuntime(runtime)
        if self.realtime is not None:
            grace = to_number(self.realtime.grace, min_n=0)
            fps = to_number(self.realtime.fps, min_n=0, conversion=float)
            interval = 1 / float(sequence.metadata("fps", fps))
            runtime = RealtimeRuntime(runtime, grace, interval)
        return runtime


def _first(status_list) -> ObjectStatus:
    if not status_list:
        raise RuntimeError("the tracker answered no object")
    return status_list[0]


class Supervised(CompatRuntimeMixin, SupervisedExperiment):
    """The stock `supervised` experiment (baseline with re-initialisation after a failure), working on 0.9.0.

    As in the toolkit: a failure is a frame whose overlap with the ground truth is <= failure_overlap; the tracker is
    re-initialised skip_initialize frames later (then past frames tagged with one of skip_tags). Two changes for
    frames without a ground-truth region (a NaN line: target absent or not annotated), following the toolkit's own
    rule for such frames in its multistart analyses (`overlap <= threshold and not groundtruth.is_empty()`): they are
    never a failure, and a re-initialisation never lands on one (it moves on to the next annotated frame). The stock
    experiment counts every absent frame as a failure (overlap 0 with an empty region).
    """

    def execute(self, tracker: Tracker, sequence, force: bool = False, callback: Callable = None):
        if len(sequence.objects()) != 1:
            raise ValueError("Supervised experiment only works on single-target sequences.")
        results = self.results(tracker, sequence)

        with self._get_runtime(tracker, sequence) as runtime:
            if not isinstance(runtime, OnlineTrackerRuntime):
                raise ValueError("Supervised experiment requires an online tracker runtime.")

            for i in range(1, self.repetitions + 1):
                name = f"{sequence.name}_{i:03d}"
                if Trajectory.exists(results, name) and not force:
                    continue
                if self._can_stop(tracker, sequence):
                    return

                trajectory = Trajectory(len(sequence))
                frame = 0
                while frame < len(sequence):
                    while frame < len(sequence) and sequence.groundtruth(frame).is_empty():
                        frame += 1  # nothing to initialise on (target absent or not annotated)
                    if frame >= len(sequence):
                        break
                    _, elapsed = runtime.initialize(sequence.frame(frame),
                                                    [self._get_initialization(sequence, frame)])
                    trajectory.set(frame, Special(Trajectory.INITIALIZATION), {"time": elapsed})
                    frame += 1
                    while frame < len(sequence):
                        status, elapsed = runtime.update(sequence.frame(frame), [])
                        target = _first(status)
                        properties = dict(target.properties)
                        properties["time"] = elapsed
                        groundtruth = sequence.groundtruth(frame)
                        overlap = calculate_overlap(target.region, groundtruth, sequence.size)
                        # the toolkit's own rule (multistart analyses): a frame without ground truth (target absent
                        # or not annotated) is never a failure; the tracker's answer is kept
                        if overlap <= self.failure_overlap and not groundtruth.is_empty():
                            trajectory.set(frame, Special(SupervisedExperiment.FAILURE), properties)
                            frame += self.skip_initialize
                            if self.skip_tags:
                                while frame < len(sequence):
                                    if not [t for t in sequence.tags(frame) if t in self.skip_tags]:
                                        break
                                    frame += 1
                            break
                        trajectory.set(frame, target.region, properties)
                        frame += 1

                if callback:
                    callback(i / self.repetitions)
                trajectory.write(results, name)


class Unsupervised(CompatRuntimeMixin, UnsupervisedExperiment):
    """The stock `unsupervised` experiment; the stock one works on 0.9.0 except with `realtime`, this one also then.

    Transformers (the VOT-LT `redetection` experiment) get the workspace's cache, cache/transformer/: the toolkit's
    resolver looks for it where it is not yet set, so a stock stack's transformer has none and refuses to run
    ("Local cache is required for redetection transformer").
    """

    def transform(self, sequences):
        storage = self.storage  # set once the workspace is loaded, after the experiment was built
        for transformer in self.transformers:
            if getattr(transformer, "_cache", None) is None and storage is not None:
                transformer._cache = storage.substorage("cache").substorage("transformer")
        return super().transform(sequences)


class MultiStart(CompatRuntimeMixin, MultiStartExperiment):
    """The stock `multistart` experiment (VOT2020-2022: runs from every anchor frame, forward or backward)."""

    def execute(self, tracker: Tracker, sequence, force: bool = False, callback: Callable = None) -> None:
        results = self.results(tracker, sequence)
        forward, backward = find_anchors(sequence, self.anchor)
        if len(forward) == 0 and len(backward) == 0:
            raise RuntimeError(f"Sequence {sequence.name} does not contain any anchors ({self.anchor}.value)")
        total, current = len(forward) + len(backward), 0

        with self._get_runtime(tracker, sequence) as runtime:
            for i, reverse in [(f, False) for f in forward] + [(f, True) for f in backward]:
                name = f"{sequence.name}_{i:08d}"
                if Trajectory.exists(results, name) and not force:
                    continue
                if reverse:
                    proxy = FrameMapSequence(sequence, list(reversed(range(0, i + 1))))
                else:
                    proxy = FrameMapSequence(sequence, list(range(i, len(sequence))))

                trajectory = Trajectory(len(proxy))
                _, elapsed = runtime.initialize(proxy.frame(0), [self._get_initialization(proxy, 0)])
                trajectory.set(0, Special(Trajectory.INITIALIZATION), {"time": elapsed})
                for frame in range(1, len(proxy)):
                    status, elapsed = runtime.update(proxy.frame(frame), [])
                    target = _first(status)
                    properties = dict(target.properties)
                    properties["time"] = elapsed
                    trajectory.set(frame, target.region, properties)
                trajectory.write(results, name)

                current += 1
                if callback:
                    callback(current / total)


class Redetection(StockRedetection):
    """The stock `redetection` transformer (VOT-LT stacks) with its sequence length as documented.

    The stock one builds a two-frame sequence (frame 0 padded to `scaling` times its size; then the target's patch
    moved to the bottom-right corner) and maps it as [0] * initialization + [1] * (len(source) - initialization),
    with len(source) == 2: every frame is frame 0, the target never moves and redetection is never tested. Here
    the map is [0] * initialization + [1] * (length - initialization): `initialization` frames to start on, then
    the target elsewhere for the rest of the `length` frames.
    """

    def __call__(self, sequence):
        from vot.dataset.proxy import FrameMapSequence

        [stock] = super().__call__(sequence)
        source = stock._source
        initialization = min(self.initialization, self.length)
        return [FrameMapSequence(source, [0] * initialization + [1] * (self.length - initialization))]
