"""got10k edge: the Tracker adapter and the offline experiment runner."""
