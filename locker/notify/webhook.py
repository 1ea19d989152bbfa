"""Carriers' webhooks: each event POSTed as signed JSON to its carrier's URL (docs/webhooks.md)."""

from __future__ import annotations

import contextlib
import http.client
import json
import ssl
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from locker.message_channel import WEBHOOK, DeliveryError, OutgoingMessage
from locker.notify.webhook_signature import sign

# The headers docs/webhooks.md describes.
TIMESTAMP_HEADER = "X-Locker-Timestamp"
EVENT_ID_HEADER = "X-Locker-Event-Id"
SIGNATURE_HEADER = "X-Locker-Signature"
USER_AGENT = "locker-webhook/1"
# 408 Request Timeout and 429 Too Many Requests ask us to come back; any other 4xx will not change.
RETRYABLE_CLIENT_ERRORS = frozenset({408, 429})
# Redirects are never followed: the signed event would go where no one configured it to. A
# redirect that says the URL moved for good needs a new setting, not another try.
PERMANENT_REDIRECTS = frozenset({301, 308})
# How much of a carrier's error reply is kept in the error: enough to read on the admin page.
ERROR_TEXT_LIMIT = 200


@dataclass(frozen=True)
class _Target:
    """Where one carrier's events go, and the secret that signs them."""

    https: bool
    host: str
    port: int | None
    path: str
    secret: str


def _target(url: str, secret: str) -> _Target | None:
    """The target `url` names, or None when this channel cannot call it safely."""
    # Printable ASCII only: a space, a line break or a non-ASCII byte cannot go on a request line.
    if not secret or not url or any(not 33 <= ord(char) <= 126 for char in url):
        return None
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:  # a port out of range, an unclosed IPv6 bracket
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    if parts.username is not None or parts.password is not None:
        return None  # the signature authenticates us; credentials in a URL would leak in logs
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return _Target(parts.scheme == "https", parts.hostname, port, path, secret)


def _one_line(text: str, limit: int = ERROR_TEXT_LIMIT) -> str:
    """`text` as one short line of printable characters, for an error message."""
    cleaned = " ".join("".join(c if c.isprintable() else " " for c in text).split())
    return cleaned if len(cleaned) <= limit else cleaned[: limit - 1] + "…"


def _failure(status: int, reason: str, location: str, reply: str) -> DeliveryError | None:
    """The error a reply's status means, or None when the carrier took the event (2xx)."""
    if 200 <= status <= 299:
        return None
    said = _one_line(f"HTTP {status} {reason}" + (f": {reply}" if reply else ""))
    if 300 <= status <= 399:
        moved = _one_line(f"HTTP {status} {reason}: redirect to {location or '?'} not followed")
        return DeliveryError(moved, permanent=status in PERMANENT_REDIRECTS)
    if 400 <= status <= 499:
        return DeliveryError(said, permanent=status not in RETRYABLE_CLIENT_ERRORS)
    return DeliveryError(said)  # 5xx, and anything a server should not have said


class WebhookChannel:
    """Delivers carrier events by HTTP POST, signed per docs/webhooks.md; one call per send."""

    name = WEBHOOK

    def __init__(
        self,
        targets: Mapping[str, tuple[str, str]],
        timeout_s: float,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """`targets` maps a carrier name to its (URL, secret); a URL it cannot call is left out."""
        self._targets = {
            carrier: target
            for carrier, (url, secret) in targets.items()
            if (target := _target(url, secret)) is not None
        }
        self._timeout_s = timeout_s
        self._clock = clock
        https = any(target.https for target in self._targets.values())
        self._tls = ssl.create_default_context() if https else None

    def reaches(self, recipient: str) -> bool:
        """True when the carrier named `recipient` has a webhook this channel can call."""
        return recipient in self._targets

    def send(self, message: OutgoingMessage) -> str:
        """POST the message's event to its carrier; returns the event id as the receipt."""
        target = self._targets.get(message.recipient)
        if target is None:
            raise DeliveryError(
                _one_line(f"no webhook for carrier {message.recipient!r}"), permanent=True
            )
        event = message.event
        if event is None:
            raise DeliveryError("the message carries no webhook event", permanent=True)
        if not event.event_id or any(not 33 <= ord(c) <= 126 for c in event.event_id):
            raise DeliveryError(_one_line(f"bad event id {event.event_id!r}"), permanent=True)
        try:
            # Strict JSON (no NaN), as it comes: UTF-8, without escapes the carrier must undo.
            text = json.dumps(
                event.body,
                ensure_ascii=False,
                sort_keys=True,
                separators=(",", ":"),
                allow_nan=False,
            )
            body = text.encode("utf-8")
        except (TypeError, ValueError) as error:
            raise DeliveryError(_one_line(f"not JSON: {error}"), permanent=True) from None
        # A fresh timestamp, hence a fresh signature, on every try; the event id stays.
        timestamp = str(int(self._clock()))
        headers = {
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            TIMESTAMP_HEADER: timestamp,
            EVENT_ID_HEADER: event.event_id,
            SIGNATURE_HEADER: sign(target.secret, timestamp, body),
        }
        failure = _failure(*self._post(target, body, headers))
        if failure is not None:
            raise failure
        return event.event_id

    def _post(
        self, target: _Target, body: bytes, headers: dict[str, str]
    ) -> tuple[int, str, str, str]:
        """POST `body`; the reply's status, reason, Location and the start of its text."""
        connection: http.client.HTTPConnection
        if target.https:
            connection = http.client.HTTPSConnection(
                target.host, target.port, timeout=self._timeout_s, context=self._tls
            )
        else:
            connection = http.client.HTTPConnection(
                target.host, target.port, timeout=self._timeout_s
            )
        try:
            connection.request("POST", target.path, body=body, headers=headers)
            response = connection.getresponse()
            reply = b""
            if not 200 <= response.status <= 299:
                # The status says what happened; the text, when it comes, says why.
                with contextlib.suppress(OSError, http.client.HTTPException):
                    reply = response.read(ERROR_TEXT_LIMIT)
            location = response.getheader("Location") or ""
            return response.status, response.reason, location, reply.decode("utf-8", "replace")
        except TimeoutError:
            raise DeliveryError(f"no reply within {self._timeout_s:g} s") from None
        except (OSError, http.client.HTTPException) as error:
            detail = _one_line(f"{type(error).__name__}: {error}")
            raise DeliveryError(f"webhook call failed: {detail}") from None
        finally:
            connection.close()
