"""The shapes of pre-advice, parcel status and reservations in the carrier API.

The fields' rules are checked once, by the orders themselves (`locker/centre/order_checks.py`);
these schemas give the types and the rules a tool needs to build a valid request.
"""

from __future__ import annotations

from apiflask import Schema
from apiflask.fields import AwareDateTime, Boolean, Dict, Integer, List, Nested, String
from apiflask.validators import Length, OneOf, Range

from locker.centre.order_checks import MAX_HOLD_COUNT, MAX_TTL_S, MIN_TTL_S
from locker.domain.models import Size

SIZES = [size.value for size in Size]
LANGUAGES = ["zh", "en"]
STATE_TEXT = "Where the order stands: `pending` until the locker answers, then as it says."
REASON_TEXT = (
    "Why a pending order waits: `locker offline`, `not sent yet` or `waiting for the locker`."
)


class PreadviceIn(Schema):
    tracking = String(
        required=True,
        validate=Length(1, 64),
        metadata={"description": "The parcel's tracking number: 4 to 40 letters, digits or -."},
    )
    locker = String(
        required=True, validate=Length(1, 64), metadata={"description": "The target locker's id."}
    )
    phone = String(
        required=True,
        validate=Length(1, 32),
        metadata={"description": "The recipient's phone, 8 to 15 digits; shown back masked."},
    )
    size = String(required=True, validate=OneOf(SIZES), metadata={"description": "Door size."})
    low_door = Boolean(
        load_default=False, metadata={"description": "The recipient needs a door within reach."}
    )
    language = String(
        load_default=None,
        allow_none=True,
        validate=OneOf(LANGUAGES),
        metadata={"description": "The recipient's language; absent: the locker's."},
    )
    expected_at = AwareDateTime(
        required=True,
        metadata={"description": "The expected arrival, ISO 8601 with its offset."},
    )


class PreadviceOut(Schema):
    carrier = String(required=True)
    tracking = String(required=True)
    locker = String(required=True)
    phone = String(allow_none=True, metadata={"description": "Masked: the last four digits."})
    size = String(required=True)
    low_door = Boolean(required=True)
    language = String(allow_none=True)
    expected_at = String(required=True, metadata={"format": "date-time"})
    state = String(
        required=True,
        metadata={
            "description": STATE_TEXT,
            "enum": ["pending", "confirmed", "refused", "withdrawing", "withdrawn", "deposited"],
        },
    )
    reason = String(metadata={"description": REASON_TEXT})
    code = String(metadata={"description": "The locker's refusal code."})
    detail = String(metadata={"description": "The locker's words for its refusal."})
    created_at = String(required=True, metadata={"format": "date-time"})
    updated_at = String(required=True, metadata={"format": "date-time"})


class HistoryOut(Schema):
    event = String(required=True, metadata={"description": "e.g. expected, deposited, no_space"})
    at = String(required=True)
    locker = String(required=True)
    door = String(allow_none=True)


class ParcelOut(Schema):
    carrier = String(required=True)
    tracking = String(required=True)
    state = String(required=True, metadata={"description": "The parcel's state (docs/api.md)."})
    locker = String(required=True)
    door = String(allow_none=True)
    times = Dict(keys=String(), values=String(), required=True)
    history = List(Nested(HistoryOut), required=True)
    preadvice = Nested(PreadviceOut, allow_none=True, required=True)
    reason = String(metadata={"description": REASON_TEXT})
    code = String()
    detail = String()


class ReservationIn(Schema):
    locker = String(required=True, validate=Length(1, 64))
    size = String(required=True, validate=OneOf(SIZES))
    count = Integer(required=True, strict=True, validate=Range(1, MAX_HOLD_COUNT))
    ttl_seconds = Integer(
        required=True,
        strict=True,
        validate=Range(MIN_TTL_S, MAX_TTL_S),
        metadata={"description": "How long the doors are held, at most 24 h."},
    )


class ReservationOut(Schema):
    id = String(required=True)
    carrier = String(required=True)
    locker = String(required=True)
    size = String(required=True)
    count = Integer(required=True)
    expires_at = String(required=True, metadata={"format": "date-time"})
    state = String(
        required=True,
        metadata={
            "description": STATE_TEXT,
            "enum": ["pending", "confirmed", "refused", "cancelling", "cancelled", "expired"],
        },
    )
    reason = String(metadata={"description": REASON_TEXT})
    code = String()
    detail = String()
    created_at = String(required=True, metadata={"format": "date-time"})
    updated_at = String(required=True, metadata={"format": "date-time"})
