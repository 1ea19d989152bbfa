"""A carrier's webhook, called against a real HTTP server on loopback that records each call."""

from __future__ import annotations

import json
import re
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from locker.message_channel import DeliveryError, OutgoingMessage, WebhookEvent
from locker.notify.webhook import WebhookChannel
from locker.notify.webhook_signature import sign, verify

pytestmark = pytest.mark.timeout(30)

NOW = 1_700_000_000
SECRET = "acme-webhook-secret"
EVENT = WebhookEvent(
    event_id="SH-0001:42",
    body={
        "type": "parcel.collected",
        "tracking": "AC123456789CN",
        "carrier": "acme",
        "locker": "SH-0001",
        "door": "A01",
        "state": "collected",
        "at": "2025-03-01T14:05:09+08:00",
        "note": "取件",
    },
)


def event_message(carrier: str = "acme", event: WebhookEvent | None = EVENT) -> OutgoingMessage:
    return OutgoingMessage(
        message_id="7", kind="collected", recipient=carrier, language="en", event=event
    )


@dataclass
class Call:
    path: str
    headers: Message
    body: bytes


@dataclass
class CarrierServer:
    """What the carrier's server answers, and every call it received."""

    status: int = 200
    reply: bytes = b"ok"
    reply_headers: dict[str, str] = field(default_factory=dict)
    silent: bool = False
    calls: list[Call] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)
    url: str = ""


class _Handler(BaseHTTPRequestHandler):
    carrier: CarrierServer

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.carrier.calls.append(Call(self.path, self.headers, body))
        if self.carrier.silent:
            self.carrier.release.wait()  # until the test ends; the caller gives up first
            return
        self.send_response(self.carrier.status)
        for name, value in self.carrier.reply_headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(self.carrier.reply)))
        self.end_headers()
        self.wfile.write(self.carrier.reply)

    def log_message(self, format: str, *args: object) -> None:
        pass  # the test reads `calls`, not the server's log


@pytest.fixture
def carrier() -> Iterator[CarrierServer]:
    state = CarrierServer()
    handler = type("Handler", (_Handler,), {"carrier": state})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/locker?v=1"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield state
    finally:
        state.release.set()
        server.shutdown()
        server.server_close()  # joins the handler threads
        thread.join()


def channel_to(url: str, secret: str = SECRET, timeout_s: float = 5.0) -> WebhookChannel:
    return WebhookChannel({"acme": (url, secret)}, timeout_s, clock=lambda: NOW + 0.7)


def test_an_event_goes_to_its_carrier_as_compact_utf8_json_with_its_headers(carrier):
    receipt = channel_to(carrier.url).send(event_message())

    assert receipt == "SH-0001:42"
    [call] = carrier.calls
    assert call.path == "/hooks/locker?v=1"
    assert call.body == json.dumps(
        EVENT.body, ensure_ascii=False, sort_keys=True, separators=(",", ":")
    ).encode("utf-8")
    assert "取件".encode() in call.body
    assert json.loads(call.body) == EVENT.body
    assert call.headers["Content-Type"] == "application/json"
    assert call.headers["X-Locker-Timestamp"] == str(NOW)
    assert call.headers["X-Locker-Event-Id"] == "SH-0001:42"


def test_the_signature_verifies_with_the_carriers_secret_and_no_other(carrier):
    channel_to(carrier.url).send(event_message())

    [call] = carrier.calls
    timestamp = call.headers["X-Locker-Timestamp"]
    signature = call.headers["X-Locker-Signature"]
    assert verify(SECRET, timestamp, call.body, signature, now=NOW + 5)
    assert not verify("another-carriers-secret", timestamp, call.body, signature, now=NOW + 5)
    assert not verify(SECRET, timestamp, call.body + b" ", signature, now=NOW + 5)


def test_every_try_of_one_message_carries_the_same_event_id(carrier):
    times = iter([NOW, NOW + 60])
    channel = WebhookChannel({"acme": (carrier.url, SECRET)}, 5.0, clock=lambda: next(times))

    channel.send(event_message())
    channel.send(event_message())

    first, second = carrier.calls
    assert first.headers["X-Locker-Event-Id"] == second.headers["X-Locker-Event-Id"]
    # Each try is signed afresh, so a carrier's replay window never refuses a late retry.
    assert first.headers["X-Locker-Timestamp"] != second.headers["X-Locker-Timestamp"]
    for call in (first, second):
        headers = call.headers
        assert verify(
            SECRET,
            headers["X-Locker-Timestamp"],
            call.body,
            headers["X-Locker-Signature"],
            now=NOW + 60,
        )


@pytest.mark.parametrize("status", [200, 201, 202, 204])
def test_any_2xx_means_delivered(carrier, status):
    carrier.status, carrier.reply = status, b""
    assert channel_to(carrier.url).send(event_message()) == "SH-0001:42"


@pytest.mark.parametrize(
    ("status", "permanent"),
    [
        (500, False),
        (502, False),
        (503, False),
        (408, False),
        (429, False),
        (410, True),
        (400, True),
        (401, True),
        (403, True),
        (404, True),
        (422, True),
    ],
)
def test_the_status_says_whether_another_try_can_help(carrier, status, permanent):
    carrier.status = status

    with pytest.raises(DeliveryError) as refused:
        channel_to(carrier.url).send(event_message())

    assert refused.value.permanent is permanent
    assert f"HTTP {status}" in str(refused.value)


@pytest.mark.parametrize(
    ("status", "permanent"), [(301, True), (308, True), (302, False), (303, False), (307, False)]
)
def test_a_redirect_is_not_followed(carrier, status, permanent):
    carrier.status = status
    carrier.reply_headers = {"Location": carrier.url.replace("/hooks/", "/moved/")}

    with pytest.raises(DeliveryError) as refused:
        channel_to(carrier.url).send(event_message())

    assert refused.value.permanent is permanent
    assert "/moved/" in str(refused.value)
    assert [call.path for call in carrier.calls] == ["/hooks/locker?v=1"]


def test_the_error_quotes_the_carriers_reply_on_one_line(carrier):
    carrier.status, carrier.reply = 400, b"unknown\r\ntracking " + b"x" * 1000

    with pytest.raises(DeliveryError) as refused:
        channel_to(carrier.url).send(event_message())

    text = str(refused.value)
    assert text.startswith("HTTP 400 Bad Request: unknown tracking xxx")
    assert "\n" not in text and len(text) <= 200


@pytest.mark.timeout(10)  # well past the 0.3 s the channel may wait: it must give up by itself
def test_a_carrier_that_does_not_answer_within_the_timeout_is_tried_again_later(carrier):
    carrier.silent = True

    with pytest.raises(DeliveryError) as refused:
        channel_to(carrier.url, timeout_s=0.3).send(event_message())

    assert refused.value.permanent is False
    assert len(carrier.calls) == 1


def test_a_refused_connection_is_tried_again_later():
    # A socket bound but not listening refuses connections, and holds the port meanwhile.
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{closed.getsockname()[1]}/hook"

        with pytest.raises(DeliveryError) as refused:
            channel_to(url).send(event_message())

    assert refused.value.permanent is False


def test_an_https_target_never_gets_the_event_in_clear(carrier):
    url = carrier.url.replace("http://", "https://")

    with pytest.raises(DeliveryError) as refused:
        channel_to(url).send(event_message())

    assert refused.value.permanent is False
    assert carrier.calls == []


def test_a_carrier_without_a_webhook_is_not_reached(carrier):
    channel = channel_to(carrier.url)

    assert channel.reaches("acme")
    assert not channel.reaches("other-carrier")
    with pytest.raises(DeliveryError) as refused:
        channel.send(event_message(carrier="other-carrier"))
    assert refused.value.permanent is True
    assert carrier.calls == []


@pytest.mark.parametrize(
    "url",
    [
        "",
        "not a url",
        "ftp://127.0.0.1/hook",
        "file:///etc/passwd",
        "http://",
        "http:///path-only",
        "http://127.0.0.1:99999/hook",
        "http://[::1/hook",
        "http://127.0.0.1/hook\r\nX-Evil: 1",
        "http://127.0.0.1/hook path",
        "http://127.0.0.1/取件",
        "http://user:password@127.0.0.1/hook",
        "javascript:alert(1)",
    ],
)
def test_a_url_the_channel_cannot_call_safely_reaches_no_one(url):
    channel = channel_to(url)

    assert not channel.reaches("acme")
    with pytest.raises(DeliveryError) as refused:
        channel.send(event_message())
    assert refused.value.permanent is True


def test_a_carrier_without_a_secret_is_not_reached(carrier):
    assert not channel_to(carrier.url, secret="").reaches("acme")


@pytest.mark.parametrize("name", ["", "ACME", "acme ", "acme\n", "\x00", "a" * 10_000, "../acme"])
def test_hostile_carrier_names_reach_no_one(carrier, name):
    assert not channel_to(carrier.url).reaches(name)


@pytest.mark.parametrize(
    "message",
    [
        event_message(event=None),
        event_message(event=WebhookEvent("SH-0001:42\r\nX-Evil: 1", {"type": "x"})),
        event_message(event=WebhookEvent("", {"type": "x"})),
        event_message(event=WebhookEvent("SH-0001:42", {"not": {"json"}})),
        event_message(event=WebhookEvent("SH-0001:42", {"nan": float("nan")})),
    ],
    ids=["no-event", "header-injection", "empty-id", "set", "nan"],
)
def test_a_message_that_cannot_make_a_call_fails_for_good_without_one(carrier, message):
    with pytest.raises(DeliveryError) as refused:
        channel_to(carrier.url).send(message)

    assert refused.value.permanent is True
    assert carrier.calls == []


def test_the_check_in_the_docs_accepts_the_lockers_call_and_refuses_a_forgery(carrier):
    docs = Path(__file__).resolve().parents[2] / "docs" / "webhooks.md"
    example = re.search(r"```python\n(.*?)```", docs.read_text(encoding="utf-8"), re.DOTALL)
    namespace: dict[str, object] = {}
    exec(example.group(1), namespace)
    is_from_the_locker = namespace["is_from_the_locker"]
    channel_to(carrier.url).send(event_message())
    [call] = carrier.calls

    assert is_from_the_locker(SECRET, call.headers, call.body, now=NOW + 5)
    assert not is_from_the_locker("another-carriers-secret", call.headers, call.body, now=NOW + 5)
    assert not is_from_the_locker(SECRET, call.headers, call.body, now=NOW + 3600)


# The verifying side, as a carrier runs it.

BODY = b'{"type":"parcel.collected"}'


def test_a_signed_call_verifies_within_the_tolerance_either_way():
    signature = sign(SECRET, str(NOW), BODY)

    assert verify(SECRET, str(NOW), BODY, signature, now=NOW)
    assert verify(SECRET, str(NOW), BODY, signature, now=NOW + 300)
    assert verify(SECRET, str(NOW), BODY, signature, now=NOW - 300)


@pytest.mark.parametrize("now", [NOW + 301, NOW - 301, NOW + 86_400])
def test_a_stale_or_future_timestamp_is_refused(now):
    signature = sign(SECRET, str(NOW), BODY)

    assert not verify(SECRET, str(NOW), BODY, signature, now=now)


@pytest.mark.parametrize(
    "timestamp", ["", " 1700000000", "+1700000000", "1_700_000_000", "1.7e9", "１７００", "9" * 40]
)
def test_a_malformed_timestamp_is_refused(timestamp):
    assert not verify(SECRET, timestamp, BODY, sign(SECRET, str(NOW), BODY), now=NOW)


def test_a_tolerance_of_the_carriers_choice_is_honoured():
    signature = sign(SECRET, str(NOW), BODY)

    assert not verify(SECRET, str(NOW), BODY, signature, now=NOW + 61, tolerance_s=60)


@given(signature=st.text())
def test_any_other_signature_is_refused_and_never_raises(signature):
    if signature == sign(SECRET, str(NOW), BODY):
        return
    assert not verify(SECRET, str(NOW), BODY, signature, now=NOW)
