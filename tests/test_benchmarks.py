"""benchmarks/ holds measurement scripts only, each importing this checkout's package the same way (from the
repository, installed or not) and each with at least this smoke test: it starts and explains itself."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SCRIPTS = sorted((REPO / "benchmarks").glob("*.py"))
ROOT = "os.path.dirname(os.path.dirname(os.path.abspath(__file__)))"  # the checkout holding benchmarks/


def test_every_script_imports_the_package_the_same_way():
    assert SCRIPTS
    for script in SCRIPTS:
        text = script.read_text()
        if "siamfc_plugin" in text or "from analysis" in text:
            same_way = f"sys.path.insert(0, {ROOT})" in text or (f"REPO = {ROOT}" in text and
                                                                 "sys.path.insert(0, REPO)" in text)
            assert same_way, f"{script.name} imports the package another way"


@pytest.mark.slow  # about 20 s a script on a loaded 2-core machine (torch imports)
@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_script_starts_and_explains_itself(script, tmp_path):
    """--help from another folder, without PYTHONPATH: the script finds this checkout's package on its own."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    done = subprocess.run([sys.executable, str(script), "--help"], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "usage:" in done.stdout
