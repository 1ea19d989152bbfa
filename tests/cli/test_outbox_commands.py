"""`locker outbox list` and `locker outbox retry` on a demo locker whose SMS gateway is down.

`locker demo` deposits its parcels as couriers would: each recipient's SMS waits in the outbox
(no command sends one). A try through a channel that refuses makes a message fail, as the
running locker's worker would record it.
"""

from __future__ import annotations

import json

import pytest

from locker.message_channel import DeliveryError
from locker.services.context import LockerContext
from locker.services.deliver_messages import deliver_next
from tests.cli.conftest import DEMO_PHONES, DemoOutput, LockerCli, assert_clean_failure
from tests.support.channels import RecordingChannel

HEADER = [
    "id",
    "kind",
    "channel",
    "status",
    "attempts",
    "recipient",
    "created_at",
    "next_attempt_at",
    "sent_at",
    "last_error",
]


def listed(locker: LockerCli, *args: str) -> list[dict]:
    return [
        json.loads(line)
        for line in locker.ok("outbox", "list", "--json", *args).stdout.splitlines()
    ]


def fail_next(locker: LockerCli, error: str) -> int:
    """The gateway refuses the next due message for good; returns its id."""
    refusing = RecordingChannel("sms", failing=DeliveryError(error, permanent=True))
    with locker.context() as ctx:
        tried = deliver_next(LockerContext(ctx.store, ctx.board, channels={"sms": refusing}))
    assert tried is not None
    return tried.id


def test_outbox_list_shows_every_message_newest_first(ready: LockerCli, demo: DemoOutput):
    lines = ready.ok("outbox", "list").stdout.splitlines()

    assert lines[0].split() == HEADER
    ids = [int(line.split()[0]) for line in lines[1:]]
    assert ids == sorted(ids, reverse=True)
    assert ids == [row["id"] for row in listed(ready)]
    assert len(ids) == len(ready.query("SELECT id FROM outbox"))


def test_outbox_list_json_gives_each_message_its_state_and_a_masked_recipient(
    ready: LockerCli, demo: DemoOutput
):
    rows = listed(ready)

    assert {tuple(row) for row in rows} == {tuple(HEADER)}
    waiting = [r for r in rows if r["kind"] == "deposited" and r["status"] == "pending"]
    assert {r["recipient"] for r in waiting} == {"138****8001", "138****8002", "139****9003"}
    assert all(r["channel"] == "sms" and r["attempts"] == 0 for r in rows)
    assert all(r["sent_at"] is None and r["last_error"] is None for r in rows)
    # Times are the locker's (Asia/Shanghai by default), with their offset.
    assert all(r["created_at"].endswith("+08:00") for r in rows)


@pytest.mark.parametrize(
    ("state", "kinds"),
    [
        ("pending", ["expired", "deposited", "deposited", "deposited", "deposited"]),
        ("cancelled", ["deposited"]),
        ("failed", []),
        ("sent", []),
        ("held", []),
    ],
)
def test_outbox_list_state_keeps_the_messages_in_that_state(
    ready: LockerCli, demo: DemoOutput, state: str, kinds: list[str]
):
    rows = listed(ready, "--state", state)

    assert [r["kind"] for r in rows] == kinds
    assert {r["status"] for r in rows} <= {state}


@pytest.mark.parametrize("args", [[], ["--json"], ["--state", "failed"], ["--state", "pending"]])
def test_no_listing_of_the_outbox_shows_a_code_or_a_phone_number(
    ready: LockerCli, demo: DemoOutput, args: list[str]
):
    [[payload]] = ready.query("SELECT payload FROM outbox ORDER BY id LIMIT 1")
    fail_next(ready, f"number 13800138001 rejected code {json.loads(str(payload))['code']}")
    codes = [p.code for p in demo.parcels] + [p.qr for p in demo.parcels]

    output = ready.ok("outbox", "list", *args).output

    assert not [phone for phone in DEMO_PHONES if phone in output]
    assert not [code for code in codes if code in output]


def test_a_providers_error_is_listed_without_the_recipient_or_the_code(
    ready: LockerCli, demo: DemoOutput
):
    [[first_id, payload]] = ready.query(
        "SELECT id, payload FROM outbox WHERE status = 'pending' ORDER BY id LIMIT 1"
    )
    code = json.loads(str(payload))["code"]
    failed = fail_next(ready, f"isv.MOBILE_NUMBER_ILLEGAL 13800138001 code={code}\r\nx")

    [row] = listed(ready, "--state", "failed")

    assert failed == first_id == row["id"]
    assert (
        row["last_error"] == f"isv.MOBILE_NUMBER_ILLEGAL 138****8001 code={'*' * len(code)}\\r\\nx"
    )
    assert row["status"] == "failed" and row["attempts"] == 1


def test_retry_puts_a_failed_message_back_in_the_queue_from_its_first_try(
    ready: LockerCli, demo: DemoOutput
):
    failed = fail_next(ready, "template rejected")

    result = ready.ok("outbox", "retry", str(failed))

    assert result.stdout.strip() == f"message {failed} queued again"
    [row] = [r for r in listed(ready) if r["id"] == failed]
    assert (row["status"], row["attempts"]) == ("pending", 0)
    assert ready.query("SELECT actor, subject FROM audit_log WHERE action = 'message.resend'") == [
        ("cli", str(failed))
    ]


@pytest.mark.parametrize(
    ("which", "message"),
    [
        ("pending", "is pending: only a failed one is sent again"),
        ("cancelled", "is cancelled: only a failed one is sent again"),
        ("unknown", "no message 9999"),
    ],
)
def test_retry_refuses_any_message_but_a_failed_one_in_one_line(
    ready: LockerCli, demo: DemoOutput, which: str, message: str
):
    ids = {
        status: outbox_id
        for outbox_id, status in ready.query("SELECT id, status FROM outbox ORDER BY id DESC")
    }
    outbox_id = ids.get(which, 9999)
    before = ready.query("SELECT * FROM outbox")

    result = ready.run("outbox", "retry", str(outbox_id))

    assert_clean_failure(result, message.replace("9999", str(outbox_id)))
    assert len(result.output.strip().splitlines()) == 1
    assert ready.query("SELECT * FROM outbox") == before


@pytest.mark.parametrize("argument", ["0", "-1", "99999999999999999999", "x", ""])
def test_retry_refuses_an_id_that_names_no_message(
    ready: LockerCli, demo: DemoOutput, argument: str
):
    assert_clean_failure(ready.run("outbox", "retry", "--", argument))


def test_outbox_list_refuses_a_state_that_does_not_exist(ready: LockerCli, demo: DemoOutput):
    assert_clean_failure(ready.run("outbox", "list", "--state", "lost"), "'lost' is not one of")
