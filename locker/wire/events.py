"""Audit records on `lockers/{id}/events` and the centre's acknowledgements on `.../events/ack`."""

from __future__ import annotations

import json
from typing import Any

from locker.domain.audit_chain import AuditRecord
from locker.wire import fields
from locker.wire.errors import WireFormatError

MAX_EVENT_BYTES = 65_536
HASH_HEX = 64
MAX_SEQ = 2**62


def event_bytes(record: AuditRecord) -> bytes:
    """One audit record as published: every field its chain hash covers, and the hash."""
    return json.dumps(
        {
            "seq": record.seq,
            "at": record.at,
            "actor": record.actor,
            "action": record.action,
            "subject": record.subject,
            "details": dict(record.details),
            "prev_hash": record.prev_hash,
            "hash": record.hash,
        },
        sort_keys=True,
        ensure_ascii=False,
    ).encode()


def event_from_bytes(raw: bytes) -> AuditRecord:
    """The audit record a payload holds; WireFormatError when it is not one.

    The hash is not checked here: the centre checks the chain, record by record, in order.
    """
    body = _object(raw, MAX_EVENT_BYTES, "an event")
    seq = _seq(body.get("seq"))
    details = fields.mapping(body.get("details"), "details")
    return AuditRecord(
        seq,
        _plain_text(body, "at"),
        _plain_text(body, "actor"),
        _plain_text(body, "action"),
        _plain_text(body, "subject", allow_empty=True),
        details,
        _hash(body.get("prev_hash"), "prev_hash"),
        _hash(body.get("hash"), "hash"),
    )


def ack_bytes(seq: int) -> bytes:
    """The centre's acknowledgement: it has stored every record up to `seq`."""
    return json.dumps({"seq": seq}).encode()


def ack_from_bytes(raw: bytes) -> int:
    """The sequence number an acknowledgement names; WireFormatError otherwise."""
    return _seq(_object(raw, 256, "an acknowledgement").get("seq"), allow_zero=True)


def _object(raw: bytes, limit: int, what: str) -> dict[str, Any]:
    if len(raw) > limit:
        raise WireFormatError(f"{what} is at most {limit} bytes")
    try:
        decoded = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as error:
        raise WireFormatError(f"{what} is a JSON object") from error
    return dict(fields.mapping(decoded, what))


def _seq(value: object, allow_zero: bool = False) -> int:
    low = 0 if allow_zero else 1
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= MAX_SEQ:
        raise WireFormatError("seq is a whole number from 1")
    return value


def _plain_text(body: dict[str, Any], key: str, allow_empty: bool = False) -> str:
    value = body.get(key)
    # A NUL is no character of a record's text, and PostgreSQL would refuse to store it.
    if (
        not isinstance(value, str)
        or len(value) > 500
        or (not value and not allow_empty)
        or "\x00" in value
    ):
        raise WireFormatError(f"{key} is a text of at most 500 characters, without NUL")
    return value


def _hash(value: object, key: str) -> str:
    if (
        not isinstance(value, str)
        or len(value) != HASH_HEX
        or any(c not in "0123456789abcdef" for c in value)
    ):
        raise WireFormatError(f"{key} is {HASH_HEX} hexadecimal digits")
    return value
