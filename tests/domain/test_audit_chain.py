"""The audit log's hash chain: sealing, and finding the first record that breaks it."""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
from collections.abc import Callable
from typing import Any

import pytest

from locker.domain.audit_chain import (
    GENESIS_HASH,
    AuditRecord,
    ChainBreak,
    canonical,
    first_break,
    seal,
)

Head = tuple[int, str]


def build_chain(length: int = 5) -> list[AuditRecord]:
    records: list[AuditRecord] = []
    previous = None
    for n in range(1, length + 1):
        previous = seal(
            previous,
            f"2024-05-01T12:00:{n:02d}+00:00",
            "courier:7" if n % 2 else "admin",
            "parcel.deposited",
            f"parcel:{n}",
            {"compartment": f"A{n:02d}", "phone": "138****5678", "n": n},
        )
        records.append(previous)
    return records


CHAIN = build_chain()
HEAD: Head = (CHAIN[-1].seq, CHAIN[-1].hash)


def head_of(records: list[AuditRecord]) -> Head:
    return (records[-1].seq, records[-1].hash)


def test_the_first_record_starts_from_the_genesis_hash() -> None:
    first = CHAIN[0]
    assert (first.seq, first.prev_hash) == (1, GENESIS_HASH)


def test_each_record_links_to_the_one_before() -> None:
    for before, after in itertools.pairwise(CHAIN):
        assert after.seq == before.seq + 1
        assert after.prev_hash == before.hash


def test_a_records_hash_covers_its_canonical_bytes() -> None:
    r = CHAIN[2]
    body = canonical(r.seq, r.at, r.actor, r.action, r.subject, r.details, r.prev_hash)
    assert r.hash == hashlib.sha256(body).hexdigest()


def test_canonical_bytes_do_not_depend_on_key_order_or_spacing() -> None:
    a = canonical(1, "t", "a", "x", "s", {"b": 1, "a": "é"}, GENESIS_HASH)
    b = canonical(1, "t", "a", "x", "s", {"a": "é", "b": 1}, GENESIS_HASH)
    assert a == b
    assert b" " not in a
    assert "é".encode() in a


def test_seal_keeps_a_copy_of_the_details() -> None:
    details = {"k": "v"}
    record = seal(None, "t", "a", "x", "s", details)
    details["k"] = "changed"
    assert record.details == {"k": "v"}
    assert first_break([record], head_of([record])) is None


@pytest.mark.parametrize("head", [HEAD, None], ids=["with head", "without head"])
def test_an_intact_chain_has_no_break(head: Head | None) -> None:
    assert first_break(CHAIN, head) is None


def test_an_empty_log_without_a_head_is_intact() -> None:
    assert first_break([], None) is None


def test_a_chain_of_one_record_is_intact() -> None:
    assert first_break(CHAIN[:1], head_of(CHAIN[:1])) is None


def _altered(field: str, value: Any) -> Callable[[], tuple[list[AuditRecord], Head]]:
    def tamper() -> tuple[list[AuditRecord], Head]:
        records = list(CHAIN)
        records[2] = dataclasses.replace(records[2], **{field: value})
        return records, HEAD

    return tamper


def _altered_and_rehashed() -> tuple[list[AuditRecord], Head]:
    # The forger recomputes record 3's own hash; record 4 no longer links to it.
    records = list(CHAIN)
    records[2] = seal(records[1], "2024-05-01T12:00:03+00:00", "admin", "forged", "x", {})
    return records, HEAD


def _middle_deleted() -> tuple[list[AuditRecord], Head]:
    return [r for r in CHAIN if r.seq != 3], HEAD


def _first_deleted() -> tuple[list[AuditRecord], Head]:
    return CHAIN[1:], HEAD


def _last_deleted() -> tuple[list[AuditRecord], Head]:
    return CHAIN[:-1], HEAD


def _last_two_deleted() -> tuple[list[AuditRecord], Head]:
    return CHAIN[:-2], HEAD


def _all_deleted() -> tuple[list[AuditRecord], Head]:
    return [], HEAD


def _inserted() -> tuple[list[AuditRecord], Head]:
    # A well-sealed record slipped in after record 2 takes seq 3; the old record 3 follows it.
    intruder = seal(CHAIN[1], "2024-05-01T12:00:02+00:00", "admin", "parcel.collected", "p", {})
    return [*CHAIN[:2], intruder, *CHAIN[2:]], HEAD


def _appended_after_head() -> tuple[list[AuditRecord], Head]:
    return [*CHAIN, seal(CHAIN[-1], "t", "admin", "x", "y", {})], HEAD


def _swapped() -> tuple[list[AuditRecord], Head]:
    records = list(CHAIN)
    records[1], records[2] = records[2], records[1]
    return records, HEAD


def _duplicated() -> tuple[list[AuditRecord], Head]:
    return [*CHAIN[:3], CHAIN[2], *CHAIN[3:]], HEAD


def _relinked() -> tuple[list[AuditRecord], Head]:
    # Record 3 keeps its contents but is pointed at another predecessor and rehashed.
    records = list(CHAIN)
    r = records[2]
    body = canonical(r.seq, r.at, r.actor, r.action, r.subject, r.details, GENESIS_HASH)
    records[2] = dataclasses.replace(
        r, prev_hash=GENESIS_HASH, hash=hashlib.sha256(body).hexdigest()
    )
    return records, HEAD


# (case, tampering, seq named, words the reason must contain)
BREAKS: list[tuple[str, Callable[[], tuple[list[AuditRecord], Head]], int, str]] = [
    ("altered actor", _altered("actor", "someone else"), 3, "altered"),
    ("altered details", _altered("details", {"compartment": "Z99"}), 3, "altered"),
    ("altered time", _altered("at", "2030-01-01T00:00:00+00:00"), 3, "altered"),
    ("altered hash", _altered("hash", "f" * 64), 3, "altered"),
    ("altered and rehashed", _altered_and_rehashed, 4, "does not link"),
    ("relinked and rehashed", _relinked, 3, "does not link"),
    ("deleted middle record", _middle_deleted, 4, "missing"),
    ("deleted first record", _first_deleted, 2, "missing"),
    ("deleted last record", _last_deleted, 5, "deleted from the end"),
    ("deleted last two records", _last_two_deleted, 4, "deleted from the end"),
    ("every record deleted", _all_deleted, 1, "deleted from the end"),
    ("inserted record", _inserted, 3, "inserted"),
    ("two records swapped", _swapped, 3, "record 3 stands where record 2 should"),
    ("record repeated", _duplicated, 3, "out of order or inserted"),
]


@pytest.mark.parametrize(
    ("tamper", "seq", "reason"),
    [case[1:] for case in BREAKS],
    ids=[case[0] for case in BREAKS],
)
def test_first_break_names_the_first_bad_record(
    tamper: Callable[[], tuple[list[AuditRecord], Head]], seq: int, reason: str
) -> None:
    records, head = tamper()
    found = first_break(records, head)
    assert isinstance(found, ChainBreak)
    assert found.seq == seq
    assert reason in found.reason
    assert f"record {seq}" in found.reason or f"record {seq - 1}" in found.reason


def test_a_deleted_last_record_goes_unseen_without_the_head() -> None:
    # Why the store keeps the head: the chain alone cannot see a shortened tail.
    assert first_break(CHAIN[:-1], None) is None


def _last_resealed() -> tuple[list[AuditRecord], Head]:
    return [*CHAIN[:-1], seal(CHAIN[-2], "t", "admin", "forged", "x", {})], HEAD


@pytest.mark.parametrize(
    ("tamper", "seq"),
    [(_last_resealed, 5), (_appended_after_head, 6)],
    ids=["re-sealed last record", "record appended behind the head"],
)
def test_the_head_check_names_the_first_record_it_does_not_vouch_for(
    tamper: Callable[[], tuple[list[AuditRecord], Head]], seq: int
) -> None:
    records, head = tamper()
    found = first_break(records, head)
    assert found is not None
    assert found.seq == seq


@pytest.mark.parametrize(
    "tamper", [_last_resealed, _appended_after_head], ids=["re-sealed", "appended"]
)
def test_a_log_that_disagrees_with_its_head_is_broken(
    tamper: Callable[[], tuple[list[AuditRecord], Head]],
) -> None:
    records, head = tamper()
    found = first_break(records, head)
    assert found is not None
    assert "head" in found.reason
