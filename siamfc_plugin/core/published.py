"""The published SiamFC nets the plugin knows (`siamfc weights list`), and the per-user cache `siamfc weights get`
fills. Free of torch: the command line resolves a net's name with it before anything heavy loads.

One name per net: a net is named as its results are (the tracker's default name with the net's own preset,
core/provenance.py identifier_for: `SiamFC-authors-2016-08-17`), and that one name is what `siamfc weights get NAME`,
`--checkpoint NAME`, `SIAMFC_CHECKPOINT = NAME` (trackers.ini), the trackers.ini entry and the leaderboard's row
are called (names are matched without regard to case).

Where a file comes from is recorded here once (the page that publishes the link, the direct URL, the licence); the
download itself is commands/weights_cli.py. $SIAMFC_WEIGHTS_URL replaces every net's URL with <base>/<file name> (a
mirror of the files, or a test server); $SIAMFC_WEIGHTS_DIR replaces the cache folder
(default $XDG_CACHE_HOME/siamfc-plugin/weights, else ~/.cache/siamfc-plugin/weights).
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass

from ..common.errors import ConfigError
from .provenance import MAT_FORMAT, PYTORCH_FORMAT, SOURCE_PRESET, identifier_for, label_for

URL_ENV = "SIAMFC_WEIGHTS_URL"
DIR_ENV = "SIAMFC_WEIGHTS_DIR"
RECORD_SUFFIX = ".json"  # beside each cached file: where it came from, its size and SHA-256, what the check found

AUTHORS_PAGE = "http://www.robots.ox.ac.uk/~luca/siamese-fc.html"
AUTHORS_LICENCE = ("no licence of their own: the project page publishes the nets for research; the authors' code "
                   "(github.com/bertinetto/siamese-fc) is MIT, (c) 2016 Luca Bertinetto; cite Bertinetto et al., "
                   "ECCV 2016 workshops")


@dataclass(frozen=True)
class PublishedNet:
    filename: str  # as published, and as cached
    fmt: str  # core/provenance.py FORMATS
    url: str  # the direct download
    page: str  # where the link is published (provenance)
    source: str  # who trained it, with what
    licence: str
    size: int | None = None  # bytes, where the publisher documents it (none of them does)
    mirror: str = ""  # another published copy, for the manual step

    @property
    def name(self) -> str:
        """The net's one name: its results' row name with its own preset (`SiamFC-authors-2016-08-17`)."""
        return identifier_for(self.fmt, self.filename)

    @property
    def label(self) -> str:
        return label_for(self.fmt, self.filename)

    @property
    def preset(self) -> str:
        return SOURCE_PRESET[self.fmt]

    def download_url(self) -> str:
        base = os.environ.get(URL_ENV, "").strip()
        return f"{base.rstrip('/')}/{self.filename}" if base else self.url

    def cached_path(self) -> str:
        return os.path.join(weights_dir(), self.filename)

    def record(self) -> dict | None:
        """What `siamfc weights get` recorded of the cached file (None: not downloaded)."""
        path = self.cached_path()
        if not os.path.isfile(path):
            return None
        try:
            with open(path + RECORD_SUFFIX) as handle:
                return json.load(handle)
        except (OSError, ValueError):
            return {}


PUBLISHED_NETS = (
    PublishedNet("2016-08-17.net.mat", MAT_FORMAT,
                 "https://www.robots.ox.ac.uk/~luca/stuff/siam-fc_nets/2016-08-17.net.mat", AUTHORS_PAGE,
                 "Bertinetto, Valmadre, Henriques, Vedaldi, Torr: the SiamFC paper's net (colour), trained on "
                 "ImageNet VID with MatConvNet v1.0-beta20 (bertinetto/siamese-fc)", AUTHORS_LICENCE),
    PublishedNet("2016-08-17_gray025.net.mat", MAT_FORMAT,
                 "https://www.robots.ox.ac.uk/~luca/stuff/siam-fc_nets/2016-08-17_gray025.net.mat", AUTHORS_PAGE,
                 "the same authors and training, a quarter of the training pairs converted to grey",
                 AUTHORS_LICENCE),
    PublishedNet("siamfc_alexnet_e50.pth", PYTORCH_FORMAT,
                 "https://drive.google.com/uc?export=download&id=1UdxuBQ1qtisoWYFZxLgMFJ9mJtGVw6n4",
                 "https://github.com/huanglianghua/siamfc-pytorch (README: \"Uploaded pretrained weights\", "
                 "commit 3957205)",
                 "Huang Lianghua's PyTorch reimplementation, 50 epochs on GOT-10k (AlexNetV1)",
                 "no licence of their own: the README links them beside code that is MIT, (c) 2019 "
                 "(huanglianghua/siamfc-pytorch LICENSE)",
                 mirror="https://pan.baidu.com/s/1MTVXylPrSqpqmVD4iBwbpg (password wbek)"),
)


def weights_dir() -> str:
    """The per-user cache of published nets: $SIAMFC_WEIGHTS_DIR, else $XDG_CACHE_HOME/siamfc-plugin/weights, else
    ~/.cache/siamfc-plugin/weights."""
    explicit = os.environ.get(DIR_ENV, "").strip()
    if explicit:
        return os.path.abspath(os.path.expanduser(explicit))
    cache = os.environ.get("XDG_CACHE_HOME", "").strip() or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(cache, "siamfc-plugin", "weights")


def find_net(name: str) -> PublishedNet | None:
    """The published net called `name` (any case), or None."""
    wanted = name.strip().lower()
    return next((net for net in PUBLISHED_NETS if net.name.lower() == wanted), None)


def names() -> list[str]:
    return [net.name for net in PUBLISHED_NETS]


def published_path(text: str | None) -> str | None:
    """The cached file of the published net named `text`, where `text` names one (and no file of that name is
    here); ConfigError with the one command that fetches it when it is not downloaded yet; None when `text` is not a
    net's name (a path, then)."""
    if not text or os.path.exists(text):
        return None
    net = find_net(text)
    if net is None:
        return None
    path = net.cached_path()
    if not os.path.isfile(path):
        raise ConfigError(f"{net.name} (published weights) is not downloaded yet: run `siamfc weights get "
                          f"{net.name}` (it goes to {weights_dir()})")
    return path
