"""The generic HTTP SMS gateway, against a real HTTP server on loopback."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterator

import pytest

from locker.message_channel import DeliveryError, OutgoingMessage
from locker.notify.sms_http import HttpSmsGateway
from tests.support.provider_server import Answer, ProviderServer, clear_proxies, refused_port
from tests.support.sms_messages import sms_message

pytestmark = pytest.mark.timeout(30)

SECRET = "gateway-secret"


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    clear_proxies(monkeypatch)


@pytest.fixture
def gateway() -> Iterator[ProviderServer]:
    with ProviderServer(lambda received: Answer(200, {"id": "gw-77"})) as server:
        yield server


def channel(server: ProviderServer, timeout_s: float = 5.0) -> HttpSmsGateway:
    return HttpSmsGateway(url=server.url + "/sms", secret=SECRET, timeout_s=timeout_s)


def failure(answer: Answer) -> DeliveryError:
    """The DeliveryError that sending an SMS gets from a gateway that answers so."""
    with ProviderServer(lambda received: answer) as server, pytest.raises(DeliveryError) as failed:
        channel(server).send(sms_message())
    return failed.value


def test_posts_the_template_params_phone_and_text_signed_over_the_exact_body(
    gateway: ProviderServer,
) -> None:
    message = sms_message("deposited", "zh", recipient="13812345678", message_id="msg-42")
    assert message.sms is not None

    assert channel(gateway).send(message) == "gw-77"

    (request,) = gateway.received
    assert (request.method, request.path) == ("POST", "/sms")
    assert request.headers["Content-Type"] == "application/json; charset=utf-8"
    assert request.json() == {
        "template": "deposited.zh",
        "params": dict(message.sms.params),
        "phone": "13812345678",
        "message_id": "msg-42",
        "text": message.sms.text,
    }
    expected = hmac.new(SECRET.encode(), request.body, hashlib.sha256).hexdigest()
    assert request.headers["X-Locker-Signature"] == f"sha256={expected}"
    assert request.headers["X-Locker-Message-Id"] == "msg-42"


def test_the_message_id_is_the_receipt_when_the_gateway_gives_no_id() -> None:
    with ProviderServer(lambda received: Answer(202, b"accepted")) as server:
        assert channel(server).send(sms_message(message_id="msg-7")) == "msg-7"


@pytest.mark.parametrize("status", [400, 401, 403, 404, 410, 422])
def test_a_refusal_is_permanent(status: int) -> None:
    refused = failure(Answer(status, {"error": "bad number"}))
    assert refused.permanent
    assert str(status) in str(refused)


@pytest.mark.parametrize("status", [408, 429, 500, 502, 503, 504])
def test_a_busy_or_failing_gateway_is_temporary(status: int) -> None:
    assert not failure(Answer(status, {"error": "later"})).permanent


def test_a_redirect_is_not_followed_as_a_get_without_the_sms() -> None:
    moved = Answer(302, b"", headers=(("Location", "/elsewhere"),))
    with ProviderServer(lambda received: moved) as server:
        with pytest.raises(DeliveryError) as refused:
            channel(server).send(sms_message())
        assert [request.method for request in server.received] == ["POST"]
    assert refused.value.permanent


def test_a_gateway_that_is_down_is_temporary() -> None:
    with refused_port() as port:
        down = HttpSmsGateway(url=f"http://127.0.0.1:{port}/sms", secret=SECRET, timeout_s=5)
        with pytest.raises(DeliveryError) as failed:
            down.send(sms_message())
    assert not failed.value.permanent


def test_a_gateway_too_slow_to_answer_is_temporary_within_the_timeout() -> None:
    with ProviderServer() as server:
        server.stalled = True
        with pytest.raises(DeliveryError) as failed:
            channel(server, timeout_s=0.3).send(sms_message())
    assert not failed.value.permanent


def test_the_error_names_no_phone_in_clear() -> None:
    refused = str(failure(Answer(400, {"error": "invalid number 13812345678"})))
    assert "13812345678" not in refused
    assert "138****5678" in refused


@pytest.mark.parametrize(
    ("recipient", "reached"),
    [
        ("13812345678", True),
        ("+8613812345678", True),
        ("85291234", True),
        ("1234567", False),
        ("138 1234 5678", False),
        ("someone@example.com", False),
        ("SF-EXPRESS", False),
        ("", False),
    ],
)
def test_reaches_a_phone_as_the_locker_stores_it(recipient: str, reached: bool) -> None:
    assert HttpSmsGateway(url="https://sms.example", secret=SECRET).reaches(recipient) is reached


def test_a_message_to_no_phone_or_without_an_sms_fails_for_good_and_sends_nothing(
    gateway: ProviderServer,
) -> None:
    to_mail = sms_message(recipient="someone@example.com")
    no_sms = OutgoingMessage("msg-9", "deposited", "13812345678", "zh")
    for message in (to_mail, no_sms):
        with pytest.raises(DeliveryError) as refused:
            channel(gateway).send(message)
        assert refused.value.permanent
    assert gateway.received == []


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://sms.example/", "sms.example"])
def test_only_an_http_url_is_accepted(url: str) -> None:
    with pytest.raises(ValueError, match="http"):
        HttpSmsGateway(url=url, secret=SECRET)


def test_a_secret_is_required() -> None:
    with pytest.raises(ValueError, match="secret"):
        HttpSmsGateway(url="https://sms.example", secret="")
