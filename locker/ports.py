"""The ports through which use cases reach the world: lock boards, clock and store.

Adapters implement these Protocols; the use cases see nothing else of them.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Any, Protocol

from locker.domain.audit_chain import AuditRecord
from locker.domain.failure_budget import FailureRecord
from locker.domain.fleet_courier import FleetCourier
from locker.domain.holds import Hold, HoldEnd
from locker.domain.layout import BusSpec, Layout
from locker.domain.models import Address, Compartment, Courier, Parcel, Size
from locker.domain.states import CompartmentState, ParcelState


class UnlockOutcome(Enum):
    """What the board said after an unlock: only CONFIRMED proves the latch released."""

    CONFIRMED = "confirmed"
    NOT_CONFIRMED = "not_confirmed"
    NO_ANSWER = "no_answer"
    # The bus was down (its port not open): no unlock went on the wire, so no door is to blame.
    NOT_SENT = "not_sent"


@dataclass(frozen=True)
class ChannelStatus:
    """One channel of a board: lock state, and the sensors where fitted (None if absent)."""

    channel: int
    locked: bool
    door_closed: bool | None = None
    item_present: bool | None = None


class DoorEventKind(Enum):
    """What a board saw a door do."""

    OPENED = "opened"
    CLOSED = "closed"


@dataclass(frozen=True)
class DoorEvent:
    """A door changed state, as a board reported it (or as a status poll revealed)."""

    address: Address
    kind: DoorEventKind
    item_present: bool | None = None


class LockBoard(Protocol):
    """The lock-control boards, reached by (bus, board, channel)."""

    def open(self, address: Address, timeout: float = 2.0) -> UnlockOutcome:
        """Fire one lock and report whether the release was confirmed."""
        ...

    def status(self, bus: str, board: int, timeout: float = 2.0) -> Mapping[int, ChannelStatus]:
        """Status of every channel of one board."""
        ...


class Clock(Protocol):
    """Wall-clock time, in UTC, so tests can move it."""

    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""
        ...


@dataclass(frozen=True)
class LockerInfo:
    """The locker's identity and secret."""

    locker_id: str
    name: str
    address: str
    # Pages get the whole record, and a traceback prints it: the secret stays out of its repr.
    secret: bytes = field(repr=False)


@dataclass(frozen=True)
class DoorOperation:
    """One journaled door command."""

    id: int
    compartment: str
    purpose: str
    actor: str
    parcel_id: int | None
    outcome: str
    started_at: datetime
    # The tracking number a deposit's door was opened for.
    tracking: str | None = None


@dataclass(frozen=True)
class OutboxMessage:
    """One message in the outbox: for one recipient, on one channel, with its delivery state.

    `status` is held (a deposit's message, until its door shuts on the parcel), pending,
    sending (a try in progress), sent, failed or cancelled.
    """

    id: int
    message_id: str
    kind: str
    parcel_id: int
    channel: str
    recipient: str | None
    language: str
    payload: Mapping[str, Any]
    status: str
    attempts: int
    created_at: datetime
    next_attempt_at: datetime | None = None
    last_error: str | None = None
    sent_at: datetime | None = None
    audit_seq: int | None = None


class ParcelStore(Protocol):
    """Everything the use cases keep: locker, compartments, parcels, people, journal, audit."""

    def transaction(self) -> AbstractContextManager[None]:
        """One write transaction, taken with BEGIN IMMEDIATE; nests as a savepoint."""
        ...

    def locker(self) -> LockerInfo:
        """The locker's identity and secret."""
        ...

    def is_initialised(self) -> bool:
        """True once the locker's identity is stored."""
        ...

    def initialise(
        self, locker_id: str, name: str, address: str, secret: bytes, at: datetime
    ) -> None:
        """Store the locker's identity and secret once; a second call refuses."""
        ...

    # compartments
    def compartments(self, state: CompartmentState | None = None) -> Sequence[Compartment]:
        """Every compartment, or those in one state, by label."""
        ...

    def compartment(self, label: str) -> Compartment:
        """One compartment, or KeyError."""
        ...

    def compartment_at(self, address: Address) -> Compartment | None:
        """The compartment wired to a bus, board and channel, if any."""
        ...

    def buses(self) -> Sequence[BusSpec]:
        """Every bus of the layout."""
        ...

    def set_compartment_state(self, label: str, state: CompartmentState) -> None:
        """Store a compartment's new state (the caller has checked the transition)."""
        ...

    def record_door_opened(self, label: str, at: datetime) -> None:
        """Remember that the board reported this door opening."""
        ...

    def record_door_closed(self, label: str, at: datetime) -> None:
        """Remember that the board reported this door shutting."""
        ...

    def load_layout(self, layout: Layout) -> None:
        """Replace the layout, keeping every compartment that holds a parcel."""
        ...

    # parcels
    def add_parcel(
        self,
        *,
        tracking: str,
        carrier: str,
        state: ParcelState,
        compartment: str | None,
        recipient_phone: str | None,
        needs_low: bool,
        size: Size | None,
        code_hash: str | None,
        deposited_at: datetime | None,
        expires_at: datetime | None,
        courier_id: int | None,
        created_at: datetime,
        recipient_email: str | None = None,
        language: str | None = None,
    ) -> Parcel:
        """Insert a parcel and return it with its id."""
        ...

    def parcel(self, parcel_id: int) -> Parcel | None:
        """One parcel by id."""
        ...

    def parcel_by_code_hash(self, code_hash: str) -> Parcel | None:
        """The parcel holding this code hash: a deposited one first, else the newest."""
        ...

    def parcel_by_tracking(self, tracking: str, carrier: str | None = None) -> Parcel | None:
        """The newest parcel with this tracking number (of this carrier), pre-advice aside."""
        ...

    def parcel_in(self, compartment: str) -> Parcel | None:
        """The parcel physically inside a compartment, if any."""
        ...

    def parcels(self, states: frozenset[ParcelState] | None = None) -> Sequence[Parcel]:
        """Parcels, newest first, optionally only in some states."""
        ...

    def search_parcels(
        self,
        *,
        tracking: str | None,
        tracking_part: bool,
        phone_end: str | None,
        door: str | None,
        limit: int,
    ) -> Sequence[Parcel]:
        """Parcels whose tracking number is (or, with `tracking_part`, holds) `tracking`, whose
        phone ends in `phone_end`, or that were put in `door`; newest first."""
        ...

    def live_code_hashes(self) -> frozenset[str]:
        """Hashes of the codes that deposited parcels hold now."""
        ...

    def set_parcel_state(self, parcel_id: int, state: ParcelState, at: datetime) -> None:
        """Store a parcel's new state (the caller has checked the transition)."""
        ...

    def set_parcel_code(self, parcel_id: int, code_hash: str, expires_at: datetime) -> int:
        """Give the parcel a new code; returns the new code serial."""
        ...

    def set_shut_in(self, parcel_id: int, at: datetime) -> None:
        """The board first reported the parcel's door shut on it."""
        ...

    def set_undo_requested(self, parcel_id: int, at: datetime | None) -> None:
        """Mark (or, with None, unmark) a deposit the courier asked to undo."""
        ...

    def purge_personal_data(self, finished_before: datetime) -> int:
        """Erase phone numbers of parcels finished before a date; returns how many."""
        ...

    # carriers' pre-advice
    def carrier_parcel(self, carrier: str, tracking: str) -> Parcel | None:
        """A carrier's newest parcel with this tracking number."""
        ...

    def add_expected_parcel(
        self,
        *,
        carrier: str,
        tracking: str,
        recipient_phone: str,
        size: Size,
        needs_low: bool,
        language: str | None,
        expected_at: datetime,
        created_at: datetime,
    ) -> Parcel:
        """Insert a pre-advised parcel: no door, no code, no courier yet."""
        ...

    def update_expected_parcel(
        self,
        parcel_id: int,
        *,
        recipient_phone: str,
        size: Size,
        needs_low: bool,
        language: str | None,
        expected_at: datetime,
    ) -> None:
        """New details for a parcel that is still expected."""
        ...

    def deposit_expected_parcel(
        self,
        parcel_id: int,
        *,
        state: ParcelState,
        compartment: str,
        recipient_phone: str,
        needs_low: bool,
        size: Size,
        code_hash: str,
        deposited_at: datetime,
        expires_at: datetime,
        courier_id: int,
        recipient_email: str | None,
        language: str | None,
    ) -> Parcel:
        """The expected parcel, put in its door by a courier: the same row, now deposited."""
        ...

    def expected_parcels_due(self, before: datetime) -> Sequence[Parcel]:
        """Expected parcels whose arrival was due before a time, oldest due first."""
        ...

    def claim_no_space(self, parcel_id: int, at: datetime, quiet_since: datetime) -> bool:
        """Note that a courier found no room for the parcel; False when already noted since
        `quiet_since`."""
        ...

    # people
    def courier(self, courier_id: int) -> Courier | None:
        """One courier account."""
        ...

    def courier_pin_hash(self, courier_id: int) -> str | None:
        """The stored PIN hash of an active courier."""
        ...

    def courier_badge_hash(self, courier_id: int) -> str | None:
        """The stored badge-token hash of an active courier."""
        ...

    def couriers(self) -> Sequence[Courier]:
        """Every courier account."""
        ...

    def add_courier(self, carrier: str, name: str, pin_hash: str, at: datetime) -> Courier:
        """Create an active courier account of this locker's own, numbered below the fleet's."""
        ...

    def fleet_courier(self, courier_id: int) -> FleetCourier | None:
        """A fleet courier's account as this locker holds it; None for its own or no courier."""
        ...

    def put_fleet_courier(self, courier: FleetCourier, at: datetime) -> None:
        """Store a fleet courier's account; the badge changes only when the grant carries one."""
        ...

    def courier_badge_issued_at(self, courier_id: int) -> datetime | None:
        """When an active courier's current badge was issued."""
        ...

    def set_courier_badge(self, courier_id: int, token_hash: str, at: datetime) -> None:
        """Store a courier's new badge, issued at `at`, revoking the old one."""
        ...

    def courier_session_version(self, courier_id: int) -> int | None:
        """The session version of an active courier; None for an unknown or disabled one."""
        ...

    def bump_courier_session(self, courier_id: int) -> None:
        """End every session of a courier."""
        ...

    def set_courier_pin(self, courier_id: int, pin_hash: str) -> None:
        """Store a courier's new PIN hash."""
        ...

    def set_courier_active(self, courier_id: int, active: bool) -> None:
        """Enable or disable a courier account."""
        ...

    def add_admin(self, username: str, password_hash: str, at: datetime) -> None:
        """Create an admin account."""
        ...

    def admin_password_hash(self, username: str) -> str | None:
        """An admin's stored password hash."""
        ...

    def set_admin_password(self, username: str, password_hash: str) -> None:
        """Store an admin's new password hash."""
        ...

    def admin_session_version(self, username: str) -> int | None:
        """The session version of an admin; None when there is no such admin."""
        ...

    def bump_admin_session(self, username: str) -> None:
        """End every session of an admin."""
        ...

    # journal, outbox, keypad, audit
    def begin_door_operation(
        self,
        compartment: str,
        purpose: str,
        actor: str,
        parcel_id: int | None,
        at: datetime,
        tracking: str | None = None,
    ) -> int:
        """Journal a door command before it is sent; returns its id."""
        ...

    def door_operation_in_flight(
        self,
        compartment: str | None = None,
        parcel_id: int | None = None,
        tracking: str | None = None,
    ) -> DoorOperation | None:
        """The pending door command for this door, parcel or deposit, if one is in flight."""
        ...

    def finish_door_operation(self, op_id: int, outcome: str, at: datetime) -> None:
        """Journal the outcome of a door command."""
        ...

    def pending_door_operations(self) -> Sequence[DoorOperation]:
        """Door commands whose outcome was never journaled."""
        ...

    def door_operations(self, limit: int = 100) -> list[dict[str, Any]]:
        """The newest journaled door commands, as rows, each with `parcel_tracking`: the
        tracking number of the parcel it concerns."""
        ...

    def parcel_door_operations(
        self, parcel_id: int, tracking: str, door: str | None, since: datetime | None
    ) -> Sequence[DoorOperation]:
        """The door commands for a parcel, every deposit's for its tracking number, and the
        service openings of its door from `since` on; oldest first."""
        ...

    def last_door_operation(self, compartment: str) -> DoorOperation | None:
        """The newest door command journaled for a compartment."""
        ...

    def queue_message(
        self,
        *,
        kind: str,
        parcel_id: int,
        channel: str,
        recipient: str,
        language: str,
        payload: Mapping[str, Any],
        at: datetime,
        held: bool = False,
        audit_seq: int | None = None,
    ) -> OutboxMessage:
        """Put a message in the outbox, pending (or held until its door shuts)."""
        ...

    def cancel_notifications(self, parcel_id: int) -> None:
        """Withdraw a parcel's unsent messages to its recipient, and erase its codes from every
        message; carriers' events stay."""
        ...

    def release_held_messages(self, parcel_id: int) -> int:
        """A deposit's door shut on its parcel: its held messages may go; returns how many."""
        ...

    def due_message(self, now: datetime) -> OutboxMessage | None:
        """The oldest pending message whose time has come."""
        ...

    def outbox_message(self, outbox_id: int) -> OutboxMessage | None:
        """One outbox message by its row id."""
        ...

    def parcel_messages(self, parcel_id: int) -> Sequence[OutboxMessage]:
        """Every message of a parcel, oldest first."""
        ...

    def messages(self, status: str | None = None, limit: int = 500) -> Sequence[OutboxMessage]:
        """Messages, newest first, optionally in one status."""
        ...

    def message_counts(self, since: datetime) -> Mapping[str, int]:
        """How many messages are queued (held or pending), failed, and sent since `since`."""
        ...

    def start_sending(self, outbox_id: int, at: datetime) -> None:
        """A try begins: sending, one more attempt."""
        ...

    def message_sent(self, outbox_id: int, receipt: str, at: datetime) -> None:
        """Delivered: sent, with the provider's receipt; the plain code and QR are erased."""
        ...

    def message_to_retry(self, outbox_id: int, error: str, next_at: datetime) -> None:
        """The try failed for now: pending again at `next_at`."""
        ...

    def message_failed(self, outbox_id: int, error: str) -> None:
        """No more tries: failed (the code stays, for a resend, until the parcel leaves)."""
        ...

    def message_again(self, outbox_id: int, at: datetime) -> None:
        """A failed message goes out again from its first try (an admin's resend)."""
        ...

    def resume_interrupted_messages(self) -> int:
        """Tries cut short by a crash go back to pending; returns how many."""
        ...

    def sms_count_since(self, phone: str, since: datetime) -> int:
        """SMS sent, or being sent, to a phone since a moment."""
        ...

    def set_parcel_deadline(
        self, parcel_id: int, notified_at: datetime | None, expires_at: datetime
    ) -> None:
        """When the recipient was told (None: not yet) and the deadline that follows."""
        ...

    def failure_record(self, key: str) -> FailureRecord:
        """The failure record of one budget ('keypad', 'courier:<id>', 'admin:<name>')."""
        ...

    def save_failure_record(self, key: str, record: FailureRecord) -> None:
        """Store the failure record of one budget."""
        ...

    def forget_failure_records(self, prefix: str, last_failure_before: datetime) -> int:
        """Delete the budgets named `prefix...` with no failure since a date; returns how many."""
        ...

    def append_audit(
        self, actor: str, action: str, subject: str, details: Mapping[str, Any], at: datetime
    ) -> AuditRecord:
        """Seal and append one audit record."""
        ...

    def audit_records(self) -> Iterator[AuditRecord]:
        """The audit log in stored order."""
        ...

    def parcel_audit_records(
        self, parcel_id: int, tracking: str, door: str | None, since: datetime | None
    ) -> Sequence[AuditRecord]:
        """The records naming a parcel by id or tracking number, and those about its door from
        `since` on, in stored order (another parcel's among them)."""
        ...

    def audit_head(self) -> tuple[int, str] | None:
        """The (seq, hash) recorded with the last append."""
        ...

    def count_audit_since(self, action: str, actor_prefix: str, since: datetime) -> int:
        """How many audit records of `action` by actors starting `actor_prefix` since a time."""
        ...

    def remember_command(
        self, nonce: str, forget_after: int, action: str, operator: str, now: datetime
    ) -> bool:
        """Record a remote command's nonce; False when it was seen before (a replay)."""
        ...

    def record_command_result(self, nonce: str, result: Mapping[str, Any]) -> None:
        """Keep a remote command's final result before it is published."""
        ...

    def unpublished_command_results(self) -> list[dict[str, Any]]:
        """Final results of remote commands not yet handed to the broker."""
        ...

    def mark_command_result_published(self, nonce: str) -> None:
        """The broker has this command's result."""
        ...

    def rewind_uplink_ack(self, seq: int) -> int:
        """Move the uplink's acknowledged cursor back to `seq`; the result."""
        ...

    def message_relayed(self, outbox_id: int, receipt: str, at: datetime) -> None:
        """Handed to the centre, waiting for its confirmation."""
        ...

    def message_confirmed(self, message_id: str, at: datetime) -> OutboxMessage | None:
        """The centre delivered it; None if no such message waits."""
        ...

    def requeue_unconfirmed_relays(self, before: datetime, max_attempts: int) -> int:
        """Relayed messages the centre never confirmed go out again."""
        ...

    def relayed_message(self, message_id: str) -> OutboxMessage | None:
        """A message handed to the centre, by its message id."""
        ...

    # holds
    def add_hold(self, hold: Hold) -> None:
        """Store a new hold."""
        ...

    def hold(self, hold_id: str) -> Hold | None:
        """One hold by its id, ended or not."""
        ...

    def open_holds(self) -> Sequence[Hold]:
        """Holds whose end is not recorded yet (some may have lapsed), oldest first."""
        ...

    def count_hold_use(self, hold_id: str) -> None:
        """One more of the hold's doors was taken by its carrier's courier."""
        ...

    def end_hold(self, hold_id: str, how: HoldEnd, at: datetime) -> None:
        """Record how and when a hold ended; an ended hold keeps its first end."""
        ...
