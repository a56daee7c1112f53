"""Leaderboard analysis of tracker results as the toolkits write them (got10k, vot-toolkit).

- collect: results folders -> tidy pandas DataFrames (per frame; summaries from the toolkits' own reports)
- measures: the toolkits' measures recomputed from per-frame data (OTB success/precision, VOT AR and EAO)
- tables: leaderboards (Markdown, CSV, LaTeX booktabs) and the published reference table (analysis/data)
- figures: EAO ranking, AR plot, EAO curves, OTB success/precision, per-attribute bars, speed vs accuracy
- report: the leaderboard folder (index.md, index.html)
- run / cli: `siamfc leaderboard` and `python -m analysis`

Nothing in this package imports torch or the network: SiamFC runs in a child process.
"""
