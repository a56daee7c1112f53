"""The ground floor under every reader of benchmark folders: how each layout writes its frames and ground truth.

One owner per fact, imported by the plugin (data/, training/, toolkits/, commands/) and by analysis/ alike, so it
imports nothing but the standard library, numpy and siamfc_plugin.common.errors (tests/test_layout.py checks it):

- lines: each layout's line rules (separators, value counts, what absence looks like), written once; every line is
  a box, a documented absence or an AnnotationError naming the file and the line
- frames: frame files by number and the one pairing rule of frames with ground-truth lines (never by position)
- otb: OTB-2013/OTB-100's own frame ranges, as data (David's ground truth starts at frame 300, BlurCar1's frames
  at 0247, ...)
- sequences: the layout readers (OTB, DTB70, UAV123, GOT-10k, VOT legacy and new, LaSOT, frames + box file) and
  the counts of absent, refused and dropped lines that every command prints

docs/datasets.md states the rules for users.
"""
