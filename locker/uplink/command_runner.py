"""Commands from the centre: checked on the locker, run one at a time, every refusal audited.

The check (signatures, certificate chain to the pinned root, role, expiry, target) holds no
state; the nonce is remembered in the store in its own commit before anything runs, so a
replayed command is refused even across a restart. Each result is stored before it is
published, and published again after a reconnect if it may not have left.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from locker.domain.errors import RefusalError
from locker.domain.fleet_courier import FleetCourier
from locker.services.context import LockerContext
from locker.services.errors import NotAllowedError, ServiceRefusal
from locker.services.fleet_couriers import sync_fleet_courier
from locker.services.remote_actions import RemoteAction, remote_actor, run_remote_action
from locker.wire.commands import CLOCK_SKEW_S, AcceptedCommand, check_command
from locker.wire.courier_grants import CourierGrant, check_grant, grant_from_args
from locker.wire.errors import CommandRefusedError, WireFormatError

log = logging.getLogger(__name__)

QUEUE_LIMIT = 100
MAX_DETAIL = 300


class CommandRunner:
    """Runs verified commands on a thread of its own with its own store connection."""

    def __init__(
        self,
        make_context: Callable[[], LockerContext],
        locker_id: str,
        root_key: Ed25519PublicKey,
        opens_per_hour: int,
        publish_result: Callable[[dict[str, Any]], bool],
        rewind_events: Callable[[int], None],
        on_handled: Callable[[], None] | None = None,
    ) -> None:
        self._make_context = make_context
        self._locker_id = locker_id
        self._root_key = root_key
        self._opens_per_hour = opens_per_hour
        self._publish_result = publish_result
        self._rewind_events = rewind_events
        # A command may change what the locker's state shows (a hold keeps doors): tell the
        # uplink, which publishes the state and the new audit records soon.
        self._on_handled = on_handled
        self._inbox: queue.Queue[bytes] = queue.Queue(QUEUE_LIMIT)
        self._republish = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.handled = 0

    def start(self) -> CommandRunner:
        """Run commands on a daemon thread."""
        self._thread = threading.Thread(target=self._run, name="uplink-commands", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout_s: float = 15.0) -> None:
        """Stop after the command in hand (a door's unlock bounds the wait)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout_s)

    def received(self, payload: bytes) -> None:
        """From paho's thread: queue only; a flood past the queue is dropped, never run."""
        try:
            self._inbox.put_nowait(payload)
        except queue.Full:
            log.warning("dropped a remote command: %d are waiting already", QUEUE_LIMIT)

    def connected(self) -> None:
        """The broker is back: results that may not have left go again."""
        self._republish.set()
        with contextlib.suppress(queue.Full):
            self._inbox.put_nowait(b"")

    def _run(self) -> None:
        ctx = self._make_context()
        try:
            while not self._stop.is_set():
                try:
                    payload = self._inbox.get(timeout=0.25)
                except queue.Empty:
                    continue
                try:
                    if self._republish.is_set():
                        self._republish.clear()
                        self._publish_stored(ctx)
                    if payload:
                        self._handle(ctx, payload)
                        self.handled += 1
                        if self._on_handled is not None:
                            self._on_handled()
                except Exception:
                    log.exception("handling a remote command failed")
        finally:
            close = getattr(ctx.store, "close", None)
            if close is not None:
                close()

    def _handle(self, ctx: LockerContext, payload: bytes) -> None:
        now = ctx.clock.now()
        try:
            accepted = check_command(payload, self._locker_id, self._root_key, int(now.timestamp()))
        except CommandRefusedError as refusal:
            self._refuse(ctx, None, refusal.code, refusal.detail)
            return
        command = accepted.command
        with ctx.store.transaction():
            fresh = ctx.store.remember_command(
                command.nonce,
                command.expires_at + CLOCK_SKEW_S,
                command.action,
                command.operator,
                now,
            )
        if not fresh:
            self._refuse(ctx, accepted, "replayed", "this command was received before")
            return
        self._publish_result(_result(accepted, "accepted"))
        try:
            outcome = self._run_action(ctx, accepted)
        except RefusalError as refusal:
            code = str(refusal.code or "refused")
            self._refuse(ctx, accepted, code, str(refusal), stored=True)
            return
        except CommandRefusedError as refusal:
            # A signed part inside the arguments failed its check, as an envelope's would.
            self._refuse(ctx, accepted, refusal.code, refusal.detail, stored=True)
            return
        except Exception as error:
            # A fault no refusal foresaw: the centre still gets a final answer, not silence.
            log.exception("running the remote command %s failed", command.action)
            detail = f"the locker could not run it: {type(error).__name__}"
            self._refuse(ctx, accepted, "failed", detail, stored=True)
            return
        self._finish(ctx, accepted, {**_result(accepted, "done"), "outcome": outcome})

    def _run_action(self, ctx: LockerContext, accepted: AcceptedCommand) -> dict[str, Any]:
        command = accepted.command
        action = RemoteAction(command.action, command.args, command.operator, accepted.operators)
        if command.action == "resend_events":
            from_seq = command.args.get("from_seq")
            if isinstance(from_seq, bool) or not isinstance(from_seq, int) or from_seq < 1:
                raise NotAllowedError(
                    "from_seq is a whole number from 1", code=ServiceRefusal.REMOTE_ARGUMENTS
                )
            with ctx.store.transaction():
                ctx.store.append_audit(
                    remote_actor(action),
                    "uplink.resend_events",
                    str(from_seq),
                    {"from_seq": from_seq},
                    ctx.clock.now(),
                )
            self._rewind_events(from_seq - 1)
            return {"from_seq": from_seq}
        if command.action == "sync_courier":
            return self._sync_courier(ctx, action)
        return run_remote_action(ctx, action, self._opens_per_hour)

    def _sync_courier(self, ctx: LockerContext, action: RemoteAction) -> dict[str, Any]:
        """A fleet courier's grant: the admin's signature inside is checked here, with the wire."""
        now = int(ctx.clock.now().timestamp())
        try:
            signed = grant_from_args(action.args, self._locker_id)
        except WireFormatError as error:
            raise CommandRefusedError("malformed", f"the courier grant: {error}") from error
        grant = check_grant(signed, self._root_key, now)
        if grant.badge_issued_at > grant.signed_at:
            # A badge "issued" later than its grant would outlive badge_valid_days.
            raise CommandRefusedError("malformed", "the badge was issued after the grant")
        return sync_fleet_courier(ctx, _fleet_courier(grant), grant.operator, remote_actor(action))

    def _refuse(
        self,
        ctx: LockerContext,
        accepted: AcceptedCommand | None,
        code: str,
        detail: str,
        stored: bool = False,
    ) -> None:
        """Audit the refusal, so the centre sees it in the locker's own log, and answer it."""
        command = accepted.command if accepted else None
        details: dict[str, Any] = {"code": code, "detail": detail[:MAX_DETAIL]}
        if command is not None:
            details.update(operator=command.operator, nonce=command.nonce)
        with ctx.store.transaction():
            ctx.store.append_audit(
                f"remote:{command.operator}" if command else "remote:unknown",
                "remote.refused",
                command.action if command else "",
                details,
                ctx.clock.now(),
            )
        log.warning("refused a remote command: %s (%s)", code, detail[:MAX_DETAIL])
        answer = {**_result(accepted, "refused"), "code": code, "detail": detail[:MAX_DETAIL]}
        if stored and accepted is not None:
            self._finish(ctx, accepted, answer)
        else:
            self._publish_result(answer)

    def _finish(
        self, ctx: LockerContext, accepted: AcceptedCommand, result: dict[str, Any]
    ) -> None:
        """Store the final result, then publish it."""
        nonce = accepted.command.nonce
        with ctx.store.transaction():
            ctx.store.record_command_result(nonce, result)
        if self._publish_result(result):
            with ctx.store.transaction():
                ctx.store.mark_command_result_published(nonce)

    def _publish_stored(self, ctx: LockerContext) -> None:
        for result in ctx.store.unpublished_command_results():
            if not self._publish_result(result):
                return
            with ctx.store.transaction():
                ctx.store.mark_command_result_published(str(result["nonce"]))


def _result(accepted: AcceptedCommand | None, status: str) -> dict[str, Any]:
    if accepted is None:
        return {"nonce": None, "action": None, "status": status}
    command = accepted.command
    return {
        "nonce": command.nonce,
        "action": command.action,
        "operator": command.operator,
        "status": status,
    }


def _fleet_courier(grant: CourierGrant) -> FleetCourier:
    """The account a checked grant gives, in the use case's terms."""
    return FleetCourier(
        id=grant.courier,
        carrier=grant.carrier,
        name=grant.name,
        pin_hash=grant.pin_hash,
        badge_hash=grant.badge_hash or None,
        badge_issued_at=(
            datetime.fromtimestamp(grant.badge_issued_at, UTC) if grant.badge_issued_at else None
        ),
        active=grant.active,
        revision=grant.revision,
    )
