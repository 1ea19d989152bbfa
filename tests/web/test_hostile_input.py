"""No input gives a 500: every route, for every role that reaches it, fed hostile values.

The routes come from the app's URL map (as in test_route_roles), so a route added later is
swept too. Every request starts from the same seeded locker (the database is restored and the
browser's cookie put back), so that an earlier value's lockout or deposit never hides the path
the next one would take. Each answer must be no 5xx, carry no header made from the input,
redirect only within the site, store no control character nor any of the long values, and,
when it refuses, change nothing.
"""

from __future__ import annotations

import io
import json
import re
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import quote, urlparse

import pytest
from flask import Flask, Request
from flask.testing import FlaskClient
from werkzeug.datastructures import ImmutableMultiDict, MultiDict

from locker.web.demo import DemoTools
from locker.web.repeat_guard import RepeatGuard
from tests.conftest import ADMIN_PASSWORD, COURIER_PIN
from tests.web.test_route_roles import (
    ADMIN,
    ANONYMOUS,
    COURIER,
    CSRF,
    PUBLIC,
    ROUTES,
    STREAMS,
    TRACKING,
    VARIABLE,
    Route,
    Seed,
    build_app,
    demo_tools,
    seed,  # noqa: F401  (the module's fixture: a locker seeded once)
)

REPOSITORY = Path(__file__).resolve().parents[2]
HUGE = "99999999999999999999"
LONG = 10_000
# One value of each kind an attacker, a broken scanner or a confused person sends. A tuple is
# the field sent several times (repeated keys), first value first.
HOSTILE: dict[str, str | tuple[str, ...]] = {
    "huge number": HUGE,
    "huge negative number": "-" + HUGE,
    "minus one": "-1",
    "zero": "0",
    "NUL": "\x00",
    "NUL inside": "A01\x00X",
    "CR/LF and a header": "\r\nSet-Cookie: x=y",
    "CR/LF in an admin path": "/admin/\r\nSet-Cookie: x=y",
    "unicode in an admin path": "/admin/快递柜",
    "long text": "x" * LONG,
    "long digits": "9" * LONG,
    "full-width digits": "１２３４５６７８",
    "superscript digit": "²",
    "unicode": "快递柜 🚪 ñ",
    "percent": "%",
    "format string": "%s%(x)s{0}",
    "path traversal": "../../etc/passwd",
    "markup": "{{7*7}}<script>x</script>",
    "float overflow": "1e309",
    "not a number": "nan",
    "blanks": " \t ",
    "empty": "",
    "control characters": "\x1b[2J\x7f\x08",
    "another site": "//evil.example/admin/",
    "backslashes": "/admin/\\\\evil.example",
    "absolute URL": "https://evil.example/admin/",
    "repeated key": ("1", HUGE),
    "repeated key, hostile first": ("\x00", "1"),
}
# Numbers for the `<id:...>` variables beside the texts: beyond SQLite's integers, beyond what
# int() reads, signed, zero-padded.
HOSTILE_INTS = ("0", HUGE, "9" * 400, "9" * 5000, "-1", "00000000000000000000001")
HOSTILE_TOKENS: dict[str, str | tuple[str, ...]] = {
    "NUL": "\x00",
    "long": "x" * LONG,
    "CR/LF": "\r\nSet-Cookie: x=y",
    "unicode": "快递柜",
}
# What is stored must hold no control character (raw, or escaped in an audit record's JSON)
# and none of the long values.
NEVER_STORED = re.compile(r"[\x00-\x1f\x7f]|\\u00[01][0-9a-f]|\\u007f|\\[rnt]|x{1000}|9{1000}")
# The rows a refused request must leave alone (logins may audit and spend budgets).
GUARDED_TABLES = ("parcels", "compartments", "door_ops", "outbox", "couriers", "admins")
COOKIES = {"session", "lang", "text"}
ROLES = {PUBLIC: (ANONYMOUS, COURIER, ADMIN), COURIER: (COURIER,), ADMIN: (ADMIN,)}
# Read by every page (the language and text size): swept on every route with the others, but
# not one by one on each.
APP_WIDE = {"lang", "text"}

NEW_TRACKING = "SF7306200002"
NEW_PIN = "135792468"


def fields(sweep: Sweep) -> dict[str, str]:
    """Every form field and query argument a view reads, with a value that takes it deepest.

    A field missing here fails test_the_sweep_knows_every_field_a_view_reads.
    """
    return {
        "tracking": TRACKING,
        "phone": "13812345678",
        "phone_end": "5678",
        "code": sweep.code,
        "size": "S",
        "low": "yes",
        "bulk": "yes",
        "label": sweep.label,
        "reason": "hostile input sweep",
        "confirmed": "yes",
        "looked": "yes",
        "courier_id": str(sweep.courier_id),
        "active": "yes",
        "pin": COURIER_PIN,
        "new_pin": NEW_PIN,
        "repeat": NEW_PIN,
        "carrier": "ZTO",
        "name": "Wang Fang",
        "username": "admin",
        "password": ADMIN_PASSWORD,
        "current": ADMIN_PASSWORD,
        "next": "/admin/doors",
        "expired": "1",
        "ticket": "no-such-ticket",
        "idle": "1",
        "door": sweep.label,
        "from": "2026-11-01",
        "to": "2026-11-30",
        "actor": "admin",
        "action": "service",
        "lang": "zh",
        "text": "large",
        "email": "wang.fang@example.com",
        "language": "en",
        "status": "failed",
        "outbox_id": "1",
        "leave": "yes",
        "q": TRACKING,
        "ack": str(sweep.seed.alarm_seq),
        "seq": str(sweep.seed.alarm_seq),
        "note": "door shut, nothing missing",
    }


# Where a route goes deeper with another value than the one above.
FIELDS_FOR = {
    "courier.deposit": {"tracking": NEW_TRACKING},
    "accounts.new_admin": {"username": "dayshift"},
}


class RecordingArgs(ImmutableMultiDict):
    """Query arguments and form fields that remember which names a view asked for."""

    read: ClassVar[set[str]] = set()

    def get(self, key: Any, default: Any = None, type: Any = None) -> Any:
        RecordingArgs.read.add(key)
        return super().get(key, default, type)

    def getlist(self, key: Any, type: Any = None) -> Any:
        RecordingArgs.read.add(key)
        return super().getlist(key, type)

    def __getitem__(self, key: Any) -> Any:
        RecordingArgs.read.add(key)
        return super().__getitem__(key)


class RecordingRequest(Request):
    parameter_storage_class = RecordingArgs


@dataclass
class Sweep:
    """One app over a copy of the seeded locker, restored before every request."""

    app: Flask
    seed: Seed
    db_path: Path
    tools: DemoTools
    clock: Any
    last: FlaskClient | None = None
    seeded_text: set[str] = field(default_factory=set)
    cookies: dict[str, str] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)

    @property
    def code(self) -> str:
        return self.seed.secrets["pickup code"]

    @property
    def label(self) -> str:
        return self.seed.label

    @property
    def courier_id(self) -> int:
        return self.seed.courier_id

    def restore(self) -> None:
        """The seeded locker again: every table as it was, whatever the last request did."""
        with (
            closing(sqlite3.connect(self.seed.db_path)) as source,
            closing(sqlite3.connect(self.db_path)) as copy,
        ):
            source.backup(copy)

    def rows(self) -> dict[str, list[tuple[Any, ...]]]:
        with closing(sqlite3.connect(self.db_path)) as db:
            return {
                t: db.execute(f"SELECT * FROM {t} ORDER BY rowid").fetchall()
                for t in GUARDED_TABLES
            }

    def stored_text(self) -> Iterator[tuple[str, str]]:
        """Every text cell of every table, with where it is."""
        with closing(sqlite3.connect(self.db_path)) as db:
            tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
            for table in tables:
                for row in db.execute(f'SELECT * FROM "{table}"'):
                    for cell in row:
                        if isinstance(cell, str):
                            yield table, cell

    def client(self, who: str) -> FlaskClient:
        """A browser of `who`, with the cookie it had right after logging in."""
        client = self.app.test_client()
        client.set_cookie("session", self.cookies[who])
        return client

    def log_in(self, who: str) -> None:
        """Log `who` in once; the cookie and its form token are put back before each request."""
        self.restore()
        client = self.app.test_client()
        found = CSRF.search(client.get("/").get_data(as_text=True))
        assert found
        if who == COURIER:
            data = {"courier_id": str(self.courier_id), "pin": COURIER_PIN}
            response = client.post("/courier/login", data={**data, "csrf_token": found[1]})
            assert urlparse(response.location).path == "/courier/", "the courier login failed"
        elif who == ADMIN:
            data = {"username": "admin", "password": ADMIN_PASSWORD}
            response = client.post("/admin/login", data={**data, "csrf_token": found[1]})
            assert urlparse(response.location).path == "/admin/", "the admin login failed"
        found = CSRF.search(client.get("/").get_data(as_text=True))
        assert found
        cookie = client.get_cookie("session")
        assert cookie is not None
        self.cookies[who], self.tokens[who] = cookie.value, found[1]

    def url(self, route: Route, **hostile: str) -> str:
        values = {
            "label": self.label,
            "parcel_id": str(self.seed.parcel_id),
            "courier_id": str(self.courier_id),
            "token": "no-such-repeat",
            "number": "1",  # a message on the demo phone
            "name": "chime",  # a sound clip
            **hostile,
        }
        missing = set(VARIABLE.findall(route.rule)) - set(values)
        assert not missing, f"no value for {missing} in {route.rule}: add one in Sweep.url()"
        return VARIABLE.sub(lambda m: quote(values[m.group(1)], safe=""), route.rule)

    def send(
        self,
        who: str,
        route: Route,
        method: str,
        url: str,
        form: MultiDict | None = None,
        query: MultiDict | None = None,
        csrf: str | tuple[str, ...] | None = None,
        browser: str | None = None,
        **body: Any,
    ) -> Any:
        """One request from a fresh copy of `who`'s browser on the seeded locker.

        Every request is a first one: the double-tap guard forgets the ones before. `browser`
        is what the browser itself sends: its language and text-size cookies and its Referer.
        """
        self.restore()
        self.app.extensions["locker_repeats"] = RepeatGuard(lambda: self.clock.now().timestamp())
        client = self.last = self.client(who)
        if browser is not None:
            client.set_cookie("lang", browser)
            client.set_cookie("text", browser)
            body.setdefault("headers", {})["Referer"] = browser
        if method == "POST" and "data" not in body:
            data = MultiDict(form or {})
            for value in _values(self.tokens[who] if csrf is None else csrf):
                data.add("csrf_token", value)
            body["data"] = data
        if route.endpoint in STREAMS:
            response = client.get(url, query_string=query, buffered=False, **body)
            response.close()  # never read: the stream does not end
            response.set_data(b"")
            return response
        return client.open(url, method=method, query_string=query, **body)


def _values(value: str | tuple[str, ...]) -> tuple[str, ...]:
    return value if isinstance(value, tuple) else (value,)


def _as_header(value: str | tuple[str, ...]) -> str | None:
    """The value as a browser sends it in a cookie or a header: HTTP itself ends a header at
    CR/LF, and a browser keeps no cookie over 4 KB."""
    first = _values(value)[0][:4000]
    return None if "\r" in first or "\n" in first else first


def _multi(values: dict[str, str | tuple[str, ...]]) -> MultiDict:
    return MultiDict([(k, v) for k, value in values.items() for v in _values(value)])


@pytest.fixture
def sweep(seed: Seed, db_path: Path, board, clock) -> Sweep:  # noqa: F811
    tools = demo_tools()
    app = build_app(db_path, board, clock, tools)
    app.request_class = RecordingRequest
    made = Sweep(app, seed, db_path, tools, clock)
    made.restore()
    made.seeded_text = {text for _, text in made.stored_text()}
    return made


def harm(sweep: Sweep, response: Any, before: dict[str, Any]) -> list[str]:
    """What went wrong with one answer: a 5xx, a header made from the input, a redirect away,
    hostile text stored, or a refusal that changed something."""
    found = []
    if response.status_code >= 500:
        found.append(f"HTTP {response.status_code}")
    found += [
        f"header {name}: {value!r}"
        for name, value in response.headers.items()
        if "\r" in value or "\n" in value
    ]
    cookies = {c.split("=", 1)[0].strip() for c in response.headers.getlist("Set-Cookie")}
    if not cookies <= COOKIES:
        found.append(f"cookies {sorted(cookies - COOKIES)} set")
    target = urlparse(response.location or "")
    if (
        target.netloc not in ("", "localhost")
        or target.path.startswith("//")
        or "\\" in target.path
    ):
        found.append(f"redirect to {response.location!r}")
    found += [
        f"stored in {table}: {text[:60]!r}"
        for table, text in sweep.stored_text()
        if text not in sweep.seeded_text and NEVER_STORED.search(text)
    ]
    if refused(sweep, response) and sweep.rows() != before:
        found.append(f"refused with {response.status_code} but changed the locker")
    return found


def refused(sweep: Sweep, response: Any) -> bool:
    """A refusal: an error status, or an error flashed for the next page."""
    if response.status_code >= 400:
        return True
    assert sweep.last is not None
    with sweep.last.session_transaction() as session:
        return any(category == "error" for category, _ in session.get("_flashes", []))


def _case(route: Route, method: str, who: str | None = None) -> Any:
    name = f"{method}-{route.rule}"
    return pytest.param(route, method, who, id=f"{who}-{name}" if who else name)


EVERY_ROLE_CASES = [
    _case(route, method, who)
    for route in ROUTES
    for method in route.methods
    for who in ROLES[route.role or PUBLIC]
]
OWN_ROLE_CASES = [
    _case(route, method, ROLES[route.role or PUBLIC][0])
    for route in ROUTES
    for method in route.methods
]


@pytest.mark.parametrize(("route", "method", "who"), EVERY_ROLE_CASES)
def test_hostile_values_in_every_field_at_once(sweep: Sweep, route: Route, method: str, who: str):
    sweep.log_in(who)
    before, problems = sweep.rows(), []
    url = sweep.url(route)
    for name, value in HOSTILE.items():
        every = dict.fromkeys(fields(sweep), value)
        browser = _as_header(value)
        response = sweep.send(who, route, method, url, _multi(every), _multi(every), None, browser)
        problems += [f"{name} in every field: {h}" for h in harm(sweep, response, before)]
    if method == "POST":
        for name, value in HOSTILE_TOKENS.items():
            form = _multi(fields(sweep))
            # A refused token's page leads back to the Referer when it is a page of this site.
            response = sweep.send(who, route, method, url, form, None, value, _as_header(value))
            problems += [f"{name} as the form's token: {h}" for h in harm(sweep, response, before)]
        for name, body in wrong_bodies(sweep, who).items():
            response = sweep.send(who, route, method, url, **body)
            problems += [f"{name} as the body: {h}" for h in harm(sweep, response, before)]
    assert not problems, "\n".join(problems)
    assert sweep.app.test_client().get("/healthz").status_code == 200


def wrong_bodies(sweep: Sweep, who: str) -> dict[str, dict[str, Any]]:
    """Bodies of the wrong type for a form: JSON, files, bytes that are not UTF-8."""
    token = {"X-CSRFToken": sweep.tokens[who]}
    names = list(fields(sweep))
    return {
        "JSON": {
            "data": json.dumps({n: [1, {"x": None}] for n in names}),
            "content_type": "application/json",
            "headers": token,
        },
        "files": {
            "data": {
                **{n: (io.BytesIO(b"\x00" * 64), "x.bin") for n in names},
                "csrf_token": sweep.tokens[who],
            }
        },
        "bytes that are not UTF-8": {
            "data": b"&".join(f"{n}=".encode() + b"%ff%fe%00" for n in names)
            + f"&csrf_token={sweep.tokens[who]}".encode(),
            "content_type": "application/x-www-form-urlencoded",
        },
    }


@pytest.mark.parametrize(("route", "method", "who"), OWN_ROLE_CASES)
def test_each_field_hostile_while_the_others_are_right(
    sweep: Sweep, route: Route, method: str, who: str
):
    """One field at a time: a value hidden behind another field's check is reached too (the
    admin login's `next` is read only once the password is right)."""
    sweep.log_in(who)
    before, problems = sweep.rows(), []
    url = sweep.url(route)
    right = {**fields(sweep), **FIELDS_FOR.get(route.endpoint, {})}
    RecordingArgs.read = set()
    sweep.send(who, route, method, url, _multi(right), _multi(right))
    read = RecordingArgs.read - {"csrf_token"}
    assert read <= set(right), f"{route.endpoint} reads {read - set(right)}: add to fields()"
    for name in sorted(read - APP_WIDE):
        for kind, value in HOSTILE.items():
            one = {**right, name: value}
            response = sweep.send(who, route, method, url, _multi(one), _multi(one))
            problems += [f"{kind} in {name}: {h}" for h in harm(sweep, response, before)]
    assert not problems, "\n".join(problems)
    assert sweep.app.test_client().get("/healthz").status_code == 200


VARIABLE_CASES = [
    pytest.param(route, method, who, id=f"{who}-{method}-{route.rule}")
    for route in ROUTES
    if VARIABLE.search(route.rule)
    for method in route.methods
    for who in ROLES[route.role or PUBLIC]
]


@pytest.mark.parametrize(("route", "method", "who"), VARIABLE_CASES)
def test_hostile_values_in_the_url(sweep: Sweep, route: Route, method: str, who: str):
    sweep.log_in(who)
    before, problems = sweep.rows(), []
    names = VARIABLE.findall(route.rule)
    texts = [v for v in HOSTILE.values() if isinstance(v, str) and v and "/" not in v]
    for name in names:
        for value in (*HOSTILE_INTS, *texts):
            url = sweep.url(route, **{name: value})
            response = sweep.send(who, route, method, url, _multi(fields(sweep)))
            problems += [f"{value[:40]!r} as <{name}>: {h}" for h in harm(sweep, response, before)]
    assert not problems, "\n".join(problems)
    assert sweep.app.test_client().get("/healthz").status_code == 200


ENDPOINTS = {route.endpoint: route for route in ROUTES}
# The inputs that gave HTTP 500 when issue 9 was filed.
REPORTED = [
    ("courier.login", "/courier/login", {"courier_id": HUGE, "pin": "123456"}, ANONYMOUS),
    ("accounts.courier_active", "/admin/couriers/active", {"courier_id": HUGE}, ADMIN),
    ("accounts.courier_pin", "/admin/couriers/pin", {"courier_id": HUGE, "pin": NEW_PIN}, ADMIN),
    ("demo.show_qr", f"/demo/show/{HUGE}", {}, ANONYMOUS),
    ("demo.show_badge", f"/demo/badge/{HUGE}", {}, ANONYMOUS),
    ("admin.login", "/admin/login", {"next": "/admin/\r\nX: y"}, ANONYMOUS),
]


@pytest.mark.parametrize(
    ("endpoint", "url", "form", "who"), [pytest.param(*case, id=case[1]) for case in REPORTED]
)
def test_the_inputs_reported_in_issue_9_are_refused_without_a_500(
    sweep: Sweep, endpoint: str, url: str, form: dict[str, str], who: str
):
    sweep.log_in(who)
    before = sweep.rows()
    data = {"username": "admin", "password": ADMIN_PASSWORD, **form}
    response = sweep.send(who, ENDPOINTS[endpoint], "POST", url, MultiDict(data))
    assert response.status_code < 500
    assert harm(sweep, response, before) == []


TEN_MB = 10 * 1024 * 1024


def ten_megabytes(kind: str, token: str) -> dict[str, Any]:
    """An admin login carrying 10 MB: in its password, or as a file in a multipart form.

    Both bodies are built here in memory: the test client would spool a large multipart body
    to a temporary file that nothing closes when the app, as it should, never reads it.
    """
    if kind == "password":
        return {"data": {"username": "admin", "password": "x" * TEN_MB, "csrf_token": token}}
    parts = [
        f'--B\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in (("username", "admin"), ("csrf_token", token))
    ]
    upload = b'--B\r\nContent-Disposition: form-data; name="password"; filename="x.bin"\r\n\r\n'
    body = b"".join(parts) + upload + b"x" * TEN_MB + b"\r\n--B--\r\n"
    return {"data": body, "content_type": "multipart/form-data; boundary=B"}


@pytest.mark.parametrize("kind", ["password", "upload"])
def test_a_ten_megabyte_request_is_refused_unread(sweep: Sweep, kind: str):
    """Nothing a client sends in bulk reaches a view, scrypt or the disk."""
    sweep.log_in(ANONYMOUS)
    before = sweep.rows()
    body = ten_megabytes(kind, sweep.tokens[ANONYMOUS])

    response = sweep.send(ANONYMOUS, ENDPOINTS["admin.login"], "POST", "/admin/login", **body)

    assert response.status_code == 413
    assert harm(sweep, response, before) == []
    with closing(sqlite3.connect(sweep.db_path)) as db:
        logins = db.execute("SELECT count(*) FROM audit_log WHERE action LIKE 'admin.login%'")
        assert logins.fetchone() == (0,), "the login was judged"


# --- The list of fields is complete --------------------------------------------------------

_READS = re.compile(
    r"""\b(?:request\.values|form|args|cookies)(?:\.get|\.getlist)?[(\[]\s*["'](\w+)["']"""
)
_TEMPLATE_FIELD = re.compile(r"""<(?:input|select|textarea|button)\b[^>]*\bname=["'](\w+)["']""")


def test_the_sweep_knows_every_field_a_view_reads(sweep: Sweep):
    read = {
        name
        for path in sorted((REPOSITORY / "locker" / "web").glob("*.py"))
        for name in _READS.findall(path.read_text(encoding="utf-8"))
    }
    posted = {
        name
        for path in sorted((REPOSITORY / "templates").rglob("*.html"))
        # The centre's console is another app, swept by tests/centre/test_hostile_input.py.
        if "centre" not in path.relative_to(REPOSITORY / "templates").parts
        for name in _TEMPLATE_FIELD.findall(path.read_text(encoding="utf-8"))
    }
    known = set(fields(sweep)) | {"csrf_token"}
    assert read - known == set(), "a view reads a field the sweep does not send: add it"
    assert posted - known == set(), "a form posts a field the sweep does not send: add it"
    assert {"courier_id", "next", "tracking", "door"} <= read, "the source scan finds nothing"


def test_the_field_scan_sees_each_way_a_view_reads_a_field():
    source = 'request.form.get("a")\nform.get("b", "")\nargs.get("c")\nrequest.args["d"]'
    assert _READS.findall(source) == ["a", "b", "c", "d"]
