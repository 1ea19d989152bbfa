"""`locker backup`."""

from __future__ import annotations

from pathlib import Path

import click

from locker.cli.runtime import PlainPath, Runtime, pass_runtime, store_of


@click.command()
@click.argument("file", type=PlainPath(dir_okay=False, path_type=Path))
@pass_runtime
def backup(runtime: Runtime, file: Path) -> None:
    """Copy the live database to FILE with SQLite's online backup."""
    with runtime.context() as ctx:
        store_of(ctx).backup(file)
    click.echo(f"backed up to {file}")


def register(cli: click.Group) -> None:
    """Add these commands to the top-level group."""
    cli.add_command(backup)
