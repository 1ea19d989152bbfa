"""A centre started after its lockers (a restart, a new centre process) knows at once which of
them are online: their retained statuses reach its own subscription, unshared (a broker may give
a shared subscription none)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from locker.centre.ingest import Ingest
from locker.uplink.uplink import Uplink
from tests.fleet.centre_reads import locker_row
from tests.fleet.conftest import wait_for

pytestmark = [pytest.mark.slow, pytest.mark.timeout(60)]


def test_a_centre_started_after_the_locker_sees_it_online(
    tmp_path: Path,
    centre_db: str,
    start_uplink: Callable[..., Uplink],
    start_centre: Callable[[str], Ingest],
) -> None:
    uplink = start_uplink(tmp_path / "locker.db", "TEST-01")
    assert uplink.link.subscribed.wait(10)
    start_centre("centre-a")

    def online() -> bool:
        row = locker_row(centre_db, "TEST-01")
        return row is not None and bool(row["online"])

    assert wait_for(online, 10)
