"""A real centre for the console's tests: Mosquitto, a SQLite store, operators, the app; and
the centre's store on SQLite and on a real PostgreSQL for the store's own tests."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from flask.testing import FlaskClient
from paho.mqtt.enums import CallbackAPIVersion, MQTTProtocolVersion

from locker.centre.operators import add_operator
from locker.centre.serve import Centre, start_centre
from locker.centre.settings import CentreSettings
from locker.centre.store import CentreStore
from locker.wire.keys import new_private_key
from tests.centre.orders_setup import Desk, open_desk
from tests.fleet.conftest import USERS, wait_for
from tests.support.mosquitto import Broker
from tests.support.postgres import PostgresServer

PASSWORDS = {"alice": "alice-password-1", "bob": "bob-password-22"}
ROLES = {"alice": "support", "bob": "admin"}
LOCKER = "TEST-01"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
REQUEST_ID = re.compile(r'name="request_id" value="([0-9a-f]{32})"')


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """One PostgreSQL server for the whole session; each test takes a database of its own."""
    server = PostgresServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def centre_template(postgres_server: PostgresServer) -> str:
    """A database with the centre's tables made once, copied for each test: a copy costs
    less than making the tables again."""

    def migrate(url: str) -> None:
        CentreStore(url).close()

    return postgres_server.template_database(migrate)


@pytest.fixture
def postgres_url(postgres_server: PostgresServer, centre_template: str) -> Iterator[str]:
    """A fresh database with the centre's tables on the session's server, dropped after."""
    url = postgres_server.new_database(centre_template)
    yield url
    postgres_server.drop_database(url)


@pytest.fixture
def empty_postgres_url(postgres_server: PostgresServer) -> Iterator[str]:
    """A fresh, empty database on the session's server, dropped after the test."""
    url = postgres_server.new_database()
    yield url
    postgres_server.drop_database(url)


@pytest.fixture(params=["sqlite", "postgresql"])
def centre_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The centre's store on each backend: a SQLite file, then a PostgreSQL database."""
    if request.param == "postgresql":
        return str(request.getfixturevalue("postgres_url"))
    return f"sqlite:///{tmp_path / 'centre.db'}"


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[Broker]:
    """A Mosquitto broker with the fleet tests' users, stopped after the test."""
    running = Broker(tmp_path / "broker", USERS)
    running.start()
    yield running
    running.stop()


@pytest.fixture(scope="session")
def root() -> Ed25519PrivateKey:
    """The fleet's root key."""
    return new_private_key()


@pytest.fixture
def settings(tmp_path: Path, broker: Broker, request: pytest.FixtureRequest) -> CentreSettings:
    """The centre's settings over a fresh store and the test broker: SQLite, or each backend
    for a test that uses `centre_db_url`."""
    uses_both = "centre_db_url" in request.fixturenames
    return CentreSettings(
        fleet_db=str(request.getfixturevalue("centre_db_url"))
        if uses_both
        else f"sqlite:///{tmp_path / 'centre.db'}",
        mqtt_port=broker.port,
        mqtt_username="centre",
        mqtt_password=USERS["centre"],
        identity_dir=tmp_path / "centre",
        session_secret_file=tmp_path / "centre" / "session.key",
        language="en",
    )


@pytest.fixture
def centre(settings: CentreSettings, root: Ed25519PrivateKey) -> Iterator[Centre]:
    """A started centre with operators alice (support) and bob (admin), and locker TEST-01."""
    store = CentreStore(settings.fleet_db)
    for name, password in PASSWORDS.items():
        add_operator(store, name, password, ROLES[name], root, 1_790_000_000)
    store.note_status(LOCKER, True, 1_790_000_000)
    store.close()
    running = start_centre(settings)
    assert wait_for(running.ready, 10)
    yield running
    running.stop()


def csrf(client: FlaskClient, path: str = "/login") -> str:
    """The CSRF token a page's form carries."""
    found = CSRF.search(client.get(path).get_data(as_text=True))
    assert found, f"no form token on {path}"
    return found.group(1)


def login(client: FlaskClient, username: str) -> None:
    """Log in as an operator (the POST redirects, as every POST does)."""
    token = csrf(client)
    answer = client.post(
        "/login", data={"username": username, "password": PASSWORDS[username], "csrf_token": token}
    )
    assert answer.status_code == 303 and answer.location == "/", answer.get_data(as_text=True)


def form_ids(client: FlaskClient, path: str) -> tuple[str, str]:
    """The CSRF token and the one-time request id of the form on a page."""
    text = client.get(path).get_data(as_text=True)
    token, request_id = CSRF.search(text), REQUEST_ID.search(text)
    assert token and request_id, f"no form on {path}"
    return token.group(1), request_id.group(1)


class Listener:
    """A client of the test broker that records what is published on a topic filter."""

    def __init__(self, broker: Broker, topic: str) -> None:
        self.messages: list[tuple[str, bytes]] = []
        self._ready = threading.Event()
        self._changed = threading.Condition()
        self._client = mqtt.Client(
            CallbackAPIVersion.VERSION2,
            client_id=f"listener-{id(self)}",
            protocol=MQTTProtocolVersion.MQTTv5,
        )
        self._client.username_pw_set("centre", USERS["centre"])
        self._client.on_connect = lambda client, *args: client.subscribe(topic, qos=1)
        self._client.on_subscribe = lambda *args: self._ready.set()
        self._client.on_message = self._message
        self._client.connect("127.0.0.1", broker.port, clean_start=True)
        self._client.loop_start()
        assert self._ready.wait(10), "the listener did not subscribe"

    def _message(self, client: mqtt.Client, userdata: Any, message: mqtt.MQTTMessage) -> None:
        with self._changed:
            self.messages.append((message.topic, bytes(message.payload)))
            self._changed.notify_all()

    def wait(self, count: int, timeout_s: float = 10.0) -> list[tuple[str, bytes]]:
        """Wait until `count` messages were heard; all of them."""
        with self._changed:
            self._changed.wait_for(lambda: len(self.messages) >= count, timeout_s)
            return list(self.messages)

    def publish(self, topic: str, payload: bytes) -> None:
        """Publish as the locker would."""
        self._client.publish(topic, payload, qos=1).wait_for_publish(5)

    def close(self) -> None:
        """Disconnect."""
        self._client.disconnect()
        self._client.loop_stop()


@pytest.fixture
def commands_heard(broker: Broker, centre: Centre) -> Iterator[Listener]:
    """Every command the centre publishes to any locker."""
    listener = Listener(broker, "lockers/+/cmd")
    yield listener
    listener.close()


@pytest.fixture
def client(centre: Centre) -> FlaskClient:
    """A browser on the console, not logged in."""
    return centre.app.test_client()


@pytest.fixture
def desk(centre_db_url: str) -> Iterator[Desk]:
    """Carriers' orders over a fresh store on each backend, a recording sender and a clock the
    test moves."""
    with open_desk(centre_db_url) as opened:
        yield opened
