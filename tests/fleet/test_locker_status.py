"""Every centre process hears every locker's status (no shared subscription, whose retained
messages a broker may withhold), and a locker coming back online is news to one of them."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from locker.centre.ingest import Ingest
from locker.centre.store import CentreStore
from locker.uplink.uplink import Uplink
from tests.fleet.centre_reads import locker_row
from tests.fleet.conftest import centre_address, wait_for
from tests.support.mosquitto import Broker

pytestmark = [pytest.mark.slow, pytest.mark.timeout(60)]

LOCKER = "TEST-01"
Heard = list[tuple[str, str, bool]]


@pytest.fixture
def start_worker(broker: Broker) -> Iterator[Callable[[str, str, Heard], Ingest]]:
    """Start a centre process's intake on a store, telling `heard` each status change it
    makes; all stopped after the test."""
    started: list[Ingest] = []

    def start(name: str, db_url: str, heard: Heard) -> Ingest:
        ingest = Ingest(
            lambda: CentreStore(db_url),
            centre_address(broker, name),
            on_status=lambda locker_id, online: heard.append((name, locker_id, online)),
        ).start()
        started.append(ingest)
        assert ingest.link.subscribed.wait(10)
        return ingest

    yield start
    for ingest in started:
        ingest.stop()


def online(db_url: str) -> bool | None:
    """Whether the store says the locker is online (None: it has not heard of it)."""
    row = locker_row(db_url, LOCKER)
    return None if row is None else bool(row["online"])


def test_each_centre_process_hears_a_status_published_while_it_runs(
    tmp_path: Path,
    start_worker: Callable[[str, str, Heard], Ingest],
    start_uplink: Callable[..., Uplink],
) -> None:
    # Two processes on stores of their own: a status shared between them would reach one.
    stores = [f"sqlite:///{tmp_path / name}.db" for name in ("a", "b")]
    heard: Heard = []
    for name, db_url in zip(("centre-a", "centre-b"), stores, strict=True):
        start_worker(name, db_url, heard)

    start_uplink(tmp_path / "locker.db", LOCKER)

    assert wait_for(lambda: all(online(db_url) for db_url in stores), 10)
    assert sorted(heard) == [("centre-a", LOCKER, True), ("centre-b", LOCKER, True)]


def test_a_locker_back_online_is_news_to_one_of_two_processes_on_one_store(
    tmp_path: Path,
    centre_db: str,
    start_worker: Callable[[str, str, Heard], Ingest],
    start_uplink: Callable[..., Uplink],
) -> None:
    heard: Heard = []
    workers = [start_worker(name, centre_db, heard) for name in ("centre-a", "centre-b")]
    locker_db = tmp_path / "locker.db"

    def both_took(count: int) -> bool:
        return all(worker.counts.statuses == count for worker in workers)

    uplink = start_uplink(locker_db, LOCKER)
    assert wait_for(lambda: both_took(1), 10) and online(centre_db) is True
    uplink.stop()  # the broker publishes its last will
    assert wait_for(lambda: both_took(2), 10) and online(centre_db) is False
    start_uplink(locker_db, LOCKER)
    assert wait_for(lambda: both_took(3), 10) and online(centre_db) is True

    # Each change once, by whichever process stored it first.
    assert [(locker_id, is_online) for _, locker_id, is_online in heard] == [
        (LOCKER, True),
        (LOCKER, False),
        (LOCKER, True),
    ]
