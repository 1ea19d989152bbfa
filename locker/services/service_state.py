"""An admin takes a compartment out of service, or puts it back by what it holds."""

from __future__ import annotations

from locker.domain.errors import DomainRefusal, IllegalTransitionError, InvalidInputError
from locker.domain.models import Parcel
from locker.domain.states import CompartmentState
from locker.ports import ChannelStatus
from locker.services.context import LockerContext
from locker.services.door_commands import move_compartment
from locker.services.errors import LookInsideError, NotFoundError, ServiceRefusal
from locker.services.reasons import one_line_reason


def _check_exists(ctx: LockerContext, label: str) -> None:
    try:
        ctx.store.compartment(label)
    except KeyError:
        raise NotFoundError(
            f"no compartment {label}", code=ServiceRefusal.DOOR_UNKNOWN, door=label
        ) from None


def held_parcel(ctx: LockerContext, label: str) -> Parcel | None:
    """The parcel inside a compartment, which an admin should know of before taking it out."""
    _check_exists(ctx, label)
    return ctx.store.parcel_in(label)


def set_out_of_service(
    ctx: LockerContext, admin: str, label: str, reason: str, actor: str | None = None
) -> Parcel | None:
    """Stop allocating a compartment; a parcel inside stays recorded and collectable by staff.

    Returns that parcel. The audit record names it: its recipient's code is refused at this
    door from now on, and the helpline looks it up in the log.
    """
    if not reason.strip():
        raise InvalidInputError(
            "say why the compartment is taken out of service",
            code=ServiceRefusal.OUT_OF_SERVICE_REASON_REQUIRED,
        )
    reason = one_line_reason(reason)
    _check_exists(ctx, label)
    with ctx.store.transaction():
        inside = ctx.store.parcel_in(label)
        move_compartment(ctx, label, CompartmentState.OUT_OF_SERVICE)
        details: dict[str, object] = {"reason": reason}
        if inside is not None:
            details["parcel_inside"] = {"parcel_id": inside.id, "tracking": inside.tracking}
        ctx.store.append_audit(
            actor or f"admin:{admin}", "compartment.out_of_service", label, details, ctx.clock.now()
        )
    return inside


def _channel(ctx: LockerContext, label: str) -> ChannelStatus | None:
    """The door's channel as its board reads it now, or None when the board does not answer."""
    address = ctx.store.compartment(label).address
    try:
        status = ctx.board.status(address.bus, address.board, timeout=ctx.rules.unlock_timeout_s)
    except Exception:
        return None
    return status.get(address.channel)


def return_to_service(
    ctx: LockerContext,
    admin: str,
    label: str,
    looked_inside: bool = False,
    actor: str | None = None,
) -> CompartmentState:
    """Put a faulty or out-of-service compartment back: occupied if a parcel is in, else free.

    A door the records call empty is given to the next courier, so it must be empty: its item
    sensor has to say so, or, where there is none or its board does not answer, the admin has
    to have looked (`looked_inside`). A door standing open or with something inside that no
    record explains stays out until someone has dealt with it (LookInsideError).
    """
    _check_exists(ctx, label)
    channel = _channel(ctx, label)
    with ctx.store.transaction():
        state = ctx.store.compartment(label).state
        if state not in CompartmentState.unusable():
            raise IllegalTransitionError(
                f"compartment {label} is already in service",
                code=DomainRefusal.COMPARTMENT_MOVE,
                state=state.value,
                target="in service",
            )
        holds_parcel = ctx.store.parcel_in(label) is not None
        if not holds_parcel:
            _check_empty(label, channel, looked_inside)
        target = CompartmentState.OCCUPIED if holds_parcel else CompartmentState.FREE
        move_compartment(ctx, label, target)
        ctx.store.append_audit(
            actor or f"admin:{admin}",
            "compartment.in_service",
            label,
            {
                "state": target.value,
                "item_present": channel.item_present if channel else None,
                "looked_inside": looked_inside,
            },
            ctx.clock.now(),
        )
    return target


def _check_empty(label: str, channel: ChannelStatus | None, looked_inside: bool) -> None:
    if channel is not None and channel.door_closed is False:
        raise LookInsideError(
            f"door {label} stands open: look inside, then close it",
            label,
            "door_open",
            code=ServiceRefusal.LOOK_INSIDE_OPEN,
        )
    if channel is not None and channel.item_present:
        raise LookInsideError(
            f"the item sensor sees something in door {label}, which no parcel record explains: "
            "open it and take it out first",
            label,
            "item_present",
            code=ServiceRefusal.LOOK_INSIDE_ITEM,
        )
    if (channel is None or channel.item_present is None) and not looked_inside:
        raise LookInsideError(
            f"door {label} has no item sensor to tell it is empty: open it and look first",
            label,
            "unseen",
            code=ServiceRefusal.LOOK_INSIDE_UNSEEN,
        )
