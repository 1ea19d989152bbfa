"""Remote actions: an operator's password opens their key for one signature, then it leaves.

A command is recorded before it is published, under the form's one-time id, so a form posted
three times at once sends one command. An occupied door needs a second operator: the first
signed envelope waits as `pending` until another operator countersigns it.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Mapping
from typing import Any

from locker.centre import command_log
from locker.centre.operators import OperatorError, OperatorSigner, operator_signer
from locker.centre.store import CentreStore
from locker.domain.layout import LABEL_PATTERN
from locker.domain.plain_text import MAX_REASON_CHARS, is_one_line
from locker.wire import fields
from locker.wire.broker_link import BrokerAddress, BrokerLink
from locker.wire.commands import (
    MAX_LIFETIME_S,
    OPERATOR_ACTIONS,
    SignedCommand,
    command_from_bytes,
    new_command,
)
from locker.wire.commands import sign_command as add_signature
from locker.wire.topics import LockerTopics, locker_of, shared

log = logging.getLogger(__name__)

MIN_REASON_CHARS = 3
MAX_ALARM_NUMBER = 2**53
# The locker answers a door action within seconds; a second operator gets the whole lifetime.
LIFETIME_S = 60
PENDING_LIFETIME_S = MAX_LIFETIME_S


class RemoteError(Exception):
    """A remote action cannot be sent; `code` picks the console's message."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def checked_args(action: str, form: Mapping[str, str]) -> dict[str, str | int | bool]:
    """The action's arguments from a form, or RemoteError naming the first bad field."""
    if action not in OPERATOR_ACTIONS:
        raise RemoteError("action")
    if action == "reissue_code":
        tracking = form.get("tracking", "").strip()
        if not fields.NAME.fullmatch(tracking):
            raise RemoteError("tracking")
        return {"tracking": tracking}
    if action == "acknowledge_alarm":
        number = form.get("alarm", "").strip()
        if not number.isascii() or not number.isdigit() or not 1 <= int(number) <= MAX_ALARM_NUMBER:
            raise RemoteError("alarm")
        return {"alarm": int(number), "note": _text(form.get("note", ""), "note", 0)}
    door = form.get("door", "").strip()
    if not LABEL_PATTERN.fullmatch(door):
        raise RemoteError("door")
    if action == "in_service":
        return {"door": door, "looked_inside": form.get("looked_inside") == "yes"}
    return {"door": door, "reason": _text(form.get("reason", ""), "reason", MIN_REASON_CHARS)}


def _text(value: str, code: str, min_chars: int) -> str:
    text = value.strip()
    if len(text) < min_chars or not is_one_line(text, MAX_REASON_CHARS):
        raise RemoteError(code)
    return text


class RemoteDesk:
    """Signs, records and publishes the console's commands."""

    def __init__(
        self,
        store: CentreStore,
        publish: Callable[[str, bytes], bool],
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._store = store
        self._publish = publish
        self._clock = clock

    def send(
        self,
        request_id: str,
        locker_id: str,
        action: str,
        args: dict[str, str | int | bool],
        username: str,
        password: str,
        pending: bool = False,
    ) -> str:
        """Sign as the operator and send (or hold for a second operator); the command's nonce."""
        done = command_log.by_request(self._store, request_id)
        if done is not None:
            return done.nonce
        signer = self._signer(username, password)
        now = self._clock()
        lifetime = PENDING_LIFETIME_S if pending else LIFETIME_S
        command = new_command(locker_id, action, args, username, int(now), lifetime)
        signed = add_signature(command, signer.certificate, signer.key)
        row = {
            "nonce": command.nonce,
            "request_id": request_id,
            "locker_id": locker_id,
            "action": action,
            "args": json.dumps(args, sort_keys=True, ensure_ascii=False),
            "operator": username,
            "status": "pending" if pending else "signing",
            "envelope": signed.to_bytes().decode(),
            "created_at": now,
            "expires_at": float(command.expires_at),
            "updated_at": now,
        }
        if not command_log.record(self._store, row):
            # The same form, posted again while this one was signing: the first one sends.
            again = command_log.by_request(self._store, request_id)
            assert again is not None
            return again.nonce
        if not pending:
            self._send(signed)
        return command.nonce

    def countersign(self, nonce: str, username: str, password: str) -> str:
        """A second operator's signature on a pending command, which then leaves."""
        found = command_log.one(self._store, nonce)
        if found is None or found.envelope is None:
            raise RemoteError("not_pending")
        if found.operator == username:
            raise RemoteError("same_operator")
        signer = self._signer(username, password)
        if not command_log.claim_pending(self._store, nonce, username, self._clock()):
            raise RemoteError("not_pending")
        signed = add_signature(
            command_from_bytes(found.envelope.encode()), signer.certificate, signer.key
        )
        command_log.mark(self._store, nonce, self._clock(), envelope=signed.to_bytes().decode())
        self._send(signed)
        return nonce

    def _signer(self, username: str, password: str) -> OperatorSigner:
        try:
            return operator_signer(self._store, username, password)
        except OperatorError:
            # Nothing was recorded and nothing leaves.
            raise RemoteError("password") from None

    def _send(self, signed: SignedCommand) -> None:
        nonce = signed.command.nonce
        # Marked sent first: the locker's answer may come back before publish() returns.
        command_log.mark(self._store, nonce, self._clock(), status="sent", sent_at=self._clock())
        if not self._publish(LockerTopics(signed.command.locker_id).cmd, signed.to_bytes()):
            command_log.mark(self._store, nonce, self._clock(), status="unsent")
            raise RemoteError("unsent")


class CommandLink:
    """The centre's link for commands: publishes them, and hears every locker's results."""

    def __init__(
        self,
        make_store: Callable[[], CentreStore],
        address: BrokerAddress,
        clock: Callable[[], float] = time.time,
        on_result: Callable[[], None] = lambda: None,
        on_other_result: Callable[[str, dict[str, Any]], bool] | None = None,
    ) -> None:
        self._store = make_store()
        self._clock = clock
        self._on_result = on_result
        # Results of commands the console did not send (carriers' orders), with their locker.
        self._on_other_result = on_other_result
        self.link = BrokerLink(address, [shared("cmd/result")], self._received)

    def start(self) -> CommandLink:
        """Connect in the background."""
        self.link.start()
        return self

    def stop(self) -> None:
        """Disconnect and release the store."""
        self.link.stop()
        self._store.close()

    def publish(self, topic: str, payload: bytes) -> bool:
        """Hand a command to the broker (QoS 1); False with no connection."""
        return self.link.publish(topic, payload)

    def _received(self, topic: str, payload: bytes) -> None:
        try:
            result = json.loads(payload.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
            log.warning("ignored a malformed command result on %s", topic)
            return
        if not isinstance(result, dict) or fields.holds_nul(result):
            log.warning("ignored a command result on %s that is no object of plain text", topic)
            return
        if command_log.apply_result(self._store, result, self._clock()):
            self._on_result()
            return
        locker_id = locker_of(topic)
        if self._on_other_result is not None and locker_id is not None:
            self._on_other_result(locker_id, result)
