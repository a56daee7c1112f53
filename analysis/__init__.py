"""Leaderboard analysis of tracker results as the toolkits write them (got10k, vot-toolkit).

- collect: results folders -> tidy pandas DataFrames (per frame; summaries from the toolkits' own reports), and
  the problems found on the way (missing, partial, unreadable results)
- groundtruth: the benchmark layouts' ground truth, read by the plugin's ground floor (siamfc_plugin.formats, the
  reader the runs used; absent frames as NaN rows, refused lines listed)
- measures: the toolkits' measures recomputed from per-frame data (OTB success/precision, VOT AR and EAO)
- tables: leaderboards (Markdown, CSV, LaTeX booktabs) and the published reference table (analysis/data)
- figures: EAO ranking, AR plot, EAO curves, OTB success/precision, per-attribute bars, speed vs accuracy
- report: the leaderboard folder (index.md, index.html), written to a temporary folder first, then moved
- cli: `python -m analysis report` (running the trackers is `siamfc leaderboard`, siamfc_plugin/commands/)

Of siamfc_plugin this package imports only the ground floor (siamfc_plugin.formats: stdlib and numpy), never the
model or torch: it reads result files and ground truth.
"""
