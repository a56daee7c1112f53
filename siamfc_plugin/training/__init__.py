"""Training: data sources -> pair sampler -> trainer, one straight line (see README, "Training")."""
