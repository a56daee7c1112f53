"""Command-line tools built on the layers below: bench and soak."""
