"""trax entry for the peer trackers: ``python -m siamfc_plugin.toolkits.vot.peers_trax`` (the peer named by SIAMFC_PEER).

For a vot-toolkit ``trackers.ini`` (see the repo's trackers.ini)::

    [MIL]
    label = MIL
    protocol = traxpython
    command = siamfc_plugin.toolkits.vot.peers_trax
    env_SIAMFC_PEER = MIL

Served by the plugin's one trax server (trax_server.py), like SiamFC: the same re-initialisation, the same answers to
bad regions and unreadable frames, a ``confidence`` property (stored by the toolkit as ``<run>_confidence.value``).
Nothing here imports torch, so the process starts in well under a second.
"""
from __future__ import annotations

import os
import sys

from ...core.peers import make_peer
from .trax_server import TrackingSession, serve


def main() -> int:
    name = os.environ.get("SIAMFC_PEER", "MIL")
    # a peer this OpenCV lacks (KCF/CSRT without opencv-contrib-python) ends the session with the reason, which the
    # toolkit shows ("Server terminated the session: ...")
    return serve(lambda: (TrackingSession(make_peer(name), polygon_mode="aabb"), f"peer {name}"),
                 name, "opencv-peer", f"OpenCV peer {name} (siamfc-plugin)")


if __name__ == "__main__":
    sys.exit(main())
