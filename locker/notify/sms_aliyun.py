"""SMS through Aliyun (Alibaba Cloud) SMS, with its official SDK (`pip install .[sms-aliyun]`).

Aliyun sends only approved templates: our template name ("deposited.zh") maps to the provider's
template code, and the parameters go as a JSON object whose names are the template's variables
(`${locker}`, `${code}`...).
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from alibabacloud_dysmsapi20170525 import models  # type: ignore[import-untyped]
from alibabacloud_dysmsapi20170525.client import Client  # type: ignore[import-untyped]
from alibabacloud_tea_openapi.exceptions import (  # type: ignore[import-untyped]
    AlibabaCloudException,
    ThrottlingException,
)
from alibabacloud_tea_openapi.utils_models import Config  # type: ignore[import-untyped]
from darabonba.runtime import RuntimeOptions  # type: ignore[import-untyped]
from Tea.exceptions import TeaException  # type: ignore[import-untyped]

from locker.message_channel import SMS, DeliveryError, OutgoingMessage
from locker.notify.provider_answer import error_text, receipt
from locker.notify.sms_message import is_phone, provider_template, sms_parts

# SendSms answer codes, from Aliyun's list of SMS API error codes
# (https://help.aliyun.com/document_detail/101346.html). "OK" is the only success.
OK = "OK"
# The message as it stands can never go: the number, template, signature or parameters are
# wrong, or the content is blocked. Any other code may clear (throttling, a daily limit, the
# balance, the provider's own errors), so a later try is worth it; the outbox bounds the tries.
PERMANENT_CODES = frozenset(
    {
        "isv.MOBILE_NUMBER_ILLEGAL",
        "isv.MOBILE_COUNT_OVER_LIMIT",
        "isv.DOMESTIC_NUMBER_NOT_SUPPORTED",
        "isv.SMS_TEMPLATE_ILLEGAL",
        "isv.SMS_SIGNATURE_ILLEGAL",
        "isv.SMS_SIGNATURE_SCENE_ILLEGAL",
        "isv.TEMPLATE_PARAMS_ILLEGAL",
        "isv.TEMPLATE_MISSING_PARAMETERS",
        "isv.INVALID_JSON_PARAM",
        "isv.INVALID_PARAMETERS",
        "isv.PARAM_LENGTH_LIMIT",
        "isv.PARAM_NOT_SUPPORT_URL",
        "isv.BLACK_KEY_CONTROL_LIMIT",
        "isv.SMS_CONTENT_ILLEGAL",
        "isv.EXTEND_CODE_ERROR",
        "isv.SMS_TEST_NUMBER_LIMIT",
        "isv.SMS_TEST_SIGN_TEMPLATE_LIMIT",
    }
)
# Refused with an HTTP 4xx yet worth another try: throttling, and a request signed with a clock
# that was wrong (a locker that booted without network time).
_TEMPORARY_CODES = frozenset(
    {"isv.BUSINESS_LIMIT_CONTROL", "InvalidTimeStamp.Expired", "SignatureNonceUsed"}
)
_TEMPORARY_CODE_PREFIXES = ("Throttling",)
_RETRYABLE_CLIENT_STATUSES = frozenset({408, 429})
DEFAULT_REGION = "cn-hangzhou"


class AliyunSms:
    """An SMS channel through Aliyun SMS; `templates` maps our template names to its codes."""

    name = SMS

    def __init__(
        self,
        *,
        access_key_id: str,
        access_key_secret: str,
        sign_name: str,
        templates: Mapping[str, str],
        region: str = "",
        endpoint: str = "",
        protocol: str = "https",
        timeout_s: float = 10.0,
    ) -> None:
        if not (access_key_id and access_key_secret and sign_name):
            raise ValueError("Aliyun SMS needs an AccessKey ID, its secret and a sign name")
        self._sign_name = sign_name
        self._templates = dict(templates)
        self._client = Client(
            Config(
                access_key_id=access_key_id,
                access_key_secret=access_key_secret,
                region_id=region or DEFAULT_REGION,
                # Empty: the SDK picks the region's public endpoint.
                endpoint=endpoint or None,
                protocol=protocol,
            )
        )
        timeout_ms = max(1, round(timeout_s * 1000))
        self._runtime = RuntimeOptions(read_timeout=timeout_ms, connect_timeout=timeout_ms)

    def reaches(self, recipient: str) -> bool:
        """True for a phone number as the locker stores it."""
        return is_phone(recipient)

    def send(self, message: OutgoingMessage) -> str:
        """Send the SMS's template; Aliyun's BizId once it answers OK."""
        sms, phone = sms_parts(message)
        code = provider_template(self._templates, sms.template, "Aliyun")
        request = models.SendSmsRequest(
            # International numbers go as country code and number, without '+'.
            phone_numbers=phone.removeprefix("+"),
            sign_name=self._sign_name,
            template_code=code,
            template_param=json.dumps(dict(sms.params), ensure_ascii=False),
            out_id=message.message_id,
        )
        # Raised `from None`: the SDK's errors quote the request's URL, whose query holds the
        # parameters, and a logged traceback must not carry the pickup code.
        try:
            response = self._client.send_sms_with_options(request, self._runtime)
        except ThrottlingException as error:
            raise DeliveryError(f"Aliyun SMS throttled: {_said(error)}") from None
        except AlibabaCloudException as error:
            raise DeliveryError(
                f"Aliyun SMS refused: {_said(error)}", _refused_for_good(error)
            ) from None
        except TeaException as error:
            # The SDK wraps a refused connection, a timeout or an unreadable answer.
            cause = getattr(error, "inner_exception", None) or error
            said = error_text(getattr(cause, "message", None) or cause)
            raise DeliveryError(f"Aliyun SMS not reached: {said}") from None
        body = response.body
        answer = getattr(body, "code", None)
        if answer == OK:
            return receipt(body.biz_id, message.message_id)
        said = error_text(f"{answer} {getattr(body, 'message', '')}")
        raise DeliveryError(f"Aliyun SMS refused: {said}", answer in PERMANENT_CODES)


def _said(error: AlibabaCloudException) -> str:
    return error_text(f"{error.code} {error.message}")


def _refused_for_good(error: AlibabaCloudException) -> bool:
    """True when an HTTP error answer means trying again cannot help."""
    code = str(error.code)
    if code in PERMANENT_CODES:
        return True
    if code in _TEMPORARY_CODES or code.startswith(_TEMPORARY_CODE_PREFIXES):
        return False
    status = error.status_code or 0
    return 400 <= status < 500 and status not in _RETRYABLE_CLIENT_STATUSES
