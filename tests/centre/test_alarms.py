"""Alarms on the console: the centre's own are closed in its store by an admin; a locker's own
is acknowledged on the locker, by a signed `acknowledge_alarm`."""

from __future__ import annotations

import hashlib

from flask.testing import FlaskClient

from locker.centre import command_log
from locker.centre.clock_watch import check_clocks
from locker.centre.serve import Centre
from locker.domain.audit_chain import GENESIS_HASH, AuditRecord, canonical
from locker.wire.commands import command_from_bytes
from tests.centre.conftest import LOCKER, PASSWORDS, Listener, csrf, form_ids, login

NOW = 1_790_000_000.0


def _record(seq: int, prev: str, action: str, subject: str) -> AuditRecord:
    at, actor, details = "2026-11-30T10:00:00+00:00", "system", {"door": "A03"}
    digest = hashlib.sha256(canonical(seq, at, actor, action, subject, details, prev)).hexdigest()
    return AuditRecord(seq, at, actor, action, subject, details, prev, digest)


def test_a_support_operator_cannot_close_a_chain_alarm_and_an_admin_can(
    client: FlaskClient, centre: Centre
) -> None:
    centre.store.raise_alarm(LOCKER, "chain_fork", "record 3 came again", NOW)
    login(client, "alice")
    page = client.get("/alarms").get_data(as_text=True)
    assert "History rewritten on the locker" in page and "An admin acknowledges" in page
    shown = client.post(
        "/alarms/centre/1",
        data={"csrf_token": csrf(client, "/alarms"), "note": "seen"},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "Only an admin may do that." in shown
    assert len(centre.store.open_alarms()) == 1

    bob = centre.app.test_client()
    login(bob, "bob")
    shown = bob.post(
        "/alarms/centre/1",
        data={"csrf_token": csrf(bob, "/alarms"), "note": "restored from backup"},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "Alarm acknowledged." in shown
    assert centre.store.open_alarms() == []


def test_a_lockers_own_alarm_is_acknowledged_by_a_signed_command(
    client: FlaskClient, centre: Centre, commands_heard: Listener
) -> None:
    first = _record(1, GENESIS_HASH, "locker.initialised", LOCKER)
    alarm = _record(2, first.hash, "alarm.door_opened_without_command", "A03")
    centre.store.store_events([(LOCKER, first), (LOCKER, alarm)], NOW)
    login(client, "alice")
    token, request_id = form_ids(client, "/alarms")
    answer = client.post(
        f"/alarms/locker/{LOCKER}/2",
        data={
            "csrf_token": token,
            "request_id": request_id,
            "note": "door checked",
            "password": PASSWORDS["alice"],
        },
    )

    assert answer.location.startswith("/commands/")
    ((_, payload),) = commands_heard.wait(1)
    command = command_from_bytes(payload).command
    assert command.action == "acknowledge_alarm"
    assert dict(command.args) == {"alarm": 2, "note": "door checked"}
    assert command_log.one(centre.store, command.nonce).status == "sent"

    # The locker's own record of the acknowledgement closes the alarm at the centre too.
    answered = _record(3, alarm.hash, "alarm.acknowledged", "2")
    centre.store.store_events([(LOCKER, answered)], NOW)
    assert "Door opened with no command" not in client.get("/alarms").get_data(as_text=True)


def test_a_locker_clock_far_from_the_centres_raises_one_alarm(centre: Centre) -> None:
    centre.store.note_state(LOCKER, {"clock": NOW + 95}, NOW)
    centre.store.note_state("TEST-02", {"clock": NOW - 10}, NOW)

    assert check_clocks(centre.store, 30, since=NOW - 1, now=NOW) == 1
    assert check_clocks(centre.store, 30, since=NOW - 1, now=NOW) == 0
    (alarm,) = centre.store.open_alarms()
    assert alarm["locker_id"] == LOCKER and alarm["kind"] == "clock_skew"
    assert "95 s ahead" in alarm["detail"]


def test_a_retained_state_read_at_start_up_is_not_judged(centre: Centre) -> None:
    centre.store.note_state(LOCKER, {"clock": NOW - 55}, NOW)
    assert check_clocks(centre.store, 30, since=NOW + 10, now=NOW + 20) == 0
