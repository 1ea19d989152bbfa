"""The audit log's hash chain: canonical encoding, sealing and verification."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

GENESIS_HASH = "0" * 64


@dataclass(frozen=True)
class AuditRecord:
    """One sealed entry of the audit log."""

    seq: int
    at: str
    actor: str
    action: str
    subject: str
    details: Mapping[str, Any]
    prev_hash: str
    hash: str


@dataclass(frozen=True)
class ChainBreak:
    """The first place where the chain does not hold, and why."""

    seq: int
    reason: str


def canonical(
    seq: int,
    at: str,
    actor: str,
    action: str,
    subject: str,
    details: Mapping[str, Any],
    prev_hash: str,
) -> bytes:
    """The exact bytes a record's hash covers: JSON with sorted keys and no spacing."""
    body = [seq, at, actor, action, subject, dict(details), prev_hash]
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def seal(
    previous: AuditRecord | None,
    at: str,
    actor: str,
    action: str,
    subject: str,
    details: Mapping[str, Any],
) -> AuditRecord:
    """The record that follows `previous` (or starts the chain) with these contents."""
    seq = previous.seq + 1 if previous else 1
    prev_hash = previous.hash if previous else GENESIS_HASH
    digest = hashlib.sha256(canonical(seq, at, actor, action, subject, details, prev_hash))
    return AuditRecord(
        seq, at, actor, action, subject, dict(details), prev_hash, digest.hexdigest()
    )


def first_break(records: Iterable[AuditRecord], head: tuple[int, str] | None) -> ChainBreak | None:
    """Walk the chain in stored order; None when intact and it ends at the recorded head.

    `head` is the (seq, hash) the store recorded with the last append; it catches records
    deleted from the end, which the chain alone cannot see.
    """
    expected_seq, expected_prev = 1, GENESIS_HASH
    last: AuditRecord | None = None
    for record in records:
        if record.seq != expected_seq:
            what = "missing" if record.seq > expected_seq else "out of order or inserted"
            return ChainBreak(
                record.seq,
                f"record {record.seq} stands where record "
                f"{expected_seq} should: a record is {what}",
            )
        recomputed = hashlib.sha256(
            canonical(
                record.seq,
                record.at,
                record.actor,
                record.action,
                record.subject,
                record.details,
                record.prev_hash,
            )
        ).hexdigest()
        if record.hash != recomputed:
            return ChainBreak(
                record.seq, f"record {record.seq} was altered: its hash does not match its contents"
            )
        if record.prev_hash != expected_prev:
            return ChainBreak(
                record.seq,
                f"record {record.seq} does not link to the record "
                "before it: a record was replaced, inserted or reordered",
            )
        expected_seq, expected_prev, last = record.seq + 1, record.hash, record
    if head is not None:
        return _check_head(last, head)
    return None


def _check_head(last: AuditRecord | None, head: tuple[int, str]) -> ChainBreak | None:
    """Hold the chain's last record against the head recorded with the last append."""
    head_seq, head_hash = head
    ends = last.seq if last else 0
    if last is not None and (last.seq, last.hash) == (head_seq, head_hash):
        return None
    if ends < head_seq:
        return ChainBreak(
            ends + 1,
            f"the log ends at record {ends} but its head is record {head_seq}: "
            "records were deleted from the end",
        )
    if ends > head_seq:
        return ChainBreak(
            head_seq + 1,
            f"record {head_seq + 1} stands after the recorded head {head_seq}: "
            "records were added without the head",
        )
    return ChainBreak(ends, f"record {ends} does not match the recorded head: it was replaced")
