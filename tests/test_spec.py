"""The one tracker spec (siamfc_plugin/backends/spec.py): built from command lines, SIAMFC_* variables and JSON and
back without loss; every option a command accepts reaches the tracker it builds; default names say what changes
results, the same in got10k and VOT; a results folder carries its spec and refuses another's."""
from __future__ import annotations

import argparse
import configparser
import json
import os
import re
import sys

import pytest

from siamfc_plugin.backends.spec import OPTIONS, SPEC_FILE, TrackerSpec, claim_folder
from siamfc_plugin.common.errors import ConfigError

SPECS = [
    TrackerSpec(),
    TrackerSpec(preset="siamfc-3s-da", overrides={"window_influence": 0.3, "template_lr": 0.01}, backend="int8",
                device="cuda:1", threads=3, name="mine"),
    TrackerSpec(arch="alexnet", random_weights=True, seed=7, preset="siamfc-5s", backend="torch"),
    TrackerSpec(overrides={"scale_num": 5, "response_upsample": 8}, backend="onnx"),
]


@pytest.fixture(params=range(len(SPECS)), ids=lambda i: f"spec{i}")
def spec(request, random_checkpoint):
    spec = SPECS[request.param]
    return spec.replace(checkpoint=random_checkpoint) if request.param == 3 else spec


def test_round_trips(spec):
    from siamfc_plugin.cli import build_parser

    assert TrackerSpec.from_json(spec.to_json()) == spec
    assert TrackerSpec.from_dict(json.loads(json.dumps(spec.to_dict()))) == spec
    assert TrackerSpec.from_env(spec.to_env()) == spec
    args = build_parser("track").parse_args(["track", "in.mp4", "--box", "1,2,3,4", *spec.to_args()])
    assert TrackerSpec.from_args(args) == spec
    assert hash(spec) == hash(TrackerSpec.from_json(spec.to_json()))  # Ray workers key their trackers by it


def test_spec_refuses_what_it_cannot_honour(random_checkpoint):
    for bad in ({"preset": "siamfc-7s"}, {"overrides": {"window_inflence": 0.2}}, {"backend": "fast"},
                {"overrides": {"instance_size": 175}}, {"threads": -1}, {"arch": "resnet"},
                {"checkpoint": random_checkpoint, "random_weights": True}, {"seed": 3}):
        with pytest.raises(ConfigError):
            TrackerSpec(**bad)
    with pytest.raises(ConfigError, match="SIAMFC_THREADS"):
        TrackerSpec.from_env({"SIAMFC_THREADS": "many"})
    with pytest.raises(ConfigError, match="unknown tracker spec field"):
        TrackerSpec.from_dict({"preset": "siamfc-3s", "colour": "red"})


# ---- every option a command accepts is honoured ----------------------------------------------------------------------
class Caught(BaseException):
    """Raised by the spy in place of the real work, once the spec the command runs with is known (a BaseException:
    `siamfc`'s main() reports any Exception as an internal error, exit 1, and this one must reach the test)."""


VALUES = {"checkpoint": None, "preset": "siamfc-5s", "arch": "alexnet", "overrides": ["window_influence=0.3"],
          "backend": "onnx", "device": "cuda:1", "threads": "3", "random_weights": None, "seed": "5",
          "name": "X"}
COMPANIONS = {"arch": ["--random-weights"], "seed": ["--random-weights"]}  # what the option needs beside it


def _sinks(monkeypatch, caught: dict):
    """Where each command hands its tracker over: the spec is captured there and the run stopped."""
    import siamfc_plugin.backends.build as build
    import siamfc_plugin.commands.bench as bench
    import siamfc_plugin.commands.leaderboard as leaderboard
    import siamfc_plugin.commands.vot as vot_cli

    def spy(key):
        def catch(*args, **kwargs):
            caught[key] = kwargs.get("spec", args[0] if args else None)
            raise Caught
        return catch

    def toolkit(arguments, **_):  # `vot test`: the trax tracker will read the derived registry's env_*
        registry = arguments[arguments.index("--registry") + 1]
        parser = configparser.ConfigParser()
        parser.optionxform = str
        parser.read(registry)
        entry = parser[arguments[-1] if arguments[-2] == "test" else arguments[arguments.index("test") + 1]]
        env = {k[4:]: v for k, v in entry.items() if k.startswith("env_")}
        caught["spec"] = TrackerSpec.from_env(env)
        raise Caught

    monkeypatch.setattr(build, "build_model", spy("spec"))
    monkeypatch.setattr(bench, "run_bench", spy("spec"))
    monkeypatch.setattr(leaderboard, "siamfc_entry", spy("spec"))
    monkeypatch.setattr(vot_cli, "run_toolkit", toolkit)


def _command_args(tmp_path) -> dict[tuple, list[str]]:
    """Every command that takes tracker options, with the arguments it needs to get as far as its tracker."""
    from siamfc_plugin.data.synthetic import SyntheticConfig, write_benchmark

    data = tmp_path / "data"
    write_benchmark(str(data), SyntheticConfig(sequences=1, frames=3, seed=0, style="plain"))
    return {
        ("track",): ["track", str(data / "Synthetic01"), "--box", "1,2,3,4"],
        ("eval",): ["eval", "--dataset", "otb", "--root", str(data), "--out", str(tmp_path / "o")],
        ("soak",): ["soak"],
        ("bench",): ["bench", "--no-save"],
        ("export",): ["export", "--onnx", str(tmp_path / "m.onnx")],
        ("leaderboard",): ["leaderboard", "--peers", "Static", "--out", str(tmp_path / "lb")],
        ("demo",): ["demo", "--peers", "Static", "--out", str(tmp_path / "demo"), "--data", str(tmp_path / "syn"),
                    "--synthetic-sequences", "1", "--frames", "3"],
        ("vot", "test"): ["vot", "test", "--quiet"],
    }


def _takes(parser, option) -> bool:
    """The parser has this tracker option (not merely a flag of the same spelling, like `train --set`)."""
    action = parser._option_string_actions.get(option.flag)
    return action is not None and action.dest == option.dest and action.help == option.help


def _tracker_commands() -> dict[tuple, argparse.ArgumentParser]:
    """(command words) -> parser, for every (sub)command whose parser has a tracker option."""
    from siamfc_plugin.cli import build_parser

    found = {}

    def walk(parser, words):
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, child in action.choices.items():
                    walk(child, words + (name,))
        if words and any(_takes(parser, option) for option in OPTIONS):
            found[words] = parser

    walk(build_parser(), ())
    return found


def test_every_accepted_tracker_option_reaches_the_tracker(tmp_path, monkeypatch, random_checkpoint):
    from siamfc_plugin.cli import main

    commands = _command_args(tmp_path)
    found = _tracker_commands()
    assert set(found) == set(commands), "a command takes tracker options: say here where its tracker is built"
    values = dict(VALUES, checkpoint=random_checkpoint)
    checked = 0
    for words, parser in found.items():
        for option in OPTIONS:
            if not _takes(parser, option):
                continue
            value = values[option.field]
            argv = commands[words] + [option.flag] + ([] if value is None else
                                                      value if isinstance(value, list) else [value])
            argv += COMPANIONS.get(option.field, [])
            caught: dict = {}
            with monkeypatch.context() as patch:
                _sinks(patch, caught)
                try:
                    code = main(argv)
                except Caught:
                    code = None
            assert code is None and "spec" in caught, f"`siamfc {' '.join(argv)}` built no tracker (exit {code})"
            got = getattr(caught["spec"], option.field)
            want = {"overrides": (("window_influence", 0.3),), "threads": 3, "seed": 5,
                    "random_weights": True}.get(option.field, value)
            assert got == want, f"`siamfc {' '.join(words)}` accepts {option.flag} but runs with {got!r}"
            checked += 1
    assert checked >= 60


@pytest.mark.parametrize("argv", [["export", "--onnx", "m.onnx", "--preset", "siamfc-5s"],
                                  ["export", "--onnx", "m.onnx", "--backend", "onnx"],
                                  ["bench", "--preset", "siamfc-5s"], ["bench", "--set", "window_influence=0.2"],
                                  ["bench", "--backend", "int8"], ["bench", "--arch", "alexnet"]])
def test_options_a_command_cannot_honour_are_refused(argv, capsys):
    """bench runs its own lists (--backends, --archs, --scales); export writes the weights only."""
    from siamfc_plugin.cli import main

    with pytest.raises(SystemExit) as exit_:
        main(argv)
    assert exit_.value.code == 2 and "unrecognized arguments" in capsys.readouterr().err


def test_trax_environment_is_the_spec(tmp_path):
    """Every SIAMFC_* variable of the spec reaches the trax tracker's spec; the module's doc lists exactly these."""
    import siamfc_plugin.toolkits.vot.siamfc_trax as trax

    checkpoint = tmp_path / "m.pth"
    checkpoint.write_bytes(b"x")
    texts = {"checkpoint": str(checkpoint), "preset": "siamfc-5s", "arch": "alexnet",
             "overrides": "window_influence=0.3", "backend": "onnx", "device": "cuda:1", "threads": "3",
             "random_weights": "1", "seed": "5", "name": "X"}
    for option in OPTIONS:
        env = {option.env: texts[option.field]}
        if option.field == "seed":
            env["SIAMFC_RANDOM_WEIGHTS"] = "1"
        spec = trax.Settings.from_environ(env).spec
        assert spec != TrackerSpec(), option.env
        assert spec.to_env()[option.env] == texts[option.field], option.env
    documented = set(re.findall(r"^\s{4}(SIAMFC_[A-Z_]+)", trax.__doc__, re.M))
    assert documented == {o.env for o in OPTIONS} | {"SIAMFC_POLYGON", "SIAMFC_REGION"}  # and the edge's own


# ---- identity --------------------------------------------------------------------------------------------------------
def test_default_names_say_what_changes_results(random_checkpoint, trained_checkpoint, tmp_path):
    assert TrackerSpec().label == "SiamFC-3s"
    assert TrackerSpec(preset="siamfc-3s-da").label == "SiamFC-3s-da"  # was SiamFC-3s: the -da results mixed in
    assert TrackerSpec(preset="siamfc-5s").label == "SiamFC-5s"
    assert TrackerSpec(checkpoint=trained_checkpoint).label == "SiamFC-3s"  # the shipped model, by content
    other = TrackerSpec(checkpoint=random_checkpoint).label
    assert re.fullmatch(r"SiamFC-3s-[0-9a-f]{8}", other)
    copy = tmp_path / "copy.pth"
    copy.write_bytes(open(random_checkpoint, "rb").read())
    assert TrackerSpec(checkpoint=str(copy)).label == other  # content, not path
    assert TrackerSpec(random_weights=True).label == "SiamFC-3s-random"
    assert TrackerSpec(overrides={"window_influence": 0.176}).label == "SiamFC-3s"  # restates the preset
    tuned = TrackerSpec(overrides={"window_influence": 0.2}).label
    assert re.fullmatch(r"SiamFC-3s-set[0-9a-f]{6}", tuned)
    assert TrackerSpec(backend="int8").label == "SiamFC-3s-int8"
    assert TrackerSpec(backend="onnx").label == TrackerSpec(backend="torch").label == "SiamFC-3s"
    assert len({other, tuned, "SiamFC-3s", "SiamFC-3s-da", "SiamFC-3s-int8"}) == 5


def test_got10k_and_vot_give_the_same_default_name(random_checkpoint):
    """`siamfc eval` names results spec.label; the trax tracker announces the spec of its SIAMFC_* variables."""
    import siamfc_plugin.toolkits.vot.siamfc_trax as trax
    from siamfc_plugin.cli import build_parser

    for spec in (TrackerSpec(preset="siamfc-3s-da"), TrackerSpec(checkpoint=random_checkpoint)):
        args = build_parser("eval").parse_args(["eval", "--dataset", "otb", "--root", ".", *spec.to_args()])
        assert TrackerSpec.from_args(args).label == trax.Settings.from_environ(spec.to_env()).spec.label \
            == spec.label


def test_results_folder_refuses_another_spec(tmp_path, random_checkpoint):
    folder = tmp_path / "OTB" / "SiamFC-3s"
    first = TrackerSpec(checkpoint=random_checkpoint, name="SiamFC-3s", backend="torch")  # as run: resolved
    claim_folder(str(folder), first)
    (folder / "Crossing.txt").write_text("1,2,3,4\n")
    claim_folder(str(folder), first.replace(threads=2, backend="onnx"))  # same results: fine
    assert (folder / "Crossing.txt").exists()
    second = TrackerSpec(name="SiamFC-3s", backend="torch")  # the shipped model under the same name
    with pytest.raises(ConfigError) as error:
        claim_folder(str(folder), second)
    message = str(error.value)
    assert random_checkpoint in message and "shipped alexnet-slim model" in message and "--overwrite" in message
    claim_folder(str(folder), second, overwrite=True)
    assert not (folder / "Crossing.txt").exists()
    assert json.loads((folder / SPEC_FILE).read_text())["identity"] == second.identity()
    legacy = tmp_path / "legacy"
    legacy.mkdir()
    (legacy / "Crossing.txt").write_text("1,2,3,4\n")
    with pytest.raises(ConfigError, match="without a record"):
        claim_folder(str(legacy), second)


def test_eval_into_a_folder_of_another_checkpoint_is_an_error(tmp_path, random_checkpoint, capsys):
    """The defect: a second `siamfc eval` with another checkpoint (same default name once) into the same --out
    reported the first run's numbers."""
    from siamfc_plugin.cli import main
    from siamfc_plugin.data.synthetic import SyntheticConfig, write_benchmark

    root = tmp_path / "data"
    write_benchmark(str(root), SyntheticConfig(sequences=1, frames=8, seed=0, style="plain"))
    out = tmp_path / "out"
    base = ["eval", "--dataset", "otb", "--root", str(root), "--out", str(out), "--threads", "1",
            "--backend", "torch", "--name", "SiamFC-3s"]
    assert main(base + ["--checkpoint", random_checkpoint]) == 0
    record = json.loads((out / "results" / "OTB" / "SiamFC-3s" / SPEC_FILE).read_text())
    assert record["spec"]["checkpoint"] == random_checkpoint
    capsys.readouterr()
    assert main(base + ["--random-weights"]) == 2
    err = capsys.readouterr().err
    assert "holds results of another tracker" in err and random_checkpoint in err and "random weights" in err
    assert main(base + ["--random-weights", "--overwrite"]) == 0
    assert json.loads((out / "results" / "OTB" / "SiamFC-3s" / SPEC_FILE).read_text())["spec"]["random_weights"]


def test_spec_module_imports_no_torch():
    import subprocess

    code = "import sys, siamfc_plugin.backends.spec; assert 'torch' not in sys.modules"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path)))
    assert done.returncode == 0, done.stderr


def test_vot_results_folder_carries_the_registry_entrys_spec(tmp_path, random_checkpoint):
    """`siamfc vot evaluate` claims results/<entry>/ for the spec its trackers.ini entry describes: the toolkit
    keeps finished sequences, so an entry edited to another model would otherwise mix two trackers' results."""
    from siamfc_plugin.commands.vot import claim_results

    def registry(preset: str) -> None:
        (tmp_path / "trackers.ini").write_text(
            f"[SiamFC-3s]\nlabel = x\nprotocol = traxpython\ncommand = siamfc_plugin.toolkits.vot.siamfc_trax\n"
            f"paths = .\nenv_SIAMFC_PRESET = {preset}\nenv_SIAMFC_CHECKPOINT = {random_checkpoint}\n\n"
            "[Static]\nlabel = s\nprotocol = traxpython\ncommand = siamfc_plugin.toolkits.vot.peers_trax\n")

    (tmp_path / "config.yaml").write_text("registry:\n- ./trackers.ini\nstack: stack.yaml\n")
    registry("siamfc-3s")
    claim_results(str(tmp_path), ["SiamFC-3s", "Static"])
    record = json.loads((tmp_path / "results" / "SiamFC-3s" / SPEC_FILE).read_text())
    assert record["spec"]["checkpoint"] == random_checkpoint and record["name"] == "SiamFC-3s"
    assert not (tmp_path / "results" / "Static").exists()  # peers have no spec
    (tmp_path / "results" / "SiamFC-3s" / "baseline").mkdir()
    claim_results(str(tmp_path), ["SiamFC-3s"])  # the same entry again: fine
    registry("siamfc-5s")  # the entry edited
    with pytest.raises(ConfigError, match="siamfc-3s.*siamfc-5s.*--force"):
        claim_results(str(tmp_path), ["SiamFC-3s"])
    claim_results(str(tmp_path), ["SiamFC-3s"], overwrite=True)
    assert not (tmp_path / "results" / "SiamFC-3s" / "baseline").exists()


def test_python_api_takes_the_spec_or_its_fields(random_checkpoint):
    """build_tracker(spec), build_tracker(path, ...) and build_tracker(checkpoint=path, ...) are one tracker."""
    from siamfc_plugin.backends.build import build_tracker

    spec = TrackerSpec(checkpoint=random_checkpoint, preset="siamfc-5s", backend="torch", threads=1)
    built = [build_tracker(spec), build_tracker(random_checkpoint, preset="siamfc-5s", backend="torch", threads=1),
             build_tracker(checkpoint=random_checkpoint, preset="siamfc-5s", backend="torch", threads=1)]
    assert {b.spec for b in built} == {spec.replace(name=spec.label)}
    assert build_tracker(random_weights=True, backend="torch").spec.label == "SiamFC-3s-random"


def test_the_name_is_fixed_before_auto_resolves(random_checkpoint):
    """`auto` may take int8 where it is faithful for the weights; the results keep the name of the spec asked for."""
    from siamfc_plugin.backends.build import build_tracker

    asked = TrackerSpec(checkpoint=random_checkpoint, threads=1)
    built = build_tracker(asked)
    assert built.spec.label == asked.label and built.spec.backend == built.backend != "auto"
    assert built.spec.replace(name=None, backend="int8").label == asked.label + "-int8"  # unfrozen, it would change
