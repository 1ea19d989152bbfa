"""`locker parcels`, `expire`, `reissue`, `backup` and `purge` on a demo locker."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from locker.domain.qr_payload import QrVerdict
from locker.services.collect_parcel import collect_by_code, collect_by_qr
from locker.services.errors import CodeRejectedError
from locker.services.remote_actions import RemoteAction, run_remote_action
from locker.store import SqliteStore
from tests.cli.conftest import DEMO_PHONES, DemoOutput, LockerCli, assert_clean_failure

LONG_AGO = "2000-01-01T00:00:00.000000+00:00"


def refusal(ctx, collect, code: str) -> QrVerdict:
    """The verdict with which a code or QR is refused; fails if it opens a door."""
    with pytest.raises(CodeRejectedError) as refused:
        collect(ctx, code)
    return refused.value.verdict


# --- parcels ------------------------------------------------------------------------------------


def test_parcels_lists_every_parcel_newest_first_with_masked_phones(
    ready: LockerCli, demo: DemoOutput
):
    lines = ready.ok("parcels").stdout.splitlines()

    assert lines[0].split() == [
        "id",
        "tracking",
        "carrier",
        "state",
        "compartment",
        "phone",
        "expires_at",
    ]
    rows = [line.split() for line in lines[1:]]
    assert [row[1] for row in rows] == [p.tracking for p in reversed(demo.parcels)]
    by_tracking = {row[1]: row for row in rows}
    assert "138****8001" in by_tracking["SF1000000001"]
    assert "139****9003" in by_tracking["JD2000000001"]
    assert "expired" in by_tracking["SF1000000003"]


def test_parcels_json_prints_one_object_a_line_with_masked_phones(
    ready: LockerCli, demo: DemoOutput
):
    rows = [json.loads(line) for line in ready.ok("parcels", "--json").stdout.splitlines()]

    assert len(rows) == 5
    assert {r["tracking"]: r["phone"] for r in rows} == {
        "SF1000000001": "138****8001",
        "SF1000000002": "138****8002",
        "JD2000000001": "139****9003",
        "JD2000000002": "138****8001",
        "SF1000000003": "137****7004",
    }
    assert {r["tracking"]: r["compartment"] for r in rows} == {
        p.tracking: p.door for p in demo.parcels
    }


@pytest.mark.parametrize("args", [[], ["--json"], ["--state", "deposited"]])
def test_no_listing_of_parcels_shows_a_full_phone_number(
    ready: LockerCli, demo: DemoOutput, args: list[str]
):
    output = ready.ok("parcels", *args).output
    assert not [phone for phone in DEMO_PHONES if phone in output]


def test_parcels_state_filters_and_can_be_repeated(ready: LockerCli, demo: DemoOutput):
    expired = [
        json.loads(line)
        for line in ready.ok("parcels", "--json", "--state", "expired").stdout.splitlines()
    ]
    both = ready.ok("parcels", "--json", "--state", "expired", "--state", "deposited")

    assert [r["tracking"] for r in expired] == ["SF1000000003"]
    assert len(both.stdout.splitlines()) == 5
    assert ready.ok("parcels", "--state", "collected").stdout.splitlines()[1:] == []
    assert_clean_failure(ready.run("parcels", "--state", "lost"), "'lost' is not one of")


# --- expire -------------------------------------------------------------------------------------


def test_expire_reports_the_parcels_whose_pickup_window_has_passed(
    ready: LockerCli, demo: DemoOutput
):
    # The demo already expired its overdue parcel: nothing is left to do.
    assert ready.ok("expire").stdout.strip() == "0 parcel(s) expired"
    ready.sql("UPDATE parcels SET expires_at = ? WHERE tracking = 'JD2000000001'", [LONG_AGO])

    result = ready.ok("expire")

    assert result.stdout.splitlines() == ["1 parcel(s) expired", "  JD2000000001"]
    states = {
        r["tracking"]: r["state"]
        for r in map(json.loads, ready.ok("parcels", "--json").stdout.splitlines())
    }
    assert states == {
        "SF1000000001": "deposited",
        "SF1000000002": "deposited",
        "JD2000000001": "expired",
        "JD2000000002": "deposited",
        "SF1000000003": "expired",
    }
    assert ready.ok("expire").stdout.strip() == "0 parcel(s) expired"
    with ready.context() as ctx:
        code = demo.parcel("JD2000000001").code
        assert refusal(ctx, collect_by_code, code) is QrVerdict.EXPIRED


def test_expire_ends_the_holds_whose_time_ran_out(ready: LockerCli, demo: DemoOutput):
    with ready.context() as ctx:
        args = {
            "hold": "R-1",
            "carrier": "JD",
            "size": "S",
            "count": 1,
            "expires_at": int(ctx.clock.now().timestamp()) + 3600,
        }
        run_remote_action(ctx, RemoteAction("hold", args, "centre", ()), 3)
    assert ready.ok("expire").stdout.splitlines() == ["0 parcel(s) expired"]
    ready.sql("UPDATE holds SET expires_at = ? WHERE hold_id = 'R-1'", [LONG_AGO])

    assert ready.ok("expire").stdout.splitlines() == [
        "0 parcel(s) expired",
        "1 hold(s) ended",
        "  R-1",
    ]
    with ready.context() as ctx:
        assert [r.action for r in ctx.store.audit_records()][-1] == "hold.expired"


def test_expire_also_cancels_pre_advice_whose_parcel_never_came(ready: LockerCli, demo: DemoOutput):
    from locker.services.preadvise_parcel import preadvise_parcel, read_preadvice

    advice = {
        "carrier": "SF Express",
        "tracking": "SF7306200001",
        "phone": "13812345678",
        "size": "M",
        "expected_at": 946684800,  # 2000-01-01: long past its grace
    }
    with ready.context() as ctx:
        preadvise_parcel(ctx, read_preadvice(advice, ctx.clock.now()), "remote:centre")

    result = ready.ok("expire")

    assert result.stdout.splitlines() == [
        "0 parcel(s) expired",
        "1 pre-advice(s) cancelled",
        "  SF7306200001",
    ]
    cancelled = ready.ok("parcels", "--json", "--state", "cancelled").stdout.splitlines()
    assert [json.loads(line)["tracking"] for line in cancelled] == ["SF7306200001"]
    assert ready.ok("expire").stdout.strip() == "0 parcel(s) expired"


# --- reissue ------------------------------------------------------------------------------------


def parse_reissue(stdout: str) -> tuple[str, str, str, str]:
    """(tracking, door, code, qr) from `locker reissue` output."""
    tracking, _, door, _, code, _, qr = stdout.split()
    return tracking, door, code, qr


def test_reissue_prints_a_new_code_and_only_the_new_code_opens_the_door(
    ready: LockerCli, demo: DemoOutput
):
    old = demo.parcel("SF1000000001")
    [expires_before] = ready.query(
        "SELECT expires_at FROM parcels WHERE tracking = ?", [old.tracking]
    )

    tracking, door, code, qr = parse_reissue(ready.ok("reissue", old.tracking).stdout)

    assert (tracking, door) == (old.tracking, old.door)
    assert code != old.code and qr != old.qr
    # The pickup deadline does not move with a new code.
    assert ready.query("SELECT expires_at FROM parcels WHERE tracking = ?", [tracking]) == [
        expires_before
    ]
    with ready.context() as ctx:
        assert refusal(ctx, collect_by_qr, old.qr) is QrVerdict.REPLACED
        assert refusal(ctx, collect_by_code, old.code) is QrVerdict.UNKNOWN
        assert collect_by_code(ctx, code).compartment == old.door


def test_a_reissued_qr_opens_the_door(ready: LockerCli, demo: DemoOutput):
    _, door, _, qr = parse_reissue(ready.ok("reissue", "jd2000000001 ").stdout)
    with ready.context() as ctx:
        assert collect_by_qr(ctx, qr).compartment == door == demo.parcel("JD2000000001").door


@pytest.mark.parametrize(
    ("tracking", "message"),
    [("SF1000000003", "is expired: no code to reissue"), ("XX999", "no parcel XX999")],
    ids=["expired", "unknown"],
)
def test_reissue_refuses_a_parcel_that_has_no_live_code(
    ready: LockerCli, demo: DemoOutput, tracking: str, message: str
):
    assert_clean_failure(ready.run("reissue", tracking), message)


# --- backup -------------------------------------------------------------------------------------


def test_backup_writes_a_copy_that_opens_and_holds_the_same_parcels(
    ready: LockerCli, demo: DemoOutput, tmp_path: Path
):
    copy = tmp_path / "backups" / "copy.db"

    result = ready.ok("backup", str(copy))

    assert str(copy) in result.output
    with SqliteStore(ready.db) as live, SqliteStore(copy) as restored:
        assert restored.parcels() == live.parcels()
        assert restored.locker() == live.locker()
        assert list(restored.audit_records()) == list(live.audit_records())
    # The copy is a working locker: its audit chain holds and the printed codes open its doors.
    restored_cli = LockerCli(ready.runner, copy)
    restored_cli.ok("audit", "verify")
    with restored_cli.context() as ctx:
        parcel = demo.parcel("SF1000000002")
        assert collect_by_code(ctx, parcel.code).compartment == parcel.door


@pytest.mark.parametrize("existing", ["other", "live"])
def test_backup_refuses_to_overwrite_an_existing_file(
    ready: LockerCli, demo: DemoOutput, tmp_path: Path, existing: str
):
    target = tmp_path / "precious.db" if existing == "other" else ready.db
    if existing == "other":
        target.write_bytes(b"last week's backup")
    before = target.read_bytes()

    result = ready.run("backup", str(target))

    assert_clean_failure(result, "exists already")
    assert target.read_bytes() == before


# --- purge --------------------------------------------------------------------------------------


def collect(ready: LockerCli, demo: DemoOutput, tracking: str) -> None:
    """A recipient takes the parcel out with the printed code."""
    with ready.context() as ctx:
        collect_by_code(ctx, demo.parcel(tracking).code)


def phones(ready: LockerCli) -> dict[str, str | None]:
    return dict(ready.query("SELECT tracking, recipient_phone FROM parcels"))


def test_purge_erases_the_phone_of_a_parcel_finished_past_the_retention(
    ready: LockerCli, demo: DemoOutput
):
    collect(ready, demo, "SF1000000001")
    ready.sql("UPDATE parcels SET finished_at = ? WHERE tracking = 'SF1000000001'", [LONG_AGO])

    result = ready.ok("purge")

    assert result.stdout.strip() == "personal data erased from 1 parcel(s)"
    assert phones(ready) == {
        "SF1000000001": None,
        # The same recipient's parcel still waiting keeps its number.
        "JD2000000002": "13800138001",
        "SF1000000002": "13800138002",
        "JD2000000001": "13900139003",
        "SF1000000003": "13700137004",
    }
    [[parcel_id]] = ready.query("SELECT id FROM parcels WHERE tracking = 'SF1000000001'")
    assert ready.query("SELECT recipient FROM outbox WHERE parcel_id = ?", [parcel_id]) == [(None,)]


def test_purge_keeps_the_phone_of_a_recently_finished_parcel(ready: LockerCli, demo: DemoOutput):
    collect(ready, demo, "SF1000000001")
    before = phones(ready)

    result = ready.ok("purge")

    assert result.stdout.strip() == "personal data erased from 0 parcel(s)"
    assert phones(ready) == before
    assert before["SF1000000001"] == "13800138001"


def test_purge_is_audited(ready: LockerCli, demo: DemoOutput):
    ready.ok("purge")
    [[action]] = ready.query("SELECT action FROM audit_log ORDER BY seq DESC LIMIT 1")
    assert action == "personal_data.purged"
