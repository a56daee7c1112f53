"""The `siamfc` command line. Every subcommand that tracks shares the tracker options (--checkpoint, --preset, ...).

Nothing heavy is imported here: torch, OpenCV and the toolkits load when a command needs them, and the subcommands
defined next to the code they drive (EXTENSIONS) are imported only when they run, so `siamfc --help` is quick.
"""
from __future__ import annotations

import argparse
import importlib
import json
import logging
import os
import sys

from . import __version__
from .common.errors import ConfigError, InputNotFoundError, SiamFCError
from .core.config import parse_overrides



class Parser(argparse.ArgumentParser):
    """argparse with one-line errors: `siamfc eval: error: argument --subset: invalid choice: ... (see --help)`,
    no abbreviations (`siamfc bench --backend int8` would otherwise run as --backends int8), and typos named: an
    unknown option is reported as such, with the closest valid one, before anything else argparse would say about
    the same command line (`--bx` is otherwise "the following arguments are required: --box")."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)
        self._words: list[str] = []

    def parse_known_args(self, args=None, namespace=None):
        self._words = list(sys.argv[1:] if args is None else args)
        namespace, extras = super().parse_known_args(args, namespace)
        unknown = self._unknown_options(extras)
        if unknown:  # a (sub)command's own typo, named here rather than as the top parser's "unrecognized"
            self.error(self._unknown_message(unknown[0]))
        return namespace, extras

    def _unknown_options(self, words: list[str]) -> list[str]:
        """The words that look like options of this parser but are none. A parser with subcommands looks only at
        the words before its subcommand (the rest are the subcommand's, which checks them itself)."""
        found = []
        for word in words:
            if word == "--":
                break
            if not word.startswith("-") or word == "-":
                if self._subparsers is not None:
                    break
                continue
            if self._negative_number_matcher.match(word) and not self._has_negative_number_optionals:
                continue
            if word.split("=", 1)[0] not in self._option_string_actions:
                found.append(word.split("=", 1)[0])
        return found

    def _unknown_message(self, word: str) -> str:
        import difflib

        options = [o for o in self._option_string_actions if o.startswith("--") == word.startswith("--")]
        close = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
        return f"unknown option {word}" + (f" (did you mean {close[0]}?)" if close else "")

    def error(self, message: str):
        import difflib
        import re

        unknown = self._unknown_options(self._words)
        if unknown and not message.startswith("unknown option"):  # the typo explains what follows from it
            named = self._unknown_message(unknown[0])
            if "did you mean" in named or message.startswith(("the following arguments are required",
                                                               "unrecognized arguments")):
                message = named
        choice = re.match(r"argument (\S+): invalid choice: '([^']*)' \(choose from (.*)\)$", message)
        if choice:
            close = difflib.get_close_matches(choice.group(2), re.findall(r"'([^']*)'", choice.group(3)), n=1)
            if close:
                message += f" (did you mean {close[0]}?)"
        needs_value = re.match(r"argument (\S+?)(?:/\S+)?: expected one argument$", message)
        if needs_value:
            message += f"; a value that starts with '-' is written {needs_value.group(1)}=VALUE"
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def tracker_options(fields=None) -> argparse.ArgumentParser:
    """The tracker options (backends/spec.py OPTIONS; `fields`: only these) as a parent parser. Defaults are None:
    TrackerSpec.from_args fills in the spec's own."""
    from .backends.spec import add_options

    parent = Parser(add_help=False)
    add_options(parent, fields)
    return parent


def parse_box(text: str) -> list[float]:
    try:
        values = [float(v) for v in text.replace(" ", ",").split(",") if v]
    except ValueError:
        raise argparse.ArgumentTypeError(f"box {text!r} is not x,y,w,h numbers") from None
    if len(values) != 4:
        raise argparse.ArgumentTypeError(f"box {text!r} needs 4 values x,y,w,h")
    return values


# ---- track ---------------------------------------------------------------------------------------------------------
def cmd_track(args) -> int:
    from .backends.build import announce_backend, build_tracker
    from .backends.spec import TrackerSpec
    from .common.atomic import write_text
    from .common import progress
    from .core.frame_loop import track_frames
    from .data.video import annotate_writer, check_video_path, frame_count, iterate_frames

    from .common.paths import check_writable
    from .data.video import check_frame_source

    # input and outputs checked before any work (and before the model loads): a typo, a text file given as the
    # video, frames of mixed sizes or an unwritable folder must not cost a whole run, nor create folders
    check_frame_source(args.input)
    if args.output:
        check_writable(args.output, "--output")
    if args.video:
        check_video_path(args.video)
        check_writable(args.video, "--video")
    built = build_tracker(TrackerSpec.from_args(args))
    announce_backend(built)
    tracker = built.tracker
    boxes, writer = [], None
    frames = progress.frames((frame for _, frame in iterate_frames(args.input)), frame_count(args.input),
                             "tracking", quiet=args.quiet)
    for result in track_frames(tracker, frames, args.box):
        boxes.append(result.box)
        if args.video:
            writer = writer or annotate_writer(args.video, result.image.shape, args.fps)
            writer.write(result.image, result.box, result.confidence, result.index)
    if writer:
        writer.close()
    text = "\n".join(",".join(f"{v:.2f}" for v in b) for b in boxes) + "\n"
    if args.output:
        write_text(args.output, text)
        print(f"wrote {len(boxes)} boxes to {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


# ---- eval ----------------------------------------------------------------------------------------------------------
def cmd_eval(args) -> int:
    from .backends.build import announce_backend, build_tracker
    from .backends.spec import TrackerSpec
    from .toolkits.got10k.adapter import Got10kTracker
    from .toolkits.got10k.experiments import run_experiment

    from .common.paths import check_writable
    from .toolkits.got10k.experiments import check_dataset_root

    spec = TrackerSpec.from_args(args)  # bad options fail before any work
    if args.ray or args.shard:
        check_distributed(args)
    names = args.sequences.split(",") if getattr(args, "sequences", None) else None
    if spec.checkpoint:
        from .core.checkpoint import require_checkpoint_file

        require_checkpoint_file(spec.checkpoint)
    check_dataset_root(args.dataset, args.root, names, args.subset)  # before the model loads: the ground truth too
    check_writable(args.out, "--out", folder=True, create=True)
    built = build_tracker(spec)
    announce_backend(built)
    # the spec as run (what `auto` resolved to): every machine builds this one, the results folder records it
    spec, extra = built.spec, built.results_record()
    if args.shard:
        return eval_shard(args, spec, names, extra)
    if args.ray:
        eval_on_ray(args, spec, names, extra)  # every sequence's results; the report below reads them
        args.overwrite = False
    tracker = Got10kTracker.from_built(built, quiet=args.quiet)  # named and recorded as the README's Python example does
    summary = run_experiment(tracker, args.dataset, args.root, args.out, overwrite=args.overwrite,
                             subset=args.subset, names=names, batch=getattr(args, "batch", 0), quiet=args.quiet)
    headline = {k: v for k, v in summary.items() if k != "report_files"}
    for key, value in headline.items():
        print(f"{key:>16}: {value:.4f}" if isinstance(value, float) else f"{key:>16}: {value}")
    if args.json:
        print(json.dumps(headline, default=float))
    return 0


def check_distributed(args) -> None:
    from .toolkits.got10k.distributed import parse_shard

    if args.ray and args.shard:
        raise ConfigError("--ray and --shard exclude each other")
    if args.shard:
        parse_shard(args.shard)
        if args.overwrite:
            raise ConfigError("--overwrite with --shard would delete the other shards' results; "
                              "delete the results folder before submitting the job array instead")
    if getattr(args, "batch", 0):
        raise ConfigError("--batch runs on one machine; it cannot be combined with --ray or --shard")
    if args.ray:
        from .toolkits.got10k.distributed import require_ray

        require_ray()
    if not os.path.isdir(args.root):
        raise InputNotFoundError(f"dataset root not found: {args.root}")


def experiment_spec(args, names):
    from .toolkits.got10k.distributed import ExperimentSpec

    return ExperimentSpec(args.dataset, args.root, args.out, args.subset, tuple(names) if names else None)


def eval_shard(args, spec, names, extra) -> int:
    from .toolkits.got10k.distributed import parse_shard, run_shard

    summary = run_shard(spec, experiment_spec(args, names), *parse_shard(args.shard), record=extra)
    print(f"shard {summary['shard']}: {summary['sequences']} sequences, ran {summary['ran']}, skipped "
          f"{summary['skipped']}; when every shard is done, the same command without --shard writes the report")
    return 0


def eval_on_ray(args, spec, names, extra) -> None:
    from .toolkits.got10k.distributed import run_on_ray

    summary = run_on_ray(spec, experiment_spec(args, names), args.ray, overwrite=args.overwrite, record=extra)
    print(f"ray {args.ray}: {summary['sequences']} sequences, ran {summary['ran']}, skipped {summary['skipped']}")


# ---- demo ----------------------------------------------------------------------------------------------------------
def cmd_demo(args) -> int:
    """The main job (`siamfc leaderboard`) on the embedded synthetic benchmark: SiamFC and the peers through got10k
    and the VOT toolkit, figures and tables in --out."""
    from .data.synthetic import DEFAULT_ROOT, SyntheticConfig, write_benchmark
    from .commands.leaderboard_cli import cmd_leaderboard

    from .common.paths import check_writable

    check_writable(args.out, "--out", folder=True, create=True)
    root = args.data or DEFAULT_ROOT
    write_benchmark(root, SyntheticConfig(sequences=args.sequences_n, frames=args.frames, seed=args.seed,
                                          style="demo"))
    print(f"synthetic benchmark: {root}")
    args.root, args.vot_root = root, root
    return cmd_leaderboard(args)


# ---- synthetic -----------------------------------------------------------------------------------------------------
def cmd_synthetic(args) -> int:
    from .data.synthetic import SyntheticConfig, write_benchmark

    names = write_benchmark(args.out, SyntheticConfig(sequences=args.sequences, frames=args.frames, seed=args.seed,
                                                      style=args.style))
    print(f"wrote {len(names)} sequences to {args.out}")
    return 0


# ---- train ---------------------------------------------------------------------------------------------------------
def cmd_train(args) -> int:
    from .training.trainer import TrainConfig, train

    config = TrainConfig.from_file(args.config, parse_overrides(args.overrides))
    for source in config.sources:  # a clear line, with the step that makes the folder, before any work
        root = source.get("root") if isinstance(source, dict) else None
        if root and not os.path.exists(root):
            made_by = (" (a curated folder: make it first with `siamfc curate --config configs/curate_public.toml "
                       f"--out {root}`, docs/training.md)" if "curated" in root else "")
            raise InputNotFoundError(f"training source {source.get('kind', '')} {root} (from {args.config}) not "
                                    f"found{made_by}")
    if args.time_budget is not None:
        from .training.throughput import fit_to_budget

        if args.time_budget <= 0:
            raise ConfigError(f"--time-budget must be > 0 seconds, got {args.time_budget}")
        config, rate = fit_to_budget(config, args.time_budget)
        print(json.dumps({"measured": rate, "pairs_per_epoch": config.pairs_per_epoch}), flush=True)
    summary = train(config, resume=args.resume)
    print(json.dumps({k: v for k, v in summary.items() if k != "history"}, default=float))
    return 0


def cmd_bench_train(args) -> int:
    from .training.throughput import measure

    result = measure(args.config, parse_overrides(args.overrides), steps=args.steps)
    print(json.dumps(result))
    return 0


def _labelled(values: list[str], what: str, files: bool = True) -> list[tuple[str, str]]:
    pairs = []
    for value in values:
        label, sep, path = value.partition("=")
        if not sep or not label or not path:
            raise ConfigError(f"{what} {value!r}: expected LABEL=" + ("CHECKPOINT" if files else "VALUE"))
        if files and not os.path.isfile(path):
            raise ConfigError(f"{what} {label}: no checkpoint at {path}")
        pairs.append((label, path))
    return pairs


def cmd_select(args) -> int:
    from .training.selection import (checkpoint_selected_on, clean, decide, expand_selected_on, score_models,
                                     selection_sequences, write_report)

    baselines = _labelled(args.baseline, "--baseline")
    candidates = _labelled(args.candidate, "--candidate")
    models: dict[str, str] = dict(baselines)
    configurations: dict[str, list[str]] = {}
    for config, path in candidates:
        label = f"{config}#{len(configurations.get(config, [])) + 1}"
        configurations.setdefault(config, []).append(label)
        models[label] = path
    selected_on = {label: checkpoint_selected_on(path) for label, path in models.items()}
    for label, names in _labelled(args.selected_on, "--selected-on", files=False):
        matching = [m for m in models if m == label or m.split("#")[0] == label]
        if not matching:
            raise ConfigError(f"--selected-on {label}=...: no --baseline or --candidate is labelled {label!r}")
        for model in matching:
            selected_on[model] |= expand_selected_on(n for n in names.split(",") if n)
    os.environ.setdefault("SIAMFC_SHARED_DATA", args.shared)  # what curation configs name the shared folder by
    sequences = selection_sequences(args.shared, args.curate_config)
    scores = {}
    if os.path.isfile(args.json):  # a model already scored on these sequences with this preset is not run again
        with open(args.json) as handle:
            previous = json.load(handle)
        if previous.get("sequences") == [s.name for s in sequences] and previous.get("preset") == args.preset:
            by_path = {path: previous["auc"][label] for label, path in previous["models"].items()}
            scores = {label: by_path[path] for label, path in models.items() if path in by_path}
    todo = {label: path for label, path in models.items() if label not in scores}
    scores.update(score_models(todo, sequences, args.preset, args.threads or None) if todo else {})
    decision = decide(scores, configurations, [label for label, _ in baselines], selected_on)
    write_report(args.json, scores, decision, models, sequences, args.preset, selected_on)
    for label in models:
        names = clean(sorted(scores[label]), selected_on[label])
        values = [scores[label][n] for n in names]
        left = len(scores[label]) - len(names)
        print(f"{label:24s} mean AUC {sum(values) / max(len(values), 1):.3f} over {len(values)} sequences"
              + (f" ({left} left out: selected on them)" if left else ""))
    if decision.left_out["baselines"]:
        print(f"baselines ranked without {len(decision.left_out['baselines'])} sequences one of them was selected on")
    for config, entry in decision.configurations.items():
        gains = "  ".join(f"vs {b}: {p['mean']:+.3f} (SE {p['se']:.3f}, better on {p['wins']}/{p['n']})"
                          for b, p in entry["paired"].items())
        print(f"{config:24s} seeds {len(entry['seeds'])}, mean {entry['mean_auc'][0]:.3f} (SE {entry['mean_auc'][1]:.3f})"
              f"  {gains}  qualifies: {entry['qualifies']}")
    print(f"ships: {decision.ships} ({decision.reason})")
    return 0


def cmd_curves(args) -> int:
    from .training.curves import plot_curves, run_curves
    from .training.trainer import TrainConfig

    for run in args.runs:
        if not os.path.isdir(run):
            raise ConfigError(f"no run folder {run}")
    os.environ.setdefault("SIAMFC_SHARED_DATA", "../shared/data")
    curves = run_curves(args.runs, TrainConfig.from_file(args.config), args.curate_config, args.pairs,
                        auc=not args.no_auc)
    for path in plot_curves(curves, args.out):
        print(f"wrote {path}")
    return 0


def cmd_curate(args) -> int:
    from .training.curate import CropSpec, curate, read_curation, read_pseudo_labels

    sources, spec, split = read_curation(args.config)
    pseudo_labels = read_pseudo_labels(args.config)
    if args.pseudo_labels:
        if pseudo_labels is None:
            raise ConfigError(f"--pseudo-labels: {args.config} has no [teacher] table naming the sources to label")
        import dataclasses

        pseudo_labels = dataclasses.replace(pseudo_labels, pseudo_labels=True)
    overrides = {k: v for k, v in (("search_size", args.search_size), ("margin", args.margin),
                                   ("quality", args.quality)) if v is not None}
    if overrides:
        spec = CropSpec(**{**spec.__dict__, **overrides})
    summary = curate(sources, args.out, spec, workers=args.workers, split=split, pseudo_labels=pseudo_labels)
    for name, counts in summary["sources"].items():
        print(f"{name:>16}: {counts['tracks']:6d} tracks, {counts['objects_or_frames']:6d} crops  {counts}")
    for name, videos in summary["validation"]["videos"].items():
        print(f"{name:>16}: validation (never trained on): {', '.join(videos)}")
    print(json.dumps({k: summary[k] for k in ("tracks", "frames", "crop")}))
    return 0


# Subcommands defined next to the code they drive: {command: (module with register(subparsers, common), help)}.
# The module is imported only to run (or show the help of) one of its commands; the rest are listed from here.
EXTENSIONS = {
    "vot": ("siamfc_plugin.commands.vot", "VOT toolkit: prepare a workspace, test, evaluate, print results"),
    "leaderboard": ("siamfc_plugin.commands.leaderboard_cli",
                    "run SiamFC and peers through got10k and the VOT toolkit; write figures+tables"),
    "bench": ("siamfc_plugin.commands.bench", "tracking speed per backend, architecture, scales"),
    "export": ("siamfc_plugin.commands.bench", "export the network to ONNX or as a siamfc-pytorch state_dict"),
    "import": ("siamfc_plugin.commands.weights_cli",
               "convert published SiamFC weights (MatConvNet .mat, siamfc-pytorch/got-10k .pth); --check"),
    "soak": ("siamfc_plugin.commands.soak", "a long synthetic run reporting memory (RSS) over time"),
    "weights": ("siamfc_plugin.commands.weights_cli",
                "the published SiamFC nets: list them, get one (download, check, cache)"),
}
ALL = object()  # build_parser(command=ALL): every subcommand in full (tests, documentation)


def build_parser(command=ALL) -> argparse.ArgumentParser:
    """The parser; `command` (the one about to run) limits which EXTENSIONS modules are imported."""
    parser = Parser(prog="siamfc", description="A trainable SiamFC tracker: track videos, evaluate "
                                     "with got10k and the VOT toolkit, build leaderboards, train models.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress (INFO)")
    parser.add_argument("--version", action="version", version=f"siamfc-plugin {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    common = tracker_options()

    p = sub.add_parser("track", parents=[common], help="track one target through a video file or image folder")
    p.add_argument("input", help="video file, folder of images (sorted by name) or OTB sequence folder (img/)")
    p.add_argument("--box", type=parse_box, required=True,
                   help="the target's box in the first frame: x,y,w,h in pixels, x,y its top-left corner, 0-based "
                        "(the image's top-left pixel is 0,0; OTB's groundtruth_rect.txt is 1-based: subtract 1)")
    p.add_argument("--output", "-o", help="boxes file (default: stdout), one x,y,w,h line per frame (0-based)")
    p.add_argument("--video", help="write an annotated video here (.mp4 or .avi): the box, the frame number and "
                                   "the tracker's confidence (0-1) above the box")
    p.add_argument("--fps", type=float, default=30.0, help="frame rate of --video (default 30)")
    p.add_argument("--quiet", action="store_true",
                   help="no progress line (it is shown only when stderr is a terminal anyway)")
    p.set_defaults(func=cmd_track)

    p = sub.add_parser("eval", parents=[common], help="run a toolkit's experiment and report its metrics")
    p.add_argument("--toolkit", choices=["got10k"], default="got10k", help="evaluation toolkit (got10k)")
    p.add_argument("--dataset", choices=["otb", "got10k", "vot", "uav123", "dtb70"], required=True,
                   help="layout of --root")
    p.add_argument("--root", required=True, help="dataset root folder")
    p.add_argument("--subset", default="val", choices=["val", "test"], help="GOT-10k split (default val)")
    p.add_argument("--out", default="got10k-output", help="folder for results/ and reports/ (default got10k-output)")
    p.add_argument("--sequences", help="comma-separated sequence names to run (default: all)")
    p.add_argument("--batch", type=int, default=0,
                   help="track N sequences at once (one network batch per frame step; GPU); not for --dataset vot")
    p.add_argument("--overwrite", action="store_true", help="re-run sequences that already have results")
    p.add_argument("--ray", metavar="ADDRESS",
                   help="run the sequences on a Ray cluster (e.g. 10.0.0.5:6379 or auto; pip install '.[ray]'); "
                        "--out and --root must be on a file system every node sees")
    p.add_argument("--shard", metavar="K/N",
                   help="run only shard K of N (1-based; a Slurm job array task), no report; a plain run with the "
                        "same options afterwards writes the report")
    p.add_argument("--json", action="store_true", help="end with one JSON line of headline metrics")
    p.add_argument("--quiet", action="store_true",
                   help="no progress: neither the frames of the running sequence (shown only when stderr is a "
                        "terminal) nor got10k's line per sequence")
    p.set_defaults(func=cmd_eval)

    from .commands.leaderboard_cli import add_leaderboard_arguments

    p = sub.add_parser("demo", parents=[common], help="the main job (leaderboard) on the embedded synthetic benchmark")
    add_leaderboard_arguments(p, default_out="demo-output")
    p.set_defaults(func=cmd_demo)
    p.add_argument("--data", help="where to write the synthetic benchmark (default ~/.cache/siamfc-plugin/synthetic)")
    p.add_argument("--synthetic-sequences", dest="sequences_n", type=int, default=6,
                   help="synthetic sequences to generate (default 6)")
    p.add_argument("--frames", type=int, default=80, help="frames per synthetic sequence (default 80)")
    p.add_argument("--seed", type=int, default=0, help="seed of the synthetic generator (default 0)")

    p = sub.add_parser("synthetic", help="write the synthetic benchmark (OTB layout)")
    p.add_argument("--out", required=True, help="folder to write the sequences into")
    p.add_argument("--sequences", type=int, default=6, help="number of sequences (default 6)")
    p.add_argument("--frames", type=int, default=80, help="frames per sequence (default 80)")
    p.add_argument("--seed", type=int, default=0, help="seed of the generator (default 0)")
    p.add_argument("--style", choices=["demo", "plain"], default="demo",
                   help="demo: distractors, occlusion, fast motion, scale, light and camera events, tagged per frame "
                        "(default); plain: one object (the unit tests' sequences)")
    p.set_defaults(func=cmd_synthetic)

    p = sub.add_parser("train", help="train SiamFC from a config file (TOML or JSON)")
    p.add_argument("--config", required=True, help="training config, e.g. configs/train_shared_slim.toml")
    p.add_argument("--set", dest="overrides", action="append", metavar="KEY=VALUE",
                   help="override a config value, e.g. --set epochs=2 --set pairs.negative_prob=0.1")
    p.add_argument("--resume", action="store_true", help="continue from <out_dir>/last.pth when it exists")
    p.add_argument("--time-budget", type=float, metavar="SECONDS",
                   help="measure pairs/s first, then size pairs_per_epoch so that all epochs take about this long")
    p.set_defaults(func=cmd_train)

    p = sub.add_parser("curate", help="the paper's dataset curation: one crop per object, GOT-10k layout")
    p.add_argument("--config", required=True, help="TOML: [crop] settings and [[sources]] (see configs/curate_*.toml)")
    p.add_argument("--out", required=True, help="output folder (resumable: finished tracks are kept)")
    p.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="processes (default: all CPUs)")
    p.add_argument("--search-size", type=int, help="pixels the search region is drawn at (default 255)")
    p.add_argument("--margin", type=int, help="pixels around the search region for augmentation (default 32)")
    p.add_argument("--quality", type=int, help="JPEG quality (default 90)")
    p.add_argument("--pseudo-labels", action="store_true",
                   help="turn on the config's [teacher] table: NanoTrack v2 boxes the unannotated frames of its sources "
                        "(docs/training.md, 'A teacher')")
    p.set_defaults(func=cmd_curate)

    p = sub.add_parser("select", help="the model-selection rule: seeds x sequences, paired differences")
    p.add_argument("--baseline", action="append", default=[], metavar="LABEL=CHECKPOINT", required=True,
                   help="an existing model to beat (repeatable; the better of them is the bar)")
    p.add_argument("--candidate", action="append", default=[], metavar="CONFIG=CHECKPOINT",
                   help="one seed's checkpoint of a configuration (repeat per seed and per configuration)")
    p.add_argument("--shared", default=os.environ.get("SIAMFC_SHARED_DATA", "../shared/data"),
                   help="shared data folder with eval/otb and eval/vot (default $SIAMFC_SHARED_DATA or ../shared/data)")
    p.add_argument("--curate-config", help="curation config whose [validation] videos join the sequences")
    p.add_argument("--selected-on", action="append", default=[], metavar="LABEL=SEQ,SEQ",
                   help="sequences a model (or every seed of a configuration) was chosen on, left out of its "
                        "comparisons; besides those its checkpoint or <checkpoint>.selection.json records. Group "
                        "names: dev (the 8 development sequences), otb-dev (their 5 OTB ones)")
    from .backends.spec import OPTION

    p.add_argument("--preset", default="siamfc-3s", choices=dict(OPTION["preset"].kwargs)["choices"],
                   help="tracking hyper-parameters every model is scored with (default siamfc-3s; backend torch, "
                        "the reference)")
    p.add_argument("--threads", type=int, default=0, help="CPU threads of the scoring runs (default: torch's choice)")
    p.add_argument("--json", required=True, help="write the per-sequence AUCs and the decision here")
    p.set_defaults(func=cmd_select)

    p = sub.add_parser("curves", help="learning curves of training runs: losses per pair set and validation AUC")
    p.add_argument("runs", nargs="+", help="run folders (out_dir) with epoch-NNN.pth snapshots")
    p.add_argument("--config", required=True, help="the runs' training config (its sources and pair settings)")
    p.add_argument("--curate-config", help="curation config whose [validation] videos give the validation curves")
    p.add_argument("--pairs", type=int, default=128, help="pairs per loss sample (default 128)")
    p.add_argument("--no-auc", action="store_true", help="losses only (the AUC runs the tracker on every video)")
    p.add_argument("--out", required=True, help="output path without suffix: writes .png, .pdf and .json")
    p.set_defaults(func=cmd_curves)

    p = sub.add_parser("bench-train", help="training throughput: pairs/s, data loading vs compute")
    p.add_argument("--config", required=True, help="training config (as for `siamfc train`)")
    p.add_argument("--set", dest="overrides", action="append", metavar="KEY=VALUE",
                   help="override a config value (repeatable)")
    p.add_argument("--steps", type=int, default=20, help="training steps to time (default 20)")
    p.set_defaults(func=cmd_bench_train)

    wanted = {module for name, (module, _) in EXTENSIONS.items() if command is ALL or command == name}
    for module in dict.fromkeys(module for module, _ in EXTENSIONS.values()):
        if module in wanted:
            importlib.import_module(module).register(sub, common)
    for name, (_, help_text) in EXTENSIONS.items():
        if name not in sub.choices:  # listed for --help; naming it makes main() import its module
            sub.add_parser(name, help=help_text, add_help=False)
    return parser


def _command(argv: list[str]) -> str | None:
    """The subcommand named on the command line (the first word that is not a top-level option)."""
    return next((word for word in argv if not word.startswith("-")), None)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    args = build_parser(_command(argv)).parse_args(argv)
    level = logging.INFO if args.verbose else logging.WARNING
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger().setLevel(level)  # also when logging was configured before (an embedding program, tests)
    try:
        return int(args.func(args) or 0)
    except SiamFCError as exc:  # our own errors: each names the input it rejects
        print(f"siamfc {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # `siamfc ... | head`: the reader left; nothing more to say
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except OSError as exc:
        if exc.filename is None:
            return internal_error(args.command)
        # the system refused a path (missing, not readable or writable): the message names it
        print(f"siamfc {args.command}: error: {exc.filename}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # Ctrl-C: one line; results are written atomically, finished ones kept
        print(f"siamfc {args.command}: interrupted (finished sequences and epochs are kept; the same command "
              "resumes)", file=sys.stderr)
        return 130
    except Exception:  # noqa: BLE001 - anything else is a bug of ours (or of a library): never a user error
        return internal_error(args.command)


def internal_error(command: str) -> int:
    """An exception no check of ours raised (numpy's ValueError, a KeyError, ...): the traceback and a request to
    report it, exit status 1 -- never dressed as a one-line user error, whose message would name nothing."""
    import traceback

    traceback.print_exc()
    kind = type(sys.exc_info()[1]).__name__
    print(f"siamfc {command}: internal error ({kind}): a bug in siamfc-plugin, not a fault of your input as far as "
          "it can tell; please report it with the command line and the traceback above", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
