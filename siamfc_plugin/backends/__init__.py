"""Scoring backends that run the network for the tracker: eager torch, ONNX/int8, batched."""
