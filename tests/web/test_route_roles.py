"""Every route of the kiosk app, tried by every role through the Flask test client.

The routes come from the app's own URL map, so a route added later is swept as well. A route
takes the role of its blueprint unless it is one of the public ways in; a route in no known
blueprint fails the sweep until it is given a role here.
"""

from __future__ import annotations

import re
import sqlite3
import tempfile
from collections.abc import Collection, Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
from flask import Flask
from flask.testing import FlaskClient

from locker.boards.in_memory import InMemoryBoard
from locker.boards.sim.kerong_sim import KerongSimulator
from locker.config import Settings
from locker.domain.phone import mask_phone
from locker.message_channel import EmailText, OutgoingMessage
from locker.notify.demo_inbox import DemoInbox
from locker.services.accounts import add_admin
from locker.services.context import LockerContext
from locker.services.setup_locker import init_locker, load_layout, parse_layout_toml
from locker.sounds.chime import write_chime
from locker.store import SqliteStore
from locker.web import create_app
from locker.web.demo import DemoTools
from tests.conftest import ADMIN_PASSWORD, COURIER_PIN, LOCKER_ID, CourierActions
from tests.support.fakes import FakeClock
from tests.support.layouts import SMALL_LAYOUT

PUBLIC, COURIER, ADMIN = "public", "courier", "admin"
ANONYMOUS = "anonymous"
# The role a blueprint's routes need; a new route in one of these inherits its role.
BLUEPRINT_ROLES = {
    "kiosk": PUBLIC,
    "phone_pickup": PUBLIC,  # the recipient's phone-and-code path
    "api": PUBLIC,
    "demo": PUBLIC,  # registered in demo mode only
    "scan_claims": PUBLIC,  # a one-time ticket from a camera scan is the credential
    "repeats": PUBLIC,  # a repeat's page: a random token, shown only to whoever sent the first
    "voice": PUBLIC,  # the chime and the spoken door labels, played by the recipient's screen
    "courier": COURIER,
    "admin": ADMIN,
    "accounts": ADMIN,
    "messages": ADMIN,
    "parcels": ADMIN,
    "alarms": ADMIN,
}
# The ways into and out of the staff screens, open to anyone at the kiosk.
PUBLIC_ENTRIES = {
    "courier.login": "the courier login form",
    "courier.logout": "it only drops the courier from the session, and has no role check",
    "admin.login": "the admin login form",
}
LOGIN_PAGES = {COURIER: "courier.login", ADMIN: "admin.login"}
# Pages their role reaches only in one state; otherwise they send it on, here, and why.
ONLY_SOMETIMES = {
    "courier.new_pin": ("/courier/", "only a courier whose PIN predates the 6-digit rule"),
}
# Endless bodies: only the status and headers are looked at.
STREAMS = {"api.events", "kiosk.camera_preview"}
# Public pages allowed to show some seeded data, and why.
ALLOWED_ON_PUBLIC_PAGE = {
    "demo.cabinet": ({"tracking"}, "demo mode's virtual cabinet names each door's parcel"),
}
REDIRECTS = (301, 302, 303, 307, 308)

TRACKING = "SF7306200001"
PHONE = "13812345678"
NIGHT_ADMIN = "nightshift"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
VARIABLE = re.compile(r"<(?:[^:<>]+:)?(\w+)>")


class StillCamera:
    """A camera whose preview never ends, like the real one."""

    def preview(self) -> Iterator[bytes]:
        while True:
            yield b"--frame\r\nContent-Type: image/jpeg\r\n\r\n\xff\xd8\xff\xd9\r\n"


class RecordingCamera:
    """The demo's synthetic camera, reduced to what it was asked to show."""

    def __init__(self) -> None:
        self.shown: list[str] = []

    def show(self, text: str) -> None:
        self.shown.append(text)


class CableBench:
    """A simulated bus reduced to its boards and its cable."""

    def __init__(self) -> None:
        self.model = KerongSimulator(boards=2)
        self.unplugged = False

    def state(self) -> dict:
        return {"link": {"unplugged": self.unplugged}}

    def set_fault(self, name: str, on: bool) -> None:
        assert name == "unplugged"
        self.unplugged = on


def demo_tools() -> DemoTools:
    bench = CableBench()
    # One message on the demo phone, about no seeded parcel: its routes have something to show.
    inbox = DemoInbox()
    text = EmailText("Your parcel", "A parcel waits.", "<p>A parcel waits.</p>", qr="QR-ON-PHONE")
    inbox.send(OutgoingMessage("sweep-1", "deposited", "13900000000", "en", email=text))
    return DemoTools({"main": bench}, RecordingCamera(), inbox=inbox)


def build_app(db: Path, board: Any = None, clock: Any = None, tools: Any = None) -> Flask:
    """The app with every optional part switched on, so every route is registered."""
    return create_app(
        Settings(db=db, language="en"),
        board=board,
        camera=StillCamera(),
        clock=clock,
        demo=tools or demo_tools(),
    )


@dataclass(frozen=True, order=True)
class Route:
    endpoint: str
    rule: str
    methods: tuple[str, ...]

    @property
    def role(self) -> str | None:
        if self.endpoint in PUBLIC_ENTRIES:
            return PUBLIC
        blueprint, dot, _ = self.endpoint.rpartition(".")
        return BLUEPRINT_ROLES.get(blueprint) if dot else None


def _routes() -> list[Route]:
    with tempfile.TemporaryDirectory() as folder:
        app = build_app(Path(folder) / "routes.db")
    return sorted(
        Route(r.endpoint, r.rule, tuple(sorted((r.methods or set()) - {"HEAD", "OPTIONS"})))
        for r in app.url_map.iter_rules()
        if r.endpoint != "static"
    )


ROUTES = _routes()
OUTSIDERS = {COURIER: (ANONYMOUS, ADMIN), ADMIN: (ANONYMOUS, COURIER)}


def _case(*values: Any, who: str | None = None) -> Any:
    route, method = values[-2], values[-1]
    name = f"{method}-{route.rule}"
    return pytest.param(*values, id=f"{who}-{name}" if who else name)


OUTSIDER_CASES = [
    _case(who, route, method, who=who)
    for route in ROUTES
    if route.role in OUTSIDERS
    for who in OUTSIDERS[route.role]
    for method in route.methods
]
OWN_ROLE_CASES = [
    _case(route.role, route, "GET", who=route.role)
    for route in ROUTES
    if route.role in OUTSIDERS and "GET" in route.methods
]
PUBLIC_CASES = [_case(r, m) for r in ROUTES if r.role == PUBLIC for m in r.methods]
CSRF_CASES = [
    _case(who, route, "POST", who=who)
    for route in ROUTES
    if "POST" in route.methods
    for who in (ANONYMOUS, COURIER, ADMIN)
]


@dataclass
class Locker:
    """The app over a set-up locker holding one parcel, and what must not leak from it."""

    app: Flask
    db_path: Path
    board: Any
    tools: DemoTools
    courier_id: int
    parcel_id: int
    label: str
    code: str
    secrets: dict[str, str]

    def url(self, route: Route) -> str:
        values = {
            "label": self.label,
            "parcel_id": self.parcel_id,
            "courier_id": self.courier_id,
            "token": "no-such-repeat",
            "tracking": TRACKING,
            "username": NIGHT_ADMIN,
            "number": 1,  # a message on the demo phone
            "name": "chime",  # a sound clip
        }
        missing = set(VARIABLE.findall(route.rule)) - set(values)
        assert not missing, f"no seeded value for {missing} in {route.rule}: add one in url()"
        return VARIABLE.sub(lambda m: str(values[m.group(1)]), route.rule)

    def form(self) -> dict[str, str]:
        """One form for every route: each field would change something if a view ran."""
        return {
            "tracking": TRACKING,
            "phone": PHONE,
            "code": self.code,
            "size": "S",
            "label": "B01",
            "reason": "route sweep",
            "courier_id": str(self.courier_id),
            "active": "no",
            "pin": COURIER_PIN,
            "carrier": "ZTO",
            "name": "Intruder",
            "username": "intruder",
            "password": "intruder-password-1",
        }

    def state(self) -> tuple[Any, ...]:
        """Everything a request could change: every table, the doors, the simulated cabinet."""
        with closing(sqlite3.connect(self.db_path)) as db:
            tables = list(db.iterdump())
        model = self.tools.simulators["main"].model
        camera: Any = self.tools.camera
        return tables, list(self.board.opened), model.state()["boards"], list(camera.shown)

    def leaks(self, response: Any, allowed: Collection[str] = ()) -> list[str]:
        # Bytes as text, so that an image (the demo phone's QR) is searched as well.
        seen = response.get_data().decode("utf-8", "replace") + " " + (response.location or "")
        return [
            name for name, value in self.secrets.items() if value in seen and name not in allowed
        ]


@dataclass(frozen=True)
class Seed:
    """A set-up locker holding one parcel, made once: its passwords take a while to hash."""

    db_path: Path
    courier_id: int
    parcel_id: int
    label: str
    secrets: dict[str, str]
    # An alarm for the admin to acknowledge: a door left open.
    alarm_seq: int = 0


@pytest.fixture(scope="module")
def seed(tmp_path_factory) -> Seed:
    db_path = tmp_path_factory.mktemp("seed") / "locker.db"
    with SqliteStore(db_path) as store:
        ctx = LockerContext(store=store, board=InMemoryBoard(), clock=FakeClock())
        init_locker(ctx, LOCKER_ID, "Test locker", "Test street 1", "admin", ADMIN_PASSWORD)
        load_layout(ctx, parse_layout_toml(SMALL_LAYOUT), "test")
        courier = CourierActions(ctx)
        receipt = courier.deposit(tracking=TRACKING, phone=PHONE)
        add_admin(ctx, NIGHT_ADMIN, "night-shift-password", "admin:admin")
        alarm = store.append_audit(
            "system", "alert.door_left_open", receipt.compartment, {"minutes": 5}, ctx.clock.now()
        )
        secrets = {
            "phone": PHONE,
            "masked phone": mask_phone(PHONE),
            "tracking": TRACKING,
            "pickup code": receipt.code,
            "pickup QR": receipt.qr,
            "courier name": next(c.name for c in store.couriers() if c.id == courier.id),
            "courier as actor": f"courier:{courier.id}",
            "admin username": NIGHT_ADMIN,
        }
        secrets.update({f"audit action {r.action}": r.action for r in store.audit_records()})
    return Seed(db_path, courier.id, receipt.parcel.id, receipt.compartment, secrets, alarm.seq)


@pytest.fixture
def locker(seed, db_path, board, clock) -> Locker:
    with (
        closing(sqlite3.connect(seed.db_path)) as source,
        closing(sqlite3.connect(db_path)) as copy,
    ):
        source.backup(copy)
    # The chime, so that the clips' route has a clip to serve.
    (db_path.parent / "sounds").mkdir(exist_ok=True)
    write_chime(db_path.parent / "sounds" / "chime.wav")
    tools = demo_tools()
    return Locker(
        app=build_app(db_path, board, clock, tools),
        db_path=db_path,
        board=board,
        tools=tools,
        courier_id=seed.courier_id,
        parcel_id=seed.parcel_id,
        label=seed.label,
        code=seed.secrets["pickup code"],
        secrets=seed.secrets,
    )


def token(client: FlaskClient, path: str = "/") -> str:
    found = CSRF.search(client.get(path).get_data(as_text=True))
    assert found, f"no CSRF token on {path}"
    return found.group(1)


def client_of(locker: Locker, who: str) -> FlaskClient:
    """A browser: anonymous, or logged in as the seeded courier or as the admin."""
    client = locker.app.test_client()
    if who == COURIER:
        data = {"courier_id": str(locker.courier_id), "pin": COURIER_PIN}
        response = client.post("/courier/login", data={**data, "csrf_token": token(client)})
        assert urlparse(response.location).path == "/courier/", "the courier login failed"
    elif who == ADMIN:
        data = {"username": "admin", "password": ADMIN_PASSWORD}
        response = client.post("/admin/login", data={**data, "csrf_token": token(client)})
        assert urlparse(response.location).path == "/admin/", "the admin login failed"
    return client


def staff_in(client: FlaskClient) -> set[str]:
    with client.session_transaction() as session:
        return {key for key in (COURIER, ADMIN) if key in session}


def send(client: FlaskClient, route: Route, url: str, method: str, data: dict[str, str]) -> Any:
    if route.endpoint in STREAMS:
        assert method == "GET"
        response = client.get(url, buffered=False)
        response.close()  # never read: the stream does not end
        response.set_data(b"")
        return response
    return client.get(url) if method == "GET" else client.post(url, data=data)


def sent_to_login(locker: Locker, response: Any, role: str) -> bool:
    """Turned away: a redirect to the role's own login page, or a refusal."""
    if response.status_code in (401, 403, 404):
        return True
    login = locker.app.url_map.bind("localhost").build(LOGIN_PAGES[role])
    return response.status_code in REDIRECTS and urlparse(response.location).path == login


def test_every_route_has_a_role():
    unplaced = [f"{r.endpoint} {r.rule}" for r in ROUTES if r.role is None]
    assert unplaced == [], "give these routes a role in BLUEPRINT_ROLES or PUBLIC_ENTRIES"


def test_the_sweep_sees_every_blueprint_and_every_public_entry():
    endpoints = {r.endpoint for r in ROUTES}
    assert set(PUBLIC_ENTRIES) <= endpoints
    assert {e.rpartition(".")[0] for e in endpoints} >= set(BLUEPRINT_ROLES)
    assert set(STREAMS) | set(ALLOWED_ON_PUBLIC_PAGE) <= endpoints


@pytest.mark.parametrize(("who", "route", "method"), OUTSIDER_CASES)
def test_no_staff_route_serves_anyone_but_its_role(locker, who, route, method):
    client = client_of(locker, who)
    data = {**locker.form(), "csrf_token": token(client)}
    before = locker.state()
    response = send(client, route, locker.url(route), method, data)
    assert sent_to_login(locker, response, route.role), (response.status_code, response.location)
    assert locker.leaks(response) == []
    assert locker.state() == before


@pytest.mark.parametrize(("who", "route", "method"), OWN_ROLE_CASES)
def test_staff_reach_every_page_of_their_role(locker, who, route, method):
    response = send(client_of(locker, who), route, locker.url(route), method, {})
    if route.endpoint in ONLY_SOMETIMES:
        target, _why = ONLY_SOMETIMES[route.endpoint]
        assert response.status_code in REDIRECTS and urlparse(response.location).path == target
    else:
        assert response.status_code == 200


@pytest.mark.parametrize(("route", "method"), PUBLIC_CASES)
def test_public_routes_serve_anonymous_visitors_no_staff_data(locker, route, method):
    client = locker.app.test_client()
    data = {"csrf_token": token(client)}
    response = send(client, route, locker.url(route), method, data)
    if method == "GET":
        assert response.status_code in (200, 302)
    else:  # an empty form: refused or answered, never a crash
        assert response.status_code < 500
    allowed, _why = ALLOWED_ON_PUBLIC_PAGE.get(route.endpoint, (set(), ""))
    assert locker.leaks(response, allowed) == []
    response.close()  # a file the route sends (a sound clip) stays open until then


@pytest.mark.parametrize(("who", "route", "method"), CSRF_CASES)
def test_a_post_without_its_csrf_token_is_refused_and_changes_nothing(locker, who, route, method):
    client = client_of(locker, who)
    before, staff = locker.state(), staff_in(client)
    response = client.post(locker.url(route), data=locker.form())
    assert response.status_code == 400
    assert 'data-reason="stale-form"' in response.get_data(as_text=True)
    assert locker.state() == before
    assert staff_in(client) == staff


def test_the_seeded_data_is_there_for_the_right_role(locker):
    """The leak checks look for strings the staff pages really show."""
    admin = client_of(locker, ADMIN)
    assert locker.secrets["courier name"] in admin.get("/admin/accounts").get_data(as_text=True)
    door_log = admin.get("/admin/doors").get_data(as_text=True)
    assert locker.secrets["courier as actor"] in door_log
    page = admin.post(
        "/admin/reissue", data={"tracking": TRACKING, "csrf_token": token(admin)}
    ).get_data(as_text=True)
    assert locker.secrets["masked phone"] in page and TRACKING in page
    cabinet = locker.app.test_client().get("/demo/").get_data(as_text=True)
    assert TRACKING in cabinet and PHONE not in cabinet
