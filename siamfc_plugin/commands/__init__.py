"""The `siamfc` subcommands too large for cli.py, each module beside the others and registering its own parser:
bench and export, soak, leaderboard, import (published weights), vot (the VOT toolkit). They sit above every layer:
commands import the layers, nothing imports a command."""
