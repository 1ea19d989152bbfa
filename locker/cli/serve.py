"""`locker run`: serve the kiosk with waitress, reconcile on start, expire periodically."""

from __future__ import annotations

import logging
import threading

import click

from locker.cli.runtime import Runtime, pass_runtime
from locker.composition import build_board, build_context, configure_logging, open_store
from locker.config import Settings
from locker.ports import LockBoard
from locker.services.expire_overdue import expire_overdue
from locker.services.reconcile import reconcile

log = logging.getLogger(__name__)
THREADS = 16


def _housekeeping(settings: Settings, board: LockBoard, stop: threading.Event) -> None:
    """Expire overdue parcels every expire_interval_seconds until told to stop."""
    while not stop.wait(settings.expire_interval_seconds):
        try:
            store = open_store(settings)
            try:
                expired = expire_overdue(build_context(settings, store, board))
            finally:
                store.close()
            if expired:
                log.info("expired %d parcel(s)", len(expired))
        except Exception:
            log.exception("periodic expiry failed; will try again")


@click.command()
@click.option("--host", help="Address to listen on [default 127.0.0.1].")
@click.option("--port", type=int, help="Port to listen on [default 8000].")
@pass_runtime
def run(runtime: Runtime, host: str | None, port: int | None) -> None:
    """Serve the kiosk (http://127.0.0.1:8000 by default)."""
    import waitress

    from locker.web import create_app

    configure_logging()
    settings = runtime.settings
    host = host or settings.host
    port = port or settings.port
    board = build_board(settings)
    with runtime.context() as ctx:
        result = reconcile(build_context(settings, ctx.store, board))
        if result.faulted or result.released:
            log.warning("start-up: released %s, flagged %s", result.released, result.faulted)
    stop = threading.Event()
    threading.Thread(
        target=_housekeeping, args=(settings, board, stop), name="housekeeping", daemon=True
    ).start()
    click.echo(f"Kiosk on http://{host}:{port}/", err=True)
    try:
        waitress.serve(create_app(settings, board), host=host, port=port, threads=THREADS)
    finally:
        stop.set()


def register(cli: click.Group) -> None:
    """Add this command to the top-level group."""
    cli.add_command(run)
