"""Recipients' messages a fleet's locker hands to the centre on `lockers/{id}/outbox`.

The locker renders each message as it would send it; the centre's channels (the same adapters)
deliver it and answer with a signed `message_delivered`.
"""

from __future__ import annotations

import json
from typing import Any

from locker.message_channel import EmailText, OutgoingMessage, SmsText, WebhookEvent
from locker.wire import fields
from locker.wire.errors import WireFormatError

MAX_RELAY_BYTES = 262_144


def relay_bytes(channel: str, message: OutgoingMessage) -> bytes:
    """The message and the channel it goes out on, as JSON."""
    body: dict[str, Any] = {
        "channel": channel,
        "message_id": message.message_id,
        "kind": message.kind,
        "recipient": message.recipient,
        "language": message.language,
    }
    if message.sms is not None:
        body["sms"] = {
            "template": message.sms.template,
            "params": dict(message.sms.params),
            "text": message.sms.text,
        }
    if message.email is not None:
        body["email"] = {
            "subject": message.email.subject,
            "text": message.email.text,
            "html": message.email.html,
            "qr": message.email.qr,
        }
    if message.event is not None:
        body["event"] = {"event_id": message.event.event_id, "body": dict(message.event.body)}
    return json.dumps(body, ensure_ascii=False, sort_keys=True).encode()


def relay_from_bytes(raw: bytes) -> tuple[str, OutgoingMessage]:
    """(channel, message) from a relayed payload; WireFormatError when it is not one."""
    if len(raw) > MAX_RELAY_BYTES:
        raise WireFormatError(f"a relayed message is at most {MAX_RELAY_BYTES} bytes")
    try:
        decoded = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as error:
        raise WireFormatError("a relayed message is a JSON object") from error
    body = fields.mapping(decoded, "a relayed message")
    try:
        sms = _sms(body.get("sms"))
        email = _email(body.get("email"))
        event = _event(body.get("event"))
        message = OutgoingMessage(
            fields.text(body, "message_id", limit=120),
            fields.name(body, "kind"),
            fields.text(body, "recipient", limit=320),
            fields.name(body, "language"),
            sms,
            email,
            event,
        )
    except (KeyError, TypeError) as error:
        raise WireFormatError(f"a relayed message lacks {error}") from error
    return fields.name(body, "channel"), message


def _texts(value: object, what: str) -> dict[str, str]:
    mapping = fields.mapping(value, what)
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in mapping.items()):
        raise WireFormatError(f"{what} holds texts only")
    return dict(mapping)


def _sms(value: object) -> SmsText | None:
    if value is None:
        return None
    body = fields.mapping(value, "sms")
    return SmsText(str(body["template"]), _texts(body["params"], "params"), str(body["text"]))


def _email(value: object) -> EmailText | None:
    if value is None:
        return None
    body = fields.mapping(value, "email")
    qr = body.get("qr")
    return EmailText(
        str(body["subject"]),
        str(body["text"]),
        str(body["html"]),
        qr if isinstance(qr, str) else None,
    )


def _event(value: object) -> WebhookEvent | None:
    if value is None:
        return None
    body = fields.mapping(value, "event")
    return WebhookEvent(str(body["event_id"]), dict(fields.mapping(body["body"], "event body")))
