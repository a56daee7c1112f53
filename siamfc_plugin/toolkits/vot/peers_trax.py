"""trax entry for the peer trackers: ``python -m siamfc_plugin.toolkits.vot.peers_trax`` (the peer named by SIAMFC_PEER).

For a vot-toolkit ``trackers.ini`` (see the repo's trackers.ini)::

    [MIL]
    label = MIL
    protocol = traxpython
    command = siamfc_plugin.toolkits.vot.peers_trax
    env_SIAMFC_PEER = MIL

Handles re-initialisation mid-session (the supervised experiment re-initialises after each failure); answers every
frame with a rectangle and a ``confidence`` property (stored by the toolkit as ``<run>_confidence.value``).
Nothing here imports torch, so the process starts in well under a second.
"""
from __future__ import annotations

import os
import sys

import numpy as np

from ...data.readers import polygon_to_box
from ...data.images import read_frame
from ..peers import make_peer


def region_to_box(region) -> np.ndarray:
    """x,y,w,h of a trax Rectangle (bounds) or Polygon (its axis-aligned bounding box)."""
    if hasattr(region, "bounds"):
        return np.asarray(region.bounds(), dtype=np.float64)
    points = [region.get(i) for i in range(region.size())]
    return polygon_to_box(np.asarray(points, dtype=np.float64).reshape(-1))


def serve(peer_name: str) -> int:
    import trax

    with trax.Server([trax.Region.RECTANGLE, trax.Region.POLYGON], [trax.Image.PATH], ["color"],
                     tracker_name=peer_name, tracker_family="opencv-peer") as server:
        # a peer this OpenCV lacks (KCF/CSRT without opencv-contrib-python) ends the session with the reason,
        # which the toolkit shows ("Server terminated the session: ...")
        core = make_peer(peer_name)
        while True:
            request = server.wait()
            if request.type == "quit":
                break
            image = read_frame(request.image["color"].path())
            if request.type == "initialize":
                box = region_to_box(request.objects[0][0])
                core.init(image, box)
            else:
                box = core.update(image)
            confidence = core.confidence
            properties = {"confidence": f"{confidence:.4f}"} if np.isfinite(confidence) else {}
            x, y, w, h = (float(v) for v in box)
            server.status([(trax.Rectangle.create(x, y, w, h), properties)])
    return 0


def main() -> int:
    name = os.environ.get("SIAMFC_PEER", "MIL")
    try:
        return serve(name)
    except Exception as exc:  # already reported to the toolkit by the trax session's exit
        print(f"siamfc_plugin.toolkits.vot.peers_trax: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
