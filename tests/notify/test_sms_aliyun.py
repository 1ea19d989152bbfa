"""Aliyun SMS through its official SDK, pointed at a real HTTP server on loopback."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator

import pytest

from locker.domain.message_texts import (
    KINDS,
    LANGUAGES,
    MAX_SMS_PARAM_CHARS,
    TEMPLATE_PARAMS,
    MessageFacts,
)
from locker.message_channel import DeliveryError
from locker.notify.sms_aliyun import AliyunSms
from tests.support.provider_server import (
    Answer,
    ProviderServer,
    Received,
    clear_proxies,
    refused_port,
)
from tests.support.sms_messages import FACTS, LONG_ENGLISH_FACTS, LONG_FACTS, sms_message

pytestmark = pytest.mark.timeout(30)

# Our template names to the provider's codes, as the sms_templates setting gives them.
TEMPLATES = {
    f"{kind}.{language}": f"SMS_{100 + n}"
    for n, (kind, language) in enumerate((k, lang) for k in KINDS for lang in LANGUAGES)
}


def answer(
    code: str = "OK", message: str = "OK", biz_id: str | None = "900619746936498^0"
) -> Callable[[Received], Answer]:
    """SendSms's answer as Aliyun gives it (SendSmsResponseBody): HTTP 200 whatever the code."""
    body = {"Code": code, "Message": message, "RequestId": "F655A8D5-B967-440B-8683-DAD6FF8DE990"}
    if biz_id is not None:
        body["BizId"] = biz_id
    return lambda received: Answer(200, body)


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    clear_proxies(monkeypatch)


@pytest.fixture
def aliyun() -> Iterator[ProviderServer]:
    with ProviderServer(answer()) as server:
        yield server


def channel(
    server_endpoint: str, timeout_s: float = 5.0, templates: dict[str, str] = TEMPLATES
) -> AliyunSms:
    return AliyunSms(
        access_key_id="LTAI-test-key",
        access_key_secret="test-secret",
        sign_name="望京快递柜",
        templates=templates,
        endpoint=server_endpoint,
        protocol="http",
        timeout_s=timeout_s,
    )


def failure(answer: Callable[[Received], Answer]) -> DeliveryError:
    """The DeliveryError that sending an SMS gets from a server that answers so."""
    with ProviderServer(answer) as server, pytest.raises(DeliveryError) as failed:
        channel(server.endpoint).send(sms_message())
    return failed.value


def test_sends_the_template_code_sign_phone_and_params_and_returns_the_biz_id(
    aliyun: ProviderServer,
) -> None:
    message = sms_message("deposited", "zh", recipient="13812345678", message_id="msg-42")
    assert message.sms is not None

    assert channel(aliyun.endpoint).send(message) == "900619746936498^0"

    (request,) = aliyun.received
    assert request.method == "POST"
    assert request.headers["x-acs-action"] == "SendSms"
    assert request.headers["x-acs-version"] == "2017-05-25"
    assert "Credential=LTAI-test-key," in request.headers["Authorization"]
    sent = request.query
    assert sent["TemplateCode"] == TEMPLATES["deposited.zh"]
    assert sent["SignName"] == "望京快递柜"
    assert sent["PhoneNumbers"] == "13812345678"
    assert sent["OutId"] == "msg-42"
    assert json.loads(sent["TemplateParam"]) == dict(message.sms.params)


def test_an_international_number_goes_as_country_code_and_number(aliyun: ProviderServer) -> None:
    channel(aliyun.endpoint).send(sms_message(recipient="+85291234567"))
    assert aliyun.received[0].query["PhoneNumbers"] == "85291234567"


@pytest.mark.parametrize("facts", [LONG_FACTS, LONG_ENGLISH_FACTS], ids=["zh-name", "en-name"])
@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_and_language_fits_aliyuns_parameter_limits(
    aliyun: ProviderServer, kind: str, language: str, facts: MessageFacts
) -> None:
    channel(aliyun.endpoint).send(sms_message(kind, language, facts=facts))

    params = json.loads(aliyun.received[0].query["TemplateParam"])
    assert aliyun.received[0].query["TemplateCode"] == TEMPLATES[f"{kind}.{language}"]
    assert tuple(params) == TEMPLATE_PARAMS[kind]
    for name, value in params.items():
        assert 1 <= len(value) <= MAX_SMS_PARAM_CHARS, (name, value)
        assert not any(link in value.lower() for link in ("http", "://", "www.")), (name, value)


def test_a_template_without_a_code_fails_for_good_naming_it(aliyun: ProviderServer) -> None:
    partial = channel(aliyun.endpoint, templates={"deposited.zh": "SMS_001"})
    with pytest.raises(DeliveryError, match=r"reminder\.en") as refused:
        partial.send(sms_message("reminder", "en"))
    assert refused.value.permanent
    assert aliyun.received == []


@pytest.mark.parametrize(
    "code",
    [
        "isv.MOBILE_NUMBER_ILLEGAL",
        "isv.SMS_TEMPLATE_ILLEGAL",
        "isv.SMS_SIGNATURE_ILLEGAL",
        "isv.TEMPLATE_PARAMS_ILLEGAL",
        "isv.BLACK_KEY_CONTROL_LIMIT",
        "isv.PARAM_LENGTH_LIMIT",
        "isv.PARAM_NOT_SUPPORT_URL",
    ],
)
def test_a_code_that_rejects_the_message_is_permanent(code: str) -> None:
    refused = failure(answer(code, "rejected", biz_id=None))
    assert refused.permanent
    assert code in str(refused)


@pytest.mark.parametrize(
    "code",
    [
        "isv.BUSINESS_LIMIT_CONTROL",
        "isv.DAY_LIMIT_CONTROL",
        "isv.AMOUNT_NOT_ENOUGH",
        "isp.SYSTEM_ERROR",
    ],
)
def test_throttling_and_account_limits_are_temporary(code: str) -> None:
    failed = failure(answer(code, "later", biz_id=None))
    assert not failed.permanent
    assert code in str(failed)


@pytest.mark.parametrize(
    ("status", "code", "permanent"),
    [
        (404, "InvalidAccessKeyId.NotFound", True),
        (400, "MissingPhoneNumbers", True),
        (400, "isv.MOBILE_NUMBER_ILLEGAL", True),
        (400, "Throttling.User", False),
        (400, "InvalidTimeStamp.Expired", False),
        (429, "Throttling", False),
        (500, "InternalError", False),
        (503, "ServiceUnavailable", False),
    ],
)
def test_an_http_error_answer_is_sorted_by_its_code_and_status(
    status: int, code: str, permanent: bool
) -> None:
    error = {"Code": code, "Message": "refused", "RequestId": "A1B2"}
    failed = failure(lambda received: Answer(status, error))
    assert failed.permanent is permanent
    assert code in str(failed)


def test_a_server_that_is_down_is_temporary() -> None:
    with refused_port() as port, pytest.raises(DeliveryError) as failed:
        channel(f"127.0.0.1:{port}").send(sms_message())
    assert not failed.value.permanent
    # The SDK's network error quotes the URL, whose query holds the parameters.
    assert FACTS.code is not None
    assert FACTS.code not in str(failed.value)


def test_a_server_too_slow_to_answer_is_temporary_within_the_timeout() -> None:
    with ProviderServer() as server:
        server.stalled = True
        with pytest.raises(DeliveryError) as failed:
            channel(server.endpoint, timeout_s=0.3).send(sms_message())
    assert not failed.value.permanent


def test_an_answer_that_is_not_json_is_temporary() -> None:
    assert not failure(lambda received: Answer(200, b"<html>gateway</html>")).permanent


def test_reaches_only_phones() -> None:
    sms = channel("127.0.0.1:1")
    assert sms.reaches("13812345678")
    assert sms.reaches("+85291234567")
    assert not sms.reaches("someone@example.com")


def test_keys_and_a_sign_name_are_required() -> None:
    with pytest.raises(ValueError, match="sign"):
        AliyunSms(access_key_id="k", access_key_secret="s", sign_name="", templates=TEMPLATES)
