"""What an open kiosk page hears on `/events`, for tests through the Flask test client."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime

from locker.event_dispatch import EventDispatcher
from locker.scanner.scan_events import ScanEvent


def scan_seen_by_page(
    client, dispatcher: EventDispatcher, text: str, address: str = "127.0.0.1"
) -> tuple[str, dict]:
    """Show `text` to the camera while the page listens; returns the raw message and its data."""
    response = client.get("/events?lang=en", buffered=False, environ_base={"REMOTE_ADDR": address})
    chunks = iter(response.response)
    assert next(chunks).startswith(b": connected")
    dispatcher.post(ScanEvent(text, "QRCode", "camera", datetime.now(UTC)))
    try:
        for _ in range(3):  # a heartbeat may come first
            raw = next(chunks).decode()
            if raw.startswith("data: "):
                return raw, json.loads(raw[len("data: ") :])
    finally:
        response.close()
    raise AssertionError("the page heard nothing of the scan")


def allow_remote_streams(app) -> None:
    """Set `remote_streams`, as a locker whose pages are also watched from elsewhere does."""
    settings = app.config["LOCKER_SETTINGS"]
    app.config["LOCKER_SETTINGS"] = dataclasses.replace(settings, remote_streams=True)
