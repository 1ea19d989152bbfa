"""Tencent Cloud SMS through its official SDK, pointed at a real HTTP server on loopback."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from locker.domain.message_texts import KINDS, LANGUAGES, TEMPLATE_PARAMS
from locker.message_channel import DeliveryError
from locker.notify.sms_tencent import TencentSms
from tests.support.provider_server import (
    Answer,
    ProviderServer,
    Received,
    clear_proxies,
    refused_port,
)
from tests.support.sms_messages import FACTS, LONG_FACTS, sms_message

pytestmark = pytest.mark.timeout(30)

# Our template names to the provider's numeric template ids, as sms_templates gives them.
TEMPLATES = {
    f"{kind}.{language}": str(1_400_100 + n)
    for n, (kind, language) in enumerate((k, lang) for k in KINDS for lang in LANGUAGES)
}
REQUEST_ID = "a0aabda6-cf91-4f3e-a81f-9198114a2279"


def status(code: str = "Ok", message: str = "send success") -> Callable[[Received], Answer]:
    """SendSms's answer as Tencent gives it (SendSmsResponse): one SendStatus per number."""

    def answer(received: Received) -> Answer:
        sent = received.json()
        send_status = {
            "SerialNo": "5000:1045710669157053657849499619" if code == "Ok" else "",
            "PhoneNumber": sent["PhoneNumberSet"][0],
            "Fee": 1 if code == "Ok" else 0,
            "SessionContext": sent.get("SessionContext", ""),
            "Code": code,
            "Message": message,
            "IsoCode": "CN",
        }
        return Answer(200, {"Response": {"SendStatusSet": [send_status], "RequestId": REQUEST_ID}})

    return answer


def error(code: str, message: str = "refused") -> Callable[[Received], Answer]:
    """A refusal of the whole request, as Tencent's API gives it: HTTP 200 with an Error."""
    body = {"Response": {"Error": {"Code": code, "Message": message}, "RequestId": REQUEST_ID}}
    return lambda received: Answer(200, body)


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    clear_proxies(monkeypatch)


@pytest.fixture
def tencent() -> Iterator[ProviderServer]:
    with ProviderServer(status()) as server:
        yield server


def channel(
    server_endpoint: str, timeout_s: float = 5.0, templates: dict[str, str] = TEMPLATES
) -> TencentSms:
    return TencentSms(
        access_key_id="AKID-test",
        access_key_secret="test-secret-key",
        app_id="1400006666",
        sign_name="望京快递柜",
        templates=templates,
        region="ap-guangzhou",
        endpoint=server_endpoint,
        protocol="http",
        timeout_s=timeout_s,
    )


def failure(answer: Callable[[Received], Answer]) -> DeliveryError:
    """The DeliveryError that sending an SMS gets from a server that answers so."""
    with ProviderServer(answer) as server, pytest.raises(DeliveryError) as failed:
        channel(server.endpoint).send(sms_message())
    return failed.value


def test_sends_the_template_id_sign_app_phone_and_params_and_returns_the_serial_no(
    tencent: ProviderServer,
) -> None:
    message = sms_message("deposited", "zh", recipient="13812345678", message_id="msg-42")

    assert channel(tencent.endpoint).send(message) == "5000:1045710669157053657849499619"

    (request,) = tencent.received
    assert request.method == "POST"
    assert request.headers["X-TC-Action"] == "SendSms"
    assert request.headers["X-TC-Version"] == "2021-01-11"
    assert request.headers["X-TC-Region"] == "ap-guangzhou"
    assert "Credential=AKID-test/" in request.headers["Authorization"]
    assert request.json() == {
        "PhoneNumberSet": ["+8613812345678"],
        "SmsSdkAppId": "1400006666",
        "TemplateId": TEMPLATES["deposited.zh"],
        "SignName": "望京快递柜",
        "TemplateParamSet": ["望京SOHO", "A03", "48213975", "11月14日17:00"],
        "SessionContext": "msg-42",
    }


@pytest.mark.parametrize(
    ("stored", "sent"),
    [
        ("13812345678", "+8613812345678"),
        ("+8613812345678", "+8613812345678"),
        ("+85291234567", "+85291234567"),
    ],
)
def test_the_number_goes_in_e164(tencent: ProviderServer, stored: str, sent: str) -> None:
    channel(tencent.endpoint).send(sms_message(recipient=stored))
    assert tencent.received[0].json()["PhoneNumberSet"] == [sent]


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_sends_its_parameters_in_the_templates_order(
    tencent: ProviderServer, kind: str, language: str
) -> None:
    message = sms_message(kind, language, facts=LONG_FACTS)
    assert message.sms is not None

    channel(tencent.endpoint).send(message)

    sent = tencent.received[0].json()
    assert sent["TemplateId"] == TEMPLATES[f"{kind}.{language}"]
    assert sent["TemplateParamSet"] == [message.sms.params[name] for name in TEMPLATE_PARAMS[kind]]


def test_a_reminder_gives_the_deadline_before_the_hours_left(tencent: ProviderServer) -> None:
    channel(tencent.endpoint).send(sms_message("reminder", "en", facts=FACTS))
    assert tencent.received[0].json()["TemplateParamSet"] == [
        "望京SOHO",
        "A03",
        "14 Nov 17:00",
        "72",
    ]


def test_a_template_without_an_id_fails_for_good_naming_it(tencent: ProviderServer) -> None:
    partial = channel(tencent.endpoint, templates={"deposited.zh": "1400100"})
    with pytest.raises(DeliveryError, match=r"expired\.zh") as refused:
        partial.send(sms_message("expired", "zh"))
    assert refused.value.permanent
    assert tencent.received == []


@pytest.mark.parametrize(
    "code",
    [
        "FailedOperation.PhoneNumberInBlacklist",
        "InvalidParameterValue.IncorrectPhoneNumber",
        "FailedOperation.TemplateIncorrectOrUnapproved",
        "FailedOperation.SignatureIncorrectOrUnapproved",
        "FailedOperation.TemplateParamSetNotMatchApprovedTemplate",
        "InvalidParameterValue.ProhibitedUseUrlInTemplateParameter",
        "InvalidParameterValue.TemplateParameterLengthLimit",
        "UnsupportedOperation.ChineseMainlandTemplateToGlobalPhone",
    ],
)
def test_a_status_that_rejects_the_message_is_permanent(code: str) -> None:
    refused = failure(status(code, "rejected"))
    assert refused.permanent
    assert code in str(refused)


@pytest.mark.parametrize(
    "code",
    [
        "LimitExceeded.PhoneNumberThirtySecondLimit",
        "LimitExceeded.PhoneNumberDailyLimit",
        "LimitExceeded.DeliveryFrequencyLimit",
        "FailedOperation.InsufficientBalanceInSmsPackage",
        "InternalError.Timeout",
    ],
)
def test_throttling_and_the_providers_own_failures_are_temporary(code: str) -> None:
    failed = failure(status(code, "later"))
    assert not failed.permanent
    assert code in str(failed)


@pytest.mark.parametrize(
    ("code", "permanent"),
    [
        ("InvalidParameterValue.IncorrectPhoneNumber", True),
        ("FailedOperation.SignatureIncorrectOrUnapproved", True),
        ("MissingParameter.EmptyPhoneNumberSet", True),
        ("LimitExceeded.AppDailyLimit", False),
        ("RequestLimitExceeded", False),
        ("InternalError.SendAndRecvFail", False),
    ],
)
def test_a_refused_request_is_sorted_by_its_code(code: str, permanent: bool) -> None:
    failed = failure(error(code))
    assert failed.permanent is permanent
    assert code in str(failed)


def test_an_answer_other_than_200_is_temporary() -> None:
    assert not failure(lambda received: Answer(502, b"bad gateway")).permanent


def test_a_server_that_is_down_is_temporary() -> None:
    with refused_port() as port, pytest.raises(DeliveryError) as failed:
        channel(f"127.0.0.1:{port}").send(sms_message())
    assert not failed.value.permanent


def test_a_server_too_slow_to_answer_is_temporary_within_the_timeout() -> None:
    with ProviderServer() as server:
        server.stalled = True
        with pytest.raises(DeliveryError) as failed:
            channel(server.endpoint, timeout_s=0.3).send(sms_message())
    assert not failed.value.permanent


def test_reaches_only_phones() -> None:
    sms = channel("127.0.0.1:1")
    assert sms.reaches("13812345678")
    assert not sms.reaches("carrier:SF")


def test_keys_an_app_id_and_a_sign_name_are_required() -> None:
    with pytest.raises(ValueError, match="app id"):
        TencentSms(
            access_key_id="AKID",
            access_key_secret="key",
            app_id="",
            sign_name="望京快递柜",
            templates=TEMPLATES,
        )
