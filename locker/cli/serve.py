"""`locker run`: start the boards and the dispatcher, reconcile, then serve the kiosk."""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

import click

from locker.cli.demo_setup import demo_settings, ensure_demo_locker
from locker.cli.runtime import Runtime, pass_runtime
from locker.composition import build_context, configure_logging, open_store
from locker.config import Settings
from locker.event_dispatch import EventDispatcher
from locker.hardware import Hardware, HardwareConfigError, start_hardware
from locker.health import health_of
from locker.ports import LockBoard
from locker.scanner.demo_camera import DemoCamera
from locker.scanner.scan_events import ScanEvent
from locker.scanners import start_scanners
from locker.services.door_events import DoorNotice
from locker.services.expire_overdue import expire_overdue
from locker.services.reconcile import reconcile
from locker.services.scan_pickup import ScanOutcome
from locker.services.scan_tickets import ScanTickets
from locker.store import StoreError
from locker.web.live_events import Broadcaster

log = logging.getLogger(__name__)
# Enough that open event streams and camera previews never starve page requests.
THREADS = 16


def _housekeeping(settings: Settings, board: LockBoard, stop: threading.Event) -> None:
    """Expire overdue parcels every expire_interval_seconds until told to stop."""
    while not stop.wait(settings.expire_interval_seconds):
        try:
            with open_store(settings) as store:
                expired = expire_overdue(build_context(settings, store, board))
            if expired:
                log.info("expired %d parcel(s)", len(expired))
        except Exception:
            log.exception("periodic expiry failed; will try again")


def notice_to_pages(live: Broadcaster, notice: DoorNotice) -> None:
    """Log a door notice, and push what a screen shows of it to the open pages."""
    level = logging.WARNING if notice.kind in ("alarm", "alert") else logging.INFO
    log.log(level, "door %s: %s", notice.label, notice.message)
    if notice.kind == "reminder":
        live.publish({"kind": "notice", "notice": notice.label, "notice_kind": notice.kind})
    elif notice.kind in ("opened", "closed"):
        live.publish({"kind": "door", "label": notice.label, "closed": notice.kind == "closed"})


def scan_to_pages(live: Broadcaster, event: ScanEvent, outcome: ScanOutcome) -> None:
    """Log a scan's outcome, and push it to the open pages."""
    log.info("scan from %s: %s", event.source, outcome.message)
    live.publish(scan_event(outcome))


def scan_event(outcome: ScanOutcome) -> dict[str, object]:
    """What the open kiosk pages are told about one scan."""
    more = len(outcome.result.more_parcels) if outcome.result else 0
    # Every open page gets this: it names no courier and carries nothing from a badge, only
    # the one-time ticket that the page trades for a session in a POST of its own.
    return {
        "kind": "scan",
        "opened": outcome.opened,
        "reason": outcome.reason,
        "door": outcome.door,
        "other_locker": outcome.other_locker,
        "more": more,
        "ticket": outcome.ticket,
        "ticket_kind": outcome.ticket_kind,
        "tracking": outcome.tracking,
    }


def start_locker(
    settings: Settings, demo: bool, live: Broadcaster
) -> tuple[Hardware, EventDispatcher]:
    """Boards, dispatcher and start-up reconciliation, in that order."""
    if not settings.db.exists():
        raise StoreError(f"no database at {settings.db}: run `locker init` first")
    with open_store(settings) as store:
        store.locker()
        buses, compartments = store.buses(), store.compartments()
    holder: dict[str, Hardware] = {}
    dispatcher = EventDispatcher(
        lambda: build_context(settings, open_store(settings), holder["hardware"].board),
        on_notice=lambda notice: notice_to_pages(live, notice),
        on_scan=lambda event, outcome: scan_to_pages(live, event, outcome),
        reminder_after=timedelta(seconds=settings.door_open_reminder_seconds),
        alert_after=timedelta(seconds=settings.door_open_alert_seconds),
        tickets=ScanTickets(),
    )
    hardware = start_hardware(
        buses,
        compartments,
        dispatcher.post,
        demo=demo,
        poll_interval_s=settings.status_poll_seconds,
        reply_timeout_s=settings.board_reply_timeout_seconds,
        retries=settings.board_retries,
    )
    holder["hardware"] = hardware
    for connection in hardware.connections:
        connection.bus.wait_connected(2.0)
    with open_store(settings) as store:
        result = reconcile(build_context(settings, store, hardware.board))
    if result.faulted or result.released:
        log.warning("start-up: released %s, flagged %s", result.released, result.faulted)
    dispatcher.start()
    return hardware, dispatcher


@click.command()
@click.option("--host", help="Address to listen on [default 127.0.0.1].")
@click.option("--port", type=int, help="Port to listen on [default 8000].")
@click.option(
    "--demo",
    is_flag=True,
    help="Simulated boards, a synthetic camera and /demo; var/demo.db is made and seeded "
    "the first time unless --db or LOCKER_DB names another database.",
)
@pass_runtime
def run(runtime: Runtime, host: str | None, port: int | None, demo: bool) -> None:
    """Serve the kiosk (http://127.0.0.1:8000 by default)."""
    import waitress

    from locker.web import create_app

    configure_logging()
    settings = runtime.settings
    if demo:
        settings = demo_settings(runtime)
        ensure_demo_locker(settings)
    host = host or settings.host
    port = port or settings.port
    try:
        live = Broadcaster()
        hardware, dispatcher = start_locker(settings, demo, live)
    except HardwareConfigError as error:
        raise click.ClickException(str(error)) from None
    stop = threading.Event()
    threading.Thread(
        target=_housekeeping,
        args=(settings, hardware.board, stop),
        name="housekeeping",
        daemon=True,
    ).start()
    demo_camera = DemoCamera() if demo and not settings.camera else None
    scanners = start_scanners(settings, dispatcher.post, demo_camera)
    tools = None
    if demo:
        from locker.web.demo import DemoTools

        bridges = {c.spec.name for c in hardware.connections if c.spec.driver == "bridge"}
        tools = DemoTools(dict(hardware.simulators), demo_camera, bridges)
    for name, bench in hardware.simulators.items():
        click.echo(f"Simulated bus {name} on {bench.path}", err=True)
    click.echo(f"Kiosk on http://{host}:{port}/", err=True)
    if demo:
        click.echo(f"Virtual cabinet on http://{host}:{port}/demo", err=True)
    try:
        app = create_app(
            settings,
            hardware.board,
            camera=scanners.camera,
            live=live,
            demo=tools,
            health=lambda: health_of(hardware, scanners.camera),
            tickets=dispatcher.tickets,
        )
        waitress.serve(app, host=host, port=port, threads=THREADS)
    finally:
        stop.set()
        scanners.stop()
        dispatcher.stop()
        hardware.stop()


def register(cli: click.Group) -> None:
    """Add this command to the top-level group."""
    cli.add_command(run)
