"""GET /api/v1/lockers: every locker, online or not, with its free and total doors by size."""

from __future__ import annotations

import json
from typing import Any

from apiflask import APIBlueprint, Schema
from apiflask.fields import Boolean, Dict, Integer, List, Nested, String
from apiflask.validators import Range
from flask import Response, current_app
from marshmallow import ValidationError
from sqlalchemy import select

from locker.centre.api.auth import auth
from locker.centre.api.context import api_context
from locker.centre.api.iso_time import iso_utc
from locker.centre.schema import lockers
from locker.domain.models import Size
from locker.wire.fields import NAME

# A locker republishes its state every minute; five missed in a row and it is called stale.
STALE_AFTER_S = 300.0
DEFAULT_PAGE = 100
MAX_PAGE = 1000
SIZES = tuple(size.value for size in Size)
# More doors than any locker has: a larger count in a state is garbage, not shown.
MAX_DOORS = 2**31 - 1
ID_PATTERN = f"^{NAME.pattern}$"

bp = APIBlueprint("lockers", __name__, url_prefix="/api/v1", tag="Lockers")


def _locker_id(value: str) -> None:
    # The whole value, where a regular expression's `$` would let a final line break through.
    if not NAME.fullmatch(value):
        raise ValidationError("a locker id: letters, digits and . _ @ -, at most 64")


class LockersQuery(Schema):
    limit = Integer(
        load_default=DEFAULT_PAGE,
        validate=Range(1, MAX_PAGE),
        metadata={"description": "Lockers per page."},
    )
    cursor = String(
        validate=_locker_id,
        metadata={"description": "The `next_cursor` of the page before.", "pattern": ID_PATTERN},
    )


def _by_size(description: str) -> Dict:
    return Dict(
        keys=String(metadata={"enum": list(SIZES)}),
        values=Integer(validate=Range(0, MAX_DOORS)),
        required=True,
        metadata={"description": description},
    )


class LockerOut(Schema):
    id = String(required=True)
    online = Boolean(required=True, metadata={"description": "Connected to the broker now."})
    last_seen = String(
        required=True,
        allow_none=True,
        metadata={"format": "date-time", "description": "The last word from it (UTC)."},
    )
    state_at = String(
        required=True,
        allow_none=True,
        metadata={"format": "date-time", "description": "When its counts were reported (UTC)."},
    )
    stale = Boolean(
        required=True,
        metadata={"description": "Its counts are older than 5 minutes, or it sent none yet."},
    )
    free = _by_size("Doors free for any carrier, by size (doors held for one are not free).")
    total = _by_size("Doors by size.")


class LockersOut(Schema):
    lockers = List(Nested(LockerOut), required=True)
    next_cursor = String(
        required=True,
        allow_none=True,
        metadata={"description": "Pass as `cursor` for the next page; null on the last."},
    )


def by_size(value: Any) -> dict[str, int]:
    """The counts by size in a state's `free` or `total` that make sense; others left out."""
    if not isinstance(value, dict):
        return {}
    counts = {}
    for size in SIZES:
        count = value.get(size)
        if isinstance(count, int) and not isinstance(count, bool) and 0 <= count <= MAX_DOORS:
            counts[size] = count
    return counts


def _state(text: str | None) -> dict[str, Any]:
    try:
        found = json.loads(text) if text else {}
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}


def locker_view(row: Any, now: float) -> dict[str, Any]:
    """One locker as the API shows it."""
    state = _state(row.state)
    return {
        "id": row.locker_id,
        "online": bool(row.online),
        "last_seen": iso_utc(row.last_seen),
        "state_at": iso_utc(row.state_at),
        "stale": row.state_at is None or now - row.state_at > STALE_AFTER_S,
        "free": by_size(state.get("free")),
        "total": by_size(state.get("total")),
    }


@bp.get("/lockers")
@bp.auth_required(auth)
@bp.input(LockersQuery, location="query")
@bp.output(LockersOut)
def list_lockers(query_data: dict[str, Any]) -> Response:
    """List the lockers.

    Every locker the centre has heard of, by id, a page at a time, with its space from the
    state it last reported. Any carrier sees every locker.
    """
    context = api_context()
    limit = int(query_data["limit"])
    query = (
        select(
            lockers.c.locker_id,
            lockers.c.online,
            lockers.c.last_seen,
            lockers.c.state,
            lockers.c.state_at,
        )
        .order_by(lockers.c.locker_id)
        .limit(limit + 1)
    )
    if "cursor" in query_data:
        query = query.where(lockers.c.locker_id > query_data["cursor"])
    with context.store.engine.connect() as connection:
        rows = connection.execute(query).all()
    now = context.clock()
    page = [locker_view(row, now) for row in rows[:limit]]
    more = len(rows) > limit
    body = {"lockers": page, "next_cursor": page[-1]["id"] if more else None}
    # Built to LockersOut's shape here, and sent as it is: a thousand lockers through the
    # schema's serialiser cost more than the query (scripts/bench_api.py).
    return current_app.response_class(
        json.dumps(body, sort_keys=True, separators=(",", ":")), mimetype="application/json"
    )
