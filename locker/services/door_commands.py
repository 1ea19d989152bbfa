"""Firing a lock the one safe way: journal first, command the board, journal the outcome."""

from __future__ import annotations

import logging

from locker.domain.models import Compartment
from locker.domain.states import CompartmentState, next_compartment_state
from locker.ports import UnlockOutcome
from locker.services.context import LockerContext

log = logging.getLogger(__name__)


def unlock(
    ctx: LockerContext,
    compartment: Compartment,
    purpose: str,
    actor: str,
    parcel_id: int | None,
) -> UnlockOutcome:
    """Unlock one door; a failed unlock flags the compartment as a fault and is audited.

    Never called inside a transaction: the write lock is not held while the board answers.
    """
    store = ctx.store
    with store.transaction():
        op_id = store.begin_door_operation(
            compartment.label, purpose, actor, parcel_id, ctx.clock.now()
        )
    try:
        outcome = ctx.board.open(compartment.address, timeout=ctx.rules.unlock_timeout_s)
    except Exception:
        # A driver that raises is a board that did not answer; the door stays shut.
        log.exception("unlock of %s raised; treating it as no answer", compartment.label)
        outcome = UnlockOutcome.NO_ANSWER
    with store.transaction():
        store.finish_door_operation(op_id, outcome.value, ctx.clock.now())
        if outcome is not UnlockOutcome.CONFIRMED:
            current = store.compartment(compartment.label).state
            if current is not CompartmentState.FAULT:
                store.set_compartment_state(
                    compartment.label,
                    next_compartment_state(current, CompartmentState.FAULT),
                )
            store.append_audit(
                actor,
                "door.fault",
                compartment.label,
                {"purpose": purpose, "outcome": outcome.value, "parcel_id": parcel_id},
                ctx.clock.now(),
            )
    return outcome


def move_compartment(ctx: LockerContext, label: str, target: CompartmentState) -> None:
    """Apply one compartment transition through the table, inside the caller's transaction."""
    current = ctx.store.compartment(label).state
    ctx.store.set_compartment_state(label, next_compartment_state(current, target))
