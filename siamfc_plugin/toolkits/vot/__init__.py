"""VOT toolkit integration: the trax tracker process, compat experiments for vot-toolkit 0.9.0, workspace tools.

The tracking algorithm (siamfc_plugin.core.tracker) knows nothing of trax or the toolkit; everything here is a thin edge:

- siamfc_trax: `python -m siamfc_plugin.toolkits.vot.siamfc_trax`, the process the toolkit starts (protocol traxpython).
- compat: Supervised / MultiStart / Unsupervised experiment classes that work on vot-toolkit 0.9.0
  (refer to them from a stack as `type: siamfc_plugin.toolkits.vot.compat.Supervised`).
- workspace: fill a workspace's sequences/ from OTB, VOT or GOT-10k folders or the synthetic generator; read results.
- the `siamfc vot ...` subcommands live with the other commands, in siamfc_plugin/commands/vot.py.
"""
