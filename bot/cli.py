"""The `kz-brief` command line: index, status, ask, eval, chat and serve."""

from __future__ import annotations

import click


@click.group()
@click.version_option(package_name="kz-brief")
def cli() -> None:
    """kz-brief: verbatim, dated answers about Kazakhstan-NATO relations."""
