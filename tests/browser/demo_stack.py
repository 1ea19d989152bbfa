"""The whole demo kiosk for a browser test: what `locker run --demo` serves, in-process.

The simulated Kerong bus on a pty, the dispatcher, the synthetic camera behind the real
capture, motion gate, decoder and debouncer, the scan tickets and `/demo`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from flask import Flask

from locker.config import Settings
from locker.scanner.camera_service import CameraService
from locker.scanner.decoding import FrameDecoder
from locker.scanner.demo_camera import DemoCamera
from locker.scanner.scan_events import Debouncer
from locker.services.context import LockerContext
from locker.web import create_app
from locker.web.demo import DemoTools
from locker.web.live_events import Broadcaster
from locker.web.page_events import notice_to_pages, scan_to_pages
from tests.browser.conftest import SUPPORT_CONTACT
from tests.hardware.conftest import running_locker


@contextmanager
def demo_kiosk(ctx: LockerContext, db_path: Path, live_events: Broadcaster) -> Iterator[Flask]:
    """The demo app over `ctx`'s locker; the caller's clock must be real time."""
    with running_locker(
        ctx,
        db_path,
        ctx.clock,
        on_notice=lambda notice: notice_to_pages(live_events, notice),
        on_scan=lambda event, outcome: scan_to_pages(live_events, event, outcome),
    ) as (bench, dispatcher, _):
        camera = DemoCamera()
        service = CameraService(
            "demo", FrameDecoder(), Debouncer(dispatcher.post), source=lambda: camera
        ).start()
        settings = Settings(db=db_path, support_contact=SUPPORT_CONTACT, language="en")
        try:
            yield create_app(
                settings,
                ctx.board,
                camera=service,
                live=live_events,
                demo=DemoTools({"main": bench}, camera),
                tickets=dispatcher.tickets,
            )
        finally:
            service.stop()
