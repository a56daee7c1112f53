"""Where a model file comes from, told without torch (the leaderboard process names its rows with it): published
SiamFC weights are labelled by their source ("SiamFC, authors' MatConvNet net 2016-08-17 (colour)"), never as this
plugin's models. core/weights.py converts them; this module only reads names and the checkpoint's provenance entry.
"""
from __future__ import annotations

import collections
import os
import pickle
import re
import zipfile
from typing import Any

MAT_FORMAT = "matconvnet-dagnn"
PYTORCH_FORMAT = "siamfc-pytorch"
GOT10K_FORMAT = "got10k-siamfc"
FORMATS = (MAT_FORMAT, PYTORCH_FORMAT, GOT10K_FORMAT)

# The tracker preset each source's own tracker uses (core/config.py holds them).
SOURCE_PRESET = {MAT_FORMAT: "siamfc-matconvnet-3s", PYTORCH_FORMAT: "siamfc-pytorch", GOT10K_FORMAT: "siamfc-got10k"}
SOURCE_LABEL = {
    MAT_FORMAT: "authors' MatConvNet net",
    PYTORCH_FORMAT: "huanglianghua/siamfc-pytorch net",
    GOT10K_FORMAT: "got-10k/siamfc net",
}
SOURCE_ID = {MAT_FORMAT: "authors", PYTORCH_FORMAT: "siamfc-pytorch", GOT10K_FORMAT: "got10k-siamfc"}


def label_for(fmt: str, filename: str) -> str:
    """A leaderboard label by provenance, e.g. "SiamFC, authors' MatConvNet net 2016-08-17 (colour)"."""
    if fmt == MAT_FORMAT:
        stem = filename.split(".")[0]
        date = stem[:10] if re.match(r"\d{4}-\d{2}-\d{2}", stem) else stem
        colour = "gray025: a quarter of the training pairs grey" if "gray" in filename.lower() else "colour"
        return f"SiamFC, {SOURCE_LABEL[fmt]} {date} ({colour})"
    return f"SiamFC, {SOURCE_LABEL[fmt]} ({filename})"


def identifier_for(fmt: str, filename: str) -> str:
    """A tracker identifier (letters, digits, - and _, as the VOT toolkit requires) naming the source."""
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", filename.split(".")[0]).strip("-")
    return f"SiamFC-{SOURCE_ID[fmt]}-{stem}" if stem else f"SiamFC-{SOURCE_ID[fmt]}"


class _Anything:
    def __init__(self, *args, **kwargs) -> None:
        pass

    def __setstate__(self, state) -> None:
        pass


class _NamesOnly(pickle.Unpickler):
    """Reads a torch pickle's structure (dict keys, plain values) and builds nothing: every torch object becomes
    an inert placeholder, anything else is refused."""

    def find_class(self, module: str, name: str):
        if module == "collections" and name == "OrderedDict":
            return collections.OrderedDict
        if module.startswith("torch"):
            return _Anything
        raise pickle.UnpicklingError(f"{module}.{name} is not read here")

    def persistent_load(self, pid):
        return None


def peek(path: str) -> dict[str, Any] | None:
    """{'format', 'label', 'identifier', 'preset'} of a published weights file or of a checkpoint that `siamfc import`
    wrote; None for anything else (this plugin's own models, unreadable files)."""
    path = os.fspath(path)
    try:
        with open(path, "rb") as handle:
            head = handle.read(32)
    except OSError:
        return None
    name = os.path.basename(path)
    if head.startswith(b"MATLAB 5.0 MAT-file"):
        return _entry(MAT_FORMAT, name)
    if not head.startswith(b"PK\x03\x04"):
        return None
    try:
        with zipfile.ZipFile(path) as archive:
            member = next(n for n in archive.namelist() if n.endswith("/data.pkl") or n == "data.pkl")
            payload = _NamesOnly(archive.open(member)).load()
    except Exception:
        return None
    if not isinstance(payload, dict):
        return None
    provenance = payload.get("provenance")
    if isinstance(provenance, dict) and provenance.get("source_format") in FORMATS:
        return _entry(provenance["source_format"], str(provenance.get("source_file", name)))
    keys = [k for k in payload if isinstance(k, str)]
    if "format" not in payload and any(k.startswith(("backbone.conv", "module.backbone.conv")) for k in keys):
        return _entry(PYTORCH_FORMAT, name)
    if "format" not in payload and any(k.startswith(("feature.", "module.feature.")) for k in keys):
        return _entry(GOT10K_FORMAT, name)
    return None


def _entry(fmt: str, filename: str) -> dict[str, str]:
    return {"format": fmt, "label": label_for(fmt, filename), "identifier": identifier_for(fmt, filename),
            "preset": SOURCE_PRESET[fmt]}
