"""TrackerSpec: the one description of a SiamFC tracker (which weights, which preset and overrides, which scoring
backend on which device), and its identity (what changes results).

Every entry point describes a tracker with it: the command line (`TrackerSpec.from_args`, the options of
`OPTIONS`), the trax tracker the VOT toolkit starts (`from_env`, the SIAMFC_* variables), Ray workers, result folders
and leaderboard fingerprints (`to_dict`/`from_dict`). `siamfc_plugin.backends.build.build_tracker(spec)` builds it.
Free of torch: the command line checks options with it before anything heavy loads.

Identity: two specs whose `identity()` is equal give the same results (device and threads change speed only; the
fp32 backends compute the same maths). `default_name()` says what in the identity differs from the default tracker
(the shipped model, preset siamfc-3s, no overrides, a faithful backend), so that trackers that give different
results get different names in got10k and VOT alike. A results folder holds the spec that produced it
(`claim_folder`, tracker-spec.json): a run of another identity into it is an error naming both.
"""
from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import os
from dataclasses import dataclass
from typing import Any, Mapping

from ..common.errors import ConfigError
from ..core.architectures import ARCHITECTURES
from ..core.config import PRESETS, parse_overrides, preset
from ..core.geometry import GEOMETRY_FIELDS
from ..models import SHIPPED_MODELS, shipped_model_path

def published_path(text: str | None) -> str | None:
    """core/published.py's published_path, imported when a checkpoint is named (not by `siamfc --help`)."""
    from ..core.published import published_path as cached

    return cached(text)


# every scoring backend (backends/torch_backend.py builds them); 'auto': the fastest faithful one here (choice.py)
BACKENDS = ("torch", "torch-fp32", "torch-fp16", "torch-bf16", "onnx", "int8", "int8-real")
FP32_FAMILY = ("torch", "torch-fp32", "onnx")  # the reference's maths: the same results (identity "fp32")
DEFAULT_ARCH = "alexnet-slim"
SPEC_FILE = "tracker-spec.json"


@dataclass(frozen=True)
class Option:
    """One tracker option, defined once: its TrackerSpec field, command-line flag, SIAMFC_* variable, help."""
    field: str
    flag: str
    env: str
    help: str
    kwargs: tuple = ()  # extra argparse keywords, as (key, value) pairs

    @property
    def dest(self) -> str:
        """The attribute on a parsed command line (`seed` is taken by commands' own generator seeds)."""
        return "weights_seed" if self.field == "seed" else self.field


OPTIONS = (
    Option("checkpoint", "--checkpoint", "SIAMFC_CHECKPOINT",
           "model checkpoint, or published SiamFC weights converted on the fly (a MatConvNet .mat, a siamfc-pytorch "
           "or got-10k/siamfc .pth; see `siamfc import`), or the name of a published net `siamfc weights get` "
           "fetched (`siamfc weights list`) (default: the trained model shipped in the package)"),
    Option("preset", "--preset", "SIAMFC_PRESET", "tracking hyper-parameters (default siamfc-3s)",
           (("choices", sorted(PRESETS)),)),
    Option("arch", "--arch", "SIAMFC_ARCH", "architecture (default: the checkpoint's)",
           (("choices", sorted(ARCHITECTURES)),)),
    Option("overrides", "--set", "SIAMFC_SET",
           "override a tracker config value, e.g. --set window_influence=0.2 (repeatable)",
           (("action", "append"), ("metavar", "KEY=VALUE"))),
    Option("backend", "--backend", "SIAMFC_BACKEND",
           "scoring backend, one of auto, " + ", ".join(BACKENDS) + "; auto (default): the fastest faithful one "
           "for this machine, measured once and cached", (("choices", ("auto",) + BACKENDS),)),
    Option("device", "--device", "SIAMFC_DEVICE", "cpu (default), cuda or cuda:N"),
    Option("threads", "--threads", "SIAMFC_THREADS", "CPU threads (default: torch's choice)", (("type", int),)),
    Option("random_weights", "--random-weights", "SIAMFC_RANDOM_WEIGHTS",
           "use a seeded randomly initialised net (a baseline for comparisons, not a tracker)",
           (("action", "store_true"),)),
    Option("seed", "--seed-weights", "SIAMFC_SEED", "seed of --random-weights (default 0)", (("type", int),)),
    Option("name", "--name", "SIAMFC_NAME",
           "tracker name in results (default: from what changes results: preset, model, overrides, backend)"),
)
OPTION = {o.field: o for o in OPTIONS}
MODEL_FIELDS = ("checkpoint", "arch", "random_weights", "seed")  # what `siamfc export` takes: the weights only


@dataclass(frozen=True)
class TrackerSpec:
    """A SiamFC tracker, fully described. checkpoint None: the shipped model of `arch`. overrides: sorted (key,
    value) pairs, so that a spec is hashable. name None: default_name()."""

    checkpoint: str | None = None
    arch: str | None = None
    preset: str = "siamfc-3s"
    overrides: tuple = ()
    backend: str = "auto"
    device: str = "cpu"
    threads: int | None = None
    random_weights: bool = False
    seed: int = 0
    name: str | None = None

    def __post_init__(self) -> None:
        overrides = self.overrides.items() if isinstance(self.overrides, Mapping) else self.overrides
        object.__setattr__(self, "overrides", tuple(sorted((str(k), v) for k, v in overrides)))
        object.__setattr__(self, "device", self.device or "cpu")
        object.__setattr__(self, "threads", int(self.threads) if self.threads else None)
        object.__setattr__(self, "seed", int(self.seed or 0))
        if self.checkpoint is not None:  # a published net's name (core/published.py) means its cached file
            checkpoint = os.fspath(self.checkpoint)
            object.__setattr__(self, "checkpoint", published_path(checkpoint) or checkpoint)
        if self.threads is not None and self.threads < 0:
            raise ConfigError(f"threads must be >= 0, got {self.threads}")
        if self.arch is not None and self.arch not in ARCHITECTURES:
            raise ConfigError(f"unknown architecture {self.arch!r}; choose one of {sorted(ARCHITECTURES)}")
        if self.backend not in ("auto",) + BACKENDS:
            raise ConfigError(f"unknown backend {self.backend!r}; choose one of {['auto', *BACKENDS]}")
        if self.checkpoint and self.random_weights:
            raise ConfigError("a checkpoint and random weights exclude each other")
        if self.seed and not self.random_weights:
            raise ConfigError("a weights seed is for random weights only")
        geometry = sorted(set(dict(self.overrides)) & set(GEOMETRY_FIELDS))
        if geometry:
            verb = "is" if len(geometry) == 1 else "are"
            raise ConfigError(f"{', '.join(geometry)} {verb} part of the model's geometry, fixed by its "
                              "checkpoint (train at another geometry with --set pairs.<field>=...)")
        self.config()  # an unknown preset or a bad override fails here, before any work

    # ---- what it means ----------------------------------------------------------------------------------------------
    def config(self):
        """The tracker config (core.config.TrackerConfig): the preset with the overrides."""
        return preset(self.preset, **dict(self.overrides))

    def replace(self, **changes: Any) -> "TrackerSpec":
        return dataclasses.replace(self, **changes)

    @property
    def label(self) -> str:
        """The tracker's name in results: `name`, else default_name()."""
        return self.name or self.default_name()

    def changed_overrides(self) -> dict[str, Any]:
        """The overrides that change the preset's values (an override that restates a value changes nothing)."""
        base = preset(self.preset).to_dict()
        return {k: v for k, v in self.overrides if base.get(k) != v}

    def weights(self) -> dict[str, Any]:
        """Which weights: {'random': arch, 'seed': N}, or {'sha1': content hash, 'shipped': arch or None}."""
        if self.random_weights:
            return {"random": self.arch or DEFAULT_ARCH, "seed": self.seed}
        path = self.checkpoint or shipped_model_path(self.arch or DEFAULT_ARCH)
        if path is None:  # build_tracker says so with the remedy
            return {"missing": f"shipped {self.arch or DEFAULT_ARCH} model"}
        if not os.path.isfile(path):
            return {"missing": path}
        digest = file_sha1(path)
        return {"sha1": digest, "shipped": _shipped_arch(digest)}

    def source(self) -> dict[str, Any] | None:
        """Where published weights come from ({'label', 'identifier', 'preset', ...}, core/provenance.py), or None
        for this plugin's own models and random weights."""
        if self.random_weights or not self.checkpoint:
            return None
        from ..core.provenance import peek

        return peek(self.checkpoint)

    def identity(self) -> dict[str, Any]:
        """What changes results: the weights (content, not path), preset, changed overrides and backend family
        ('fp32' for the reference's maths; 'auto' until resolved: the fastest *faithful* one)."""
        backend = "fp32" if self.backend in FP32_FAMILY else self.backend
        return {"weights": self.weights(), "preset": self.preset, "overrides": self.changed_overrides(),
                "backend": backend}

    def default_name(self) -> str:
        """SiamFC-<preset>[-<model>][-set<hash>][-<backend>]: the shipped model of the default architecture adds
        nothing, another shipped architecture its name, another checkpoint a short content hash, random weights
        'random'; published weights (core/provenance.py) are named by their source instead (`authors`,
        `siamfc-pytorch`, ..., plus the preset where it is not the source's); changed overrides a short hash of
        them; a reduced-precision backend asked for by name its name (`auto` picks faithful ones only)."""
        parts = ["SiamFC", self.preset[len("siamfc-"):] if self.preset.startswith("siamfc-") else self.preset]
        source = self.source()
        if source:  # published weights: named by their source, never as ours (its preset implied)
            parts = [source["identifier"]] + ([] if self.preset == source["preset"] else [self.preset])
        weights = self.weights()
        arch = weights.get("random") or weights.get("shipped")
        if arch and arch != DEFAULT_ARCH:
            parts.append(arch)
        if self.random_weights:
            parts.append("random" + (f"{self.seed}" if self.seed else ""))
        elif "sha1" in weights and not weights["shipped"] and not source:
            parts.append(weights["sha1"][:8])
        changed = self.changed_overrides()
        if changed:
            parts.append("set" + hashlib.sha1(json.dumps(changed, sort_keys=True).encode()).hexdigest()[:6])
        if self.backend not in FP32_FAMILY + ("auto",):
            parts.append(self.backend)
        return "-".join(parts)

    def describe(self) -> str:
        """One line: the name and what makes it that tracker."""
        weights = self.weights()
        model = (f"random weights ({weights['random']}, seed {weights['seed']})" if "random" in weights else
                 f"shipped {weights['shipped']} model" if weights.get("shipped") else
                 f"checkpoint {self.checkpoint} (sha1 {weights['sha1'][:12]})" if "sha1" in weights else
                 f"missing model {weights['missing']}")
        changed = self.changed_overrides()
        return (f"{self.label}: preset {self.preset}, {model}" + (f", overrides {changed}" if changed else "")
                + f", backend {self.backend}, device {self.device}")

    # ---- command line ----------------------------------------------------------------------------------------------
    @staticmethod
    def given(args: argparse.Namespace) -> list[str]:
        """The fields of the tracker options given on a parsed command line (parsers default them to None)."""
        return [o.field for o in OPTIONS if getattr(args, o.dest, None) not in (None, False)]

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> "TrackerSpec":
        """The spec the tracker options of a parsed command line describe (options the command lacks, or left
        at None, take the spec's defaults)."""
        values = {}
        for option in OPTIONS:
            value = getattr(args, option.dest, None)
            if value is None or value is False:
                continue
            if option.field == "overrides":
                value = parse_overrides(value)
            elif option.field == "checkpoint":
                value = published_path(value) or os.path.abspath(value)
            values[option.field] = value
        return cls(**values)

    def to_args(self) -> list[str]:
        """Command-line options that give this very spec back through from_args (defaults left out)."""
        out = []
        for option in OPTIONS:
            value = getattr(self, option.field)
            if value == _DEFAULT[option.field]:
                continue
            if option.field == "overrides":
                for key, item in value:
                    out += ["--set", f"{key}={_text(item)}"]
            elif option.field == "random_weights":
                out.append(option.flag)
            else:
                out += [option.flag, str(value)]
        return out

    # ---- SIAMFC_* environment (the trax tracker) -------------------------------------------------------------------
    @classmethod
    def from_env(cls, env: Mapping[str, str], resolve_path=None) -> "TrackerSpec":
        """The spec of SIAMFC_* variables (empty means unset); resolve_path(text) makes a checkpoint path absolute
        (the trax tracker looks relative ones up beside trackers.ini)."""
        values: dict[str, Any] = {}
        for option in OPTIONS:
            text = (env.get(option.env) or "").strip()
            if not text:
                continue
            try:
                if option.field == "overrides":
                    pairs = [p.strip() for p in text.replace("\n", ";").split(";") if p.strip()]
                    values[option.field] = parse_overrides(pairs)
                elif option.field == "random_weights":
                    values[option.field] = text.lower() in ("1", "true", "yes", "on")
                elif option.field in ("threads", "seed"):
                    values[option.field] = int(text)
                elif option.field == "checkpoint":
                    values[option.field] = published_path(text) or (resolve_path(text) if resolve_path
                                                                     else os.path.abspath(text))
                else:
                    values[option.field] = text
            except ValueError as exc:
                if isinstance(exc, ConfigError):
                    raise
                raise ConfigError(f"bad {option.env}={text!r}: {exc}") from None
        if values.get("random_weights") and "checkpoint" in values:
            del values["checkpoint"]  # a registry entry's random-weights switch wins over its model line
        return cls(**values)

    def to_env(self, fields=None) -> dict[str, str]:
        """SIAMFC_* variables that give this spec back through from_env: defaults left out, or exactly the
        `fields` named (say, those given on a command line, to override a registry entry's)."""
        env = {}
        for option in OPTIONS:
            value = getattr(self, option.field)
            if (value == _DEFAULT[option.field]) if fields is None else option.field not in fields:
                continue
            if option.field == "overrides":
                env[option.env] = ";".join(f"{k}={_text(v)}" for k, v in value)
            elif option.field == "random_weights":
                env[option.env] = "1"
            else:
                env[option.env] = str(value)
        return env

    # ---- JSON ------------------------------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        out = dataclasses.asdict(self)
        out["overrides"] = dict(self.overrides)
        return out

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> "TrackerSpec":
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ConfigError(f"unknown tracker spec field(s) {unknown}; valid fields: {sorted(known)}")
        return cls(**values)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> "TrackerSpec":
        return cls.from_dict(json.loads(text))


_DEFAULT = {f.name: f.default for f in dataclasses.fields(TrackerSpec)}


def _text(value: Any) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


# ---- weights ---------------------------------------------------------------------------------------------------------
_SHA1: dict[tuple, str] = {}


def file_sha1(path: str) -> str:
    """sha1 of a file's bytes (cached per path, size and modification time)."""
    stat = os.stat(path)
    key = (os.path.abspath(path), stat.st_size, stat.st_mtime_ns)
    if key not in _SHA1:
        digest = hashlib.sha1()
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        _SHA1[key] = digest.hexdigest()
    return _SHA1[key]


def _shipped_arch(digest: str) -> str | None:
    """The architecture whose shipped model has this content, or None."""
    for arch in SHIPPED_MODELS:
        path = shipped_model_path(arch)
        if path and file_sha1(path) == digest:
            return arch
    return None


# ---- command-line options --------------------------------------------------------------------------------------------
def add_options(parser: argparse.ArgumentParser, fields=None, title: str = "tracker") -> None:
    """Add the tracker options named by `fields` (default: all) to `parser`, defaults None (the spec's)."""
    group = parser.add_argument_group(title)
    for option in OPTIONS:
        if fields is None or option.field in fields:
            group.add_argument(option.flag, dest=option.dest, help=option.help, **dict(option.kwargs))


# ---- results folders -------------------------------------------------------------------------------------------------
def claim_folder(folder: str, spec: "TrackerSpec", overwrite: bool = False, extra: Mapping | None = None,
                 flag: str = "--overwrite") -> None:
    """Make `folder` (one tracker's results) carry `spec` in <folder>/tracker-spec.json (written atomically).
    A folder holding results of another identity, or results of unknown origin, is an error naming both, unless
    `overwrite`: then its old results are deleted. `extra` (e.g. why `auto` took its backend) is recorded too."""
    import shutil

    from ..common.atomic import write_text

    path = os.path.join(folder, SPEC_FILE)
    conflict = None
    if os.path.isfile(path):
        try:
            with open(path) as handle:
                recorded = json.load(handle)
            same = recorded["identity"] == _jsonable(spec.identity())
            old = recorded.get("describe") or json.dumps(recorded["identity"])
        except (OSError, ValueError, KeyError, TypeError):
            same, old = False, f"an unreadable {SPEC_FILE}"
        if not same:
            conflict = f"holds results of another tracker ({old})"
    elif os.path.isdir(folder) and os.listdir(folder):
        conflict = f"holds results without a record of the tracker that made them (no {SPEC_FILE})"
    if conflict and not overwrite:
        raise ConfigError(f"{folder} {conflict}; this run is {spec.describe()}: pass {flag} to replace them, "
                          "or give the tracker another name or the results another folder")
    if conflict:
        shutil.rmtree(folder)
    record = {"name": spec.label, "describe": spec.describe(), "identity": spec.identity(), "spec": spec.to_dict(),
              **dict(extra or {})}
    write_text(path, json.dumps(record, indent=2, sort_keys=True, default=str) + "\n")


def read_folder_spec(folder: str) -> "TrackerSpec | None":
    """The spec recorded in a results folder, or None."""
    try:
        with open(os.path.join(folder, SPEC_FILE)) as handle:
            return TrackerSpec.from_dict(json.load(handle)["spec"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _jsonable(value):
    return json.loads(json.dumps(value, sort_keys=True, default=str))
