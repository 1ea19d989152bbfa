"""Schema migrations, applied in order on every start and recorded in _sqlite_migrations."""

from __future__ import annotations

import sqlite3

import sqlite_utils
from sqlite_utils import Migrations

migrations = Migrations("locker")


def _run_script(db: sqlite_utils.Database, script: str) -> None:
    """Run statements one by one: executescript would commit the migration's transaction."""
    statement = ""
    for line in script.splitlines(keepends=True):
        statement += line
        if sqlite3.complete_statement(statement):
            db.execute(statement)
            statement = ""
    if statement.strip():
        raise ValueError(f"incomplete SQL statement in migration: {statement!r}")


@migrations()
def m001_core(db: sqlite_utils.Database) -> None:
    """Locker, layout, parcels, people, door journal and the append-only audit log."""
    _run_script(
        db,
        """
        CREATE TABLE locker (
            key INTEGER PRIMARY KEY CHECK (key = 1),
            locker_id TEXT NOT NULL,
            name TEXT NOT NULL,
            address TEXT NOT NULL DEFAULT '',
            secret TEXT NOT NULL,
            audit_head_seq INTEGER NOT NULL DEFAULT 0,
            audit_head_hash TEXT,
            created_at TEXT NOT NULL
        );
        CREATE TABLE buses (
            name TEXT PRIMARY KEY,
            driver TEXT NOT NULL,
            port TEXT,
            baud INTEGER NOT NULL
        );
        CREATE TABLE compartments (
            label TEXT PRIMARY KEY,
            size TEXT NOT NULL CHECK (size IN ('S', 'M', 'L', 'XL')),
            bus TEXT NOT NULL REFERENCES buses(name),
            board INTEGER NOT NULL,
            channel INTEGER NOT NULL,
            low INTEGER NOT NULL DEFAULT 0,
            state TEXT NOT NULL DEFAULT 'free',
            UNIQUE (bus, board, channel)
        );
        CREATE TABLE couriers (
            id INTEGER PRIMARY KEY,
            carrier TEXT NOT NULL,
            name TEXT NOT NULL,
            pin_hash TEXT NOT NULL,
            badge_token_hash TEXT,
            active INTEGER NOT NULL DEFAULT 1,
            created_at TEXT NOT NULL
        );
        CREATE TABLE admins (
            username TEXT PRIMARY KEY,
            password_hash TEXT NOT NULL,
            created_at TEXT NOT NULL
        );
        CREATE TABLE parcels (
            id INTEGER PRIMARY KEY,
            tracking TEXT NOT NULL,
            carrier TEXT NOT NULL,
            state TEXT NOT NULL,
            compartment TEXT,  -- a label, kept as history even after a layout drops it
            recipient_phone TEXT,
            needs_low INTEGER NOT NULL DEFAULT 0,
            size TEXT,
            code_hash TEXT,
            code_serial INTEGER NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL,
            deposited_at TEXT,
            expires_at TEXT,
            finished_at TEXT,
            courier_id INTEGER REFERENCES couriers(id)
        );
        -- A code opens exactly one door: no two deposited parcels may share a code hash.
        CREATE UNIQUE INDEX parcels_live_code ON parcels(code_hash) WHERE state = 'deposited';
        -- One parcel cannot sit in the locker twice.
        CREATE UNIQUE INDEX parcels_live_tracking ON parcels(carrier, tracking)
            WHERE state IN ('expected', 'deposited', 'expired', 'disputed');
        -- And one compartment holds at most one parcel.
        CREATE UNIQUE INDEX parcels_live_compartment ON parcels(compartment)
            WHERE state IN ('deposited', 'expired', 'disputed');
        CREATE TABLE door_ops (
            id INTEGER PRIMARY KEY,
            compartment TEXT NOT NULL,
            purpose TEXT NOT NULL,
            actor TEXT NOT NULL,
            parcel_id INTEGER,
            outcome TEXT NOT NULL DEFAULT 'pending',
            started_at TEXT NOT NULL,
            finished_at TEXT
        );
        CREATE INDEX door_ops_pending ON door_ops(outcome) WHERE outcome = 'pending';
        CREATE TABLE audit_log (
            seq INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            actor TEXT NOT NULL,
            action TEXT NOT NULL,
            subject TEXT NOT NULL,
            details TEXT NOT NULL,
            prev_hash TEXT NOT NULL,
            hash TEXT NOT NULL
        );
        CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
            BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
        CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
            BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
        """,
    )


@migrations()
def m002_outbox_and_failure_budgets(db: sqlite_utils.Database) -> None:
    """The notification outbox, and the failure budgets of the keypad and of each account."""
    _run_script(
        db,
        """
        CREATE TABLE outbox (
            id INTEGER PRIMARY KEY,
            kind TEXT NOT NULL,
            parcel_id INTEGER NOT NULL REFERENCES parcels(id),
            recipient TEXT,
            payload TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'pending',
            created_at TEXT NOT NULL,
            sent_at TEXT
        );
        CREATE TABLE failure_budgets (
            key TEXT PRIMARY KEY,  -- 'keypad', 'courier:<id>' or 'admin:<username>'
            failures TEXT NOT NULL DEFAULT '[]',
            lockouts INTEGER NOT NULL DEFAULT 0,
            locked_until TEXT,
            last_failure TEXT
        );
        """,
    )


@migrations()
def m003_bus_lock_settings(db: sqlite_utils.Database) -> None:
    """Per-bus lock polarity, boards with item sensors, and relay pulse length."""
    _run_script(
        db,
        """
        ALTER TABLE buses ADD COLUMN locked_bit INTEGER NOT NULL DEFAULT 1;
        ALTER TABLE buses ADD COLUMN item_sensor_boards TEXT NOT NULL DEFAULT '[]';
        ALTER TABLE buses ADD COLUMN pulse_ms INTEGER NOT NULL DEFAULT 500;
        """,
    )


@migrations()
def m004_staff_sessions(db: sqlite_utils.Database) -> None:
    """A session version per staff account, so that a session can be ended; badge issue dates.

    Badges issued before this upgrade count as issued now: they get a full validity, not none.
    """
    _run_script(
        db,
        """
        ALTER TABLE couriers ADD COLUMN session_version INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE couriers ADD COLUMN badge_issued_at TEXT;
        UPDATE couriers SET badge_issued_at = strftime('%Y-%m-%dT%H:%M:%S+00:00', 'now')
            WHERE badge_token_hash IS NOT NULL;
        ALTER TABLE admins ADD COLUMN session_version INTEGER NOT NULL DEFAULT 0;
        """,
    )


@migrations()
def m005_outbox_erasure(db: sqlite_utils.Database) -> None:
    """Plain codes and QRs leave the outbox once sent or once their parcel leaves `deposited`."""
    _run_script(
        db,
        """
        UPDATE outbox SET payload = json_remove(payload, '$.code', '$.qr')
            WHERE status != 'pending'
            OR parcel_id IN (SELECT id FROM parcels WHERE state != 'deposited');
        -- Whatever moves a parcel on (collect, cancel, expiry, a dispute, a crash's repair),
        -- the codes that opened its door go with it.
        CREATE TRIGGER outbox_erases_codes_of_parcels_gone AFTER UPDATE OF state ON parcels
            WHEN OLD.state = 'deposited' AND NEW.state != 'deposited'
            BEGIN
                UPDATE outbox SET payload = json_remove(payload, '$.code', '$.qr')
                    WHERE parcel_id = NEW.id;
            END;
        """,
    )


@migrations()
def m006_door_claims(db: sqlite_utils.Database) -> None:
    """One door command in flight per door, parcel and deposit; door reports; pending undos."""
    _run_script(
        db,
        """
        ALTER TABLE door_ops ADD COLUMN tracking TEXT;
        ALTER TABLE compartments ADD COLUMN door_opened_at TEXT;
        ALTER TABLE compartments ADD COLUMN door_closed_at TEXT;
        ALTER TABLE parcels ADD COLUMN undo_requested_at TEXT;
        -- Before the indexes: commands left in flight twice for one door could only come
        -- from a race; the older ones are as interrupted as start-up would find them.
        UPDATE door_ops SET outcome = 'interrupted' WHERE outcome = 'pending' AND id NOT IN
            (SELECT MAX(id) FROM door_ops WHERE outcome = 'pending' GROUP BY compartment);
        UPDATE door_ops SET outcome = 'interrupted' WHERE outcome = 'pending'
            AND parcel_id IS NOT NULL AND id NOT IN (SELECT MAX(id) FROM door_ops
            WHERE outcome = 'pending' AND parcel_id IS NOT NULL GROUP BY parcel_id);
        -- A door is never commanded twice at once, nor a parcel's door, nor one deposit.
        CREATE UNIQUE INDEX door_ops_one_per_door ON door_ops(compartment)
            WHERE outcome = 'pending';
        CREATE UNIQUE INDEX door_ops_one_per_parcel ON door_ops(parcel_id)
            WHERE outcome = 'pending' AND parcel_id IS NOT NULL;
        CREATE UNIQUE INDEX door_ops_one_per_deposit ON door_ops(tracking)
            WHERE outcome = 'pending' AND tracking IS NOT NULL;
        """,
    )


@migrations()
def m007_messages(db: sqlite_utils.Database) -> None:
    """The outbox by channel, with retries; the recipient's e-mail, language and notice time."""
    _run_script(
        db,
        """
        ALTER TABLE outbox ADD COLUMN channel TEXT;
        ALTER TABLE outbox ADD COLUMN message_id TEXT;
        ALTER TABLE outbox ADD COLUMN language TEXT NOT NULL DEFAULT 'zh';
        ALTER TABLE outbox ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE outbox ADD COLUMN next_attempt_at TEXT;
        ALTER TABLE outbox ADD COLUMN last_error TEXT;
        ALTER TABLE outbox ADD COLUMN receipt TEXT;
        ALTER TABLE outbox ADD COLUMN audit_seq INTEGER;
        -- Before channels, a phone number was the only way to reach a recipient.
        UPDATE outbox SET channel = 'sms' WHERE channel IS NULL;
        UPDATE outbox SET message_id = 'outbox-' || id WHERE message_id IS NULL;
        CREATE UNIQUE INDEX outbox_message_id ON outbox(message_id);
        CREATE INDEX outbox_due ON outbox(status, next_attempt_at);
        ALTER TABLE parcels ADD COLUMN recipient_email TEXT;
        ALTER TABLE parcels ADD COLUMN language TEXT;
        ALTER TABLE parcels ADD COLUMN notified_at TEXT;
        ALTER TABLE parcels ADD COLUMN shut_in_at TEXT;
        """,
    )


@migrations()
def m008_uplink(db: sqlite_utils.Database) -> None:
    """The centre's acknowledged audit cursor, and the remote commands seen, with their results."""
    _run_script(
        db,
        """
        CREATE TABLE uplink (
            key INTEGER PRIMARY KEY CHECK (key = 1),
            acked_seq INTEGER NOT NULL DEFAULT 0
        );
        INSERT INTO uplink (key, acked_seq) VALUES (1, 0);
        CREATE TABLE remote_commands (
            nonce TEXT PRIMARY KEY,
            forget_after INTEGER NOT NULL,
            action TEXT NOT NULL,
            operator TEXT NOT NULL,
            received_at TEXT NOT NULL,
            result TEXT,
            published INTEGER NOT NULL DEFAULT 0
        );
        CREATE INDEX remote_commands_forget ON remote_commands(forget_after);
        CREATE INDEX remote_commands_unpublished ON remote_commands(published)
            WHERE result IS NOT NULL AND published = 0;
        """,
    )


def apply_migrations(db: sqlite_utils.Database, stop_before: str | None = None) -> list[str]:
    """Apply what is pending; returns the names applied."""
    pending = [m.name for m in migrations.pending(db)]
    migrations.apply(db, stop_before=stop_before)
    applied = {m.name for m in migrations.applied(db)}
    return [name for name in pending if name in applied]


@migrations()
def m009_expected_parcels(db: sqlite_utils.Database) -> None:
    """Carriers' pre-advice: when a parcel is expected, when a courier last found no room for it,
    and a carrier's parcels found by tracking number."""
    _run_script(
        db,
        """
        ALTER TABLE parcels ADD COLUMN expected_at TEXT;
        ALTER TABLE parcels ADD COLUMN no_space_at TEXT;
        CREATE INDEX parcels_carrier_tracking ON parcels(carrier, tracking);
        -- The sweep that cancels pre-advice never deposited reads only these.
        CREATE INDEX parcels_expected ON parcels(expected_at) WHERE state = 'expected';
        """,
    )


@migrations()
def m010_holds(db: sqlite_utils.Database) -> None:
    """Carriers' holds on doors: a count of free doors of one size, kept until they end."""
    _run_script(
        db,
        """
        CREATE TABLE holds (
            hold_id TEXT PRIMARY KEY,
            carrier TEXT NOT NULL,
            size TEXT NOT NULL CHECK (size IN ('S', 'M', 'L', 'XL')),
            count INTEGER NOT NULL CHECK (count > 0),
            used INTEGER NOT NULL DEFAULT 0,
            expires_at TEXT NOT NULL,
            created_at TEXT NOT NULL,
            ended_at TEXT,
            ended_how TEXT CHECK (ended_how IN ('released', 'expired', 'used_up'))
        );
        CREATE INDEX holds_open ON holds(created_at) WHERE ended_at IS NULL;
        """,
    )


@migrations()
def m011_fleet_couriers(db: sqlite_utils.Database) -> None:
    """Fleet couriers, granted by the centre: the revision of the grant a row holds (NULL for
    the locker's own couriers, whose ids stay below the fleet's)."""
    _run_script(db, "ALTER TABLE couriers ADD COLUMN fleet_revision INTEGER;\n")
