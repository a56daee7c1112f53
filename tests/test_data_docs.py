"""Data for a user: a test that skips for want of ../shared/data says what that data is and what to do (not the
circular "set SIAMFC_SHARED_DATA to ../shared/data"), and the docs say where every dataset the examples name comes
from: its official page and the toolkits' own download helpers."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DOCS = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
EXAMPLE_DATASET = re.compile(r"[~/]data/([A-Za-z][A-Za-z0-9_.-]*)")
NOT_DATASETS = {"my_otb_folder", "eval", "train", "shared"}  # a placeholder folder; the shared data's own parts


def test_a_skip_for_missing_shared_data_says_what_it_is_and_what_to_do(tmp_path):
    """A real pytest run of a data test against a missing folder, as on a user's clone: the reason printed by -rs."""
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider",
                           "tests/test_got10k.py", "-k", "otb"], cwd=REPO, capture_output=True, text=True,
                          env={**__import__("os").environ, "SIAMFC_SHARED_DATA": str(tmp_path / "absent")},
                          timeout=600)
    skips = [line for line in done.stdout.splitlines() if line.startswith("SKIPPED")]
    assert skips, done.stdout[-2000:]
    reason = skips[0]
    assert "set SIAMFC_SHARED_DATA to ../shared/data" not in reason
    assert "hand-annotated" in reason and "OTB" in reason  # what the data is
    assert "Nothing to do" in reason and "docs/data.md" in reason and "SIAMFC_SHARED_DATA" in reason  # what to do
    assert str(tmp_path / "absent") in reason


def test_data_docs_say_what_the_test_data_is():
    text = (REPO / "docs" / "data.md").read_text()
    for sequence in ("Crossing", "DragonBaby", "FaceOcc1", "Human3", "MotorRolling", "ball1", "book", "bag"):
        assert sequence in text, sequence
    assert "SIAMFC_SHARED_DATA" in text and "skip" in text


def test_every_dataset_the_examples_name_has_its_official_page_and_helper():
    """Each /data/NAME in the README's and docs' examples: a row of docs/data.md with a link and a way to get it."""
    rows = [line for line in (REPO / "docs" / "data.md").read_text().splitlines() if line.startswith("| ")]
    named = {m for path in DOCS for m in EXAMPLE_DATASET.findall(path.read_text())} - NOT_DATASETS
    assert {"OTB100", "vot2015"} <= named  # the README's own examples
    for name in sorted(named):
        row = next((r for r in rows if f"/data/{name}`" in r), None)
        assert row, f"docs/data.md does not say where /data/{name} comes from"
        assert re.search(r"<https?://[^>]+>", row), f"/data/{name}: no official page"
        assert re.search(r"download=True|vot initialize|none", row), f"/data/{name}: no download helper (or none)"
    helpers = "\n".join(rows)
    assert "OTB('/data/OTB100', version=2015, download=True)" in helpers
    assert "vot initialize vot2015/rgb" in helpers


def test_readme_points_at_the_data_page():
    readme = (REPO / "README.md").read_text()
    assert "docs/data.md" in readme
    for section in ("test suite uses real data", "VOT toolkit maintainer"):
        start = readme.index(section)
        assert "docs/data.md" in readme[start:start + 900], f"no pointer to docs/data.md near '{section}'"
