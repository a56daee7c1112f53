"""got10k experiments that work offline and under numpy 2, on folders of any sequences.

- otb: any OTB-layout folder (<seq>/img/*.jpg + groundtruth_rect.txt), not only the official OTB name lists
  (got10k's own ExperimentOTB insists on its lists and tries to download).
- dtb70: OTB-like folders; uav123: the UAV123 layout (anno/UAV123 + data_seq/UAV123), any sequence names.
- got10k: got10k's ExperimentGOT10k on a val or test split.
- vot: got10k's ExperimentVOT (patched for numpy 2) on a vot-toolkit sequences folder (color/ sub-folders).
Every folder is read by the plugin's one reader (siamfc_plugin/formats: frames paired with ground-truth lines by
number, OTB's official ranges, every line a box, a documented absence or an error naming the file and the line);
GOT-10k's val split is checked by it before got10k reads it. Each writes got10k's own results, performance.json and
plots; results are written atomically, finished sequences are never re-run or overwritten unless `overwrite=True`,
and a results file that cannot be a finished run (empty, cut short) is removed so that its sequence runs again.
run(tracker) first makes the tracker's results folder carry its spec (tracker-spec.json, claim_results) when the
tracker has one (Got10kTracker.from_built): the record `siamfc eval` writes, so that the Python API and the command
line resume and report each other's results.
"""
from __future__ import annotations

import contextlib
import glob
import json
import logging
import os
import shutil
import sys
from typing import Any

import numpy as np

from ...common.atomic import write_text
from ...common.errors import AnnotationError
from ...data.readers import groundtruth_counts, read_sequences
from ...formats.sequences import loader_differences
from .adapter import patch_got10k
from ...common.errors import InputError, InputNotFoundError, UsageError

patch_got10k()

from got10k.datasets import VOT  # noqa: E402
from got10k.experiments import ExperimentGOT10k, ExperimentOTB, ExperimentUAV123, ExperimentVOT  # noqa: E402

log = logging.getLogger(__name__)

DATASETS = ("otb", "got10k", "vot", "uav123", "dtb70")


class FolderDataset:
    """got10k's dataset protocol (seq_names, (img_files, anno) items) over the plugin's one reader
    (siamfc_plugin/formats): frames paired with ground-truth lines by number, every line a box or a documented
    absence, or the run is refused naming the file and the line before anything is tracked."""

    def __init__(self, root: str, layout: str = "otb", names: list[str] | None = None) -> None:
        self.sequences = read_sequences(root, layout, names)
        if not self.sequences:
            raise InputNotFoundError(f"no sequences found under {root}")
        self.seq_names = [s.name for s in self.sequences]

    def __getitem__(self, index):
        if isinstance(index, str):
            index = self.seq_names.index(index)
        seq = self.sequences[index]
        return seq.frames, seq.boxes

    def __len__(self) -> int:
        return len(self.sequences)


def claim_results(experiment, tracker, overwrite: bool = False) -> None:
    """Make `tracker`'s results folder in `experiment` carry the tracker's spec and record (backends/spec.py
    claim_folder: tracker-spec.json) when it has a spec (Got10kTracker.from_built); results of another tracker there
    are an error naming both, unless overwrite (then they are deleted)."""
    spec = getattr(tracker, "spec", None)
    if spec is None:
        return
    from ...backends.spec import claim_folder

    claim_folder(tracker_results_dir(experiment, tracker.name), spec, overwrite, getattr(tracker, "record", None))


class ClaimsResults:
    """run(tracker) claims the tracker's results folder first (claim_results), then runs got10k's experiment, and
    records where its times were taken (speed_recorded)."""

    def run(self, tracker, visualize=False):
        claim_results(self, tracker)
        with speed_recorded(self, tracker.name):
            return super().run(tracker, visualize=visualize)


@contextlib.contextmanager
def speed_recorded(experiment, tracker_name: str):
    """machine.json (common/speed_record.py: the CPU and the load average) beside the tracker's results when the
    block tracked sequences: their times were taken on this machine, under this load. A block that only found
    finished sequences leaves the record of the run that made them."""
    from ...common.speed_record import load_average, write_speed_record

    def finished() -> int:
        return sum(os.path.exists(record_file(experiment, tracker_name, n)) for n in experiment.dataset.seq_names)

    before, load_at_start = finished(), load_average()
    yield
    ran = finished() - before
    if ran > 0:
        write_speed_record(tracker_results_dir(experiment, tracker_name), load_at_start, ran)


def _atomic_record(record_file: str, boxes, times) -> None:
    """got10k's OTB-style record (boxes, then times in times/), each file written atomically."""
    write_text(record_file, "\n".join(",".join(f"{v:.3f}" for v in box) for box in np.asarray(boxes)) + "\n")
    time_dir = os.path.join(os.path.dirname(record_file), "times")
    time_file = os.path.join(time_dir, os.path.basename(record_file).replace(".txt", "_time.txt"))
    write_text(time_file, "\n".join(f"{t:.8f}" for t in np.asarray(times)) + "\n")


class ReportPlots:
    """got10k's success_plots.png and precision_plots.png (in the report folder), drawn by analysis.figures as on the
    leaderboard: titled with the experiment and its sequence count, each legend naming its metric (got10k 0.1.3's
    say "Success plots of OPE" and a bare number, and change matplotlib's global font size)."""

    def plot_curves(self, tracker_names):
        from analysis.figures import one_pass_panel

        report_dir = os.path.join(self.report_dir, tracker_names[0])
        with open(os.path.join(report_dir, "performance.json")) as handle:
            performance = json.load(handle)
        curves = {name: values["overall"] for name, values in performance.items()}
        title = (f"{os.path.basename(self.result_dir)} one-pass evaluation (got10k): "
                 f"{len(self.dataset.seq_names)} sequences")
        for kind in ("success", "precision"):
            one_pass_panel(curves, os.path.join(report_dir, f"{kind}_plots.png"), kind, title)


class ExperimentOTBFolder(ReportPlots, ClaimsResults, ExperimentOTB):
    """ExperimentOTB over any OTB-layout folder (layout 'otb', or 'dtb70': the same files, commas only, never the
    OTB table); `name` names the results and reports sub-folders."""

    def __init__(self, root_dir: str, result_dir: str = "results", report_dir: str = "reports",
                 name: str = "OTB", names: list[str] | None = None, layout: str = "otb") -> None:
        self.dataset = FolderDataset(root_dir, layout, names)
        self.result_dir = os.path.join(result_dir, name)
        self.report_dir = os.path.join(report_dir, name)
        self.nbins_iou = 21
        self.nbins_ce = 51

    def _record(self, record_file, boxes, times):
        _atomic_record(record_file, boxes, times)


class UAV123Folder(FolderDataset):
    """UAV123 layout (anno/UAV123/<seq>.txt, data_seq/UAV123/<folder>/*.jpg) for any sequence names: official
    names use got10k's frame ranges (sub-sequences such as bird1_1 share a folder); others use their whole folder."""

    def __init__(self, root_dir: str, names: list[str] | None = None) -> None:
        super().__init__(root_dir, "uav123", names)


class VOTFolder(VOT):
    """got10k's VOT dataset over the plugin's one reader, without the download step: frames paired with lines by
    number (a missing frame is refused naming it, never shifted), rectangles and polygons per line as vot-toolkit
    reads them (a file mixing both is given to got10k as polygons: a rectangle as its four corners)."""

    def __init__(self, root_dir: str, anno_type: str = "default", return_meta: bool = True,
                 names: list[str] | None = None) -> None:
        self.root_dir = root_dir
        self.version = 2017
        self.anno_type = anno_type
        self.return_meta = return_meta
        listed = read_sequences(root_dir, "vot", names)
        self.sequences = listed
        self.seq_names = [s.name for s in listed]
        self.seq_dirs = [os.path.join(root_dir, s) for s in self.seq_names]
        self.anno_files = [s.groundtruth for s in listed]

    def __getitem__(self, index):
        if isinstance(index, str):
            index = self.seq_names.index(index)
        seq = self.sequences[index]
        anno = vot_annotation(seq)
        if self.anno_type == "rect" and anno.shape[1] == 8:
            anno = self._corner2rect(anno)
        if self.return_meta:
            # got10k's own meta: the tag and label files, and practical.value (its 'empty' tag leaves it out)
            meta = {key: np.asarray(values, dtype=np.float64) for key, values in seq.attributes.items()}
            if "practical" in seq.values:
                meta["practical"] = np.asarray(seq.values["practical"], dtype=np.float64)
            return list(seq.frames), anno, meta
        return list(seq.frames), anno

    def __len__(self) -> int:
        return len(self.sequences)


def vot_annotation(seq) -> np.ndarray:
    """got10k's (N, 4) or (N, 8) array of a VOT sequence's regions: rectangles as they are when every line is one,
    else 8 corner values per line (a rectangle as its four corners); an unknown frame is a row of NaN (got10k scores
    NaN overlaps as missing)."""
    rectangles = all(np.asarray(r).size == 4 for r in seq.regions)
    rows = []
    for region, visible in zip(seq.regions, seq.visible):
        v = np.asarray(region, dtype=np.float64).reshape(-1)
        if not visible:
            rows.append(np.full(4 if rectangles else 8, np.nan))
        elif v.size == 4 and not rectangles:
            x, y, w, h = v
            rows.append(np.array([x, y, x + w, y, x + w, y + h, x, y + h]))
        elif v.size > 8:
            raise AnnotationError(f"{seq.groundtruth}: a polygon of {v.size // 2} points; got10k's VOT experiment "
                                  "reads 4 (8 values)")
        else:
            rows.append(v)
    return np.array(rows, dtype=np.float64)


class ExperimentVOTFolder(ClaimsResults, ExperimentVOT):
    """ExperimentVOT on a local vot-toolkit sequences folder, offline; records written atomically."""

    def __init__(self, root_dir: str, experiments=("supervised",), result_dir: str = "results",
                 report_dir: str = "reports", name: str = "VOT", names: list[str] | None = None) -> None:
        self.dataset = VOTFolder(root_dir, names=names)
        self.experiments = (experiments,) if isinstance(experiments, str) else tuple(experiments)
        self.read_image = True
        self.result_dir = os.path.join(result_dir, name)
        self.report_dir = os.path.join(report_dir, name)
        self.skip_initialize = 5
        self.burnin = 10
        self.repetitions = 15
        self.sensitive = 100
        self.nbins_eao = 1500
        self.tags = ["camera_motion", "illum_change", "occlusion", "size_change", "motion_change", "empty"]

    def _record(self, record_file, boxes, times):
        """got10k's VOT record (a special code 1/0/2 or a box per line, times appended per repetition), each file
        written atomically: an interrupted run leaves no half-written file that a later run counts as finished."""
        write_text(record_file, "\n".join(f"{box[0]:d}" if len(box) == 1 else ",".join(f"{t:.4f}" for t in box)
                                          for box in boxes))
        lines = [f"{t:.4f}".replace("nan", "NaN") for t in times]
        time_file = record_file[:record_file.rfind("_")] + "_time.txt"
        if os.path.exists(time_file):
            with open(time_file) as handle:
                lines = [t + "," + s for t, s in zip(handle.read().strip().split("\n"), lines)]
        write_text(time_file, "\n".join(lines))


class ExperimentUAV123Folder(ReportPlots, ClaimsResults, ExperimentUAV123):
    """got10k's UAV123 experiment (NaN-aware metrics) over UAV123Folder."""

    def __init__(self, root_dir: str, result_dir: str = "results", report_dir: str = "reports",
                 names: list[str] | None = None) -> None:
        self.dataset = UAV123Folder(root_dir, names)
        self.result_dir = os.path.join(result_dir, "UAV123")
        self.report_dir = os.path.join(report_dir, "UAV123")
        self.nbins_iou = 21
        self.nbins_ce = 51

    def _record(self, record_file, boxes, times):
        _atomic_record(record_file, boxes, times)


class ExperimentGOT10kFolder(ClaimsResults, ExperimentGOT10k):
    """got10k's GOT-10k experiment, its results folder claimed for the tracker's spec."""


GOT10K_SUBSETS = ("val", "test")


# got10k 0.1.3 reads these from every val sequence when it reports (and crashes on the first one missing)
GOT10K_VAL_FILES = ("groundtruth.txt", "meta_info.ini", "cover.label", "absence.label", "cut_by_image.label")


def check_dataset_root(dataset: str, root: str, names: list[str] | None = None, subset: str = "val") -> None:
    """One clear line, before the model loads, when --root cannot be the dataset's folder or the plugin's reader
    refuses its ground truth (naming the file and the line, or the frame)."""
    if not os.path.exists(root):
        raise InputNotFoundError(f"--root {root}: not found")
    if not os.path.isdir(root):
        raise UsageError(f"--root {root} is a file, not a dataset folder: `siamfc eval` runs a benchmark over a folder "
                         "of sequences (`siamfc track` tracks one video)")
    if dataset == "vot" and not os.path.isfile(os.path.join(root, "list.txt")):
        from ...data.readers import detect_layout

        try:
            layout = detect_layout(root)
        except (ValueError, OSError):
            layout = None
        hint = f"; it looks like a folder of {layout} sequences: --dataset {layout}" if layout in DATASETS and \
            layout != "vot" else ""
        raise UsageError(f"--root {root}: not a VOT sequences folder (no list.txt){hint}")
    sequences = read_groundtruth_of(dataset, root, names, subset)
    for note in loader_differences(sequences or []):  # said before any work, naming the file
        print(f"siamfc eval: note: {note}", file=sys.stderr)


def read_groundtruth_of(dataset: str, root: str, names: list[str] | None = None, subset: str = "val") -> list | None:
    """The dataset's sequences as its experiment reads them (make_experiment); None for GOT-10k's test split,
    which got10k reads alone (only its first frames are annotated)."""
    if dataset in ("otb", "dtb70", "uav123", "vot"):
        return read_sequences(root, dataset, names)
    if dataset == "got10k" and subset == "val":
        check_got10k_val(root)
        listed = os.path.join(root, "val", "list.txt")
        with open(listed) as handle:
            listed_names = [line.strip() for line in handle if line.strip()]
        return read_sequences(os.path.join(root, "val"), "got10k",
                              [n for n in listed_names if names is None or n in names])
    return None


def check_got10k_val(root: str) -> None:
    """A clear error, before any tracking, when a GOT-10k val split lacks what got10k's report() reads."""
    listed = os.path.join(root, "val", "list.txt")
    if not os.path.isfile(listed):
        raise InputNotFoundError(f"{root}: a GOT-10k root needs val/list.txt (and one folder per listed sequence)")
    with open(listed) as handle:
        names = [line.strip() for line in handle if line.strip()]
    for name in names:
        missing = [f for f in GOT10K_VAL_FILES if not os.path.isfile(os.path.join(root, "val", name, f))]
        if missing:
            raise InputNotFoundError(f"GOT-10k val sequence {name} lacks {', '.join(missing)}: got10k's report "
                                    f"reads {', '.join(GOT10K_VAL_FILES)} from every val sequence "
                                    "(meta_info.ini with `resolution: (W, H)`)")
        with open(os.path.join(root, "val", name, "meta_info.ini")) as handle:
            if "resolution:" not in handle.read():
                raise InputError(f"GOT-10k val sequence {name}: meta_info.ini has no `resolution: (W, H)` line "
                                 "(got10k's report bounds the overlaps with it)")


def make_experiment(dataset: str, root: str, result_dir: str, report_dir: str, subset: str = "val",
                    names: list[str] | None = None):
    """The experiment for a dataset kind; `names` restricts it to those sequences (where the kind allows)."""
    if dataset == "got10k" and subset not in GOT10K_SUBSETS:  # got10k itself would fail a bare assert
        raise UsageError(f"got10k's GOT-10k experiment runs on the {' or '.join(GOT10K_SUBSETS)} split, "
                         f"not {subset!r}")
    if dataset == "otb":
        return ExperimentOTBFolder(root, result_dir, report_dir, name="OTB", names=names)
    if dataset == "dtb70":  # DTB70 is OTB-like: <seq>/img + groundtruth_rect.txt (commas only, no OTB table)
        return ExperimentOTBFolder(root, result_dir, report_dir, name="DTB70", names=names, layout="dtb70")
    if dataset == "uav123":
        return ExperimentUAV123Folder(root, result_dir, report_dir, names)
    if dataset == "got10k":
        if subset == "val":
            check_got10k_val(root)
        experiment = ExperimentGOT10kFolder(root, subset, result_dir, report_dir)
        if names:
            keep = [i for i, n in enumerate(experiment.dataset.seq_names) if n in names]
            for attr in ("seq_names", "seq_dirs", "anno_files"):
                values = getattr(experiment.dataset, attr)
                setattr(experiment.dataset, attr, [values[i] for i in keep])
        if subset == "val":  # got10k reads the files itself; the plugin's reader checks them first (file and line)
            experiment.groundtruth = read_sequences(os.path.join(root, "val"), "got10k",
                                                    list(experiment.dataset.seq_names))
        return experiment
    if dataset == "vot":
        return ExperimentVOTFolder(root, ("supervised",), result_dir, report_dir, names=names)
    raise UsageError(f"unknown dataset {dataset!r}; choose one of {list(DATASETS)}")


def tracker_results_dir(experiment, tracker_name: str) -> str:
    return os.path.join(experiment.result_dir, tracker_name)


def record_file(experiment, tracker_name: str, seq_name: str) -> str:
    """The file whose existence tells got10k that this sequence is finished (its first repetition's record)."""
    base = tracker_results_dir(experiment, tracker_name)
    if isinstance(experiment, ExperimentVOT):
        return os.path.join(base, "baseline", seq_name, f"{seq_name}_001.txt")
    if isinstance(experiment, ExperimentGOT10k):
        return os.path.join(base, seq_name, f"{seq_name}_001.txt")
    return os.path.join(base, f"{seq_name}.txt")


def groundtruth_sequences(experiment) -> list | None:
    """The sequences the plugin's reader read for this experiment (None: the GOT-10k test split, not read)."""
    dataset = experiment.dataset
    if hasattr(dataset, "sequences"):
        return dataset.sequences
    return getattr(experiment, "groundtruth", None)


def _record_lines(path: str) -> int:
    with open(path, errors="replace") as handle:
        return sum(1 for line in handle if line.strip())


def discard_unfinished(experiment, tracker_name: str) -> list[str]:
    """Remove this tracker's results files that cannot be a finished run of their sequence (empty, cut short, or
    of another length than the sequence's frames), so that got10k re-runs the sequence instead of counting the file
    as finished (and its report then failing on it). Returns messages naming each file removed."""
    removed = []
    dataset = experiment.dataset
    for index, seq_name in enumerate(dataset.seq_names):
        record = record_file(experiment, tracker_name, seq_name)
        if not os.path.exists(record):
            continue
        frames = len(dataset[index][0])
        found = _record_lines(record)
        if found == frames:
            continue
        if isinstance(experiment, (ExperimentVOT, ExperimentGOT10k)):
            shutil.rmtree(os.path.dirname(record))
        else:
            os.remove(record)
            times = os.path.join(os.path.dirname(record), "times", f"{seq_name}_time.txt")
            if os.path.exists(times):
                os.remove(times)
        removed.append(f"{record}: {found} lines for {frames} frames (a run that did not finish); removed, "
                       f"{seq_name} runs again")
    return removed


def run_experiment_batched(experiment, tracker_factory, tracker_name: str, batch_size: int = 16,
                           **options) -> list[str]:
    """experiment.run(tracker) for one-pass experiments (OTB-style folders, UAV123, DTB70, GOT-10k), batched
    (backends/batched.py run_batched: one network batch per frame step across sequences).

    Sequences whose record file exists are skipped (got10k's resume rule); records are written with the
    experiment's own _record, so reports are made as usual by experiment.report([tracker_name]). VOT's supervised
    experiment re-initialises after failures and is not supported. Returns the names of the sequences run.
    """
    from ...backends.batched import run_batched

    if isinstance(experiment, ExperimentVOT):
        raise UsageError("batched evaluation supports one-pass experiments only (not VOT's supervised resets)")
    dataset = experiment.dataset
    if hasattr(dataset, "return_meta"):
        dataset.return_meta = False
    todo = []
    for s, seq_name in enumerate(dataset.seq_names):
        record = record_file(experiment, tracker_name, seq_name)
        if os.path.exists(record):
            continue
        img_files, anno = dataset[s][:2]
        todo.append((seq_name, list(img_files), np.asarray(anno, dtype=np.float64)[0], record))
    results = run_batched(tracker_factory, [(n, f, b) for n, f, b, _ in todo], batch_size=batch_size, **options)
    for (seq_name, _, _, record), result in zip(todo, results):
        experiment._record(record, result.boxes, result.times)
    return [t[0] for t in todo]


def results_files(experiment, tracker_name: str, seq_name: str) -> list[str]:
    """The results files got10k's report reads for one sequence (every repetition of GOT-10k and VOT)."""
    base = tracker_results_dir(experiment, tracker_name)
    if isinstance(experiment, ExperimentVOT):
        return sorted(glob.glob(os.path.join(base, "baseline", seq_name, f"{seq_name}_[0-9]*.txt")))
    if isinstance(experiment, ExperimentGOT10k):
        return sorted(glob.glob(os.path.join(base, seq_name, f"{seq_name}_[0-9]*.txt")))
    return [p for p in [record_file(experiment, tracker_name, seq_name)] if os.path.isfile(p)]


def times_file(experiment, tracker_name: str, seq_name: str) -> str:
    base = tracker_results_dir(experiment, tracker_name)
    if isinstance(experiment, ExperimentVOT):
        return os.path.join(base, "baseline", seq_name, f"{seq_name}_time.txt")
    if isinstance(experiment, ExperimentGOT10k):
        return os.path.join(base, seq_name, f"{seq_name}_time.txt")
    return os.path.join(base, "times", f"{seq_name}_time.txt")


def check_results(experiment, tracker_name: str) -> list[str]:
    """The tracker's results files already on disk, by the rules got10k's report reads them with
    (analysis.result_files): a file the report cannot read (rows of another width, other separators, text that is
    not numbers, fewer or more rows than the sequence has frames) is an InputError naming the file and its lines,
    before any tracking -- got10k would end in a numpy ValueError or an AssertionError that names nothing.
    Rows it reads but that are no box (NaN, width or height <= 0) are returned as warnings: got10k scores them
    (as failures, or with a negative area), and the caller says so."""
    from analysis.result_files import ResultFileError, read_got10k_results, read_got10k_times

    refused, warnings = [], []
    dataset = experiment.dataset
    test_split = getattr(experiment, "subset", None) == "test"  # GOT-10k test: one ground-truth box per sequence
    for index, seq_name in enumerate(dataset.seq_names):
        item = dataset[index]
        frames = len(item[0]) if test_split else len(item[1])
        if frames < 2 and not test_split:  # np.loadtxt reads a one-row file as a 1-D array: got10k's report fails
            first = os.path.dirname(item[0][0]) if len(item[0]) else "no frames"
            refused.append(f"sequence {seq_name} ({first}) has {frames} frame(s) with ground truth: got10k's report "
                           "cannot score a sequence of fewer than 2 frames")
            continue
        paths = results_files(experiment, tracker_name, seq_name)
        if not paths:
            continue
        for path in paths:
            try:
                record = read_got10k_results(path, frames, special_codes=isinstance(experiment, ExperimentVOT))
            except (OSError, ResultFileError) as exc:
                refused.append(f"{path}: unreadable ({exc})")
                continue
            if not record.loadable:
                refused.append(record.describe(limit=3))
            elif record.issues:
                warnings.append(record.describe(limit=3))
        times = times_file(experiment, tracker_name, seq_name)
        if os.path.isfile(times):
            try:
                _, issues = read_got10k_times(times)
            except (OSError, ResultFileError) as exc:
                refused.append(f"{times}: unreadable ({exc})")
                continue
            if issues:
                refused.append(f"{times}: " + "; ".join(f"line {i.line}: {i.why}" for i in issues[:3]))
    if refused:
        raise InputError(f"what got10k's report of {tracker_name} cannot read: " + " | ".join(refused)
                         + " -- delete those results files (their sequences are tracked again) or run with "
                         "--overwrite; leave such sequences out (--sequences)")
    return warnings


def run_experiment(tracker, dataset: str, root: str, out_dir: str = "got10k-output", overwrite: bool = False,
                   subset: str = "val", names: list[str] | None = None, batch: int = 0, spec=None,
                   record: dict | None = None, quiet: bool = False) -> dict[str, Any]:
    """Run `tracker` (a got10k Tracker) through the experiment, write its report and plots, return the headline.

    Finished sequences are skipped (got10k's own resume rule); overwrite=True deletes this tracker's results first.
    batch > 0 tracks up to that many sequences at once (one network batch per frame step; same boxes).
    spec (a backends.spec.TrackerSpec, SiamFC's; default: the tracker's own, Got10kTracker.from_built): the results
    folder records it (tracker-spec.json, with `record`, default the tracker's), and results of another spec there
    are an error unless overwrite (claim_folder), never reported as this one's.
    quiet: got10k's own line per sequence ("--Sequence 3/5: FaceOcc1", on stdout) is not printed either.
    """
    if not os.path.isdir(root):
        raise InputNotFoundError(f"dataset root not found: {root}")
    result_dir = os.path.join(out_dir, "results")
    report_dir = os.path.join(out_dir, "reports")
    experiment = make_experiment(dataset, root, result_dir, report_dir, subset, names)
    mine = tracker_results_dir(experiment, tracker.name)
    spec = spec if spec is not None else getattr(tracker, "spec", None)
    record = record if record is not None else getattr(tracker, "record", None)
    if spec is not None:
        from ...backends.spec import claim_folder

        claim_folder(mine, spec, overwrite, record)
    elif overwrite and os.path.isdir(mine):
        shutil.rmtree(mine)
    for message in discard_unfinished(experiment, tracker.name):
        print(message, file=sys.stderr)
    for warning in check_results(experiment, tracker.name):
        log.warning("%s -- got10k's report scores these rows as they are (a NaN row as a failure)", warning)
    if batch and dataset != "vot":  # VOT re-initialises after failures: sequential only
        from ...backends.batched import shared_factory

        with speed_recorded(experiment, tracker.name):
            run_experiment_batched(experiment, shared_factory(tracker.core), tracker.name, batch_size=batch)
    else:
        import io

        with contextlib.redirect_stdout(io.StringIO()) if quiet else contextlib.nullcontext():
            experiment.run(tracker)  # ClaimsResults.run: the speed record too
    performance = report(experiment, [tracker.name])
    return summarise(dataset, experiment, tracker.name, performance)


def report(experiment, tracker_names: list[str]) -> dict:
    """experiment.report(tracker_names), closing the figures it leaves open: got10k 0.1.3 draws its success and
    precision plots with pyplot and never closes them (two figures per report; matplotlib warns past 20, and a long
    process keeps them all in memory)."""
    import matplotlib.pyplot as plt

    before = set(plt.get_fignums())
    try:
        return experiment.report(tracker_names)
    finally:
        for number in set(plt.get_fignums()) - before:
            plt.close(number)


def summarise(dataset: str, experiment, tracker_name: str, performance: dict) -> dict[str, Any]:
    """The headline numbers of a report, in one flat dict (the `siamfc eval --json` line)."""
    sequences = list(experiment.dataset.seq_names)
    frames = int(sum(len(experiment.dataset[i][0]) for i in range(len(sequences))))
    perf = performance.get(tracker_name, performance)
    summary: dict[str, Any] = {"tracker": tracker_name, "dataset": dataset, "sequences": len(sequences),
                               "frames": frames, "report_dir": os.path.join(experiment.report_dir, tracker_name)}
    overall = perf.get("overall", perf)
    if dataset in ("otb", "uav123", "dtb70"):
        summary.update(success_auc=overall["success_score"], precision_20px=overall["precision_score"],
                       fps=overall["speed_fps"])
    elif dataset == "got10k":
        summary.update(ao=overall.get("ao"), sr50=overall.get("sr"), fps=overall.get("speed_fps"))
    elif dataset == "vot":
        summary.update(accuracy=overall.get("accuracy"), robustness=overall.get("robustness"),
                       fps=overall.get("speed_fps"))
    sequences = groundtruth_sequences(experiment)
    if sequences is not None:  # the plugin's reader's counts (docs/datasets.md)
        counts = groundtruth_counts(sequences)
        summary.update(groundtruth_lines=counts["lines"], absent_lines=counts["absent"],
                       refused_lines=counts["refused"], dropped_frames=counts["dropped"],
                       unannotated_frames=counts["unannotated"], loader_differences=loader_differences(sequences))
    report_files = glob.glob(os.path.join(summary["report_dir"], "**", "*.*"), recursive=True)
    summary["report_files"] = sorted(report_files)
    write_text(os.path.join(summary["report_dir"], "summary.json"), json.dumps(summary, indent=2, default=float))
    return summary
