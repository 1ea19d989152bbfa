"""An admin takes a compartment out of service, or puts it back by what it holds."""

from __future__ import annotations

from locker.domain.errors import InvalidInputError
from locker.domain.models import Parcel
from locker.domain.plain_text import MAX_REASON_CHARS, one_line
from locker.domain.states import CompartmentState
from locker.services.context import LockerContext
from locker.services.door_commands import move_compartment
from locker.services.errors import NotFoundError


def _check_exists(ctx: LockerContext, label: str) -> None:
    try:
        ctx.store.compartment(label)
    except KeyError:
        raise NotFoundError(f"no compartment {label}") from None


def held_parcel(ctx: LockerContext, label: str) -> Parcel | None:
    """The parcel inside a compartment, which an admin should know of before taking it out."""
    _check_exists(ctx, label)
    return ctx.store.parcel_in(label)


def set_out_of_service(ctx: LockerContext, admin: str, label: str, reason: str) -> Parcel | None:
    """Stop allocating a compartment; a parcel inside stays recorded and collectable by staff.

    Returns that parcel. The audit record names it: its recipient's code is refused at this
    door from now on, and the helpline looks it up in the log.
    """
    if not reason.strip():
        raise InvalidInputError("say why the compartment is taken out of service")
    reason = one_line(reason, "the reason", MAX_REASON_CHARS)
    _check_exists(ctx, label)
    with ctx.store.transaction():
        inside = ctx.store.parcel_in(label)
        move_compartment(ctx, label, CompartmentState.OUT_OF_SERVICE)
        details: dict[str, object] = {"reason": reason}
        if inside is not None:
            details["parcel_inside"] = {"parcel_id": inside.id, "tracking": inside.tracking}
        ctx.store.append_audit(
            f"admin:{admin}", "compartment.out_of_service", label, details, ctx.clock.now()
        )
    return inside


def return_to_service(ctx: LockerContext, admin: str, label: str) -> CompartmentState:
    """Put a faulty or out-of-service compartment back: occupied if a parcel is in, else free."""
    _check_exists(ctx, label)
    with ctx.store.transaction():
        target = (
            CompartmentState.OCCUPIED
            if ctx.store.parcel_in(label) is not None
            else CompartmentState.FREE
        )
        move_compartment(ctx, label, target)
        ctx.store.append_audit(
            f"admin:{admin}",
            "compartment.in_service",
            label,
            {"state": target.value},
            ctx.clock.now(),
        )
    return target
