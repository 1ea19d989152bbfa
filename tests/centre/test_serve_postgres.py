"""`locker fleet serve` runs on PostgreSQL when CENTRE_FLEET_DB names one, migrating it on start."""

from __future__ import annotations

import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select

from locker.centre.schema import schema_version
from locker.centre.store import database_url
from tests.fleet.conftest import USERS, wait_for
from tests.support.child_process import LockerCommand
from tests.support.mosquitto import Broker, free_port

pytestmark = [pytest.mark.slow, pytest.mark.timeout(90)]


def answers(url: str) -> bool:
    """The page loads."""
    try:
        with urllib.request.urlopen(url, timeout=5) as page:
            return bool(page.status == 200)
    except OSError:
        return False


def test_the_centre_serves_from_an_empty_postgresql_database(
    tmp_path: Path, broker: Broker, empty_postgres_url: str
) -> None:
    # The plain spelling, as an operator writes it: the psycopg driver is implied.
    plain = empty_postgres_url.replace("postgresql+psycopg://", "postgresql://")
    port = free_port()
    centre = LockerCommand(
        ["fleet", "serve"],
        {
            "CENTRE_FLEET_DB": plain,
            "CENTRE_PORT": str(port),
            "CENTRE_MQTT_HOST": "127.0.0.1",
            "CENTRE_MQTT_PORT": str(broker.port),
            "CENTRE_MQTT_USERNAME": "centre",
            "CENTRE_MQTT_PASSWORD": USERS["centre"],
            "CENTRE_IDENTITY_DIR": str(tmp_path / "centre"),
            "CENTRE_SESSION_SECRET_FILE": str(tmp_path / "centre" / "session.key"),
        },
        tmp_path / "centre.log",
    )
    try:
        assert wait_for(lambda: answers(f"http://127.0.0.1:{port}/login"), 60), (
            tmp_path / "centre.log"
        ).read_text()
    finally:
        centre.stop()
    engine = create_engine(database_url(plain))
    try:
        with engine.connect() as connection:
            assert connection.execute(select(schema_version.c.version)).scalars().all() == [1]
    finally:
        engine.dispose()
