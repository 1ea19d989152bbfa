"""The centre's store keeps the same promises on SQLite and on PostgreSQL, under concurrency too."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import TypeVar

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from flask import Response
from sqlalchemy import func, select

from locker.centre.api.idempotency import REPLAYED_HEADER, Claim
from locker.centre.carriers import CarrierError, add_carrier, carrier_of_token
from locker.centre.fleet_view import acknowledge_centre_alarm, fingerprint, fleet
from locker.centre.login_budget import FREE_FAILURES, LoginBudget
from locker.centre.operators import OperatorError, add_operator
from locker.centre.schema import events, operators, schema_version
from locker.centre.store import CentreStore, database_url
from locker.domain.audit_chain import AuditRecord, seal
from locker.wire.certificates import Certificate
from locker.wire.errors import WireFormatError
from locker.wire.events import event_bytes, event_from_bytes

LOCKER = "SH-0001"
NOW = 1_790_000_000.0
T = TypeVar("T")


@pytest.fixture
def store(centre_db_url: str) -> Iterator[CentreStore]:
    """A fresh centre store on each backend."""
    opened = CentreStore(centre_db_url)
    yield opened
    opened.close()


def chain(count: int, subject: str = "AC123456789CN") -> list[AuditRecord]:
    """A locker's first `count` records."""
    records: list[AuditRecord] = []
    for n in range(count):
        records.append(
            seal(
                records[-1] if records else None,
                "2026-11-30T08:00:00+00:00",
                "system",
                "parcel.deposited",
                subject,
                {"carrier": "acme", "tracking": subject, "door": f"A{n:02d}"},
            )
        )
    return records


def at_once(work: Callable[[int], T], count: int) -> list[T]:
    """Run `work(n)` on `count` threads released together; their results in order."""
    start = threading.Barrier(count)
    results: dict[int, T] = {}
    errors: list[BaseException] = []

    def run(n: int) -> None:
        start.wait()
        try:
            results[n] = work(n)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    return [results[n] for n in range(count)]


def test_the_same_records_twice_are_stored_once(store: CentreStore) -> None:
    records = chain(3)
    first = store.store_events([(LOCKER, r) for r in records], NOW)
    again = store.store_events([(LOCKER, r) for r in records], NOW + 1)
    assert first.stored_through == again.stored_through == {LOCKER: 3}
    assert again.forks == []
    with store.engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(events)).scalar_one() == 3
    assert store.events_of(LOCKER) == records


def test_another_record_under_a_stored_number_is_a_fork(store: CentreStore) -> None:
    records = chain(2)
    store.store_events([(LOCKER, r) for r in records], NOW)
    other = replace(records[1], hash="f" * 64)
    assert store.store_events([(LOCKER, other)], NOW).forks == [(LOCKER, 2)]
    assert store.events_of(LOCKER)[1] == records[1]


def test_the_cursor_stops_at_a_gap_and_moves_over_it_once_filled(store: CentreStore) -> None:
    one, two, three, four = chain(4)
    assert store.store_events([(LOCKER, r) for r in (one, two, four)], NOW).stored_through == {
        LOCKER: 2
    }
    assert store.gaps_older_than(NOW - 1) == []
    assert store.gaps_older_than(NOW) == [(LOCKER, 3)]
    assert store.store_events([(LOCKER, three)], NOW + 5).stored_through == {LOCKER: 4}
    assert store.gaps_older_than(NOW + 10) == []
    [locker] = store.lockers()
    assert (locker["stored_seq"], locker["highest_seen_seq"], locker["gap_since"]) == (4, 4, None)


def test_a_chain_is_verified_and_a_changed_record_is_found(store: CentreStore) -> None:
    records = chain(3)
    store.store_events([("GOOD", r) for r in records], NOW)
    bent = [*records[:2], replace(records[2], subject="changed")]
    store.store_events([("BENT", r) for r in bent], NOW)
    [problem] = store.verify_chains(["GOOD", "BENT"])
    assert (problem.locker_id, problem.seq) == ("BENT", 3)
    assert "hash does not match" in problem.reason
    assert store.verify_chains(["GOOD", "BENT"]) == []


def test_status_and_state_are_kept_as_they_came(store: CentreStore) -> None:
    store.note_status(LOCKER, True, NOW)
    store.note_state(LOCKER, {"timezone": "Asia/Shanghai", "doors": 24}, NOW + 1)
    [locker] = store.lockers()
    assert locker["online"] is True
    assert (locker["last_seen"], locker["state_at"]) == (NOW + 1, NOW + 1)
    store.note_status(LOCKER, False, NOW + 2)
    assert store.lockers()[0]["online"] is False


def test_a_status_is_news_only_when_it_changes_what_is_stored(store: CentreStore) -> None:
    assert store.note_status(LOCKER, True, NOW) is True  # a locker first heard of
    assert store.note_status(LOCKER, True, NOW + 1) is False
    assert store.note_status(LOCKER, False, NOW + 2) is True
    assert store.note_status(LOCKER, False, NOW + 3) is False
    [locker] = store.lockers()
    # An unchanged status writes nothing: last seen is when the locker went offline.
    assert (locker["online"], locker["last_seen"]) == (False, NOW + 2)


def test_a_locker_back_online_heard_by_three_processes_at_once_is_news_to_one(
    store: CentreStore,
) -> None:
    store.note_status(LOCKER, False, NOW)
    told = at_once(lambda n: store.note_status(LOCKER, True, NOW + 1), 3)
    assert sorted(told) == [False, False, True]
    assert store.lockers()[0]["online"] is True


def test_a_new_locker_heard_by_three_processes_at_once_is_news_to_one(store: CentreStore) -> None:
    told = at_once(lambda n: store.note_statuses({"SH-0009": True, LOCKER: False}, NOW), 3)
    news = sorted(change for changes in told for change in changes.items())
    assert news == [(LOCKER, False), ("SH-0009", True)]
    assert [(row["locker_id"], row["online"]) for row in store.lockers()] == [
        (LOCKER, False),
        ("SH-0009", True),
    ]


def test_the_consoles_fleet_page_and_its_fingerprint_follow_the_lockers(
    store: CentreStore,
) -> None:
    store.note_status(LOCKER, True, NOW)
    store.note_status("SH-0002", False, NOW)
    before = fingerprint(store)
    store.note_status("SH-0002", True, NOW)
    assert fingerprint(store) != before
    assert [(view.locker_id, view.online) for view in fleet(store)] == [
        (LOCKER, True),
        ("SH-0002", True),
    ]


def test_an_alarm_is_open_once_until_acknowledged(store: CentreStore) -> None:
    assert store.raise_alarm(LOCKER, "chain", "record 3", NOW)
    assert not store.raise_alarm(LOCKER, "chain", "record 3", NOW + 1)
    assert store.raise_alarm(LOCKER, "gap", "record 4", NOW + 2)
    assert [a["kind"] for a in store.open_alarms()] == ["gap", "chain"]
    chain_alarm = store.open_alarms()[1]
    assert acknowledge_centre_alarm(store, chain_alarm["id"], "alice", "seen", NOW + 3)
    assert store.raise_alarm(LOCKER, "chain", "again", NOW + 4)


def test_the_same_alarm_raised_at_once_is_open_once(store: CentreStore) -> None:
    raised = at_once(lambda n: store.raise_alarm(LOCKER, "chain", "record 3", NOW), 4)
    assert sorted(raised, key=bool) == [False, False, False, True]
    assert len(store.open_alarms()) == 1


def test_two_workers_storing_one_lockers_records_leave_the_cursor_at_the_top(
    store: CentreStore,
) -> None:
    records = chain(40)
    other = CentreStore(store.engine.url.render_as_string(hide_password=False))
    halves = [store, other]
    try:
        at_once(lambda n: [halves[n].store_events([(LOCKER, r)], NOW) for r in records[n::2]], 2)
    finally:
        other.close()
    [locker] = store.lockers()
    assert (locker["stored_seq"], locker["gap_since"]) == (40, None)


def test_twelve_failed_logins_at_once_are_judged_as_five(store: CentreStore) -> None:
    budget = LoginBudget(store, clock=lambda: NOW)
    judged = at_once(lambda n: budget.begin(["alice", "127.0.0.1"]), 12)
    assert sum(ids is not None for ids in judged) == FREE_FAILURES


def test_three_requests_with_one_key_at_once_have_one_effect(store: CentreStore) -> None:
    effects: list[int] = []

    def request(n: int) -> tuple[int, str, str | None]:
        claim = Claim(store, "acme", "key-1", "same request")
        kept = claim.take(lambda: NOW, wait_s=30)
        if kept is None:
            effects.append(n)
            kept = Response('{"parcel": 1}', status=202, content_type="application/json")
            claim.keep(kept)
        return kept.status_code, kept.get_data(as_text=True), kept.headers.get(REPLAYED_HEADER)

    answers = at_once(request, 3)
    assert len(effects) == 1
    assert {answer[:2] for answer in answers} == {(202, '{"parcel": 1}')}
    assert sorted(str(answer[2]) for answer in answers) == ["None", "true", "true"]


def test_one_operator_added_three_times_at_once_is_added_once(
    store: CentreStore, root: Ed25519PrivateKey
) -> None:
    def add(n: int) -> Certificate | OperatorError:
        try:
            return add_operator(store, "carol", f"password-of-{n}", "support", root, NOW)
        except OperatorError as error:
            return error

    outcomes = at_once(add, 3)

    [added] = [outcome for outcome in outcomes if isinstance(outcome, Certificate)]
    refused = [str(outcome) for outcome in outcomes if isinstance(outcome, OperatorError)]
    assert refused == ["operator carol exists already"] * 2
    with store.engine.connect() as connection:
        [kept] = connection.execute(select(operators.c.certificate)).scalars().all()
    assert json.loads(kept) == added.to_wire()


def test_one_carrier_added_three_times_at_once_gets_one_token(store: CentreStore) -> None:
    def add(n: int) -> str | CarrierError:
        try:
            return add_carrier(store, "acme", NOW)
        except CarrierError as error:
            return error

    outcomes = at_once(add, 3)

    [token] = [outcome for outcome in outcomes if isinstance(outcome, str)]
    assert sum(isinstance(outcome, CarrierError) for outcome in outcomes) == 2
    assert carrier_of_token(store, token) == "acme"


def test_a_record_with_a_nul_is_refused_at_the_wire() -> None:
    [record] = chain(1)
    with pytest.raises(WireFormatError):
        event_from_bytes(event_bytes(replace(record, subject="AC12\x0034")))


def test_postgresql_urls_name_psycopg() -> None:
    assert database_url("postgresql://centre@db/fleet") == "postgresql+psycopg://centre@db/fleet"
    assert database_url("postgresql+psycopg://centre:pw@db/fleet") == (
        "postgresql+psycopg://centre:pw@db/fleet"
    )
    assert database_url("sqlite:///var/centre.db") == "sqlite:///var/centre.db"


def test_two_centre_processes_starting_on_an_empty_postgresql_both_start(
    empty_postgres_url: str,
) -> None:
    opened = at_once(lambda n: CentreStore(empty_postgres_url), 2)
    try:
        with opened[0].engine.connect() as connection:
            assert connection.execute(select(schema_version.c.version)).scalars().all() == [1]
    finally:
        for store in opened:
            store.close()
