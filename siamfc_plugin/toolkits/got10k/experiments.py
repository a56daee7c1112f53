"""got10k experiments that work offline and under numpy 2, on folders of any sequences.

- otb: any OTB-layout folder (<seq>/img/*.jpg + groundtruth_rect.txt), not only the official OTB name lists
  (got10k's own ExperimentOTB insists on its lists and tries to download).
- dtb70: OTB-like folders; uav123: the UAV123 layout (anno/UAV123 + data_seq/UAV123), any sequence names.
- got10k: got10k's ExperimentGOT10k on a val or test split.
- vot: got10k's ExperimentVOT (patched for numpy 2) on a vot-toolkit sequences folder (color/ sub-folders).
Each writes got10k's own results, performance.json and plots; results are written atomically and finished
sequences are never re-run or overwritten unless `overwrite=True`.
"""
from __future__ import annotations

import glob
import json
import logging
import os
import shutil
from typing import Any

import numpy as np

from ...common.atomic import write_text
from ...data.readers import read_boxes, read_sequences
from .adapter import patch_got10k
from ...common.errors import InputError, InputNotFoundError, UsageError

patch_got10k()

from got10k.datasets import VOT  # noqa: E402
from got10k.experiments import ExperimentGOT10k, ExperimentOTB, ExperimentUAV123, ExperimentVOT  # noqa: E402

log = logging.getLogger(__name__)

DATASETS = ("otb", "got10k", "vot", "uav123", "dtb70")


class FolderDataset:
    """got10k's dataset protocol (seq_names, (img_files, anno) items) over our sequence readers."""

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


def _atomic_record(record_file: str, boxes, times) -> None:
    """got10k's OTB-style record (boxes, then times in times/), each file written atomically."""
    write_text(record_file, "\n".join(",".join(f"{v:.3f}" for v in box) for box in np.asarray(boxes)) + "\n")
    time_dir = os.path.join(os.path.dirname(record_file), "times")
    time_file = os.path.join(time_dir, os.path.basename(record_file).replace(".txt", "_time.txt"))
    write_text(time_file, "\n".join(f"{t:.8f}" for t in np.asarray(times)) + "\n")


class ExperimentOTBFolder(ExperimentOTB):
    """ExperimentOTB over any OTB-layout folder; `name` names the results and reports sub-folders."""

    def __init__(self, root_dir: str, result_dir: str = "results", report_dir: str = "reports",
                 name: str = "OTB", names: list[str] | None = None) -> None:
        self.dataset = FolderDataset(root_dir, "otb", names)
        self.result_dir = os.path.join(result_dir, name)
        self.report_dir = os.path.join(report_dir, name)
        self.nbins_iou = 21
        self.nbins_ce = 51

    def _record(self, record_file, boxes, times):
        _atomic_record(record_file, boxes, times)


class UAV123Folder:
    """UAV123 layout (anno/UAV123/<seq>.txt, data_seq/UAV123/<folder>/*.jpg) for any sequence names: official
    names use got10k's frame ranges (sub-sequences such as bird1_1 share a folder); others use their whole folder."""

    def __init__(self, root_dir: str, names: list[str] | None = None) -> None:
        import got10k.datasets.uav123 as uav

        with open(os.path.join(os.path.dirname(uav.__file__), "uav123.json")) as handle:
            self.metas = json.load(handle)["UAV123"]
        anno_files = sorted(glob.glob(os.path.join(root_dir, "anno", "UAV123", "*.txt")))
        if not anno_files:
            raise InputNotFoundError(f"no anno/UAV123/*.txt under {root_dir}")
        self.anno_files = {os.path.basename(f)[:-4]: f for f in anno_files}
        self.seq_names = [n for n in self.anno_files if names is None or n in names]
        self.root_dir = root_dir

    def __getitem__(self, index):
        name = self.seq_names[index] if not isinstance(index, str) else index
        meta = self.metas.get(name, {"folder_name": name})
        frames = sorted(glob.glob(os.path.join(self.root_dir, "data_seq", "UAV123", meta["folder_name"], "*.jpg")))
        if "start_frame" in meta:
            frames = frames[meta["start_frame"] - 1: meta["end_frame"]]
        anno, _ = read_boxes(self.anno_files[name])
        return frames, anno

    def __len__(self) -> int:
        return len(self.seq_names)


class VOTFolder(VOT):
    """got10k's VOT dataset without the download step, reading frames from color/ when present."""

    def __init__(self, root_dir: str, anno_type: str = "default", return_meta: bool = True,
                 names: list[str] | None = None) -> None:
        self.root_dir = root_dir
        self.version = 2017
        self.anno_type = anno_type
        self.return_meta = return_meta
        with open(os.path.join(root_dir, "list.txt")) as handle:
            self.seq_names = [line.strip() for line in handle if line.strip() and (names is None or
                                                                                  line.strip() in names)]
        self.seq_dirs = [os.path.join(root_dir, s) for s in self.seq_names]
        self.anno_files = [os.path.join(s, "groundtruth.txt") for s in self.seq_dirs]

    def __getitem__(self, index):
        if isinstance(index, str):
            index = self.seq_names.index(index)
        seq_dir = self.seq_dirs[index]
        color = os.path.join(seq_dir, "color")
        img_files = sorted(glob.glob(os.path.join(color if os.path.isdir(color) else seq_dir, "*.jpg")))
        anno = np.loadtxt(self.anno_files[index], delimiter=",", ndmin=2)
        if self.anno_type == "rect" and anno.shape[1] == 8:
            anno = self._corner2rect(anno)
        if self.return_meta:
            return img_files, anno, self._fetch_meta(seq_dir, len(img_files))
        return img_files, anno


class ExperimentVOTFolder(ExperimentVOT):
    """ExperimentVOT on a local vot-toolkit sequences folder, offline."""

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


class ExperimentUAV123Folder(ExperimentUAV123):
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


GOT10K_SUBSETS = ("val", "test")


# got10k 0.1.3 reads these from every val sequence when it reports (and crashes on the first one missing)
GOT10K_VAL_FILES = ("groundtruth.txt", "meta_info.ini", "cover.label", "absence.label", "cut_by_image.label")


def check_dataset_root(dataset: str, root: str) -> None:
    """One clear line, before the model loads, when --root cannot be the dataset's folder."""
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
    if dataset == "dtb70":  # DTB70 is OTB-like: <seq>/img + groundtruth_rect.txt
        return ExperimentOTBFolder(root, result_dir, report_dir, name="DTB70", names=names)
    if dataset == "uav123":
        return ExperimentUAV123Folder(root, result_dir, report_dir, names)
    if dataset == "got10k":
        if subset == "val":
            check_got10k_val(root)
        experiment = ExperimentGOT10k(root, subset, result_dir, report_dir)
        if names:
            keep = [i for i, n in enumerate(experiment.dataset.seq_names) if n in names]
            for attr in ("seq_names", "seq_dirs", "anno_files"):
                values = getattr(experiment.dataset, attr)
                setattr(experiment.dataset, attr, [values[i] for i in keep])
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
                   record: dict | None = None) -> dict[str, Any]:
    """Run `tracker` (a got10k Tracker) through the experiment, write its report and plots, return the headline.

    Finished sequences are skipped (got10k's own resume rule); overwrite=True deletes this tracker's results first.
    batch > 0 tracks up to that many sequences at once (one network batch per frame step; same boxes).
    spec (a backends.spec.TrackerSpec, SiamFC's): the results folder records it (tracker-spec.json, with `record`),
    and results of another spec there are an error unless overwrite (claim_folder), never reported as this one's.
    """
    if not os.path.isdir(root):
        raise InputNotFoundError(f"dataset root not found: {root}")
    result_dir = os.path.join(out_dir, "results")
    report_dir = os.path.join(out_dir, "reports")
    experiment = make_experiment(dataset, root, result_dir, report_dir, subset, names)
    mine = tracker_results_dir(experiment, tracker.name)
    if spec is not None:
        from ...backends.spec import claim_folder

        claim_folder(mine, spec, overwrite, record)
    elif overwrite and os.path.isdir(mine):
        shutil.rmtree(mine)
    for warning in check_results(experiment, tracker.name):
        log.warning("%s -- got10k's report scores these rows as they are (a NaN row as a failure)", warning)
    if batch and dataset != "vot":  # VOT re-initialises after failures: sequential only
        from ...backends.batched import shared_factory

        run_experiment_batched(experiment, shared_factory(tracker.core), tracker.name, batch_size=batch)
    else:
        experiment.run(tracker)
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
    report_files = glob.glob(os.path.join(summary["report_dir"], "**", "*.*"), recursive=True)
    summary["report_files"] = sorted(report_files)
    write_text(os.path.join(summary["report_dir"], "summary.json"), json.dumps(summary, indent=2, default=float))
    return summary
