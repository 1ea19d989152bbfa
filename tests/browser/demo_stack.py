"""The whole demo kiosk for a browser test: what `locker run --demo` serves, in-process.

The simulated Kerong bus on a pty, the dispatcher, the synthetic camera behind the real
capture, motion gate, decoder and debouncer, the scan tickets, the outbox worker delivering to
the demo phone (woken when a door shuts, as `start_locker` wires it), and `/demo`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from flask import Flask

from locker.composition.context import build_context
from locker.config import Settings
from locker.message_channel import DEMO
from locker.notify.demo_inbox import DemoInbox
from locker.outbox_worker import OutboxWorker
from locker.scanner.camera_service import CameraService
from locker.scanner.decoding import FrameDecoder
from locker.scanner.demo_camera import DemoCamera
from locker.scanner.scan_events import Debouncer
from locker.services.context import LockerContext
from locker.services.door_events import DoorNotice
from locker.store import SqliteStore
from locker.web import create_app
from locker.web.demo import DemoTools
from locker.web.live_events import Broadcaster
from locker.web.page_events import notice_to_pages, scan_to_pages
from tests.browser.conftest import SUPPORT_CONTACT
from tests.hardware.conftest import running_locker

# The worker is woken by every door that shuts; the poll only catches what a wake missed.
OUTBOX_POLL_S = 1.0


@contextmanager
def demo_kiosk(
    ctx: LockerContext, db_path: Path, live_events: Broadcaster, language: str = "en"
) -> Iterator[Flask]:
    """The demo app over `ctx`'s locker, in the locker's `language`; the caller's clock must be
    real time."""
    settings = Settings(db=db_path, support_contact=SUPPORT_CONTACT, language=language)
    channels = {DEMO: DemoInbox()}
    holder: dict = {}

    def worker_context() -> LockerContext:
        worker_ctx = build_context(settings, SqliteStore(db_path), holder["board"], channels)
        worker_ctx.clock = ctx.clock
        return worker_ctx

    worker = OutboxWorker(worker_context, OUTBOX_POLL_S)

    def on_notice(notice: DoorNotice) -> None:
        notice_to_pages(live_events, notice)
        if notice.kind == "closed":
            worker.wake()  # a door shut on a parcel: its recipient may be told now

    with running_locker(
        ctx,
        db_path,
        ctx.clock,
        on_notice=on_notice,
        on_scan=lambda event, outcome: scan_to_pages(live_events, event, outcome),
        channels=channels,
    ) as (bench, dispatcher, _):
        holder["board"] = ctx.board
        worker.start()
        camera = DemoCamera()
        service = CameraService(
            "demo", FrameDecoder(), Debouncer(dispatcher.post), source=lambda: camera
        ).start()
        try:
            yield create_app(
                settings,
                ctx.board,
                camera=service,
                live=live_events,
                demo=DemoTools({"main": bench}, camera, inbox=channels[DEMO]),
                tickets=dispatcher.tickets,
                channels=channels,
            )
        finally:
            service.stop()
            worker.stop()
