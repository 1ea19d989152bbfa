"""JSON endpoints for the pages and for monitoring."""

from __future__ import annotations

import json
import queue
from collections.abc import Iterator
from typing import Any

from flask import Blueprint, Response, current_app, render_template, stream_with_context

from locker.sounds.clips import OPENED
from locker.web import stream_slots
from locker.web.cabinet_view import cabinet_columns
from locker.web.kiosk_screen import from_kiosk_screen
from locker.web.live_events import HEARTBEAT_S, WAKE, Broadcaster
from locker.web.request_context import locker_ctx
from locker.web.stream_slots import claim_stream, stream_response
from locker.web.voice import DOOR_REFUSALS, Voice, voice_for

bp = Blueprint("api", __name__)
SCREEN_ONLY = ("ticket", "ticket_kind", "tracking")
# The app's stream slots, shared by /events and the kiosk's /camera.mjpg, come with this blueprint.
bp.record_once(lambda state: stream_slots.install(state.app))


@bp.get("/healthz")
def healthz() -> tuple[dict[str, Any], int]:
    """Liveness: the database answers and the locker is set up."""
    try:
        info = locker_ctx().store.locker()
    except Exception as error:  # a health check reports, it does not crash
        return {"status": "error", "error": str(error)}, 503
    return {"status": "ok", "locker": info.locker_id}, 200


def _render_event(event: dict[str, Any], code_length: int) -> str:
    """One SSE message: the event's kind and an HTML panel worded in the page's language."""
    # A door that opened, or did not, is shown on the map of the cabinet, and said aloud, as the
    # keypad's result pages do.
    door = event.get("opened") or event.get("door")
    cabinet = cabinet_columns(locker_ctx().store.compartments()) if door else []
    html = render_template(
        "kiosk/_live_result.html",
        code_length=code_length,
        cabinet=cabinet,
        voice=_voice_of(event),
        **event,
    )
    payload = json.dumps({**event, "html": html}, ensure_ascii=False)
    return f"data: {payload}\n\n"


def _voice_of(event: dict[str, Any]) -> Voice | None:
    """The chime and words for a scan that opened a door, or found it would not open."""
    if event.get("opened"):
        return voice_for([(event["opened"], OPENED)])
    if event.get("reason") in DOOR_REFUSALS and event.get("door"):
        return voice_for([(event["door"], DOOR_REFUSALS[event["reason"]])])
    return None


@bp.get("/events")
def events() -> Response:
    """Server-Sent Events: scan results and door notices, as they happen, and whether the doors
    can be reached, when that changes. No polling by the page."""
    live: Broadcaster = current_app.extensions["locker_live"]
    health = current_app.extensions["locker_health"]
    code_length = locker_ctx().rules.code_length
    # A scan's one-time ticket, and a waybill the courier holds up, are for the locker's own
    # screen; other listeners never see them.
    screen = from_kiosk_screen()
    # Last, so that nothing between the claim and the response can fail and keep the slot.
    claimed = claim_stream()
    if isinstance(claimed, Response):
        return claimed
    slot = claimed

    def stream() -> Iterator[str]:
        inbox = live.subscribe()
        slot.on_end(lambda: live.wake(inbox))
        # As the page was drawn; a lost or returned bus is told at the next heartbeat.
        doors = health().buses_up
        try:
            yield ": connected\n\n"
            while not slot.ended.is_set():
                try:
                    event = inbox.get(timeout=HEARTBEAT_S)
                except queue.Empty:
                    if health().buses_up == doors:
                        yield ": still here\n\n"
                        continue
                    doors = not doors
                    yield f"data: {json.dumps({'kind': 'doors', 'reachable': doors})}\n\n"
                    continue
                if event is WAKE:
                    continue
                if not screen:
                    event = {k: v for k, v in event.items() if k not in SCREEN_ONLY}
                yield _render_event(event, code_length)
        finally:
            live.unsubscribe(inbox)
            slot.release()

    return stream_response(
        slot,
        stream_with_context(stream()),
        mimetype="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
