"""The centre's intake: the lockers' streams from a shared subscription, stored, then acknowledged.

Every centre process joins the same shared subscription group, so the broker splits the
lockers' events, states and relayed messages between them. Each batch is stored in one
transaction before any acknowledgement leaves, so a locker's cursor never passes what the
centre holds.

The lockers' statuses are subscribed to by every process, unshared: the MQTT 5 specification
lets a broker give a shared subscription no retained message (EMQX gives none), and a status
is published only when a locker connects, so a centre started after its lockers would never
learn they are online. Every process hears every status; the store tells which process made a
change, and only that one calls the status hook.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from locker.centre.latest_statuses import LatestStatuses
from locker.centre.store import CentreStore
from locker.domain.audit_chain import AuditRecord
from locker.wire import fields
from locker.wire.broker_link import ONLINE, BrokerAddress, BrokerLink
from locker.wire.errors import WireFormatError
from locker.wire.events import ack_bytes, event_from_bytes
from locker.wire.topics import LockerTopics, every_locker, shared

log = logging.getLogger(__name__)

BATCH = 500
BATCH_WAIT_S = 0.02
QUEUE_LIMIT = 200_000
MAX_STATE_BYTES = 65_536
STATUS_WAIT_S = 0.2
# After the store failed to take statuses, before trying them again.
STATUS_RETRY_S = 1.0


@dataclass
class IngestCounts:
    """What this process has taken in, for its health page and the benchmarks."""

    events: int = 0
    malformed: int = 0
    dropped: int = 0
    batches: int = 0
    # Statuses heard and stored (or found stored already), their changes told to the hook.
    statuses: int = 0
    stored_at: dict[tuple[str, int], float] = field(default_factory=dict)


class Ingest:
    """One centre process's share of the lockers' events, statuses and states."""

    def __init__(
        self,
        make_store: Callable[[], CentreStore],
        address: BrokerAddress,
        clock: Callable[[], float] = time.time,
        keep_times: bool = False,
        relay: Callable[[str, bytes], None] | None = None,
        on_stored: Callable[[CentreStore, list[tuple[str, AuditRecord]], float], None]
        | None = None,
        on_status: Callable[[str, bool], None] | None = None,
    ) -> None:
        self._make_store = make_store
        self._clock = clock
        self._keep_times = keep_times
        self._queue: queue.Queue[tuple[str, bytes]] = queue.Queue(QUEUE_LIMIT)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._statuses = LatestStatuses()
        self._status_thread: threading.Thread | None = None
        self.counts = IngestCounts()
        self._relay = relay
        self._on_stored = on_stored
        self._on_status = on_status
        kinds = ["events", "state"] + (["outbox"] if relay else [])
        subscriptions = [shared(kind) for kind in kinds] + [every_locker("status")]
        self.link = BrokerLink(address, subscriptions, self._received)

    def start(self) -> Ingest:
        """Store events and statuses on threads of their own, then connect."""
        self._thread = threading.Thread(target=self._run, name="centre-ingest", daemon=True)
        self._thread.start()
        self._status_thread = threading.Thread(
            target=self._run_statuses, name="centre-statuses", daemon=True
        )
        self._status_thread.start()
        self.link.start()
        return self

    def stop(self) -> None:
        """Disconnect, then store what was already taken in."""
        self.link.stop()
        self._stop.set()
        for thread in (self._thread, self._status_thread):
            if thread is not None:
                thread.join(10)

    def _received(self, topic: str, payload: bytes) -> None:
        """From paho's thread: queue only, so the network loop never waits on the store."""
        parsed = _parse_topic(topic)
        if parsed is not None and parsed[1] == "status":
            self._statuses.put(parsed[0], payload == ONLINE)
            return
        try:
            self._queue.put_nowait((topic, payload))
        except queue.Full:
            # Not acknowledged, so the locker sends it again.
            self.counts.dropped += 1

    def _run(self) -> None:
        store = self._make_store()
        try:
            while not (self._stop.is_set() and self._queue.empty()):
                batch = self._take_batch()
                if batch:
                    try:
                        self._handle(store, batch)
                    except Exception:
                        # Nothing was acknowledged: the lockers will send these again.
                        log.exception("storing a batch failed")
        finally:
            store.close()

    def _run_statuses(self) -> None:
        store = self._make_store()
        try:
            while not self._stop.is_set() or self._statuses.waiting():
                statuses, heard = self._statuses.take(STATUS_WAIT_S)
                if not statuses:
                    continue
                try:
                    changed = store.note_statuses(statuses, self._clock())
                except Exception:
                    log.exception("storing the lockers' statuses failed")
                    if not self._stop.is_set():
                        self._statuses.give_back(statuses)
                        self._stop.wait(STATUS_RETRY_S)
                    continue
                for locker_id, online in changed.items():
                    self._status_changed(locker_id, online)
                self.counts.statuses = heard
        finally:
            store.close()

    def _take_batch(self) -> list[tuple[str, bytes]]:
        try:
            first = self._queue.get(timeout=0.2)
        except queue.Empty:
            return []
        batch = [first]
        deadline = time.monotonic() + BATCH_WAIT_S
        while len(batch) < BATCH:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            try:
                batch.append(self._queue.get(timeout=left))
            except queue.Empty:
                break
        return batch

    def _status_changed(self, locker_id: str, online: bool) -> None:
        """Tell the hook of a change this process stored; its failure never stops the others."""
        if self._on_status is None:
            return
        try:
            self._on_status(locker_id, online)
        except Exception:
            log.exception("the status hook failed for %s", locker_id)

    def _handle(self, store: CentreStore, batch: list[tuple[str, bytes]]) -> None:
        now = self._clock()
        records: list[tuple[str, AuditRecord]] = []
        for topic, payload in batch:
            parsed = _parse_topic(topic)
            if parsed is None:
                self.counts.malformed += 1
                continue
            locker_id, kind = parsed
            try:
                if kind == "events":
                    records.append((locker_id, event_from_bytes(payload)))
                elif kind == "state":
                    store.note_state(locker_id, _state(payload), now)
                elif kind == "outbox" and self._relay is not None:
                    self._relay(locker_id, payload)
            except WireFormatError as error:
                self.counts.malformed += 1
                log.warning("a malformed %s message from %s: %s", kind, locker_id, error)
        if not records:
            return
        stored = store.store_events(records, now)
        self.counts.events += len(records)
        self.counts.batches += 1
        if self._keep_times:
            done = self._clock()
            for locker_id, record in records:
                self.counts.stored_at.setdefault((locker_id, record.seq), done)
        for locker_id, seq in stored.forks:
            store.raise_alarm(
                locker_id,
                "chain_fork",
                f"record {seq} came again with different contents: the locker's history "
                "was rewritten after it was published",
                now,
            )
        if self._on_stored is not None:
            forked = set(stored.forks)
            kept = [(lid, r) for lid, r in records if (lid, r.seq) not in forked]
            # Before the acknowledgement: whatever it keeps comes again if this process dies.
            self._on_stored(store, kept, now)
        for problem in store.verify_chains(stored.stored_through):
            store.raise_alarm(problem.locker_id, "chain_broken", problem.reason, now)
        for locker_id, through in stored.stored_through.items():
            self.link.publish(LockerTopics(locker_id).events_ack, ack_bytes(through))


def _parse_topic(topic: str) -> tuple[str, str] | None:
    """(locker id, kind) for `lockers/{id}/{kind}`, or None for anything else."""
    parts = topic.split("/")
    if len(parts) != 3 or parts[0] != "lockers" or not fields.NAME.fullmatch(parts[1]):
        return None
    return parts[1], parts[2]


def _state(payload: bytes) -> dict[str, object]:
    if len(payload) > MAX_STATE_BYTES:
        raise WireFormatError("a state is at most 64 KiB")
    try:
        decoded = json.loads(payload.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as error:
        raise WireFormatError("a state is a JSON object") from error
    return dict(fields.mapping(decoded, "a state"))
