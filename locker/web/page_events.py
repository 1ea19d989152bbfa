"""What the open kiosk pages hear of door notices and scans, as events for the Broadcaster."""

from __future__ import annotations

import logging

from locker.scanner.scan_events import ScanEvent
from locker.services.door_events import DoorNotice
from locker.services.scan_pickup import ScanOutcome
from locker.web.live_events import Broadcaster

log = logging.getLogger(__name__)


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
