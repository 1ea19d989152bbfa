"""No phone number, code or secret in any log line, whatever flow the locker goes through.

Requirement: "Phone numbers masked everywhere. No PII, code or secret in any log line."

Every flow runs through the real Flask app with the test client, while everything any logger
says at DEBUG is captured:

- courier: login with a wrong and the right PIN, deposits through /courier/deposit for
  13812345678 (typed plain, with spaces and with dashes), undo, door problem, taking back an
  expired parcel, a badge and a forged badge typed in by a keyboard-wedge scanner, a form
  without its CSRF token;
- recipient: a typed code (right, wrong, until the keypad locks), /pickup/more, a QR payload
  typed in by a keyboard-wedge scanner (genuine and forged);
- camera: scans pushed through the EventDispatcher with scan_to_pages (as `locker run` wires
  them) of a pickup QR, a used QR, a courier badge and a forged badge, and the page claiming
  the tickets (/pickup/more-scan, /courier/badge);
- admin: login with a wrong and the right password, a reissued code, a forced door with a
  reason, adding a courier and an admin, a new courier PIN, a changed password, the door log
  and its CSV.

The captured text (each line as the deployment's handler writes it, plus every record's raw
message, args, extra fields and exception text) must not hold: a recipient's whole phone number
(plain, spaced or dashed; the masked 138****5678 is fine), any pickup code or QR payload issued
(as the outbox and the reissue page have them), a courier PIN, an admin password, a badge or its
nonce or signature, the locker secret (hex, raw or base64), a session cookie, a CSRF token (the
form's or the raw one in the session) or a scan ticket. Each secret is also looked for the way
the phone filter would have mangled it (an 8-digit code comes out as 123*5678, still a leak).

test_the_capture_catches_leaks shows the check fails when it should: a phone logged with the
filter taken off, a phone in an extra field, a code the filter half-masked; and that a phone in
a traceback comes out masked.
"""

from __future__ import annotations

import base64
import io
import json
import logging
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

import pytest
from flask import Flask

from locker.composition import configure_logging
from locker.config import Settings
from locker.domain.phone import mask_phones_in
from locker.event_dispatch import EventDispatcher
from locker.log_masking import PhoneMaskingFilter
from locker.services.accounts import issue_badge
from locker.services.context import LockerContext
from locker.services.expire_overdue import expire_overdue
from locker.services.scan_tickets import ScanTickets
from locker.store import SqliteStore
from locker.web import create_app
from locker.web.page_events import scan_to_pages
from tests.conftest import ADMIN_PASSWORD, COURIER_PIN
from tests.support.browser_client import BrowserClient
from tests.web.live_pages import scan_seen_by_page

PHONE = "13812345678"
OTHER_PHONE = "13900001111"
MASKED = "138****5678"
NEW_COURIER_PIN = "864213"
RESET_PIN = "975310"
NEW_ADMIN_PASSWORD = "another-long-one"
CHANGED_PASSWORD = "brand-new-secret"
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')
SECRETS_KEY = "log_hygiene_secrets"
# Attributes every LogRecord has; anything else on a record came in through `extra=`.
STANDARD_ATTRIBUTES = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


def phone_pattern(phone: str) -> re.Pattern[str]:
    """The whole number, however it is split by spaces or dashes (138 1234 5678, 138-1234-...)."""
    return re.compile(r"[\s-]*".join(phone))


# --- Catching the logs as a deployment writes them ----------------------------------------


class LogCapture(logging.Handler):
    """Everything logged: the deployment handler's output, and each record's raw parts."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.stream = io.StringIO()  # where configure_logging's stderr handler now writes
        self.raw: list[str] = []
        self.records = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.records += 1
        extras = {k: v for k, v in vars(record).items() if k not in STANDARD_ATTRIBUTES}
        # format() gives the message with its args, the exception text and the stack.
        self.raw.append(
            "\n".join([self.format(record), repr(record.msg), repr(record.args), repr(extras)])
        )

    def text(self) -> str:
        return self.stream.getvalue() + "\n".join(self.raw)


@contextmanager
def deployment_logging() -> Iterator[LogCapture]:
    """Logging set up by the real configure_logging, at DEBUG, for every logger.

    configure_logging() is called rather than imitated: it is what `locker run` calls, and it
    attaches the phone filter to the handlers the root logger has at that moment. basicConfig
    only acts on a bare root logger, so pytest's own handlers are taken off first (as in a fresh
    process) and put back after. The stderr handler it makes is pointed at a buffer: that is
    exactly the text a deployment writes. A second handler, added after it, keeps each record's
    raw message, args and extras as that handler left them, which is what any further handler
    (a file, a journal, a JSON formatter) would be handed. Every logger is opened down to
    DEBUG and made to propagate, so no library's own level or setting hides a line.
    """
    root = logging.getLogger()
    saved_handlers, saved_level = root.handlers[:], root.level
    saved_disable = root.manager.disable
    loggers = [
        logger for logger in root.manager.loggerDict.values() if isinstance(logger, logging.Logger)
    ]
    saved_loggers = [(lg, lg.level, lg.disabled, lg.propagate) for lg in loggers]
    for handler in saved_handlers:
        root.removeHandler(handler)
    logging.disable(logging.NOTSET)
    for logger in loggers:
        logger.setLevel(logging.NOTSET)
        logger.disabled, logger.propagate = False, True
    capture = LogCapture()
    try:
        configure_logging(logging.DEBUG)
        (deployed,) = root.handlers
        assert any(isinstance(f, PhoneMaskingFilter) for f in deployed.filters)
        assert isinstance(deployed, logging.StreamHandler)
        deployed.setStream(capture.stream)
        root.addHandler(capture)
        yield capture
    finally:
        for handler in root.handlers[:]:
            root.removeHandler(handler)
        for handler in saved_handlers:
            root.addHandler(handler)
        root.setLevel(saved_level)
        logging.disable(saved_disable)
        for logger, level, disabled, propagate in saved_loggers:
            logger.setLevel(level)
            logger.disabled, logger.propagate = disabled, propagate


@pytest.fixture
def logs() -> Iterator[LogCapture]:
    with deployment_logging() as capture:
        yield capture


# --- Noting every secret the flows hand out ------------------------------------------------


class Secrets:
    """Each secret value seen, with what it is."""

    def __init__(self) -> None:
        self.phones: set[str] = set()
        self.values: dict[str, str] = {}

    def add(self, what: str, value: str | None) -> None:
        if value and len(value) >= 4:
            self.values.setdefault(value, what)

    def add_badge(self, what: str, text: str) -> None:
        self.add(what, text)
        _, _, nonce, signature = text.split(":")
        self.add(f"{what} nonce", nonce)
        self.add(f"{what} signature", signature)

    def add_store(self, ctx: LockerContext) -> None:
        """The locker secret, and every code and QR the outbox holds for a recipient."""
        self.add_outbox(ctx.store)
        secret = ctx.store.locker().secret
        self.add("locker secret (hex)", secret.hex())
        self.add("locker secret (raw)", secret.decode("latin-1"))
        self.add("locker secret (repr)", repr(secret)[2:-1])
        self.add("locker secret (base64)", base64.b64encode(secret).decode())
        self.add("locker secret (base64url)", base64.urlsafe_b64encode(secret).decode())

    def add_outbox(self, store: SqliteStore) -> None:
        """Every code and QR the outbox holds now: it forgets them once a parcel is gone."""
        for message in store.outbox():
            payload = json.loads(message["payload"])
            self.phones.add(message["recipient"])
            self.add("pickup code", payload.get("code"))
            self.add("QR payload", payload.get("qr"))


class RecordingClient(BrowserClient):
    """A test client noting every session cookie and CSRF token the app hands out."""

    def open(self, *args, **kwargs):
        response = super().open(*args, **kwargs)
        app: Flask = self.application
        secrets: Secrets = app.extensions[SECRETS_KEY]
        serializer = app.session_interface.get_signing_serializer(app)
        for seen in [*getattr(response, "history", ()), response]:
            for header in seen.headers.getlist("Set-Cookie"):
                name, _, rest = header.partition("=")
                value = rest.split(";", 1)[0]
                if name == app.config["SESSION_COOKIE_NAME"] and value:
                    secrets.add("session cookie", value)
                    secrets.add("raw CSRF token", serializer.loads(value).get("csrf_token"))
            if seen.mimetype != "text/event-stream":  # an open stream is never read whole
                for token in CSRF_FIELD.findall(seen.get_data(as_text=True)):
                    secrets.add("CSRF token", token)
        with SqliteStore(app.config["LOCKER_SETTINGS"].db) as store:
            secrets.add_outbox(store)
        return response


def make_app(
    db_path, board, clock, secrets: Secrets, tickets: ScanTickets | None = None, channels=None
) -> Flask:
    """The kiosk app, made after logging is configured, as `locker run` does."""
    app = create_app(
        Settings(db=db_path, language="en"),
        board=board,
        clock=clock,
        tickets=tickets,
        channels=channels,
    )
    app.test_client_class = RecordingClient
    app.extensions[SECRETS_KEY] = secrets
    return app


class Screens:
    """One browser at the locker."""

    def __init__(self, app: Flask) -> None:
        self.client = app.test_client()

    def token(self, path: str = "/courier/login") -> str:
        return CSRF_FIELD.search(self.client.get(path).get_data(as_text=True)).group(1)

    def post(self, path: str, form_page: str = "/courier/login", **data: str):
        return self.client.post(path, data={**data, "csrf_token": self.token(form_page)})

    def admin(self, path: str, **data: str):
        return self.post(path, "/admin/login", **data)


def text(response) -> str:
    return response.get_data(as_text=True)


# --- The check ---------------------------------------------------------------------------


def leaks(log_text: str, phones: Iterable[str], secrets: dict[str, str]) -> list[str]:
    """What of the phones and secrets the log text gives away, with the line it is on."""
    found = []
    for phone in phones:
        for match in phone_pattern(phone).finditer(log_text):
            found.append(f"phone {phone}: {line_at(log_text, match.start())}")
    for value, what in secrets.items():
        # The phone filter rewrites digit runs: an 8-digit code comes out as 123*5678.
        for variant in {value, mask_phones_in(value)}:
            where = log_text.find(variant)
            if where >= 0:
                found.append(f"{what} {value!r}: {line_at(log_text, where)}")
    return found


def line_at(log_text: str, index: int) -> str:
    start = log_text.rfind("\n", 0, index) + 1
    end = log_text.find("\n", index)
    return log_text[start : end if end >= 0 else None]


def assert_no_leaks(logs: LogCapture, ctx: LockerContext, secrets: Secrets) -> None:
    # A line from an arbitrary logger at DEBUG proves the capture hears everything, masked.
    logging.getLogger("locker.log_hygiene_probe").debug("probe for %s", PHONE)
    secrets.add_store(ctx)
    secrets.phones.add(PHONE)
    log_text = logs.text()
    assert f"probe for {MASKED}" in log_text
    assert len(secrets.values) > 20  # codes, QRs, cookies, tokens: the flows did hand them out
    assert leaks(log_text, secrets.phones, secrets.values) == []


# --- The flows -----------------------------------------------------------------------------


def test_the_courier_screens_log_no_secret(logs, ctx, courier, board, clock, db_path):
    secrets = Secrets()
    secrets.add("courier PIN", COURIER_PIN)
    screens = Screens(make_app(db_path, board, clock, secrets, channels=ctx.channels))
    assert screens.post("/courier/login", courier_id=str(courier.id), pin="0000").status_code == 403
    assert (
        screens.post("/courier/login", courier_id=str(courier.id), pin=COURIER_PIN).status_code
        == 302
    )
    assert screens.client.get("/courier/").status_code == 200

    deposit = {"tracking": "SF0000000001", "phone": PHONE, "size": "S"}
    page = text(screens.post("/courier/deposit", **deposit))
    assert "Door A01 is open" in page and MASKED in page
    assert "undone" in text(screens.post("/courier/undo", tracking="SF0000000001"))
    courier.close("A01", item_present=False)

    deposit = {"tracking": "SF0000000002", "phone": "138 1234 5678", "size": "S"}
    assert "Door A01 is open" in text(screens.post("/courier/deposit", **deposit))
    reported = screens.post("/courier/door-problem", tracking="SF0000000002")
    assert "reported for repair" in text(reported)

    deposit = {"tracking": "SF0000000003", "phone": "138-1234-5678", "size": "S"}
    assert "Door A02 is open" in text(screens.post("/courier/deposit", **deposit))
    courier.close("A02", item_present=True)
    # The phone is typed again after a refusal: the refusal must not log it either.
    refused = screens.post("/courier/deposit", tracking="SF0000000004", phone=PHONE, size="XXL")
    assert refused.status_code == 400
    no_token = screens.client.post("/courier/deposit", data={**deposit, "phone": PHONE})
    assert no_token.status_code == 400

    courier.deposit("SF0000000009", phone=PHONE)
    secrets.add_store(ctx)  # its code, before expiry erases it from the outbox
    clock.advance(hours=73)
    assert expire_overdue(ctx)
    screens.post("/courier/login", courier_id=str(courier.id), pin=COURIER_PIN)
    assert "SF0000000009" in text(screens.client.get("/courier/retrieve"))
    taken = screens.post("/courier/retrieve", tracking="SF0000000009")
    assert "is open" in text(taken)

    badge = issue_badge(ctx, courier.id, "admin:admin")
    forged = badge[:-3] + "AAA"
    secrets.add_badge("badge", badge)
    secrets.add_badge("forged badge", forged)
    screens.post("/courier/logout")
    assert screens.post("/courier/login", courier_id=badge, pin="").status_code == 302
    screens.post("/courier/logout")
    assert screens.post("/courier/login", courier_id=forged, pin="").status_code == 403

    assert_no_leaks(logs, ctx, secrets)


@pytest.fixture
def tickets(clock) -> ScanTickets:
    return ScanTickets(clock)


def scan(client, dispatcher: EventDispatcher, scanned: str) -> dict:
    """Show `scanned` to the camera while the page listens; what the page is told."""
    return scan_seen_by_page(client, dispatcher, scanned)[1]


def test_pickups_and_camera_scans_log_no_secret(logs, ctx, courier, board, clock, db_path, tickets):
    secrets = Secrets()
    app = make_app(db_path, board, clock, secrets, tickets, channels=ctx.channels)
    kiosk = Screens(app)
    first = courier.deposit("SF0000000001", phone=PHONE)
    courier.deposit("SF0000000002", phone=PHONE)
    third = courier.deposit("SF0000000003", phone=OTHER_PHONE)
    fourth = courier.deposit("SF0000000004", phone=OTHER_PHONE)
    fifth = courier.deposit("SF0000000005", phone="138 0000 9999")
    secrets.phones.update({OTHER_PHONE, "13800009999"})

    page = text(kiosk.post("/pickup", "/", code=first.code))
    assert "You have 1 more parcel here" in page
    more = kiosk.client.post("/pickup/more", data={"csrf_token": CSRF_FIELD.search(page)[1]})
    assert "is open" in text(more)
    for wrong in range(5):
        assert kiosk.post("/pickup", "/", code=f"0000000{wrong}").status_code == 403
    assert kiosk.post("/pickup", "/", code=third.code).status_code == 429  # keypad paused

    # A keyboard-wedge scanner types the QR payload into the code field.
    assert "is open" in text(kiosk.post("/pickup", "/", code=third.qr))
    forged_qr = fourth.qr[:-3] + "AAA"
    secrets.add("forged QR payload", forged_qr)
    assert kiosk.post("/pickup", "/", code=forged_qr).status_code == 403

    live = app.extensions["locker_live"]
    dispatcher = EventDispatcher(
        lambda: LockerContext(SqliteStore(db_path), board, clock, ctx.rules),
        on_scan=lambda event, outcome: scan_to_pages(live, event, outcome),
        tickets=tickets,
    ).start()
    try:
        kiosk.token("/")  # the page was loaded first, as a kiosk page is
        event = scan(kiosk.client, dispatcher, fourth.qr)
        assert event["opened"] == fourth.compartment
        assert scan(kiosk.client, dispatcher, fourth.qr)["reason"] == "used"
        event = scan(kiosk.client, dispatcher, fifth.qr)
        assert event["opened"] == fifth.compartment

        badge = issue_badge(ctx, courier.id, "test")
        forged = badge[:-3] + "AAA"
        secrets.add_badge("badge", badge)
        secrets.add_badge("forged badge", forged)
        assert scan(kiosk.client, dispatcher, forged)["reason"] == "badge_refused"
        event = scan(kiosk.client, dispatcher, badge)
        assert event["reason"] == "badge"
        secrets.add("scan ticket", event["ticket"])
        claimed = kiosk.post("/courier/badge", "/", ticket=event["ticket"])
        assert claimed.headers["Location"].endswith("/courier/")
    finally:
        dispatcher.stop()

    assert_no_leaks(logs, ctx, secrets)


def test_the_admin_area_logs_no_secret(logs, ctx, courier, board, clock, db_path):
    secrets = Secrets()
    for what, value in [
        ("admin password", ADMIN_PASSWORD),
        ("courier PIN", COURIER_PIN),
        ("new courier's PIN", NEW_COURIER_PIN),
        ("reset PIN", RESET_PIN),
        ("new admin's password", NEW_ADMIN_PASSWORD),
        ("changed password", CHANGED_PASSWORD),
    ]:
        secrets.add(what, value)
    admin = Screens(make_app(db_path, board, clock, secrets))
    receipt = courier.deposit("SF0000000001", phone=PHONE)

    wrong = {"username": "admin", "password": "wrong-password"}
    assert admin.admin("/admin/login", **wrong).status_code == 401
    assert admin.admin("/admin/login", username="admin", password=ADMIN_PASSWORD).status_code == 303

    page = text(admin.admin("/admin/reissue", tracking="SF0000000001"))
    code = re.search(r'<p class="code" id="new-code">(\d+)</p>', page)[1]
    assert code != receipt.code and MASKED in page
    secrets.add("reissued code", code)

    opened = admin.admin(
        "/admin/doors/open", label=receipt.compartment, reason="leak check", confirmed="yes"
    )
    assert opened.status_code in (302, 303)
    assert f"Door {receipt.compartment} is open" in text(admin.client.get(opened.location))

    for path, data, done in [
        ("/admin/couriers", {"carrier": "ZTO", "name": "Wang Fang", "pin": NEW_COURIER_PIN}, "id"),
        ("/admin/couriers/pin", {"courier_id": str(courier.id), "pin": RESET_PIN}, "PIN was"),
        ("/admin/admins", {"username": "ops", "password": NEW_ADMIN_PASSWORD}, "Admin ops"),
        (
            "/admin/password",
            {"current": ADMIN_PASSWORD, "password": CHANGED_PASSWORD},
            "password was changed",
        ),
    ]:
        response = admin.admin(path, **data)
        assert done in text(admin.client.get(response.location)), path

    # The helpline's search by the phone's end, the parcel's history, an alarm answered.
    found = text(admin.client.get("/admin/parcels?q=5678"))
    assert MASKED in found and PHONE not in found
    history = text(admin.client.get(f"/admin/parcels/{receipt.parcel.id}?q=5678"))
    assert MASKED in history and PHONE not in history
    alarm = ctx.store.append_audit(
        "system", "alert.door_left_open", receipt.compartment, {"minutes": 5}, clock.now()
    )
    answered = admin.admin("/admin/alarms/acknowledge", seq=str(alarm.seq), note="door shut")
    assert "is acknowledged" in text(admin.client.get(answered.location))

    assert 'data-purpose="service"' in text(admin.client.get("/admin/doors"))
    door_log = admin.client.get(f"/admin/doors.csv?door={receipt.compartment}")
    assert door_log.mimetype == "text/csv"
    assert admin.client.get("/admin/").status_code == 200

    assert_no_leaks(logs, ctx, secrets)


# --- The check can fail ------------------------------------------------------------------


def test_the_capture_catches_leaks():
    log = logging.getLogger("locker.log_hygiene_check")
    secrets = {"12345678": "pickup code"}
    with deployment_logging() as capture:
        log.info("filtered: %s", PHONE)
        assert leaks(capture.text(), [PHONE], secrets) == []  # masked by the deployment filter
        try:
            raise ValueError(f"no parcel for {PHONE}")
        except ValueError:
            log.exception("failed")  # the filter masks the traceback's text too
        assert leaks(capture.text(), [PHONE], secrets) == []
        assert "no parcel for 138****5678" in capture.stream.getvalue()
    with deployment_logging() as capture:
        log.debug("a detail", extra={"recipient": PHONE})
        assert leaks(capture.text(), [PHONE], secrets)
    with deployment_logging() as capture:
        log.info("code %s", "12345678")  # comes out as 123*5678
        assert "123*5678" in capture.stream.getvalue()
        assert leaks(capture.text(), [PHONE], secrets)
    with deployment_logging() as capture:
        for handler in logging.getLogger().handlers:  # as if no filter had been installed
            for phone_filter in handler.filters[:]:
                handler.removeFilter(phone_filter)
        log.info("deposit for %s", "138-1234-5678")
        assert leaks(capture.text(), [PHONE], {})
