"""Carriers' holds on free doors: placed and released by the centre, ended by time or by use.

The centre resends a hold or a release it heard no answer to, re-signed under a new nonce, so
both are idempotent on the hold's id: the same hold again is that hold, answered as before.
A hold keeps its doors `free` and names none of them (decision 0004): allocation keeps that many
free doors of its size from other carriers' couriers, and the capacity others see leaves them out.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from locker.domain.holds import (
    CLOCK_SKEW,
    MAX_HOLD_DOORS,
    MAX_HOLD_ID_CHARS,
    MAX_HOLD_TIME,
    Hold,
    HoldEnd,
    free_counts,
    held_by_size,
    kept_from,
)
from locker.domain.models import Compartment, Size
from locker.domain.plain_text import is_one_line
from locker.domain.states import CompartmentState
from locker.services.context import LockerContext
from locker.services.errors import NotAllowedError, NotFoundError, ServiceRefusal

# As long as a courier's carrier may be (locker/services/accounts.py).
MAX_CARRIER_CHARS = 64
# Seconds since the epoch a hold may end at: far beyond any real one, and within a datetime.
MAX_EPOCH_S = 2**40
ACTIVE = "active"


@dataclass(frozen=True)
class HoldRequest:
    """The terms of a `hold` command, checked for shape."""

    hold_id: str
    carrier: str
    size: Size
    count: int
    expires_at: datetime

    def terms(self) -> tuple[str, Size, int, datetime]:
        """What the carrier asks for, as `Hold.terms` gives it."""
        return (self.carrier, self.size, self.count, self.expires_at)


def _arguments(message: str) -> NotAllowedError:
    return NotAllowedError(message, code=ServiceRefusal.REMOTE_ARGUMENTS)


def hold_id(args: Mapping[str, Any]) -> str:
    """The centre's id of a hold, from a command's arguments."""
    value = args.get("hold")
    if (
        not isinstance(value, str)
        or not value.strip()
        or value != value.strip()
        or len(value) > MAX_HOLD_ID_CHARS
        or not value.isprintable()
    ):
        raise _arguments(f"the command needs hold as 1 to {MAX_HOLD_ID_CHARS} printable characters")
    return value


def _whole(args: Mapping[str, Any], key: str, least: int, most: int) -> int:
    value = args.get(key)
    # True is an int to Python, never a count to a carrier.
    if isinstance(value, bool) or not isinstance(value, int) or not least <= value <= most:
        raise _arguments(f"the command needs {key} as a whole number from {least} to {most}")
    return value


def _carrier(args: Mapping[str, Any]) -> str:
    value = args.get("carrier")
    text = value.strip() if isinstance(value, str) else ""
    if not text or not is_one_line(text, MAX_CARRIER_CHARS):
        raise _arguments(
            f"the command needs carrier as 1 to {MAX_CARRIER_CHARS} characters on one line"
        )
    return text


def hold_request(args: Mapping[str, Any]) -> HoldRequest:
    """The terms of a `hold` command; a clear refusal for a missing, mistyped or hostile one."""
    identifier = hold_id(args)
    carrier = _carrier(args)
    size = args.get("size")
    if not isinstance(size, str) or size not in {s.value for s in Size}:
        raise _arguments("the command needs size as one of S, M, L, XL")
    count = _whole(args, "count", 1, MAX_HOLD_DOORS)
    expires_at = _whole(args, "expires_at", 1, MAX_EPOCH_S)
    return HoldRequest(
        identifier, carrier, Size(size), count, datetime.fromtimestamp(expires_at, UTC)
    )


def _answer(hold: Hold, now: datetime) -> dict[str, Any]:
    """What the centre hears of a hold, the first time and every time after."""
    return {
        "hold": hold.hold_id,
        "carrier": hold.carrier,
        "size": hold.size.value,
        "count": hold.count,
        "expires_at": int(hold.expires_at.timestamp()),
        "state": hold.state(now),
    }


def place_hold(ctx: LockerContext, request: HoldRequest, actor: str) -> dict[str, Any]:
    """Hold `count` free doors of a size for a carrier; the same hold again changes nothing.

    Refused when fewer doors of that size are free and not held already: a hold is a promise
    the locker can keep when it is placed.
    """
    store = ctx.store
    now = ctx.clock.now()
    with store.transaction():
        known = store.hold(request.hold_id)
        if known is not None:
            if known.terms() != request.terms():
                raise NotAllowedError(
                    f"hold {request.hold_id} was placed with other terms",
                    code=ServiceRefusal.HOLD_CONFLICT,
                    hold=request.hold_id,
                )
            return _answer(known, now)
        if not now < request.expires_at <= now + MAX_HOLD_TIME + CLOCK_SKEW:
            raise NotAllowedError(
                "the command needs expires_at after the locker's now and at most "
                f"{MAX_HOLD_TIME.total_seconds() / 3600:.0f} h after it",
                code=ServiceRefusal.HOLD_EXPIRY,
                hours=int(MAX_HOLD_TIME.total_seconds() // 3600),
            )
        free = free_counts(store.compartments(CompartmentState.FREE))
        left = free[request.size] - held_by_size(store.open_holds(), free, now)[request.size]
        if left < request.count:
            raise NotAllowedError(
                f"{left} free doors of size {request.size.value} are not held: "
                f"{request.count} cannot be held",
                code=ServiceRefusal.HOLD_NO_SPACE,
                free=left,
                size=request.size.value,
                count=request.count,
            )
        hold = Hold(
            request.hold_id,
            request.carrier,
            request.size,
            request.count,
            request.expires_at,
            created_at=now,
        )
        store.add_hold(hold)
        store.append_audit(
            actor,
            "hold.placed",
            hold.hold_id,
            {
                "hold": hold.hold_id,
                "carrier": hold.carrier,
                "size": hold.size.value,
                "count": hold.count,
                "expires_at": int(hold.expires_at.timestamp()),
            },
            now,
        )
    return _answer(hold, now)


def _ended(hold: Hold) -> dict[str, Any]:
    """An ended hold's audit details."""
    return {
        "hold": hold.hold_id,
        "carrier": hold.carrier,
        "size": hold.size.value,
        "count": hold.count,
        "used": hold.used,
    }


def release_hold(ctx: LockerContext, identifier: str, actor: str) -> dict[str, Any]:
    """End a hold before its time; a hold that has ended already is answered with how."""
    store = ctx.store
    now = ctx.clock.now()
    with store.transaction():
        hold = store.hold(identifier)
        if hold is None:
            raise NotFoundError(
                f"this locker holds nothing as {identifier}",
                code=ServiceRefusal.HOLD_UNKNOWN,
                hold=identifier,
            )
        state = hold.state(now)
        if state == ACTIVE:
            store.end_hold(identifier, HoldEnd.RELEASED, now)
            store.append_audit(actor, "hold.released", identifier, _ended(hold), now)
            state = HoldEnd.RELEASED.value
    return {"hold": identifier, "state": state}


def expire_holds(ctx: LockerContext) -> list[Hold]:
    """Record the end of every hold whose time ran out; returns them.

    A lapsed hold keeps no door even before this runs: this sweep only records its end.
    """
    store = ctx.store
    now = ctx.clock.now()
    ended = []
    with store.transaction():
        for hold in store.open_holds():
            if hold.expires_at > now:
                continue
            store.end_hold(hold.hold_id, HoldEnd.EXPIRED, now)
            store.append_audit("system", "hold.expired", hold.hold_id, _ended(hold), now)
            ended.append(hold)
    return ended


def active_holds(ctx: LockerContext) -> list[Hold]:
    """Holds that keep doors now, oldest first."""
    now = ctx.clock.now()
    return [hold for hold in ctx.store.open_holds() if hold.live(now)]


def doors_kept_from(
    ctx: LockerContext, carrier: str | None, free_doors: Sequence[Compartment]
) -> dict[Size, int]:
    """Of these free doors, how many of each size other carriers hold (everyone, for None)."""
    return kept_from(carrier, ctx.store.open_holds(), free_counts(free_doors), ctx.clock.now())


def held_doors(ctx: LockerContext) -> dict[Size, int]:
    """Free doors of each size that holds keep now."""
    free = free_counts(ctx.store.compartments(CompartmentState.FREE))
    return held_by_size(ctx.store.open_holds(), free, ctx.clock.now())


def free_doors_for(
    ctx: LockerContext, carrier: str | None, compartments: Iterable[Compartment] | None = None
) -> dict[str, int]:
    """Free doors of each size a courier of `carrier` may take; for None, those no one holds.

    `compartments`: every compartment, when the caller has just read them (a page that draws the
    cabinet), so that the free ones are not read again.
    """
    if compartments is None:
        free_doors: Sequence[Compartment] = ctx.store.compartments(CompartmentState.FREE)
    else:
        free_doors = [c for c in compartments if c.state is CompartmentState.FREE]
    free = free_counts(free_doors)
    kept = doors_kept_from(ctx, carrier, free_doors)
    return {size.value: free[size] - kept[size] for size in Size}


def hold_to_use(ctx: LockerContext, carrier: str, size: Size) -> Hold | None:
    """The carrier's oldest live hold of this size, which its deposit into such a door uses."""
    now = ctx.clock.now()
    for hold in ctx.store.open_holds():
        if hold.carrier == carrier and hold.size is size and hold.live(now):
            return hold
    return None


def use_hold(ctx: LockerContext, hold: Hold, actor: str) -> None:
    """One of the hold's doors was taken by its carrier's courier; the last one ends it."""
    store = ctx.store
    now = ctx.clock.now()
    with store.transaction():
        store.count_hold_use(hold.hold_id)
        if hold.remaining <= 1:
            store.end_hold(hold.hold_id, HoldEnd.USED_UP, now)
            store.append_audit(
                actor,
                "hold.used_up",
                hold.hold_id,
                {
                    "hold": hold.hold_id,
                    "carrier": hold.carrier,
                    "size": hold.size.value,
                    "count": hold.count,
                },
                now,
            )
