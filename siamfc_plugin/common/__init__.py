"""Bottom layer: errors and atomic file writes, used by every other folder."""
