"""What the locker does when a board reports a door opening or closing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from locker.domain.door_watch import DoorWatch, OpenDoorStage
from locker.ports import DoorEvent, DoorEventKind
from locker.services.context import LockerContext
from locker.services.door_closed import door_closed

# An opening this soon after a door command of ours is that command's doing.
COMMANDED_WINDOW = timedelta(seconds=30)


@dataclass(frozen=True)
class DoorNotice:
    """Something to show on screen or to an admin about one door."""

    label: str
    kind: str
    message: str


def handle_door_event(ctx: LockerContext, event: DoorEvent, watch: DoorWatch) -> DoorNotice | None:
    """Settle a closed door, or check that an opened door was opened by us; alarm if not."""
    store = ctx.store
    compartment = store.compartment_at(event.address)
    if compartment is None:
        return None
    label, now = compartment.label, ctx.clock.now()
    if event.kind is DoorEventKind.CLOSED:
        watch.closed(label, now)
        with store.transaction():
            store.record_door_closed(label, now)
            door_closed(ctx, label, event.item_present)
        return DoorNotice(label, "closed", f"door {label} is closed")
    watch.opened(label, now)
    with store.transaction():
        store.record_door_opened(label, now)
    last = store.last_door_operation(label)
    # Kept in the store, not in memory: a door shut before a restart and forced during it is
    # not explained by the command that opened it before.
    closed_at = compartment.door_closed_at
    # Our command explains one opening: a re-opening after the door shut again does not count.
    commanded = (
        last is not None
        and last.outcome in ("pending", "confirmed")
        and now - last.started_at <= COMMANDED_WINDOW
        and (closed_at is None or last.started_at > closed_at)
    )
    if commanded:
        return DoorNotice(label, "opened", f"door {label} is open")
    with store.transaction():
        store.append_audit(
            "system",
            "alarm.door_opened_without_command",
            label,
            {"state": compartment.state.value},
            now,
        )
    return DoorNotice(label, "alarm", f"door {label} opened with no command")


def notices_for_open_doors(ctx: LockerContext, watch: DoorWatch) -> list[DoorNotice]:
    """Reminders for doors left open, then an audited admin alert, each once per opening."""
    notices = []
    now = ctx.clock.now()
    for label, stage in watch.due(now):
        if stage is OpenDoorStage.REMINDER:
            notices.append(DoorNotice(label, "reminder", f"please close door {label}"))
            continue
        minutes = int((watch.open_for(label, now) or timedelta()).total_seconds() // 60)
        with ctx.store.transaction():
            ctx.store.append_audit(
                "system", "alert.door_left_open", label, {"minutes": minutes}, now
            )
        notices.append(DoorNotice(label, "alert", f"door {label} open for {minutes} min"))
    return notices
