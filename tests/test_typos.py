"""Typos caught early: a mistyped option is named with the closest valid one (every subcommand, before argparse's
"the following arguments are required" hides it), and a mistyped tracker name in `siamfc vot evaluate` is refused
before the toolkit starts, listing the registry's entries."""
from __future__ import annotations

import subprocess
import sys

import pytest

from siamfc_plugin.cli import build_parser, main as siamfc_main


def _leaves(parser, prefix=()):
    """(words, parser) of every runnable (sub)command: `siamfc vot evaluate` is ("vot", "evaluate")."""
    sub = parser._subparsers._group_actions[0].choices if parser._subparsers else None
    if not sub:
        yield prefix, parser
        return
    for name, child in sub.items():
        yield from _leaves(child, prefix + (name,))


def _typo(option: str) -> str:
    """--checkpoint -> --chekpoint: one letter of the name dropped (the third, so that the prefix stays)."""
    name = option[2:]
    return "--" + name[:2] + name[3:] if len(name) > 3 else "--" + name[:-1] + name[-1] * 2


def _long_option(parser) -> str:
    options = sorted(o for o in parser._option_string_actions if o.startswith("--") and o not in ("--help",))
    return max(options, key=len)  # the longest: its typo is closest to it alone


LEAVES = [(words, parser) for words, parser in _leaves(build_parser())
          if any(o.startswith("--") and o != "--help" for o in parser._option_string_actions)]


@pytest.mark.parametrize("words", [w for w, _ in LEAVES], ids=[" ".join(w) for w, _ in LEAVES])
def test_every_subcommand_names_an_unknown_option_and_the_closest(words, capsys):
    parser = dict(LEAVES)[words]
    option = _long_option(parser)
    typo = _typo(option)
    assert typo not in parser._option_string_actions
    with pytest.raises(SystemExit) as exit_:
        siamfc_main([*words, typo, "1"])
    err = capsys.readouterr().err
    assert exit_.value.code == 2
    assert typo in err and f"did you mean {option}" in err, err
    assert "the following arguments are required" not in err, err


def test_bx_is_named_not_reported_as_a_missing_box():
    """The issue's own case, as a user runs it: `--bx` is not 'the following arguments are required: --box'."""
    result = subprocess.run([sys.executable, "-m", "siamfc_plugin", "track", "video.mp4", "--bx", "1,2,3,4"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert "--bx" in result.stderr and "did you mean --box" in result.stderr, result.stderr
    assert "required" not in result.stderr and "Traceback" not in result.stderr


def test_an_option_value_or_a_negative_number_is_not_a_typo(capsys):
    """Values that start with '-' (given as --box=VALUE, or a negative number) parse as before; `--box -1,...`
    (which argparse reads as an option) says how to write it."""
    args = build_parser("track").parse_args(["track", "v.mp4", "--box=-1,2,3,4", "--fps", "-5"])
    assert args.box == [-1.0, 2.0, 3.0, 4.0] and args.fps == -5.0
    with pytest.raises(SystemExit):
        siamfc_main(["track", "v.mp4", "--box", "-1,2,3,4"])
    err = capsys.readouterr().err
    assert "--box=-1,2,3,4" in err or "--box=VALUE" in err, err


def test_a_mistyped_command_is_named_with_the_closest(capsys):
    with pytest.raises(SystemExit):
        siamfc_main(["trak", "v.mp4"])
    err = capsys.readouterr().err
    assert "trak" in err and "did you mean track" in err, err


def test_vot_evaluate_refuses_an_unknown_tracker_before_the_toolkit_starts(tmp_path, capsys):
    workspace = tmp_path / "ws"
    assert siamfc_main(["vot", "prepare", "--synthetic", "--workspace", str(workspace), "--sequences", "1",
                        "--synthetic-frames", "6"]) == 0
    capsys.readouterr()
    code = siamfc_main(["vot", "evaluate", "--workspace", str(workspace), "SiamFC-3x", "MIL"])
    err = capsys.readouterr().err
    assert code == 2
    assert "$ python -m vot" not in err, "the toolkit ran before the name was checked"
    assert "SiamFC-3x" in err and "did you mean SiamFC-3s" in err, err
    for entry in ("SiamFC-3s", "SiamFC-5s", "MIL", "Static"):  # the registry's entries, listed
        assert entry in err
    assert "ToolkitException" not in err and "Traceback" not in err
