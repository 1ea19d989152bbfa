"""`locker sounds make`: the screen's chime and spoken door numbers, made at set-up time."""

from __future__ import annotations

import click

from locker.cli.runtime import Runtime, pass_runtime
from locker.sounds.making import ClipError, make_clips


@click.group()
def sounds() -> None:
    """The clips the screen plays when a door opens (docs/sounds.md)."""


@sounds.command("make")
@pass_runtime
def sounds_make(runtime: Runtime) -> None:
    """Make the missing clips: the chime, and every phrase and door label spoken by espeak-ng
    in both languages. Clips already in the folder, an operator's recordings among them, are
    kept."""
    folder = runtime.settings.sounds_folder
    with runtime.context() as ctx:
        labels = [c.label for c in ctx.store.compartments()]
    try:
        report = make_clips(folder, labels)
    except ClipError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"{len(report.made)} clips made, {len(report.kept)} kept, in {folder}")


def register(cli: click.Group) -> None:
    """Add this group to the top-level group."""
    cli.add_command(sounds)
