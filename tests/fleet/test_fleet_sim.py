"""`locker fleet sim`: many simulated lockers from one thread, with valid chains the centre
stores and verifies, every record acknowledged."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest

from locker.centre.fleet_sim import FleetSim, raise_open_file_limit
from locker.centre.ingest import Ingest
from locker.centre.store import CentreStore
from tests.fleet.conftest import USERS, wait_for
from tests.support.mosquitto import Broker

pytestmark = [pytest.mark.slow, pytest.mark.timeout(120)]
LOCKERS = 60


def test_sixty_simulated_lockers_from_one_thread_reach_the_centre_whole(
    broker: Broker, centre_db: str, start_centre: Callable[[str], Ingest]
) -> None:
    raise_open_file_limit()
    centre = start_centre("centre-a")
    assert centre.link.subscribed.wait(10)
    threads_before = threading.active_count()
    sim = FleetSim("127.0.0.1", broker.port, LOCKERS, "locker-1", USERS["locker-1"])
    try:
        assert sim.connect(30) == LOCKERS
        # One selector loop in this thread: no thread per client.
        assert threading.active_count() == threads_before
        figures = sim.run(seconds=2.0, rate=300)
        assert figures.published >= 300
        assert sim.drain(30) == figures.published
    finally:
        sim.close()

    store = CentreStore(centre_db)
    try:
        lockers = {row["locker_id"]: row for row in store.lockers()}
        assert len([lid for lid in lockers if lid.startswith("SIM-")]) == LOCKERS
        assert sum(int(row["stored_seq"]) for row in lockers.values()) == figures.published
        # Every chain verified as far as it was stored: the records are as a locker seals them.
        assert wait_for(lambda: not store.verify_chains(list(lockers)), 10)
        assert all(row["verified_seq"] == row["stored_seq"] for row in store.lockers())
        assert store.open_alarms() == []
    finally:
        store.close()


def test_the_sim_command_prints_what_it_sent_and_what_came_back(
    broker: Broker, start_centre: Callable[[str], Ingest]
) -> None:
    from click.testing import CliRunner

    from locker.cli.main import cli

    assert start_centre("centre-a").link.subscribed.wait(10)
    args = ["fleet", "sim", "--lockers", "5", "--rate", "50", "--seconds", "1"]
    args += ["--port", str(broker.port), "--username", "locker-1"]
    result = CliRunner().invoke(cli, args, env={"LOCKER_SIM_PASSWORD": USERS["locker-1"]})
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("5 of 5 lockers connected")
    sent = int(lines[1].split()[0].replace(",", ""))
    assert sent >= 45 and lines[2].startswith(f"{sent:,} acknowledged by the centre")
