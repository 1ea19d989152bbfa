"""The audit log is append-only, and any tampering shows in verification."""

from __future__ import annotations

import sqlite3

import pytest

from locker.services.audit_log import verify_audit


def entries(ctx, n=5):
    for i in range(n):
        with ctx.store.transaction():
            ctx.store.append_audit("test", "event", f"s{i}", {"n": i}, ctx.clock.now())


def raw(db_path):
    conn = sqlite3.connect(db_path, isolation_level=None)
    conn.execute("DROP TRIGGER audit_log_no_update")
    conn.execute("DROP TRIGGER audit_log_no_delete")
    return conn


def test_the_database_refuses_to_change_or_delete_audit_records(ctx):
    entries(ctx)
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        ctx.store.db.execute("UPDATE audit_log SET actor = 'x' WHERE seq = 2")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        ctx.store.db.execute("DELETE FROM audit_log WHERE seq = 2")


def test_an_intact_log_verifies(ctx):
    entries(ctx)
    count, broken = verify_audit(ctx)
    assert broken is None and count == len(list(ctx.store.audit_records()))


TAMPERING = {
    "altered": ("UPDATE audit_log SET details = '{\"n\": 99}' WHERE subject = 's2'", "altered"),
    "deleted in the middle": ("DELETE FROM audit_log WHERE subject = 's2'", "missing"),
    "deleted at the end": ("DELETE FROM audit_log WHERE subject = 's4'", "deleted from the end"),
}


@pytest.mark.parametrize("kind", TAMPERING)
def test_tampering_is_found_and_the_first_bad_record_named(ctx, db_path, kind):
    entries(ctx)
    sql, reason = TAMPERING[kind]
    raw(db_path).execute(sql)
    _, broken = verify_audit(ctx)
    assert broken is not None
    assert reason in broken.reason
    assert str(broken.seq) in broken.reason


def test_reordered_records_are_found(ctx, db_path):
    entries(ctx)
    conn = raw(db_path)
    rows = conn.execute(
        "SELECT seq, at, actor, action, subject, details, prev_hash, hash FROM audit_log "
        "WHERE subject IN ('s1', 's2') ORDER BY seq"
    ).fetchall()
    (seq1, *rest1), (seq2, *rest2) = rows
    conn.execute("DELETE FROM audit_log WHERE seq IN (?, ?)", [seq1, seq2])
    insert = "INSERT INTO audit_log VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
    conn.execute(insert, [seq1, *rest2])
    conn.execute(insert, [seq2, *rest1])
    _, broken = verify_audit(ctx)
    assert broken is not None and broken.seq == seq1


def test_a_record_inserted_in_the_middle_is_found_even_with_a_well_formed_hash(ctx, db_path):
    import json

    from locker.domain.audit_chain import seal

    entries(ctx)
    records = list(ctx.store.audit_records())
    at = records[2]
    conn = raw(db_path)
    # Make room by renumbering, then slip in a record sealed onto its predecessor.
    conn.execute("UPDATE audit_log SET seq = -seq WHERE seq >= ?", [at.seq])
    conn.execute("UPDATE audit_log SET seq = 1 - seq WHERE seq < 0")
    forged = seal(records[1], at.at, "admin:mallory", "door.force_open", "A01", {"reason": "x"})
    conn.execute(
        "INSERT INTO audit_log VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            forged.seq,
            forged.at,
            forged.actor,
            forged.action,
            forged.subject,
            json.dumps(forged.details),
            forged.prev_hash,
            forged.hash,
        ],
    )
    _, broken = verify_audit(ctx)
    assert broken is not None
    # The forgery itself is well formed; the renumbered record after it is what gives it away.
    assert broken.seq == at.seq + 1
