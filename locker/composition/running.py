"""The composition root: build and start the whole locker in order, and stop it in reverse.

`start_locker` is the one place that picks the running locker's parts from the settings:
the store, the lock boards and their pollers, the event dispatcher, the background workers,
the camera and scanner module, and the web app. `locker run` only parses its options, calls
it and serves what it returns.
"""

from __future__ import annotations

import errno
import logging
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from locker.boards.port_lock import PortBusyError
from locker.composition.channels import channels_from
from locker.composition.context import build_context, open_store
from locker.composition.hardware import Hardware, HardwareConfigError, start_hardware
from locker.composition.instance_lock import InstanceBusyError, InstanceLock
from locker.composition.scanners import Scanners, start_scanners
from locker.composition.uplink import relay_channels, uplink_from
from locker.config import Settings, SettingsError
from locker.event_dispatch import EventDispatcher
from locker.health import health_of
from locker.message_channel import DEMO, MessageChannel
from locker.notify.demo_inbox import DemoInbox
from locker.outbox_worker import OutboxWorker
from locker.periodic import PeriodicTask
from locker.ports import Clock
from locker.services.context import LockerContext
from locker.services.door_events import DoorNotice
from locker.services.expire_overdue import expire_overdue
from locker.services.hold_doors import expire_holds
from locker.services.lapse_preadvice import cancel_lapsed_preadvice
from locker.services.reconcile import reconcile
from locker.services.remind_recipients import remind_recipients
from locker.services.scan_tickets import ScanTickets
from locker.sounds.making import ClipError, make_clips, missing_clips
from locker.store import StoreError
from locker.store.file_modes import secure_database_files
from locker.web.live_events import Broadcaster
from locker.web.page_events import notice_to_pages, scan_to_pages

if TYPE_CHECKING:
    from flask import Flask

    from locker.uplink.uplink import Uplink

log = logging.getLogger(__name__)
# Enough that open event streams and camera previews never starve page requests.
THREADS = 16
# The buses get this long to open before start-up reads the boards.
CONNECT_WAIT_S = 2.0


class LockerStartError(Exception):
    """The locker cannot start as configured; the message says why in one line."""


@dataclass
class RunningLocker:
    """The started parts of one locker; `stop()` ends them in the reverse of their start."""

    settings: Settings
    live: Broadcaster
    instance: InstanceLock
    stoppers: list[tuple[str, Any]] = field(default_factory=list)
    hardware: Hardware | None = None
    channels: dict[str, MessageChannel] = field(default_factory=dict)
    dispatcher: EventDispatcher | None = None
    scanners: Scanners | None = None
    app: Flask | None = None

    def started(self, name: str, stop: Any) -> None:
        """Remember how to stop a part that has started."""
        self.stoppers.append((name, stop))

    def stop(self) -> None:
        """Stop every started part, newest first; a part that fails to stop is logged."""
        while self.stoppers:
            name, stop = self.stoppers.pop()
            try:
                stop()
            except Exception:
                log.exception("stopping %s failed", name)
        self.instance.release()

    def serve(self, host: str, port: int) -> None:
        """Serve the web app until interrupted; a port in use is one clear line."""
        import waitress

        assert self.app is not None
        sock = _listening_socket(host, port)
        try:
            server = waitress.create_server(self.app, sockets=[sock], threads=THREADS)
        except BaseException:
            sock.close()
            raise
        server.run()


def _listening_socket(host: str, port: int) -> socket.socket:
    """A socket bound to host:port, or LockerStartError saying why not in one line."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
    except socket.gaierror as error:
        raise LockerStartError(f"cannot listen on {host}:{port}: {error.strerror}") from None
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
    except OSError as error:
        sock.close()
        if error.errno == errno.EADDRINUSE:
            raise LockerStartError(
                f"{host}:{port} is in use by another program: stop it or choose --port"
            ) from None
        raise LockerStartError(f"cannot listen on {host}:{port}: {error.strerror}") from None
    return sock


def start_locker(
    settings: Settings,
    *,
    demo: bool = False,
    simulators: dict[str, Any] | None = None,
    clock: Clock | None = None,
) -> RunningLocker:
    """Start the locker over its database, in order; anything that fails stops what started.

    In demo mode the buses get in-process simulators (or the started `simulators` given),
    the camera a synthetic one, and the web app the virtual cabinet.
    """
    try:
        instance = InstanceLock(settings.db).acquire()
    except InstanceBusyError as error:
        raise LockerStartError(str(error)) from None
    except OSError as error:
        raise LockerStartError(f"cannot use {settings.db}: {error.strerror}") from None
    locker = RunningLocker(settings, Broadcaster(), instance)
    try:
        _start_parts(locker, demo, simulators, clock)
    except BaseException:
        locker.stop()
        raise
    return locker


def _start_parts(
    locker: RunningLocker, demo: bool, simulators: dict[str, Any] | None, clock: Clock | None
) -> None:
    settings = locker.settings
    if not settings.db.exists():
        raise LockerStartError(f"no database at {settings.db}: run `locker init` first")
    try:
        # The file holds the locker's secret: nobody else may read it, its log or its folder.
        secure_database_files(settings.db)
        with open_store(settings) as store:
            locker_id = store.locker().locker_id
            buses, compartments = store.buses(), store.compartments()
    except StoreError as error:
        raise LockerStartError(str(error)) from None

    _make_missing_sounds(settings, [c.label for c in compartments])

    try:
        channels = channels_from(settings, locker_id)
    except SettingsError as error:
        raise LockerStartError(str(error)) from None
    if demo:
        channels[DEMO] = DemoInbox()
    uplinks: list[Uplink] = []
    if settings.mqtt_host:
        # Messages wait in the outbox until the uplink, started below, takes them.
        channels = relay_channels(
            channels, lambda payload, wait_s: bool(uplinks) and uplinks[0].relay(payload, wait_s)
        )
    locker.channels = channels

    def context() -> LockerContext:
        """A context on a connection of its own, for the dispatcher and the workers."""
        board = locker.hardware.board if locker.hardware is not None else None
        return _on_clock(build_context(settings, open_store(settings), board, channels), clock)

    worker = OutboxWorker(context, settings.outbox_poll_seconds)

    uplink = uplink_from(settings, locker_id, context, lambda: health_of(locker.hardware, None))

    def on_notice(notice: DoorNotice) -> None:
        notice_to_pages(locker.live, notice)
        if notice.kind == "closed":
            worker.wake()  # a door shut on a parcel: its recipient may be told now
        if uplink is not None:
            uplink.changed()

    live = locker.live
    dispatcher = EventDispatcher(
        context,
        on_notice=on_notice,
        on_scan=lambda event, outcome: scan_to_pages(live, event, outcome),
        reminder_after=timedelta(seconds=settings.door_open_reminder_seconds),
        alert_after=timedelta(seconds=settings.door_open_alert_seconds),
        tickets=ScanTickets(clock),
    )
    locker.dispatcher = dispatcher
    try:
        hardware = start_hardware(
            buses,
            compartments,
            dispatcher.post,
            demo=demo,
            simulators=simulators,
            poll_interval_s=settings.status_poll_seconds,
            reply_timeout_s=settings.board_reply_timeout_seconds,
            retries=settings.board_retries,
        )
    except (HardwareConfigError, PortBusyError) as error:
        raise LockerStartError(str(error)) from None
    locker.hardware = hardware
    locker.started("lock boards", hardware.stop)
    for connection in hardware.connections:
        connection.bus.wait_connected(CONNECT_WAIT_S)
    # Before any event is handled: what a crash left half done is settled against the boards.
    with open_store(settings) as store:
        result = reconcile(
            _on_clock(build_context(settings, store, hardware.board, channels), clock)
        )
    if result.faulted or result.released or result.settled:
        log.warning(
            "start-up: released %s, flagged %s, settled %s",
            result.released,
            result.faulted,
            result.settled,
        )
    locker.started("dispatcher", dispatcher.start().stop)
    locker.started("outbox", worker.start().stop)
    if uplink is not None:
        # Never waited on: it connects in the background and the kiosk serves without it.
        locker.started("uplink", uplink.start().stop)
    locker.started(
        "housekeeping",
        PeriodicTask(
            "housekeeping", settings.expire_interval_seconds, lambda: _housekeeping(context)
        )
        .start()
        .stop,
    )
    demo_camera = None
    if demo and not settings.camera:
        from locker.scanner.demo_camera import DemoCamera

        demo_camera = DemoCamera()
    locker.scanners = start_scanners(settings, dispatcher.post, demo_camera)
    locker.started("scanners", locker.scanners.stop)
    locker.app = _web_app(locker, demo, demo_camera, clock)


def _make_missing_sounds(settings: Settings, labels: list[str]) -> None:
    """Make the clips the screen plays that are missing; without them the screen is silent,
    which is no reason not to start."""
    if not settings.sound or not missing_clips(settings.sounds_folder, labels):
        return
    try:
        report = make_clips(settings.sounds_folder, labels)
    except (ClipError, OSError) as error:
        log.warning("sound clips: %s; the screen stays silent where a clip is missing", error)
        return
    log.info("made %d sound clips in %s", len(report.made), settings.sounds_folder)


def _on_clock(ctx: LockerContext, clock: Clock | None) -> LockerContext:
    """The context on the given clock (a test's), else on the real one."""
    if clock is not None:
        ctx.clock = clock
    return ctx


def _housekeeping(context: Callable[[], LockerContext]) -> None:
    """Expire overdue parcels and lapsed holds, cancel pre-advice that never came, and queue the
    reminders that are due."""
    ctx = context()
    try:
        expired = expire_overdue(ctx)
        ended = expire_holds(ctx)
        lapsed = cancel_lapsed_preadvice(ctx)
        reminded = remind_recipients(ctx)
    finally:
        ctx.store.close()  # type: ignore[attr-defined]
    if expired or lapsed or reminded:
        log.info(
            "expired %d parcel(s), cancelled %d pre-advice(s), reminded %d recipient(s)",
            len(expired),
            len(lapsed),
            reminded,
        )
    if ended:
        log.info("%d hold(s) on doors ran out", len(ended))


def _web_app(locker: RunningLocker, demo: bool, demo_camera: Any, clock: Clock | None) -> Flask:
    from locker.web import create_app
    from locker.web.request_context import StorePool

    hardware, scanners, dispatcher = locker.hardware, locker.scanners, locker.dispatcher
    assert hardware is not None and scanners is not None and dispatcher is not None
    tools = None
    if demo:
        from locker.web.demo import DemoTools

        bridges = {c.spec.name for c in hardware.connections if c.spec.driver == "bridge"}
        inbox = locker.channels.get(DEMO)
        tools = DemoTools(
            dict(hardware.simulators),
            demo_camera,
            bridges,
            inbox=inbox if isinstance(inbox, DemoInbox) else None,
        )
    # Each server thread keeps its store: opening one per request costs more than the page.
    stores = StorePool(locker.settings)
    locker.started("web stores", stores.close)
    return create_app(
        locker.settings,
        hardware.board,
        camera=scanners.camera,
        clock=clock,
        live=locker.live,
        demo=tools,
        health=lambda: health_of(hardware, scanners.camera),
        tickets=dispatcher.tickets,
        channels=locker.channels,
        stores=stores,
    )
