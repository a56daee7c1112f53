"""The package layout: folders are layers and imports point down (lazy imports inside functions included), and the
command line starts without torch."""
from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "siamfc_plugin"
# lowest first; a module may import its own folder and the folders of lower layers, never a higher one
LAYERS = [{"common", "models"}, {"formats"}, {"data"}, {"core"}, {"backends"}, {"training", "toolkits"}, {"commands"}, {"<root>"}]


def _rank(folder: str) -> int:
    return next(i for i, layer in enumerate(LAYERS) if folder in layer)


def _folder(module: str) -> str:
    """siamfc_plugin.<folder>[.<module>] -> folder; siamfc_plugin.<module> -> '<root>'."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and (PACKAGE / parts[1]).is_dir() else "<root>"


def _imports(path: Path) -> list[str]:
    """Absolute names of the siamfc_plugin modules `path` imports, anywhere in the file."""
    module = ".".join(path.relative_to(REPO).with_suffix("").parts)
    package = module.rsplit(".", 1)[0] if path.name != "__init__.py" else module[: -len(".__init__")]
    names = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.startswith("siamfc_plugin"):
                # `from . import x` names a module: judge by the module itself
                names += [f"{target}.{a.name}" if not node.module else target for a in node.names]
        elif isinstance(node, ast.Import):
            names += [a.name for a in node.names if a.name.startswith("siamfc_plugin")]
    return names


def test_imports_point_down():
    wrong = []
    for path in sorted(PACKAGE.rglob("*.py")):
        source = ".".join(path.relative_to(REPO).with_suffix("").parts)
        for target in _imports(path):
            if path.name in ("__init__.py", "__main__.py") and _folder(source) == "<root>":
                continue  # the package's front door re-exports and starts the CLI
            if _rank(_folder(target)) > _rank(_folder(source)):
                wrong.append(f"{source} imports {target}")
            elif _rank(_folder(target)) == _rank(_folder(source)) and _folder(target) != _folder(source):
                wrong.append(f"{source} imports its sibling layer {target}")
    assert not wrong, "\n".join(wrong)


# The ground floor both sides stand on: the one reader of benchmark folders (siamfc_plugin/formats). analysis/ may
# import it and nothing else of the plugin; it imports only the standard library, numpy and the error types.
GROUND_FLOOR = "siamfc_plugin.formats"
GROUND_FLOOR_IMPORTS = {"siamfc_plugin.common.errors"}
STDLIB_AND_NUMPY = set(sys.stdlib_module_names) | {"numpy"}


def _absolute_imports(path: Path) -> list[str]:
    names = []
    for node in ast.walk(ast.parse(path.read_text())):
        names += [a.name for a in node.names] if isinstance(node, ast.Import) else \
            [node.module or ""] if isinstance(node, ast.ImportFrom) and not node.level else []
    return names


def test_analysis_imports_only_the_ground_floor_of_the_plugin():
    """analysis/ reads result files and ground truth: of siamfc_plugin it imports the ground floor (the one reader of
    benchmark folders) and nothing else, lazy imports included."""
    wrong = []
    for path in sorted((REPO / "analysis").rglob("*.py")):
        wrong += [f"{path.relative_to(REPO)} imports {n}" for n in _absolute_imports(path)
                  if n.split(".")[0] == "siamfc_plugin" and not (n == GROUND_FLOOR or n.startswith(GROUND_FLOOR + "."))]
    assert not wrong, wrong


def test_the_ground_floor_imports_only_stdlib_numpy_and_the_error_types():
    wrong = []
    for path in sorted((PACKAGE / "formats").rglob("*.py")):
        for name in _absolute_imports(path):
            if name.split(".")[0] not in STDLIB_AND_NUMPY | {"siamfc_plugin"}:
                wrong.append(f"{path.relative_to(REPO)} imports {name}")
        for name in _imports(path):
            if not (name.startswith(GROUND_FLOOR) or name in GROUND_FLOOR_IMPORTS):
                wrong.append(f"{path.relative_to(REPO)} imports {name}")
    assert not wrong, wrong


def test_every_module_is_in_a_layer():
    folders = {p.parent.relative_to(PACKAGE).parts[0] for p in PACKAGE.rglob("*.py") if p.parent != PACKAGE}
    assert folders <= set().union(*LAYERS), folders - set().union(*LAYERS)
    assert sorted(p.name for p in PACKAGE.glob("*.py")) == ["__init__.py", "__main__.py", "cli.py"]


def test_every_command_builds_its_parser():
    """Each command's parser (main() builds only the one named, plus one-line entries for the rest) takes its help."""
    from siamfc_plugin.cli import EXTENSIONS, build_parser

    full = build_parser()
    for command in full._subparsers._group_actions[0].choices:
        parser = build_parser(command)
        choices = parser._subparsers._group_actions[0].choices
        assert set(choices) == set(full._subparsers._group_actions[0].choices)
        if command in EXTENSIONS:
            assert choices[command].add_help, command  # the real parser, not the one-line entry


HEAVY = ("torch", "cv2", "numpy", "analysis", "got10k", "vot", "yaml", "scipy", "pandas", "matplotlib", "PIL",
         "onnxruntime", "onnx", "ray", "tqdm")


def test_cli_help_imports_nothing_heavy():
    """`siamfc --help` and `siamfc COMMAND --help` import no heavy package, and of the plugin only what builds the
    parsers: what is imported, not wall time (which a loaded machine stretches), is what keeps them quick."""
    code = ("import contextlib, io, json, sys\n"
            "from siamfc_plugin.cli import main\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n"
            "    try:\n"
            "        main(sys.argv[1:])\n"
            "    except SystemExit:\n"
            "        pass\n"
            "print(json.dumps(sorted(sys.modules)))\n")
    # `vot` is defined beside its code (commands/vot.py), which reads workspaces with numpy
    for argv, allowed in ((["--help"], ()), (["eval", "--help"], ()), (["vot", "--help"], ("numpy",))):
        done = subprocess.run([sys.executable, "-c", code, *argv], cwd=REPO, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        modules = json.loads(done.stdout.splitlines()[-1])
        heavy = sorted({m.split(".")[0] for m in modules} & set(HEAVY) - set(allowed))
        assert not heavy, f"siamfc {' '.join(argv)} imports {heavy}"
        plugin = {m for m in modules if m.startswith("siamfc_plugin.")}
        assert len(plugin) <= 20, sorted(plugin)  # the parsers' modules (spec, presets, architectures), not the code
