"""On start-up, settle what a crash or power cut left unfinished."""

from __future__ import annotations

from dataclasses import dataclass, field

from locker.domain.states import CompartmentState
from locker.services.context import LockerContext
from locker.services.door_commands import move_compartment


@dataclass
class Reconciliation:
    """What start-up found and did."""

    released: list[str] = field(default_factory=list)
    faulted: list[str] = field(default_factory=list)
    interrupted_ops: list[int] = field(default_factory=list)


def _door_unlocked(ctx: LockerContext, label: str) -> bool | None:
    """True/False from the board's status, None when the board does not answer."""
    address = ctx.store.compartment(label).address
    try:
        status = ctx.board.status(address.bus, address.board, timeout=ctx.rules.unlock_timeout_s)
    except Exception:
        return None
    channel = status.get(address.channel)
    return None if channel is None else not channel.locked


def reconcile(ctx: LockerContext) -> Reconciliation:
    """Close out interrupted door commands and free reservations no deposit will finish."""
    store = ctx.store
    result = Reconciliation()
    pending = {op.compartment: op for op in store.pending_door_operations()}
    unlocked = {label: _door_unlocked(ctx, label) for label in pending}
    with store.transaction():
        for label, op in pending.items():
            store.finish_door_operation(op.id, "interrupted", ctx.clock.now())
            result.interrupted_ops.append(op.id)
            state = store.compartment(label).state
            if state in (CompartmentState.RESERVED, CompartmentState.OCCUPIED):
                # The door may have opened with nobody recording what was taken or left, and
                # a relatched lock proves nothing: someone must look before it is used again.
                move_compartment(ctx, label, CompartmentState.FAULT)
                result.faulted.append(label)
            store.append_audit(
                "system",
                "door.interrupted",
                label,
                {"op": op.id, "purpose": op.purpose, "unlocked": unlocked[label]},
                ctx.clock.now(),
            )
        # No deposit survives a restart, so every reservation is stale now. One whose door
        # was confirmed open may hold a parcel that was never recorded: someone must look.
        for compartment in store.compartments():
            if compartment.state is not CompartmentState.RESERVED:
                continue
            last = store.last_door_operation(compartment.label)
            if last is not None and last.purpose == "deposit" and last.outcome == "confirmed":
                move_compartment(ctx, compartment.label, CompartmentState.FAULT)
                result.faulted.append(compartment.label)
                store.append_audit(
                    "system",
                    "deposit.interrupted",
                    compartment.label,
                    {"op": last.id},
                    ctx.clock.now(),
                )
            else:
                move_compartment(ctx, compartment.label, CompartmentState.FREE)
                result.released.append(compartment.label)
    return result
