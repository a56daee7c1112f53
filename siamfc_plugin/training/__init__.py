"""Training: data sources -> pair sampler -> trainer, one straight line (see docs/training.md)."""
