"""The centre's store: lockers, their audit events, and alarms, over SQLAlchemy Core.

SQLite by default; the same statements run on PostgreSQL. Every write is one transaction.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, bindparam, create_engine, event, func, select, update
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import OperationalError

from locker.centre.row_locks import lock_key
from locker.centre.schema import SCHEMA_VERSION, alarms, events, lockers, metadata, schema_version
from locker.centre.upsert import insert_if_new, insert_new
from locker.domain.audit_chain import GENESIS_HASH, AuditRecord, canonical

VERIFY_BATCH = 1000
# Statuses read in one query (a restarted centre hears every locker's at once).
STATUS_READS = 500
MIGRATE_ATTEMPTS = 5
# PostgreSQL through psycopg 3, whichever of its URL spellings the setting uses.
POSTGRES_DRIVER = "postgresql+psycopg"


@dataclass(frozen=True)
class Stored:
    """What one batch of events changed: each locker's contiguous cursor, and any forks seen."""

    stored_through: dict[str, int]
    forks: list[tuple[str, int]]


@dataclass(frozen=True)
class ChainProblem:
    """Where a locker's stored chain does not hold."""

    locker_id: str
    seq: int
    reason: str


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def database_url(url: str) -> str:
    """The URL with PostgreSQL's driver named: `postgresql://` means psycopg 3 here."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername=POSTGRES_DRIVER)
    return parsed.render_as_string(hide_password=False)


def open_engine(url: str) -> Engine:
    """An engine for the URL; SQLite gets WAL, full sync and a busy timeout on every connection,
    PostgreSQL a check of each pooled connection before use (the server may have restarted)."""
    url = database_url(url)
    if make_url(url).get_backend_name() == "postgresql":
        return create_engine(url, pool_pre_ping=True)
    engine = create_engine(url)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _next_run(cursor: Any, seqs: list[int]) -> int | None:
    """The last seq when `seqs` are exactly the records after the stored cursor and the centre
    holds none beyond it; None when the slow path must look (a gap, a resend, a fork)."""
    stored = int(cursor.stored_seq)
    if int(cursor.highest_seen_seq) > stored:
        return None
    ordered = sorted(seqs)
    if ordered != list(range(stored + 1, stored + 1 + len(ordered))):
        return None
    return ordered[-1]


class CentreStore:
    """The centre's tables, migrated on open."""

    def __init__(self, url: str) -> None:
        self.engine = open_engine(url)
        self._migrate()

    def close(self) -> None:
        """Release the engine's connections."""
        self.engine.dispose()

    def _migrate(self) -> None:
        """Create what is missing; another centre process may be doing the same at this moment."""
        for attempt in range(MIGRATE_ATTEMPTS):
            try:
                with self.engine.begin() as connection:
                    # PostgreSQL: one process migrates at a time, in one transaction, and the
                    # next finds the tables made. SQLite: the retry below.
                    if connection.dialect.name == "postgresql":
                        lock_key(connection, "schema")
                    metadata.create_all(connection)
                    # create_all makes an index only with its table: a store made before an
                    # index was added gets it here.
                    for table in metadata.sorted_tables:
                        for index in table.indexes:
                            index.create(connection, checkfirst=True)
                    insert_new(connection, schema_version, [{"key": 1, "version": SCHEMA_VERSION}])
                return
            except OperationalError:
                # The other process created a table between our look and our CREATE.
                if attempt == MIGRATE_ATTEMPTS - 1:
                    raise
                time.sleep(0.1 * (attempt + 1))

    def store_events(self, batch: Sequence[tuple[str, AuditRecord]], now: float) -> Stored:
        """Store each (locker, seq) once, and advance each locker's contiguous cursor."""
        forks: list[tuple[str, int]] = []
        with self.engine.begin() as connection:
            touched = sorted({locker_id for locker_id, _ in batch})
            insert_new(connection, lockers, [_new_locker(locker_id) for locker_id in touched])
            # Writers of the same locker's records take turns (PostgreSQL; SQLite has one writer
            # anyway): the next reads the cursor and the records this one stored. The lock
            # leaves the events' foreign-key checks free, and lockers are taken in id order.
            cursors = {
                row.locker_id: row
                for row in connection.execute(
                    select(lockers.c.locker_id, lockers.c.stored_seq, lockers.c.highest_seen_seq)
                    .where(lockers.c.locker_id.in_(touched))
                    .order_by(lockers.c.locker_id)
                    .with_for_update(key_share=True)
                )
            }
            # In one order for every writer, so that two never wait on each other's rows.
            rows = sorted((_event_row(lid, r, now) for lid, r in batch), key=_event_key)
            insert_new(connection, events, rows)
            seqs: dict[str, list[int]] = {}
            for locker_id, record in batch:
                seqs.setdefault(locker_id, []).append(record.seq)
            through: dict[str, int] = {}
            moved: list[dict[str, Any]] = []
            for locker_id in touched:
                run = _next_run(cursors[locker_id], seqs[locker_id])
                if run is not None:
                    # The usual case: the records right after the cursor, and nothing stored
                    # beyond it, so every one was new (no fork) and the cursor moves to the last.
                    through[locker_id] = run
                    moved.append({"id": locker_id, "seq": run})
                    continue
                # One read per locker: what is stored now for the records this batch brought.
                sent = {r.seq: r.hash for lid, r in batch if lid == locker_id}
                found = connection.execute(
                    select(events.c.seq, events.c.hash).where(
                        events.c.locker_id == locker_id, events.c.seq.in_(sent)
                    )
                )
                forks += [(locker_id, row.seq) for row in found if row.hash != sent[row.seq]]
                through[locker_id] = self._advance(connection, locker_id, now)
            if moved:
                connection.execute(
                    update(lockers)
                    .where(lockers.c.locker_id == bindparam("id"))
                    .values(
                        stored_seq=bindparam("seq"),
                        highest_seen_seq=bindparam("seq"),
                        gap_since=None,
                        last_seen=now,
                    ),
                    moved,
                )
        return Stored(through, forks)

    def _advance(self, connection: Connection, locker_id: str, now: float) -> int:
        """Move stored_seq over every record present without a gap; note when a gap appears."""
        row = connection.execute(
            select(lockers.c.stored_seq, lockers.c.gap_since).where(
                lockers.c.locker_id == locker_id
            )
        ).one()
        cursor = int(row.stored_seq)
        while True:
            seqs = connection.execute(
                select(events.c.seq)
                .where(events.c.locker_id == locker_id, events.c.seq > cursor)
                .order_by(events.c.seq)
                .limit(VERIFY_BATCH)
            ).scalars()
            moved = 0
            for seq in seqs:
                if seq != cursor + 1:
                    break
                cursor, moved = seq, moved + 1
            if moved < VERIFY_BATCH:
                break
        highest = connection.execute(
            select(func.max(events.c.seq)).where(events.c.locker_id == locker_id)
        ).scalar_one()
        gap_since = row.gap_since if highest and highest > cursor else None
        if gap_since is None and highest and highest > cursor:
            gap_since = now
        connection.execute(
            update(lockers)
            .where(lockers.c.locker_id == locker_id)
            .values(
                stored_seq=cursor,
                highest_seen_seq=highest or 0,
                gap_since=gap_since,
                last_seen=now,
            )
        )
        return cursor

    def verify_chains(self, locker_ids: Iterable[str]) -> list[ChainProblem]:
        """Check each locker's chain from where it was last verified up to its stored cursor:
        one transaction and three statements for a batch from many lockers."""
        touched = sorted(set(locker_ids))
        if not touched:
            return []
        problems = []
        with self.engine.begin() as connection:
            # In id order, as store_events takes them, so two writers never wait on each other.
            marks = {
                row.locker_id: row
                for row in connection.execute(
                    select(lockers)
                    .where(lockers.c.locker_id.in_(touched), lockers.c.chain_broken_at.is_(None))
                    .order_by(lockers.c.locker_id)
                    .with_for_update(key_share=True)
                )
            }
            unchecked = connection.execute(
                select(events)
                .join(lockers, lockers.c.locker_id == events.c.locker_id)
                .where(
                    events.c.locker_id.in_(list(marks)),
                    events.c.seq > lockers.c.verified_seq,
                    events.c.seq <= lockers.c.stored_seq,
                )
                .order_by(events.c.locker_id, events.c.seq)
            ).all()
            by_locker: dict[str, list[Any]] = {}
            for stored in unchecked:
                by_locker.setdefault(stored.locker_id, []).append(stored)
            changes = []
            for locker_id, rows in by_locker.items():
                row = marks[locker_id]
                seq, prev_hash = int(row.verified_seq), str(row.verified_hash)
                problem = None
                for stored in rows:
                    reason = _link_problem(stored, prev_hash)
                    if reason:
                        problem = ChainProblem(locker_id, int(stored.seq), reason)
                        problems.append(problem)
                        break
                    seq, prev_hash = int(stored.seq), str(stored.hash)
                changes.append(
                    {
                        "id": locker_id,
                        "seq": seq,
                        "hash": prev_hash,
                        "broken": problem.seq if problem else None,
                    }
                )
            if changes:
                connection.execute(
                    update(lockers)
                    .where(lockers.c.locker_id == bindparam("id"))
                    .values(
                        verified_seq=bindparam("seq"),
                        verified_hash=bindparam("hash"),
                        chain_broken_at=bindparam("broken"),
                    ),
                    changes,
                )
        return problems

    def gaps_older_than(self, moment: float) -> list[tuple[str, int]]:
        """(locker, first missing seq) for each gap open since before `moment`."""
        with self.engine.connect() as connection:
            rows = connection.execute(
                select(lockers.c.locker_id, lockers.c.stored_seq).where(
                    lockers.c.gap_since.is_not(None), lockers.c.gap_since <= moment
                )
            )
            return [(row.locker_id, int(row.stored_seq) + 1) for row in rows]

    def note_resend_asked(self, locker_id: str, now: float) -> None:
        """The centre asked the locker for its events again, and waits a grace period anew."""
        with self.engine.begin() as connection:
            connection.execute(
                update(lockers)
                .where(lockers.c.locker_id == locker_id)
                .values(resend_asked_at=now, gap_since=now)
            )

    def raise_alarm(self, locker_id: str, kind: str, detail: str, now: float) -> bool:
        """Open an alarm unless one of the same kind is already open for the locker."""
        with self.engine.begin() as connection:
            # Two processes raising the same alarm at once: the second sees the first's.
            lock_key(connection, f"alarm {locker_id} {kind}")
            open_one = connection.execute(
                select(alarms.c.id).where(
                    alarms.c.locker_id == locker_id,
                    alarms.c.kind == kind,
                    alarms.c.acknowledged_at.is_(None),
                )
            ).first()
            if open_one is not None:
                return False
            connection.execute(
                alarms.insert().values(locker_id=locker_id, kind=kind, detail=detail, raised_at=now)
            )
        return True

    def open_alarms(self) -> list[dict[str, Any]]:
        """Alarms nobody has acknowledged, newest first."""
        with self.engine.connect() as connection:
            rows = connection.execute(
                select(alarms)
                .where(alarms.c.acknowledged_at.is_(None))
                .order_by(alarms.c.raised_at.desc())
            )
            return [dict(row._mapping) for row in rows]

    def note_status(self, locker_id: str, online: bool, now: float) -> bool:
        """The locker's retained status, online or its last will; whether it changed."""
        return bool(self.note_statuses({locker_id: online}, now))

    def note_statuses(self, statuses: Mapping[str, bool], now: float) -> dict[str, bool]:
        """The lockers' statuses; those this call changed.

        Every centre process hears every status: one that changes nothing is only read, and
        of processes storing the same change at once, exactly one is told it made it.
        """
        ids = sorted(statuses)
        stored: dict[str, bool] = {}
        with self.engine.connect() as connection:
            for start in range(0, len(ids), STATUS_READS):
                chunk = ids[start : start + STATUS_READS]
                rows = connection.execute(
                    select(lockers.c.locker_id, lockers.c.online).where(
                        lockers.c.locker_id.in_(chunk)
                    )
                )
                stored.update((row.locker_id, bool(row.online)) for row in rows)
        changed: dict[str, bool] = {}
        for locker_id in ids:
            online = statuses[locker_id]
            if stored.get(locker_id) == online:
                continue
            # One transaction per change, so that no process holds one locker's row while it
            # waits for another's.
            with self.engine.begin() as connection:
                if locker_id not in stored and insert_if_new(
                    connection,
                    lockers,
                    {**_new_locker(locker_id), "online": online, "last_seen": now},
                ):
                    changed[locker_id] = online
                    continue
                moved = connection.execute(
                    update(lockers)
                    .where(lockers.c.locker_id == locker_id, lockers.c.online != online)
                    .values(online=online, last_seen=now)
                ).rowcount
            if moved:
                changed[locker_id] = online
        return changed

    def note_state(self, locker_id: str, state: dict[str, Any], now: float) -> None:
        """The locker's latest retained state snapshot."""
        with self.engine.begin() as connection:
            insert_new(connection, lockers, [_new_locker(locker_id)])
            connection.execute(
                update(lockers)
                .where(lockers.c.locker_id == locker_id)
                .values(state=json.dumps(state, sort_keys=True), state_at=now, last_seen=now)
            )

    def lockers(self) -> list[dict[str, Any]]:
        """Every locker the centre has heard of, by id."""
        with self.engine.connect() as connection:
            rows = connection.execute(select(lockers).order_by(lockers.c.locker_id))
            return [dict(row._mapping) for row in rows]

    def events_of(self, locker_id: str, after: int = 0, limit: int = 100) -> list[AuditRecord]:
        """A locker's stored events after `after`, in sequence order."""
        with self.engine.connect() as connection:
            rows = connection.execute(
                select(events)
                .where(events.c.locker_id == locker_id, events.c.seq > after)
                .order_by(events.c.seq)
                .limit(limit)
            )
            return [_record(row) for row in rows]


def _new_locker(locker_id: str) -> dict[str, Any]:
    return {
        "locker_id": locker_id,
        "online": False,
        "stored_seq": 0,
        "verified_seq": 0,
        "verified_hash": GENESIS_HASH,
        "highest_seen_seq": 0,
    }


def _event_row(locker_id: str, record: AuditRecord, now: float) -> dict[str, Any]:
    return {
        "locker_id": locker_id,
        "seq": record.seq,
        "at": record.at,
        "actor": record.actor,
        "action": record.action,
        "subject": record.subject,
        "details": json.dumps(dict(record.details), sort_keys=True, ensure_ascii=False),
        "prev_hash": record.prev_hash,
        "hash": record.hash,
        "received_at": now,
    }


def _event_key(row: dict[str, Any]) -> tuple[str, int]:
    return row["locker_id"], row["seq"]


def _record(row: Any) -> AuditRecord:
    return AuditRecord(
        int(row.seq),
        row.at,
        row.actor,
        row.action,
        row.subject,
        json.loads(row.details),
        row.prev_hash,
        row.hash,
    )


def _link_problem(row: Any, prev_hash: str) -> str | None:
    """Why a stored record does not follow the one before it, or None when it does."""
    record = _record(row)
    recomputed = hashlib.sha256(
        canonical(
            record.seq,
            record.at,
            record.actor,
            record.action,
            record.subject,
            record.details,
            record.prev_hash,
        )
    ).hexdigest()
    if recomputed != record.hash:
        return f"record {record.seq}'s hash does not match its contents"
    if record.prev_hash != prev_hash:
        return f"record {record.seq} does not link to record {record.seq - 1}"
    return None
