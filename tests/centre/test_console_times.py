"""The console names the zone of every time it shows."""

from __future__ import annotations

from flask.testing import FlaskClient

from locker.centre.serve import Centre
from tests.centre.conftest import LOCKER, login

# 2025-03-01 06:05:09 UTC
SEEN = 1740809109.0


def test_a_lockers_last_seen_is_shown_in_the_centres_zone_with_its_offset(
    centre: Centre, client: FlaskClient
) -> None:
    centre.store.note_status(LOCKER, False, SEEN)  # its last will: last seen then
    login(client, "alice")
    page = client.get("/").get_data(as_text=True)
    assert "2025-03-01 14:05:09 UTC+08:00" in page
