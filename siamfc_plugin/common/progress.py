"""Progress on stderr for a person waiting, decided in one place: shown only when stderr is a terminal and never
under --quiet (tqdm's `disable=None` rule, plus the flag), so logs, pipes and CI output stay free of it."""
from __future__ import annotations

import sys
from typing import Iterable, Iterator

# frames done/total, the bar, elapsed<remaining and (postfix) the frames per second
FRAMES_FORMAT = "{desc}{n_fmt}/{total_fmt} frames |{bar}| [{elapsed}<{remaining}{postfix}]"


def wanted(quiet: bool = False) -> bool:
    """True when a progress display may be drawn: not --quiet, and stderr is a terminal."""
    isatty = getattr(sys.stderr, "isatty", None)
    return not quiet and bool(isatty and isatty())


def bar(total: float | None = None, desc: str = "", quiet: bool = False, **options):
    """A tqdm bar on stderr, disabled unless wanted(quiet)."""
    from tqdm import tqdm

    options.setdefault("mininterval", 0.5)
    if _columns():
        options.setdefault("dynamic_ncols", True)
    else:  # a terminal that reports no width (`script`, some CI pseudo-terminals): tqdm would draw an empty line
        options.setdefault("ncols", 100)
        options.setdefault("nrows", 24)
    return tqdm(total=total, desc=desc, file=sys.stderr, disable=not wanted(quiet), **options)


def _columns() -> int:
    import os

    try:
        return os.get_terminal_size(sys.stderr.fileno()).columns
    except (OSError, ValueError, AttributeError):
        return 0


def frames(items: Iterable, total: int | None = None, desc: str = "", quiet: bool = False,
           leave: bool = True) -> Iterator:
    """`items` (frames) unchanged, with a line counting them: frames done/total and frames per second (wall clock:
    decoding and drawing included), on a terminal only."""
    if not wanted(quiet):
        yield from items
        return
    with bar(total, f"{desc}: " if desc else "", unit="frame", leave=leave, bar_format=FRAMES_FORMAT) as line:
        for item in items:
            yield item
            line.update(1)
            rate = line.format_dict.get("rate")
            if rate:
                line.set_postfix_str(f"{rate:.1f} fps", refresh=False)
