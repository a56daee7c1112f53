"""The one error `python -m analysis` reports as a user's mistake (analysis/ imports nothing of the plugin, so it
has its own): an option or input file that cannot be used, the message naming it. Any other exception is a bug and
is shown as one (traceback, "please report")."""


class AnalysisInputError(ValueError):
    """An option, folder or file given to `python -m analysis` cannot be used; the message names it."""
