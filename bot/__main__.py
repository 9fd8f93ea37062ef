"""`python -m bot` runs the `kz-brief` command line."""

from bot.cli import cli

cli()
