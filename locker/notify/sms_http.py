"""SMS through a generic HTTP gateway: our template name, its parameters and the whole text,
POSTed as JSON and signed with HMAC-SHA256 (the protocol is in docs/sms.md)."""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from locker.message_channel import SMS, DeliveryError, OutgoingMessage
from locker.notify.provider_answer import error_text, receipt
from locker.notify.sms_message import is_phone, sms_parts

SIGNATURE_HEADER = "X-Locker-Signature"
MESSAGE_ID_HEADER = "X-Locker-Message-Id"
# Client errors that a later try may get past: 408 Request Timeout (RFC 9110 §15.5.9) and
# 429 Too Many Requests (RFC 6585 §4). Every other 4xx is the gateway refusing this message.
_RETRYABLE_CLIENT_STATUSES = frozenset({408, 429})
# A gateway's answer is a short JSON object; anything longer is not read.
_MAX_ANSWER_BYTES = 64 * 1024


def signature(secret: str, body: bytes) -> str:
    """The signature header's value: 'sha256=' and the hex HMAC-SHA256 of the body's bytes."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Refuse redirects: urllib would repeat a redirected POST as a GET, without the SMS."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class HttpSmsGateway:
    """An SMS channel that POSTs each message to a gateway of the operator's own."""

    name = SMS

    def __init__(self, *, url: str, secret: str, timeout_s: float = 10.0) -> None:
        if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
            raise ValueError("the SMS gateway's URL must start with http:// or https://")
        if not secret:
            raise ValueError("the SMS gateway needs a secret to sign its requests with")
        self._url = url
        self._secret = secret
        self._timeout_s = timeout_s
        self._opener = urllib.request.build_opener(_NoRedirect)

    def reaches(self, recipient: str) -> bool:
        """True for a phone number as the locker stores it."""
        return is_phone(recipient)

    def send(self, message: OutgoingMessage) -> str:
        """POST the SMS; the gateway's id for it (or the message id) once it answers 2xx."""
        sms, phone = sms_parts(message)
        body = json.dumps(
            {
                "template": sms.template,
                "params": dict(sms.params),
                "phone": phone,
                "message_id": message.message_id,
                "text": sms.text,
            },
            ensure_ascii=False,
            separators=(",", ":"),
        ).encode("utf-8")
        request = urllib.request.Request(
            self._url,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json; charset=utf-8",
                SIGNATURE_HEADER: signature(self._secret, body),
                MESSAGE_ID_HEADER: message.message_id,
            },
        )
        try:
            with self._opener.open(request, timeout=self._timeout_s) as response:
                answer = response.read(_MAX_ANSWER_BYTES)
        except urllib.error.HTTPError as error:
            raise _refusal(error) from None
        except (urllib.error.URLError, OSError, http.client.HTTPException) as error:
            reason = error.reason if isinstance(error, urllib.error.URLError) else error
            raise DeliveryError(f"SMS gateway not reached: {error_text(reason)}") from error
        return receipt(_gateway_id(answer), message.message_id)


def _refusal(error: urllib.error.HTTPError) -> DeliveryError:
    """A non-2xx answer as a DeliveryError: permanent for a refusal, temporary for the rest."""
    try:
        said = error.read(1024).decode("utf-8", "replace")
    except (OSError, http.client.HTTPException):
        said = ""
    finally:
        error.close()
    status = error.code
    permanent = 300 <= status < 500 and status not in _RETRYABLE_CLIENT_STATUSES
    return DeliveryError(f"SMS gateway answered {status}: {error_text(said)}", permanent)


def _gateway_id(answer: bytes) -> object:
    """The `id` of a JSON object answer, if there is one."""
    try:
        parsed = json.loads(answer)
    except ValueError:
        return None
    return parsed.get("id") if isinstance(parsed, dict) else None
