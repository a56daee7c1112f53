"""Edges to the evaluation toolkits: got10k and VOT (trax)."""
