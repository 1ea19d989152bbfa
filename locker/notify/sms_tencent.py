"""SMS through Tencent Cloud SMS, with its official SDK (`pip install .[sms-tencent]`).

Tencent sends only approved templates: our template name ("deposited.zh") maps to the
provider's template id, and the parameters go as a list in the template's order ({1}, {2}...),
which is `TEMPLATE_PARAMS[kind]`.
"""

from __future__ import annotations

from collections.abc import Mapping

from tencentcloud.common.credential import Credential  # type: ignore[import-untyped]
from tencentcloud.common.exception.tencent_cloud_sdk_exception import (  # type: ignore[import-untyped]
    TencentCloudSDKException,
)
from tencentcloud.common.profile.client_profile import ClientProfile  # type: ignore[import-untyped]
from tencentcloud.common.profile.http_profile import HttpProfile  # type: ignore[import-untyped]
from tencentcloud.sms.v20210111 import models  # type: ignore[import-untyped]
from tencentcloud.sms.v20210111.sms_client import SmsClient  # type: ignore[import-untyped]

from locker.domain.message_texts import TEMPLATE_PARAMS
from locker.message_channel import SMS, DeliveryError, OutgoingMessage, SmsText
from locker.notify.provider_answer import error_text, receipt
from locker.notify.sms_message import e164, is_phone, provider_template, sms_parts

# Answer codes, from the SDK's `tencentcloud/sms/v20210111/errorcodes.py` and the SendSms API's
# list of error codes (API version 2021-01-11). "Ok" is the only success.
OK = "Ok"
# The message as it stands can never go: the number, template, signature or parameters are
# wrong, or the content or number is blocked.
PERMANENT_CODES = frozenset(
    {
        "FailedOperation.ContainSensitiveWord",
        "FailedOperation.FailResolvePacket",
        "FailedOperation.JsonParseFail",
        "FailedOperation.MissingSignature",
        "FailedOperation.PhoneNumberInBlacklist",
        "FailedOperation.PhoneNumberParseFail",
        "FailedOperation.SignatureIncorrectOrUnapproved",
        "FailedOperation.TemplateIdNotExist",
        "FailedOperation.TemplateIncorrectOrUnapproved",
        "FailedOperation.TemplateParamSetNotMatchApprovedTemplate",
        "FailedOperation.TemplateUnapprovedOrNotExist",
        "LimitExceeded.AppCountryOrRegionInBlacklist",
        "LimitExceeded.PhoneNumberCountLimit",
    }
)
# Whole families of codes that say the request itself is wrong (a phone number Tencent cannot
# read, a parameter too long or holding a link, a template for another region).
PERMANENT_CODE_PREFIXES = ("InvalidParameter", "MissingParameter", "UnsupportedOperation")
# Every other code may clear with time: LimitExceeded.* (throttling, daily limits),
# InternalError.*, an empty balance, and the SDK's ClientNetworkError (no connection, a timeout)
# and ServerNetworkError (an answer other than 200). The outbox bounds the tries.
DEFAULT_REGION = "ap-guangzhou"


def is_permanent(code: str) -> bool:
    """True when Tencent's answer code means trying this message again cannot help."""
    return code in PERMANENT_CODES or code.startswith(PERMANENT_CODE_PREFIXES)


class TencentSms:
    """An SMS channel through Tencent Cloud SMS; `templates` maps our template names to its ids.

    `access_key_id` and `access_key_secret` are Tencent Cloud's SecretId and SecretKey, and
    `app_id` the SmsSdkAppId.
    """

    name = SMS

    def __init__(
        self,
        *,
        access_key_id: str,
        access_key_secret: str,
        app_id: str,
        sign_name: str,
        templates: Mapping[str, str],
        region: str = "",
        endpoint: str = "",
        protocol: str = "https",
        timeout_s: float = 10.0,
    ) -> None:
        if not (access_key_id and access_key_secret and app_id and sign_name):
            raise ValueError(
                "Tencent Cloud SMS needs a SecretId, a SecretKey, an app id and a sign"
            )
        self._app_id = app_id
        self._sign_name = sign_name
        self._templates = dict(templates)
        profile = ClientProfile(
            httpProfile=HttpProfile(
                protocol=protocol,
                # Empty: the SDK's public endpoint, sms.tencentcloudapi.com.
                endpoint=endpoint or None,
                reqTimeout=timeout_s,
            )
        )
        self._client = SmsClient(
            Credential(access_key_id, access_key_secret), region or DEFAULT_REGION, profile
        )

    def reaches(self, recipient: str) -> bool:
        """True for a phone number as the locker stores it."""
        return is_phone(recipient)

    def send(self, message: OutgoingMessage) -> str:
        """Send the SMS's template; Tencent's SerialNo once it answers Ok."""
        sms, phone = sms_parts(message)
        template_id = provider_template(self._templates, sms.template, "Tencent Cloud")
        request = models.SendSmsRequest()
        request.PhoneNumberSet = [e164(phone)]
        request.SmsSdkAppId = self._app_id
        request.SignName = self._sign_name
        request.TemplateId = template_id
        request.TemplateParamSet = _ordered_params(message.kind, sms)
        request.SessionContext = message.message_id
        try:
            response = self._client.SendSms(request)
        except TencentCloudSDKException as error:
            code = str(error.code)
            said = error_text(f"{code} {error.message}")
            raise DeliveryError(f"Tencent Cloud SMS refused: {said}", is_permanent(code)) from None
        statuses = response.SendStatusSet or []
        if not statuses:
            raise DeliveryError("Tencent Cloud SMS answered without a send status")
        status = statuses[0]
        code = str(status.Code)
        if code == OK:
            return receipt(status.SerialNo, message.message_id)
        said = error_text(f"{code} {status.Message}")
        raise DeliveryError(f"Tencent Cloud SMS refused: {said}", is_permanent(code))


def _ordered_params(kind: str, sms: SmsText) -> list[str]:
    """The template's parameters in its order; a parameter the text lacks is a permanent error."""
    names = TEMPLATE_PARAMS.get(kind, tuple(sms.params))
    missing = [name for name in names if name not in sms.params]
    if missing:
        raise DeliveryError(
            f"the {sms.template} SMS lacks the parameters {', '.join(missing)}", permanent=True
        )
    return [sms.params[name] for name in names]
