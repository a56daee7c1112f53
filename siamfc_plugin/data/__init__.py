"""Data layer: benchmark readers, frame decoding, videos and the synthetic benchmark."""
