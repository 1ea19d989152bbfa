"""Server-Sent Events: a page hears that something changed, and fetches its live part again.

Each stream holds a slot (there are fewer slots than server threads, so pages always load)
and ends after `stream_seconds`; the browser's EventSource then reconnects by itself.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

from flask import Blueprint, Response, current_app

from locker.centre import fleet_view
from locker.centre.store import CentreStore
from locker.centre.web.stream_slots import RETRY_AFTER_S, StreamSlot, StreamSlots

bp = Blueprint("live", __name__)

POLL_S = 1.0
KEEPALIVE_S = 15.0
RECONNECT_MS = 3000


@bp.get("/live")
def stream() -> Response:
    """`changed` whenever what the console shows has changed."""
    slots: StreamSlots = current_app.extensions["centre_streams"]
    slot = slots.claim()
    if slot is None:
        return Response(
            "every live stream is taken: try again shortly\n",
            status=503,
            mimetype="text/plain",
            headers={"Retry-After": str(RETRY_AFTER_S)},
        )
    store: CentreStore = current_app.extensions["centre_store"]
    lifetime = current_app.extensions["centre_settings"].stream_seconds
    response = Response(
        _events(store, slots, slot, lifetime),
        mimetype="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )
    # The server closes every response, however it ended: the slot is freed there.
    response.call_on_close(slot.release)
    return response


def _events(
    store: CentreStore, slots: StreamSlots, slot: StreamSlot, lifetime_s: float
) -> Iterator[str]:
    yield f"retry: {RECONNECT_MS}\n\n"
    seen = fleet_view.fingerprint(store)
    end = time.monotonic() + lifetime_s
    quiet_since = time.monotonic()
    while time.monotonic() < end and not slots.stopping.wait(POLL_S):
        now = fleet_view.fingerprint(store)
        if now != seen:
            seen, quiet_since = now, time.monotonic()
            yield "event: changed\ndata: {}\n\n"
        elif time.monotonic() - quiet_since > KEEPALIVE_S:
            # A comment: it finds out whether the browser is still there.
            quiet_since = time.monotonic()
            yield ": still here\n\n"
    slot.release()
