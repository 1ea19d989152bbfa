"""Firing a lock the one safe way: claim and journal, command the board, settle with the outcome.

A door command has exactly two commits. The claim checks, in one write transaction, that no
command is in flight for the door, its parcel or its deposit, and that what the caller is about
to do still holds; it journals the command as pending. The settlement journals the outcome and,
for a confirmed unlock, applies the caller's state change in the same transaction, so no crash
can leave a confirmed unlock without its effect. Anything but a confirmed unlock flags the
compartment as a fault, except an unlock never sent because the bus was down: that settles as
if nothing had been asked, and blames no door.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from locker.domain.models import Compartment
from locker.domain.states import CompartmentState, next_compartment_state
from locker.ports import UnlockOutcome
from locker.services.context import LockerContext
from locker.services.errors import DoorBusyError, DoorDidNotOpenError, ServiceRefusal

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True)
class DoorCommand:
    """One door to fire, why, for whom, and the parcel or deposit it serves."""

    label: str
    purpose: str
    actor: str
    parcel_id: int | None = None
    tracking: str | None = None


@dataclass(frozen=True)
class Fired(Generic[T]):
    """The board's answer, and what the settlement returned when the unlock was confirmed."""

    outcome: UnlockOutcome
    settled: T | None = None

    @property
    def confirmed(self) -> bool:
        """True when the board confirmed the release."""
        return self.outcome is UnlockOutcome.CONFIRMED


def claim_door(ctx: LockerContext, command: DoorCommand) -> int:
    """Journal a pending command inside the caller's transaction; DoorBusyError if one is in
    flight for the same door, parcel or deposit."""
    store = ctx.store
    busy = store.door_operation_in_flight(command.label, command.parcel_id, command.tracking)
    if busy is not None:
        raise DoorBusyError(
            f"door {busy.compartment} is being opened already: wait a moment",
            busy.compartment,
            code=ServiceRefusal.DOOR_BUSY,
        )
    return store.begin_door_operation(
        command.label,
        command.purpose,
        command.actor,
        command.parcel_id,
        ctx.clock.now(),
        command.tracking,
    )


def fire_door(
    ctx: LockerContext,
    command: DoorCommand,
    check: Callable[[Compartment], None],
    settle: Callable[[], T],
) -> Fired[T]:
    """Claim the door (after `check`, which raises to refuse), fire it, then settle.

    Never called inside a transaction: the write lock is not held while the board answers.
    DoorDidNotOpenError (`door.unreachable`) when the bus was down and nothing was sent.
    """
    with ctx.store.transaction():
        compartment = ctx.store.compartment(command.label)
        check(compartment)
        op_id = claim_door(ctx, command)
    return fire_claimed(ctx, op_id, compartment, command, settle)


def fire_claimed(
    ctx: LockerContext,
    op_id: int,
    compartment: Compartment,
    command: DoorCommand,
    settle: Callable[[], T],
    unsent: Callable[[], None] = lambda: None,
) -> Fired[T]:
    """Fire a claimed door and settle its outcome in one transaction.

    When the bus was down and nothing was sent, `unsent` undoes the claim in that transaction
    and DoorDidNotOpenError (`door.unreachable`) is raised: no caller words it as a door fault.
    """
    try:
        outcome = ctx.board.open(compartment.address, timeout=ctx.rules.unlock_timeout_s)
    except Exception:
        # A driver that raises is a board that did not answer; the door stays shut.
        log.exception("unlock of %s raised; treating it as no answer", command.label)
        outcome = UnlockOutcome.NO_ANSWER
    store = ctx.store
    if outcome is UnlockOutcome.NOT_SENT:
        with store.transaction():
            store.finish_door_operation(op_id, outcome.value, ctx.clock.now())
            unsent()
            _audit(ctx, command, "door.unreachable", {"outcome": outcome.value})
        raise DoorDidNotOpenError(
            f"the locker cannot reach door {command.label} just now. Nothing was changed: "
            "please try again in a few minutes.",
            command.label,
            outcome.value,
            code=ServiceRefusal.DOORS_UNREACHABLE,
        )
    try:
        with store.transaction():
            store.finish_door_operation(op_id, outcome.value, ctx.clock.now())
            if outcome is UnlockOutcome.CONFIRMED:
                return Fired(outcome, settle())
            _flag(ctx, command, "door.fault", {"outcome": outcome.value})
            return Fired(outcome)
    except Exception:
        # The door answered but its effect could not be recorded: journal the outcome anyway,
        # so the door is not held as in flight, and have someone look at it.
        with store.transaction():
            store.finish_door_operation(op_id, outcome.value, ctx.clock.now())
            _flag(ctx, command, "door.unsettled", {"outcome": outcome.value})
        raise


def _flag(
    ctx: LockerContext, command: DoorCommand, action: str, details: dict[str, object]
) -> None:
    """Move the compartment to fault and audit why, inside the caller's transaction."""
    store = ctx.store
    current = store.compartment(command.label).state
    if current is not CompartmentState.FAULT:
        store.set_compartment_state(
            command.label, next_compartment_state(current, CompartmentState.FAULT)
        )
    _audit(ctx, command, action, details)


def _audit(
    ctx: LockerContext, command: DoorCommand, action: str, details: dict[str, object]
) -> None:
    """Audit what became of a door command, inside the caller's transaction."""
    ctx.store.append_audit(
        command.actor,
        action,
        command.label,
        {
            "purpose": command.purpose,
            "parcel_id": command.parcel_id,
            **({"tracking": command.tracking} if command.tracking else {}),
            **details,
        },
        ctx.clock.now(),
    )


def move_compartment(ctx: LockerContext, label: str, target: CompartmentState) -> None:
    """Apply one compartment transition through the table, inside the caller's transaction."""
    current = ctx.store.compartment(label).state
    ctx.store.set_compartment_state(label, next_compartment_state(current, target))
