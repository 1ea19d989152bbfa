"""The centre sends a fleet locker's carrier events: once each, signed, with the locker's ids."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator

import pytest

from locker.centre.carrier_webhooks import (
    WebhookSender,
    WebhookTargets,
    queue_carrier_events,
    set_carrier_webhook,
)
from locker.centre.store import CentreStore
from locker.domain.audit_chain import AuditRecord, seal
from locker.notify.webhook_signature import sign
from tests.support.provider_server import Answer, ProviderServer, Received

LOCKER = "SH-0001"
SECRET = "acme-secret"


@pytest.fixture
def store(centre_db_url: str) -> Iterator[CentreStore]:
    """A fresh centre store, on SQLite and on PostgreSQL."""
    opened = CentreStore(centre_db_url)
    yield opened
    opened.close()


@pytest.fixture
def carrier() -> Iterator[ProviderServer]:
    """The carrier's webhook receiver on loopback."""
    with ProviderServer() as server:
        yield server


def a_day_at_the_locker() -> list[AuditRecord]:
    """A deposit shut in, a login, and the collection: two carrier events among three records."""
    shut = seal(
        None,
        "2025-03-01T06:05:09+00:00",
        "system",
        "parcel.shut_in",
        "AC123456789CN",
        {"parcel_id": 1, "compartment": "A01", "carrier": "acme"},
    )
    login = seal(shut, "2025-03-01T06:06:00+00:00", "staff:1", "staff.login", "1", {})
    collected = seal(
        login,
        "2025-03-01T09:00:00+00:00",
        "recipient",
        "parcel.collected",
        "AC123456789CN",
        {"parcel_id": 1, "compartment": "A01", "method": "qr", "carrier": "acme"},
    )
    return [shut, login, collected]


def stored_with_zone(store: CentreStore, records: list[AuditRecord], zone: str) -> None:
    store.note_state(LOCKER, {"timezone": zone}, 1.0)
    store.store_events([(LOCKER, r) for r in records], 1.0)


def verified(call: Received) -> bool:
    timestamp = call.headers["X-Locker-Timestamp"]
    return call.headers["X-Locker-Signature"] == sign(SECRET, timestamp, call.body)


def test_each_carrier_record_becomes_one_signed_call_with_the_lockers_event_id(
    store: CentreStore, carrier: ProviderServer
) -> None:
    records = a_day_at_the_locker()
    stored_with_zone(store, records, "Asia/Shanghai")
    targets = WebhookTargets(store, {"acme": (carrier.url + "/hooks", SECRET)}, timeout_s=5)
    assert queue_carrier_events(store, targets, [(LOCKER, r) for r in records], 2.0) == 2
    sender = WebhookSender(store, targets)
    while sender.deliver_next():
        pass
    assert [c.headers["X-Locker-Event-Id"] for c in carrier.received] == [
        f"{LOCKER}:1",
        f"{LOCKER}:3",
    ]
    assert all(verified(call) for call in carrier.received)
    deposited, collected = (call.json() for call in carrier.received)
    assert deposited == {
        "at": "2025-03-01T14:05:09+08:00",
        "carrier": "acme",
        "door": "A01",
        "locker": LOCKER,
        "state": "deposited",
        "tracking": "AC123456789CN",
        "type": "parcel.deposited",
    }
    assert collected["type"] == "parcel.collected"
    assert not sender.deliver_next()


def test_records_that_come_again_make_no_second_event(
    store: CentreStore, carrier: ProviderServer
) -> None:
    records = a_day_at_the_locker()
    stored_with_zone(store, records, "UTC")
    targets = WebhookTargets(store, {"acme": (carrier.url, SECRET)}, timeout_s=5)
    batch = [(LOCKER, r) for r in records]
    queue_carrier_events(store, targets, batch, 2.0)
    sender = WebhookSender(store, targets)
    while sender.deliver_next():
        pass
    # The locker sent them again (our acknowledgement was lost): nothing new is sent.
    queue_carrier_events(store, targets, batch, 3.0)
    while sender.deliver_next():
        pass
    assert len(carrier.received) == 2


def test_a_carrier_without_a_webhook_gets_nothing_kept(store: CentreStore) -> None:
    records = a_day_at_the_locker()
    stored_with_zone(store, records, "UTC")
    targets = WebhookTargets(store, {"other": ("http://127.0.0.1:9/", SECRET)})
    assert queue_carrier_events(store, targets, [(LOCKER, r) for r in records], 2.0) == 0


def test_a_carrier_down_is_tried_again_later_and_a_gone_one_fails_for_good(
    store: CentreStore, carrier: ProviderServer
) -> None:
    records = a_day_at_the_locker()
    stored_with_zone(store, records, "UTC")
    now = [100.0]
    targets = WebhookTargets(store, {"acme": (carrier.url, SECRET)}, timeout_s=5)
    sender = WebhookSender(store, targets, clock=lambda: now[0])
    queue_carrier_events(store, targets, [(LOCKER, records[0])], now[0])
    carrier.answer = lambda received: Answer(503)
    assert sender.deliver_next()
    # Not due again yet: the back-off holds it.
    assert not sender.deliver_next()
    now[0] += 3600
    carrier.answer = lambda received: Answer(204)
    assert sender.deliver_next()
    assert [c.headers["X-Locker-Event-Id"] for c in carrier.received] == [f"{LOCKER}:1"] * 2

    queue_carrier_events(store, targets, [(LOCKER, records[2])], now[0])
    carrier.answer = lambda received: Answer(410)
    assert sender.deliver_next()
    now[0] += 10 * 3600
    assert not sender.deliver_next()
    assert len(carrier.received) == 3


def test_a_webhook_registered_at_the_centre_takes_over_from_the_settings(
    store: CentreStore, carrier: ProviderServer
) -> None:
    records = a_day_at_the_locker()
    stored_with_zone(store, records, "UTC")
    set_carrier_webhook(store, "acme", carrier.url + "/new", SECRET, 1.0)
    targets = WebhookTargets(store, {"acme": ("http://127.0.0.1:9/old", "old-secret")}, 5)
    queue_carrier_events(store, targets, [(LOCKER, records[0])], 2.0)
    assert WebhookSender(store, targets).deliver_next()
    [call] = carrier.received
    assert call.path == "/new" and verified(call)


def test_two_centre_processes_never_both_send_one_event(
    store: CentreStore, carrier: ProviderServer
) -> None:
    previous: AuditRecord | None = None
    records = []
    for n in range(20):
        previous = seal(
            previous,
            "2025-03-01T06:05:09+00:00",
            "system",
            "parcel.shut_in",
            f"AC{n:09d}CN",
            {"parcel_id": n, "compartment": "A01", "carrier": "acme"},
        )
        records.append(previous)
    stored_with_zone(store, records, "UTC")
    targets = WebhookTargets(store, {"acme": (carrier.url, SECRET)}, timeout_s=5)
    queue_carrier_events(store, targets, [(LOCKER, r) for r in records], 2.0)
    other = CentreStore(store.engine.url.render_as_string(hide_password=False))
    senders = [WebhookSender(store, targets), WebhookSender(other, targets)]
    start = threading.Barrier(2)

    def drain(sender: WebhookSender) -> None:
        start.wait()
        while sender.deliver_next():
            pass

    threads = [threading.Thread(target=drain, args=(s,)) for s in senders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    other.close()
    ids = [c.headers["X-Locker-Event-Id"] for c in carrier.received]
    assert sorted(ids) == sorted(f"{LOCKER}:{n}" for n in range(1, 21))


def test_a_locker_state_with_a_strange_zone_falls_back_to_utc(
    store: CentreStore, carrier: ProviderServer
) -> None:
    records = a_day_at_the_locker()
    stored_with_zone(store, records, "Mars/Olympus_Mons\x00")
    targets = WebhookTargets(store, {"acme": (carrier.url, SECRET)}, timeout_s=5)
    queue_carrier_events(store, targets, [(LOCKER, records[0])], 2.0)
    WebhookSender(store, targets).deliver_next()
    [call] = carrier.received
    assert json.loads(call.body)["at"] == "2025-03-01T06:05:09+00:00"


def test_the_centre_also_tells_of_pre_advice_no_space_and_reminders(
    store: CentreStore, carrier: ProviderServer
) -> None:
    expected = seal(
        None,
        "2025-03-01T01:00:00+00:00",
        "remote:centre",
        "parcel.expected",
        "AC123456789CN",
        {"parcel_id": 1, "carrier": "acme", "tracking": "AC123456789CN", "size": "M"},
    )
    no_space = seal(
        expected,
        "2025-03-01T02:00:00+00:00",
        "courier:1",
        "parcel.no_space",
        "AC123456789CN",
        {"parcel_id": 1, "carrier": "acme", "tracking": "AC123456789CN", "offered": None},
    )
    reminded = seal(
        no_space,
        "2025-03-02T02:00:00+00:00",
        "system",
        "parcel.reminded",
        "AC123456789CN",
        {"parcel_id": 1, "compartment": "B02", "carrier": "acme", "stage": "after_notice"},
    )
    records = [expected, no_space, reminded]
    stored_with_zone(store, records, "UTC")
    targets = WebhookTargets(store, {"acme": (carrier.url, SECRET)}, timeout_s=5)
    assert queue_carrier_events(store, targets, [(LOCKER, r) for r in records], 2.0) == 3
    sender = WebhookSender(store, targets)
    while sender.deliver_next():
        pass
    shown = [(c.json()["type"], c.json()["state"], c.json()["door"]) for c in carrier.received]
    assert shown == [
        ("parcel.expected", "expected", None),
        ("parcel.no_space", "expected", None),
        ("parcel.reminded", "deposited", "B02"),
    ]
