"""Edges to the evaluation toolkits: got10k, VOT (trax), and the OpenCV peer trackers."""
