"""`locker run`: parse the options, start the locker through the composition root, serve it."""

from __future__ import annotations

import click

from locker.cli.demo_setup import demo_settings, ensure_demo_locker
from locker.cli.runtime import OneLine, Runtime, pass_runtime
from locker.cli.signals import terminate_as_interrupt
from locker.composition import (
    LockerStartError,
    configure_logging,
    fix_mmap_threshold,
    limit_malloc_arenas,
    start_locker,
)
from locker.config import Settings


@click.command()
@click.option("--host", type=OneLine(), help="Address to listen on [default 127.0.0.1].")
@click.option("--port", type=click.IntRange(1, 65535), help="Port to listen on [default 8000].")
@click.option(
    "--demo",
    is_flag=True,
    help="Simulated boards, a synthetic camera and /demo; var/demo.db is made and seeded "
    "the first time unless --db or LOCKER_DB names another database.",
)
@pass_runtime
def run(runtime: Runtime, host: str | None, port: int | None, demo: bool) -> None:
    """Serve the kiosk (http://127.0.0.1:8000 by default)."""
    configure_logging()
    # Before the locker's threads start: each would otherwise keep a malloc arena of its own.
    limit_malloc_arenas()
    fix_mmap_threshold()
    settings = runtime.settings
    if demo:
        settings = demo_settings(runtime)
        ensure_demo_locker(settings)
    host = host or settings.host
    port = port or settings.port
    # A service manager stops the locker as Ctrl-C does: boards, workers and store in reverse.
    with terminate_as_interrupt():
        try:
            _start_and_serve(settings, host, port, demo)
        except KeyboardInterrupt:
            click.echo("Stopped.", err=True)


def _start_and_serve(settings: Settings, host: str, port: int, demo: bool) -> None:
    try:
        locker = start_locker(settings, demo=demo)
    except LockerStartError as error:
        raise click.ClickException(str(error)) from None
    try:
        assert locker.hardware is not None
        for name, bench in locker.hardware.simulators.items():
            click.echo(f"Simulated bus {name} on {bench.path}", err=True)
        click.echo(f"Kiosk on http://{host}:{port}/", err=True)
        if demo:
            click.echo(f"Virtual cabinet on http://{host}:{port}/demo", err=True)
        locker.serve(host, port)
    except LockerStartError as error:
        raise click.ClickException(str(error)) from None
    finally:
        locker.stop()


def register(cli: click.Group) -> None:
    """Add this command to the top-level group."""
    cli.add_command(run)
