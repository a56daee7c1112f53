"""The tracking algorithm: config, crops, network, tracker, checkpoints, metrics, the per-frame runner."""
