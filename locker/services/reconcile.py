"""On start-up, settle what a crash or power cut left unfinished, against the boards' status.

A door command has two commits (`door_commands`): the claim and the settlement. A crash
between them leaves the command pending: whether the relay fired is unknown, so the door is
flagged for someone to look at, unless the board shows it latched with its item sensor agreeing
with the records. A confirmed command whose effect is missing (from before claims and
settlements were one commit each) is settled now, unless the sensor says the parcel is still
inside. A reservation no deposit will finish is released.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from locker.domain.carrier_events import COLLECTED, RETURNED
from locker.domain.models import Compartment
from locker.domain.states import CompartmentState, ParcelState, next_parcel_state
from locker.ports import ChannelStatus, DoorOperation
from locker.services.context import LockerContext
from locker.services.door_commands import move_compartment
from locker.services.outbox import queue_carrier_event

SYSTEM = "system"


@dataclass
class Reconciliation:
    """What start-up found and did."""

    released: list[str] = field(default_factory=list)
    faulted: list[str] = field(default_factory=list)
    interrupted_ops: list[int] = field(default_factory=list)
    settled: list[str] = field(default_factory=list)
    messages_resumed: int = 0


class BoardView:
    """The boards' status as read once at start-up; None where a board does not answer."""

    def __init__(self, ctx: LockerContext) -> None:
        self._ctx = ctx
        self._read: dict[tuple[str, int], Mapping[int, ChannelStatus] | None] = {}

    def channel(self, compartment: Compartment) -> ChannelStatus | None:
        """The compartment's channel, read from its board the first time it is asked for."""
        address = compartment.address
        key = (address.bus, address.board)
        if key not in self._read:
            try:
                self._read[key] = self._ctx.board.status(
                    address.bus, address.board, timeout=self._ctx.rules.unlock_timeout_s
                )
            except Exception:
                self._read[key] = None
        status = self._read[key]
        return None if status is None else status.get(address.channel)


def _shut_and_as_recorded(channel: ChannelStatus | None, holds_parcel: bool) -> bool:
    """The door is latched shut and an item sensor sees exactly what the records say."""
    return (
        channel is not None
        and channel.locked
        and channel.door_closed is not False
        and channel.item_present is holds_parcel
    )


def reconcile(ctx: LockerContext) -> Reconciliation:
    """Close out interrupted door commands, settle unsettled ones and free stale reservations."""
    store = ctx.store
    result = Reconciliation()
    boards = BoardView(ctx)
    pending = {op.compartment: op for op in store.pending_door_operations()}
    channels = {label: boards.channel(store.compartment(label)) for label in pending}
    with store.transaction():
        for label, op in pending.items():
            _interrupted(ctx, op, channels[label], result)
        for compartment in store.compartments():
            last = store.last_door_operation(compartment.label)
            if last is not None and last.outcome == "confirmed":
                _unsettled(ctx, last, compartment, boards, result)
        for compartment in store.compartments(CompartmentState.RESERVED):
            _stale_reservation(ctx, compartment, boards, result)
        _messages(ctx, result)
    return result


def _messages(ctx: LockerContext, result: Reconciliation) -> None:
    """Tries a crash cut short go out again (with the same message id, so a provider that got
    one can tell); a deposit shut in its door before the crash may be told."""
    store = ctx.store
    result.messages_resumed = store.resume_interrupted_messages()
    for compartment in store.compartments(CompartmentState.OCCUPIED):
        parcel = store.parcel_in(compartment.label)
        if parcel is not None and parcel.state is ParcelState.DEPOSITED:
            store.release_held_messages(parcel.id)


def _interrupted(
    ctx: LockerContext, op: DoorOperation, channel: ChannelStatus | None, result: Reconciliation
) -> None:
    store = ctx.store
    now = ctx.clock.now()
    store.finish_door_operation(op.id, "interrupted", now)
    result.interrupted_ops.append(op.id)
    state = store.compartment(op.compartment).state
    holds_parcel = store.parcel_in(op.compartment) is not None
    if state is CompartmentState.RESERVED and _shut_and_as_recorded(channel, False):
        # Latched, and the sensor sees an empty box: nothing went in, the door can be used.
        move_compartment(ctx, op.compartment, CompartmentState.FREE)
        result.released.append(op.compartment)
    elif state in (CompartmentState.RESERVED, CompartmentState.OCCUPIED) and not (
        state is CompartmentState.OCCUPIED and _shut_and_as_recorded(channel, holds_parcel)
    ):
        # The door may have opened with nobody recording what was taken or left, and a
        # relatched lock proves nothing: someone must look before it is used again.
        move_compartment(ctx, op.compartment, CompartmentState.FAULT)
        result.faulted.append(op.compartment)
    store.append_audit(
        SYSTEM,
        "door.interrupted",
        op.compartment,
        {
            "op": op.id,
            "purpose": op.purpose,
            "actor": op.actor,
            "parcel_id": op.parcel_id,
            # A deposit's parcel is not recorded yet: its tracking number says what to look for.
            **({"tracking": op.tracking} if op.tracking else {}),
            "unlocked": None if channel is None else not channel.locked,
            "item_present": None if channel is None else channel.item_present,
        },
        now,
    )


# What a confirmed unlock for each purpose does to its parcel, from the state it leaves.
_SETTLES = {
    "collect": (ParcelState.DEPOSITED, ParcelState.COLLECTED, "parcel.collected", COLLECTED),
    "retrieve": (ParcelState.EXPIRED, ParcelState.RETURNED, "parcel.returned", RETURNED),
}


def _unsettled(
    ctx: LockerContext,
    op: DoorOperation,
    compartment: Compartment,
    boards: BoardView,
    result: Reconciliation,
) -> None:
    """A confirmed pickup or take-back whose parcel never moved on: the door did open for it."""
    store = ctx.store
    if op.purpose not in _SETTLES or op.parcel_id is None:
        return
    before, after, action, event = _SETTLES[op.purpose]
    parcel = store.parcel(op.parcel_id)
    if parcel is None or parcel.state is not before or parcel.compartment != compartment.label:
        return
    channel = boards.channel(compartment)
    now = ctx.clock.now()
    if channel is not None and channel.item_present:
        # The sensor still sees it: whoever opened the door left it, and it waits on.
        store.append_audit(
            SYSTEM,
            "door.unsettled",
            compartment.label,
            {"op": op.id, "purpose": op.purpose, "parcel_id": parcel.id, "item_present": True},
            now,
        )
        return
    store.set_parcel_state(parcel.id, next_parcel_state(parcel.state, after), now)
    store.cancel_notifications(parcel.id)
    record = store.append_audit(
        op.actor,
        action,
        parcel.tracking,
        {
            "parcel_id": parcel.id,
            "compartment": compartment.label,
            "settled_after_restart": True,
            "item_present": None if channel is None else channel.item_present,
            "carrier": parcel.carrier,
        },
        now,
    )
    queue_carrier_event(ctx, parcel, event, record)
    result.settled.append(compartment.label)


def _stale_reservation(
    ctx: LockerContext, compartment: Compartment, boards: BoardView, result: Reconciliation
) -> None:
    """No deposit survives a restart: a reservation whose door was confirmed open may hold a
    parcel that was never recorded, so someone must look; any other is released."""
    store = ctx.store
    last = store.last_door_operation(compartment.label)
    opened = last is not None and last.purpose == "deposit" and last.outcome == "confirmed"
    if opened and not _shut_and_as_recorded(boards.channel(compartment), False):
        assert last is not None
        move_compartment(ctx, compartment.label, CompartmentState.FAULT)
        result.faulted.append(compartment.label)
        store.append_audit(
            SYSTEM,
            "deposit.interrupted",
            compartment.label,
            {"op": last.id, "actor": last.actor, "tracking": last.tracking},
            ctx.clock.now(),
        )
    else:
        move_compartment(ctx, compartment.label, CompartmentState.FREE)
        result.released.append(compartment.label)
