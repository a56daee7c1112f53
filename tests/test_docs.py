"""The documentation against the code: every `siamfc ...` command written in the README and docs/ parses with the
real parser (a renamed option or command fails here, not in a reader's shell), and the command reference lists
every command and preset there is."""
from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DOCS = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md")), REPO / "siamfc_plugin" / "models" / "MODEL_CARD.md"]
FENCE = re.compile(r"```(?:bash|sh|console|shell)?\n(.*?)```", re.S)
INLINE = re.compile(r"`(siamfc [^`]+)`")
PLACEHOLDER = re.compile(r"\.\.\.|\[|\]|<|>|\|")  # synopsis notation, not a command to run


def _commands(text: str) -> list[tuple[str, str]]:
    """(kind, command): 'run' for the lines of code blocks (run as written), 'name' for inline mentions in prose
    (`siamfc eval --ray ADDRESS`: the command and option names must exist; values may be placeholders)."""
    found = []
    for block in FENCE.findall(text):
        block = block.replace("\\\n", " ")
        for line in block.splitlines():
            line = re.sub(r"^\$\s*", "", line.strip())
            for part in re.split(r"&&|;", line):
                part = part.split(" #", 1)[0].strip()
                if part.startswith("siamfc ") and not PLACEHOLDER.search(part):
                    placeholders = any(w.isupper() and len(w) > 1 for w in part.split())  # VIDEO, SECONDS
                    found.append(("name" if placeholders else "run",
                                  re.sub(r"\$\{?\w+\}?", "1", part)))  # shell variables: a number
    found += [("name", c) for c in INLINE.findall(text) if "..." not in c]  # `siamfc ... | head`: no command
    return found


def _all_commands() -> list[tuple[str, str, str]]:
    return [(path.relative_to(REPO).as_posix(), kind, command) for path in DOCS if path.is_file()
            for kind, command in _commands(path.read_text())]


def test_the_docs_show_commands():
    assert len([c for c in _all_commands() if c[1] == "run"]) >= 25


def _check_names(parser, argv: list[str]) -> list[str]:
    """What in argv names no command or option of the real parser."""
    wrong = []
    for word in argv:
        if word.startswith("-"):
            flag = word.split("=", 1)[0]
            if flag not in parser._option_string_actions:
                wrong.append(flag)
            continue
        sub = parser._subparsers._group_actions[0].choices if parser._subparsers else None
        if sub is None or word.isupper() or PLACEHOLDER.search(word):  # a value, or a placeholder (COMMAND)
            continue
        names = word.split("/")  # prose shorthand: `siamfc vot test/evaluate`
        wrong += [n for n in names if n and n not in sub]
        if names[0] in sub:
            parser = sub[names[0]]
    return wrong


@pytest.mark.parametrize("where,kind,command", _all_commands())
def test_every_documented_command_parses(where, kind, command, capsys):
    from siamfc_plugin.cli import build_parser

    argv = shlex.split(command)[1:]
    words = [w for w in argv if not w.startswith("-")]
    parser = build_parser(words[0] if words else None)
    if kind == "name":
        wrong = _check_names(parser, argv)
        assert not wrong, f"{where}: `{command}` names what the parser lacks: {wrong}"
        return
    try:
        parser.parse_args(argv)
    except SystemExit as exit_:
        if exit_.code != 0:  # --help, --version
            pytest.fail(f"{where}: `{command}` does not parse: {capsys.readouterr().err.strip()}")


def test_command_reference_lists_every_command_and_preset():
    from siamfc_plugin.cli import build_parser
    from siamfc_plugin.core.config import PRESETS

    text = (REPO / "docs" / "command-line.md").read_text()
    commands = build_parser()._subparsers._group_actions[0].choices
    missing = [name for name in commands if f"siamfc {name}" not in text]
    assert not missing, f"docs/command-line.md says it lists every command but lacks {missing}"
    listing = re.compile(r"siamfc-3s[^\n]{0,40}(,| or | and )[^\n]{0,12}siamfc-5s[^\n]*")  # a list of presets
    for path in DOCS + [REPO / "siamfc_plugin" / "toolkits" / "vot" / "siamfc_trax.py"]:
        for line in (m.group(0) for m in listing.finditer(path.read_text())):
            absent = [p for p in PRESETS if p not in line]
            assert not absent, f"{path.name} lists presets without {absent}: {line}"
