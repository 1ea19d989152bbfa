"""A message keeps the plain pickup code and QR only while they can still be of use to send."""

from __future__ import annotations

import json

import pytest

from locker.domain.states import ParcelState
from locker.services.cancel_deposit import cancel_deposit
from locker.services.collect_parcel import collect_by_code
from locker.services.expire_overdue import expire_overdue
from locker.services.reissue_code import reissue_code
from locker.store import SqliteStore
from locker.store.codec import parse_time
from locker.store.connection import connect
from locker.store.migrations import apply_migrations

PLAIN = ("code", "qr")


def payloads(ctx, parcel_id: int) -> list[dict]:
    return [json.loads(m["payload"]) for m in ctx.store.outbox() if m["parcel_id"] == parcel_id]


def assert_erased(payload: dict) -> None:
    assert not set(PLAIN) & set(payload), payload


def test_a_waiting_parcels_message_keeps_its_code_until_sent(ctx, courier):
    receipt = courier.deposit()
    [message] = ctx.store.outbox()
    assert json.loads(message["payload"])["code"] == receipt.code
    ctx.store.message_sent(message["id"], "receipt", ctx.clock.now())
    [sent] = ctx.store.outbox()
    assert sent["status"] == "sent"
    assert parse_time(sent["sent_at"]) == ctx.clock.now()
    assert_erased(json.loads(sent["payload"]))
    assert receipt.code not in sent["payload"] and receipt.qr not in sent["payload"]


def test_cancelling_erases_the_code_from_every_message_sent_or_not(ctx, courier):
    receipt = courier.deposit()
    [first] = ctx.store.outbox()
    ctx.store.message_sent(first["id"], "receipt", ctx.clock.now())
    reissue_code(ctx, "admin:admin", receipt.parcel.tracking)
    ctx.store.cancel_notifications(receipt.parcel.id)
    assert [m["status"] for m in ctx.store.outbox()] == ["sent", "cancelled"]
    for payload in payloads(ctx, receipt.parcel.id):
        assert_erased(payload)


def test_other_parcels_messages_are_untouched(ctx, courier):
    mine = courier.deposit("SF0000000001")
    other = courier.deposit("SF0000000002")
    ctx.store.cancel_notifications(mine.parcel.id)
    [payload] = payloads(ctx, other.parcel.id)
    assert payload["code"] == other.code


def collect(ctx, courier):
    receipt = courier.deposit()
    collect_by_code(ctx, receipt.code)
    return receipt


def cancel(ctx, courier):
    receipt = courier.deposit()
    cancel_deposit(ctx, courier.id, receipt.parcel.tracking)
    courier.close(receipt.compartment, item_present=False)  # the courier took it back out
    return receipt


def expire(ctx, courier):
    receipt = courier.deposit()
    ctx.clock.advance(hours=73)
    assert expire_overdue(ctx)
    return receipt


@pytest.mark.parametrize("leave", [collect, cancel, expire], ids=lambda f: f.__name__)
def test_a_parcel_that_leaves_deposited_leaves_no_code_in_the_outbox(ctx, courier, leave):
    receipt = leave(ctx, courier)
    assert ctx.store.parcel(receipt.parcel.id).state is not ParcelState.DEPOSITED
    # The deposit's message, and for an expiry the notice that the parcel goes back.
    payload, *notices = payloads(ctx, receipt.parcel.id)
    assert all(not set(PLAIN) & set(notice) for notice in notices)
    assert_erased(payload)


def test_a_reissued_code_is_the_only_one_left(ctx, courier):
    receipt = courier.deposit()
    new = reissue_code(ctx, "admin:admin", receipt.parcel.tracking)
    old, fresh = payloads(ctx, receipt.parcel.id)
    assert_erased(old)
    assert (fresh["code"], fresh["qr"]) == (new.code, new.qr)


def test_a_parcel_moved_out_of_deposited_by_any_path_loses_its_codes(ctx, courier):
    receipt = courier.deposit()
    ctx.store.set_parcel_state(receipt.parcel.id, ParcelState.DISPUTED, ctx.clock.now())
    [payload] = payloads(ctx, receipt.parcel.id)
    assert_erased(payload)


def test_the_upgrade_erases_codes_left_behind_by_older_versions(tmp_path):
    path = tmp_path / "old.db"
    old = connect(path)
    apply_migrations(old, stop_before="m005_outbox_erasure")
    old.execute(
        "INSERT INTO locker (key, locker_id, name, secret, created_at) "
        "VALUES (1, 'OLD-1', 'Old locker', ?, '2025-01-01T00:00:00+00:00')",
        [b"k".hex()],
    )
    rows = [  # (parcel state, message status): which keep their codes
        ("collected", "pending"),
        ("cancelled", "cancelled"),
        ("deposited", "sent"),
        ("deposited", "cancelled"),
        ("deposited", "pending"),
    ]
    for n, (state, status) in enumerate(rows, start=1):
        old.execute(
            "INSERT INTO parcels (id, tracking, carrier, state, created_at) "
            "VALUES (?, ?, 'SF', ?, '2025-01-01T00:00:00+00:00')",
            [n, f"SF{n}", state],
        )
        payload = {"tracking": f"SF{n}", "code": f"1234567{n}", "qr": f"LK1:OLD-1:{n}"}
        old.execute(
            "INSERT INTO outbox (kind, parcel_id, recipient, payload, status, created_at) "
            "VALUES ('deposited', ?, '13812345678', ?, ?, '2025-01-01T00:00:00+00:00')",
            [n, json.dumps(payload), status],
        )
    old.close()
    with SqliteStore(path) as store:
        assert "m005_outbox_erasure" in store.migrated
        kept = [set(PLAIN) <= set(json.loads(m["payload"])) for m in store.outbox()]
        tracking = [json.loads(m["payload"])["tracking"] for m in store.outbox()]
    assert kept == [False, False, False, False, True]
    assert tracking == ["SF1", "SF2", "SF3", "SF4", "SF5"]
