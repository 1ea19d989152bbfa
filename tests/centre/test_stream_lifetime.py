"""A live stream ends by itself after `stream_seconds`, freeing its slot; the browser reconnects."""

from __future__ import annotations

import dataclasses

import pytest
from flask.testing import FlaskClient

from locker.centre.serve import Centre
from locker.centre.settings import CentreSettings
from tests.centre.conftest import login


@pytest.fixture
def settings(settings: CentreSettings) -> CentreSettings:
    return dataclasses.replace(settings, stream_seconds=1.5)


def test_a_stream_ends_after_its_lifetime_and_frees_its_slot(
    client: FlaskClient, centre: Centre
) -> None:
    login(client, "alice")
    answer = client.get("/live", buffered=False)
    assert answer.status_code == 200 and answer.mimetype == "text/event-stream"
    assert centre.slots.taken == 1

    body = b"".join(answer.response)  # returns only because the stream ends by itself
    answer.close()

    assert body.startswith(b"retry: ")
    assert centre.slots.taken == 0
