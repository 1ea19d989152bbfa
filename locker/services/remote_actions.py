"""Commands from the centre, once their signatures hold: the same use cases a screen runs.

The PickPoint lesson is kept on the locker itself: remote openings are capped per hour, and
opening a door that holds a parcel needs two operators' signatures. The centre cannot lift
either rule, since neither is the centre's to check.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from locker.domain.states import CompartmentState
from locker.services.alarms import acknowledge_alarm
from locker.services.context import LockerContext
from locker.services.deliver_messages import confirm_delivery, relay_failed
from locker.services.errors import NotAllowedError, ServiceRefusal
from locker.services.force_open import force_open
from locker.services.hold_doors import hold_id, hold_request, place_hold, release_hold
from locker.services.preadvise_parcel import preadvise_parcel, read_preadvice, withdraw_preadvice
from locker.services.reissue_code import reissue_code
from locker.services.service_state import return_to_service, set_out_of_service

REMOTE_OPEN_WINDOW = timedelta(hours=1)
REMOTE_ACTOR = "remote:"
# A door with any of these holds, or may hold, someone's parcel.
HOLDS_A_PARCEL = frozenset(
    {CompartmentState.OCCUPIED, CompartmentState.OPEN, CompartmentState.RESERVED}
)


@dataclass(frozen=True)
class RemoteAction:
    """A verified command: what to do, with what, and which operators signed it."""

    action: str
    args: Mapping[str, Any]
    operator: str
    operators: tuple[str, ...]


def remote_actor(action: RemoteAction) -> str:
    """The audit log's actor for a remote command: every operator who signed it."""
    return REMOTE_ACTOR + "+".join(action.operators or (action.operator,))


def run_remote_action(
    ctx: LockerContext, action: RemoteAction, opens_per_hour: int
) -> dict[str, Any]:
    """Run one action; its outcome for the centre. Refusals raise, as on a screen."""
    actor = remote_actor(action)
    if action.action == "force_open":
        label = _text(action.args, "door")
        _check_remote_open(ctx, action, label, opens_per_hour)
        force_open(ctx, actor, label, _text(action.args, "reason"), actor=actor)
        return {"door": label, "opened": True}
    if action.action == "out_of_service":
        label = _text(action.args, "door")
        inside = set_out_of_service(ctx, actor, label, _text(action.args, "reason"), actor=actor)
        return {"door": label, "state": "out_of_service", "parcel_inside": inside is not None}
    if action.action == "in_service":
        label = _text(action.args, "door")
        looked = action.args.get("looked_inside") is True
        state = return_to_service(ctx, actor, label, looked_inside=looked, actor=actor)
        return {"door": label, "state": state.value}
    if action.action == "acknowledge_alarm":
        seq = action.args.get("alarm")
        if isinstance(seq, bool) or not isinstance(seq, int) or seq < 1:
            raise NotAllowedError(
                "the command needs alarm as its number", code=ServiceRefusal.REMOTE_ARGUMENTS
            )
        answered = acknowledge_alarm(
            ctx, action.operator, seq, _text(action.args, "note"), actor=actor
        )
        return {"alarm": answered.seq, "acknowledged": True}
    if action.action == "message_delivered":
        message_id = _text(action.args, "message")
        at = _moment(action.args.get("at"), ctx.clock.now())
        return {"message": message_id, "confirmed": confirm_delivery(ctx, message_id, at)}
    if action.action == "message_failed":
        message_id = _text(action.args, "message")
        failed = relay_failed(ctx, message_id, _text(action.args, "error")[:300])
        return {"message": message_id, "failed": failed}
    if action.action == "hold":
        return place_hold(ctx, hold_request(action.args), actor)
    if action.action == "release_hold":
        return release_hold(ctx, hold_id(action.args), actor)
    if action.action == "reissue_code":
        receipt = reissue_code(ctx, actor, _text(action.args, "tracking"))
        return {"tracking": receipt.parcel.tracking, "reissued": True}
    if action.action == "preadvise":
        return preadvise_parcel(ctx, read_preadvice(action.args, ctx.clock.now()), actor)
    if action.action == "withdraw_preadvice":
        carrier, tracking = _text(action.args, "carrier"), _text(action.args, "tracking")
        return withdraw_preadvice(ctx, carrier, tracking, actor)
    raise NotAllowedError(
        f"no remote use case for {action.action}", code=ServiceRefusal.REMOTE_ARGUMENTS
    )


# 9999-12-31T23:59:59Z: the last moment a datetime holds.
LAST_SECOND = 253_402_300_799


def _moment(value: object, now: datetime) -> datetime:
    """Seconds since the epoch, as a time no later than now (a centre's clock may run ahead)."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= LAST_SECOND:
        raise NotAllowedError(
            "the command needs at as seconds since the epoch", code=ServiceRefusal.REMOTE_ARGUMENTS
        )
    return min(datetime.fromtimestamp(value, UTC), now)


def _text(args: Mapping[str, Any], key: str) -> str:
    value = args.get(key)
    if not isinstance(value, str) or not value.strip():
        raise NotAllowedError(
            f"the command needs {key} as a text", code=ServiceRefusal.REMOTE_ARGUMENTS
        )
    return value.strip()


def _check_remote_open(
    ctx: LockerContext, action: RemoteAction, label: str, opens_per_hour: int
) -> None:
    """The hourly cap and, for a door that holds a parcel, the second signature."""
    since = ctx.clock.now() - REMOTE_OPEN_WINDOW
    opened = ctx.store.count_audit_since("door.force_open", REMOTE_ACTOR, since)
    if opened >= opens_per_hour:
        raise NotAllowedError(
            f"{opened} doors were opened remotely in the last hour; the cap is {opens_per_hour}",
            code=ServiceRefusal.REMOTE_OPENS_CAPPED,
            door=label,
        )
    try:
        state = ctx.store.compartment(label).state
    except KeyError:
        return  # force_open refuses an unknown door in its own words
    holds_parcel = state in HOLDS_A_PARCEL or ctx.store.parcel_in(label) is not None
    if holds_parcel and len(set(action.operators)) < 2:
        raise NotAllowedError(
            f"door {label} holds a parcel: two operators must sign its remote opening",
            code=ServiceRefusal.REMOTE_SECOND_SIGNATURE,
            door=label,
        )
