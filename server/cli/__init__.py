"""The server's `layso` subcommands (see layso/cli.py)."""
