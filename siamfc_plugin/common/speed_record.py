"""Where a tracker's speeds were measured: machine.json beside its results (got10k: results/<EXP>/<tracker>/; VOT:
results/<tracker>/), written when a run has tracked something. A frame time means little without the CPU that
took it and how busy that CPU was, and the figures that show speeds (analysis/report.py) read results files only,
so the record travels with the times: the CPU model, its logical cores, and the load average (1, 5, 15 minutes)
at the start and at the end of the run."""
from __future__ import annotations

import datetime
import json
import os

RECORD_FILE = "machine.json"


def load_average() -> list[float] | None:
    try:
        return [round(v, 2) for v in os.getloadavg()]
    except (OSError, AttributeError):  # no load average on this system
        return None


def write_speed_record(folder: str, load_at_start: list[float] | None, sequences: int | None = None) -> str:
    """<folder>/machine.json for a run that started at `load_at_start` (load_average() then) and ends now."""
    from .atomic import write_text
    from .machine import PROC_CPUINFO, cpu_model

    # the hardware that took the times, even where $SIAMFC_CPUINFO makes the plugin decide as on another kind
    record = {"cpu": cpu_model(PROC_CPUINFO), "logical_cores": os.cpu_count(), "load_average_start": load_at_start,
              "load_average_end": load_average(), "written": datetime.datetime.now().isoformat(timespec="seconds")}
    if sequences is not None:
        record["sequences_run"] = sequences
    path = os.path.join(folder, RECORD_FILE)
    write_text(path, json.dumps(record, indent=2) + "\n")
    return path
