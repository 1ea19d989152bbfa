"""An admin opens a door for service, always with a reason on the record."""

from __future__ import annotations

from locker.domain.errors import InvalidInputError
from locker.domain.models import Compartment
from locker.domain.states import CompartmentState
from locker.services.context import LockerContext
from locker.services.door_commands import DoorCommand, fire_door, move_compartment
from locker.services.errors import DoorDidNotOpenError, NotFoundError, ServiceRefusal
from locker.services.reasons import one_line_reason

MIN_REASON_CHARS = 3


def force_open(
    ctx: LockerContext, admin: str, label: str, reason: str, actor: str | None = None
) -> None:
    """Open any door for service; the parcel inside, if any, stays recorded as it was.

    `actor` names who acts in the audit log when it is not the admin at the screen.
    """
    reason = reason.strip()
    if len(reason) < MIN_REASON_CHARS:
        raise InvalidInputError(
            "say why the door is opened: a reason is required",
            code=ServiceRefusal.OPEN_REASON_REQUIRED,
        )
    reason = one_line_reason(reason)
    store = ctx.store
    try:
        store.compartment(label)
    except KeyError:
        raise NotFoundError(
            f"no compartment {label}", code=ServiceRefusal.DOOR_UNKNOWN, door=label
        ) from None
    actor = actor or f"admin:{admin}"

    def audited(compartment: Compartment) -> None:
        store.append_audit(actor, "door.force_open", label, {"reason": reason}, ctx.clock.now())

    def opened() -> None:
        # Only an occupied door has a row for "opened for service"; a free, faulty or
        # out-of-service door keeps its state while it stands open.
        if store.compartment(label).state is CompartmentState.OCCUPIED:
            move_compartment(ctx, label, CompartmentState.OPEN)

    fired = fire_door(ctx, DoorCommand(label, "service", actor), audited, opened)
    if not fired.confirmed:
        raise DoorDidNotOpenError(
            f"door {label} did not open ({fired.outcome.value}); it is flagged as a fault",
            label,
            fired.outcome.value,
            code=ServiceRefusal.SERVICE_DOOR_FAILED,
        )
